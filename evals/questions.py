"""The question-set format (JSON Lines) and its loader.

External sets and the API's thumbs-down export must plug in unchanged, so the loader accepts
extra fields (e.g. `needs_review`) and reports every problem as `file:line: what is wrong`, which
is what a staff member editing the file by hand needs to find it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.schema import Turn


class QuestionFileError(ValueError):
    """A question file that cannot be used; the message names the file and line."""


class Question(BaseModel):
    """One evaluation question, as one JSON object on one line."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1)
    lang: Literal["en", "fi", "sv"]
    question: str = Field(min_length=1)
    answerable: bool
    must_include: list[list[str]] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    # gold citation URLs: every page that states the fact (see RULES["citation_url_validity"])
    source_urls: list[str] = Field(default_factory=list)
    history: list[Turn] = Field(default_factory=list)

    @field_validator("must_include")
    @classmethod
    def _groups_not_empty(cls, groups: list[list[str]]) -> list[list[str]]:
        """An empty group or an empty string would be satisfied by anything or nothing."""
        for i, group in enumerate(groups):
            if not group:
                raise ValueError(f"group {i} is empty")
            if any(not s.strip() for s in group):
                raise ValueError(f"group {i} holds an empty string")
        return groups

    @field_validator("source_urls")
    @classmethod
    def _urls_written_out(cls, urls: list[str]) -> list[str]:
        """Gold URLs are whole https:// URLs, as a citation carries them."""
        for url in urls:
            if not url.startswith("https://") or len(url.split()) != 1:
                raise ValueError(f"not a whole https:// URL: {url!r}")
        return urls

    @field_validator("question")
    @classmethod
    def _question_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("question is blank")
        return value


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "line"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def load_questions(path: str | Path) -> list[Question]:
    """Read and validate a JSON Lines question file; blank lines and `#` lines are skipped."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QuestionFileError(f"{path}: no such question file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionFileError(f"{path}: cannot read: {exc}") from None
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QuestionFileError(f"{path}:{lineno}: not valid JSON: {exc.msg}") from None
        if not isinstance(data, dict):
            raise QuestionFileError(f"{path}:{lineno}: expected a JSON object")
        try:
            question = Question.model_validate(data)
        except ValidationError as exc:
            raise QuestionFileError(f"{path}:{lineno}: {_describe(exc)}") from None
        if question.id in seen:
            raise QuestionFileError(
                f"{path}:{lineno}: duplicate id {question.id!r} (first on line {seen[question.id]})"
            )
        seen[question.id] = lineno
        questions.append(question)
    if not questions:
        raise QuestionFileError(f"{path}: holds no questions")
    return questions
