"""The translation-parity extractor on hand-made sentences in en, fi and sv."""

from __future__ import annotations

import pytest

from .parity import compare_documents, extract, mismatches

CASES = [
    # amounts: decimal point or comma, million / miljoonaa / miljoner / milj. / M€
    ("en", "about EUR 21.6 million for 2022", "amount", {"21600000"}),
    ("fi", "noin 21,6 miljoonaa euroa vuodelle 2022", "amount", {"21600000"}),
    ("fi", "21,6 milj. euroa ja 6,9 miljoonan euron lisäys", "amount", {"21600000", "6900000"}),
    ("sv", "cirka 21,6 miljoner euro för 2022", "amount", {"21600000"}),
    ("en", "one call (2 M€) and EUR 128,810 in one decision", "amount", {"2000000", "128810"}),
    ("fi", "AKKE-rahoitusta 128 810 euroa", "amount", {"128810"}),
    ("sv", "AKKE-finansiering på 128 810 euro och ~EUR 140 M", "amount", {"128810", "140000000"}),
    ("fi", "lisäksi noin 6,9 miljoonaa verkostolle", "amount", {"6900000"}),
    # percentages
    ("en", "60 % ERDF and state, 40% city; at least 25 per cent", "percent", {"60%", "40%", "25%"}),
    ("fi", "60 % EAKR ja valtio, vähintään 25 prosenttia", "percent", {"60%", "25%"}),
    ("sv", "stödnivån är 75 procent, 8 % av Eruf", "percent", {"75%", "8%"}),
    # dates to ISO, ranges take the year of their end
    (
        "en",
        "signed on Tuesday 9 Feb 2021, valid until 31 December 2027",
        "date",
        {
            "2021-02-09",
            "2027-12-31",
        },
    ),
    (
        "en",
        "open 12 May – 12 June 2022; decided on May 12, 2022",
        "date",
        {
            "2022-05-12",
            "2022-06-12",
        },
    ),
    ("en", "open 12.5.–12.6.2022", "date", {"2022-05-12", "2022-06-12"}),
    ("fi", "haku oli auki 12.5.–12.6.2022", "date", {"2022-05-12", "2022-06-12"}),
    ("fi", "allekirjoitettiin tiistaina 9. helmikuuta 2021", "date", {"2021-02-09"}),
    ("fi", "asetettiin 6.2.2020, haku 2.4.–6.5.", "date", {"2020-02-06", "--04-02", "--05-06"}),
    (
        "sv",
        "undertecknades den 9 februari 2021 och gäller till 31.12.2027",
        "date",
        {
            "2021-02-09",
            "2027-12-31",
        },
    ),
    ("sv", "öppen 12 maj–12 juni 2022", "date", {"2022-05-12", "2022-06-12"}),
    ("sv", "som pågick 12.5–12.6.2022", "date", {"2022-05-12", "2022-06-12"}),
    # years: spans, "2024/25", and the years of full dates
    ("en", "construction from 2024/25, first residents in 2025", "year", {"2024", "2025"}),
    ("fi", "ohjelma toimi 2020–2022 ja asetettiin 6.2.2020", "year", {"2020", "2022"}),
    ("sv", "rakentaminen 2024–25; perioden 2021–2027", "year", {"2024", "2025", "2021", "2027"}),
    # other numbers of 100 and more; small counts are often words in one language
    ("en", "246 ha and 25,000 residents in 16 city regions", "number", {"246", "25000"}),
    ("fi", "246 hehtaaria ja 25 000 asukasta, 16 kaupunkiseutua", "number", {"246", "25000"}),
    (
        "sv",
        "246 hektar och 25 000 invånare; regionen har över 420 000 invånare",
        "number",
        {
            "246",
            "25000",
            "420000",
        },
    ),
    # people: inflected Finnish surnames and Swedish genitives map to the listed name
    ("en", "Contact Jukka Järvinen or Monna Salmi.", "name", {"Jukka Järvinen", "Monna Salmi"}),
    (
        "fi",
        "Jukka Järviseltä ja Tiina Ramstedt-Senille; Jaana Niittyniemen numero",
        "name",
        {
            "Jukka Järvinen",
            "Tiina Ramstedt-Sen",
            "Jaana Niittyniemi",
        },
    ),
    (
        "sv",
        "Jaana Niittyniemis nummer; Riina Niemi och Riina Pulkkinen",
        "name",
        {
            "Jaana Niittyniemi",
            "Riina Niemi",
            "Riina Pulkkinen",
        },
    ),
    # phones in national form
    ("en", "phone +358 50 326 1620", "phone", {"0503261620"}),
    ("fi", "puh. 050 326 1620", "phone", {"0503261620"}),
    ("sv", "tfn 050-3261620", "phone", {"0503261620"}),
    # URLs: scheme, www. and a trailing slash do not matter
    ("en", "apply at https://www.eura2021.fi/ (EURA 2021)", "url", {"eura2021.fi"}),
    ("fi", "hae osoitteessa https://eura2021.fi", "url", {"eura2021.fi"}),
    (
        "sv",
        "se [sidan](https://innokaupungit.fi/en/cities/tampere/).",
        "url",
        {"innokaupungit.fi/en/cities/tampere"},
    ),
]


