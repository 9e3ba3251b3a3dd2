"""Heading-aware chunking: sizes, whole lists and tables, stable ids, and the shipped corpus."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from ingest.chunking import chunk_document, count_words
from ingest.documents import Document
from ingest.loaders import load_path
from ingest.markers import annotate

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
WORDS = re.findall(
    r"\w+",
    "city state agreement ecosystem innovation growth research company university funding "
    "project region network partner programme measure priority platform data health energy",
)


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def paragraph(rng: random.Random, words: int) -> str:
    """About `words` words in sentences of 8-16 words."""
    out, total = [], 0
    while total < words:
        n = min(rng.randint(8, 16), max(words - total, 3))
        out.append(sentence(rng, n))
        total += n
    return " ".join(out)


def generated_markdown(seed: int = 7) -> str:
    """A long document: parts with subsections of very different sizes, one huge paragraph."""
    rng = random.Random(seed)
    blocks = ["# Generated document"]
    for part in range(1, 7):
        blocks += [f"## Part {part}", paragraph(rng, rng.randint(10, 60))]
        for sub in range(1, rng.randint(2, 5)):
            blocks.append(f"### Topic {part}.{sub}")
            blocks += [paragraph(rng, rng.randint(15, 60)) for _ in range(rng.randint(1, 5))]
    blocks += ["## Long part"] + [paragraph(rng, 50) for _ in range(8)]
    blocks += ["## One huge paragraph", paragraph(rng, 700)]
    return "\n\n".join(blocks) + "\n"


def make_doc(text: str, **fields: object) -> Document:
    values: dict[str, object] = {
        "doc_id": "gen",
        "title": "Generated document",
        "lang": "en",
        "text": text,
        "sources": ["https://example.org/gen", "https://example.org/other"],
        "as_of": "2025-01-31",
        "translation_of": "gen-fi",
        "path": "en/gen.md",
    }
    values.update(fields)
    return Document(**values)  # type: ignore[arg-type]


def headings_in(text: str) -> list[str]:
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    return [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]


@pytest.mark.parametrize("seed", range(10))
def test_generated_document_chunk_sizes_within_bounds(seed: int) -> None:
    doc = make_doc(generated_markdown(seed))
    chunks = chunk_document(doc)
    sizes = [count_words(c.text) for c in chunks]
    assert len(chunks) > 8
    assert max(sizes) <= 250, sizes
    assert min(sizes) >= 100, sizes
    # Nothing lost, nothing duplicated: every paragraph is in exactly one chunk (the huge one is
    # cut at sentence ends, so its sentences are checked instead).
    joined = " ".join(" ".join(c.text.split()) for c in chunks)
    for block in doc.text.split("\n\n"):
        if not block.startswith("#"):
            for part in [block] if count_words(block) <= 250 else block.split(". "):
                assert joined.count(" ".join(part.split())) >= 1
    body_words = sum(count_words(b) for b in doc.text.split("\n\n") if not b.startswith("#"))
    chunk_body_words = sum(
        count_words(b) for c in chunks for b in c.text.split("\n\n") if not b.startswith("#")
    )
    assert chunk_body_words == body_words


def test_tight_bounds_never_exceed_the_maximum() -> None:
    """With paragraphs as big as the bounds, min_words cannot always be met; max_words is."""
    for seed in range(5):
        chunks = chunk_document(make_doc(generated_markdown(seed)), min_words=40, max_words=80)
        sizes = [count_words(c.text) for c in chunks]
        assert max(sizes) <= 80, sizes
        assert sorted(sizes)[len(sizes) // 2] >= 40, sizes


def test_chunk_fields_and_self_contained_headings() -> None:
    doc = make_doc(generated_markdown())
    chunks = chunk_document(doc)
    assert [c.position for c in chunks] == list(range(len(chunks)))
    for chunk in chunks:
        assert chunk.doc_id == "gen" and chunk.chunk_id.startswith("gen#")
        assert re.fullmatch(r"gen#[0-9a-f]{16}", chunk.chunk_id)
        assert (chunk.title, chunk.lang, chunk.url) == (doc.title, "en", "https://example.org/gen")
        assert (chunk.as_of, chunk.translation_of, chunk.source_path) == (
            "2025-01-31",
            "gen-fi",
            "en/gen.md",
        )
        assert chunk.text.startswith("#"), chunk.text[:80]
        found = headings_in(chunk.text)
        names = [h for h in found if h != doc.title]
        assert chunk.section == " / ".join(dict.fromkeys(names)), (chunk.section, found)
    assert len({c.chunk_id for c in chunks}) == len(chunks)


def test_title_heading_is_never_a_chunk_alone() -> None:
    text = "# The Title\n\n## First\n\nA short first section.\n\n## Second\n\n" + " ".join(
        ["Second section words."] * 100
    )
    chunks = chunk_document(make_doc(text, title="The Title"))
    assert all(headings_in(c.text) != ["The Title"] for c in chunks)
    assert chunks[0].text.startswith("# The Title\n\n## First\n\nA short first section.")
    assert chunks[0].section.startswith("First")
    # A title with nothing at all after it gives no chunks rather than a heading-only chunk.
    assert chunk_document(make_doc("# The Title\n", title="The Title")) == []


def test_introduction_under_the_title_is_named_by_the_title() -> None:
    text = (
        "# The Title\n\n"
        + paragraph(random.Random(1), 120)
        + "\n\n## Next\n\n"
        + paragraph(random.Random(2), 120)
    )
    chunks = chunk_document(make_doc(text, title="The Title"))
    assert [c.section for c in chunks] == ["The Title", "Next"]


LIST_SECTION = "## Measures\n\nThe measure packages of the priority are:\n\n" + "\n".join(
    f"- measure {i}: " + " ".join(["step"] * 12) for i in range(12)
)
TABLE_SECTION = (
    "### Budget table\n\n"
    "The table below shows the yearly sums.\n\n"
    "| Year | Sum | Note |\n| --- | --- | --- |\n"
    + "\n".join(f"| {2021 + i} | {i * 10} | note words for row {i} here |" for i in range(14))
)


@pytest.mark.parametrize("max_words", [250, 120])
def test_list_and_table_stay_whole_with_heading_and_lead_in(max_words: int) -> None:
    rng = random.Random(5)
    text = "\n\n".join(
        [
            "# Doc",
            "## Before",
            paragraph(rng, 90),
            paragraph(rng, 90),
            LIST_SECTION,
            paragraph(rng, 80),
            TABLE_SECTION,
            "## After",
            paragraph(rng, 200),
        ]
    )
    chunks = chunk_document(make_doc(text, title="Doc"), max_words=max_words)
    for block in (LIST_SECTION, TABLE_SECTION):
        holding = [c for c in chunks if block in c.text]
        assert len(holding) == 1, [c.text[:60] for c in chunks]
    # The items / rows appear nowhere else.
    assert sum("- measure 0:" in c.text for c in chunks) == 1
    assert sum("| 2034 |" in c.text for c in chunks) == 1


def test_oversized_list_stays_whole() -> None:
    items = "\n".join(f"- item {i} " + " ".join(["word"] * 20) for i in range(20))  # ~440 words
    text = f"# Doc\n\n## Big list\n\nEverything:\n\n{items}\n\n## Tail\n\n" + paragraph(
        random.Random(9), 150
    )
    chunks = chunk_document(make_doc(text, title="Doc"))
    big = [c for c in chunks if "- item 0 " in c.text]
    assert len(big) == 1 and items in big[0].text and "Everything:" in big[0].text
    assert big[0].text.startswith("# Doc\n\n## Big list")


def test_long_section_is_split_at_paragraphs_with_its_heading_repeated() -> None:
    rng = random.Random(11)
    paragraphs = [paragraph(rng, 70) for _ in range(8)]
    text = "# Doc\n\n## Long\n\n" + "\n\n".join(paragraphs)
    chunks = chunk_document(make_doc(text, title="Doc"))
    assert len(chunks) >= 3
    for chunk in chunks:
        assert "## Long" in chunk.text and chunk.section == "Long"
        assert count_words(chunk.text) <= 250
    for para in paragraphs:  # never cut inside a paragraph
        assert sum(para in c.text for c in chunks) == 1


def test_ids_are_stable_and_change_only_for_the_edited_section() -> None:
    text = generated_markdown(seed=21)
    first = chunk_document(make_doc(text))
    again = chunk_document(make_doc(generated_markdown(seed=21)))
    assert [c.model_dump() for c in first] == [c.model_dump() for c in again]

    target = next(c for c in first if "### Topic 3.1" in c.text)
    # Edit one word in the body of that section (same length, so no boundary needs to move).
    start = text.index("### Topic 3.1")
    body_start = text.index("\n\n", start) + 2
    word_end = text.index(" ", body_start)
    edited = text[:body_start] + "Changed" + text[word_end:]
    assert edited != text
    after = chunk_document(make_doc(edited))
    assert len(after) == len(first)
    changed = [(a.chunk_id, b.chunk_id) for a, b in zip(first, after, strict=True) if a != b]
    assert len(changed) == 1
    assert changed[0][0] == target.chunk_id and changed[0][1] != target.chunk_id
    # Whitespace-only differences do not change the id (it hashes normalised text).
    spaced = chunk_document(make_doc(text.replace("\n\n## Part 2", "\n\n\n## Part 2")))
    assert [c.chunk_id for c in spaced] == [c.chunk_id for c in first]


def test_repeated_text_gets_a_suffix() -> None:
    body = "## Same\n\n" + paragraph(random.Random(4), 150)
    chunks = chunk_document(make_doc(f"# Doc\n\n{body}\n\n{body}\n\n{body}", title="Doc"))
    assert len(chunks) == 3
    assert chunks[1].text == chunks[2].text
    assert chunks[2].chunk_id == chunks[1].chunk_id + "-2"
    assert len({c.chunk_id for c in chunks}) == 3


def test_ids_are_the_same_in_a_fresh_interpreter() -> None:
    """Ids come from sha256 of the text, not from Python's per-process salted hash()."""
    code = (
        "from tests.ingest.test_chunking import generated_markdown, make_doc\n"
        "from ingest.chunking import chunk_document\n"
        "print(' '.join(c.chunk_id for c in chunk_document(make_doc(generated_markdown(2)))))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == [
        c.chunk_id for c in chunk_document(make_doc(generated_markdown(2)))
    ]


