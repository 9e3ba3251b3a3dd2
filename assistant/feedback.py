"""Answers and thumbs up/down from every channel, kept for a bounded time.

Feedback is only useful with the answer it judges, so each answer is stored (question, answer,
language, sources) when it is given and a thumb refers to it by id. Both are deleted after
`retention_days`, and the export turns feedback into evaluation questions for review.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    delete,
    func,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool

from assistant.schema import Answer
from assistant.settings import Settings

Rating = Literal["up", "down"]


def _utcnow() -> datetime:
    """Naive UTC, because SQLite drops time zones and comparisons must agree."""
    return datetime.now(UTC).replace(tzinfo=None)


class _Base(DeclarativeBase):
    pass


class StoredAnswer(_Base):
    """One answer as it was given, so later feedback can say what it judged."""

    __tablename__ = "answers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    channel: Mapped[str] = mapped_column(String(32))
    question: Mapped[str] = mapped_column(Text)
    standalone_question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    refused: Mapped[bool] = mapped_column(Boolean)
    sources: Mapped[list] = mapped_column(JSON)


class StoredFeedback(_Base):
    """A thumb (and optional comment) on a stored answer."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("answers.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    rating: Mapped[str] = mapped_column(String(8))
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    channel: Mapped[str] = mapped_column(String(32))


class FeedbackStore:
    """SQLAlchemy-backed store shared by the API and the Telegram bot (thread-safe)."""

    def __init__(
        self,
        database_url: str,
        retention_days: int = 90,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.retention_days = retention_days
        self._clock = clock
        url = make_url(database_url)
        kwargs: dict = {}
        if url.get_backend_name() == "sqlite":
            kwargs["connect_args"] = {"check_same_thread": False}
            if url.database in (None, "", ":memory:"):
                kwargs["poolclass"] = StaticPool  # one shared in-memory database
            else:
                Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(url, **kwargs)
        _Base.metadata.create_all(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._lock = threading.Lock()  # SQLite allows one writer; keep writes orderly

    def record_answer(self, answer: Answer, channel: str) -> None:
        """Keep an answer so that feedback on it can be stored with its full context."""
        row = StoredAnswer(
            id=answer.id,
            created_at=self._clock(),
            channel=channel,
            question=answer.question,
            standalone_question=answer.standalone_question,
            answer=answer.answer,
            language=answer.language,
            refused=answer.refused,
            sources=[s.model_dump() for s in answer.sources],
        )
        with self._lock, self._sessions.begin() as session:
            session.merge(row)

    def add_feedback(
        self,
        answer_id: str,
        rating: Rating,
        comment: str | None = None,
        channel: str = "web",
    ) -> int:
        """Store a thumb for a known answer; KeyError when the answer is unknown or expired."""
        if rating not in ("up", "down"):
            raise ValueError(f"rating must be 'up' or 'down', not {rating!r}")
        with self._lock, self._sessions.begin() as session:
            if session.get(StoredAnswer, answer_id) is None:
                raise KeyError(answer_id)
            row = StoredFeedback(
                answer_id=answer_id,
                created_at=self._clock(),
                rating=rating,
                comment=(comment or None),
                channel=channel,
            )
            session.add(row)
            session.flush()
            return int(row.id)

    def get_answer(self, answer_id: str) -> StoredAnswer | None:
        """The stored answer, for channels that need to show or check it."""
        with self._sessions() as session:
            return session.get(StoredAnswer, answer_id)

    def export_jsonl(self, rating: str | None = None) -> Iterator[str]:
        """One JSON line per feedback, in the evaluation question format, oldest first."""
        stmt = (
            select(StoredFeedback, StoredAnswer)
            .join(StoredAnswer, StoredFeedback.answer_id == StoredAnswer.id)
            .order_by(StoredFeedback.id)
        )
        if rating is not None:
            stmt = stmt.where(StoredFeedback.rating == rating)
        with self._sessions() as session:
            rows = session.execute(stmt).all()
        for fb, ans in rows:
            doc_ids: list[str] = []
            for source in ans.sources or []:
                doc_id = source.get("doc_id", "")
                if doc_id and doc_id not in doc_ids:
                    doc_ids.append(doc_id)
            record = {
                "id": f"feedback-{fb.id}",
                "lang": ans.language,
                "question": ans.question,
                "standalone_question": ans.standalone_question,
                "answerable": True,
                "must_include": [],
                "needs_review": fb.rating == "down",
                "rating": fb.rating,
                "comment": fb.comment,
                "answer": ans.answer,
                "refused": ans.refused,
                "sources": doc_ids,
                "answer_id": ans.id,
                "channel": fb.channel,
                "created_at": fb.created_at.replace(tzinfo=UTC).isoformat(),
            }
            yield json.dumps(record, ensure_ascii=False) + "\n"

    def count(self) -> dict[str, int]:
        """How many answers and feedback rows are stored (for tests and the admin)."""
        with self._sessions() as session:
            answers = session.scalar(select(func.count()).select_from(StoredAnswer)) or 0
            feedback = session.scalar(select(func.count()).select_from(StoredFeedback)) or 0
        return {"answers": answers, "feedback": feedback}

    def purge_expired(self) -> int:
        """Delete answers and feedback older than the retention period; returns rows deleted."""
        cutoff = self._clock() - timedelta(days=self.retention_days)
        with self._lock, self._sessions.begin() as session:
            old_answers = select(StoredAnswer.id).where(StoredAnswer.created_at < cutoff)
            n_fb = session.execute(
                delete(StoredFeedback).where(
                    (StoredFeedback.created_at < cutoff) | StoredFeedback.answer_id.in_(old_answers)
                )
            ).rowcount
            n_ans = session.execute(
                delete(StoredAnswer).where(StoredAnswer.created_at < cutoff)
            ).rowcount
        return int(n_fb or 0) + int(n_ans or 0)

    def close(self) -> None:
        """Release database connections (tests open many stores)."""
        self.engine.dispose()


def open_feedback_store(settings: Settings) -> FeedbackStore:
    """The store every channel uses, from the shared settings."""
    return FeedbackStore(settings.database_url, settings.feedback_retention_days)


__all__ = ["FeedbackStore", "Rating", "open_feedback_store"]