@pytest.mark.parametrize(("lang", "text", "kind", "expected"), CASES)
def test_extract(lang: str, text: str, kind: str, expected: set[str]) -> None:
    assert extract(text, lang)[kind] == expected


def test_kinds_do_not_bleed_into_each_other() -> None:
    facts = extract(
        "For 2022 about EUR 21.6 million (decided 10.2.2022), 8 %, phone 050 326 1620, "
        "https://sttinfo.fi/tiedote/70104656, regulation 2021/1058.",
        "en",
    )
    assert facts["amount"] == {"21600000"}
    assert facts["percent"] == {"8%"}
    assert facts["date"] == {"2022-02-10"}
    assert facts["year"] == {"2022", "2021"}
    assert facts["phone"] == {"0503261620"}
    assert facts["url"] == {"sttinfo.fi/tiedote/70104656"}
    assert facts["number"] == {"1058"}  # not the phone, the URL's digits, the date or the amount


SAME = {
    "en": "The call was open 12.5.–12.6.2022 and had EUR 21.6 million. Ask Jukka Järvinen.",
    "fi": "Haku oli auki 12.5.–12.6.2022, ja siinä oli 21,6 milj. euroa. Kysy Jukka Järviseltä.",
    "sv": "Utlysningen var öppen 12 maj–12 juni 2022 med 21,6 miljoner euro. Fråga Jukka Järvinen.",
}


def test_translations_that_agree_have_no_mismatch() -> None:
    assert mismatches({lang: extract(text, lang) for lang, text in SAME.items()}) == []


@pytest.mark.parametrize(
    ("lang", "old", "new", "kind"),
    [
        ("fi", "21,6 milj.", "12,6 milj.", "amount"),
        ("sv", "12 juni 2022", "13 juni 2022", "date"),
        ("en", "Jukka Järvinen", "Jukka Virtanen", "name"),
    ],
)
def test_one_change_in_one_language_is_a_mismatch(lang, old, new, kind) -> None:
    changed = {**SAME, lang: SAME[lang].replace(old, new)}
    assert changed[lang] != SAME[lang]
    found = mismatches({code: extract(text, code) for code, text in changed.items()})
    assert [line.split(":")[0] for line in found] == [kind]


def test_structure_mismatch_is_reported_before_facts() -> None:
    en = [(1, "Title", "x"), (2, "A", "EUR 2 million")]
    fi = [(1, "Otsikko", "x"), (3, "A", "2 milj. euroa")]
    sv = [(1, "Titel", "x"), (2, "A", "2 miljoner euro")]
    assert compare_documents({"en": en, "fi": fi, "sv": sv})[0].startswith(
        "heading structure differs"
    )
    fi[1] = (2, "A", "3 milj. euroa")
    (line,) = compare_documents({"en": en, "fi": fi, "sv": sv})
    assert line.startswith("section 1 (") and "amount" in line
