"""Compose: the decided statements worded as the answer, each with its [n] citation.

Two composers sit behind one protocol: the extractive one (the default: quotes the statements in
reading order) and the LLM one (an OpenAI-compatible or Ollama server writes from the top
passages; its reply is verified before use, else the extractive answer stands).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

import numpy as np

from assistant import packs, textregex
from assistant.answer.extractive import Candidate
from assistant.answer.llm import LLMAnswerer, LLMUnavailable, citations, verify_answer
from assistant.answer.messages import contact_line, say
from assistant.answer.units import split_units
from assistant.schema import SearchHit, Source
from assistant.stages.decide import Draft
from assistant.understand.features import Observation

if TYPE_CHECKING:
    from assistant.pipeline import IndexState

log = logging.getLogger(__name__)


class Composer(Protocol):
    """Words a draft; None when it cannot (the caller keeps what it has)."""

    def compose(
        self, draft: Draft, obs: Observation, state: IndexState
    ) -> tuple[str, list[Source]] | None: ...


class ExtractiveComposer:
    """The statements themselves, in reading order, one source per chunk."""

    def compose(
        self, draft: Draft, obs: Observation, state: IndexState
    ) -> tuple[str, list[Source]]:
        lang = obs.lang
        numbers: dict[str, int] = {}
        sources: list[Source] = []

        def cite(cand: Candidate, own: bool = False) -> int:
            # A contact line gets its own source even when its chunk is cited already, so the
            # citation quotes the line the person's name, role and organisation come from.
            cid = cand.hit.chunk.chunk_id + ("|contact" if own else "")
            if cid not in numbers:
                numbers[cid] = len(sources) + 1
                sources.append(source_of(numbers[cid], cand))
            return numbers[cid]

        parts: list[str] = []
        if draft.refused:
            key = {"future": "refusal_future", "offtopic": "refusal_offtopic"}.get(
                draft.reason or "", "refusal"
            )
            parts.append(say(key, lang))
            for cand, role in draft.statements:
                contact = cand.contact if role == "contact" else None
                if contact is not None:
                    said = contact_line(contact, lang)
                    parts.append(f"{say(role, lang)} {said} [{cite(cand, own=True)}]")
                else:
                    parts.append(f"{say(role, lang)} {cand.unit.text} [{cite(cand)}]")
            return "\n\n".join(parts), sources
        if draft.other_language:
            parts.append(say("other_language", lang))
        # The answer first, then what completes it in reading order.
        lead, *rest = draft.statements
        ordered = [lead, *sorted(rest, key=lambda s: (s[0].hit.rank, s[0].unit.order))]
        said = {cand.unit.text for cand, _ in ordered}
        before = _antecedent(lead[0], lang)
        if before is not None and before.unit.text not in said:
            # "She prepared the decisions." names nobody: the sentence it points back to leads.
            ordered.insert(0, (before, "answer"))
        for cand, _ in ordered:
            parts.append(f"{cand.unit.text} [{cite(cand)}]")
        return "\n\n".join(parts), sources


def _person_pronoun(pack_set: packs.PackSet, lang: str) -> textregex.Pattern:
    words = (
        "|".join(textregex.escape(w) for w in pack_set.words(lang).follow_up.person_pronouns)
        or "(?!)"
    )
    return textregex.compile(rf"(?<![\w-])(?:{words})(?![\w-])", textregex.IGNORECASE)


# Two capitalised words in a row: a person's name, which a pronoun then needs no antecedent for.
_NAME = textregex.compile(r"(?<![\w-])\p{Lu}\w+ \p{Lu}\w+")


def _antecedent(cand: Candidate, lang: str) -> Candidate | None:
    """The unit before `cand` in its chunk when `cand` speaks of a person by a pronoun only
    ("hän", "she", "hon", from the pack of the chunk's language) and names nobody, else None."""
    chunk_lang = cand.hit.chunk.lang or lang
    pattern = packs.active().derived(
        f"compose:pronoun:{chunk_lang}", lambda ps: _person_pronoun(ps, chunk_lang)
    )
    text = cand.unit.text
    if cand.unit.order == 0 or not pattern.search(text) or _NAME.search(text):
        return None
    units = split_units(cand.hit.chunk.text)
    previous = next((u for u in units if u.order == cand.unit.order - 1), None)
    if previous is None or previous.heading != cand.unit.heading:
        return None
    return Candidate(previous, cand.hit, cand.dense, cand.coverage, frozenset(), cand.score)


class LLMComposer:
    """The LLM's answer over the top passages, with its sources, once verified."""

    def __init__(self, llm: LLMAnswerer) -> None:
        self.llm = llm

    def compose(
        self, draft: Draft, obs: Observation, state: IndexState
    ) -> tuple[str, list[Source]] | None:
        """None keeps the extractive answer (a refusal, the server failed, or its reply was
        rejected: both are logged)."""
        if draft.refused:
            return None
        return self._generate(obs.standalone, obs.lang, obs.hits, obs.qvec, state)

    def _generate(
        self, question: str, lang: str, hits: list[SearchHit], qvec: np.ndarray, state: IndexState
    ) -> tuple[str, list[Source]] | None:
        """The LLM's answer and its sources once verified; None keeps the extractive answer
        (the server failed, or its reply was rejected: both are logged)."""
        evidence = [h for h in hits if h.chunk.lang == lang][:4] or hits[:4]
        if not evidence:
            return None
        chunks = [h.chunk for h in evidence]
        try:
            text = self.llm.answer(question, lang, chunks)
        except LLMUnavailable as exc:
            log.warning("LLM unavailable, extractive answer served: %s", exc)
            return None
        problem = verify_answer(text, chunks, lang)
        if problem:
            log.info("LLM answer rejected (%s), extractive answer served", problem)
            return None
        sources = []
        for n in sorted(set(citations(text))):
            hit = evidence[n - 1]
            best = max(
                split_units(hit.chunk.text),
                key=lambda u: state.vectors.similarity(u.key, qvec),
            )
            sources.append(source_of(n, Candidate(best, hit, 0.0, 0.0, frozenset(), 0.0)))
        return text, sources


def source_of(n: int, cand: Candidate) -> Source:
    chunk = cand.hit.chunk
    # The quote is a contact's line: the source names that person (name, role, organisation).
    # Its block's `source` is the page that states the line, so it leads the URLs.
    contact = cand.contact
    urls = list(dict.fromkeys([contact.source, *chunk.urls])) if contact else list(chunk.urls)
    return Source(
        n=n,
        doc_id=chunk.doc_id,
        chunk_id=chunk.chunk_id,
        title=chunk.title,
        url=urls[0] if urls else chunk.url,
        urls=urls,
        contact=contact,
        lang=chunk.lang,
        section=cand.unit.heading or chunk.section,
        as_of=chunk.as_of,
        quote=cand.unit.text,
        score=round(float(cand.hit.score), 6),
    )


def fewest_pages(sources: list[Source]) -> list[Source]:
    """Each source links to the page of its section's list that most other sources share.

    A section's source marker lists every page that states it (the same funding facts on
    a site's Finnish, Swedish and English pages, say); any of them is a true link, so the
    answer links to as few pages as it can and a reader who checks clicks fewer pages. Among
    pages shared equally, the one in the quoted sentence's language (see `_in_language`) wins.
    A contact line keeps its own page first: only that page states the person's role.
    """
    counts: dict[str, int] = {}
    for source in sources:
        for url in dict.fromkeys(source.urls):
            counts[url] = counts.get(url, 0) + 1
    linked = []
    for source in sources:
        if source.contact is not None or len(source.urls) < 2:
            linked.append(source)
            continue
        # The first among equals (shared as often, as near the quote's language).
        best = max(source.urls, key=lambda u: (counts[u], _in_language(u, source.lang)))
        urls = [best, *(u for u in source.urls if u != best)]
        linked.append(source.model_copy(update={"url": best, "urls": urls}))
    return linked


def _in_language(url: str, lang: str | None) -> int:
    """1 when the URL's path opens with the language's code (a site's "/sv/..." page), -1 when
    it opens with another served language's code, else 0 (a site's default-language page)."""
    head = urlsplit(url).path.strip("/").split("/", 1)[0].casefold()
    if lang and head == lang:
        return 1
    return -1 if head in packs.active().languages else 0


textregex.register_text_function(
    "assistant.stages.compose._person_pronoun",
    lambda text: _person_pronoun(packs.active(), "fi").search(text),
)
textregex.register_text_function("assistant.stages.compose._NAME", lambda t: _NAME.search(t))
