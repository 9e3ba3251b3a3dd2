"""Hostile documents (issue 11): each one is skipped with a reason or read safely, never fatal.

Every file is built in a temp dir. The table says what each file must produce: a skip reason
(a substring of the report line) or, for files that are odd but harmless, the text that loads.
"""

from __future__ import annotations

import random
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from ingest.documents import LoadError
from ingest.indexer import collect_chunks
from ingest.loaders import IngestLimits, load_file, load_path

GOOD = "# Good\n\nThe ecosystem agreement funds innovation in Tampere.\n"

# A 365-byte Markdown file whose front matter expands to 9**9 strings (the alias bomb).
ALIAS_BOMB = """---
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
title: [*h,*h,*h,*h,*h,*h,*h,*h,*h]
---
# Bomb

Body text of the bomb.
"""


def nested_divs(path: Path) -> Path:
    inner = "<p>Deep text about the innovation agreement.</p>"
    path.write_text("<html><body>" + "<div>" * 3000 + inner + "</div>" * 3000 + "</body></html>")
    return path


def nested_lists(path: Path) -> Path:
    html = "<ul>" + "<li>level<ul>" * 3000 + "<li>deepest item</li>" + "</ul></li>" * 3000
    path.write_text(f"<html><body><p>Lists all the way down.</p>{html}</ul></body></html>")
    return path


def alias_bomb(path: Path) -> Path:
    path.write_text(ALIAS_BOMB, encoding="utf-8")
    return path


def big_front_matter(path: Path) -> Path:
    keys = "".join(f"k{i}: {'x' * 60}\n" for i in range(400))  # about 26 KB of YAML
    path.write_text(f"---\n{keys}---\n# Title\n\nBody.\n", encoding="utf-8")
    return path


def list_title(path: Path) -> Path:
    path.write_text("---\ntitle: [a, b]\n---\n# Heading title\n\nBody text.\n", "utf-8")
    return path


def binary_garbage(path: Path) -> Path:
    path.write_bytes(random.Random(11).randbytes(4096))
    return path


def nul_bytes(path: Path) -> Path:
    path.write_bytes(b"# Title\n\n" + b"text\x00" * 100)
    return path


def huge_text(path: Path) -> Path:
    path.write_text("# Huge\n\n" + "word " * 30_000, encoding="utf-8")  # 150 KB, cap 100 KB
    return path


def big_file(path: Path) -> Path:
    path.write_text("# Big\n\n" + "word " * 50_000, encoding="utf-8")  # 250 KB, cap 200 KB
    return path


def docx_bad_list_level(path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("Introduction to the list.")
    item = document.add_paragraph("An item with a broken level")
    num_pr = item._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_numId().set(qn("w:val"), "1")
    num_pr.get_or_add_ilvl().set(qn("w:val"), "not-a-number")
    deep = document.add_paragraph("An item nested absurdly deep")
    num_pr = deep._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_numId().set(qn("w:val"), "1")
    num_pr.get_or_add_ilvl().set(qn("w:val"), "99999")
    document.save(str(path))
    return path


def _docx_with_body(path: Path, body_xml: bytes) -> Path:
    """A real DOCX package whose word/document.xml is replaced by `body_xml`."""
    template = path.with_suffix(".template.zip")
    docx.Document().save(str(template))
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = body_xml if info.filename == "word/document.xml" else src.read(info)
            out.writestr(info.filename, data)
    template.unlink()
    return path


def _document_xml(text_runs: int, run: str) -> bytes:
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    paragraph = f"<w:p><w:r><w:t>{run}</w:t></w:r></w:p>"
    return f"<w:document {ns}><w:body>{paragraph * text_runs}</w:body></w:document>".encode()


def docx_zip_bomb(path: Path) -> Path:
    """About 30 MB of XML that deflates to about 60 KB (ratio near 500:1)."""
    return _docx_with_body(path, _document_xml(600_000, "lol"))


def docx_big_member(path: Path) -> Path:
    """A member of 3 MB of varied text: under the ratio limit, over a 2 MB member cap."""
    rng = random.Random(5)
    words = rng.choices(["tampere", "agreement", "funding", "city", "x"], k=400_000)
    return _docx_with_body(path, _document_xml(1, " ".join(words)))


def docx_huge_text(path: Path) -> Path:
    """Ordinary DOCX, but its text is over the (test) text cap."""
    document = docx.Document()
    for _ in range(300):
        document.add_paragraph("The agreement funds innovation. " * 20)
    document.save(str(path))
    return path


def pdf_garbage(path: Path) -> Path:
    path.write_bytes(b"%PDF-1.7\n" + random.Random(3).randbytes(2048))
    return path


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], Path]
    skipped: str | None  # substring of the skip reason; None: the file loads
    loads_text: str = ""  # with skipped=None: text the loaded document contains
    limits: IngestLimits = IngestLimits()


