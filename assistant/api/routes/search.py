"""GET /v1/search: the ranked passages behind an answer, for tools and debugging."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request

from assistant.api.concurrency import run_answer
from assistant.api.deps import AssistantDep, SettingsDep, check_question
from assistant.api.routes.ask import ERRORS
from assistant.schema import Lang, SearchHit

router = APIRouter(prefix="/v1", tags=["search"])


@router.get("/search", response_model=list[SearchHit], responses=ERRORS, summary="Ranked chunks")
async def search(
    request: Request,
    settings: SettingsDep,
    assistant: AssistantDep,
    q: Annotated[str, Query(min_length=1, description="The query text.")],
    lang: Annotated[Lang | None, Query(description="Prefer chunks in this language.")] = None,
    k: Annotated[int | None, Query(ge=1, le=50, description="How many (default top-k).")] = None,
) -> list[SearchHit]:
    """Hybrid (dense + BM25) search over the index, best first."""
    query = q.strip()
    if not query:
        raise HTTPException(422, "q: the query is empty or only whitespace")
    check_question(settings, query)
    return await run_answer(
        request, lambda: assistant.search(query, lang=lang, k=k or settings.retrieval_top_k)
    )
