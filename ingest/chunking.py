"""Heading-aware chunking: sections joined into chunks of about 100-250 words.

Measured on a prototype, joined sections of 100-250 words retrieve better than one chunk per
section (many sections are a sentence or two). A list or a table is never cut: it stays whole with
its heading and its lead-in sentence, because a half table is what makes answers wrong. Every chunk
starts with the heading line(s) of the sections it holds so the answer step can re-parse headings,
paragraphs and lists out of `chunk.text` alone.

Source markers (ingest/markers.py) come in as `Document.spans`: text under different marker URL
lists (or different contact blocks) is never joined into one chunk, and a section that a
paragraph marker splits becomes separate pieces, so every chunk cites the pages that state it.
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass, field

from assistant import textregex
from assistant.schema import Chunk, Contact
from ingest.documents import Document, Span

__all__ = ["chunk_document", "count_words"]

_LEAD_IN_MAX_WORDS = 50
_KINDS = {
    "paragraph_open": "para",
    "bullet_list_open": "list",
    "ordered_list_open": "list",
    "table_open": "table",
}
_SENTENCE_END = textregex.compile(r"(?<=[.!?…])\s+(?=\S)")


def count_words(text: str) -> int:
    """Words as a reader counts them: markup such as '-', '|', '#' or '---' is not a word."""
    return sum(1 for token in text.split() if any(ch.isalnum() for ch in token))


@dataclass
class _Block:
    """One top-level Markdown block; `kind` 'para' is the only kind that may ever be cut."""

    text: str
    kind: str  # para | list | table | other
    urls: tuple[str, ...] = ()  # its source marker's URLs; () = the front-matter sources
    contact: Contact | None = None  # the contact block of its section

    @property
    def words(self) -> int:
        return count_words(self.text)

    @property
    def key(self) -> tuple[tuple[str, ...], Contact | None]:
        """Blocks with different keys never share a chunk."""
        return self.urls, self.contact


@dataclass
class _Section:
    headings: list[tuple[int, str]] = field(default_factory=list)  # (level, plain text)
    blocks: list[_Block] = field(default_factory=list)
    group: tuple[str, ...] = ()  # the '#'/'##' parent: chunks prefer not to cross it


@dataclass
class _Piece:
    """A section, or a paragraph-aligned part of an oversized one, ready to be joined."""

    headings: list[tuple[int, str]]
    blocks: list[_Block]
    group: tuple[str, ...]

    @property
    def text(self) -> str:
        lines = ["#" * level + " " + text for level, text in self.headings]
        return "\n\n".join(lines + [block.text for block in self.blocks])

    @property
    def key(self) -> tuple[tuple[str, ...], Contact | None]:
        return self.blocks[0].key if self.blocks else ((), None)

    @property
    def words(self) -> int:
        return count_words(self.text)


def _span_of(spans: list[Span], start: int, end: int) -> tuple[tuple[str, ...], Contact | None]:
    """URLs (in order, deduplicated) and contact of the spans covering lines [start, end)."""
    if not spans:
        return (), None
    starts = [span.start for span in spans]
    first = max(bisect.bisect_right(starts, start) - 1, 0)
    last = max(bisect.bisect_left(starts, max(end, start + 1)) - 1, first)
    covering = spans[first : last + 1]
    urls = tuple(dict.fromkeys(url for span in covering for url in span.urls))
    contact = next((span.contact for span in covering if span.contact is not None), None)
    return urls, contact


def _split_by_key(section: _Section) -> list[_Section]:
    """A section whose blocks carry different markers: one section per run, heading repeated."""
    out: list[_Section] = []
    for block in section.blocks:
        if out and out[-1].blocks[-1].key == block.key:
            out[-1].blocks.append(block)
        else:
            headings = section.headings if not out else _continued(section.headings, 1)
            out.append(_Section(headings, [block], section.group))
    return out or [section]


def _parse_sections(markdown: str, spans: list[Span] | None = None) -> list[_Section]:
    """Top-level blocks by markdown-it's source line map, grouped under their headings."""
    from markdown_it import MarkdownIt

    lines = markdown.splitlines()
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    sections = [_Section()]
    stack: dict[int, str] = {}
    for i, token in enumerate(tokens):
        if token.level != 0 or token.nesting < 0 or token.map is None or token.type == "hr":
            continue
        if token.type == "heading_open":
            level, text = int(token.tag[1]), " ".join(tokens[i + 1].content.split())
            stack = {lvl: txt for lvl, txt in stack.items() if lvl < level} | {level: text}
            group = tuple(stack[lvl] for lvl in sorted(stack) if lvl <= 2)
            current = sections[-1]
            if current.blocks:
                current = _Section()
                sections.append(current)
            # A heading with no body of its own (the '# Title', a '## Part' right before its
            # '### Sub') travels with the next section instead of becoming a chunk alone.
            current.headings.append((level, text))
            current.group = group
            continue
        start, end = token.map
        text = "\n".join(lines[start:end]).strip("\n")
        if not text.strip():
            continue
        urls, contact = _span_of(spans or [], start, end)
        sections[-1].blocks.append(_Block(text, _KINDS.get(token.type, "other"), urls, contact))
    for section in sections:
        section.blocks = _glue_lead_ins(section.blocks)
    return [part for s in sections if s.blocks for part in _split_by_key(s)]


