"""FeedbackStore on its own: record, feedback, export format, retention purge; each on SQLite
and on a real PostgreSQL (`database_url`)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from assistant.feedback import FeedbackStore
from assistant.schema import Answer, Source


def make_answer(question: str = "What is SIX?", lang: str = "en") -> Answer:
    source = Source(
        n=1,
        doc_id="agreement-en",
        chunk_id="agreement-en#1",
        title="Agreement",
        url="https://rakennerahastot.fi/lansi-suomi/tampere",
        lang="en",
        section="Sustainable Industry X",
        as_of="2021-04-28",
        quote="quote",
        score=0.5,
    )
    return Answer(
        question=question,
        standalone_question=question,
        answer="Text [1]",
        language=lang,
        refused=False,
        sources=[source, source.model_copy(update={"n": 2})],
    )


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 12, 0, 0)

    def __call__(self) -> datetime:
        return self.now


def test_round_trip_and_export(database_url):
    store = FeedbackStore(database_url, retention_days=7)
    answer = make_answer()
    store.record_answer(answer, "web")
    fid = store.add_feedback(answer.id, "down", "wrong", channel="telegram")
    assert fid >= 1
    with pytest.raises(KeyError):
        store.add_feedback("unknown", "up")
    with pytest.raises(ValueError):
        store.add_feedback(answer.id, "sideways")  # type: ignore[arg-type]
    (line,) = list(store.export_jsonl())
    row = json.loads(line)
    assert row["question"] == "What is SIX?" and row["lang"] == "en"
    assert row["needs_review"] is True and row["rating"] == "down" and row["comment"] == "wrong"
    assert row["sources"] == ["agreement-en"]  # doc ids, de-duplicated
    assert row["channel"] == "telegram" and row["answerable"] is True
    assert list(store.export_jsonl("up")) == []
    # a second store on the same file sees the same data (tables are created once)
    again = FeedbackStore(database_url)
    assert again.count() == {"answers": 1, "feedback": 1}
    again.close()
    store.close()


def test_purge_expired_deletes_old_answers_and_feedback(database_url):
    clock = Clock()
    store = FeedbackStore(database_url, retention_days=30, clock=clock)
    old, new = make_answer("old?"), make_answer("new?")
    store.record_answer(old, "web")
    store.add_feedback(old.id, "up")
    clock.now += timedelta(days=20)
    store.record_answer(new, "web")
    store.add_feedback(new.id, "down")
    assert store.purge_expired() == 0
    clock.now += timedelta(days=11)  # old is 31 days old, new 11
    assert store.purge_expired() == 2
    assert store.count() == {"answers": 1, "feedback": 1}
    assert store.get_answer(old.id) is None
    with pytest.raises(KeyError):
        store.add_feedback(old.id, "up")
    clock.now += timedelta(days=30)
    assert store.purge_expired() == 2
    assert store.count() == {"answers": 0, "feedback": 0}
    store.close()


def test_app_purges_on_startup(tmp_path, database_url):
    """The lifespan deletes what is past retention before serving."""
    from fastapi.testclient import TestClient

    from assistant.api import create_app

    from .conftest import make_settings
    from .fakes import FakeAssistant

    settings = make_settings(tmp_path, database_url=database_url)
    clock = Clock()
    store = FeedbackStore(settings.database_url, settings.feedback_retention_days, clock=clock)
    answer = make_answer()
    store.record_answer(answer, "web")
    clock.now += timedelta(days=settings.feedback_retention_days + 1)
    app = create_app(settings, assistant=FakeAssistant(), feedback=store)
    with TestClient(app, base_url="http://127.0.0.1"):
        assert store.count()["answers"] == 0
    store.close()
