"""POST /v1/feedback: a thumb up or down on an answer, by its id."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from starlette.concurrency import run_in_threadpool

from assistant.api.deps import ConversationsDep
from assistant.api.models import ErrorResponse, FeedbackRequest, FeedbackResponse
from assistant.api.routes.ask import ERRORS
from assistant.feedback import FeedbackUnavailable

router = APIRouter(prefix="/v1", tags=["feedback"])


@router.post(
    "/feedback",
    status_code=201,
    response_model=FeedbackResponse,
    responses={
        404: {"model": ErrorResponse, "description": "Unknown answer id"},
        503: {"model": ErrorResponse, "description": "Feedback database unavailable"},
        **ERRORS,
    },
    summary="Rate an answer",
)
async def add_feedback(body: FeedbackRequest, conversations: ConversationsDep) -> FeedbackResponse:
    """Stored with the answer's question, text, language and sources for review.

    One vote per answer: a later vote on the same answer replaces the earlier one (same id).
    """
    try:
        fid = await run_in_threadpool(
            conversations.vote, body.answer_id, body.rating, body.comment, "web"
        )
    except KeyError:
        raise HTTPException(
            404, f"No answer with id {body.answer_id!r} is stored (unknown or expired)."
        ) from None
    except FeedbackUnavailable:  # locked or read-only database: logged by the store
        raise HTTPException(
            503,
            "Feedback cannot be stored right now; please try again later.",
            headers={"Retry-After": "30"},
        ) from None
    return FeedbackResponse(id=fid, answer_id=body.answer_id, rating=body.rating)
