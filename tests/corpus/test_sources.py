"""Every corpus statement is sourced, and only from pages the source facts give.

A citation takes its URL from the source marker of the section it quotes, so a section without a
marker, or a URL nobody gave us (a path filled in by guesswork), would send a reader to a page that
does not state the quoted sentence. See docs/sources/facts.md and "URLs allowed in corpus/" in the
team conventions.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import frontmatter
import pytest

from evals.metrics import url_key

from .sources import (
    FACTS,
    ROOT,
    SEED_URL,
    allowed_urls,
    malformed_markers,
    parse_sections,
    urls_in_facts,
    urls_in_text,
)

CORPUS = ROOT / "corpus"
FILES = sorted(CORPUS.rglob("*.md"))
SHARED_FACTS = ROOT.parent / "shared" / "sources" / "facts.md"
ALLOWED = allowed_urls(FACTS.read_text(encoding="utf-8"))


def _rel(path: Path) -> str:
    return str(path.relative_to(CORPUS))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- the copy of facts.md ----------------------------------------------------------------------


def test_facts_copy_is_verbatim() -> None:
    """The repo's copy is the shared file byte for byte (the project never reads ../shared)."""
    if not SHARED_FACTS.is_file():
        pytest.skip(f"{SHARED_FACTS} does not exist here: nothing to compare the copy with")
    assert sha256(FACTS) == sha256(SHARED_FACTS), f"{FACTS} differs from {SHARED_FACTS}"


def test_hash_comparison_sees_a_one_byte_change(tmp_path: Path) -> None:
    copy = tmp_path / "facts.md"
    copy.write_bytes(FACTS.read_bytes().replace(b"246 ha", b"247 ha", 1))
    assert sha256(copy) != sha256(FACTS)


# --- parsing the allow-list --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("**https://rakennerahastot.fi/sv/x**", {"https://rakennerahastot.fi/sv/x"}),
        (
            "Sources: tem.fi/en/ecosystem-agreements; vnk.fi.",
            {
                "https://tem.fi/en/ecosystem-agreements",
                "https://vnk.fi/",
            },
        ),
        ("pirkanmaa.fi/…/pirkanmaan-liiton-eakr-rahoitus/", {"https://pirkanmaa.fi/"}),
        ("pirkanmaa.fi/eu-rahoitus-on-aluekehittamisen-tyokalu-…", {"https://pirkanmaa.fi/"}),
        (
            "tampere.cloudnc.fi, decisions (e.g. …/Digitaalisten_x(193763))",
            {"https://tampere.cloudnc.fi/"},
        ),
        ("sttinfo.fi/tiedote/71691950 (10.12.2025)", {"https://sttinfo.fi/tiedote/71691950"}),
        ("the seed file `../seed/ekosystemavtal-tammerfors.sv.txt`", set()),
        ("vdocuments Six City Strategy (UDN 2017); rakennerahastot EN/SV", set()),
    ],
)
def test_urls_in_facts(text: str, expected: set[str]) -> None:
    assert urls_in_facts(text) == expected


def test_allow_list_holds_the_seed_and_roots_for_shortened_paths() -> None:
    assert url_key(SEED_URL) in ALLOWED
    assert "rakennerahastot.fi/lansi-suomi/tampere" in ALLOWED
    assert "tampere.cloudnc.fi" in ALLOWED and "pirkanmaa.fi" in ALLOWED
    filled_in = (
        "pirkanmaa.fi/pirkanmaan-liitto-rahoittajana/euroopan-alue-ja-rakennepolitiikan-ohjelma"
        "-2021-2027/pirkanmaan-liiton-eakr-rahoitus"
    )
    assert filled_in not in ALLOWED
    assert not any(key.startswith("tampere.cloudnc.fi/") for key in ALLOWED)


def test_urls_in_text() -> None:
    text = (
        "Apply in EURA 2021 (https://www.eura2021.fi/). See [the page](https://a.fi/x_(1)), "
        "innokaupungit.fi/en/cities/tampere/ and www.b.fi/y.\n"
        "<!-- sources: https://c.fi/z https://d.fi/ -->\nsource: https://e.fi/w"
    )
    assert urls_in_text(text) == [
        "https://www.eura2021.fi/",
        "https://a.fi/x_(1)",
        "www.b.fi/y",
        "https://c.fi/z",
        "https://d.fi/",
        "https://e.fi/w",
        "innokaupungit.fi/en/cities/tampere/",
    ]


