"""The deterministic metrics: key facts, refusals, answer language, citations, retrieval, latency.

Every rule here is written so a staff member can check a single question by hand; the report
repeats the rules (see `RULES`) so the numbers are never a black box.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.stats import binomtest

from assistant import textregex
from assistant.schema import Chunk, Source

LANG_ORDER = ("en", "fi", "sv")
SUMMARY_KEYS = (
    "n",
    "key_fact_accuracy",
    "refusal_accuracy",
    "false_refusal_rate",
    "language_match",
    "citation_validity",
    "latency_ms_p50",
    "latency_ms_p95",
)
RETRIEVAL_KEYS = ("hit_at_k", "mrr")
# Reported beside the rates, never gated: answer length and each rate's Wilson interval.
REPORT_KEYS = ("answer_words_median", "intervals")
# Present only when the question set gives gold `source_urls` for at least one question.
URL_KEYS = ("citation_url_validity",)
JUDGE_KEY = "faithfulness"
# Metrics where a smaller value is better: `--min` treats their threshold as a ceiling.
LOWER_IS_BETTER = frozenset({"false_refusal_rate", "latency_ms_p50", "latency_ms_p95"})
ALL_METRICS = (*SUMMARY_KEYS[1:], *URL_KEYS, *RETRIEVAL_KEYS, JUDGE_KEY)
HIT_K = 5
MIN_WORDS_AFTER_STRIPPING = 3

RULES: dict[str, str] = {
    "key_fact_accuracy": (
        "Answerable questions passed / answerable questions. A question passes when it was not "
        "refused and every must_include group has at least one of its strings in the reply: the "
        "answer and its next step, as every channel shows them (case-insensitive, Unicode NFKC, "
        "whitespace runs collapsed)."
    ),
    "refusal_accuracy": "Unanswerable questions refused / unanswerable questions.",
    "false_refusal_rate": "Answerable questions refused / answerable questions (lower is better).",
    "language_match": (
        "The answer text's language, detected with lingua restricted to en/fi/sv, equals the "
        "question's expected language. The Answer.language field is never used. Before detection "
        "the answer loses URLs, citation markers like [1], text inside quotation marks or "
        "parentheses, the cited sources' titles, names (runs of two or more capitalised words, "
        "acronyms, tokens with digits, capitalised words that also occur in a cited source's "
        "title, and capitalised words that do not open a sentence, a line or a list item). If "
        "fewer than "
        f"{MIN_WORDS_AFTER_STRIPPING} words remain, the full answer text is detected instead."
    ),
    "citation_validity": (
        "Answers whose every cited quote occurs verbatim in its chunk, re-read from the store by "
        "chunk_id / answers with at least one citation. Only whitespace runs are collapsed and a "
        "leading/trailing ellipsis is dropped; a missing chunk or an empty quote is invalid."
    ),
    "citation_url_validity": (
        "Questions with gold source_urls whose every cited URL (each cited source's url, refused "
        "or not) is one of the gold URLs / questions with gold source_urls and at least one cited "
        "URL. URLs are compared without their scheme, a leading 'www.' and a trailing '/'. "
        "Questions without gold source_urls are not counted."
    ),
    "hit_at_k": (
        f"Questions with gold sources where a search for the (standalone) question returns a gold "
        f"document in the top {HIT_K} / questions with gold sources. A hit's doc_id matches a gold "
        "id when it is equal, or when both are equal after dropping a language suffix "
        "(-en/-fi/-sv), so 'funding-fi' matches gold 'funding-en': a translation holds the same "
        "facts."
    ),
    "mrr": f"Mean of 1/rank of the first matching document in the top {HIT_K} (0 when none).",
    "latency_ms_p50": "Median wall-clock time of one ask() call, in milliseconds.",
    "latency_ms_p95": "95th percentile of the wall-clock time of one ask() call, in milliseconds.",
    "answer_words_median": (
        "Median number of words (whitespace-separated, citation markers like [1] dropped) of the "
        "replies (answer and next step) to answerable questions that were not refused."
    ),
    "intervals": (
        "For each rate, its Wilson score 95 % interval [low, high] (scipy.stats.binomtest), from "
        "the same counts as the rate."
    ),
    "faithfulness": (
        "Optional, only with an LLM provider: share of cited, non-refused answers an LLM judge "
        "says are supported by their cited quotes. Not deterministic; no gate should rely on it."
    ),
}


# --- key facts -------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Case-, width- and whitespace-insensitive form used for must_include matching."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def missing_groups(answer: str, must_include: Sequence[Sequence[str]]) -> list[list[str]]:
    """The must_include groups none of whose strings occur in the answer."""
    text = normalise(answer)
    return [list(group) for group in must_include if not any(normalise(s) in text for s in group)]


def passed(answerable: bool, refused: bool, missing: Sequence[Any]) -> bool:
    """Answerable: not refused and no group missing. Unanswerable: refused."""
    return (not refused and not missing) if answerable else refused


# --- answer language -------------------------------------------------------------------------

_URL = textregex.compile(r"(?:https?://|www\.)\S+", textregex.IGNORECASE)
# Linear forms (issue 11): an address starts after a space or '@', not at each character of a long
# token; an opening quote's run stops at the next opening quote of its kind.
_EMAIL = textregex.compile(r"(?<![^\s@])[^\s@]+@[^\s@]+\.\w+")
_MARKER = textregex.compile(r"\[\s*\d+(?:\s*[,;–-]\s*\d+)*\s*\]")
# A parenthesis in these answers mostly gives a name in the other languages ("the Ministry of
# Finance (valtiovarainministeriö, VM; in Swedish finansministeriet)").
_BRACKETED = textregex.compile(r"\([^()\n]{0,300}\)")
_QUOTED = textregex.compile(
    r'"[^"]*"|“[^”“]*”|”[^”]*”|„[^„“”]*[“”]|«[^«»]*»|»[^»]*»|‘[^‘’]*’|’[^’]*’'
)
_TOKEN = textregex.compile(r"[^\W_][\w'’\-]*")
_WORD = textregex.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1)
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    return (
        LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.FINNISH, Language.SWEDISH)
        .with_preloaded_language_models()
        .build()
    )


_CODES = {"ENGLISH": "en", "FINNISH": "fi", "SWEDISH": "sv"}


def detect_language(text: str) -> str | None:
    """lingua's most likely of en/fi/sv, or None for a text without letters."""
    if not _WORD.search(text):
        return None
    values = _detector().compute_language_confidence_values(text)
    return _CODES[values[0].language.name] if values else None


