"""Reading the sources side of the corpus: allowed URLs, source markers, sections, contact blocks.

The allow-list comes from the repo's verbatim copy of the source facts (docs/sources/facts.md) plus
the seed page. URLs there are often written without a scheme, and some paths are shortened with an
ellipsis ("pirkanmaa.fi/…/pirkanmaan-liiton-eakr-rahoitus/") or a site is named alone
("tampere.cloudnc.fi"): for those only the site root is allowed, so nobody fills in a path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from evals.metrics import url_key

ROOT = Path(__file__).resolve().parents[2]
FACTS = ROOT / "docs" / "sources" / "facts.md"
SEED_URL = "https://rakennerahastot.fi/sv/vastra-finland/tammerfors"

# --- URLs in facts.md ------------------------------------------------------------------------

# A host written in prose: labels of letters, digits and hyphens, a letters-only top-level domain.
# Not preceded by a character that would make it part of a path or an address ("../seed/x.sv.txt").
_HOST = r"(?<![\w@/.\-])(?:https?://)?(?P<host>(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})"
# The path runs to whitespace or to prose punctuation that never occurs inside these URLs.
_FACT_URL = re.compile(_HOST + r"(?P<path>/[^\s;,*\"'`<>\]]*)?", re.IGNORECASE)
_ELLIPSIS = ("…", "...")


def _trim(path: str) -> str:
    """Drop sentence punctuation after a path, and a ')' that closes prose, not the path."""
    while path and path[-1] in ".:":
        path = path[:-1]
    while path.endswith(")") and path.count(")") > path.count("("):
        path = path[:-1]
    return path


def urls_in_facts(text: str) -> set[str]:
    """Every URL facts.md gives, with https:// added; a shortened path or a bare site -> root."""
    found: set[str] = set()
    for m in _FACT_URL.finditer(text):
        host = m.group("host").lower()
        if "." not in host or host.split(".")[-1] in {"md", "txt", "py", "html"}:
            continue
        path = _trim(m.group("path") or "")
        if any(e in path for e in _ELLIPSIS) or text[m.end() : m.end() + 1] == "…":
            path = ""
        found.add(f"https://{host}{path or '/'}")
    return found


def allowed_urls(facts_text: str) -> set[str]:
    """The allow-list as comparison keys (scheme, leading www. and trailing slash ignored)."""
    return {url_key(u) for u in urls_in_facts(facts_text) | {SEED_URL}}


# --- URLs in corpus text ---------------------------------------------------------------------

_TEXT_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'`\]]+", re.IGNORECASE)
# A URL written without a scheme but with a path ("innokaupungit.fi/en/cities/tampere/").
_BARE_URL = re.compile(
    r"(?<![\w@/.\-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}/[^\s<>\"'`\]]*",
    re.IGNORECASE,
)


def urls_in_text(text: str) -> list[str]:
    """URLs in a piece of corpus Markdown: with a scheme, with www., or a bare host with a path."""
    out = [_trim(m.group().rstrip(",;")) for m in _TEXT_URL.finditer(text)]
    rest = _TEXT_URL.sub(" ", text)
    out += [_trim(m.group().rstrip(",;")) for m in _BARE_URL.finditer(rest)]
    return [u for u in out if u]


# --- markers, sections, contact blocks -------------------------------------------------------

MARKER = re.compile(r"^<!--\s*sources:\s*(?P<urls>.*?)\s*-->\s*$")
_MARKERISH = re.compile(r"<!--.*\bsources?\b", re.IGNORECASE)
_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<title>.+?)\s*#*\s*$")
_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*(?P<info>\S*)")


@dataclass
class Section:
    """A heading and the lines up to the next heading (fenced blocks kept whole)."""

    level: int  # 0 for text before the first heading
    title: str
    lines: list[str] = field(default_factory=list)
    own: list[str] | None = None  # the marker right after the heading
    inherited: list[str] | None = None  # the nearest enclosing heading's marker
    markers: list[list[str]] = field(default_factory=list)  # every marker in the section
    uncovered: bool = False  # text that no marker (own, inherited or earlier) covers
    contacts: list[dict] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The section's body without its markers."""
        return "\n".join(line for line in self.lines if not MARKER.match(line.strip()))


def parse_sections(content: str) -> list[Section]:
    """Split a document body into sections and resolve which marker covers what.

    A marker is an HTML comment on its own line. Right after a heading (blank lines aside) it is the
    section's own marker; later in the section it applies from there on. A section without its own
    marker inherits the one of its nearest enclosing heading.
    """
    sections = [Section(level=0, title="")]
    fence: str | None = None
    fence_info = ""
    block: list[str] = []
    for line in content.splitlines():
        if fence is not None:
            sections[-1].lines.append(line)
            if line.strip().startswith(fence):
                if fence_info == "contact":
                    loaded = yaml.safe_load("\n".join(block))
                    sections[-1].contacts.append(loaded if isinstance(loaded, dict) else {})
                fence = None
            else:
                block.append(line)
            continue
        fenced = _FENCE.match(line.strip())
        if fenced:
            fence, fence_info, block = fenced.group("fence"), fenced.group("info"), []
            sections[-1].lines.append(line)
            continue
        heading = _HEADING.match(line)
        if heading:
            sections.append(Section(level=len(heading.group("hashes")), title=heading["title"]))
            continue
        sections[-1].lines.append(line)

    stack: list[Section] = []
    for section in sections:
        while stack and stack[-1].level >= section.level:
            stack.pop()
        parent = stack[-1] if stack else None
        section.inherited = (parent.own or parent.inherited) if parent else None
        current: list[str] | None = None
        started = False
        for line in section.lines:
            stripped = line.strip()
            marker = MARKER.match(stripped)
            if marker:
                urls = marker.group("urls").split()
                section.markers.append(urls)
                if not started:
                    section.own = urls
                current = urls
                started = True
            elif stripped:
                started = True
                if current is None and section.inherited is None:
                    section.uncovered = True
        stack.append(section)
    return sections


def malformed_markers(content: str) -> list[str]:
    """Lines that look like a source marker but are not one (inline, misspelt, empty)."""
    bad = []
    for line in content.splitlines():
        stripped = line.strip()
        if not _MARKERISH.search(stripped):
            continue
        marker = MARKER.match(stripped)
        if not marker or not marker.group("urls").split():
            bad.append(stripped)
    return bad
