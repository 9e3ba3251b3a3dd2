"""The blind writer's checker: what it rejects in a draft, on a toy corpus and committed sets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals import blind

DOC = {
    "en": "---\nid: toy-en\n---\nThe fund is run by Anna Virtanen. Applications close on 3 May.\n",
    "fi": "---\nid: toy-fi\n---\nRahastoa hoitaa Anna Virtanen. Haku päättyy 3. toukokuuta.\n",
    "sv": "---\nid: toy-sv\n---\nFonden sköts av Anna Virtanen. Ansökan stänger den 3 maj.\n",
}


def row(rid: str, lang: str, text: str, **extra: object) -> dict:
    base: dict = {
        "id": rid,
        "lang": lang,
        "question": text,
        "answerable": True,
        "must_include": [["Virtanen"]],
        "sources": [f"toy-{lang}"],
        "history": [],
        "style": "plain",
        "unanswerable_kind": None,
    }
    base.update(extra)
    return base


@pytest.fixture
def toy(tmp_path: Path) -> dict[str, Path]:
    corpus = tmp_path / "corpus"
    for lang, text in DOC.items():
        (corpus / lang).mkdir(parents=True)
        (corpus / lang / "fund.md").write_text(text, encoding="utf-8")
    questions = tmp_path / "questions"
    questions.mkdir()
    committed = [{"question": "Which days of the week is the public sauna in the harbour open"}]
    (questions / "older.jsonl").write_text(
        "".join(json.dumps(q) + "\n" for q in committed), encoding="utf-8"
    )
    return {"corpus": corpus, "questions": questions, "draft": tmp_path / "toy.jsonl"}


def problems(toy: dict[str, Path], rows: list[dict], near: bool = False) -> list[str]:
    toy["draft"].write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return blind.check(
        toy["draft"], "toy", toy["corpus"], near=near, questions=toy["questions"], examples=[]
    )


@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("en", "who looks after the money pot?"),
        ("fi", "kuka rahastosta vastaa?"),
        ("sv", "vem ansvarar för fonden?"),
    ],
)
def test_a_sound_question_passes(toy: dict[str, Path], lang: str, question: str) -> None:
    assert problems(toy, [row(f"toy-{lang}-001", lang, question)]) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"id": "toy-en-1"}, "id must be toy-en-NNN"),
        ({"question": "Is Virtanen in charge?"}, "is in the question or history"),
        ({"must_include": [["Korhonen"]]}, "does not occur in its sources"),
        ({"sources": ["toy-fi"]}, "documents in the question's language"),
        ({"sources": ["nowhere"]}, "sources must be corpus document ids"),
        ({"style": "casual"}, "style must be newcomer or plain"),
        ({"answerable": False}, "unanswerable_kind must be one of"),
        ({"history": [{"role": "assistant", "content": "Hi"}]}, "history must alternate"),
        (
            {
                "history": [
                    {"role": "user", "content": "x"},
                    {"role": "assistant", "content": "Virtanen"},
                ]
            },
            "is in the question or history",
        ),
    ],
)
def test_each_fault_is_named(toy: dict[str, Path], changes: dict, expected: str) -> None:
    found = problems(toy, [row("toy-en-001", "en", "who looks after the money pot?", **changes)])
    assert any(expected in p for p in found), found


def test_near_copies_and_translations_are_caught(toy: dict[str, Path]) -> None:
    rows = [
        # the committed question, one word changed: a near copy and a shared six-word run
        row(
            "toy-en-001",
            "en",
            "Which days of the week is the public sauna in the harbour open?",
            answerable=False,
            must_include=[],
            sources=[],
            unanswerable_kind="off_topic",
        ),
        row("toy-en-002", "en", "Who is the contact person for the fund?"),
        row("toy-sv-001", "sv", "Vem är kontaktperson för fonden?"),
        row("toy-fi-001", "fi", "kuka rahastosta vastaa?"),
    ]
    found = problems(toy, rows, near=True)
    assert any(p.startswith("toy-en-001: near copy of a committed question") for p in found)
    assert any(p.startswith("toy-en-001: shares a run of six words") for p in found)
    assert any("toy-en-002 / toy-sv-001: look like translations" in p for p in found), found
    assert not any(p.startswith("toy-fi-001") for p in found)
