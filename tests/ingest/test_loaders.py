"""Every supported format loads into the same Markdown-ish shape; bad files are reported by name."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import docx
import pytest

from ingest.documents import Document, LoadError
from ingest.loaders import SUPPORTED, UnreadableDocument, load_file, load_path, slugify

FIXTURES = Path(__file__).parent / "fixtures"


def make_pdf(path: Path, lines: list[str], title: str = "") -> Path:
    """A minimal valid PDF (Helvetica text, correct xref) - pypdf itself cannot write text."""
    ops = ["BT", "/F1 12 Tf", "14 TL", "72 720 Td"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"({escaped}) Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("cp1252")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Title (" + title.encode("latin-1") + b") >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    path.write_bytes(bytes(out))
    return path


def make_docx(path: Path) -> Path:
    """A Word file with a title, heading styles, a bulleted list, a numbered list and a table."""
    document = docx.Document()
    document.core_properties.title = "Word fixture"
    document.add_heading("Word fixture", level=1)
    document.add_paragraph("The opening paragraph of the Word document explains what follows.")
    document.add_heading("Goals", level=2)
    document.add_paragraph("The goals are:")
    document.add_paragraph("First goal", style="List Bullet")
    document.add_paragraph("Second goal", style="List Bullet")
    document.add_paragraph("Nested goal", style="List Bullet 2")
    document.add_heading("Schedule", level=3)
    table = document.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, [("Year", "Step"), ("2025", "Start")], strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    document.add_paragraph("Step one", style="List Number")
    document.save(str(path))
    return path


def test_supported_extensions() -> None:
    assert {".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx"} == SUPPORTED


def test_markdown_front_matter_lands_in_document() -> None:
    doc = load_file(FIXTURES / "agreement.md", FIXTURES)
    assert doc == Document(
        doc_id="fixture-agreement",
        title="Fixture agreement",
        lang="en",
        text=doc.text,
        sources=["https://example.org/fixture-agreement"],
        as_of="2024-05-01",
        translation_of="fixture-sopimus",
        path="agreement.md",
    )
    assert doc.text.startswith("# Fixture agreement\n\n## Background")
    assert "---" not in doc.text and "sources:" not in doc.text
    assert "- Party two" in doc.text


def test_markdown_defaults_without_front_matter(tmp_path: Path) -> None:
    folder = tmp_path / "fi"
    folder.mkdir()
    path = folder / "Yhteistyö Sopimus.md"
    path.write_text(
        "Johdanto ennen otsikkoa.\n\n# Yhteistyösopimus\n\n"
        "Kaupunki ja valtio sopivat yhteistyöstä innovaatioiden edistämiseksi.\n",
        encoding="utf-8",
    )
    doc = load_file(path, tmp_path)
    assert doc.doc_id == "fi/yhteistyo-sopimus"
    assert doc.path == "fi/Yhteistyö Sopimus.md"
    assert doc.title == "Yhteistyösopimus"  # first heading
    assert doc.lang == "fi"  # detected
    assert doc.sources == [] and doc.translation_of == ""
    assert doc.as_of == dt.date.fromtimestamp(path.stat().st_mtime).isoformat()


def test_plain_text_loads_as_is() -> None:
    doc = load_file(FIXTURES / "notes.txt", FIXTURES)
    assert doc.text == (FIXTURES / "notes.txt").read_text(encoding="utf-8").strip()
    assert doc.title == "notes"  # no front matter, no heading: the file stem
    assert doc.doc_id == "notes"
    assert doc.lang == "en"


def test_html_keeps_structure_and_drops_chrome() -> None:
    doc = load_file(FIXTURES / "page.html", FIXTURES)
    assert doc.title == "Sivun otsikko"
    assert doc.lang == "fi"
    assert doc.sources == ["https://example.org/sivu"]
    assert doc.text == (
        "# Sivun otsikko\n\n"
        "Tämä on esimerkkisivu, jonka teksti on suomeksi.\n\n"
        "## Luettelo\n\n"
        "- Ensimmäinen kohta\n- Toinen kohta\n  - Sisäkkäinen kohta\n\n"
        "### Taulukko\n\n"
        "| Vuosi | Asia |\n| --- | --- |\n| 2024 | Alku |\n| 2025 | Jatko |"
    )
    for chrome in ("tracking", "color: red", "Etusivu", "console.log"):
        assert chrome not in doc.text


def test_docx_headings_lists_and_tables(tmp_path: Path) -> None:
    doc = load_file(make_docx(tmp_path / "word.docx"), tmp_path)
    assert doc.title == "Word fixture"
    assert doc.text == (
        "# Word fixture\n\n"
        "The opening paragraph of the Word document explains what follows.\n\n"
        "## Goals\n\n"
        "The goals are:\n\n"
        "- First goal\n- Second goal\n  - Nested goal\n\n"
        "### Schedule\n\n"
        "| Year | Step |\n| --- | --- |\n| 2025 | Start |\n\n"
        "- Step one"
    )
    assert doc.lang == "en"


def test_pdf_text_is_extracted(tmp_path: Path) -> None:
    path = make_pdf(
        tmp_path / "report.pdf",
        ["The report describes the ecosystem work.", "• a bullet point", "Last line here."],
        title="PDF fixture",
    )
    doc = load_file(path, tmp_path)
    assert doc.title == "PDF fixture"
    assert doc.doc_id == "report"
    assert "The report describes the ecosystem work." in doc.text
    assert "- a bullet point" in doc.text
    assert doc.lang == "en"


def test_broken_files_are_reported_while_the_rest_load(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "agreement.md", tmp_path / "agreement.md")
    (tmp_path / "sub").mkdir()
    shutil.copy(FIXTURES / "page.html", tmp_path / "sub" / "page.html")
    make_pdf(tmp_path / "sub" / "good.pdf", ["A readable PDF page with some words."])
    make_docx(tmp_path / "word.docx")
    good_pdf = (tmp_path / "sub" / "good.pdf").read_bytes()
    (tmp_path / "broken.pdf").write_bytes(good_pdf[: len(good_pdf) // 2])  # truncated
    (tmp_path / "latin1.txt").write_bytes("Hyvää päivää, tämä on Latin-1.".encode("latin-1"))
    (tmp_path / "garbled.md").write_bytes(b"\x01\x02\x03\x04\x05 abc \x06\x07\x08" * 20)
    (tmp_path / "bad.docx").write_bytes(b"PK not really a zip")
    (tmp_path / "empty.md").write_text("\n\n", encoding="utf-8")
    (tmp_path / ".hidden.md").write_text("# Hidden\n\nNever loaded.", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "notes.md").write_text("# Git\n\nNever loaded.", encoding="utf-8")
    (tmp_path / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")

    docs, errors = load_path(tmp_path)

    assert [d.path for d in docs] == ["agreement.md", "sub/good.pdf", "sub/page.html", "word.docx"]
    reasons = {e.path: e.reason for e in errors}
    assert set(reasons) == {"bad.docx", "broken.pdf", "empty.md", "garbled.md", "latin1.txt"}
    assert reasons["broken.pdf"].startswith("not a valid PDF")
    assert reasons["bad.docx"].startswith("not a valid DOCX")
    assert reasons["latin1.txt"].startswith("not UTF-8 text")
    assert reasons["garbled.md"].startswith("garbled text")
    assert reasons["empty.md"] == "no text found"
    assert all(isinstance(e, LoadError) for e in errors)


def test_load_file_raises_with_reason(tmp_path: Path) -> None:
    path = tmp_path / "x.pdf"
    path.write_bytes(b"%PDF-1.4\nnot really\n")
    with pytest.raises(UnreadableDocument) as caught:
        load_file(path)
    assert caught.value.path == str(path)
    assert caught.value.error == LoadError(str(path), caught.value.reason)
    assert "not a valid PDF" in caught.value.reason


def test_invalid_front_matter_is_reported(tmp_path: Path) -> None:
    (tmp_path / "bad.md").write_text("---\nid: [oops\n---\n# T\n\nBody.", encoding="utf-8")
    docs, errors = load_path(tmp_path)
    assert docs == []
    assert errors[0].path == "bad.md" and errors[0].reason.startswith("invalid front matter")


def test_duplicate_ids_are_reported_not_overwritten(tmp_path: Path) -> None:
    for name in ("a.md", "b.md"):
        (tmp_path / name).write_text(f"---\nid: same\n---\n# {name}\n\nBody text.", "utf-8")
    docs, errors = load_path(tmp_path)
    assert [d.path for d in docs] == ["a.md"]
    assert errors == [LoadError("b.md", "duplicate id 'same' (also a.md)")]


def test_load_path_single_file_and_missing(tmp_path: Path) -> None:
    docs, errors = load_path(FIXTURES / "notes.txt")
    assert [d.doc_id for d in docs] == ["notes"] and errors == []
    docs, errors = load_path(tmp_path / "nope")
    assert docs == [] and errors[0].reason == "no such file or folder"


def test_slugify() -> None:
    assert slugify("sv/Avtal om Innovation.MD") == "sv/avtal-om-innovation"
    assert slugify("Ääkköset_ja__muut.md") == "aakkoset-ja-muut"


def test_html_without_body_tag_does_not_leak_the_head(tmp_path: Path) -> None:
    path = tmp_path / "fragment.htm"
    path.write_text(
        "<html><head><title>Head title</title><style>p { margin: 0 }</style></head>"
        "<h2>Section</h2><p>Only this paragraph is the body of the page.</p></html>",
        encoding="utf-8",
    )
    doc = load_file(path, tmp_path)
    assert doc.text == "## Section\n\nOnly this paragraph is the body of the page."
    assert doc.title == "Head title"


# --------------------------------------------------------------------------- markers, contacts

A, B, C = "https://a.example.fi/page", "https://b.example.fi/other", "https://c.example.fi/"
FRONT = f"---\nid: doc\nlang: {{lang}}\nsources: [{A}, {B}, {C}]\n---\n"


def _load_md(tmp_path: Path, body: str, lang: str = "en") -> Document:
    path = tmp_path / "doc.md"
    path.write_text(FRONT.format(lang=lang) + body, encoding="utf-8")
    return load_file(path, tmp_path)


def _urls_by_line(doc: Document) -> dict[str, tuple[str, ...]]:
    """Each non-blank line of the loaded text with the marker URLs in force there."""
    lines = doc.text.splitlines()
    out = {}
    for n, line in enumerate(lines):
        span = [s for s in doc.spans if s.start <= n][-1] if doc.spans else None
        if line.strip():
            out[line] = span.urls if span else ()
    return out


@pytest.mark.parametrize(
    ("lang", "body", "expected"),
    [
        (  # after a heading: the whole section, up to the next heading of any level
            "en",
            f"# Title\n\n<!-- sources: {A} -->\n\nIntro.\n\n## Part\n\n<!-- sources: {B} {C} -->"
            "\n\nFirst paragraph.\n\nSecond paragraph.\n",
            {"Intro.": (A,), "First paragraph.": (B, C), "Second paragraph.": (B, C)},
        ),
        (  # before a paragraph: from there to the next marker or heading
            "fi",
            f"# Otsikko\n\n<!-- sources: {A} -->\n\nJohdanto.\n\n<!-- sources: {B} -->\n\n"
            "Toinen sivu kertoo tämän.\n\n## Osa\n\nPerii otsikon merkinnän.\n",
            {
                "Johdanto.": (A,),
                "Toinen sivu kertoo tämän.": (B,),
                "Perii otsikon merkinnän.": (A,),
            },
        ),
        (  # a subsection without its own marker inherits its nearest enclosing heading's
            "sv",
            f"# Rubrik\n\n<!-- sources: {A} -->\n\n## Del\n\n<!-- sources: {B} -->\n\n"
            f"Text i delen.\n\n<!-- sources: {C} -->\n\nEtt stycke från C.\n\n"
            "### Underdel\n\nÄrver delens markering.\n\n## Nästa\n\nÄrver titelns.\n",
            {
                "Text i delen.": (B,),
                "Ett stycke från C.": (C,),
                "Ärver delens markering.": (B,),
                "Ärver titelns.": (A,),
            },
        ),
        (  # a marker between two lines of one paragraph splits it into two paragraphs
            "en",
            f"# T\n\nLine one.\n<!-- sources: {B} -->\nLine two.\n",
            {"Line one.": (), "Line two.": (B,)},
        ),
    ],
    ids=["after-heading", "before-paragraph", "inherited", "mid-paragraph"],
)
def test_source_markers_apply_to_their_section_or_paragraph(
    tmp_path: Path, lang: str, body: str, expected: dict[str, tuple[str, ...]]
) -> None:
    doc = _load_md(tmp_path, body, lang)
    assert "<!--" not in doc.text and "sources:" not in doc.text
    found = _urls_by_line(doc)
    assert {line: found[line] for line in expected} == expected
    assert "\n\n\n" not in doc.text  # a removed marker leaves no doubled blank line


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_no_markers_means_no_spans_and_the_front_matter_sources(tmp_path: Path, lang: str) -> None:
    doc = _load_md(tmp_path, "# T\n\nPlain text.\n\n```\n<!-- sources: not-a-url -->\n```\n", lang)
    assert doc.spans == [] and doc.sources == [A, B, C]
    assert "<!-- sources: not-a-url -->" in doc.text  # inside a code block it is text


CONTACT_EN = """```contact
name: Jaana Niittyniemi
role: funding expert
organisation: Council of Tampere Region
phone: "050 326 1620"
topics: [the ecosystem agreement, funding, ERDF call]
source: https://rakennerahastot.fi/sv/vastra-finland/tammerfors
```"""


@pytest.mark.parametrize(
    ("lang", "block", "line", "topics"),
    [
        (
            "en",
            CONTACT_EN,
            "Jaana Niittyniemi, funding expert, Council of Tampere Region, 050 326 1620.",
            ["the ecosystem agreement", "funding", "ERDF call"],
        ),
        (
            "fi",
            "```contact\nname: Riina Niemi\nrole: kehittämispäällikkö\n"
            "organisation: Pirkanmaan liitto\ntopics: [hankkeiden sisältö]\n"
            f"source: {B}\n```",
            "Riina Niemi, kehittämispäällikkö, Pirkanmaan liitto.",
            ["hankkeiden sisältö"],
        ),
        (
            "sv",
            "```contact\nname: Jaana Niittyniemi\nrole: finansieringsexpert\n"
            "organisation: Birkalands förbund\nphone: '050 326 1620'\ntopics: ekosystemavtalet\n"
            f"source: {A}\n```",
            "Jaana Niittyniemi, finansieringsexpert, Birkalands förbund, 050 326 1620.",
            ["ekosystemavtalet"],
        ),
    ],
)
def test_contact_block_becomes_its_line_and_metadata(
    tmp_path: Path, lang: str, block: str, line: str, topics: list[str]
) -> None:
    body = f"# T\n\n## Person\n\n<!-- sources: {A} -->\n\nWho she is.\n{block}\nAfter.\n\n"
    body += "## Next\n\nX."
    doc = _load_md(tmp_path, body, lang)
    assert "```" not in doc.text and "name:" not in doc.text
    assert f"\n\n{line}\n\n" in doc.text  # one paragraph of its own
    contact_spans = [s for s in doc.spans if s.contact is not None]
    contact = contact_spans[0].contact
    assert contact.line() == line and contact.topics == topics
    # the whole section (its heading to the next heading) carries the contact, nothing else
    lines = doc.text.splitlines()
    first, end = lines.index("## Person"), lines.index("## Next")
    covered = [n for n in range(len(lines)) if _span_at(doc, n).contact is not None]
    assert covered == list(range(first, end))


def _span_at(doc: Document, n: int):
    return [s for s in doc.spans if s.start <= n][-1]


@pytest.mark.parametrize(
    ("block", "reason"),
    [
        ("```contact\nname: X\nrole: r\norganisation: o\n```", "missing source"),
        ("```contact\nname: X\norganisation: o\nsource: https://x.fi/\n```", "missing role"),
        ("```contact\nname: X\nrole: r\norganisation: o\nsource: x.fi\n```", "not an http"),
        (
            "```contact\nname: &n X\nrole: *n\norganisation: o\nsource: https://x.fi/\n```",
            "anchors are not allowed",
        ),
        (
            "```contact\nname: X\nrole: r\norganization: o\nsource: https://x.fi/\n```",
            "unknown field(s) organization",
        ),
        (
            "```contact\nname: X\nrole: r\norganisation: o\nphone: 0503261620\n"
            "source: https://x.fi/\n```",
            "phone must be text (quote it",
        ),
        ("```contact\nname: [X\nrole: r\n```", "invalid YAML"),
        ("```contact\n- a list\n- not a mapping\n```", "expected 'key: value' lines"),
        ("```contact\nname: X\nrole: r\n", "no closing fence"),
        ("```contact\n" + "name: X\n" * 40 + "```", "longer than 30 lines"),
        (CONTACT_EN + "\n\n" + CONTACT_EN, "a second contact in one section"),
        ("<!-- sources: -->", "empty source marker"),
        ("<!-- sources: www.a.fi -->", "not an http(s) URL"),
        ("<!-- sources: https://a.fi/\n-->", "must close on its own line"),
    ],
)
def test_bad_block_or_marker_fails_that_file_only(tmp_path: Path, block: str, reason: str) -> None:
    (tmp_path / "good.md").write_text(f"# Good\n\n{CONTACT_EN}\n", encoding="utf-8")
    (tmp_path / "bad.md").write_text(f"# Bad\n\nText.\n\n{block}\n\nMore.\n", encoding="utf-8")
    docs, errors = load_path(tmp_path)
    assert [d.path for d in docs] == ["good.md"]
    assert [e.path for e in errors] == ["bad.md"] and reason in errors[0].reason, errors
    assert "line " in errors[0].reason  # says where
