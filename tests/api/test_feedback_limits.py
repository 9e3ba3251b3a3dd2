"""Feedback bounds (issue 11): one vote per answer, bounded comment, streamed export, row caps;
each on SQLite and on a real PostgreSQL (`database_url`)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import event

from assistant.api import create_app
from assistant.feedback import MAX_COMMENT_CHARS, FeedbackStore, StoredAnswer, StoredFeedback

from .conftest import ADMIN_KEY
from .fakes import FakeAssistant
from .test_feedback_store import Clock, make_answer

AUTH = {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture
def db_store(database_url):
    """A feedback store on each database."""
    store = FeedbackStore(database_url)
    yield store
    store.close()


@pytest.fixture
def db_live(live_factory, settings, fake, db_store):
    """The API over `db_store`."""
    return live_factory(create_app(settings, assistant=fake, feedback=db_store))


def test_twenty_votes_on_one_answer_leave_one_row_the_last(db_live, db_store):
    live, store = db_live, db_store
    answer = make_answer()
    store.record_answer(answer, "web")
    ids = set()
    for i in range(20):
        rating = "up" if i % 2 else "down"
        r = httpx.post(
            f"{live.url}/v1/feedback",
            json={"answer_id": answer.id, "rating": rating, "comment": f"vote {i}"},
        )
        assert r.status_code == 201, r.text
        ids.add(r.json()["id"])
    assert store.count() == {"answers": 1, "feedback": 1}
    assert len(ids) == 1  # the vote keeps its id; its content is replaced
    (line,) = "".join(store.export_jsonl()).splitlines()
    row = json.loads(line)
    assert (row["rating"], row["comment"]) == ("up", "vote 19")


def test_comment_is_bounded(db_live, db_store):
    live, store = db_live, db_store
    answer = make_answer()
    store.record_answer(answer, "web")
    url = f"{live.url}/v1/feedback"
    vote = {"answer_id": answer.id, "rating": "down"}
    r = httpx.post(url, json={**vote, "comment": "x" * (MAX_COMMENT_CHARS + 1)})
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"
    r = httpx.post(url, json={**vote, "comment": "x" * MAX_COMMENT_CHARS})
    assert r.status_code == 201
    assert store.count()["feedback"] == 1


def _fill(store: FeedbackStore, n: int, clock: Clock | None = None) -> list[str]:
    """n answers with one vote each (the clock, if given, ticks a second per answer)."""
    ids = []
    for i in range(n):
        answer = make_answer(question=f"Question number {i}?")
        store.record_answer(answer, "web")
        store.add_feedback(answer.id, "up" if i % 3 else "down", None, "web")
        ids.append(answer.id)
        if clock is not None:
            clock.now += timedelta(seconds=1)
    return ids


def _bulk_fill(store: FeedbackStore, n: int) -> None:
    """n answers with one vote each, in one transaction (the public methods commit per row)."""
    now = Clock()()
    with store._sessions.begin() as session:
        for i in range(n):
            session.add(
                StoredAnswer(
                    id=f"a{i}",
                    created_at=now,
                    channel="web",
                    question=f"Question number {i}?",
                    standalone_question=f"Question number {i}?",
                    answer="Text [1]",
                    language="en",
                    refused=False,
                    sources=[{"doc_id": "agreement-en"}],
                )
            )
            session.add(
                StoredFeedback(answer_id=f"a{i}", created_at=now, rating="up", channel="web")
            )


def test_export_reads_in_batches_not_the_whole_table(database_url):
    store = FeedbackStore(database_url, prune_every=100_000)
    _bulk_fill(store, 1200)
    selects: list[str] = []
    event.listen(
        store.engine,
        "before_cursor_execute",
        lambda conn, cursor, statement, *args: selects.append(statement),
    )
    batches = store.export_jsonl(batch=500)
    first = next(batches)
    assert len(first.splitlines()) == 500
    assert len([s for s in selects if "FROM feedback" in s]) == 1  # one batch read, not all
    rest = list(batches)
    assert [len(b.splitlines()) for b in rest] == [500, 200]
    lines = [json.loads(x) for x in (first + "".join(rest)).splitlines()]
    assert len({x["answer_id"] for x in lines}) == 1200  # every vote once, oldest first
    assert [x["id"] for x in lines] == sorted((x["id"] for x in lines), key=lambda s: int(s[9:]))
    store.close()


def test_admin_export_of_5000_rows_arrives_in_chunks(tmp_path, database_url):
    """At the ASGI level: the response body is sent as many messages, one per batch."""
    from .conftest import make_settings

    settings = make_settings(tmp_path, database_url=database_url)
    store = FeedbackStore(settings.database_url, prune_every=100_000)
    _bulk_fill(store, 5000)
    app = create_app(settings, assistant=FakeAssistant(), feedback=store)
    messages: list[dict] = []

    async def run() -> None:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/v1/admin/feedback",
            "raw_path": b"/v1/admin/feedback",
            "query_string": b"",
            "headers": [
                (b"host", b"127.0.0.1"),
                (b"authorization", f"Bearer {ADMIN_KEY}".encode()),
            ],
            "client": ("127.0.0.1", 5000),
            "server": ("127.0.0.1", 80),
        }

        done = asyncio.Event()
        requested = False

        async def receive() -> dict:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()  # the client stays connected until the body is complete
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            messages.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                done.set()

        await app(scope, receive, send)

    asyncio.run(run())
    assert messages[0]["status"] == 200
    bodies = [m for m in messages if m["type"] == "http.response.body" and m.get("body")]
    assert len(bodies) >= 10  # 5,000 rows in batches of 500, not one body
    text = b"".join(m["body"] for m in bodies).decode()
    assert len(text.splitlines()) == 5000
    store.close()


def test_row_caps_keep_the_newest(database_url):
    clock = Clock()
    store = FeedbackStore(
        database_url,
        retention_days=3650,
        clock=clock,
        max_answers=50,
        max_feedback=30,
        prune_every=20,
    )
    ids = _fill(store, 200, clock)
    counts = store.count()
    # Enforced every 20 writes (each answer and each vote is a write): at most 20 over the cap.
    assert counts["answers"] <= 50 + 20 and counts["feedback"] <= 30 + 20
    store.purge_expired()
    assert store.count() == {"answers": 50, "feedback": 30}
    kept = {json.loads(x)["answer_id"] for x in "".join(store.export_jsonl()).splitlines()}
    assert kept == set(ids[-30:])  # the newest votes
    assert store.get_answer(ids[-50]) is not None and store.get_answer(ids[-51]) is None
    store.close()


def test_retention_is_enforced_on_writes_not_only_at_start(database_url):
    clock = Clock()
    store = FeedbackStore(database_url, retention_days=1, clock=clock, prune_every=4)
    old = _fill(store, 2, clock)
    clock.now += timedelta(days=2)
    _fill(store, 2, clock)  # 4 more writes: the check runs and the old answers go
    assert store.count() == {"answers": 2, "feedback": 2}
    assert all(store.get_answer(a) is None for a in old)
    store.close()


def test_old_database_with_duplicate_votes_is_moved_to_one_vote_per_answer(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE answers (id VARCHAR(64) PRIMARY KEY, created_at DATETIME, channel VARCHAR(32),
          question TEXT, standalone_question TEXT, answer TEXT, language VARCHAR(8),
          refused BOOLEAN, sources JSON);
        CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, answer_id VARCHAR(64)
          REFERENCES answers(id) ON DELETE CASCADE, created_at DATETIME, rating VARCHAR(8),
          comment TEXT, channel VARCHAR(32));
        CREATE INDEX ix_feedback_answer_id ON feedback (answer_id);
        INSERT INTO answers VALUES ('a1', '2026-01-01 00:00:00', 'web', 'q', 'q', 'a', 'en', 0,
          '[]');
        INSERT INTO feedback (answer_id, created_at, rating, comment, channel) VALUES
          ('a1', '2026-01-01 00:00:01', 'up', 'first', 'web'),
          ('a1', '2026-01-01 00:00:02', 'down', 'second', 'web');
        """
    )
    db.commit()
    db.close()
    store = FeedbackStore(f"sqlite:///{path}", retention_days=36500)
    (line,) = "".join(store.export_jsonl()).splitlines()
    assert json.loads(line)["comment"] == "second"
    store.add_feedback("a1", "up", "third")
    assert store.count()["feedback"] == 1
    store.close()
    indexes = sqlite3.connect(path).execute("PRAGMA index_list('feedback')").fetchall()
    assert any(name == "uq_feedback_answer_id" and unique for _, name, unique, *_ in indexes)


def test_store_rejects_long_comment_on_every_channel(db_store):
    store = db_store
    answer = make_answer()
    store.record_answer(answer, "telegram")
    with pytest.raises(ValueError, match=str(MAX_COMMENT_CHARS)):
        store.add_feedback(answer.id, "up", "x" * (MAX_COMMENT_CHARS + 1), "telegram")
    assert store.count()["feedback"] == 0