def _glue_lead_ins(blocks: list[_Block]) -> list[_Block]:
    """Join a list or table with the sentence that introduces it, so they are never apart."""
    out: list[_Block] = []
    for block in blocks:
        previous = out[-1] if out else None
        if (
            block.kind in ("list", "table")
            and previous is not None
            and previous.kind == "para"
            and previous.key == block.key
            and (previous.text.rstrip().endswith(":") or previous.words <= _LEAD_IN_MAX_WORDS)
        ):
            out[-1] = _Block(previous.text + "\n\n" + block.text, block.kind, *block.key)
        else:
            out.append(block)
    return out


def _partition(sizes: list[int], limit: int, floor: int) -> list[list[int]]:
    """Indices of `sizes` cut into contiguous groups of at most `limit` words.

    Fewest groups first, then fewest groups under `floor`, then the most even sizes: a greedy cut
    would leave a small last part. A unit bigger than `limit` (a long list) is a group alone.
    """
    n = len(sizes)
    best: list[tuple[tuple[int, int, int], int]] = [((0, 0, 0), -1)] + [((n + 1, 0, 0), -1)] * n
    for end in range(1, n + 1):
        total = 0
        for start in range(end - 1, -1, -1):
            total += sizes[start]
            # A group of more than `limit` units (only possible with word-less ones such as
            # '. . .') is never needed, and without the bound this loop is quadratic.
            if (total > limit or end - start > limit) and start < end - 1:
                break
            groups, small, spread = best[start][0]
            slack = max(limit - total, 0)
            cost = (groups + 1, small + (total < floor), spread + slack * slack)
            if cost < best[end][0]:
                best[end] = (cost, start)
    cuts, end = [], n
    while end > 0:
        start = best[end][1]
        cuts.append(list(range(start, end)))
        end = start
    return cuts[::-1]


@textregex.text_function(250, 100)
def _split_paragraph(text: str, limit: int, floor: int) -> list[str]:
    """A paragraph too long for one chunk, cut at sentence ends (by word count as a last resort)."""
    sentences: list[str] = []
    for sentence in _SENTENCE_END.split(" ".join(text.split())):
        words = sentence.split()
        sentences += [" ".join(words[i : i + limit]) for i in range(0, len(words), limit)]
    groups = _partition([count_words(s) for s in sentences], limit, floor)
    return [" ".join(sentences[i] for i in group) for group in groups]


