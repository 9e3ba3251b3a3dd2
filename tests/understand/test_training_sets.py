"""The training sets `assistant calibrate` reads: train.jsonl, then the retired sealed sets."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant.understand.calibrate import (
    RETIRED,
    TRAIN_SET,
    load_training,
    training_files,
    training_sha256,
    writing_batch,
)
from evals.questions import load_questions


def _write(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _q(qid: str, lang: str = "en", **extra) -> dict:
    return {"id": qid, "lang": lang, "question": f"question {qid}?", "answerable": False, **extra}


@pytest.fixture
def sets(tmp_path: Path) -> Path:
    _write(
        tmp_path / "train.jsonl", [_q("train-en-002", batch="train-900"), _q("train-fi-001", "fi")]
    )
    _write(tmp_path / "sealed5.jsonl", [_q("sealed5-sv-001", "sv"), _q("sealed5-en-001")])
    _write(tmp_path / "sealed6.jsonl", [_q("sealed6-fi-001", "fi", batch="own")])
    (tmp_path / RETIRED).write_text(
        "# run once and reported\nsealed5.jsonl\n\nsealed6.jsonl  # the sixth\n", encoding="utf-8"
    )
    return tmp_path / "train.jsonl"


def test_training_files_are_train_then_the_listed_sets_in_order(sets: Path) -> None:
    assert [p.name for p in training_files(sets)] == [
        "train.jsonl",
        "sealed5.jsonl",
        "sealed6.jsonl",
    ]


def test_without_a_listing_only_train_is_read(sets: Path) -> None:
    (sets.parent / RETIRED).unlink()
    assert training_files(sets) == [sets]
    assert [q.id for q in load_training(sets)] == ["train-en-002", "train-fi-001"]


@pytest.mark.parametrize(
    ("qid", "batch"),
    [
        ("train-en-002", "train-900"),  # train's own batch field
        ("train-fi-001", "train-001"),  # no batch: its group, the id without its language
        ("sealed5-en-001", "sealed5"),  # a retired set is one writer's batch
        ("sealed5-sv-001", "sealed5"),
        ("sealed6-fi-001", "own"),  # a batch the set already gives is kept
    ],
)
def test_each_question_gets_its_writing_batch(sets: Path, qid: str, batch: str) -> None:
    questions = {q.id: q for q in load_training(sets)}
    assert writing_batch(questions[qid]) == batch


def test_questions_are_sorted_by_id(sets: Path) -> None:
    ids = [q.id for q in load_training(sets)]
    assert ids == sorted(ids) and len(ids) == 5


def test_the_digest_covers_every_training_file(sets: Path) -> None:
    before = training_sha256(sets)
    _write(sets.parent / "sealed6.jsonl", [_q("sealed6-fi-001", "fi", batch="other")])
    assert training_sha256(sets) != before


def _number(name: str) -> int:
    match = re.fullmatch(r"sealed(\d*)\.jsonl", name)
    assert match, f"{name} is not a sealed set"
    return int(match.group(1) or 1)


def test_the_repository_retires_only_sealed_sets_and_never_the_newest() -> None:
    """The newest committed sealed set waits for its attempt's one run: it may not be fitted on,
    nor may dev (reported and gated, never fitted)."""
    listed = [p.name for p in training_files(TRAIN_SET)[1:]]
    assert listed, "retired.txt lists no sealed set"
    assert all(p.exists() for p in training_files(TRAIN_SET))
    committed = [p.name for p in TRAIN_SET.parent.glob("sealed*.jsonl")]
    newest = max(committed, key=_number)
    assert newest not in listed
    assert max(_number(n) for n in listed) < _number(newest)
    assert "dev.jsonl" not in listed and len(set(listed)) == len(listed)


def test_a_training_question_that_repeats_a_dev_question_is_left_out(sets: Path) -> None:
    """Dev is gated, never fitted: a training question with a dev question's text (case and
    spacing aside) is not read, whichever file holds it; the digest follows dev's bytes."""
    before = training_sha256(sets)
    _write(
        sets.parent / "dev.jsonl",
        [{**_q("dev-en-001"), "question": "QUESTION   train-en-002?"}],  # train's, reworded
    )
    assert training_sha256(sets) != before
    assert [q.id for q in load_training(sets)] == [
        "sealed5-en-001",
        "sealed5-sv-001",
        "sealed6-fi-001",
        "train-fi-001",
    ]


def test_no_repository_training_question_repeats_a_dev_question() -> None:
    dev = {
        " ".join(q.question.casefold().split())
        for q in load_questions(TRAIN_SET.parent / "dev.jsonl")
    }
    assert len(dev) > 100
    assert not [
        q.id for q in load_training(TRAIN_SET) if " ".join(q.question.casefold().split()) in dev
    ]