def _is_name_token(token: str) -> bool:
    return token[0].isupper() or any(c.isdigit() for c in token)


_LINE_OPENER = textregex.compile(r"(?:[-*•]|\d{1,3}[.)])?")


def _starts_sentence(text: str, start: int) -> bool:
    """Whether a token at `start` opens a sentence, a line or a list item: elsewhere a capital
    marks a name in all three languages ("... Helsinki, Espoo, Vantaa and Tampere")."""
    before = text[max(0, start - 80) : start].rstrip(" \t\"'“”‘’«»(")  # bounded look-back
    if not before or before[-1] in ".!?:\n":
        return True
    line = before.rsplit("\n", 1)[-1].strip()
    return _LINE_OPENER.fullmatch(line) is not None


@textregex.text_function(["Tampere ecosystem agreement"])
def strip_for_language(text: str, titles: Iterable[str] = ()) -> str:
    """The answer without what says nothing about its language (see RULES['language_match'])."""
    titles = [t for t in titles if t and t.strip()]
    text = _URL.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    text = _MARKER.sub(" ", text)
    text = _QUOTED.sub(" ", text)
    text = _BRACKETED.sub(" ", text)
    for title in sorted(titles, key=len, reverse=True):
        text = textregex.sub(textregex.escape(title), " ", text, textregex.IGNORECASE)
    title_words = {w.casefold() for t in titles for w in _TOKEN.findall(t)}

    tokens = list(_TOKEN.finditer(text))
    drop: set[int] = set()
    i = 0
    while i < len(tokens):
        j = i
        # a run of capitalised tokens separated by whitespace only is a name
        while (
            j + 1 < len(tokens)
            and _is_name_token(tokens[j].group())
            and _is_name_token(tokens[j + 1].group())
            and not text[tokens[j].end() : tokens[j + 1].start()].strip()
        ):
            j += 1
        if j > i:
            drop.update(range(i, j + 1))
            i = j + 1
            continue
        token = tokens[i].group()
        acronym = len(token) >= 2 and token.isupper()
        digits = any(c.isdigit() for c in token)
        titled = token[0].isupper() and token.casefold() in title_words
        inside = token[0].isupper() and not _starts_sentence(text, tokens[i].start())
        if acronym or digits or titled or inside:
            drop.add(i)
        i += 1
    out, last = [], 0
    for k, match in enumerate(tokens):
        if k in drop:
            out.append(text[last : match.start()])
            out.append(" ")
            last = match.end()
    out.append(text[last:])
    return " ".join("".join(out).split())


