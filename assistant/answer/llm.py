"""Optional LLM answerer: a grounded, cited answer from retrieved chunks, over LangChain.

The extractive answerer is the default and the fallback. An LLM is reached over HTTP (any
OpenAI-compatible server, or Ollama) and is trusted only as far as `verify` can check it: every
statement must cite a chunk that was retrieved, and the answer must be in the asked language.
Every way the server can fail surfaces as one exception, `LLMUnavailable`, so the pipeline has one
thing to catch before it serves the extractive answer instead. LangChain is imported only when a
model is actually used, so the default extractive setup can import this module for free.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

from assistant import languages, textregex
from assistant.answer.messages import say
from assistant.schema import Chunk, Turn
from assistant.settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

log = logging.getLogger(__name__)

# Condensing needs only the recent past; long assistant answers are cut so the prompt stays small.
CONDENSE_TURNS = 6
CONDENSE_TURN_CHARS = 600


class LLMUnavailable(RuntimeError):
    """The LLM server did not answer (down, timed out, HTTP error): serve the extractive one."""


def get_chat_model(settings: Settings) -> BaseChatModel | None:
    """The configured chat model, or None for the extractive-only setup.

    Retries are off: a user is waiting, and the extractive answer is a better fallback than a
    second timeout. Imports are lazy so the default setup never loads either client.
    """
    provider = settings.llm_provider
    if provider == "none":
        return None
    base_url = settings.llm_base_url or None
    if provider == "openai":
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            base_url=base_url,
            model=settings.llm_model,
            api_key=settings.llm_api_key.get_secret_value() or "none",
            timeout=settings.llm_timeout_s,
            max_retries=0,
            temperature=settings.llm_temperature,
            # vLLM, llama.cpp server and most hosted APIs speak Chat Completions, not Responses.
            use_responses_api=False,
        )
    if provider == "ollama":
        from langchain_ollama import ChatOllama

        return ChatOllama(
            base_url=base_url,
            model=settings.llm_model,
            temperature=settings.llm_temperature,
            client_kwargs={"timeout": settings.llm_timeout_s},
        )
    raise ValueError(f"unknown llm_provider: {provider!r}")


# The prompts are written in the answer's language: a small model answers in the language it is
# spoken to, so English instructions would leak English into a Finnish or Swedish answer. The
# "not in the documents" sentence is the extractive answerer's own refusal, word for word.
_ANSWER_RULES = {
    "en": (
        "Answer the question using only the numbered passages below. After each statement, "
        "write the number of the passage it comes from in square brackets, like [1]. Do not add "
        "anything the passages do not say. If the passages do not answer the question, say "
        'exactly: "{refusal}"\nAnswer in English.'
    ),
    "fi": (
        "Vastaa kysymykseen käyttäen vain alla olevia numeroituja tekstikohtia. Kirjoita jokaisen "
        "väitteen perään hakasulkeisiin sen tekstikohdan numero, josta tieto on, esimerkiksi [1]. "
        "Älä lisää mitään, mitä tekstikohdissa ei sanota. Jos tekstikohdat eivät vastaa "
        'kysymykseen, sano täsmälleen: "{refusal}"\nVastaa suomeksi.'
    ),
    "sv": (
        "Besvara frågan med hjälp av endast de numrerade textavsnitten nedan. Skriv efter varje "
        "påstående numret på det avsnitt som uppgiften kommer från inom hakparentes, till exempel "
        "[1]. Lägg inte till något som avsnitten inte säger. Om avsnitten inte besvarar frågan, "
        'säg exakt: "{refusal}"\nSvara på svenska.'
    ),
}

_CONDENSE_RULES = {
    "en": (
        "Rewrite the user's last message as a standalone question that can be understood without "
        "the conversation. Keep its meaning and write it in English. Do not answer it. Reply with "
        "the question only."
    ),
    "fi": (
        "Muotoile käyttäjän viimeinen viesti itsenäiseksi kysymykseksi, joka on ymmärrettävä "
        "ilman keskustelua. Säilytä sen merkitys ja kirjoita se suomeksi. Älä vastaa siihen. "
        "Kirjoita vain kysymys."
    ),
    "sv": (
        "Skriv om användarens senaste meddelande som en fristående fråga som går att förstå utan "
        "samtalet. Behåll dess betydelse och skriv den på svenska. Svara inte på den. Skriv bara "
        "frågan."
    ),
}


def _rules(table: dict[str, str], lang: str) -> str:
    return table.get(lang) or table["en"]


def _evidence_block(evidence: list[Chunk]) -> str:
    """Numbered passages with neutral labels: the number, the title and section as written."""
    blocks = []
    for n, chunk in enumerate(evidence, 1):
        head = " - ".join(part for part in (chunk.title, chunk.section) if part)
        label = f"[{n}] {head}" if head else f"[{n}]"
        blocks.append(f"{label}\n{chunk.text.strip()}")
    return "\n\n".join(blocks)


def answer_messages(question: str, lang: str, evidence: list[Chunk]) -> list[BaseMessage]:
    """The grounded prompt: rules and passages as the system message, the question as the user's."""
    from langchain_core.messages import HumanMessage, SystemMessage

    rules = _rules(_ANSWER_RULES, lang).format(refusal=say("refusal", lang))
    return [
        SystemMessage(f"{rules}\n\n{_evidence_block(evidence)}"),
        HumanMessage(question),
    ]