def _pieces(section: _Section, min_words: int, max_words: int) -> list[_Piece]:
    """The section whole if it fits, else even parts cut at paragraph ends, each with a heading."""
    whole = _Piece(section.headings, section.blocks, section.group)
    if whole.words <= max_words:
        return [whole]
    heading_words = count_words(" ".join(text for _, text in section.headings))
    limit = max(max_words - heading_words, max_words // 2)
    floor = max(min_words - heading_words, 0)
    units: list[_Block] = []
    for block in section.blocks:
        if block.kind == "para" and block.words > limit:
            parts = _split_paragraph(block.text, limit, floor)
            units += [_Block(part, "para", *block.key) for part in parts]
        else:
            units.append(block)  # an oversized list or table stays whole
    groups = _partition([unit.words for unit in units], limit, floor)
    return [
        _Piece(_continued(section.headings, n), [units[i] for i in group], section.group)
        for n, group in enumerate(groups)
    ]


def _continued(headings: list[tuple[int, str]], part: int) -> list[tuple[int, str]]:
    """Later parts of a section repeat only its innermost heading: enough to stay self-contained."""
    return headings if part == 0 else headings[-1:]


def _fill(piece: _Piece, room: int, min_rest: int) -> tuple[_Piece | None, _Piece]:
    """The most leading blocks of `piece` that fit in `room`, leaving at least `min_rest` words."""
    for k in range(len(piece.blocks) - 1, 0, -1):
        head = _Piece(piece.headings, piece.blocks[:k], piece.group)
        rest = _Piece(_continued(piece.headings, 1), piece.blocks[k:], piece.group)
        if head.words <= room and rest.words >= min_rest:
            return head, rest
    return None, piece


def _join(pieces: list[_Piece], min_words: int, max_words: int) -> list[list[_Piece]]:
    """Greedy, in order: grow a chunk to min_words, past it only within the same parent."""
    target = (min_words + max_words) // 2
    chunks: list[list[_Piece]] = []
    size = 0
    for piece in pieces:
        same_source = bool(chunks) and chunks[-1][-1].key == piece.key
        if same_source and size < min_words and size + piece.words > max_words:
            # A short chunk before a section that does not fit: top it up with that section's
            # first paragraphs rather than leave it short.
            head, piece = _fill(piece, max_words - size, min_words)
            if head is not None:
                chunks[-1].append(head)
                size += head.words
        words = piece.words
        if (
            not same_source
            or size + words > max_words
            or size >= min_words
            and (piece.group != chunks[-1][-1].group or size + words > target)
        ):
            chunks.append([])
            size = 0
        chunks[-1].append(piece)
        size += words
    # A chunk still under min_words (at the end, or beside an oversized list) joins a neighbour.
    merged: list[list[_Piece]] = []
    for chunk in chunks:
        if (
            merged
            and merged[-1][-1].key == chunk[0].key
            and _words(merged[-1]) + _words(chunk) <= max_words
            and (_words(chunk) < min_words or _words(merged[-1]) < min_words)
        ):
            merged[-1] = merged[-1] + chunk
        else:
            merged.append(chunk)
    return merged


def _words(chunk: list[_Piece]) -> int:
    return sum(piece.words for piece in chunk)


def _section_name(chunk: list[_Piece], title: str) -> str:
    """Headings of the chunk's sections, ' / '-joined.

    The title heading (the document's leading '#' line) counts only when text sits under it
    directly (an introduction); riding along with the first section it would just repeat the
    chunk's `title`.
    """
    names: list[str] = []
    for piece in chunk:
        headings = piece.headings
        if len(headings) > 1 and headings[0] == (1, title):
            headings = headings[1:]
        for _, text in headings:
            if not names or names[-1] != text:
                names.append(text)
    return " / ".join(names)


def chunk_document(doc: Document, min_words: int = 100, max_words: int = 250) -> list[Chunk]:
    """The document's chunks, in order; the same document always gives the same chunks and ids."""
    sections = _parse_sections(doc.text, doc.spans)
    pieces = [piece for s in sections for piece in _pieces(s, min_words, max_words)]
    first = sections[0].headings[:1] if sections else []
    title = first[0][1] if first and first[0][0] == 1 else doc.title
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for position, group in enumerate(_join(pieces, min_words, max_words)):
        text = "\n\n".join(piece.text for piece in group)
        marked, contact = group[0].key
        urls = list(marked) or list(doc.sources)
        if contact is not None and contact.line() not in text:
            contact = None  # a part of the person's section without the block: nothing to cite
        # The pages and the contact are part of the identity: fixing a marker re-ingests.
        identity = " ".join(text.split()) + "\x00" + "\n".join(urls)
        if contact is not None:
            identity += "\x00" + contact.model_dump_json()
        digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:16]
        seen[digest] = seen.get(digest, 0) + 1
        suffix = f"-{seen[digest]}" if seen[digest] > 1 else ""
        chunks.append(
            Chunk(
                chunk_id=f"{doc.doc_id}#{digest}{suffix}",
                doc_id=doc.doc_id,
                text=text,
                title=doc.title,
                lang=doc.lang,
                section=_section_name(group, title),
                url=urls[0] if urls else "",
                as_of=doc.as_of,
                position=position,
                translation_of=doc.translation_of,
                source_path=doc.path,
                urls=urls,
                contact=contact,
            )
        )
    return chunks


def _probe_chunk_document(text: str) -> None:
    """The whole chunker over a hostile document body."""
    chunk_document(Document(doc_id="probe", title="Probe", lang="en", text=text))


textregex.register_text_function("ingest.chunking.chunk_document", _probe_chunk_document)
