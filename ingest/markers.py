"""Source markers and contact blocks in Markdown (docs: /work/coord/CONVENTIONS.md, issue 10).

    <!-- sources: https://a.fi/page https://b.fi/other -->

A marker right after a heading applies to that section (and to subsections without their own);
a marker before a paragraph inside a section applies from there to the next marker or heading.
Lines under no marker fall back to the front-matter `sources` (an empty `Span.urls`).

    ```contact
    name: ...
    role: ...
    organisation: ...
    source: https://...
    ```

A contact block becomes one visible line ("name, role, organisation, phone.") and its parsed
fields travel with every line of its section. Both are removed from the text here, so no marker
or YAML ever reaches a chunk; the chunker reads the `Span`s to keep marked text apart.
"""

from __future__ import annotations

from typing import Any

from assistant import textregex
from assistant.schema import Contact
from ingest.documents import Span

__all__ = ["ContactError", "annotate"]

_MARKER = textregex.compile(r"^\s*<!--\s*sources\s*:(?P<body>.*?)-->\s*$", textregex.IGNORECASE)
_MARKER_START = textregex.compile(r"^\s*<!--\s*sources\s*:", textregex.IGNORECASE)
_HEADING = textregex.compile(r"^ {0,3}(#{1,6})(?:\s|$)")
_FENCE = textregex.compile(r"^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)")
_URL = textregex.compile(r"^https?://[^\s<>\"]+$")
CONTACT_MAX_LINES = 30
CONTACT_MAX_CHARS = 2000
_CONTACT_KEYS = {"name", "role", "organisation", "phone", "topics", "source"}
_REQUIRED = ("name", "role", "organisation", "source")


class ContactError(ValueError):
    """A contact block or a source marker that cannot be used; the message says where and why."""


def _marker_urls(body: str, line_no: int) -> tuple[str, ...]:
    urls = [u for u in textregex.split(r"[\s,]+", body.strip()) if u]
    if not urls:
        raise ContactError(f"line {line_no}: empty source marker")
    for url in urls:
        if not _URL.match(url):
            raise ContactError(f"line {line_no}: source marker holds {url!r}, not an http(s) URL")
    return tuple(dict.fromkeys(urls))


def _no_anchors(text: str, line_no: int) -> None:
    """YAML anchors, aliases and tags are refused before loading (no alias bombs, no types)."""
    import yaml

    try:
        for token in yaml.scan(text):
            if isinstance(token, yaml.AnchorToken | yaml.AliasToken | yaml.TagToken):
                kind = type(token).__name__.removesuffix("Token").lower()
                raise ContactError(f"contact block at line {line_no}: YAML {kind}s are not allowed")
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ContactError(f"contact block at line {line_no}: invalid YAML: {first}") from None


def _text_field(data: dict[str, Any], key: str, line_no: int) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        hint = " (quote it, or a leading 0 is lost)" if key == "phone" else ""
        raise ContactError(f"contact block at line {line_no}: {key} must be text{hint}")
    return " ".join(value.split())


def parse_contact(text: str, line_no: int = 1) -> Contact:
    """A contact block's YAML as a `Contact`; anything unexpected is a `ContactError`."""
    import yaml

    if len(text) > CONTACT_MAX_CHARS or text.count("\n") >= CONTACT_MAX_LINES:
        raise ContactError(
            f"contact block at line {line_no}: longer than {CONTACT_MAX_LINES} lines or "
            f"{CONTACT_MAX_CHARS} characters"
        )
    _no_anchors(text, line_no)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ContactError(f"contact block at line {line_no}: invalid YAML: {first}") from None
    if not isinstance(data, dict):
        raise ContactError(f"contact block at line {line_no}: expected 'key: value' lines")
    unknown = sorted(str(k) for k in data if k not in _CONTACT_KEYS)
    if unknown:
        raise ContactError(
            f"contact block at line {line_no}: unknown field(s) {', '.join(unknown)} "
            f"(allowed: {', '.join(sorted(_CONTACT_KEYS))})"
        )
    fields = {key: _text_field(data, key, line_no) for key in _CONTACT_KEYS - {"topics"}}
    missing = [key for key in _REQUIRED if not fields[key]]
    if missing:
        raise ContactError(f"contact block at line {line_no}: missing {', '.join(missing)}")
    if not _URL.match(fields["source"]):
        raise ContactError(f"contact block at line {line_no}: source is not an http(s) URL")
    topics = data.get("topics") or []
    if isinstance(topics, str):
        topics = [topics]
    if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
        raise ContactError(f"contact block at line {line_no}: topics must be a list of phrases")
    fields["topics"] = [" ".join(t.split()) for t in topics if t.strip()]
    return Contact(**fields)


