"""What a loader hands the chunker: one document as Markdown-ish text plus its citation metadata.

Every format (Markdown, text, HTML, PDF, DOCX) is reduced to the same shape so that the chunker
and the indexer never need to know where a document came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.schema import Contact


@dataclass(frozen=True)
class Span:
    """From line `start` of a document's text to the next span: the pages that state those lines
    (a source marker; empty = the front-matter sources) and the contact block of their section."""

    start: int
    urls: tuple[str, ...] = ()
    contact: Contact | None = None


@dataclass
class Document:
    """A loaded document; `text` uses '#' heading lines and '- ' list lines whatever the format."""

    doc_id: str  # front matter `id`, else a slug of the path relative to the loaded root
    title: str  # front matter title, else first heading, else file stem
    lang: str  # front matter `lang`, else assistant.languages.detect_or(text)
    text: str  # body as Markdown-ish text: headings as '#' lines, lists as '- ' lines
    sources: list[str] = field(default_factory=list)  # front matter sources (URLs)
    as_of: str = ""  # front matter as_of (ISO date), else the file's mtime date
    translation_of: str = ""
    path: str = ""  # path as given / relative to the root
    spans: list[Span] = field(default_factory=list)  # source markers / contacts; [] = none


@dataclass
class LoadError:
    """A file that could not be loaded, reported by name so one bad file never stops an ingest."""

    path: str
    reason: str  # short human reason, e.g. "not a valid PDF: EOF marker not found"


class UnreadableDocument(Exception):
    """Raised by a loader for a file it cannot turn into a Document; carries a LoadError."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason

    @property
    def error(self) -> LoadError:
        """The same failure as the value `load_path` reports."""
        return LoadError(path=self.path, reason=self.reason)
