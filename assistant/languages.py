"""Language identification for en/fi/sv, and the rule for when detection is unsure.

lingua, restricted to the three languages, is right on almost every sentence but labels bare names
("AuroraAI", "EURA 2021") by the name's origin; so a short or low-confidence text yields `None` and
the caller falls back: explicit choice, then the conversation, then the client, then the default.
"""

from __future__ import annotations

from functools import lru_cache

from assistant import textregex
from assistant.schema import LANGS

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


def warm_up() -> None:
    """Load lingua's models now (~0.6 s) instead of on the first question."""
    _detector().detect_language_of("warm up")


def confidences(text: str) -> dict[str, float]:
    """lingua's confidence for each of en/fi/sv."""
    values = _detector().compute_language_confidence_values(text)
    return {_CODES[v.language.name]: float(v.value) for v in values}


@textregex.text_function()
def detect(text: str, min_words: int = 3, min_confidence: float = 0.6) -> str | None:
    """The text's language, or None when it is too short or too ambiguous to tell."""
    words = _WORD.findall(text)
    if not words:
        return None
    if len(words) < min_words:
        return None  # "AuroraAI?", "Budget 2023?": names carry their own language, not the asker's
    # Names ("Jaana Niittyniemi", "Sustainable Industry X") carry their own language, not the
    # asker's: judge by the other words when enough of them are left.
    plain = [w for i, w in enumerate(words) if i == 0 or not w[0].isupper()]
    if len(plain) >= 2 and len(plain) < len(words):
        text = " ".join(plain)
    scores = confidences(text)
    best = max(scores, key=scores.get)
    return best if scores[best] >= min_confidence else None


def detect_or(text: str, fallback: str = "en") -> str:
    """The detected language, else the fallback: for documents, which are always long enough."""
    return detect(text, min_words=1, min_confidence=0.0) or fallback


def normalise(code: str | None) -> str | None:
    """'fi-FI', 'sv_SE', 'EN' -> 'fi', 'sv', 'en'; anything else -> None."""
    if not code:
        return None
    short = code.strip().lower().replace("_", "-").split("-")[0]
    return short if short in LANGS else None


def from_accept_language(header: str | None) -> str | None:
    """The first of en/fi/sv in an Accept-Language header, by its q-order."""
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
    default: str = "en",
) -> str:
    """Pick the answer language: explicit choice, detected, conversation, client, default."""
    for candidate in (explicit, detected, conversation, client):
        if (lang := normalise(candidate)) is not None:
            return lang
    return default