@textregex.text_function()
def answer_language(text: str, titles: Iterable[str] = ()) -> str | None:
    """The detected language of an answer text, by the rule in RULES['language_match']."""
    stripped = strip_for_language(text, titles)
    if len(_WORD.findall(stripped)) >= MIN_WORDS_AFTER_STRIPPING:
        return detect_language(stripped)
    return detect_language(text)


# --- citations -------------------------------------------------------------------------------

_ELLIPSIS = textregex.compile(r"^(?:\.\.\.|…)\s*|(?<!\s)\s*(?:\.\.\.|…)$")


def _ws(text: str) -> str:
    return " ".join(text.split())


def quote_is_valid(source: Source, chunk: Chunk | None) -> bool:
    """The quote occurs verbatim (whitespace aside) in the chunk re-read from the store."""
    if chunk is None:
        return False
    quote = _ws(_ELLIPSIS.sub("", _ws(source.quote)))
    return bool(quote) and quote in _ws(chunk.text)


def check_citations(sources: Sequence[Source], chunks: Mapping[str, Chunk]) -> list[bool]:
    """One validity flag per cited source."""
    return [quote_is_valid(s, chunks.get(s.chunk_id)) for s in sources]


# --- cited URLs ------------------------------------------------------------------------------

_SCHEME = textregex.compile(r"^[a-z][a-z0-9+.-]*://", textregex.IGNORECASE)


@textregex.text_function()
def url_key(url: str) -> str:
    """A URL as compared with gold and allowed URLs: scheme, leading www. and trailing / ignored."""
    key = _SCHEME.sub("", url.strip())
    if key.lower().startswith("www."):
        key = key[4:]
    return key.rstrip("/")


def bad_urls(cited: Iterable[str], gold: Iterable[str]) -> list[str]:
    """The cited URLs that are none of the gold URLs (see RULES['citation_url_validity'])."""
    allowed = {url_key(g) for g in gold}
    return [u for u in cited if url_key(u) not in allowed]


# --- retrieval -------------------------------------------------------------------------------

_LANG_SUFFIX = textregex.compile(r"[-_](?:en|fi|sv)$")


@textregex.text_function()
def doc_topic(doc_id: str) -> str:
    """A document id without its language suffix: 'funding-fi' -> 'funding'."""
    return _LANG_SUFFIX.sub("", doc_id)


def doc_matches(doc_id: str, gold: Iterable[str]) -> bool:
    """Exact doc id, or the same document in another language (see RULES['hit_at_k'])."""
    return any(doc_id == g or doc_topic(doc_id) == doc_topic(g) for g in gold)


def first_hit_rank(doc_ids: Sequence[str], gold: Sequence[str], k: int = HIT_K) -> int:
    """1-based rank of the first gold document among the top k, 0 when none."""
    for rank, doc_id in enumerate(doc_ids[:k], start=1):
        if doc_matches(doc_id, gold):
            return rank
    return 0


# --- aggregation -----------------------------------------------------------------------------


