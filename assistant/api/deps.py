"""Dependencies the routes share: the app's components, limits from settings, admin auth."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.feedback import FeedbackStore
from assistant.memory import ConversationMemory
from assistant.schema import LANGS, Turn
from assistant.settings import Settings
from assistant.state.limits import WindowLimiter
from assistant.state.sessions import SessionRegistry


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


def get_memory(request: Request) -> ConversationMemory:
    """Server-side conversation memory for session ids."""
    return request.app.state.memory


def get_sessions(request: Request) -> SessionRegistry:
    """The registry of session ids this server issued."""
    return request.app.state.sessions


SettingsDep = Annotated[Settings, Depends(get_settings)]
AssistantDep = Annotated[Any, Depends(get_assistant)]
FeedbackDep = Annotated[FeedbackStore, Depends(get_feedback)]
MemoryDep = Annotated[ConversationMemory, Depends(get_memory)]
SessionsDep = Annotated[SessionRegistry, Depends(get_sessions)]

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


def check_question(settings: Settings, question: str, history_len: int = 0) -> None:
    """Limits that come from settings, so they cannot live in the static request models."""
    if len(question) > settings.max_question_chars:
        raise HTTPException(
            422,
            f"The question is {len(question)} characters long; the limit is "
            f"{settings.max_question_chars}.",
        )
    if history_len > settings.max_history_turns:
        raise HTTPException(
            422,
            f"The history has {history_len} messages; the limit is {settings.max_history_turns}.",
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
    return f"web:{session_id}"


def resolve_history(
    history: list[Any] | None, session_id: str | None, memory: ConversationMemory
) -> list[Turn]:
    """`history` in the request wins; else the session's remembered turns; else none.

    `session_id` must already be resolved by `SessionRegistry.resolve` (an id this server issued).
    """
    if history is not None:
        return [Turn(role=m.role, content=m.content) for m in history]
    if session_id:
        return memory.history(session_key(session_id))
    return []


def resolve_session(
    given: str | None,
    history: list[Any] | None,
    sessions: SessionRegistry,
    memory: ConversationMemory,
) -> tuple[str, list[Turn]]:
    """(the session id to answer with, the history to use): an id the server never issued, or
    one that expired, is replaced by a fresh one with an empty conversation."""
    session_id, _known = sessions.resolve(given)
    return session_id, resolve_history(history, session_id, memory)
