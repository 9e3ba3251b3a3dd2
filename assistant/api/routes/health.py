"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    """Always 200 while the process serves HTTP."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="The index is loaded and the store reachable",
    responses={503: {"description": "Not ready yet"}},
)
async def readyz(request: Request) -> Any:
    """200 when the assistant can answer, else 503 (for load balancers and compose)."""
    assistant = getattr(request.app.state, "assistant", None)
    ok = False
    if assistant is not None:
        try:
            ok = bool(await run_in_threadpool(assistant.ready))
        except Exception:
            ok = False
    if ok:
        return {"status": "ready"}
    return JSONResponse({"status": "not ready"}, status_code=503)