def test_text_without_headings_is_chunked_too() -> None:
    text = paragraph(random.Random(8), 600)
    chunks = chunk_document(make_doc(text))
    assert len(chunks) >= 3
    assert all(count_words(c.text) <= 250 for c in chunks)
    assert all(c.section == "" for c in chunks)


def test_no_url_when_no_sources() -> None:
    chunks = chunk_document(make_doc("# T\n\nSome text here.", sources=[], title="T"))
    assert [c.url for c in chunks] == [""]
    assert chunks[0].section == "T"


@pytest.mark.skipif(not any(CORPUS.glob("*/*.md")), reason="no corpus files yet")
def test_every_shipped_corpus_file_chunks_sanely() -> None:
    docs, errors = load_path(CORPUS)
    assert errors == []
    assert docs
    for doc in docs:
        chunks = chunk_document(doc)
        assert chunks, doc.path
        sizes = [count_words(c.text) for c in chunks]
        assert max(sizes) <= 400, (doc.path, sizes)
        assert all(c.text.startswith("#") for c in chunks), doc.path
        assert len({c.chunk_id for c in chunks}) == len(chunks)


def test_leading_h1_counts_as_title_heading_even_if_front_matter_title_differs() -> None:
    text = "# Heading One\n\n## Intro\n\n" + paragraph(random.Random(6), 120) + "\n\n---\n"
    chunks = chunk_document(make_doc(text, title="Front matter title"))
    assert [c.section for c in chunks] == ["Intro"]
    assert chunks[0].text.startswith("# Heading One\n\n## Intro\n\n")
    assert "---" not in chunks[0].text  # thematic breaks carry nothing


