"""What a question asks for, told from its words without an LLM.

- the kind of answer it expects (a date, an amount, a person, a place, a time, a phone number, an
  e-mail address), so the answer step can check that the evidence holds that kind of fact;
- whether it asks about the present or future (the documents describe past calls only);
- whether it tries to override the assistant's instructions;
- who is asking (a company, a public organisation, an international expert), for the next step;
- whether it is about calls and funding (answers end with a reminder to check the call notice).

The words are the language packs' (`patterns` in each words.yaml): every served language's
fragments are joined into one pattern per rule, so a question is analysed by all languages' words,
and a fourth pack adds its own without a code edit. Only the patterns that recognise facts in
evidence (EVIDENCE) and language-neutral ones (a year) stay in code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from assistant import packs, textregex
from assistant.packs import PackSet, Patterns
from assistant.textregex import Match, Pattern


class PackPattern:
    """One rule's pattern, joined from the active packs' fragments when first used with them.

    Built lazily so the packs a deployment serves (EXTRA_PACKS_DIRS) are the ones it sees.
    """

    def __init__(self, name: str, fragments: Callable[[Patterns], list[str]], *extra: str) -> None:
        self.name = name
        self._fragments = fragments
        self._extra = extra
        # The pack set the pattern was last built for, and the pattern (a pair, swapped whole).
        self._built: tuple[PackSet, Pattern] | None = None

    def _build(self, pack_set: PackSet) -> Pattern:
        parts = [f for words in pack_set.all_words() for f in self._fragments(words.patterns)]
        # (?!) matches nothing: a rule no served language gives words for never fires.
        return textregex.compile("|".join([*parts, *self._extra]) or "(?!)", textregex.IGNORECASE)

    @property
    def compiled(self) -> Pattern:
        pack_set = packs.active()
        built = self._built
        if built is None or built[0] is not pack_set:
            built = self._built = (pack_set, self._build(pack_set))
        return built[1]

    def search(self, text: str) -> Match | None:
        return self.compiled.search(text)

    @property
    def pattern(self) -> str:
        return self.compiled.pattern


class _PatternTable(Mapping[str, PackPattern]):
    """Named rules in a fixed order (the first match wins where order matters)."""

    def __init__(self, table: dict[str, PackPattern]) -> None:
        self._table = table

    def __getitem__(self, key: str) -> PackPattern:
        return self._table[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)


# The kind of answer a question expects (first match in this order wins).
EXPECTS: Mapping[str, PackPattern] = _PatternTable(
    {
        kind: PackPattern(f"expects.{kind}", lambda p, kind=kind: p.expects.get(kind, []))
        for kind in packs.EXPECT_KINDS
    }
)

EVIDENCE: dict[str, Pattern] = {
    # (?<!...): an address starts where a word does; without it one long token was rescanned from
    # each of its characters (quadratic: issue 11).
    "email": textregex.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.]+"),
    "phone": textregex.compile(r"(?:\+358|\b0)\d{1,2}[\s-]?\d{3}[\s-]?\d{3,4}\b"),
    "time": textregex.compile(
        r"\b\d{1,2}[:.]\d{2}\s*(?:[-–]\s*\d{1,2}[:.]\d{2})|\bklo\b|\bkl\.\s*\d", textregex.I
    ),
    "amount": textregex.compile(
        r"\bEUR\b|€|\beuro(?:a|n|t|ja)?\b|\bmiljoon\w*|\bmiljon\w*|\bmilj\.|\bmillion\b|%"
        r"|\bprosent\w*|\bprocent\b|\bper cent\b",
        textregex.I,
    ),
    "date": textregex.compile(r"\b\d{1,2}\.\d{1,2}\.(?:\d{4})?|\b(?:19|20)\d{2}\b"),
}

# Sentences about the document itself ("The sections below cover ...") are never an answer.
META = PackPattern("meta", lambda p: p.meta)
# A year after the documents' own (language-neutral, so it stays here).
FUTURE = PackPattern("future", lambda p: p.future, r"\b20(?:2[6-9]|3\d)\b")
INJECTION = PackPattern("injection", lambda p: p.injection)
PERSONAS: Mapping[str, PackPattern] = _PatternTable(
    {
        name: PackPattern(f"personas.{name}", lambda p, name=name: p.personas.get(name, []))
        for name in packs.PERSONAS
    }
)
FUNDING = PackPattern("funding", lambda p: p.funding)
FOLLOW_UP = PackPattern("follow_up", lambda p: p.follow_up)
ORDINALS: dict[int, PackPattern] = {
    position: PackPattern(f"ordinals.{name}", lambda p, name=name: p.ordinals.get(name, []))
    for name, position in packs.ORDINALS.items()
}


@dataclass(frozen=True)
class QuestionKind:
    """What the analysis found; each field is used by one step of the answer."""

    expects: str | None
    future: bool
    injection: bool
    persona: str | None
    funding: bool
    follow_up: bool


@textregex.text_function()
def analyse(question: str) -> QuestionKind:
    """Classify the question by its words (first matching answer kind wins)."""
    expects = next((kind for kind, rx in EXPECTS.items() if rx.search(question)), None)
    persona = next((name for name, rx in PERSONAS.items() if rx.search(question)), None)
    return QuestionKind(
        expects=expects,
        future=bool(FUTURE.search(question)),
        injection=bool(INJECTION.search(question)),
        persona=persona,
        funding=bool(FUNDING.search(question)),
        follow_up=bool(FOLLOW_UP.search(question)),
    )


def has_evidence(kind: str, text: str) -> bool:
    """Does the text hold a fact of the kind the question expects?"""
    return bool(EVIDENCE[kind].search(text))


@textregex.text_function()
def ordinal(question: str) -> int | None:
    """1, 2, 3, 4 or -1 (last) when the question points at an item by position."""
    return next((n for n, rx in ORDINALS.items() if rx.search(question)), None)


# Probes for the pathological-input test (tests/assistant/test_textregex.py).
for _kind in EVIDENCE:
    textregex.register_text_function(
        f"assistant.answer.analysis.has_evidence[{_kind}]",
        lambda text, kind=_kind: has_evidence(kind, text),
    )
textregex.register_text_function("assistant.answer.analysis.META", lambda text: META.search(text))
