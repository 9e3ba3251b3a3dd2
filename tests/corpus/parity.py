"""What must read the same in every translation: amounts, percentages, dates, names, phones, URLs.

The corpus is written three times (en, fi, sv). A figure changed in one language only is a wrong
answer in that language, so each section's checkable facts are pulled out and normalised to one
form: decimal comma or point, "million / miljoonaa / miljoner / milj." as a factor, dates in any of
the three languages as ISO (a date without a year as --MM-DD), Finnish inflected surnames through
the allow-list's matcher (tests/corpus/test_corpus.py), URLs through evals.metrics.url_key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from evals.metrics import url_key

from . import allowlist
from .sources import urls_in_text
from .test_corpus import _PHONE, _number, _same_surname

KINDS = ("amount", "percent", "number", "date", "year", "name", "phone", "url")
Facts = dict[str, set[str]]

# --- amounts and percentages -------------------------------------------------------------------

_NUM = r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)*"
_MILLION = r"miljoon\w*|miljon\w*|million\w*|milj\.|milj\b|mln\b"
_THOUSAND = r"tuhat\w*|tuhann\w*|tusen\b|thousand\w*"
_SCALE = rf"{_MILLION}|{_THOUSAND}"
_CUR = r"euro\w*|EUR\b|€"
_AMOUNT_BEFORE = re.compile(
    rf"(?:\bEUR|€)\s?(?P<num>{_NUM})(?:\s?(?P<scale>{_SCALE}|M\b|m\b))?", re.IGNORECASE
)
_AMOUNT_AFTER = re.compile(
    rf"(?<![\d.,])(?P<num>{_NUM})\s?(?:(?P<scale>{_SCALE}|M(?=\s?(?:€|EUR)))\s?)?(?:{_CUR})",
    re.IGNORECASE,
)
_AMOUNT_SCALE_ONLY = re.compile(rf"(?<![\d.,])(?P<num>{_NUM})\s?(?P<scale>{_SCALE})", re.I)
_PERCENT = re.compile(
    rf"(?<![\d.,])(?P<num>{_NUM})\s?(?:%|per\s?cent\b|percent\b|prosent\w*|procent\w*)", re.I
)
_NUMBER = re.compile(rf"(?<![\w.,§])(?P<num>{_NUM})(?![\d])")


def _amount(match: re.Match[str]) -> str:
    scale = (match.group("scale") or "").lower()
    if re.fullmatch(_MILLION, scale, re.IGNORECASE) or scale == "m":
        factor = 1_000_000
    elif scale:
        factor = 1_000
    else:
        factor = 1
    return str(round(_number(match.group("num")) * factor))


def _plain_number(raw: str) -> str:
    value = _number(raw)
    return str(int(value)) if value == int(value) else f"{value:g}"


# --- dates --------------------------------------------------------------------------------------

_EN = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
       "october", "november", "december")  # fmt: skip
_FI = ("tammi", "helmi", "maalis", "huhti", "touko", "kesä", "heinä", "elo", "syys", "loka",
       "marras", "joulu")  # fmt: skip
_SV = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
       "oktober", "november", "december")  # fmt: skip
MONTHS: dict[str, dict[str, int]] = {
    # English full names and three-letter abbreviations ("Feb"), plus "Sept"
    "en": {**{m: i for i, m in enumerate(_EN, 1)}, **{m[:3]: i for i, m in enumerate(_EN, 1)}}
    | {"sept": 9},
    # Finnish dates use the partitive: "12. toukokuuta 2022"
    "fi": {m + "kuuta": i for i, m in enumerate(_FI, 1)},
    "sv": {m: i for i, m in enumerate(_SV, 1)},
}
_WEEKDAY = (
    r"(?:(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|maanantaina|tiistaina|"
    r"keskiviikkona|torstaina|perjantaina|lauantaina|sunnuntaina|måndagen|tisdagen|onsdagen|"
    r"torsdagen|fredagen|lördagen|söndagen|den)\s+)?"
)
_DASH = r"\s*(?:[–—-]|to|until|asti|till|och|and|ja)?\s*"
# "12.5.2022", "12.5." and the start of a range written "12.5–12.6.2022"
_NUMERIC = re.compile(
    r"(?<![\d.,])(?P<d>\d{1,2})\.(?P<m>\d{1,2})"
    r"(?:\.(?P<y>\d{4})?(?!\d)|(?=\s*[–-]\s*\d{1,2}\.\d{1,2}\.))"
)
_ISO = re.compile(r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?!\d)")


def _month_names(lang: str) -> re.Pattern[str]:
    names = "|".join(sorted(MONTHS[lang], key=len, reverse=True))
    if lang == "en":
        # "12 May 2022", "Tuesday 9 Feb 2021", "May 12, 2022"
        return re.compile(
            rf"\b{_WEEKDAY}(?:(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon>{names})\.?"
            rf"|(?P<mon2>{names})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?)"
            rf"(?:,?\s+(?P<y>\d{{4}}))?\b",
            re.IGNORECASE,
        )
    dot = r"\." if lang == "fi" else r"\.?"  # "12. toukokuuta 2022"; "12 maj 2022"
    return re.compile(
        rf"\b{_WEEKDAY}(?P<d>\d{{1,2}}){dot}\s+(?P<mon>{names})(?:\s+(?P<y>\d{{4}}))?\b",
        re.IGNORECASE,
    )


_MONTH_PATTERNS = {lang: _month_names(lang) for lang in MONTHS}
_YEAR = re.compile(r"(?<![\d.,])(?P<y>(?:19|20)\d{2})(?:\s?[/–-]\s?(?P<y2>\d{2}))?(?!\d)")


def _iso(year: str | None, month: int, day: int) -> str | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"


def _dates(text: str, lang: str) -> tuple[list[tuple[int, int, str | None, int, int]], str]:
    """(start, end, year or None, month, day) for every date, and the text with them blanked."""
    found: list[tuple[int, int, str | None, int, int]] = []
    for m in _ISO.finditer(text):
        found.append((m.start(), m.end(), m["y"], int(m["m"]), int(m["d"])))
    for m in _NUMERIC.finditer(text):
        found.append((m.start(), m.end(), m["y"], int(m["m"]), int(m["d"])))
    months = MONTHS[lang]
    for m in _MONTH_PATTERNS[lang].finditer(text):
        name = (m["mon"] or m.groupdict().get("mon2") or "").lower()
        day = m["d"] or m.groupdict().get("d2")
        found.append((m.start(), m.end(), m["y"], months[name], int(day)))
    found.sort()
    kept: list[tuple[int, int, str | None, int, int]] = []
    for item in found:  # the first (longest at a position) wins over overlapping matches
        if kept and item[0] < kept[-1][1]:
            continue
        kept.append(item)
    # "12.5.–12.6.2022", "12 May – 12 June 2022": a date without a year takes the next one's
    for i in range(len(kept) - 2, -1, -1):
        start, end, year, month, day = kept[i]
        following = kept[i + 1]
        if year is None and following[2] and re.fullmatch(_DASH, text[end : following[0]]):
            kept[i] = (start, end, following[2], month, day)
    blanked = text
    for start, end, *_ in reversed(kept):
        blanked = blanked[:start] + " " * (end - start) + blanked[end:]
    return kept, blanked


# --- the extractor ------------------------------------------------------------------------------


def _names(text: str) -> set[str]:
    found = set()
    for full in allowlist.PERSON_NAMES:
        given, surname = full.split(" ", 1)
        for m in re.finditer(rf"\b{re.escape(given)}\s+([A-ZÅÄÖ][\w-]+)", text):
            if _same_surname(m.group(1), surname):
                found.add(full)
    return found


def _blank(text: str, pattern: re.Pattern[str], out: set[str], value) -> str:
    def repl(m: re.Match[str]) -> str:
        out.add(value(m))
        return " " * len(m.group())

    return pattern.sub(repl, text)


def extract(text: str, lang: str) -> Facts:
    """The checkable facts in a piece of corpus text, each kind normalised to one form."""
    facts: Facts = {kind: set() for kind in KINDS}
    for url in urls_in_text(text):
        facts["url"].add(url_key(url))
        text = text.replace(url, " ")
    facts["name"] = _names(text)
    for m in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        facts["phone"].add("0" + digits[3:] if m.group().lstrip().startswith("+") else digits)
    text = _PHONE.sub(" ", text)
    for pattern in (_AMOUNT_BEFORE, _AMOUNT_AFTER, _AMOUNT_SCALE_ONLY):
        text = _blank(text, pattern, facts["amount"], _amount)
    text = _blank(text, _PERCENT, facts["percent"], lambda m: _plain_number(m.group("num")) + "%")
    dates, text = _dates(text, lang)
    for _, _, year, month, day in dates:
        iso = _iso(year, month, day)
        if iso:
            facts["date"].add(iso)
            if year:
                facts["year"].add(year)
    for m in _YEAR.finditer(text):
        facts["year"].add(m["y"])
        if m["y2"]:
            facts["year"].add(m["y"][:2] + m["y2"])
    text = _YEAR.sub(" ", text)
    for m in _NUMBER.finditer(text):
        value = _number(m.group("num"))
        if value >= 100:
            facts["number"].add(_plain_number(m.group("num")))
    return facts


# --- comparing translations ---------------------------------------------------------------------


def mismatches(facts_by_lang: Mapping[str, Facts]) -> list[str]:
    """One line per kind whose values differ between the languages (empty when they agree)."""
    langs = list(facts_by_lang)
    out = []
    for kind in KINDS:
        values = {lang: facts_by_lang[lang].get(kind, set()) for lang in langs}
        if len({frozenset(v) for v in values.values()}) > 1:
            union = set().union(*values.values())
            detail = "; ".join(
                f"{lang} lacks {sorted(union - values[lang])}"
                for lang in langs
                if union - values[lang]
            )
            out.append(f"{kind}: {detail}")
    return out


def compare_documents(
    sections_by_lang: Mapping[str, Sequence[tuple[int, str, str]]],
) -> list[str]:
    """Mismatches between translations given as (level, title, text) sections per language.

    First the heading structure (levels, in order); if that agrees, each aligned section's facts.
    """
    structures = {lang: [level for level, _, _ in secs] for lang, secs in sections_by_lang.items()}
    if len({tuple(s) for s in structures.values()}) > 1:
        shown = "; ".join(f"{lang}: {s}" for lang, s in structures.items())
        return [f"heading structure differs (levels in order) - {shown}"]
    out = []
    langs = list(sections_by_lang)
    for i in range(len(structures[langs[0]])):
        facts = {lang: extract(secs[i][2], lang) for lang, secs in sections_by_lang.items()}
        titles = " / ".join(f"{lang} {secs[i][1]!r}" for lang, secs in sections_by_lang.items())
        out += [f"section {i} ({titles}): {line}" for line in mismatches(facts)]
    return out
