"""The runner against the scripted assistant: how questions are asked and how answers score."""

from __future__ import annotations

from evals import metrics
from evals.runner import evaluate, failed


def by_id(records):
    return {r["id"]: r for r in records}


def test_correct_answers_score_perfectly(fake, questions):
    records = evaluate(fake, questions, progress=False)
    overall = metrics.summarise(records)
    assert overall["key_fact_accuracy"] == 1.0
    assert overall["refusal_accuracy"] == 1.0
    assert overall["false_refusal_rate"] == 0.0
    assert overall["language_match"] == 1.0
    assert overall["citation_validity"] == 1.0
    # en-share rank 1, fi-share rank 2 (funding-fi matches gold funding-en), sv rank 1, en miss
    assert overall["hit_at_k"] == 0.75
    assert overall["mrr"] == 0.625
    assert not any(failed(r) for r in records)


def test_asked_as_a_user_never_with_the_expected_language(fake, questions):
    evaluate(fake, questions, progress=False)
    assert [q for q, _ in fake.ask_calls] == [q.question for q in questions]
    for _, kwargs in fake.ask_calls:
        assert set(kwargs) == {"history"}
    follow_up = dict(fake.ask_calls)["Och vad hette den tidigare?"]["history"]
    assert [t.content for t in follow_up][0].startswith("Vad heter den nationella")
    # retrieval is measured with the assistant's standalone question for follow-ups
    assert "Vad hette Innovativa städer och samhällen tidigare?" in fake.search_calls


def test_tampered_quote_makes_citation_validity_below_one(fake, scripts, questions):
    script = scripts["Which strategic priorities does the Tampere agreement have?"]
    chunk_id = script.cite[0]
    script.quotes[chunk_id] = script.quotes[chunk_id].replace("digital health", "digital wealth")
    records = by_id(evaluate(fake, questions, progress=False))
    assert records["en-priorities"]["citations_valid"] is False
    assert records["en-priorities"]["sources"][0]["valid"] is False
    assert failed(records["en-priorities"])
    assert metrics.summarise(list(records.values()))["citation_validity"] == 0.75


def test_wrong_language_answer_fails_language_match(fake, scripts, questions):
    # the English question answered in Finnish, while the Answer claims to be English
    fi_text = scripts[questions[1].question]
    en_script = scripts[questions[0].question]
    en_script.answer, en_script.language = fi_text.answer, "en"
    records = by_id(evaluate(fake, questions, progress=False))
    assert records["en-share"]["language"] == "fi"
    assert records["en-share"]["language_match"] is False
    assert records["en-share"]["passed"] is True  # the fact is there; language is its own metric
    assert metrics.summarise(list(records.values()))["language_match"] == round(5 / 6, 4)


def test_refused_answerable_question_is_a_false_refusal(fake, scripts, questions):
    script = scripts[questions[0].question]
    script.refused = True  # the text still holds the fact: a refusal never passes
    records = by_id(evaluate(fake, questions, progress=False))
    assert records["en-share"]["passed"] is False
    overall = metrics.summarise(list(records.values()))
    assert overall["false_refusal_rate"] == 0.25
    assert overall["key_fact_accuracy"] == 0.75


def test_unanswerable_answered_and_missing_facts(fake, scripts, questions):
    scripts["What will the weather be like in Tampere tomorrow?"].refused = False
    scripts[questions[3].question].answer = "The priority is Sustainable Industry X [1]."
    records = by_id(evaluate(fake, questions, progress=False))
    assert records["en-weather"]["passed"] is False
    assert records["en-priorities"]["missing"] == [["digital health"]]
    overall = metrics.summarise(list(records.values()))
    assert overall["refusal_accuracy"] == 0.5


def test_the_reply_is_scored_as_users_read_it_with_its_next_step(fake, scripts, questions):
    # Every channel shows the next step (the asker's route) after the answer: a key fact there
    # is in the reply, and its words are the reply's.
    script = scripts[questions[3].question]
    script.answer = "The priority is Sustainable Industry X [1]."
    script.next_step = "Another one is digital health [2]."
    records = by_id(evaluate(fake, questions, progress=False))
    assert records["en-priorities"]["missing"] == []
    assert records["en-priorities"]["answer"].endswith("\n\nAnother one is digital health [2].")


def test_an_exception_is_a_failed_answer_not_a_crash(fake, questions):
    def boom(question, **kwargs):
        raise RuntimeError("store unreachable")

    fake.ask = boom
    records = evaluate(fake, questions, progress=False)
    assert all(r["error"] == "RuntimeError: store unreachable" for r in records)
    assert not any(r["passed"] for r in records)


def _with_url(fake, question_id, questions, url):
    """Give the chunks the question's script cites a source URL, like a marker would."""
    script = fake.scripts[next(q.question for q in questions if q.id == question_id)]
    for chunk_id in script.cite:
        fake.chunks[chunk_id] = fake.chunks[chunk_id].model_copy(update={"url": url})


def test_cited_urls_are_checked_against_gold_source_urls(fake, questions):
    page = "https://innokaupungit.fi/tietoa-meista/rahoitus/"
    _with_url(fake, "en-share", questions, page)
    _with_url(
        fake, "fi-share", questions, "https://rakennerahastot.fi/sv/vastra-finland/tammerfors"
    )
    gold = {"en-share": ["https://www.innokaupungit.fi/tietoa-meista/rahoitus"],
            "fi-share": [page], "en-weather": [page]}  # fmt: skip
    qs = [q.model_copy(update={"source_urls": gold.get(q.id, [])}) for q in questions]
    records = by_id(evaluate(fake, qs, progress=False))

    assert records["en-share"]["citation_urls_valid"] is True
    assert records["en-share"]["sources"][0]["url"] == page
    assert records["fi-share"]["citation_urls_valid"] is False
    assert records["fi-share"]["off_gold_urls"] == [
        "https://rakennerahastot.fi/sv/vastra-finland/tammerfors"
    ]
    assert failed(records["fi-share"])
    assert records["en-weather"]["citation_urls_valid"] is None  # refused, cites nothing
    assert records["sv-earlier"]["citation_urls_valid"] is None  # no gold
    assert metrics.summarise(list(records.values()))["citation_url_validity"] == 0.5


def test_a_refusal_that_cites_is_checked_too(fake, scripts, questions, chunks):
    weather = scripts["What will the weather be like in Tampere tomorrow?"]
    weather.cite = [next(c.chunk_id for c in chunks if c.doc_id == "funding-en")]
    _with_url(fake, "en-weather", questions, "https://tem.fi/en/ecosystem-agreements")
    qs = [
        q.model_copy(update={"source_urls": ["https://innokaupungit.fi/"]})
        if q.id == "en-weather"
        else q
        for q in questions
    ]
    record = by_id(evaluate(fake, qs, progress=False))["en-weather"]
    assert record["refused"] is True
    assert record["citation_urls_valid"] is False
