"""One conversation layer for every channel (see service.py)."""

from assistant.conversation.service import ConversationService, Exchange

__all__ = ["ConversationService", "Exchange"]
