"""Facts recognised in evidence sentences (en/fi/sv), the only regexes the understanding keeps."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import packs
from assistant.answer.lead import unit_facts
from assistant.packs import PACKS_DIR, pack_set
from assistant.understand.facts import facts_in, numbers_in
from tests.packs.toy_pack import write_german_pack

CASES: list[tuple[str, str, set[str]]] = [
    ("en", "Call her on 050 326 1620 on weekdays.", {"phone"}),
    ("fi", "Puhelin +358 50 326 1620.", {"phone"}),
    ("sv", "Ring 040-123 4567 för mer information.", {"phone"}),
    ("en", "Write to info@example.fi for details.", {"email", "url"}),
    ("en", "The agreement is valid until 31.12.2027.", {"date"}),
    ("fi", "Haku päättyi 6.5. klo 16.", {"date", "number"}),
    ("sv", "Avtalet gäller till och med 2027.", {"date"}),
    ("en", "The state granted EUR 13 million in 2023.", {"amount", "date", "number"}),
    ("fi", "Valtio myönsi 21,6 miljoonaa euroa.", {"amount", "number"}),
    ("sv", "Staten beviljade 2 miljoner euro.", {"amount", "number"}),
    ("en", "The city's own share is at least 25 %.", {"percentage", "number"}),
    ("fi", "Kaupungin osuus on vähintään 25 prosenttia.", {"percentage", "number"}),
    ("sv", "Stadens andel är minst 25 procent.", {"percentage", "number"}),
    # Counts written out: the packs' number words (words.yaml, facts.numbers), whole words only.
    ("en", "Six cities have an agreement.", {"number"}),
    ("fi", "Hankkeessa oli neljä kumppania.", {"number"}),
    ("fi", "Se on yksi kolmesta painopisteestä.", {"number"}),
    ("sv", "Projektet hade fyra partner.", {"number"}),
    ("en", "It is one of the cities; the fourth is not named.", set()),
    ("fi", "Kolmekymppinen yritys ja yksi kaupunki.", set()),
    ("sv", "Ett av förbunden, en stad, en treårig plan.", set()),
    ("fi", "Lue lisää osoitteessa https://www.tampere.fi/.", {"url"}),
    ("sv", "Ansökan lämnas i tjänsten EURA.", set()),
    ("en", "Mari Taverne leads the service.", {"name"}),
    ("fi", "Yhteyshenkilö on Riina Niemi.", {"name"}),
    ("sv", "Kontaktperson är Tiina Ramstedt-Sen vid förbundet.", {"name"}),
    ("en", "It is led by the City of Tampere.", set()),
]


@pytest.mark.parametrize(("lang", "text", "facts"), CASES)
def test_facts_in_evidence(lang: str, text: str, facts: set[str]) -> None:
    assert facts_in(text) == facts, lang


@pytest.mark.parametrize(
    ("lang", "text", "numbers"),
    [
        ("en", "How much was granted in 2025, 1.5 million?", {"2025", "1.5"}),
        ("fi", "Paljonko myönnettiin vuonna 2025, 1,5 miljoonaa?", {"2025", "1,5"}),
        ("sv", "Hur mycket beviljades 2025, 25 %?", {"2025", "25"}),
        ("en", "Who leads it?", set()),
    ],
)
def test_numbers_in(lang: str, text: str, numbers: set[str]) -> None:
    assert numbers_in(text) == numbers


def test_number_words_come_from_the_packs_in_use(tmp_path: Path) -> None:
    """A fourth pack's number words count as facts while it is served, and the remembered
    facts of a unit text follow the packs in use."""
    text = "Das Team hatte vier Personen."
    assert "number" not in facts_in(text) and "number" not in unit_facts(text)
    before = packs.active()
    try:
        packs.use(pack_set([PACKS_DIR, write_german_pack(tmp_path)]))
        assert "number" in facts_in(text) and "number" in unit_facts(text)
    finally:
        packs.use(before)
    assert "number" not in unit_facts(text)
