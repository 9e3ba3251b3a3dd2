"""Optional LLM answerer: a grounded, cited answer from retrieved chunks, over LangChain.

The extractive answerer is the default and the fallback. An LLM is reached over HTTP (any
OpenAI-compatible server, or Ollama) and is trusted only as far as `verify` can check it: every
statement must cite a chunk that was retrieved, and the answer must be in the asked language.
Document text reaches the model only as quoted data in the user turn (every line prefixed "> "),
never in the system prompt; the whole reply is read (within `LLM_TIMEOUT_S` and `LLM_MAX_TOKENS`)
and verified sentence by sentence before any of it reaches a client. Every way the server can
fail surfaces as one exception, `LLMUnavailable`, so the pipeline has one thing to catch before
it serves the extractive answer instead. LangChain is imported only when a model is actually
used, so the default extractive setup can import this module for free.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from assistant import languages, packs, textregex
from assistant.answer.guard import foreign_links, links
from assistant.answer.messages import say
from assistant.retrieval.bm25 import tokenize
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
            max_tokens=settings.llm_max_tokens,
            # vLLM, llama.cpp server and most hosted APIs speak Chat Completions, not Responses.
            use_responses_api=False,
        )
    if provider == "ollama":
        from langchain_ollama import ChatOllama

        return ChatOllama(
            base_url=base_url,
            model=settings.llm_model,
            temperature=settings.llm_temperature,
            num_predict=settings.llm_max_tokens,
            client_kwargs={"timeout": settings.llm_timeout_s},
        )
    raise ValueError(f"unknown llm_provider: {provider!r}")


# The prompts are written in the answer's language (templates.yaml of its pack: llm_*): a small
# model answers in the language it is spoken to, so English instructions would leak English into a
# Finnish or Swedish answer. The "not in the documents" sentence is the extractive answerer's own
# refusal, word for word.


def _quoted(text: str) -> str:
    """Every line prefixed with "> ": no document line can pass for the prompt's own text."""
    return "\n".join(f"> {line}".rstrip() for line in text.strip().splitlines())


def _evidence_block(evidence: list[Chunk]) -> str:
    """Numbered passages, each quoted whole: its title and section, then its text."""
    blocks = []
    for n, chunk in enumerate(evidence, 1):
        head = " - ".join(part for part in (chunk.title, chunk.section) if part)
        body = f"{head}\n\n{chunk.text}" if head else chunk.text
        blocks.append(f"[{n}]\n{_quoted(body)}")
    return "\n\n".join(blocks)


def answer_messages(question: str, lang: str, evidence: list[Chunk]) -> list[BaseMessage]:
    """The grounded prompt: the rules as the system message; the passages, quoted as data, and
    then the question in the user turn. No document text is ever part of the system message."""
    from langchain_core.messages import HumanMessage, SystemMessage

    rules = say("llm_answer_rules", lang).format(refusal=say("refusal", lang))
    passages, asked = say("llm_passages_label", lang), say("llm_question_label", lang)
    user = f"{passages}:\n\n{_evidence_block(evidence)}\n\n{asked}: {question}"
    return [SystemMessage(rules), HumanMessage(user)]


