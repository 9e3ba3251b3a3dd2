"""Translation parity of the shipped corpus: same sections, same figures, in en, fi and sv.

A document family is one document in its three languages (ids `agreement-en`, `agreement-fi`,
`agreement-sv`). Sections align by position; each must carry the same amounts, percentages, dates,
years, people, phone numbers and visible URLs (source markers may differ: a Finnish page can state
what a Swedish page states). The extraction rules are in tests/corpus/parity.py.
"""

from __future__ import annotations

import re
from collections import defaultdict

import frontmatter
import pytest

from assistant.schema import LANGS
from evals.metrics import doc_topic

from .parity import compare_documents, extract, mismatches
from .sources import ROOT, parse_sections

CORPUS = ROOT / "corpus"
Sections = list[tuple[int, str, str]]


def document_sections(content: str) -> Sections:
    """(level, title, text) per section; text before the first heading only when there is some."""
    return [
        (s.level, s.title, s.text) for s in parse_sections(content) if s.level or s.text.strip()
    ]


def families() -> dict[str, dict[str, Sections]]:
    out: dict[str, dict[str, Sections]] = defaultdict(dict)
    for path in sorted(CORPUS.rglob("*.md")):
        post = frontmatter.load(path)
        out[doc_topic(post.metadata["id"])][post.metadata["lang"]] = document_sections(post.content)
    return dict(out)


FAMILIES = families()


def test_every_document_exists_in_every_language() -> None:
    missing = {
        name: sorted(set(LANGS) - set(docs)) for name, docs in FAMILIES.items() if len(docs) < 3
    }
    assert missing == {}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_translations_carry_the_same_sections_and_facts(family: str) -> None:
    docs = {lang: FAMILIES[family][lang] for lang in LANGS if lang in FAMILIES[family]}
    assert compare_documents(docs) == []


# --- the comparison can fail on the real corpus -------------------------------------------------


def _agreeing_section(kind: str, pattern: str) -> tuple[str, int, str]:
    """A (family, section, language) whose `kind` values agree and that `pattern` can change."""
    for family, docs in sorted(FAMILIES.items()):
        structures = {tuple(level for level, _, _ in secs) for secs in docs.values()}
        if set(docs) != set(LANGS) or len(structures) > 1:
            continue
        for i in range(len(docs["en"])):
            facts = {lang: extract(docs[lang][i][2], lang) for lang in LANGS}
            agree = not any(line.startswith(kind + ":") for line in mismatches(facts))
            if agree and facts["fi"][kind] and re.search(pattern, docs["fi"][i][2]):
                return family, i, "fi"
    raise AssertionError(f"no section of the corpus carries an agreeing {kind} to change")


def _with_first_digit_changed(text: str, pattern: str) -> str:
    """`text` with the first digit of the first match of `pattern` raised by one (9 -> 1)."""
    m = re.search(pattern, text)
    assert m, pattern
    start = m.start() + re.search(r"\d", m.group()).start()
    digit = text[start]
    return text[:start] + str(int(digit) % 9 + 1) + text[start + 1 :]


@pytest.mark.parametrize(
    ("kind", "pattern"),
    [
        ("amount", r"\d[\d ,]*\s?(?:milj|miljoon|euro)"),
        ("date", r"\b\d{1,2}\.\d{1,2}\.\d{4}\b"),
    ],
)
def test_changing_one_value_in_one_language_fails(kind: str, pattern: str) -> None:
    family, i, lang = _agreeing_section(kind, pattern)
    docs = {code: list(secs) for code, secs in FAMILIES[family].items()}
    level, title, text = docs[lang][i]
    docs[lang][i] = (level, title, _with_first_digit_changed(text, pattern))
    assert docs[lang][i][2] != text
    found = compare_documents(docs)
    assert any(line.startswith(f"section {i} (") and f"{kind}:" in line for line in found), found
