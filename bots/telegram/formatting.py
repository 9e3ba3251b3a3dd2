"""Answers as Telegram HTML: escaped text, numbered source links, split under the length limit.

Telegram HTML (not Markdown) because `html.escape` makes any text safe, so no answer can cause a
"can't parse entities" error; every part also has a plain-text twin for when Telegram rejects it
anyway. Parts are cut on paragraph boundaries and never inside a tag or an entity, because the
raw text is split first and each piece escaped after.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from telegram.constants import MessageLimit

from assistant import textregex
from assistant.schema import Answer
from assistant.urls import safe_link_url
from bots.telegram import messages

# Well below MessageLimit.MAX_TEXT_LENGTH (4096): room for Telegram's own counting of entities.
PART_LIMIT = 4000
assert PART_LIMIT < MessageLimit.MAX_TEXT_LENGTH

_PARAGRAPHS = textregex.compile(r"\n\s*\n")
_WORDS = textregex.compile(r"\S+\s*")


@dataclass(frozen=True)
class Part:
    """One message: its HTML and the same content as plain text."""

    html: str
    plain: str


def _pieces(raw: str, limit: int) -> list[str]:
    """Cut one paragraph into raw pieces whose escaped form fits `limit` (lines, then words)."""
    if len(html.escape(raw, quote=False)) <= limit:
        return [raw]
    pieces: list[str] = []
    current = ""
    units = raw.split("\n")
    tokens = [u + "\n" for u in units[:-1]] + [units[-1]]
    for token in tokens:
        if len(html.escape(token, quote=False)) > limit:
            tokens_inner = _WORDS.findall(token) or [token]
        else:
            tokens_inner = [token]
        for tok in tokens_inner:
            while len(html.escape(tok, quote=False)) > limit:  # one huge "word": hard cut
                cut = limit // 5  # an escaped character is at most 5 long ("&amp;")
                if current:
                    pieces.append(current)
                    current = ""
                pieces.append(tok[:cut])
                tok = tok[cut:]
            if len(html.escape(current + tok, quote=False)) > limit:
                pieces.append(current)
                current = tok
            else:
                current += tok
    if current.strip():
        pieces.append(current)
    return [p.strip() for p in pieces if p.strip()]


def _blocks(answer: Answer, limit: int) -> list[Part]:
    """The answer as paragraph-sized blocks, each already within the limit."""
    blocks: list[Part] = []
    text = answer.reply()
    for paragraph in _PARAGRAPHS.split(text):
        for piece in _pieces(paragraph.strip(), limit):
            blocks.append(Part(html.escape(piece, quote=False), piece))
    if answer.sources:
        label = messages.text(answer.language, "sources")
        lines_html = [f"<b>{html.escape(label)}</b>"]
        lines_plain = [f"{label}:"]
        for source in answer.sources:
            title = source.title or source.doc_id
            if source.section and source.section not in title:
                title = f"{title} – {source.section}"
            title = title[:300]
            url = safe_link_url(source.url)  # http(s) only: no javascript:, tg:, data: links
            if url:
                link = f'<a href="{html.escape(url, quote=True)}">{html.escape(title)}</a>'
                lines_plain.append(f"{source.n}. {title} ({url})")
            else:
                link = html.escape(title)
                lines_plain.append(f"{source.n}. {title}")
            lines_html.append(f"{source.n}. {link}")
        blocks.append(Part("\n".join(lines_html), "\n".join(lines_plain)))
    return blocks


def pack(blocks: list[Part], limit: int = PART_LIMIT, sep: str = "\n\n") -> list[Part]:
    """Join blocks into as few messages as fit, never splitting a block."""
    parts: list[Part] = []
    html_buf: list[str] = []
    plain_buf: list[str] = []
    for block in blocks:
        if html_buf and len(sep.join([*html_buf, block.html])) > limit:
            parts.append(Part(sep.join(html_buf), sep.join(plain_buf)))
            html_buf, plain_buf = [], []
        html_buf.append(block.html)
        plain_buf.append(block.plain)
    if html_buf:
        parts.append(Part(sep.join(html_buf), sep.join(plain_buf)))
    return parts


def format_answer(answer: Answer, limit: int = PART_LIMIT) -> list[Part]:
    """The messages that carry `answer`: text paragraphs, then the numbered sources."""
    return pack(_blocks(answer, limit), limit) or [Part(html.escape(answer.answer), answer.answer)]


def _probe_format(text: str) -> None:
    """An answer, its next step and a source title made of hostile text, formatted for Telegram."""
    from assistant.schema import Source

    source = Source(
        n=1,
        doc_id="d",
        chunk_id="d#0",
        title=text,
        url="https://example.fi/",
        lang="en",
        section=text,
        as_of="",
        quote=text,
        score=1.0,
    )
    answer = Answer(
        question=text,
        standalone_question=text,
        answer=text,
        language="en",
        refused=False,
        sources=[source],
        next_step=text,
    )
    format_answer(answer)


textregex.register_text_function("bots.telegram.formatting.format_answer", _probe_format)
