"""Answers and thumbs up/down from every channel, kept for a bounded time and number.

Feedback is only useful with the answer it judges, so each answer is stored (question, answer,
language, sources) when it is given and a thumb refers to it by id: one vote per answer, a later
vote replaces the earlier. Both are deleted after `retention_days`, and beyond a row cap the
oldest go first (checked at start-up and every `prune_every` writes, so it costs little). The
export streams in batches and turns feedback into evaluation questions for review.

A database that is locked or read-only raises `FeedbackUnavailable`: the API answers anyway and
gives the vote a 503; nothing already stored is touched.
"""

from __future__ import annotations

import contextlib
import json
import logging
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
    Index,
    Integer,
    String,
    Text,
    create_engine,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import NullPool, StaticPool

from assistant.schema import Answer
from assistant.settings import Settings

Rating = Literal["up", "down"]
MAX_COMMENT_CHARS = 2000  # the API answers 422 beyond it (assistant/api/models.py)
EXPORT_BATCH = 500  # rows per export query: memory stays flat however large the table
log = logging.getLogger(__name__)


class FeedbackUnavailable(RuntimeError):
    """The feedback database cannot be written or read now (locked, read-only, down)."""


def _utcnow() -> datetime:
    """Naive UTC, because SQLite drops time zones and comparisons must agree."""
    return datetime.now(UTC).replace(tzinfo=None)


class _Base(DeclarativeBase):
    pass


