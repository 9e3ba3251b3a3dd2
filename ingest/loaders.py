"""Turn Markdown, text, HTML, PDF and DOCX files into `Document`s with one Markdown-ish body.

Each format keeps the structure the chunker needs - headings as '#' lines, list items as '- '
lines, tables as Markdown tables - so heading-aware chunking works the same for all of them. A file
that cannot be read raises `UnreadableDocument` with a short reason; `load_path` collects those so
one broken file never stops an ingest.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from assistant import languages
from ingest.documents import Document, LoadError, Span, UnreadableDocument
from ingest.markers import ContactError, annotate

__all__ = ["SUPPORTED", "UnreadableDocument", "load_file", "load_path", "slugify"]

SUPPORTED = {".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx"}

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)
_DETECT_CHARS = 5000  # enough to tell en/fi/sv apart; a whole book would take lingua seconds
_BULLET = re.compile(r"^\s*[•▪◦●■–]\s*")


# --------------------------------------------------------------------------- helpers


def slugify(relative: str) -> str:
    """'fi/Yhteistyö Sopimus.md' -> 'fi/yhteistyo-sopimus': a stable id readable in citations."""
    parts = []
    for part in Path(relative).with_suffix("").parts:
        ascii_part = unicodedata.normalize("NFKD", part).encode("ascii", "ignore").decode()
        slug = re.sub(r"[^a-z0-9]+", "-", ascii_part.lower()).strip("-")
        if slug:
            parts.append(slug)
    return "/".join(parts) or "document"


def _decode(path: Path, data: bytes) -> str:
    """UTF-8 only: a wrong guess at an encoding would index mojibake, so refuse instead."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableDocument(
            str(path),
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8",
        ) from None
    _check_not_garbled(path, text)
    return text


