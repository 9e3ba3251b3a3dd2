"""Turn Markdown, text, HTML, PDF and DOCX files into `Document`s with one Markdown-ish body.

Each format keeps the structure the chunker needs - headings as '#' lines, list items as '- '
lines, tables as Markdown tables - so heading-aware chunking works the same for all of them. A file
that cannot be read raises `UnreadableDocument` with a short reason; `load_path` collects those so
one broken file never stops an ingest.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant import languages, textregex
from ingest.documents import Document, LoadError, Span, UnreadableDocument
from ingest.markers import ContactError, annotate

__all__ = [
    "SUPPORTED",
    "IngestLimits",
    "UnreadableDocument",
    "load_file",
    "load_path",
    "slugify",
]

SUPPORTED = {".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx"}

# Closing #s are stripped in Python: `(.+?)\s*#*\s*$` retried its tail at every position of a
# long space run, and `\s` crossed lines (quadratic: issue 11).
_HEADING = textregex.compile(r"^(#{1,6})[ \t]+(.+)$", textregex.MULTILINE)
_DETECT_CHARS = 5000  # enough to tell en/fi/sv apart; a whole book would take lingua seconds
_BULLET = textregex.compile(r"^\s*[•▪◦●■–]\s*")
_MAX_LIST_INDENT = 8  # deeper nesting is shown at this depth (Markdown readers stop there too)


@dataclass(frozen=True)
class IngestLimits:
    """Caps that keep one hostile file from taking the ingest's memory or time (issue 11)."""

    max_file_bytes: int = 50_000_000  # checked with stat() before a byte is read
    max_member_bytes: int = 100_000_000  # a zip member's declared uncompressed size
    max_compression_ratio: int = 200  # uncompressed / compressed, for members over 1 MB
    max_text_chars: int = 5_000_000  # text taken from one document
    max_front_matter_bytes: int = 16_384  # YAML front matter of one Markdown file

    @classmethod
    def from_settings(cls, settings: Any) -> IngestLimits:
        return cls(
            max_file_bytes=settings.ingest_max_file_bytes,
            max_member_bytes=settings.ingest_max_member_bytes,
            max_compression_ratio=settings.ingest_max_compression_ratio,
            max_text_chars=settings.ingest_max_text_chars,
            max_front_matter_bytes=settings.ingest_max_front_matter_bytes,
        )


# The loaders keep their one-argument signature; load_file sets the limits they run under.
_DEFAULT_LIMITS = IngestLimits()
_LIMITS: ContextVar[IngestLimits | None] = ContextVar("ingest_limits", default=None)
_RATIO_FLOOR = 1_000_000  # small members may compress very well (styles, empty tables)


def _limits() -> IngestLimits:
    return _LIMITS.get() or _DEFAULT_LIMITS


def _check_text_size(path: Path, chars: int) -> None:
    """Stop extracting as soon as a document's text passes the cap (a bomb never finishes)."""
    cap = _limits().max_text_chars
    if chars > cap:
        raise UnreadableDocument(
            str(path), f"too much text (over {cap:,} characters; INGEST_MAX_TEXT_CHARS)"
        )


def _check_zip(path: Path) -> None:
    """Refuse a zip package whose declared member sizes or ratios say bomb, before parsing it."""
    limits = _limits()
    try:
        with zipfile.ZipFile(path) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableDocument(str(path), f"not a valid DOCX: {exc}") from None
    total = 0
    for member in members:
        size, packed = member.file_size, max(member.compress_size, 1)
        total += size
        if size > limits.max_member_bytes or total > 2 * limits.max_member_bytes:
            raise UnreadableDocument(
                str(path),
                f"archive member {member.filename!r} expands to {size:,} bytes "
                f"(limit {limits.max_member_bytes:,}; INGEST_MAX_MEMBER_BYTES)",
            )
        if size > _RATIO_FLOOR and size / packed > limits.max_compression_ratio:
            raise UnreadableDocument(
                str(path),
                f"archive member {member.filename!r} is compressed {size // packed}:1 "
                f"(limit {limits.max_compression_ratio}:1; a zip bomb?)",
            )


# --------------------------------------------------------------------------- helpers