# --------------------------------------------------------------------------- source markers

A, B, C = "https://a.example.fi/page", "https://b.example.fi/other", "https://c.example.fi/"
FRONT = ["https://front.example.fi/one", "https://front.example.fi/two"]


def marked_doc(markdown: str, lang: str = "en") -> Document:
    """A document as the Markdown loader makes it: markers parsed into spans, removed."""
    text, spans = annotate(markdown)
    return make_doc(text, spans=spans, sources=FRONT, lang=lang, title="T")


def chunk_urls(chunks: list) -> dict[str, list[str]]:
    """Each chunk's first body line (after its headings) with its URLs."""
    out = {}
    for chunk in chunks:
        body = [p for p in chunk.text.split("\n\n") if not p.startswith("#")]
        out[body[0].split("\n")[0]] = chunk.urls
    return out


@pytest.mark.parametrize(
    ("lang", "markdown", "expected"),
    [
        (  # after a heading: the section's page
            "en",
            f"# T\n\n<!-- sources: {A} -->\n\nThe intro of the document.\n\n## Talent Boost\n\n"
            f"<!-- sources: {B} {A} -->\n\nTalent Boost brings experts.\n\n## VTT\n\n"
            f"<!-- sources: {C} -->\n\nVTT does research.\n",
            {
                "The intro of the document.": [A],
                "Talent Boost brings experts.": [B, A],
                "VTT does research.": [C],
            },
        ),
        (  # before a paragraph: a section split by a marker becomes separate pieces
            "fi",
            f"# T\n\n## Ohjelmat\n\n<!-- sources: {A} -->\n\nTalent Boost tuo osaajia.\n\n"
            f"<!-- sources: {B} -->\n\nVTT tekee tutkimusta.\n\nToinen kappale samasta.\n",
            {"Talent Boost tuo osaajia.": [A], "VTT tekee tutkimusta.": [B]},
        ),
        (  # inherited: a subsection without a marker takes its parent's
            "sv",
            f"# T\n\n<!-- sources: {A} -->\n\n## Del\n\n<!-- sources: {B} -->\n\nText om B.\n\n"
            "### Underdel\n\nÄrvd text.\n\n## Annan\n\nTitelns text.\n",
            {"Text om B.": [B], "Titelns text.": [A]},
        ),
        (  # no marker at all: the front-matter sources
            "en",
            "# T\n\nThe intro.\n\n## Part\n\nSome text.\n",
            {"The intro.": FRONT},
        ),
    ],
    ids=["after-heading", "before-paragraph", "inherited", "front-matter"],
)
def test_chunks_carry_their_markers_urls(lang: str, markdown: str, expected: dict) -> None:
    chunks = chunk_document(marked_doc(markdown, lang))
    found = chunk_urls(chunks)
    assert {line: found.get(line) for line in expected} == expected
    assert all(c.url == c.urls[0] for c in chunks)
    assert not any("<!--" in c.text or "sources:" in c.text for c in chunks)


