"""Sentence units, table-driven in en, fi and sv: where a sentence ends and where it does not."""

from __future__ import annotations

import pytest

from assistant.answer.units import split_units

CASES = [
    # A date ending in a dot, then a bracket opening on lower case: one sentence.
    (
        "en",
        "A call for lead projects was open 2.4.–6.5. (the year is not given) with EUR 2 million "
        "in total, and a new round is planned for 2026.",
        1,
    ),
    (
        "fi",
        "Vetovastuuhankkeiden haku oli avoinna 2.4.–6.5. (vuotta ei mainita), ja tukea oli "
        "haettavana yhteensä 2 miljoonaa euroa.",
        1,
    ),
    (
        "sv",
        "En ansökningsomgång var öppen 2.4.–6.5. (året anges inte) med sammanlagt 2 miljoner "
        "euro i stöd, och en ny omgång planeras för 2026.",
        1,
    ),
    # A bracket opening on upper case starts a sentence of its own, as a capital letter does.
    (
        "en",
        "The call closed on 12.6.2022 after a month of applications. (Later calls are announced "
        "on the council's pages.)",
        2,
    ),
    (
        "fi",
        "Haku päättyi 12.6.2022 kuukauden hakuajan jälkeen. (Myöhemmistä hauista kerrotaan "
        "liiton sivuilla.)",
        2,
    ),
    (
        "sv",
        "Utlysningen stängde 12.6.2022 efter en månads ansökningstid. (Senare utlysningar "
        "meddelas på förbundets sidor.)",
        2,
    ),
    # An abbreviation is a whole word: a word that ends in one ("questions.", Finnish genitive
    # "kaupungin." against "n." for noin) ends its sentence; the abbreviation itself does not.
    (
        "en",
        "The council answers applicants' questions. Funding decisions are made by the council.",
        2,
    ),
    (
        "fi",
        "Hakemukset käsittelee Tampereen kaupungin. Rahoituspäätökset tekee Pirkanmaan liitto.",
        2,
    ),
    (
        "sv",
        "Ansökningarna behandlas av kommunen bl.a. Tammerfors tar emot frågor om utlysningen.",
        1,
    ),
    ("en", "Several cities take part, e.g. Tampere takes part through its own agreement.", 1),
    ("fi", "Mukana on useita kaupunkeja, esim. Tampere on mukana omalla sopimuksellaan.", 1),
    (
        "sv",
        "Ansökan lämnas in till kommunen. Beslutet fattas av Birkalands förbund senare.",
        2,
    ),
    # A date inside a sentence, and an abbreviation before lower case: no sentence end.
    ("en", "The agreement runs until 31.12.2027 and covers e.g. health technology and energy.", 1),
    ("fi", "Sopimus on voimassa 31.12.2027 asti ja kattaa esim. terveysteknologian ja datan.", 1),
    ("sv", "Avtalet gäller till 31.12.2027 och omfattar t.ex. hälsoteknik och energi i staden.", 1),
]


@pytest.mark.parametrize(("lang", "text", "sentences"), CASES)
def test_a_sentence_ends_only_before_a_new_one(lang: str, text: str, sentences: int) -> None:
    units = [u for u in split_units(text) if u.kind == "sentence"]
    assert len(units) == sentences, [u.text for u in units]
    assert " ".join(u.text for u in units) == text