def condense_messages(question: str, history: list[Turn], lang: str) -> list[BaseMessage]:
    """The conversation as chat turns, then the follow-up to rewrite."""
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    messages: list[BaseMessage] = [SystemMessage(_rules(_CONDENSE_RULES, lang))]
    for turn in history[-CONDENSE_TURNS:]:
        text = turn.content[:CONDENSE_TURN_CHARS]
        messages.append(HumanMessage(text) if turn.role == "user" else AIMessage(text))
    messages.append(HumanMessage(question))
    return messages


def _clean_question(text: str) -> str:
    """The first non-empty line, without the quotes a model likes to wrap it in."""
    for line in text.splitlines():
        line = line.strip().strip("\"'“”«»").strip()
        if line:
            return line
    return ""


class LLMAnswerer:
    """Condense a follow-up and stream a grounded answer with one chat model."""

    def __init__(self, model: BaseChatModel) -> None:
        self.model = model

    def condense(self, question: str, history: list[Turn], lang: str) -> str:
        """A standalone version of a follow-up; the question itself on any failure.

        Condensing only improves retrieval, so it never fails the request: an error or an empty
        reply leaves the question as the user wrote it.
        """
        if not history:
            return question
        try:
            reply = self.model.invoke(condense_messages(question, history, lang))
            standalone = _clean_question(str(reply.text))
        except Exception as exc:  # noqa: BLE001 - any failure means "keep the question"
            log.warning("LLM condense failed, keeping the question: %s", exc)
            return question
        return standalone or question

    def stream(self, question: str, lang: str, evidence: list[Chunk]) -> Iterator[str]:
        """Text pieces as the model produces them; raises LLMUnavailable if the model fails.

        Any failure counts, not only connection errors and timeouts: the LLM is an optional
        outside service, and whatever goes wrong there the asker still gets the extractive answer
        (the original error is chained for the log). Call `verify` on the joined text before
        trusting it; pieces already yielded may precede the failure.
        """
        try:
            for chunk in self.model.stream(answer_messages(question, lang, evidence)):
                piece = str(chunk.text)
                if piece:
                    yield piece
        except Exception as exc:  # noqa: BLE001 - see the docstring
            raise LLMUnavailable(f"{type(exc).__name__}: {exc}") from exc


# [3], [1, 2], [1-3], [1][2]: every number inside brackets made only of numbers and separators.
_CITATION = textregex.compile(r"\[(\d+(?:\s*[,;–-]\s*\d+)*)\]")
_NUMBER = textregex.compile(r"\d+")


@textregex.text_function()
def citations(text: str) -> list[int]:
    """Every passage number the text cites, in order of appearance."""
    return [int(n) for group in _CITATION.findall(text) for n in _NUMBER.findall(group)]


@textregex.text_function(4, "en")
def verify(text: str, n_evidence: int, lang: str) -> str | None:
    """None when the answer can be served; else why it cannot (the pipeline falls back).

    A text lingua cannot place (too short or mixed) is not rejected for its language: the
    citation check already ties it to the passages.
    """
    cited = citations(text)
    if not cited:
        return "no citation"
    bad = sorted({n for n in cited if not 1 <= n <= n_evidence})
    if bad:
        return f"cites [{', '.join(map(str, bad))}] but only [1]..[{n_evidence}] were given"
    detected = languages.detect(_CITATION.sub(" ", text))
    if detected is not None and detected != lang:
        return f"answer is in {detected}, not {lang}"
    return None