def test_split_section_repeats_its_heading_and_keeps_each_part_whole() -> None:
    chunks = chunk_document(
        marked_doc(
            f"# T\n\n## Programmes\n\n<!-- sources: {A} -->\n\nFirst page text.\n\n"
            f"<!-- sources: {B} -->\n\nSecond page text.\n"
        )
    )
    assert [(c.text, c.urls) for c in chunks] == [
        ("# T\n\n## Programmes\n\nFirst page text.", [A]),
        ("## Programmes\n\nSecond page text.", [B]),
    ]
    assert [c.section for c in chunks] == ["Programmes", "Programmes"]


@pytest.mark.parametrize("seed", range(4))
def test_short_sections_are_never_joined_across_markers(seed: int) -> None:
    rng = random.Random(seed)
    urls = [A, B, C]
    parts = ["# Doc"]
    for n in range(12):
        parts += [f"## Section {n}", f"<!-- sources: {rng.choice(urls)} -->"]
        parts.append(paragraph(rng, rng.randint(10, 40)))
    markdown = "\n\n".join(parts) + "\n"
    marked = chunk_document(marked_doc(markdown))
    unmarked = chunk_document(make_doc(re.sub(r"<!--.*?-->\n\n", "", markdown)))
    assert len(unmarked) < len(marked)  # without markers the short sections are joined
    for chunk in marked:
        # every section in the chunk was marked with the chunk's URL
        names = re.findall(r"^## (Section \d+)$", chunk.text, re.MULTILINE)
        for name in names:
            marker = markdown.split(f"## {name}\n\n<!-- sources: ", 1)[1].split(" -->", 1)[0]
            assert chunk.urls == [marker], (name, chunk.urls)
        assert "<!--" not in chunk.text
    # neighbours with the same marker still join
    same = chunk_document(marked_doc(re.sub(r"sources: \S+", f"sources: {A}", markdown)))
    assert len(same) == len(unmarked)


