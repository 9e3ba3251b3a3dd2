"""The question-file loader: valid sets load, every broken line is named as file:line."""

from __future__ import annotations

import json

import pytest

from evals.questions import QuestionFileError, load_questions
from tests.evals.conftest import QUESTIONS

GOOD = {
    "id": "a",
    "lang": "en",
    "question": "Who signed?",
    "answerable": True,
    "must_include": [["Tampere"]],
}


def write(tmp_path, *lines: str):
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_fixture_set_loads_with_history_and_sources():
    questions = load_questions(QUESTIONS)
    assert [q.id for q in questions][:2] == ["en-share", "fi-share"]
    follow_up = next(q for q in questions if q.id == "sv-earlier")
    assert [t.role for t in follow_up.history] == ["user", "assistant"]
    assert follow_up.sources == ["funding-sv"]
    assert sum(not q.answerable for q in questions) == 2


def test_extra_fields_and_blank_lines_are_accepted(tmp_path):
    review = {**GOOD, "id": "fb-1", "must_include": [], "needs_review": True}
    path = write(tmp_path, json.dumps(GOOD), "", json.dumps(review))
    questions = load_questions(path)
    assert [q.id for q in questions] == ["a", "fb-1"]
    assert questions[1].model_extra == {"needs_review": True}


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({**GOOD, "lang": "de"}), "lang"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "answerable"}), "answerable"),
        (json.dumps({**GOOD, "must_include": [[]]}), "group 0 is empty"),
        (json.dumps({**GOOD, "must_include": [["x", " "]]}), "empty string"),
        (json.dumps({**GOOD, "question": "   "}), "question is blank"),
        (json.dumps({**GOOD, "history": [{"role": "bot", "content": "x"}]}), "history.0.role"),
        (json.dumps([GOOD]), "expected a JSON object"),
        (json.dumps({**GOOD, "must_include": "Tampere"}), "must_include"),
        (json.dumps({**GOOD, "source_urls": ["tem.fi/en/ecosystem-agreements"]}), "source_urls"),
        (json.dumps({**GOOD, "source_urls": ["https://a.fi/ https://b.fi/"]}), "whole https"),
    ],
)
def test_errors_name_file_and_line(tmp_path, bad, expected):
    path = write(tmp_path, json.dumps(GOOD | {"id": "first"}), "", bad)
    with pytest.raises(QuestionFileError) as err:
        load_questions(path)
    assert str(err.value).startswith(f"{path}:3: ")
    assert expected in str(err.value)


def test_duplicate_id_names_both_lines(tmp_path):
    path = write(tmp_path, json.dumps(GOOD), json.dumps(GOOD))
    with pytest.raises(QuestionFileError, match=r":2: duplicate id 'a' \(first on line 1\)"):
        load_questions(path)


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(QuestionFileError, match="no such question file"):
        load_questions(tmp_path / "nope.jsonl")
    with pytest.raises(QuestionFileError, match="holds no questions"):
        load_questions(write(tmp_path, "", "# only a comment"))


def test_dev_set_gold_urls_are_pages_the_source_facts_give():
    """Gold URLs name pages facts.md gives (site roots where it names only a site)."""
    from evals.cli import DEFAULT_SET
    from evals.metrics import url_key
    from tests.corpus.sources import FACTS, allowed_urls

    allowed = allowed_urls(FACTS.read_text(encoding="utf-8"))
    dev = load_questions(DEFAULT_SET)
    with_gold = [q for q in dev if q.source_urls]
    assert len(with_gold) >= 20
    assert {q.lang for q in with_gold} == {"en", "fi", "sv"}
    assert all(q.answerable for q in with_gold)
    unknown = {u for q in with_gold for u in q.source_urls if url_key(u) not in allowed}
    assert unknown == set()