@textregex.text_function()
def annotate(text: str) -> tuple[str, list[Span]]:
    """The text without markers, contact blocks as their visible line, and the spans.

    Spans are [] when the text has neither markers nor contact blocks (nothing to carry).
    Raises `ContactError` for a bad marker or block (the loader reports that file only).
    """
    lines = text.splitlines()
    out: list[str] = []
    attrs: list[tuple[tuple[str, ...], int]] = []  # per output line: urls, section number
    contacts: dict[int, Contact] = {}
    stack: list[tuple[int, tuple[str, ...] | None]] = []  # (heading level, section marker)
    doc_urls: tuple[str, ...] = ()
    para_urls: tuple[str, ...] | None = None
    content_since_heading = False
    section = 0
    found = False
    skip_blank = False
    i = 0

    def current() -> tuple[str, ...]:
        if para_urls is not None:
            return para_urls
        for _, urls in reversed(stack):
            if urls is not None:
                return urls
        return doc_urls

    def emit(line: str) -> None:
        out.append(line)
        attrs.append((current(), section))

    while i < len(lines):
        line = lines[i]
        line_no = i + 1
        if skip_blank and not line.strip():
            skip_blank = False
            i += 1
            continue
        skip_blank = False
        fence = _FENCE.match(line)
        if fence:
            mark, info = fence.group(1), fence.group(2).lower()
            end = i + 1
            while end < len(lines) and not textregex.match(
                rf"^ {{0,3}}{textregex.escape(mark[0])}{{{len(mark)},}}\s*$", lines[end]
            ):
                end += 1
            if info == "contact":
                if end >= len(lines):
                    raise ContactError(f"contact block at line {line_no}: no closing fence")
                if section in contacts:
                    raise ContactError(
                        f"contact block at line {line_no}: a second contact in one section "
                        "(one person per section)"
                    )
                contact = parse_contact("\n".join(lines[i + 1 : end]), line_no)
                contacts[section] = contact
                found = True
                if out and out[-1].strip():
                    emit("")
                emit(contact.line())
                if end + 1 < len(lines) and lines[end + 1].strip():
                    emit("")
                content_since_heading = True
                i = end + 1
                continue
            for kept in lines[i : end + 1]:  # any other code block is text, markers inside too
                emit(kept)
            content_since_heading = True
            i = end + 1
            continue
        marker = _MARKER.match(line)
        if marker is None and _MARKER_START.match(line):
            raise ContactError(f"line {line_no}: a source marker must close on its own line")
        if marker is not None:
            urls = _marker_urls(marker.group("body"), line_no)
            found = True
            if content_since_heading:
                para_urls = urls
            elif stack:
                stack[-1] = (stack[-1][0], urls)
                para_urls = None
            else:
                doc_urls = urls
            if out and out[-1].strip() and not _HEADING.match(out[-1]):
                emit("")  # the marker separated two paragraphs: keep them apart
            elif not out or not out[-1].strip():
                skip_blank = True  # no doubled blank line where the marker was
            i += 1
            continue
        heading = _HEADING.match(line)
        if heading:
            level = len(heading.group(1))
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, None))
            para_urls = None
            content_since_heading = False
            section += 1
        elif line.strip():
            content_since_heading = True
        emit(line)
        i += 1

    while out and not out[-1].strip():
        out.pop()
        attrs.pop()
    lead = 0
    while lead < len(out) and not out[lead].strip():
        lead += 1
    out, attrs = out[lead:], attrs[lead:]
    if not found:
        return "\n".join(out), []
    spans: list[Span] = []
    for n, (urls, sec) in enumerate(attrs):
        span = Span(n, urls, contacts.get(sec))
        if not spans or (spans[-1].urls, spans[-1].contact) != (span.urls, span.contact):
            spans.append(span)
    return "\n".join(out), spans
