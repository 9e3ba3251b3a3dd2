"""Bounds on what one request makes the pipeline read: the recent history, the standalone question.

A request may carry up to MAX_BODY_BYTES of messages (each within MAX_MESSAGE_CHARS), a session or
a chat may remember long answers, and the CLI and the bot pass what they are given. Follow-up
resolution needs only the last few messages, so only the newest MAX_HISTORY_TURNS messages within
MAX_HISTORY_CHARS characters feed it (the answer's `history` field says how many were read), and
the standalone question that is embedded and searched is cut to MAX_STANDALONE_CHARS: no earlier
message can drag its whole length into the embedder, which every other answer waits for.
"""

from __future__ import annotations

from assistant.schema import HistoryUse, Turn

_SPACE = (" ", "\n", "\t")
# An older message is read only if at least this much of it fits (a few characters of it would
# say nothing); the newest message is always read, cut to the budget if need be.
_MIN_PIECE = 40


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at a space when one is in the last half."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = max(head.rfind(c) for c in _SPACE)
    return (head[:cut] if cut >= limit // 2 else head).rstrip()


def recent_history(
    turns: list[Turn], max_turns: int, max_chars: int
) -> tuple[list[Turn], HistoryUse | None]:
    """The newest turns within `max_turns` messages and `max_chars` characters, oldest first.

    Walks back from the newest message; the oldest one kept is cut short (its beginning kept: a
    question's subject and an answer's list come first) when it does not fit whole.
    """
    if not turns:
        return [], None
    kept: list[Turn] = []
    budget = max_chars
    clipped = False
    for turn in reversed(turns[-max_turns:] if max_turns > 0 else []):
        if budget <= 0 or (kept and budget < _MIN_PIECE):
            break
        content = turn.content
        if len(content) > budget:
            content = clip(content, budget)
            clipped = True
        if content:
            kept.append(Turn(role=turn.role, content=content))
        budget -= len(content)
    kept.reverse()
    truncated = clipped or len(kept) < len(turns)
    return kept, HistoryUse(given=len(turns), used=len(kept), truncated=truncated)
