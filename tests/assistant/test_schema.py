"""Answer.reply: what a user reads, on every channel and in the evals."""

from __future__ import annotations

import pytest

from assistant.schema import Answer


def answer(text: str, next_step: str | None, lang: str = "en") -> Answer:
    return Answer(
        question="q",
        standalone_question="q",
        answer=text,
        language=lang,
        refused=False,
        next_step=next_step,
    )


@pytest.mark.parametrize(
    ("lang", "text", "step", "reply"),
    [
        (
            "en",
            "Funding is from ERDF [1].",
            "Ask the ELY Centre [2].",
            "Funding is from ERDF [1].\n\nAsk the ELY Centre [2].",
        ),
        (
            "fi",
            "Rahoitus tulee EAKR:stä [1].\n",
            "Kysy ELY-keskukselta [2].",
            "Rahoitus tulee EAKR:stä [1].\n\nKysy ELY-keskukselta [2].",
        ),
        (
            "sv",
            "Finansieringen kommer från Eruf [1].",
            None,
            "Finansieringen kommer från Eruf [1].",
        ),
        # An answer that already holds its next step does not say it twice.
        ("en", "Ask the ELY Centre [2].", "Ask the ELY Centre [2].", "Ask the ELY Centre [2]."),
        ("sv", "Svar [1].", "  ", "Svar [1]."),
    ],
)
def test_reply_is_the_answer_then_its_next_step(lang, text, step, reply):
    a = answer(text, step, lang)
    assert a.reply() == reply
    assert a.reply() == a.answer.strip() + a.reply_tail()
