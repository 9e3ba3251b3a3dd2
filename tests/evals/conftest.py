"""Fixtures for the evaluation tests: a tiny corpus cut verbatim from corpus/, six questions, and
a scripted assistant that answers all of them correctly (tests break it one way at a time)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.schema import Chunk
from assistant.settings import Settings
from evals.baselines import corpus_chunks
from evals.questions import load_questions
from tests.evals.fakes import FakeAssistant, Script

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = FIXTURES / "corpus"
QUESTIONS = FIXTURES / "questions.jsonl"


def chunk_with(chunks: list[Chunk], phrase: str) -> str:
    found = [c.chunk_id for c in chunks if phrase in c.text]
    assert len(found) == 1, (phrase, found)
    return found[0]


@pytest.fixture(scope="session")
def chunks(tmp_path_factory) -> list[Chunk]:
    data = tmp_path_factory.mktemp("data")
    return corpus_chunks(Settings(corpus_dir=CORPUS, data_dir=data))


@pytest.fixture(scope="session")
def questions():
    return load_questions(QUESTIONS)


@pytest.fixture
def scripts(chunks, questions) -> dict[str, Script]:
    """Correct behaviour for every fixture question, keyed by question text."""
    q = {item.id: item.question for item in questions}
    en_share = chunk_with(chunks, "In Finland, 8 % of the ERDF resources")
    fi_share = chunk_with(chunks, "Suomessa 8 % ohjelman EAKR-varoista")
    sv_ic16 = chunk_with(chunks, "var IC16")
    agreement = chunk_with(chunks, "The strategic priorities of Tampere's ecosystem agreement")
    return {
        q["en-share"]: Script(
            answer="In Finland, 8 % of the programme's ERDF resources are directed to sustainable "
            "urban development [1].",
            cite=[en_share],
            quotes={
                en_share: "In Finland, 8 % of the ERDF resources of the programme are "
                "directed to sustainable urban development."
            },
            retrieved=[en_share, agreement],
        ),
        q["fi-share"]: Script(
            answer="Suomessa 8 % ohjelman EAKR-varoista on osoitettu kestävään "
            "kaupunkikehittämiseen [1].",
            language="fi",
            cite=[fi_share],
            quotes={
                fi_share: "Suomessa 8 % ohjelman EAKR-varoista on osoitettu kestävään "
                "kaupunkikehittämiseen."
            },
            retrieved=[agreement, fi_share],
        ),
        q["sv-earlier"]: Script(
            answer="En tidigare beteckning för samma verksamhet var IC16 [1].",
            language="sv",
            cite=[sv_ic16],
            quotes={sv_ic16: "En tidigare beteckning för samma verksamhet var IC16."},
            retrieved=[sv_ic16],
            standalone="Vad hette Innovativa städer och samhällen tidigare?",
        ),
        q["en-priorities"]: Script(
            answer="The strategic priorities are Sustainable Industry X; buildings, energy and "
            "infrastructure; and digital health solutions [1].",
            cite=[agreement],
            quotes={
                agreement: "The strategic priorities of Tampere's ecosystem agreement are "
                "Sustainable Industry X; buildings, energy and infrastructure; and digital "
                "health solutions."
            },
            retrieved=[],
        ),
        q["en-weather"]: Script(
            answer="The documents do not say anything about the weather, so I cannot answer that.",
            refused=True,
        ),
        q["fi-override"]: Script(
            answer="En voi vastata tähän asiakirjojen perusteella. Voin kertoa Tampereen "
            "ekosysteemisopimuksesta.",
            language="fi",
            refused=True,
        ),
    }


@pytest.fixture
def fake(chunks, scripts) -> FakeAssistant:
    return FakeAssistant(chunks, scripts)
