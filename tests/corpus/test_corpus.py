"""The shipped corpus: well-formed front matter, the right language, and no unsourced contact data.

The assistant quotes these files sentence by sentence, so an invented phone number, e-mail address,
euro amount or name here would reach users verbatim. Every such item must be on the allow-list that
was drawn up from the sources (tests/corpus/allowlist.py).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import frontmatter
import pytest
from bs4 import BeautifulSoup
from markdown_it import MarkdownIt

from assistant.languages import detect_or
from assistant.schema import LANGS

from . import allowlist

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
FILES = sorted(CORPUS.rglob("*.md"))

# --- the checker -----------------------------------------------------------------------------

# A Finnish number: "050 326 1620", "050-3261620", "(050) 326 1620", "+358 50 326 1620".
_PHONE = re.compile(r"(?<![\w+])(?:\+\s?358|0)(?:[\s\-()]*\d){6,12}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ARTEFACT = re.compile(r"e-?mail(?:\s|&#160;|\u00a0)*protected", re.IGNORECASE)

_NUM = r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)*"
_SCALE = (
    r"miljoonaa|miljoona|miljoner|miljon|millions|million|milj\.?|mln|mn|"
    r"tuhatta|tusen|thousand|m|k"
)
_CUR = r"euroa|euros|euron|euro|eur|€"
_END = r"(?![A-Za-zÅÄÖåäö])"
# "EUR 21.6 million", "€21.6m", "~EUR 140 M", "EUR 128,810"
_EURO_BEFORE = re.compile(
    rf"(?:\bEUR|€)\s?(?P<num>{_NUM})(?:\s?(?P<scale>{_SCALE}){_END})?", re.IGNORECASE
)
# "21,6 milj. euroa", "21,6 miljoner euro", "128 810 euroa", "2 M€", "21,6 MEUR",
# "140 million euros"
_EURO_AFTER = re.compile(
    rf"(?<![\d.,])(?P<num>{_NUM})\s?(?:(?P<scale>{_SCALE})\s?)?(?:{_CUR}){_END}", re.IGNORECASE
)
_MULTIPLIER = {"k": 1_000, "tuhatta": 1_000, "tusen": 1_000, "thousand": 1_000}


def _number(raw: str) -> float:
    """Read '128 810', '128,810', '21,6', '21.6' or '1.300.000' as a number."""
    raw = re.sub(r"[ \u00a0\u202f]", "", raw)
    seps = [c for c in raw if c in ".,"]
    if not seps:
        return float(raw)
    if len(set(seps)) == 2:  # "1,300.50": the last separator is the decimal one
        last = max(raw.rfind("."), raw.rfind(","))
        return float(re.sub(r"[.,]", "", raw[:last]) + "." + raw[last + 1 :])
    if len(seps) > 1 or re.search(r"[.,]\d{3}$", raw):  # thousands separators only
        return float(re.sub(r"[.,]", "", raw))
    return float(raw.replace(",", "."))


def _euros(match: re.Match[str]) -> int:
    """The amount a euro expression states, in whole euros."""
    scale = (match.group("scale") or "").lower().rstrip(".")
    factor = _MULTIPLIER.get(scale, 1_000_000 if scale else 1)
    return round(_number(match.group("num")) * factor)


def unsourced(text: str) -> list[str]:
    """Phone numbers, e-mail addresses, euro amounts and artefacts in `text` not allow-listed."""
    found: list[str] = []
    for m in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        national = "0" + digits[3:] if m.group().lstrip().startswith("+") else digits
        if national not in allowlist.PHONES:
            found.append(f"phone: {m.group().strip()}")
    found += [
        f"e-mail: {m.group()}"
        for m in _EMAIL.finditer(text)
        if m.group().lower() not in allowlist.EMAILS
    ]
    found += [f"artefact: {m.group()}" for m in _ARTEFACT.finditer(text)]
    for pattern in (_EURO_BEFORE, _EURO_AFTER):
        for m in pattern.finditer(text):
            if _euros(m) not in allowlist.EUROS:
                found.append(f"euro amount: {m.group().strip()}")
    return found


_FIELD_NAME = re.compile(r"^\s*[-*]\s*(?:Name|Nimi|Namn)\s*:\s*(.+?)\s*$", re.MULTILINE)
_GIVEN = sorted({name.split()[0] for name in allowlist.PERSON_NAMES})
_GIVEN_THEN_SURNAME = re.compile(rf"\b({'|'.join(_GIVEN)})\s+([A-ZÅÄÖ][\w-]+)")


def _same_surname(written: str, listed: str) -> bool:
    """True when `written` is `listed` or a Finnish inflection of it (Järvisen, Lipsasen)."""
    shared = 0
    for a, b in zip(written, listed, strict=False):
        if a != b:
            break
        shared += 1
    return shared >= max(3, len(listed) - 3)


def unlisted_names(text: str) -> list[str]:
    """People named in `text` who are not on the allow-list.

    Catches a 'Name:' field with any unlisted name, and a listed given name followed by a surname
    that is not that person's (for example a wrong contact made up from a real first name).
    """
    found = [
        m.group(1) for m in _FIELD_NAME.finditer(text) if m.group(1) not in allowlist.PERSON_NAMES
    ]
    for m in _GIVEN_THEN_SURNAME.finditer(text):
        given, surname = m.groups()
        listed = [n.split(" ", 1)[1] for n in allowlist.PERSON_NAMES if n.split()[0] == given]
        if not any(_same_surname(surname, s) for s in listed):
            found.append(m.group())
    return found


def plain_text(markdown: str) -> str:
    """The text a reader sees: Markdown rendered and its tags dropped."""
    return BeautifulSoup(MarkdownIt().render(markdown), "html.parser").get_text(" ")


def _as_date(value: object) -> date:
    """YAML reads an unquoted date as a date and a quoted one as text; accept both, strictly ISO."""
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


# --- the tests --------------------------------------------------------------------------------

POSTS = {path: frontmatter.load(path) for path in FILES}
IDS = [post.metadata.get("id") for post in POSTS.values()]


def _rel(path: Path) -> str:
    return str(path.relative_to(CORPUS))


def test_corpus_has_documents_in_every_language() -> None:
    assert {p.parent.name for p in FILES} >= set(LANGS)


def test_ids_are_unique() -> None:
    duplicates = {i for i in IDS if IDS.count(i) > 1}
    assert not duplicates, f"duplicate ids: {duplicates}"


@pytest.mark.parametrize("path", FILES, ids=_rel)
def test_front_matter(path: Path) -> None:
    meta = POSTS[path].metadata
    assert isinstance(meta.get("id"), str) and meta["id"]
    assert isinstance(meta.get("title"), str) and meta["title"].strip()
    assert meta.get("lang") in LANGS
    assert path.parent.name == meta["lang"], "a document lives in the folder of its language"
    sources = meta.get("sources")
    assert isinstance(sources, list) and sources
    assert all(isinstance(s, str) and re.match(r"https?://\S+$", s) for s in sources), sources
    _as_date(meta.get("as_of"))
    if "translation_of" in meta:
        assert meta["translation_of"] in IDS, f"translation_of {meta['translation_of']!r} unknown"
        assert meta["translation_of"] != meta["id"]


@pytest.mark.parametrize("path", FILES, ids=_rel)
def test_text_is_in_its_language(path: Path) -> None:
    post = POSTS[path]
    assert detect_or(plain_text(post.content), fallback="none") == post.metadata["lang"]


@pytest.mark.parametrize("path", FILES, ids=_rel)
def test_contact_data_and_amounts_are_sourced(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert unsourced(text) == []


@pytest.mark.parametrize("path", FILES, ids=_rel)
def test_people_are_sourced(path: Path) -> None:
    assert unlisted_names(POSTS[path].content) == []


@pytest.mark.parametrize(
    "path", [p for p in FILES if POSTS[p].metadata.get("id", "").startswith("contacts-")], ids=_rel
)
def test_contacts_have_one_section_per_listed_person(path: Path) -> None:
    headings = re.findall(r"^## (.+)$", POSTS[path].content, re.MULTILINE)
    people = headings[1:]  # the first section is the overview
    assert people and set(people) <= allowlist.PERSON_NAMES
    assert len(people) == len(set(people))


def test_translations_keep_the_section_structure() -> None:
    """Parallel documents have as many sections as their original, so sections align."""
    by_id = {post.metadata.get("id"): post for post in POSTS.values()}
    for post in POSTS.values():
        original = by_id.get(post.metadata.get("translation_of"))
        if original is None:
            continue
        count = len(re.findall(r"^#{1,3} ", post.content, re.MULTILINE))
        expected = len(re.findall(r"^#{1,3} ", original.content, re.MULTILINE))
        assert count == expected, f"{post.metadata['id']}: {count} headings, original {expected}"


# --- the checker itself can fail -----------------------------------------------------------


def test_checker_flags_made_up_contact_data_and_amounts() -> None:
    made_up = (
        "Soita numeroon 040 123 4567 tai +358 40 765 4321. Hanke sai 3,2 milj. euroa, "
        "budget EUR 45 million, yhteensä 99 500 euroa ja 7 M€. Skriv till anna@example.fi. "
        "Address: [email protected]"
    )
    flagged = unsourced(made_up)
    assert "phone: 040 123 4567" in flagged
    assert "phone: +358 40 765 4321" in flagged
    assert "euro amount: 3,2 milj. euroa" in flagged
    assert "euro amount: EUR 45 million" in flagged
    assert "euro amount: 99 500 euroa" in flagged
    assert "euro amount: 7 M€" in flagged
    assert "e-mail: anna@example.fi" in flagged
    assert any(item.startswith("artefact:") for item in flagged)


def test_checker_passes_sourced_items_in_every_format() -> None:
    sourced = (
        "puh. 050 326 1620, tel. +358 50 326 1620; EUR 21.6 million; 21,6 milj. euroa; "
        "21,6 miljoner euro; ~EUR 140 M; 150 M€; EUR 128,810; 128 810 euroa; 2021–2027; 8 %; "
        "EURA 2021; 12.5.–12.6.2022"
    )
    assert unsourced(sourced) == []


def test_name_checker_flags_unlisted_people_but_not_inflections() -> None:
    assert unlisted_names("- Name: Maija Meikäläinen") == ["Maija Meikäläinen"]
    assert unlisted_names("Ota yhteyttä Jukka Virtaseen.") == ["Jukka Virtaseen"]
    assert unlisted_names("Jukka Järvisen ja Matti Lipsasen nimikkeet; - Nimi: Riina Niemi") == []
