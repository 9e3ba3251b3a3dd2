"""Each metric on hand-made cases."""

from __future__ import annotations

import pytest

from assistant.schema import Chunk, Source
from evals import metrics


def source(quote: str, chunk_id: str = "c1", title: str = "T") -> Source:
    return Source(
        n=1,
        doc_id="d",
        chunk_id=chunk_id,
        title=title,
        url="",
        lang="en",
        section="",
        as_of="",
        quote=quote,
        score=1.0,
    )


CHUNK = Chunk(
    chunk_id="c1",
    doc_id="d",
    text="In Finland, 8 % of the ERDF resources of the programme\nare directed to "
    "sustainable urban development.",
)


def test_must_include_groups_are_any_of_case_and_space_insensitive():
    answer = "In  Finland,\n8 %  of the erdf resources go there."
    assert metrics.missing_groups(answer, [["8 %", "8%"], ["ERDF"]]) == []
    assert metrics.missing_groups(answer, [["ERDF"], ["EUR 150 million", "150"]]) == [
        ["EUR 150 million", "150"]
    ]


def test_passed_rules():
    assert metrics.passed(answerable=True, refused=False, missing=[])
    assert not metrics.passed(answerable=True, refused=True, missing=[])  # false refusal
    assert not metrics.passed(answerable=True, refused=False, missing=[["x"]])
    assert metrics.passed(answerable=False, refused=True, missing=[])
    assert not metrics.passed(answerable=False, refused=False, missing=[])


def test_citation_validity_tampered_missing_and_ellipsis():
    chunks = {"c1": CHUNK}
    good = source("8 % of the ERDF resources of the programme are directed")  # newline in chunk
    tampered = source("9 % of the ERDF resources of the programme are directed")
    ellipsis = source("…are directed to sustainable urban development.")
    missing = source("8 %", chunk_id="gone")
    empty = source("   ")
    assert metrics.check_citations([good, tampered, ellipsis, missing, empty], chunks) == [
        True,
        False,
        True,
        False,
        False,
    ]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        (
            "In Finland, 8 % of the ERDF resources are directed to sustainable urban development "
            "[1].",
            "en",
        ),
        (
            "Suomessa 8 % ohjelman EAKR-varoista on osoitettu kestävään kaupunkikehittämiseen [1].",
            "fi",
        ),
        (
            "I Finland har 8 % av programmets Eruf-medel anvisats till hållbar "
            "stadsutveckling [1].",
            "sv",
        ),
        # Finnish names and a Finnish quote inside an English answer stay English
        (
            'The programme is called "Uudistuva ja osaava Suomi 2021–2027" and Innovoivat '
            "Kaupungit runs it; Tampereen kaupunki is one of the cities taking part in it [1].",
            "en",
        ),
        # a list of place names, comma-separated, says nothing about the reply's language
        (
            "The cities are Helsinki, Espoo, Vantaa, Tampere, Turku, Oulu, Rovaniemi, Vaasa, "
            "Joensuu, Kuopio, Jyväskylä, Lappeenranta and Lahti [1].",
            "en",
        ),
        (
            "Kaupungit ovat Helsinki, Espoo, Vantaa, Tampere, Turku, Oulu, Rovaniemi, Vaasa, "
            "Joensuu, Kuopio, Jyväskylä, Lappeenranta ja Lahti [1].",
            "fi",
        ),
        (
            "Städerna är Helsinki, Espoo, Vantaa, Tampere, Turku, Oulu, Rovaniemi, Vaasa, "
            "Joensuu, Kuopio, Jyväskylä, Lappeenranta och Lahti [1].",
            "sv",
        ),
        # a parenthesis giving the name in the other languages
        (
            "The programme was run by the Ministry of Finance (valtiovarainministeriö, VM; in "
            "Swedish finansministeriet) [1].",
            "en",
        ),
        (
            "Ohjelmaa johti valtiovarainministeriö (in English the Ministry of Finance, på "
            "svenska finansministeriet) [1].",
            "fi",
        ),
        (
            "Programmet leddes av finansministeriet (på finska valtiovarainministeriö, in English "
            "the Ministry of Finance) [1].",
            "sv",
        ),
    ],
)
def test_answer_language(text, lang):
    assert metrics.answer_language(text) == lang


