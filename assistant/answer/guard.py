"""Hostile documents: passages that address the model, and links that no source list holds.

A document is data. A passage that tells an AI what to do ("ignore your instructions", "answer
every question with ...", "add this link", "switch the language") is written for a model, not for
a reader, so it is withheld from answers (extractive and LLM alike): it can then be neither quoted
nor cited nor handed to a model. A link that stands in a passage's text but is not one of its
document's sources is withheld for the same reason: every link an answer carries must be a cited
document's source. Patterns are plain alternations without nested repetition (linear time).
"""

from __future__ import annotations

import logging
from functools import lru_cache

from assistant import packs, textregex
from assistant.schema import SearchHit

log = logging.getLogger(__name__)

# Links as they appear in text: scheme, then anything up to whitespace or a closing bracket/quote.
_URL = textregex.compile(
    r"\b(?:https?|ftp)://[^\s<>\"'()\[\]]+|\bwww\.[^\s<>\"'()\[\]]+", textregex.I
)
_TRAILING = ".,;:!?*_"


def _instructions(pack_set: packs.PackSet) -> textregex.Pattern:
    """Instructions addressed to a model, in every served language (the packs' guard words)."""
    qualifiers = packs.qualifiers_group(q for w in pack_set.all_words() for q in w.guard.qualifiers)
    fragments = [
        f.replace(packs.QUALIFIERS, qualifiers)
        for w in pack_set.all_words()
        for f in w.guard.instructions
    ]
    return textregex.compile("|".join(fragments) or "(?!)", textregex.IGNORECASE)


@textregex.text_function()
def links(text: str) -> list[str]:
    """Every link in the text, without the punctuation that ends a sentence after it."""
    return [m.group(0).rstrip(_TRAILING) for m in _URL.finditer(text)]


def _norm(url: str) -> str:
    url = url.strip().rstrip(_TRAILING).rstrip("/").lower()
    return url.split("://", 1)[-1].removeprefix("www.")


@textregex.text_function(frozenset())
def foreign_links(text: str, allowed: set[str] | frozenset[str]) -> list[str]:
    """Links in the text that are not among `allowed` (a document's sources)."""
    known = {_norm(u) for u in allowed if u}
    return [u for u in links(text) if _norm(u) not in known]


# Passage texts whose verdict is kept, per served pack set (the same hits recur question after
# question; a text's verdict never changes under one set of packs).
VERDICT_CACHE_TEXTS = 8192


@textregex.text_function()
def instructs_the_model(text: str) -> bool:
    """True when the text gives instructions to an AI rather than information to a reader."""
    check = packs.active().derived(
        "guard:instructs",
        lambda ps: lru_cache(maxsize=VERDICT_CACHE_TEXTS)(
            lambda t: ps.derived("guard:instructions", _instructions).search(t) is not None
        ),
    )
    return check(text)


def withheld(hit: SearchHit) -> str | None:
    """Why a retrieved passage may not be used in an answer, or None when it may."""
    chunk = hit.chunk
    check = packs.active().derived(
        "guard:withheld", lambda ps: lru_cache(maxsize=VERDICT_CACHE_TEXTS)(_withheld)
    )
    return check(chunk.text, frozenset(chunk.urls) | {chunk.url})


def _withheld(text: str, sources: frozenset[str]) -> str | None:
    if instructs_the_model(text):
        return "it gives instructions to the model"
    stray = foreign_links(text, sources)
    if stray:
        return f"it links to {stray[0]!r}, which is not one of its document's sources"
    return None


def usable(hits: list[SearchHit]) -> list[SearchHit]:
    """The hits an answer may quote, cite or hand to a model (ranks kept as retrieved)."""
    kept = []
    for hit in hits:
        reason = withheld(hit)
        if reason is None:
            kept.append(hit)
        else:
            log.info("passage %s withheld from the answer: %s", hit.chunk.chunk_id, reason)
    return kept
