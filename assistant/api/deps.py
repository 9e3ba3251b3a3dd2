"""Dependencies the routes share: the app's components, limits from settings, admin auth."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.conversation import ConversationService
from assistant.feedback import FeedbackStore
from assistant.schema import LANGS, Turn
from assistant.settings import Settings
from assistant.state.limits import WindowLimiter


def get_settings(request: Request) -> Settings:
    """The settings the app was built with (tests pass their own)."""
    return request.app.state.settings


def get_assistant(request: Request) -> Any:
    """The answering pipeline; 503 while it is still loading."""
    assistant = getattr(request.app.state, "assistant", None)
    if assistant is None:
        raise HTTPException(503, "The assistant is still starting; try again in a moment.")
    return assistant


def get_feedback(request: Request) -> FeedbackStore:
    """The feedback store opened in the lifespan."""
    return request.app.state.feedback


def get_conversations(request: Request) -> ConversationService:
    """The conversation layer (memory, sessions, answer log, votes) every channel shares."""
    return request.app.state.conversations


SettingsDep = Annotated[Settings, Depends(get_settings)]
AssistantDep = Annotated[Any, Depends(get_assistant)]
FeedbackDep = Annotated[FeedbackStore, Depends(get_feedback)]
ConversationsDep = Annotated[ConversationService, Depends(get_conversations)]

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="AdminKey",
    description="ADMIN_API_KEY from the settings. Without one configured, admin routes are off.",
)


def require_admin(
    request: Request,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Bearer auth against ADMIN_API_KEY; there is no default key, so unset means disabled.

    A client that sent ADMIN_MAX_FAILURES wrong keys within ADMIN_FAILURE_WINDOW_S gets 429
    until the window passes, even with the right key, so the key cannot be guessed quickly.
    """
    expected = settings.admin_api_key.get_secret_value()
    if not expected:
        raise HTTPException(
            403,
            "The admin routes are disabled: no ADMIN_API_KEY is configured on the server.",
        )
    failures: WindowLimiter = request.app.state.admin_failures
    peer = request.client.host if request.client else "unknown"
    state = failures.peek(peer)
    if not state.allowed:
        raise HTTPException(
            429,
            f"Too many wrong admin keys from this address; try again in {state.retry_after_s} s.",
            headers={"Retry-After": str(state.retry_after_s)},
        )
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            401,
            "This admin route needs an 'Authorization: Bearer <ADMIN_API_KEY>' header.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not secrets.compare_digest(credentials.credentials.encode(), expected.encode()):
        failures.hit(peer)
        raise HTTPException(
            401, "The admin key is not valid.", headers={"WWW-Authenticate": "Bearer"}
        )


def check_question(settings: Settings, question: str, messages: Iterable[str] = ()) -> None:
    """Limits that come from settings, so they cannot live in the static request models.

    Only the question and each earlier message have caps (with the body cap, a request is
    bounded); the number of earlier messages has none: the pipeline reads the newest
    MAX_HISTORY_TURNS / MAX_HISTORY_CHARS of them and the answer's `history` says so.
    """
    if len(question) > settings.max_question_chars:
        raise HTTPException(
            422,
            f"The question is {len(question)} characters long; the limit is "
            f"{settings.max_question_chars}.",
        )
    for i, text in enumerate(messages):
        if len(text) > settings.max_message_chars:
            raise HTTPException(
                422,
                f"Message {i} is {len(text)} characters long; the limit per message is "
                f"{settings.max_message_chars}.",
            )


def client_lang(request: Request) -> str | None:
    """The first of en/fi/sv in Accept-Language: a hint for questions too short to tell."""
    header = request.headers.get("accept-language", "")
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")):
        fields = part.strip().split(";")
        tag = fields[0].strip().lower()[:2]
        q = 1.0
        for f in fields[1:]:
            f = f.strip()
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if tag in LANGS and q > 0:
            ranked.append((-q, i, tag))
    return min(ranked)[2] if ranked else None


def session_key(session_id: str) -> str:
    """Web sessions share memory with the bot's chats, so keep their keys apart."""
    return ConversationService.key("web", session_id)


def resolve_session(
    given: str | None, history: list[Any] | None, conversations: ConversationService
) -> tuple[str, list[Turn] | None]:
    """(the session id to answer with, the history the request gave): an id the server never
    issued, or one that expired, is replaced by a fresh one with an empty conversation; without
    a `history` in the request (None) the session's remembered turns are used."""
    session_id, _known = conversations.open_session(given)
    if history is None:
        return session_id, None
    return session_id, [Turn(role=m.role, content=m.content) for m in history]