def _check_not_garbled(path: Path, text: str) -> None:
    """Binary or control-character soup decodes as UTF-8 sometimes; it must not be indexed."""
    if "\x00" in text:
        raise UnreadableDocument(str(path), "binary data (NUL bytes), not text")
    bad = sum(
        1
        for ch in text
        if ch == "\ufffd" or (unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    )
    if text and bad / len(text) > 0.01:
        raise UnreadableDocument(
            str(path), f"garbled text ({bad} control or replacement characters)"
        )


def _as_text(value: Any) -> str:
    """Front matter values arrive as str, date or datetime; the schema wants strings."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _as_list(value: Any) -> list[str]:
    """`sources:` may be one URL, a list of URLs, or a list of {url: ...} mappings."""
    if value is None or value == "":
        return []
    items = value if isinstance(value, list | tuple) else [value]
    out = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("url") or item.get("href") or ""
        if text := _as_text(item):
            out.append(text)
    return out


def _first_heading(text: str) -> str:
    match = _HEADING.search(text)
    return match.group(2).strip() if match else ""


def _mtime_date(path: Path) -> str:
    return dt.date.fromtimestamp(path.stat().st_mtime).isoformat()


def _clean(text: str) -> str:
    """Collapse the whitespace HTML/DOCX/PDF leave inside one line of text."""
    return " ".join(text.split())


def _md_table(rows: list[list[str]]) -> str:
    """Rows of cell texts as a Markdown table; the first row is the header."""
    rows = [[_clean(c).replace("|", "\\|") for c in row] for row in rows]
    rows = [row for row in rows if any(row)]
    if not rows:
        return ""
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return "\n".join(lines)


# --------------------------------------------------------------------------- formats


def _load_markdown(path: Path) -> tuple[str, dict[str, Any]]:
    """Markdown and plain text: front matter (if any) as metadata, the body as is."""
    import frontmatter
    import yaml

    raw = _decode(path, path.read_bytes())
    try:
        post = frontmatter.loads(raw)
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UnreadableDocument(str(path), f"invalid front matter: {first}") from None
    return post.content, dict(post.metadata)


_DROP = {
    "script", "style", "nav", "noscript", "template", "svg", "form", "button", "iframe", "head",
    "title", "meta", "link",
}  # fmt: skip
_BLOCKS = {
    "address", "article", "aside", "blockquote", "body", "dd", "details", "dialog", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "header", "html", "main", "p", "pre",
    "section", "summary",
}  # fmt: skip


def _html_list(tag: Any, depth: int = 0) -> list[str]:
    """<ul>/<ol> as '- ' lines, nested lists indented two spaces per level."""
    lines = []
    for item in tag.find_all("li", recursive=False):
        own, nested = [], []
        for child in item.children:
            if getattr(child, "name", None) in ("ul", "ol"):
                nested.extend(_html_list(child, depth + 1))
            elif getattr(child, "name", None) not in _DROP:
                own.append(child.get_text(" ") if getattr(child, "name", None) else str(child))
        if text := _clean(" ".join(own)):
            lines.append("  " * depth + "- " + text)
        lines.extend(nested)
    return lines


def _html_table(tag: Any) -> str:
    rows = []
    for tr in tag.find_all("tr"):
        if tr.find_parent("table") is not tag:
            continue  # a nested table's rows belong to the nested table
        rows.append([cell.get_text(" ") for cell in tr.find_all(["th", "td"], recursive=False)])
    table = _md_table(rows)
    caption = tag.find("caption")
    if caption and table and (text := _clean(caption.get_text(" "))):
        return text + "\n\n" + table
    return table


def _html_blocks(node: Any, blocks: list[str]) -> None:
    """Walk the tree in document order, emitting one Markdown block per heading/para/list/table."""
    inline: list[str] = []

    def flush() -> None:
        if text := _clean("".join(inline)):
            blocks.append(text)
        inline.clear()

    for child in node.children:
        name = getattr(child, "name", None)
        if name is None:
            if type(child).__name__ == "NavigableString":  # skip comments, doctype, CDATA
                inline.append(str(child))
        elif name in _DROP:
            continue
        elif re.fullmatch(r"h[1-6]", name):
            flush()
            if text := _clean(child.get_text(" ")):
                blocks.append("#" * int(name[1]) + " " + text)
        elif name in ("ul", "ol"):
            flush()
            if lines := _html_list(child):
                blocks.append("\n".join(lines))
        elif name == "table":
            flush()
            if table := _html_table(child):
                blocks.append(table)
        elif name == "br":
            inline.append("\n")
            flush()
        elif name in _BLOCKS:
            flush()
            _html_blocks(child, blocks)
        else:
            inline.append(child.get_text(" "))
    flush()


def _load_html(path: Path) -> tuple[str, dict[str, Any]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_decode(path, path.read_bytes()), "html.parser")
    meta: dict[str, Any] = {}
    if soup.title and (title := _clean(soup.title.get_text())):
        meta["title"] = title
    if soup.html and soup.html.get("lang"):
        meta["lang"] = soup.html["lang"]
    canonical = soup.find("link", rel="canonical") or soup.find("meta", property="og:url")
    if canonical is not None:
        url = canonical.get("href") or canonical.get("content")
        if url:
            meta["sources"] = [url]
    root = soup.body or soup
    blocks: list[str] = []
    _html_blocks(root, blocks)
    return "\n\n".join(blocks), meta


def _load_pdf(path: Path) -> tuple[str, dict[str, Any]]:
    """Page text joined by blank lines; bullet glyphs become '- ' so lists survive."""
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableDocument(str(path), "encrypted PDF (needs a password)")
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
        title = _clean(info.title or "") if info else ""
    except UnreadableDocument:
        raise
    except Exception as exc:  # pypdf raises many types for broken files
        raise UnreadableDocument(str(path), f"not a valid PDF: {exc}") from None
    paragraphs = []
    for page in pages:
        lines = [_BULLET.sub("- ", line.rstrip()) for line in page.splitlines()]
        if text := "\n".join(lines).strip():
            paragraphs.append(text)
    return "\n\n".join(paragraphs), {"title": title} if title else {}


def _docx_list_level(paragraph: Any) -> int | None:
    """Indent level of a list paragraph (numbering or a 'List ...' style), else None."""
    ppr = paragraph._p.pPr
    num = ppr.numPr if ppr is not None else None
    if num is not None and num.numId is not None:
        return int(num.ilvl.val) if num.ilvl is not None else 0
    style = paragraph.style.name if paragraph.style is not None else ""
    if style.lower().startswith("list"):
        match = re.search(r"(\d)$", style)
        return int(match.group(1)) - 1 if match else 0
    return None


def _load_docx(path: Path) -> tuple[str, dict[str, Any]]:
    """'Heading N'/'Title' styles -> '#' lines, list paragraphs -> '- ', tables -> Markdown."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    try:
        document = docx.Document(str(path))
    except PackageNotFoundError:
        raise UnreadableDocument(str(path), "not a valid DOCX: not a Word (zip) package") from None
    except Exception as exc:  # zipfile.BadZipFile, KeyError, lxml errors
        raise UnreadableDocument(str(path), f"not a valid DOCX: {exc}") from None
    blocks: list[str] = []
    list_lines: list[str] = []

    def flush_list() -> None:
        if list_lines:
            blocks.append("\n".join(list_lines))
            list_lines.clear()

    for item in document.iter_inner_content():
        if isinstance(item, Table):
            flush_list()
            rows = [[cell.text for cell in row.cells] for row in item.rows]
            if table := _md_table(rows):
                blocks.append(table)
            continue
        text = _clean(item.text)
        if not text:
            continue
        style = item.style.name if item.style is not None else ""
        heading = re.fullmatch(r"heading\s*([1-6])", style.strip(), re.IGNORECASE)
        level = _docx_list_level(item)
        if heading or style == "Title":
            flush_list()
            blocks.append("#" * (int(heading.group(1)) if heading else 1) + " " + text)
        elif level is not None:
            list_lines.append("  " * level + "- " + text)
        else:
            flush_list()
            blocks.append(text)
    flush_list()
    props = document.core_properties
    pairs = (("title", props.title), ("lang", props.language))
    meta = {key: value for key, value in pairs if value}
    return "\n\n".join(blocks), meta


_LOADERS: dict[str, Callable[[Path], tuple[str, dict[str, Any]]]] = {
    ".md": _load_markdown,
    ".markdown": _load_markdown,
    ".txt": _load_markdown,
    ".html": _load_html,
    ".htm": _load_html,
    ".pdf": _load_pdf,
    ".docx": _load_docx,
}


# --------------------------------------------------------------------------- public


def load_file(path: Path, root: Path | None = None) -> Document:
    """Load one supported file; `root` decides its relative path and default doc_id."""
    path = Path(path)
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise UnreadableDocument(str(path), f"unsupported file type {path.suffix or '(none)'}")
    shown = path.relative_to(root).as_posix() if root is not None else str(path)
    try:
        body, meta = loader(path)
    except UnreadableDocument as exc:
        raise UnreadableDocument(shown, exc.reason) from None
    except OSError as exc:
        raise UnreadableDocument(shown, f"cannot read file: {exc.strerror or exc}") from None
    body = body.strip()
    spans: list[Span] = []
    if loader is _load_markdown:  # source markers and contact blocks (ingest/markers.py)
        try:
            body, spans = annotate(body)
        except ContactError as exc:
            raise UnreadableDocument(shown, str(exc)) from None
    if not body:
        hint = " (scanned images?)" if path.suffix.lower() == ".pdf" else ""
        raise UnreadableDocument(shown, "no text found" + hint)
    relative = path.relative_to(root).as_posix() if root is not None else path.name
    lang = languages.normalise(_as_text(meta.get("lang"))) or languages.detect_or(
        body[:_DETECT_CHARS]
    )
    return Document(
        doc_id=_as_text(meta.get("id")) or slugify(relative),
        title=_as_text(meta.get("title")) or _first_heading(body) or path.stem,
        lang=lang,
        text=body,
        sources=_as_list(meta.get("sources", meta.get("source"))),
        as_of=_as_text(meta.get("as_of")) or _mtime_date(path),
        translation_of=_as_text(meta.get("translation_of")),
        path=shown,
        spans=spans,
    )


def _candidates(folder: Path) -> Iterable[Path]:
    """Supported, non-hidden files under `folder`, in a stable order."""
    for path in sorted(folder.rglob("*"), key=lambda p: p.relative_to(folder).as_posix()):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.is_file() and path.suffix.lower() in SUPPORTED:
            yield path


def load_path(path: Path) -> tuple[list[Document], list[LoadError]]:
    """Load a file or a folder (recursively); unreadable files and duplicate ids are reported."""
    path = Path(path)
    if path.is_file():
        files, root = [path], path.parent
    elif path.is_dir():
        files, root = list(_candidates(path)), path
    else:
        return [], [LoadError(str(path), "no such file or folder")]
    documents: list[Document] = []
    errors: list[LoadError] = []
    seen: dict[str, str] = {}
    for file in files:
        try:
            document = load_file(file, root)
        except UnreadableDocument as exc:
            errors.append(exc.error)
            continue
        if document.doc_id in seen:
            other = seen[document.doc_id]
            errors.append(
                LoadError(document.path, f"duplicate id '{document.doc_id}' (also {other})")
            )
            continue
        seen[document.doc_id] = document.path
        documents.append(document)
    return documents, errors