def _ratio(flags: Sequence[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def _wilson(flags: Sequence[bool]) -> list[float] | None:
    """The Wilson score 95 % interval of a rate: a rate from 50 questions is not a point."""
    if not flags:
        return None
    ci = binomtest(sum(flags), len(flags)).proportion_ci(confidence_level=0.95, method="wilson")
    return [round(float(ci.low), 4), round(float(ci.high), 4)]


_CITATION_MARK = textregex.compile(r"\[\d+\]")


@textregex.text_function()
def answer_words(text: str) -> int:
    """Words of an answer as a reader counts them (citation markers are not words)."""
    return len(_CITATION_MARK.sub(" ", text).split())


def _percentile(values: Sequence[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


def summarise(records: Sequence[Mapping[str, Any]], judged: bool = False) -> dict[str, Any]:
    """The summary of a list of per-question records (see evals.runner for the record shape)."""
    answerable = [r for r in records if r["answerable"]]
    unanswerable = [r for r in records if not r["answerable"]]
    cited = [r for r in records if r.get("citations_valid") is not None]
    summary: dict[str, Any] = {
        "n": len(records),
        "key_fact_accuracy": _ratio([r["passed"] for r in answerable]),
        "refusal_accuracy": _ratio([r["refused"] for r in unanswerable]),
        "false_refusal_rate": _ratio([r["refused"] for r in answerable]),
        "language_match": _ratio([r["language_match"] for r in records]),
        "citation_validity": _ratio([r["citations_valid"] for r in cited]),
        "latency_ms_p50": _percentile([r["latency_ms"] for r in records], 50),
        "latency_ms_p95": _percentile([r["latency_ms"] for r in records], 95),
    }
    flags: dict[str, list[bool]] = {
        "key_fact_accuracy": [r["passed"] for r in answerable],
        "refusal_accuracy": [r["refused"] for r in unanswerable],
        "false_refusal_rate": [r["refused"] for r in answerable],
        "language_match": [r["language_match"] for r in records],
        "citation_validity": [r["citations_valid"] for r in cited],
    }
    gold = [r for r in records if r.get("gold_urls")]
    if gold:
        flags["citation_url_validity"] = [
            r["citation_urls_valid"] for r in gold if r.get("citation_urls_valid") is not None
        ]
        summary["citation_url_validity"] = _ratio(flags["citation_url_validity"])
    answered = [
        answer_words(r["answer"]) for r in answerable if not r["refused"] and r.get("answer")
    ]
    summary["answer_words_median"] = float(np.median(answered)) if answered else None
    summary["intervals"] = {name: _wilson(values) for name, values in flags.items()}
    ranked = [r["hit_rank"] for r in records if r.get("hit_rank") is not None]
    if ranked:
        summary["hit_at_k"] = _ratio([rank > 0 for rank in ranked])
        summary["mrr"] = round(sum(1 / rank for rank in ranked if rank) / len(ranked), 4)
    if judged:
        scores = [r["faithful"] for r in records if r.get("faithful") is not None]
        summary[JUDGE_KEY] = round(sum(scores) / len(scores), 4) if scores else None
    return summary


def summarise_by_lang(records: Sequence[Mapping[str, Any]], judged: bool = False) -> dict[str, Any]:
    """`{"overall": ..., "by_lang": {lang: ...}}` for the languages present in the set."""
    langs = [lang for lang in LANG_ORDER if any(r["lang"] == lang for r in records)]
    return {
        "overall": summarise(records, judged),
        "by_lang": {
            lang: summarise([r for r in records if r["lang"] == lang], judged) for lang in langs
        },
    }


# Probe for the pathological-input test (tests/assistant/test_textregex.py).
textregex.register_text_function(
    "evals.metrics.quote_is_valid",
    lambda text: quote_is_valid(
        Source(
            n=1,
            doc_id="d",
            chunk_id="d#0",
            title="t",
            url="",
            lang="en",
            section="",
            as_of="",
            quote=text,
            score=1.0,
        ),
        Chunk(chunk_id="d#0", doc_id="d", text=text),
    ),
)
