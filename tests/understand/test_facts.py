"""Facts recognised in evidence sentences (en/fi/sv), the only regexes the understanding keeps."""

from __future__ import annotations

import pytest

from assistant.understand.facts import facts_in, numbers_in

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
    ("en", "Six cities have an agreement.", set()),
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
