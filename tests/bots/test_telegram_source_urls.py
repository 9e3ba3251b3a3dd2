"""The Telegram formatter links each source to the page that states its quote (issue 10)."""

from __future__ import annotations

import re

import pytest

from bots.telegram.formatting import format_answer
from tests.marked_corpus import TALENT, VTT


@pytest.mark.parametrize(
    ("question", "page"),
    [("What does VTT do?", VTT), ("Mikä on Talent Boost?", TALENT), ("Vad gör VTT?", VTT)],
)
def test_source_link_is_the_sections_page(marked_assistant, question: str, page: str) -> None:
    answer = marked_assistant.ask(question)
    parts = format_answer(answer)
    html = "\n".join(p.html for p in parts)
    plain = "\n".join(p.plain for p in parts)
    assert re.findall(r'^1\. <a href="([^"]+)">', html, re.MULTILINE) == [page], html
    assert f"({page})" in plain
