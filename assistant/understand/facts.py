"""Recognising facts in evidence text: e-mail, phone, date, amount, percentage, web address, name.

The only regular expressions the understanding step keeps: they look at the documents' sentences,
never at the wording of a question. Which facts a kind of question needs is a table here too. A
count written out in words comes from the language packs' number words.
"""

from __future__ import annotations

from assistant import packs, textregex

# Every repetition is bounded or starts only where a run starts, so each pattern is linear in the
# text (the wrapper adds a timeout as a fuse).
FACTS: dict[str, textregex.Pattern] = {
    "email": textregex.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}\.[\w.]{1,63}"),
    "phone": textregex.compile(r"(?:\+\d{3}\s?|\b0)\d{1,2}[\s-]?\d{3}[\s-]?\d{3,4}\b"),
    "date": textregex.compile(
        r"\b\d{1,2}\.\d{1,2}\.(?:\d{4})?|\b(?:19|20)\d{2}\b|\b\d{4}-\d{2}-\d{2}\b"
    ),
    "amount": textregex.compile(
        r"(?<![\d.,])\d(?:[\d.,]|\s(?=\d)){0,20}\s?"
        r"(?:€|EUR\b|euro\w{0,10}|milj\w{0,12}|million\w{0,3}|mn\b|M€)|(?:€|EUR)\s?\d",
        textregex.IGNORECASE,
    ),
    "percentage": textregex.compile(
        r"\d{1,6}(?:[.,]\d{1,6})?\s?(?:%|prosent|procent|per ?cent)", textregex.IGNORECASE
    ),
    # a count or a quantity: 1-3 digits (decimals too) that are not part of a date or a year
    "number": textregex.compile(r"(?<![\d.,:/-])\d{1,3}(?:[.,]\d{1,6})?(?![\d.,:/-]?\d)"),
    # a person's name: two capitalised words in a row (given and family name; a sentence's first
    # word before a capitalised one looks the same, which only makes the check lenient)
    "name": textregex.compile(
        r"(?<![\w-])\p{Lu}\p{Ll}{1,30}(?:-\p{Lu}\p{Ll}{1,30})? "
        r"\p{Lu}\p{Ll}{1,30}(?:-\p{Lu}\p{Ll}{1,30})?(?![\w-])"
    ),
    "url": textregex.compile(
        r"https?://\S{1,300}|\bwww\.\S{1,300}|(?<![\w-])[\w-]{1,63}\.(?:fi|com|eu|org|net|se)\b",
        textregex.IGNORECASE,
    ),
}

# The facts that answer each kind of question whose answer is a fact (other kinds: none needed).
KIND_FACTS: dict[str, tuple[str, ...]] = {
    # "Who is X?" and "whom do I ask?" are answered by a person's name as much as by a number.
    "person": ("phone", "email", "name"),
    "amount": ("amount", "percentage", "number"),
    "date": ("date",),
    "place": ("url",),
}


# A bare number counts only outside the facts that are made of digits themselves.
_DIGIT_FACTS = ("email", "url", "phone", "date")


def _number_words() -> textregex.Pattern:
    """A count written out in any served language ("four", "neljä", "fyra"): the packs' number
    words (words.yaml, facts.numbers). Evidence often writes small counts as words ("the team had
    four people"), and a count asked for is there as much as when written "4"."""

    def build(ps: packs.PackSet) -> textregex.Pattern:
        words = sorted(
            {w for lang in ps.languages for w in ps.words(lang).facts.numbers},
            key=len,
            reverse=True,
        )
        alternatives = "|".join(textregex.escape(w) for w in words) or "(?!)"
        return textregex.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", textregex.IGNORECASE)

    return packs.active().derived("facts:numbers", build)


def _found(name: str, text: str) -> bool:
    if name == "number":
        if _number_words().search(text):
            return True
        for other in _DIGIT_FACTS:
            text = FACTS[other].sub(" ", text)
    return bool(FACTS[name].search(text))


_DIGITS = textregex.compile(r"\d{1,12}(?:[.,]\d{1,6})?")


def numbers_in(text: str) -> frozenset[str]:
    """The numbers a text writes (a year, a sum, a share), as written."""
    return frozenset(_DIGITS.findall(text))


def facts_in(text: str) -> frozenset[str]:
    """The kinds of fact the text holds."""
    return frozenset(name for name in FACTS if _found(name, text))


textregex.register_text_function("assistant.understand.facts.facts_in", facts_in)