def condense_messages(question: str, history: list[Turn], lang: str) -> list[BaseMessage]:
    """The conversation as chat turns, then the follow-up to rewrite."""
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    messages: list[BaseMessage] = [SystemMessage(say("llm_condense_rules", lang))]
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
    """Condense a follow-up and write a grounded answer with one chat model.

    `timeout_s` bounds a whole reply (the HTTP client's own timeout only bounds each read, so a
    server that drips tokens could otherwise hold a request for ever); `max_chars` bounds what is
    read even from a server that ignores `max_tokens`.
    """

    def __init__(
        self, model: BaseChatModel, timeout_s: float | None = None, max_chars: int = 16_000
    ) -> None:
        self.model = model
        self.timeout_s = timeout_s
        self.max_chars = max_chars

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMAnswerer | None:
        """The answerer for the configured provider, or None for the extractive-only setup."""
        model = get_chat_model(settings)
        if model is None:
            return None
        # A token is rarely longer than 8 characters; the margin keeps honest answers whole.
        return cls(model, settings.llm_timeout_s, settings.llm_max_tokens * 8)

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
        (the original error is chained for the log). So do a reply that outlasts `timeout_s` and
        one longer than `max_chars`. Pieces are unverified: callers use `answer`, which reads the
        whole reply so that `verify_answer` can check it before anything is shown.
        """
        deadline = None if self.timeout_s is None else time.monotonic() + self.timeout_s
        size = 0
        try:
            for chunk in self.model.stream(answer_messages(question, lang, evidence)):
                piece = str(chunk.text)
                size += len(piece)
                if size > self.max_chars:
                    raise LLMUnavailable(f"the reply is longer than {self.max_chars} characters")
                if deadline is not None and time.monotonic() > deadline:
                    raise LLMUnavailable(f"no complete reply within {self.timeout_s} s")
                if piece:
                    yield piece
        except LLMUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - see the docstring
            raise LLMUnavailable(f"{type(exc).__name__}: {exc}") from exc

    def answer(self, question: str, lang: str, evidence: list[Chunk]) -> str:
        """The whole reply, unverified; raises LLMUnavailable like `stream`."""
        return "".join(self.stream(question, lang, evidence)).strip()


# [3], [1, 2], [1-3], [1][2]: every number inside brackets made only of numbers and separators.
_CITATION = textregex.compile(r"\[(\d+(?:\s*[,;–-]\s*\d+)*)\]")
_NUMBER = textregex.compile(r"\d+")
# Sentence ends: . ! ? followed by space; lines are split first.
_SENTENCE_END = textregex.compile(r"(?<=[.!?])\s+")
_LETTER = textregex.compile(r"[^\W\d_]")
# Share of a sentence's content words that must occur in the passages it cites.
GROUNDED_SHARE = 0.5


@textregex.text_function()
def citations(text: str) -> list[int]:
    """Every passage number the text cites, in order of appearance."""
    return [int(n) for group in _CITATION.findall(text) for n in _NUMBER.findall(group)]


# Languages an injected "switch language" most likely asks for (lingua names). Danish and
# Norwegian are left out so Swedish is never mistaken for them.
_LIKELY_FOREIGN = (
    "GERMAN",
    "FRENCH",
    "SPANISH",
    "ITALIAN",
    "PORTUGUESE",
    "DUTCH",
    "ESTONIAN",
    "POLISH",
    "RUSSIAN",
)


def _served_lingua() -> tuple[str, ...]:
    return tuple(words.language.lingua for words in packs.active().all_words())


@lru_cache(maxsize=4)
def _wide_detector(served: tuple[str, ...]):
    """The served languages and the likely foreign ones.

    Only for checking LLM replies: a detector of the served languages alone would have to call
    German text English or Swedish.
    """
    from lingua import Language, LanguageDetectorBuilder

    names = dict.fromkeys([*served, *_LIKELY_FOREIGN])
    return LanguageDetectorBuilder.from_languages(*(getattr(Language, n) for n in names)).build()


def _foreign_language(text: str) -> str | None:
    """The name of a language no pack serves that the text is clearly written in, else None."""
    if len(_LETTER.findall(text)) < 20:
        return None
    served = _served_lingua()
    values = _wide_detector(served).compute_language_confidence_values(text)
    if not values:
        return None
    top = values[0]
    if top.language.name in served or top.value < 0.6:
        return None
    return top.language.name.lower()


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
    plain = _CITATION.sub(" ", text)
    foreign = _foreign_language(plain)
    if foreign is not None:
        return f"answer is in {foreign}, not {lang}"
    detected = languages.detect(plain)
    if detected is not None and detected != lang:
        return f"answer is in {detected}, not {lang}"
    return None


def sentences(text: str) -> list[str]:
    """The reply's sentences, each with the citations that follow it ("... end. [2]")."""
    out: list[str] = []
    for line in text.splitlines():
        for part in _SENTENCE_END.split(line.strip()):
            lead = ""
            while out and (m := _CITATION.match(part)):  # "[2] Next..." : [2] ends the last one
                lead += " " + m.group(0)
                part = part[m.end() :].lstrip()
            if lead:
                out[-1] += lead
            if not part:
                continue
            if out and not _LETTER.search(_CITATION.sub(" ", part)):
                out[-1] = f"{out[-1]} {part}"  # only citations: they belong to the sentence before
            else:
                out.append(part)
    return out


def _content(text: str, lang: str) -> set[str]:
    """Content words: four letters or more, or a number; citations and links left out."""
    for link in links(text):
        text = text.replace(link, " ")
    return {t for t in tokenize(_CITATION.sub(" ", text), lang) if len(t) >= 4 or t.isdigit()}


def verify_answer(text: str, evidence: list[Chunk], lang: str) -> str | None:
    """`verify`, then sentence by sentence: None when every sentence may be served.

    Each sentence must cite a passage (a line ending in ":" may introduce a list), at least half
    of its content words must occur in the passages it cites, and the reply may hold no link
    that is not a given passage's source. So a reply that obeys an injected instruction (repeats
    text from elsewhere, adds a link, changes language) is rejected as a whole.
    """
    problem = verify(text, len(evidence), lang)
    if problem:
        return problem
    stray = foreign_links(text, {c.url for c in evidence})
    if stray:
        return f"links to {stray[0]!r}, which no passage has as its source"
    for sentence in sentences(text):
        cited = sorted(set(citations(sentence)))
        if not cited:
            if sentence.rstrip().endswith(":"):
                continue
            return f"a sentence cites nothing: {sentence[:80]!r}"
        words = _content(sentence, lang)
        if not words:
            continue
        source: set[str] = set()
        for n in cited:
            chunk = evidence[n - 1]
            whole = f"{chunk.title}\n{chunk.section}\n{chunk.text}"
            source |= _content(whole, lang) | _content(whole, chunk.lang)
        share = len(words & source) / len(words)
        if share < GROUNDED_SHARE:
            return f"a sentence is not in the passages it cites ({share:.0%}): {sentence[:80]!r}"
    return None