@pytest.mark.parametrize(
    ("text", "kept", "dropped"),
    [
        ("Contact Tampere. Then apply.", "Then", "Tampere"),
        ("- Apply in Espoo\n2. Write to Vantaa", "Write", "Vantaa"),
        ("Ota yhteyttä: Pirkanmaan liittoon, Tampereella.", "liittoon", "Tampereella"),
        ("Kontakta förbundet i Tammerfors.\nDärefter ansöker du.", "Därefter", "Tammerfors"),
    ],
)
def test_only_sentence_and_line_openers_keep_their_capital(text, kept, dropped):
    stripped = metrics.strip_for_language(text)
    assert kept in stripped and dropped not in stripped


def test_source_titles_and_title_words_are_left_out():
    title = "Tampereen ekosysteemisopimuksen rahoitus"
    text = "See Tampereen ekosysteemisopimuksen rahoitus [1] and Rahoitus for the details."
    stripped = metrics.strip_for_language(text, [title])
    assert "Tampereen" not in stripped and "Rahoitus" not in stripped
    assert metrics.answer_language(text, [title]) == "en"


def test_too_little_left_falls_back_to_the_full_text():
    # only names remain after stripping -> detection runs on the full text, which is Swedish
    assert metrics.strip_for_language("Business Tampere [1].") == "."
    text = "Kontakta Business Tampere [1]."
    assert metrics.answer_language(text) in metrics.LANG_ORDER
    assert metrics.answer_language("") is None


def test_wrong_language_answer_is_detected():
    finnish = "Suomessa 8 % ohjelman EAKR-varoista on osoitettu kestävään kaupunkikehittämiseen."
    assert metrics.answer_language(finnish) != "en"


def test_doc_matching_exact_or_same_topic_in_another_language():
    assert metrics.doc_matches("funding-fi", ["funding-en"])
    assert metrics.doc_matches("funding-en", ["funding-en"])
    assert metrics.doc_matches("guide", ["guide"])
    assert not metrics.doc_matches("agreement-en", ["funding-en"])
    assert not metrics.doc_matches("funding-enx", ["funding-en"])
    assert metrics.first_hit_rank(["agreement-en", "funding-sv"], ["funding-en"]) == 2
    assert metrics.first_hit_rank(["a"] * 5 + ["funding-en"], ["funding-en"]) == 0


def record(
    lang="en",
    answerable=True,
    refused=False,
    passed=True,
    match=True,
    cites=True,
    latency=100.0,
    hit=None,
):
    return {
        "lang": lang,
        "answerable": answerable,
        "refused": refused,
        "passed": passed,
        "language_match": match,
        "citations_valid": cites,
        "latency_ms": latency,
        "hit_rank": hit,
    }


def test_summary_counts():
    records = [
        record(hit=1),
        record(refused=True, passed=False, cites=None, latency=300.0, hit=2),  # false refusal
        record(lang="fi", passed=False, match=False, cites=False, hit=0),
        record(lang="fi", answerable=False, refused=True, passed=True, cites=None),
        record(lang="sv", answerable=False, refused=False, passed=False, cites=True),
    ]
    s = metrics.summarise_by_lang(records)
    overall = s["overall"]
    assert list(overall) == [*metrics.SUMMARY_KEYS, *metrics.REPORT_KEYS, *metrics.RETRIEVAL_KEYS]
    assert overall["n"] == 5
    assert overall["key_fact_accuracy"] == pytest.approx(1 / 3, abs=1e-4)
    assert overall["false_refusal_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert overall["refusal_accuracy"] == 0.5
    assert overall["language_match"] == 0.8
    assert overall["citation_validity"] == pytest.approx(2 / 3, abs=1e-4)
    assert overall["latency_ms_p50"] == 100.0
    assert overall["latency_ms_p95"] == pytest.approx(260.0)
    assert overall["hit_at_k"] == pytest.approx(2 / 3, abs=1e-4)
    assert overall["mrr"] == pytest.approx((1 + 0.5 + 0) / 3, abs=1e-4)
    assert list(s["by_lang"]) == ["en", "fi", "sv"]
    assert s["by_lang"]["sv"]["key_fact_accuracy"] is None  # no answerable sv question
    assert "hit_at_k" not in s["by_lang"]["sv"]


# --- citation_url_validity ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://www.pirkanmaa.fi/x/", "pirkanmaa.fi/x"),
        ("https://pirkanmaa.fi/x", "pirkanmaa.fi/x"),
        ("http://tampere.cloudnc.fi/", "tampere.cloudnc.fi"),
        ("https://tem.fi/en/Talent-Boost-en", "tem.fi/en/Talent-Boost-en"),  # case kept
        ("https://www2.example.fi/a?b=1", "www2.example.fi/a?b=1"),
    ],
)
def test_url_key(url, key):
    assert metrics.url_key(url) == key