def test_ids_change_when_a_marker_changes_and_only_there() -> None:
    markdown = (
        f"# T\n\n## One\n\n<!-- sources: {A} -->\n\nOne text.\n\n"
        f"## Two\n\n<!-- sources: {B} -->\n\nTwo text.\n"
    )
    first = chunk_document(marked_doc(markdown))
    fixed = chunk_document(marked_doc(markdown.replace(f"sources: {B}", f"sources: {C}")))
    assert [c.text for c in first] == [c.text for c in fixed]
    assert first[0].chunk_id == fixed[0].chunk_id
    assert first[1].chunk_id != fixed[1].chunk_id and fixed[1].urls == [C]


CONTACT = """```contact
name: {name}
role: {role}
organisation: {org}
source: {url}
```"""


@pytest.mark.parametrize(
    ("lang", "people"),
    [
        ("en", [("Anna A", "funding expert", "City"), ("Bo B", "director", "City")]),
        ("fi", [("Anna A", "rahoitusasiantuntija", "Kaupunki"), ("Bo B", "johtaja", "Liitto")]),
        ("sv", [("Anna A", "finansieringsexpert", "Staden"), ("Bo B", "direktör", "Förbundet")]),
    ],
)
def test_each_contact_is_its_own_chunk_with_its_metadata(lang: str, people: list) -> None:
    sections = []
    for name, role, org in people:  # same page for both: only the contact keeps them apart
        block = CONTACT.format(name=name, role=role, org=org, url=A)
        sections.append(f"## {name}\n\n<!-- sources: {A} -->\n\n{name} helps.\n\n{block}")
    chunks = chunk_document(marked_doc("# T\n\n" + "\n\n".join(sections) + "\n", lang))
    assert [c.contact.name if c.contact else None for c in chunks] == [p[0] for p in people]
    for chunk, (name, role, org) in zip(chunks, people, strict=True):
        line = f"{name}, {role}, {org}."
        assert chunk.contact.line() == line and line in chunk.text
        assert "```" not in chunk.text and chunk.urls == [A]


def test_only_the_part_holding_the_contact_line_carries_the_contact() -> None:
    block = CONTACT.format(name="Anna A", role="director", org="City", url=B)
    markdown = (
        f"# T\n\n## Anna A\n\n<!-- sources: {A} -->\n\nShe led the 2022 call.\n\n"
        f"<!-- sources: {B} -->\n\nThe city page names her.\n\n{block}\n\n## Next\n\nOther text.\n"
    )
    chunks = chunk_document(marked_doc(markdown))
    assert [(c.urls, c.contact is not None) for c in chunks] == [
        ([A], False),
        ([B], True),
        (FRONT, False),
    ]
    assert "Anna A, director, City." in chunks[1].text
