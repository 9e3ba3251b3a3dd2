"""The optional LLM-judge faithfulness score.

Only used when an LLM provider is configured; every gate metric stays deterministic. The judge sees
the question, the answer and the cited quotes only (not the whole chunks), because the claim under
test is that the answer rests on what it cites.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant import textregex
from assistant.schema import Answer

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.settings import Settings

PROMPT = (
    "You check answers for faithfulness. Reply with one word: YES if every statement in the "
    "answer is supported by the quoted sources, NO otherwise.\n\n"
    "Question: {question}\n\nAnswer:\n{answer}\n\nQuoted sources:\n{quotes}\n\n"
    "Is every statement in the answer supported by the quoted sources? Reply YES or NO."
)
_VERDICT = textregex.compile(r"\b(YES|NO|JA|KYLLÄ|EI|NEJ)\b", textregex.IGNORECASE)
_YES = {"yes", "ja", "kyllä"}


def make_chat_model(settings: Settings) -> BaseChatModel | None:
    """A LangChain chat model for the configured provider, or None when there is none."""
    if settings.llm_provider == "openai":
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            base_url=settings.llm_base_url or None,
            model=settings.llm_model,
            api_key=settings.llm_api_key.get_secret_value() or "not-needed",
            timeout=settings.llm_timeout_s,
            temperature=0.0,
        )
    if settings.llm_provider == "ollama":
        from langchain_ollama import ChatOllama

        return ChatOllama(
            base_url=settings.llm_base_url or None, model=settings.llm_model, temperature=0.0
        )
    return None


class FaithfulnessJudge:
    """Asks a chat model whether an answer is supported by its cited quotes."""

    def __init__(self, model: BaseChatModel) -> None:
        self.model = model

    def score(self, question: str, answer: Answer) -> float | None:
        """1.0 supported, 0.0 not, None when there is nothing to judge or no clear verdict."""
        if answer.refused or not answer.sources or not answer.answer.strip():
            return None
        quotes = "\n".join(f"[{s.n}] {s.quote}" for s in answer.sources)
        prompt = PROMPT.format(question=question, answer=answer.answer, quotes=quotes)
        try:
            reply = self.model.invoke(prompt)
        except Exception:  # a judge outage must not stop the deterministic evaluation
            return None
        content = reply.content if isinstance(reply.content, str) else str(reply.content)
        match = _VERDICT.search(content)
        if match is None:
            return None
        return 1.0 if match.group(1).casefold() in _YES else 0.0


# Probe for the pathological-input test (tests/assistant/test_textregex.py).
textregex.register_text_function("evals.judge._VERDICT", lambda text: _VERDICT.search(text))