CASES = [
    Case("deep.html", nested_divs, None, "Deep text about the innovation agreement."),
    Case("lists.html", nested_lists, None, "- deepest item"),
    Case("bomb.md", alias_bomb, "aliases (*name) are not allowed"),
    Case("big-front.md", big_front_matter, "invalid front matter: over 16,384 bytes"),
    Case("list-title.md", list_title, None, "Body text."),
    Case("garbage.md", binary_garbage, "not UTF-8 text"),
    Case("nul.md", nul_bytes, "binary data (NUL bytes)"),
    Case("huge.txt", huge_text, "too much text", limits=IngestLimits(max_text_chars=100_000)),
    Case("big.md", big_file, "file too large", limits=IngestLimits(max_file_bytes=200_000)),
    Case("level.docx", docx_bad_list_level, None, "- An item with a broken level"),
    Case("bomb.docx", docx_zip_bomb, "a zip bomb?"),
    Case(
        "member.docx",
        docx_big_member,
        "expands to",
        limits=IngestLimits(max_member_bytes=2_000_000),
    ),
    Case("text.docx", docx_huge_text, "too much text", limits=IngestLimits(max_text_chars=50_000)),
    Case("garbage.pdf", pdf_garbage, "not a valid PDF"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_file_is_skipped_with_reason_or_read_safely(tmp_path: Path, case: Case) -> None:
    case.build(tmp_path / case.name)
    (tmp_path / "good.md").write_text(GOOD, encoding="utf-8")

    docs, errors = load_path(tmp_path, case.limits)

    by_path = {d.path: d for d in docs}
    assert "good.md" in by_path  # the rest is always indexed
    if case.skipped is None:
        assert errors == []
        assert case.loads_text in by_path[case.name].text
    else:
        assert [e.path for e in errors] == [case.name]
        assert case.skipped in errors[0].reason, errors[0].reason
        assert set(by_path) == {"good.md"}


def test_front_matter_list_is_no_title(tmp_path: Path) -> None:
    doc = load_file(list_title(tmp_path / "t.md"), tmp_path)
    assert doc.title == "Heading title"


def test_docx_list_levels_are_clamped(tmp_path: Path) -> None:
    doc = load_file(docx_bad_list_level(tmp_path / "l.docx"), tmp_path)
    lines = doc.text.splitlines()
    assert "- An item with a broken level" in lines
    assert "                - An item nested absurdly deep" in lines  # at most 8 levels


def test_zip_bomb_is_refused_before_python_docx_parses_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def must_not_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("python-docx was asked to parse a zip bomb")

    path = docx_zip_bomb(tmp_path / "bomb.docx")
    monkeypatch.setattr(docx, "Document", must_not_parse)
    docs, errors = load_path(path)
    assert docs == [] and "a zip bomb?" in errors[0].reason


def test_unexpected_loader_exception_is_one_skipped_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever a parsing library raises (here a bug simulated in the HTML loader) is reported."""
    import ingest.loaders as loaders

    def broken(path: Path) -> tuple[str, dict]:
        raise KeyError("surprise")

    monkeypatch.setitem(loaders._LOADERS, ".html", broken)
    (tmp_path / "page.html").write_text("<p>x</p>", encoding="utf-8")
    (tmp_path / "good.md").write_text(GOOD, encoding="utf-8")
    docs, errors = load_path(tmp_path)
    assert [d.path for d in docs] == ["good.md"]
    assert errors == [LoadError("page.html", "cannot read file: KeyError: 'surprise'")]


def test_every_hostile_file_together_leaves_the_good_one_chunked(tmp_path: Path) -> None:
    """The same files in one folder, through the indexer's collector with default limits."""
    folder = tmp_path / "extra"
    folder.mkdir()
    for case in CASES:
        case.build(folder / case.name)
    (folder / "good.md").write_text(GOOD, encoding="utf-8")

    chunks, documents, errors = collect_chunks([folder], IngestLimits())

    skipped = {e.path for e in errors}
    assert {"bomb.md", "big-front.md", "garbage.md", "nul.md", "bomb.docx", "garbage.pdf"} <= (
        skipped
    )
    assert {"good", "deep", "lists", "level"} <= set(documents)
    assert any("funds innovation in Tampere" in c.text for c in chunks)
