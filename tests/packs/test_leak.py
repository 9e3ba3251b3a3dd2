"""Evaluation questions never reach the engine: no run of six words of a dev or sealed question
(every sealed*.jsonl) in assistant/ (packs included), bots/ or ingest/, and none of a sealed
question in tests/.

The sealed set is read here mechanically (word 6-grams only) and its text is never printed: a
failure names the file and how many runs it shares, nothing else.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = ROOT / "evals" / "questions"
N = 6
TEXT_SUFFIXES = {".py", ".yaml", ".yml", ".json", ".jsonl", ".md", ".txt", ".html", ".js", ".css"}
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def ngrams(text: str, n: int = N) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.casefold())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def question_ngrams(name: str) -> set[tuple[str, ...]]:
    path = QUESTIONS / name
    grams: set[tuple[str, ...]] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            grams |= ngrams(json.loads(line)["question"])
    return grams


def sealed_ngrams() -> set[tuple[str, ...]]:
    """Every sealed set's runs: sealed.jsonl and each later blind set (sealed2.jsonl, ...)."""
    names = sorted(p.name for p in QUESTIONS.glob("sealed*.jsonl"))
    assert len(names) >= 2
    return set().union(*(question_ngrams(n) for n in names))


def files_under(*dirs: str) -> list[Path]:
    return sorted(
        p
        for d in dirs
        for p in (ROOT / d).rglob("*")
        if p.is_file() and p.suffix in TEXT_SUFFIXES and "__pycache__" not in p.parts
    )


def shared_runs(files: list[Path], grams: set[tuple[str, ...]]) -> dict[str, int]:
    """File (relative) -> how many of the given runs it holds; only files that hold any."""
    out = {}
    for path in files:
        found = len(ngrams(path.read_text(encoding="utf-8", errors="replace")) & grams)
        if found:
            out[str(path.relative_to(ROOT))] = found
    return out


def test_ngrams_are_word_runs_regardless_of_case_and_punctuation() -> None:
    assert ngrams("One, two THREE four five six seven.") == {
        ("one", "two", "three", "four", "five", "six"),
        ("two", "three", "four", "five", "six", "seven"),
    }
    assert ngrams("vain viisi sanaa tässä nyt") == set()
    assert ngrams("Mitä  tarkoittaa\nekosysteemisopimus? Mikä on sen tarkoitus") == {
        ("mitä", "tarkoittaa", "ekosysteemisopimus", "mikä", "on", "sen"),
        ("tarkoittaa", "ekosysteemisopimus", "mikä", "on", "sen", "tarkoitus"),
    }


def test_no_dev_or_sealed_question_run_in_engine_code_or_packs() -> None:
    grams = question_ngrams("dev.jsonl") | sealed_ngrams()
    assert len(grams) > 1500  # every set was read
    files = files_under("assistant", "bots", "ingest")
    assert any(p.suffix == ".yaml" and "packs" in p.parts for p in files)
    assert shared_runs(files, grams) == {}


def test_no_sealed_question_run_in_tests() -> None:
    grams = sealed_ngrams()
    assert len(grams) > 1000
    assert shared_runs(files_under("tests"), grams) == {}
