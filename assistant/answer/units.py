"""Answer units: the sentences and lists (with their lead-in) that an answer is assembled from.

A unit's text is always an exact slice of its chunk's text, so every quote an answer cites can be
checked verbatim against the chunk as stored. A list stays one unit with its lead-in sentence (a
list cut into items loses the facts a question asks for), unless it is too long to be an answer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from assistant import packs, textregex

_LIST_LINE = textregex.compile(r"^\s*(?:[-*+]|\d+[.)])\s+|^\s*\|")
# The closing #s and spaces are stripped in Python: a lazy `(.*?)\s*#*\s*$` retried the tail at
# every position of a long space run (quadratic: issue 11).
_HEADING = textregex.compile(r"^\s*#{1,6}\s+(.*)$")
# A sentence ends at . ! ? followed by space and an upper-case letter, digit or quote, or a bracket
# opening on one; dates such as 1.1.2026, abbreviations and brackets followed by lower case stay
# inside the sentence ("open 2.4.–6.5. (the year is not given) with ...").
_SENTENCE_END = textregex.compile(r"(?<=[.!?])\s+(?=\(?[\"'“A-ZÅÄÖÉÜ0-9])")
LIST_MAX_WORDS = 120


def _abbreviations(pack_set: packs.PackSet) -> tuple[textregex.Pattern, int]:
    """Abbreviations of every served language ("e.g.", "esim.", "t.ex."): no sentence end. Each
    is a whole word, matched as written (case-sensitive): Finnish "n." (noin) must not keep
    "kaupungin." open, nor "ns." "questions.". Also the span of text that can hold one."""
    words = dict.fromkeys(a for w in pack_set.all_words() for a in w.sentences.abbreviations)
    alternation = "|".join(textregex.escape(a) for a in words) or "(?!)"
    # The longest abbreviation and the character before it (the whole-word check).
    window = max((len(a) for a in words), default=0) + 1
    return textregex.compile(rf"(?<![\w.])(?:{alternation})$"), window


def _lead_in(pack_set: packs.PackSet) -> textregex.Pattern:
    """A sentence that announces what follows ("... as follows.", "... seuraavasti.", "...:")
    says nothing alone: it stays with the rest of its paragraph."""
    phrases = [textregex.escape(p) for w in pack_set.all_words() for p in w.sentences.lead_ins]
    words = rf"|\b(?:{'|'.join(phrases)})\W*" if phrases else ""
    return textregex.compile(rf"(?::{words})$", textregex.IGNORECASE)


@dataclass(frozen=True)
class Unit:
    """A span of a chunk's text that can stand alone in an answer."""

    text: str
    kind: str  # "sentence" | "list" | "item"
    heading: str
    order: int

    @property
    def key(self) -> str:
        return unit_key(self.text)

    @property
    def words(self) -> int:
        return len(self.text.split())


def unit_key(text: str) -> str:
    """Stable key of a unit's text, for its precomputed vector."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


def _sentences(paragraph: str, start: int) -> list[tuple[int, int]]:
    abbreviations, window = packs.active().derived("units:abbreviations", _abbreviations)
    spans, begin = [], 0
    for match in _SENTENCE_END.finditer(paragraph):
        before = paragraph[begin : match.start()]
        if abbreviations.search(before[-window:]):
            continue
        spans.append((start + begin, start + match.start()))
        begin = match.end()
    spans.append((start + begin, start + len(paragraph.rstrip())))
    return [(a, b) for a, b in spans if b > a]


def _blocks(text: str):
    """Yield (kind, heading, start, end) for paragraphs and lists, tracking the current heading."""
    heading, pos = "", 0
    block_kind, block_start, block_end = None, 0, 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        line_start, line_end = pos, pos + len(line.rstrip("\n"))
        pos += len(line)
        kind = None
        if match := _HEADING.match(line):
            if block_kind:
                yield block_kind, heading, block_start, block_end
            block_kind = None
            heading = match.group(1).rstrip().rstrip("#").rstrip()
            continue
        if not stripped:
            if block_kind:
                yield block_kind, heading, block_start, block_end
            block_kind = None
            continue
        kind = "list" if _LIST_LINE.match(line) else "para"
        if block_kind == kind or (block_kind == "list" and line.startswith((" ", "\t"))):
            block_end = line_end
        else:
            if block_kind:
                yield block_kind, heading, block_start, block_end
            block_kind, block_start, block_end = kind, line_start, line_end
    if block_kind:
        yield block_kind, heading, block_start, block_end


# Chunk texts whose units are kept, per served pack set: a question splits the same few dozen
# chunks again and again (its hits, their sections), and a chunk's units never change.
SPLIT_CACHE_TEXTS = 8192


@textregex.text_function()
def split_units(text: str) -> list[Unit]:
    """The chunk's units in reading order; a lead-in sentence ending in ':' joins its list."""
    split = packs.active().derived(
        "units:split", lambda ps: lru_cache(maxsize=SPLIT_CACHE_TEXTS)(_split_units)
    )
    return list(split(text))


def _split_units(text: str) -> tuple[Unit, ...]:
    lead_in = packs.active().derived("units:lead_in", _lead_in)
    spans: list[tuple[str, str, int, int]] = []
    for kind, heading, start, end in _blocks(text):
        if kind == "para":
            sentences = _sentences(text[start:end], start)
            for i, (a, b) in enumerate(sentences):
                if i + 1 < len(sentences) and lead_in.search(text[a:b]):
                    spans.append(("sentence", heading, a, sentences[-1][1]))
                    break
                spans.append(("sentence", heading, a, b))
            continue
        # The sentence just before a list introduces it ("... are:", "... as follows."), so the
        # list is answered together with it.
        lead = spans[-1] if spans and spans[-1][0] == "sentence" else None
        if lead and lead[1] == heading and not text[lead[3] : start].strip():
            spans.pop()
            start = lead[2]
        if len(text[start:end].split()) <= LIST_MAX_WORDS:
            spans.append(("list", heading, start, end))
            continue
        # Too long to answer with whole: its lead-in and each item stand alone.
        if lead and start == lead[2]:
            spans.append(("sentence", heading, lead[2], lead[3]))
        offset = start if not (lead and start == lead[2]) else text.index("\n", lead[3]) + 1
        for line in text[offset:end].splitlines(keepends=True):
            body = _LIST_LINE.sub("", line).strip()
            if body:
                item_start = text.index(body, offset)
                spans.append(("item", heading, item_start, item_start + len(body)))
            offset += len(line)
    return tuple(
        Unit(text=text[a:b].strip(), kind=kind, heading=heading, order=i)
        for i, (kind, heading, a, b) in enumerate(spans)
        if text[a:b].strip()
    )
