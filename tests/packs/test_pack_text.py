"""Pack text is connective text only: the corpus allow-list checker scans every pack file.

Templates and words reach users (or steer what they are told), so a phone number, e-mail address,
euro amount or person's name there would be a fact that no document sources; a URL would be a
link no source gives. Examples are scanned too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.packs import PACKS_DIR, discover, load_pack
from tests.corpus import allowlist
from tests.corpus.test_corpus import unlisted_names, unsourced

FILES = sorted(p for lang in discover() for p in (PACKS_DIR / lang).glob("*.yaml"))
_URL = re.compile(r"https?://|\bwww\.|\b[\w-]+\.(?:fi|com|org|net|eu)\b", re.IGNORECASE)
_CITATION_EXAMPLE = re.compile(r"\[\d\]")


def test_every_pack_file_kind_is_scanned() -> None:
    names = {p.name for p in FILES}
    assert {"templates.yaml", "words.yaml"} <= names
    assert any(n.startswith("examples-") for n in names)


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_pack_file_holds_no_unsourced_contact_data_amounts_or_people(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert unsourced(text) == []
    assert unlisted_names(text) == []


@pytest.mark.parametrize("lang", discover())
def test_templates_are_connective_text_only(lang: str) -> None:
    templates = load_pack(PACKS_DIR / lang).templates
    assert templates is not None
    for key, text in templates.items():
        assert not _URL.search(text), (key, text)
        # No figure of any kind: the LLM rules' "[1]" shows the citation form, nothing more.
        assert not re.search(r"\d", _CITATION_EXAMPLE.sub("", text)), (key, text)
        for name in allowlist.PERSON_NAMES:
            assert name.split()[-1] not in text, (key, name)


def test_checker_catches_a_phone_number_or_a_name_in_a_template(tmp_path: Path) -> None:
    text = "contact: 'Call Jaana Virtanen on 040 123 4567 or see https://example.fi/'\n"
    assert unsourced(text) and unlisted_names(text) and _URL.search(text)
