"""Follow-up questions rewritten into standalone ones from the conversation's own text (no LLM).

"What is her phone number?" takes the person the last answer named; "And the
second one?" takes the second item the last answer listed; a vague "what about that?" takes the
previous question's subject. A question with enough subject of its own is left alone, so a change
of topic is never dragged back to the previous one.
"""

from __future__ import annotations

from assistant import packs, textregex
from assistant.answer.analysis import FOLLOW_UP, ordinal
from assistant.answer.extractive import TermWeights
from assistant.retrieval.bm25 import tokenize
from assistant.schema import Turn


def _escaped(pack_set: packs.PackSet, field: str) -> list[str]:
    """A follow_up word list of every served language, escaped for a regex."""
    lists = (getattr(words.follow_up, field) for words in pack_set.all_words())
    return [textregex.escape(w) for words in lists for w in words]


def _words(pack_set: packs.PackSet, field: str) -> str:
    """One regex alternation of the list ("(?!)", which matches nothing, when it is empty)."""
    return "|".join(_escaped(pack_set, field)) or "(?!)"


def _person_pronoun(pack_set: packs.PackSet) -> textregex.Pattern:
    """'her', 'hänen', 'hennes': the question points at the person the last answer named."""
    return textregex.compile(
        rf"\b(?:{_words(pack_set, 'person_pronouns')})\b", textregex.IGNORECASE
    )


_NAME = textregex.compile(
    r"\b([A-ZÅÄÖ][a-zåäöé]+(?:-[A-ZÅÄÖ][a-zåäöé]+)? [A-ZÅÄÖ][a-zåäöé]+(?:-[A-ZÅÄÖ][a-zåäöé]+)?)"
)
# Whitespace is matched only from the start of its run ((?<!\s)), so a long run of spaces is
# scanned once, not once per position (quadratic: issue 11).
_CITATION = textregex.compile(r"(?<!\s)\s*\[\d+\]")
# [ \t], not \s: \s crosses newlines, so every line start of a blank run rescanned the run.
_LIST_ITEM = textregex.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+(.+)$", textregex.MULTILINE)


def _enum_lead(pack_set: packs.PackSet) -> textregex.Pattern:
    """A colon, or a verb that opens a list ("are", "ovat", "är"), then the list."""
    leads = "".join(rf"|\b{w}\b" for w in _escaped(pack_set, "enumeration_leads"))
    return textregex.compile(rf"(?::{leads})\s+(.+)", textregex.IGNORECASE | textregex.DOTALL)


def _splitters(pack_set: packs.PackSet) -> tuple[textregex.Pattern, textregex.Pattern]:
    """Splitters of a list: "A; B; and C" at the semicolons only (items may hold commas), "A, B ja
    C" at both."""
    conj = f"(?:{_words(pack_set, 'conjunctions')})"
    return (
        textregex.compile(rf";\s*(?:{conj}\s+)?", textregex.IGNORECASE),
        textregex.compile(rf",\s*(?:{conj}\s+)?|(?<!\s)\s+{conj}\s+", textregex.IGNORECASE),
    )


_BLANK_LINE = textregex.compile(r"\n\s*\n")
_SENTENCE_GAP = textregex.compile(r"(?<=[.!?])\s+")


@textregex.text_function()
def _enumeration(sentence: str) -> list[str]:
    pack_set = packs.active()
    lead = pack_set.derived("followup:enum_lead", _enum_lead).search(sentence)
    semi, comma = pack_set.derived("followup:splitters", _splitters)
    # A bare list ("A; B; and C.", an answer that is only the list) has no lead, and its
    # semicolons mark its items: commas without a lead are too often plain prose.
    bare = sentence if ";" in sentence else ""
    body = lead.group(1) if lead else bare
    splitter = semi if ";" in body else comma
    return [p.strip(" .") for p in splitter.split(body) if p.strip(" .")]


@textregex.text_function({"x"}, "en")
def _items(answer: str, topic: set[str], lang: str) -> list[str]:
    """The items the answer listed: its list lines, else the enumeration closest to the topic."""
    text = _CITATION.sub("", answer)
    candidates: list[tuple[list[str], str]] = []  # (items, the text that introduces them)
    for block in (b for b in _BLANK_LINE.split(text) if b.strip()):
        lines = [m.group(1).strip() for m in _LIST_ITEM.finditer(block)]
        if len(lines) >= 2:
            candidates.append((lines, block))
        for sentence in _SENTENCE_GAP.split(block):
            if len(parts := _enumeration(sentence)) >= 2:
                candidates.append((parts, sentence))
    if not candidates:
        return []
    best = max(candidates, key=lambda c: len(topic & set(tokenize(c[1], lang))))
    return best[0]


def _last(history: list[Turn], role: str) -> str:
    return next((t.content for t in reversed(history) if t.role == role), "")


def rewrite(question: str, history: list[Turn], lang: str, weights: TermWeights) -> str:
    """The question as it would be asked without the conversation before it."""
    if not history:
        return question
    last_answer = _last(history, "assistant")
    last_question = _last(history, "user")
    position = ordinal(question)
    if position is not None:
        topic = set(weights.content(f"{last_question} {question}", lang))
        items = _items(last_answer, topic, lang)
        if items and -len(items) <= (position - 1 if position > 0 else position) < len(items):
            return f"{question} {items[position - 1 if position > 0 else position]}"
    if packs.active().derived("followup:person_pronoun", _person_pronoun).search(question):
        names = _NAME.findall(_CITATION.sub("", last_answer)) or _NAME.findall(last_question)
        if names:
            return f"{question} {names[0]}"
    if FOLLOW_UP.search(question) or len(question.split()) <= 4:
        own = [
            t for t, w in weights.content(question, lang).items() if weights.known(t) and w > 2.5
        ]
        if len(own) < 2:
            return f"{question} {last_question}".strip()
    return question


def context(question: str, standalone: str, history: list[Turn]) -> str | None:
    """The earlier question a follow-up left as asked may still lean on, else None.

    `rewrite` leaves a question with words of its own alone ("Whom do I call about that
    round?"), so a change of topic is never dragged back; retrieval then searches with this
    context beside the question (assistant/stages/retrieve.py) and lets the evidence decide.
    """
    if not history or standalone != question:
        return None
    return _last(history, "user") or None


def _probe_rewrite(text: str) -> None:
    """Each path of `rewrite` over hostile text: as question, last answer and last question."""
    from assistant.answer.extractive import TermWeights

    weights = TermWeights([])
    history = [Turn(role="user", content=text), Turn(role="assistant", content=text)]
    for question in (text, "And the second one?", "What is her phone number?"):
        rewrite(question, history, "en", weights)


textregex.register_text_function("assistant.answer.followup.rewrite", _probe_rewrite)
