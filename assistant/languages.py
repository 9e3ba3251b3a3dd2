"""Language identification among the served languages, and the rule for when detection is unsure.

Which languages those are, and lingua's name for each, come from the language packs (words.yaml),
so a fourth pack is detected without a code edit.

lingua, restricted to the served languages, is right on almost every sentence but labels bare names
("AuroraAI", "EURA 2021") by the name's origin; so a short or low-confidence text yields `None` and
the caller falls back: explicit choice, then the conversation, then the client, then the default.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from assistant import packs, textregex

_WORD = textregex.compile(r"[^\W\d_]+")


def _codes() -> dict[str, str]:
    """lingua's name of each served language -> its code ("FINNISH" -> "fi")."""
    pack_set = packs.active()
    return {pack_set.words(lang).language.lingua: lang for lang in pack_set.languages}


@lru_cache(maxsize=4)
def _build_detector(names: tuple[str, ...]):
    from lingua import Language, LanguageDetectorBuilder

    chosen = [getattr(Language, name) for name in names]
    if len(chosen) == 1:  # lingua needs two; a one-language deployment asks about none
        return None
    return LanguageDetectorBuilder.from_languages(*chosen).with_preloaded_language_models().build()


def _detector():
    return _build_detector(tuple(_codes()))


def warm_up() -> None:
    """Load lingua's models now (~0.6 s) instead of on the first question."""
    if (detector := _detector()) is not None:
        detector.detect_language_of("warm up")


def confidences(text: str) -> dict[str, float]:
    """lingua's confidence for each served language."""
    codes = _codes()
    detector = _detector()
    if detector is None:
        return dict.fromkeys(codes.values(), 1.0)
    values = detector.compute_language_confidence_values(text)
    return {codes[v.language.name]: float(v.value) for v in values}


# A language whose function words outnumber every other's by this many is the text's language,
# whatever lingua reads into the rest: lower-case Finnish names ("jaana niittyniemi", "pirkanmaan
# liitto") made it read English and Swedish questions as Finnish. Measured on train and dev (843
# questions): 6 detections corrected, none broken (a lead of 1 broke one).
FUNCTION_WORD_LEAD = 2


def _function_words(pack_set: packs.PackSet) -> dict[str, frozenset[str]]:
    """Each served language's function words (its pack's `function_words.stop`)."""
    return {
        lang: frozenset(w.casefold() for w in pack_set.words(lang).function_words.stop)
        for lang in pack_set.languages
    }


def function_word_votes(words: list[str]) -> dict[str, int]:
    """How many of the words are function words of each served language."""
    pack_set = packs.active()
    lists = pack_set.derived("languages:function_words", _function_words)
    folded = [w.casefold() for w in words]
    return {lang: sum(w in stop for w in folded) for lang, stop in lists.items()}


def shared_words(texts: Iterable[tuple[str, str]]) -> frozenset[str]:
    """The documents' names, case-folded: words that the documents of every served language use,
    written capitalised most of the time, and no pack's function word ("niittyniemi",
    "tampere", "sixnet"); they carry no asker's language. From (language, text) pairs, e.g. the
    index's chunks. "city" or "rahoitus" are shared too, but mostly written in lower case."""
    by_lang: dict[str, set[str]] = {}
    capitalised: dict[str, int] = {}
    seen: dict[str, int] = {}
    for lang, text in texts:
        words = by_lang.setdefault(lang, set())
        for word in _WORD.findall(text):
            folded = word.casefold()
            words.add(folded)
            seen[folded] = seen.get(folded, 0) + 1
            capitalised[folded] = capitalised.get(folded, 0) + word[0].isupper()
    served = [by_lang.get(lang, set()) for lang in packs.active().languages]
    if len(served) < 2:
        return frozenset()
    lists = packs.active().derived("languages:function_words", _function_words)
    stop = frozenset().union(*lists.values())
    return frozenset(w for w in set.intersection(*served) - stop if 2 * capitalised[w] > seen[w])


@textregex.text_function()
def detect(
    text: str, min_words: int = 3, min_confidence: float = 0.6, names: frozenset[str] = frozenset()
) -> str | None:
    """The text's language, or None when it is too short or too ambiguous to tell. `names`: words
    judged by the others (see shared_words), like the capitalised words after the first."""
    words = _WORD.findall(text)
    if not words:
        return None
    if len(words) < min_words:
        return None  # "AuroraAI?", "Budget 2023?": names carry their own language, not the asker's
    votes = sorted(function_word_votes(words).items(), key=lambda kv: kv[1], reverse=True)
    if len(votes) > 1 and votes[0][1] - votes[1][1] >= FUNCTION_WORD_LEAD:
        return votes[0][0]
    # Names ("Jaana Niittyniemi", "Sustainable Industry X") carry their own language, not the
    # asker's: judge by the other words when enough of them are left.
    named = [w for w in words if w.casefold() not in names]
    plain = [w for i, w in enumerate(named) if i == 0 or not w[0].isupper()]
    if len(plain) >= 2 and len(plain) < len(words):
        text = " ".join(plain)
    scores = confidences(text)
    best = max(scores, key=scores.get)
    return best if scores[best] >= min_confidence else None


def detect_or(text: str, fallback: str | None = None) -> str:
    """The detected language, else the fallback (the default language): for documents, which are
    always long enough."""
    return detect(text, min_words=1, min_confidence=0.0) or fallback or packs.active().default


def normalise(code: str | None) -> str | None:
    """'fi-FI', 'sv_SE', 'EN' -> 'fi', 'sv', 'en'; a language no pack serves -> None."""
    if not code:
        return None
    short = code.strip().lower().replace("_", "-").split("-")[0]
    return short if short in packs.active().packs else None


def from_accept_language(header: str | None) -> str | None:
    """The first served language in an Accept-Language header, by its q-order."""
    if not header:
        return None
    ranked = []
    for part in header.split(","):
        bits = part.strip().split(";q=")
        try:
            q = float(bits[1]) if len(bits) > 1 else 1.0
        except ValueError:
            q = 0.0
        ranked.append((q, bits[0]))
    for _, code in sorted(ranked, key=lambda x: -x[0]):
        if (lang := normalise(code)) is not None:
            return lang
    return None


def resolve(
    detected: str | None,
    explicit: str | None = None,
    conversation: str | None = None,
    client: str | None = None,
    default: str | None = None,
) -> str:
    """Pick the answer language: explicit choice, detected, conversation, client, default."""
    for candidate in (explicit, detected, conversation, client):
        if (lang := normalise(candidate)) is not None:
            return lang
    return default or packs.active().default