def slugify(relative: str) -> str:
    """'fi/Yhteistyö Sopimus.md' -> 'fi/yhteistyo-sopimus': a stable id readable in citations."""
    parts = []
    for part in Path(relative).with_suffix("").parts:
        ascii_part = unicodedata.normalize("NFKD", part).encode("ascii", "ignore").decode()
        slug = textregex.sub(r"[^a-z0-9]+", "-", ascii_part.lower()).strip("-")
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
    _check_text_size(path, len(text))
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
    if not isinstance(value, str | int | float):
        return ""  # a list or mapping is not a title, id or date (and str() of one can be huge)
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


@textregex.text_function()
def _first_heading(text: str) -> str:
    match = _HEADING.search(text)
    return match.group(2).strip().rstrip("#").strip() if match else ""


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


def _front_matter_handler(raw: str) -> Any:
    """YAML front matter is read without aliases and within a size cap: a 468-byte alias bomb
    would otherwise expand into billions of characters (issue 11)."""
    import frontmatter
    import yaml
    from frontmatter.default_handlers import YAMLHandler

    class NoAliasLoader(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(
                    None, None, "aliases (*name) are not allowed in front matter", mark
                )
            return super().compose_node(parent, index)

    class BoundedYAMLHandler(YAMLHandler):
        def load(self, fm: str, **kwargs: object) -> Any:
            cap = _limits().max_front_matter_bytes
            if len(fm.encode("utf-8")) > cap:
                raise yaml.YAMLError(f"over {cap:,} bytes (INGEST_MAX_FRONT_MATTER_BYTES)")
            return yaml.load(fm, Loader=NoAliasLoader)  # noqa: S506 - a SafeLoader subclass

    detected = frontmatter.detect_format(raw, frontmatter.handlers)
    return BoundedYAMLHandler() if isinstance(detected, YAMLHandler) else detected


def _load_markdown(path: Path) -> tuple[str, dict[str, Any]]:
    """Markdown and plain text: front matter (if any) as metadata, the body as is."""
    import frontmatter
    import yaml

    raw = _decode(path, path.read_bytes())
    try:
        post = frontmatter.loads(raw, handler=_front_matter_handler(raw))
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


def _html_list(tag: Any) -> list[str]:
    """<ul>/<ol> as '- ' lines, nested lists indented two spaces per level.

    Walks with an explicit stack, not recursion: 3,000 nested lists must not raise RecursionError.
    """
    lines: list[str] = []
    stack: list[tuple[Iterator[Any], int]] = [(iter(tag.find_all("li", recursive=False)), 0)]
    while stack:
        items, depth = stack[-1]
        item = next(items, None)
        if item is None:
            stack.pop()
            continue
        own, nested = [], []
        for child in item.children:
            if getattr(child, "name", None) in ("ul", "ol"):
                nested.append(child)
            elif getattr(child, "name", None) not in _DROP:
                own.append(child.get_text(" ") if getattr(child, "name", None) else str(child))
        if text := _clean(" ".join(own)):
            lines.append("  " * min(depth, _MAX_LIST_INDENT) + "- " + text)
        if nested:
            children = (li for sub in nested for li in sub.find_all("li", recursive=False))
            stack.append((children, depth + 1))
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
    """Walk the tree in document order, emitting one Markdown block per heading/para/list/table.

    An explicit stack instead of recursion, so any nesting depth is safe (issue 11: 3,000 nested
    <div> made the ingest, and `serve`, die with RecursionError).
    """
    inline: list[str] = []

    def flush() -> None:
        if text := _clean("".join(inline)):
            blocks.append(text)
        inline.clear()

    stack: list[Iterator[Any]] = [iter(node.children)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            flush()
            continue
        name = getattr(child, "name", None)
        if name is None:
            if type(child).__name__ == "NavigableString":  # skip comments, doctype, CDATA
                inline.append(str(child))
        elif name in _DROP:
            continue
        elif textregex.fullmatch(r"h[1-6]", name):
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
            stack.append(iter(child.children))
        else:
            inline.append(child.get_text(" "))


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
        pages, chars = [], 0
        for page in reader.pages:
            pages.append(page.extract_text() or "")
            chars += len(pages[-1])
            _check_text_size(path, chars)  # stop at the cap, not after a bomb has expanded
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
        try:  # python-docx parses w:ilvl lazily; a hostile file may hold any text there
            level = int(num.ilvl.val) if num.ilvl is not None else 0
        except (ValueError, TypeError, AttributeError):
            level = 0
        return max(0, min(level, _MAX_LIST_INDENT))
    style = paragraph.style.name if paragraph.style is not None else ""
    if style.lower().startswith("list"):
        match = textregex.search(r"(\d)$", style)
        return max(0, int(match.group(1)) - 1) if match else 0
    return None


def _load_docx(path: Path) -> tuple[str, dict[str, Any]]:
    """'Heading N'/'Title' styles -> '#' lines, list paragraphs -> '- ', tables -> Markdown."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    _check_zip(path)  # declared sizes and ratios, before python-docx inflates anything
    try:
        document = docx.Document(str(path))
    except PackageNotFoundError:
        raise UnreadableDocument(str(path), "not a valid DOCX: not a Word (zip) package") from None
    except Exception as exc:  # zipfile.BadZipFile, KeyError, lxml errors
        raise UnreadableDocument(str(path), f"not a valid DOCX: {exc}") from None
    blocks: list[str] = []
    list_lines: list[str] = []
    chars = 0

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
                chars += len(table)
                _check_text_size(path, chars)
            continue
        text = _clean(item.text)
        chars += len(text)
        _check_text_size(path, chars)  # stop at the cap, not after a bomb has expanded
        if not text:
            continue
        style = item.style.name if item.style is not None else ""
        heading = textregex.fullmatch(r"heading\s*([1-6])", style.strip(), textregex.I)
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


def load_file(path: Path, root: Path | None = None, limits: IngestLimits | None = None) -> Document:
    """Load one supported file; `root` decides its relative path and default doc_id.

    Any failure, whatever the library raises on a hostile file, becomes `UnreadableDocument`.
    """
    path = Path(path)
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise UnreadableDocument(str(path), f"unsupported file type {path.suffix or '(none)'}")
    shown = path.relative_to(root).as_posix() if root is not None else str(path)
    limits = limits or _limits()
    token = _LIMITS.set(limits)
    try:
        _check_file_size(path, limits)
        body, meta = loader(path)
    except UnreadableDocument as exc:
        raise UnreadableDocument(shown, exc.reason) from None
    except OSError as exc:
        raise UnreadableDocument(shown, f"cannot read file: {exc.strerror or exc}") from None
    except RecursionError:
        raise UnreadableDocument(shown, "structure nested too deeply to read") from None
    except Exception as exc:  # a library's surprise on a hostile file never stops an ingest
        raise UnreadableDocument(shown, f"cannot read file: {_describe(exc)}") from None
    finally:
        _LIMITS.reset(token)
    if len(body) > limits.max_text_chars:
        raise UnreadableDocument(
            shown,
            f"too much text (over {limits.max_text_chars:,} characters; INGEST_MAX_TEXT_CHARS)",
        )
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


def _check_file_size(path: Path, limits: IngestLimits) -> None:
    """Refuse an oversized file from its size on disk, before reading a byte of it."""
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise UnreadableDocument(
            str(path),
            f"file too large ({size:,} bytes; limit {limits.max_file_bytes:,}; "
            "INGEST_MAX_FILE_BYTES)",
        )


def _describe(exc: BaseException) -> str:
    """An exception as one short line for the ingest report (type and the first 200 chars)."""
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _candidates(folder: Path) -> Iterable[Path]:
    """Supported, non-hidden files under `folder`, in a stable order."""
    for path in sorted(folder.rglob("*"), key=lambda p: p.relative_to(folder).as_posix()):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.is_file() and path.suffix.lower() in SUPPORTED:
            yield path


def load_path(
    path: Path, limits: IngestLimits | None = None
) -> tuple[list[Document], list[LoadError]]:
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
            document = load_file(file, root, limits)
        except UnreadableDocument as exc:
            errors.append(exc.error)
            continue
        except Exception as exc:  # one bad file never stops an ingest, whatever it raises
            shown = file.relative_to(root).as_posix()
            errors.append(LoadError(shown, f"cannot load: {_describe(exc)}"))
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


# Probes for the pathological-input test (tests/assistant/test_textregex.py).
textregex.register_text_function("ingest.loaders.slugify", lambda text: slugify(f"x/{text}.md"))
textregex.register_text_function(
    "ingest.loaders._BULLET", lambda text: [_BULLET.sub("- ", line) for line in text.splitlines()]
)
