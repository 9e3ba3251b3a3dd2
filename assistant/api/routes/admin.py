"""Admin routes (Bearer ADMIN_API_KEY): feedback export, index info and re-indexing."""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from assistant.api.deps import AssistantDep, FeedbackDep, require_admin
from assistant.api.models import ErrorResponse, ReindexStatus
from assistant.feedback import FeedbackUnavailable

log = logging.getLogger("assistant.api")

router = APIRouter(
    prefix="/v1/admin",
    tags=["admin"],
    dependencies=[Depends(require_admin)],
    responses={
        401: {"model": ErrorResponse, "description": "Missing or wrong admin key"},
        403: {"model": ErrorResponse, "description": "Admin routes disabled (no key configured)"},
    },
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ReindexJob:
    """At most one re-index at a time, in a worker thread, while queries go on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.status = ReindexStatus(state="idle")
        self.task: asyncio.Task | None = None

    def start(self, assistant: Any) -> asyncio.Task:
        """Start the job, or raise 409 if one is already running."""
        with self._lock:
            if self.status.state == "running":
                raise HTTPException(
                    409, "A re-index is already running; see GET /v1/admin/reindex."
                )
            self.status = ReindexStatus(state="running", started_at=_now())
        self.task = asyncio.create_task(self._run(assistant))
        return self.task

    async def _run(self, assistant: Any) -> None:
        try:
            result = await run_in_threadpool(assistant.reindex)
        except Exception as exc:  # reported through the status; the API keeps serving
            log.exception("re-index failed")
            self.status = self.status.model_copy(
                update={"state": "failed", "finished_at": _now(), "error": type(exc).__name__}
            )
            return
        self.status = self.status.model_copy(
            update={"state": "done", "finished_at": _now(), "result": dict(result or {})}
        )


def get_job(request: Request) -> ReindexJob:
    """The app's single re-index job."""
    return request.app.state.reindex_job


@router.get(
    "/feedback",
    summary="Export feedback as JSON Lines (evaluation question format)",
    responses={200: {"content": {"application/x-ndjson": {"schema": {"type": "string"}}}}},
)
async def export_feedback(
    feedback: FeedbackDep,
    rating: Annotated[Literal["up", "down"] | None, Query(description="Only this rating.")] = None,
) -> StreamingResponse:
    """One line per feedback; down-rated answers carry needs_review=true.

    Streamed in batches (never the whole table in memory); the first batch is read before the
    response starts, so a database that cannot be read gives a 503, not a broken download.
    """
    batches = feedback.export_jsonl(rating)
    try:
        first = await run_in_threadpool(next, batches, "")
    except FeedbackUnavailable:
        raise HTTPException(503, "The feedback database cannot be read right now.") from None
    return StreamingResponse(
        iterate_in_threadpool(itertools.chain([first], batches)),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="feedback.jsonl"'},
    )


@router.get("/index", summary="What the index holds")
async def index_info(assistant: AssistantDep) -> dict[str, Any]:
    """Documents, chunks, languages, embedding model and the last ingest time."""
    return await run_in_threadpool(assistant.index_info)


@router.get("/reindex", response_model=ReindexStatus, summary="State of the last re-index")
async def reindex_status(job: Annotated[ReindexJob, Depends(get_job)]) -> ReindexStatus:
    """idle, running, done (with the ingest report) or failed."""
    return job.status


@router.post(
    "/reindex",
    response_model=ReindexStatus,
    status_code=202,
    responses={409: {"model": ErrorResponse, "description": "A re-index is already running"}},
    summary="Re-ingest corpus/ and the configured folders",
)
async def reindex(
    assistant: AssistantDep,
    job: Annotated[ReindexJob, Depends(get_job)],
    wait: Annotated[bool, Query(description="Wait for the re-index to finish.")] = False,
) -> ReindexStatus:
    """Runs in a worker thread; the old index answers queries until the new one is complete."""
    task = job.start(assistant)
    if wait:
        await asyncio.shield(task)
    return job.status