metadata = _Base.metadata  # what the Alembic migrations (assistant/migrations/) must produce


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

    __table_args__ = (Index("uq_feedback_answer_id", "answer_id", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("answers.id", ondelete="CASCADE")
    )  # one vote per answer: the unique index above, written by an upsert
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
        *,
        max_answers: int = 200_000,
        max_feedback: int = 100_000,
        prune_every: int = 500,
        timeout_s: float = 2.0,
        auto_upgrade: bool = True,
    ) -> None:
        self.retention_days = retention_days
        self.max_answers = max_answers
        self.max_feedback = max_feedback
        self.prune_every = prune_every
        self._clock = clock
        self._writes = 0
        self.auto_upgrade = auto_upgrade
        url = make_url(database_url)
        kwargs: dict = {}
        if url.get_backend_name() == "sqlite":
            # A locked database fails a write after timeout_s instead of holding an answer.
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": timeout_s}
            if url.database in (None, "", ":memory:"):
                kwargs["poolclass"] = StaticPool  # one shared in-memory database
            else:
                Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
                # A connection per use (cheap for SQLite): one opened read-only while the file
                # was read-only never outlives the fault.
                kwargs["poolclass"] = NullPool
        elif url.get_backend_name() == "postgresql":
            # A locked table fails a write after timeout_s (as SQLite's timeout does), and a
            # connection the server dropped (restart, failover) is replaced before use.
            ms = max(1, int(timeout_s * 1000))
            kwargs["connect_args"] = {
                "connect_timeout": max(1, int(timeout_s)),
                "options": f"-c lock_timeout={ms}",
            }
            kwargs["pool_pre_ping"] = True
        self.engine = create_engine(url, **kwargs)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._lock = threading.Lock()  # SQLite allows one writer; keep writes orderly
        self._schema_ready = False
        try:
            self._ensure_schema()
        except FeedbackUnavailable:  # answers are served anyway; retried on the next use
            log.exception("feedback database not usable at start-up: %s", url.render_as_string())

    # ----- schema -------------------------------------------------------------------------
    def _ensure_schema(self) -> None:
        """Bring the database to the newest Alembic revision (an empty one gets the schema, one
        from before Alembic or before one-vote-per-answer is moved onto it). With
        `auto_upgrade=False` only check, and say how to upgrade."""
        if self._schema_ready:
            return
        from assistant import migrations

        with self._guard("prepare"), self._lock:
            if self.auto_upgrade:
                migrations.upgrade(self.engine)
            else:
                found, wanted = migrations.current(self.engine), migrations.head()
                if found != wanted:
                    log.warning(
                        "feedback database is at revision %s, the code needs %s: run "
                        "`assistant db upgrade` (or set DB_AUTO_UPGRADE=true)",
                        found,
                        wanted,
                    )
                    return  # writes fail (and are retried) until it is upgraded
        self._schema_ready = True

    @contextlib.contextmanager
    def _guard(self, what: str) -> Iterator[None]:
        """Database errors (locked, read-only, gone) become FeedbackUnavailable, logged once."""
        try:
            yield
        except DBAPIError as exc:
            reason = " ".join(str(exc.orig or exc).split())[:200]
            log.warning("feedback store: %s failed: %s", what, reason)
            # Pooled connections may be stuck read-only (opened while the file was): reopen next.
            self.engine.dispose()
            raise FeedbackUnavailable(f"{what} failed: {reason}") from exc

    # ----- writes -------------------------------------------------------------------------
    def record_answer(self, answer: Answer, channel: str) -> None:
        """Keep an answer so that feedback on it can be stored with its full context."""
        self._ensure_schema()
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
        with self._guard("record answer"), self._lock, self._sessions.begin() as session:
            session.merge(row)
        self._count_write()

    def add_feedback(
        self,
        answer_id: str,
        rating: Rating,
        comment: str | None = None,
        channel: str = "web",
    ) -> int:
        """Store the vote on a known answer, replacing an earlier vote on it; returns its id.

        KeyError when the answer is unknown or expired; ValueError for a bad rating or a comment
        over MAX_COMMENT_CHARS; FeedbackUnavailable when the database cannot be written.
        """
        if rating not in ("up", "down"):
            raise ValueError(f"rating must be 'up' or 'down', not {rating!r}")
        if comment is not None and len(comment) > MAX_COMMENT_CHARS:
            raise ValueError(f"comment is longer than {MAX_COMMENT_CHARS} characters")
        self._ensure_schema()
        values = {
            "answer_id": answer_id,
            "created_at": self._clock(),
            "rating": rating,
            "comment": comment or None,
            "channel": channel,
        }
        with self._guard("store vote"), self._lock, self._sessions.begin() as session:
            if session.get(StoredAnswer, answer_id) is None:
                raise KeyError(answer_id)
            fid = self._upsert_vote(session, values)
        self._count_write()
        return fid

    def _upsert_vote(self, session: Session, values: dict) -> int:
        """INSERT ... ON CONFLICT (answer_id) DO UPDATE where the dialect has it."""
        dialect = self.engine.dialect.name
        changed = {k: v for k, v in values.items() if k != "answer_id"}
        if dialect in ("sqlite", "postgresql"):
            if dialect == "sqlite":
                from sqlalchemy.dialects.sqlite import insert
            else:
                from sqlalchemy.dialects.postgresql import insert
            stmt = (
                insert(StoredFeedback)
                .values(**values)
                .on_conflict_do_update(index_elements=["answer_id"], set_=changed)
                .returning(StoredFeedback.id)
            )
            return int(session.execute(stmt).scalar_one())
        existing = session.scalar(  # other databases: the store's lock keeps this one writer
            select(StoredFeedback.id).where(StoredFeedback.answer_id == values["answer_id"])
        )
        if existing is not None:
            session.execute(
                update(StoredFeedback).where(StoredFeedback.id == existing).values(**changed)
            )
            return int(existing)
        row = StoredFeedback(**values)
        session.add(row)
        session.flush()
        return int(row.id)

    def _count_write(self) -> None:
        """Every `prune_every` writes, enforce retention and the row caps (cheap on average)."""
        self._writes += 1
        if self._writes % self.prune_every == 0:
            with contextlib.suppress(FeedbackUnavailable):  # logged; the next round tries again
                self.purge_expired()

    # ----- reads --------------------------------------------------------------------------
    def get_answer(self, answer_id: str) -> StoredAnswer | None:
        """The stored answer, for channels that need to show or check it."""
        with self._guard("read answer"), self._sessions() as session:
            return session.get(StoredAnswer, answer_id)

    def export_jsonl(self, rating: str | None = None, batch: int = EXPORT_BATCH) -> Iterator[str]:
        """JSON lines in the evaluation question format, oldest first, one string per batch.

        Keyset pagination: each batch is its own short query, so neither the whole table nor an
        open read transaction is held while a slow client downloads (SQLite writers go on).
        """
        self._ensure_schema()
        last_id = 0
        while True:
            stmt = (
                select(StoredFeedback, StoredAnswer)
                .join(StoredAnswer, StoredFeedback.answer_id == StoredAnswer.id)
                .where(StoredFeedback.id > last_id)
                .order_by(StoredFeedback.id)
                .limit(batch)
            )
            if rating is not None:
                stmt = stmt.where(StoredFeedback.rating == rating)
            with self._guard("export"), self._sessions() as session:
                rows = session.execute(stmt).all()
            if not rows:
                return
            last_id = rows[-1][0].id
            yield "".join(_export_line(fb, ans) for fb, ans in rows)
            if len(rows) < batch:
                return

    def count(self) -> dict[str, int]:
        """How many answers and feedback rows are stored (for tests and the admin)."""
        with self._guard("count"), self._sessions() as session:
            answers = session.scalar(select(func.count()).select_from(StoredAnswer)) or 0
            feedback = session.scalar(select(func.count()).select_from(StoredFeedback)) or 0
        return {"answers": answers, "feedback": feedback}

    # ----- retention ----------------------------------------------------------------------
    def purge_expired(self) -> int:
        """Delete what is past retention or beyond the row caps (oldest first); rows deleted."""
        self._ensure_schema()
        cutoff = self._clock() - timedelta(days=self.retention_days)
        with self._guard("purge"), self._lock, self._sessions.begin() as session:
            old_answers = select(StoredAnswer.id).where(StoredAnswer.created_at < cutoff)
            n_fb = session.execute(
                delete(StoredFeedback).where(
                    (StoredFeedback.created_at < cutoff) | StoredFeedback.answer_id.in_(old_answers)
                )
            ).rowcount
            n_ans = session.execute(
                delete(StoredAnswer).where(StoredAnswer.created_at < cutoff)
            ).rowcount
            # Row caps: keep the newest max_answers answers and max_feedback votes.
            surplus = (
                select(StoredAnswer.id)
                .order_by(StoredAnswer.created_at.desc(), StoredAnswer.id.desc())
                .offset(self.max_answers)
            )
            surplus_ids = list(session.scalars(surplus))
            for start in range(0, len(surplus_ids), 500):
                ids = surplus_ids[start : start + 500]
                n_fb += session.execute(
                    delete(StoredFeedback).where(StoredFeedback.answer_id.in_(ids))
                ).rowcount
                n_ans += session.execute(
                    delete(StoredAnswer).where(StoredAnswer.id.in_(ids))
                ).rowcount
            extra_votes = (
                select(StoredFeedback.id)
                .order_by(StoredFeedback.id.desc())
                .offset(self.max_feedback)
                .scalar_subquery()
            )
            n_fb += session.execute(
                delete(StoredFeedback).where(StoredFeedback.id.in_(extra_votes))
            ).rowcount
        return int(n_fb or 0) + int(n_ans or 0)

    def close(self) -> None:
        """Release database connections (tests open many stores)."""
        self.engine.dispose()


def _export_line(fb: StoredFeedback, ans: StoredAnswer) -> str:
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
    return json.dumps(record, ensure_ascii=False) + "\n"


def open_feedback_store(settings: Settings) -> FeedbackStore:
    """The store every channel uses, from the shared settings."""
    return FeedbackStore(
        settings.database_url,
        settings.feedback_retention_days,
        max_answers=settings.answer_log_max_rows,
        max_feedback=settings.feedback_max_rows,
        prune_every=settings.feedback_prune_every,
        timeout_s=settings.feedback_db_timeout_s,
        auto_upgrade=settings.db_auto_upgrade,
    )


__all__ = [
    "MAX_COMMENT_CHARS",
    "FeedbackStore",
    "FeedbackUnavailable",
    "Rating",
    "open_feedback_store",
]