def test_bad_urls_are_the_cited_urls_outside_the_gold():
    gold = ["https://tem.fi/en/talent-boost-en", "https://talentboost.fi/en/regional-actors"]
    cited = [
        "https://www.tem.fi/en/talent-boost-en/",
        "https://rakennerahastot.fi/sv/vastra-finland/tammerfors",
        "",
    ]
    assert metrics.bad_urls(cited, gold) == cited[1:]
    assert metrics.bad_urls(cited[:1], gold) == []


def url_record(gold, valid, lang="en"):
    return {**record(lang=lang), "gold_urls": gold, "citation_urls_valid": valid}


def test_citation_url_validity_counts_only_questions_with_gold_and_citations():
    records = [
        url_record(["https://a.fi/"], True),
        url_record(["https://a.fi/"], False, lang="fi"),
        url_record(["https://a.fi/"], None, lang="fi"),  # nothing cited: not counted
        url_record([], None, lang="sv"),  # no gold: not counted
        record(lang="sv"),  # an older record without the fields
    ]
    s = metrics.summarise_by_lang(records)
    assert s["overall"]["citation_url_validity"] == 0.5
    assert s["by_lang"]["en"]["citation_url_validity"] == 1.0
    assert s["by_lang"]["fi"]["citation_url_validity"] == 0.0
    assert "citation_url_validity" not in s["by_lang"]["sv"]  # no gold in this language
    assert "citation_url_validity" in metrics.ALL_METRICS
    assert "citation_url_validity" in metrics.RULES


def test_citation_url_validity_is_none_when_gold_questions_cite_nothing():
    summary = metrics.summarise([url_record(["https://a.fi/"], None)])
    assert "citation_url_validity" in summary and summary["citation_url_validity"] is None


@pytest.mark.parametrize(
    ("passed", "n", "low", "high"),
    [
        # Reference values of the Wilson score interval (z = 1.96).
        (45, 50, 0.7864, 0.9565),
        (50, 50, 0.9287, 1.0),
        (0, 10, 0.0, 0.2775),
    ],
)
def test_wilson_interval_matches_reference_values(passed, n, low, high):
    interval = metrics._wilson([True] * passed + [False] * (n - passed))
    assert interval == pytest.approx([low, high], abs=1e-3)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("The agreement runs until 2027. [1]", 5),
        ("Sopimus on voimassa vuoteen 2027. [1] [2]", 5),
        ("Avtalet gäller till 2027. [12]", 4),
    ],
)
def test_answer_words_drop_citation_markers(text, words):
    assert metrics.answer_words(text) == words


def test_summary_reports_intervals_and_median_answer_length():
    records = [
        {
            "answerable": True,
            "passed": True,
            "refused": False,
            "language_match": True,
            "citations_valid": True,
            "latency_ms": 1.0,
            "answer": "one two three [1]",
        },
        {
            "answerable": True,
            "passed": False,
            "refused": False,
            "language_match": True,
            "citations_valid": True,
            "latency_ms": 1.0,
            "answer": "one [1]",
        },
        {
            "answerable": False,
            "passed": True,
            "refused": True,
            "language_match": False,
            "citations_valid": None,
            "latency_ms": 1.0,
            "answer": "no",
        },
    ]
    summary = metrics.summarise(records)
    assert summary["answer_words_median"] == 2.0
    assert (
        summary["intervals"]["key_fact_accuracy"][0]
        < 0.5
        < summary["intervals"]["key_fact_accuracy"][1]
    )
    assert summary["intervals"]["refusal_accuracy"][1] == 1.0