# --- the corpus ---------------------------------------------------------------------------------


def corpus_urls(path: Path) -> list[tuple[str, str]]:
    """(where, url) for every URL in a document: front matter, markers, contact blocks, text."""
    post = frontmatter.load(path)
    found = [("front matter", u) for u in post.metadata.get("sources") or []]
    for section in parse_sections(post.content):
        where = f"section {section.title!r}"
        found += [(f"{where}, marker", u) for urls in section.markers for u in urls]
        found += [(f"{where}, contact block", str(c.get("source", ""))) for c in section.contacts]
        found += [(f"{where}, text", u) for u in urls_in_text(section.text)]
    return found


@pytest.mark.parametrize("path", FILES, ids=_rel)
def test_every_url_is_given_by_the_source_facts(path: Path) -> None:
    bad = []
    for where, url in corpus_urls(path):
        if not url.startswith("https://"):
            bad.append(f"{where}: {url} (not written out whole with https://)")
        elif url_key(url) not in ALLOWED:
            bad.append(f"{where}: {url} (not in docs/sources/facts.md)")
    assert bad == []


@pytest.mark.parametrize("path", FILES, ids=_rel)
def test_every_section_carries_a_marker(path: Path) -> None:
    content = frontmatter.load(path).content
    uncovered = [
        s.title or "(before the first heading)" for s in parse_sections(content) if s.uncovered
    ]
    assert malformed_markers(content) == []
    assert uncovered == [], "sections with text no source marker covers"


@pytest.mark.parametrize("path", FILES, ids=_rel)
def test_front_matter_sources_are_the_union_of_markers(path: Path) -> None:
    post = frontmatter.load(path)
    listed = set(post.metadata.get("sources") or [])
    marked = {u for s in parse_sections(post.content) for urls in s.markers for u in urls}
    assert sorted(listed - marked) == [], "in front matter, in no marker"
    assert sorted(marked - listed) == [], "in a marker, not in front matter"


# --- the marker rules themselves ----------------------------------------------------------------


def test_markers_own_inherited_and_uncovered() -> None:
    doc = "\n".join(
        [
            "# Title",
            "<!-- sources: https://a.fi/ -->",
            "Intro.",
            "## Inherits",
            "Text under the title's marker.",
            "## Own",
            "",
            "<!-- sources: https://b.fi/ https://c.fi/ -->",
            "Text.",
            "<!-- sources: https://d.fi/ -->",
            "More text from another page.",
            "```contact",
            "name: X",
            "source: https://b.fi/",
            "```",
        ]
    )
    title, inherits, own = parse_sections(doc)[1:]
    assert title.own == ["https://a.fi/"] and not title.uncovered
    assert inherits.own is None and inherits.inherited == ["https://a.fi/"]
    assert not inherits.uncovered
    assert own.own == ["https://b.fi/", "https://c.fi/"]
    assert own.markers == [["https://b.fi/", "https://c.fi/"], ["https://d.fi/"]]
    assert own.contacts == [{"name": "X", "source": "https://b.fi/"}]
    assert "sources:" not in own.text

    bare = parse_sections("# Title\n\nIntro.\n\n## A\n<!-- sources: https://a.fi/ -->\nText.\n")
    assert [s.uncovered for s in bare] == [False, True, False]
    late = parse_sections("# T\n<!-- sources: https://a.fi/ -->\n## A\nText.\n")
    assert not late[2].uncovered
    assert parse_sections("# T\nText first.\n<!-- sources: https://a.fi/ -->\nThen.")[1].uncovered


def test_malformed_markers_are_reported() -> None:
    text = "Text <!-- sources: https://a.fi/ --> inline.\n<!-- sources: -->\n<!-- source: x -->"
    assert len(malformed_markers(text)) == 3
    assert malformed_markers("<!-- sources: https://a.fi/ https://b.fi/ -->") == []
