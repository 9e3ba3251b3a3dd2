"""Language packs: what the engine knows about a language, as data rather than code.

One directory per language (its ISO 639-1 code) under `assistant/packs/` (and under any directory
of EXTRA_PACKS_DIRS), so a fourth language is a new directory, not a code edit. A pack holds
labelled example questions (`examples-<writer>.yaml`, one file per writer) per kind of question and
per kind of asker, the assistant's own words (`templates.yaml`: answer frames and UI strings) and
the language's words (`words.yaml`: its name for detection and stemming, function words, follow-up
pronouns and ordinals, the word patterns of the rule-based question analysis) and the web page's
words (`web.yaml`: labels and suggested questions; optional, key by key). See README.md there.
`calibration/` is not a language: it holds the fitted parameters per embedding model.

Pack files are read with a safe YAML loader that refuses anchors and aliases, and with a size bound,
so a pack can never make the process build huge structures or run code. Code asks the active
`PackSet` (`active()`) for a language's strings and words; it never names a language itself.
"""

from __future__ import annotations

import hashlib
import string
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from assistant import textregex

if TYPE_CHECKING:
    from assistant.settings import Settings

PACKS_DIR = Path(__file__).resolve().parent

# The label vocabularies the engine acts on. Kinds describe the FORM of the answer asked for.
KINDS: tuple[str, ...] = (
    "person",
    "amount",
    "date",
    "place",
    "procedure",
    "yesno",
    "list",
    "definition",
    "out_of_scope",
)
ASKERS: tuple[str, ...] = ("startup", "international_expert", "public_org", "none")

MAX_FILE_BYTES = 512 * 1024
MAX_TEXT_CHARS = 600
MAX_TEMPLATE_CHARS = 2000

# The strings code asks a pack for (templates.yaml), each with the placeholders it may fill in.
# Every pack must give every key: a missing one is an error naming the file and the key.
TEMPLATES: dict[str, frozenset[str]] = {
    key: frozenset(fields)
    for key, fields in {
        # answer frames (assistant/answer/messages.py)
        "refusal": (),
        "refusal_future": (),
        "refusal_offtopic": (),
        "related": (),
        "contact": (),
        "other_language": (),
        "next_step": (),
        "check_call": (),
        "as_of": (),
        "contact_person": ("name", "role", "organisation"),
        "contact_phone": ("phone",),
        # API and chat UI
        "privacy": ("days", "ttl"),
        "sources_heading": (),
        # LLM prompts, written in the answer's language (assistant/answer/llm.py)
        "llm_answer_rules": ("refusal",),
        "llm_passages_label": (),
        "llm_question_label": (),
        "llm_condense_rules": (),
        # the Telegram bot's own texts (bots/telegram/messages.py); q_*: what /contacts and
        # /focus ask the pipeline
        "bot_greeting": ("name", "ttl", "days"),
        "bot_help": (),
        "bot_choose_language": (),
        "bot_language_set": (),
        "bot_reset": (),
        "bot_text_only": (),
        "bot_rate_limited": (),
        "bot_apology": (),
        "bot_busy": (),
        "bot_feedback_thanks": (),
        "bot_feedback_unknown": (),
        "bot_empty_question": (),
        "bot_cmd_start": (),
        "bot_cmd_help": (),
        "bot_cmd_contacts": (),
        "bot_cmd_focus": (),
        "bot_cmd_lang": (),
        "bot_cmd_reset": (),
        "bot_q_contacts": (),
        "bot_q_focus": (),
    }.items()
}
# The web page's words (web.yaml; assistant/api/static/app.js shows them), each with the
# placeholders it may fill in. Optional per pack: a key a pack lacks is shown in the default
# language; `suggestions` is a list of example questions shown as buttons.
WEB: dict[str, frozenset[str]] = {
    key: frozenset(fields)
    for key, fields in {
        "title": (),
        "skip": (),
        "language": (),
        "auto": (),
        "notice": (),
        "suggestTitle": (),
        "questionLabel": (),
        "ask": (),
        "hint": (),
        "newChat": (),
        "privacyTitle": (),
        "privacy": ("days", "ttl"),
        "apiDocs": (),
        "you": (),
        "assistant": (),
        "sources": (),
        "asOf": ("date",),
        "openSource": (),
        "helpful": (),
        "notHelpful": (),
        "thanks": (),
        "feedbackFailed": (),
        "writing": (),
        "empty": (),
        "tooLong": ("max",),
        "failed": (),
        "rateLimited": ("s",),
        "refused": (),
    }.items()
}
MAX_SUGGESTIONS = 6
_ID_CHARS = frozenset(string.ascii_letters + string.digits + "_.:-")


def _is_lang_code(name: str) -> bool:
    """An ISO 639-1 (or -3) code: two or three lower-case ASCII letters."""
    return 2 <= len(name) <= 3 and all(ch in string.ascii_lowercase for ch in name)


def _is_examples_file(name: str) -> bool:
    writer = name.removeprefix("examples-").removesuffix(".yaml")
    return name.startswith("examples-") and name.endswith(".yaml") and bool(writer)


def _is_template_id(value: str) -> bool:
    return 1 <= len(value) <= 80 and set(value) <= _ID_CHARS


class PackError(ValueError):
    """A pack file that cannot be used; the message names the file and the item."""


@dataclass(frozen=True)
class Example:
    """One labelled example question."""

    text: str
    label: str
    template: str
    lang: str
    source: str  # file name, e.g. examples-a.yaml (the writer)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


_Fragment = Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS)]
_Phrase = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[^\n]+$")]
_Word = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[^\s|\\()\[\]{}]+$")]
ExpectKind = Literal["email", "phone", "time", "amount", "date"]
Persona = Literal["company", "expert", "public"]
OrdinalName = Literal["first", "second", "third", "fourth", "last"]
# The order the rules try them in (first match wins), and the position each ordinal names.
EXPECT_KINDS: tuple[str, ...] = ("email", "phone", "time", "amount", "date")
PERSONAS: tuple[str, ...] = ("company", "expert", "public")
ORDINALS: dict[str, int] = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}


class LanguageInfo(_Strict):
    """How libraries name the language: lingua for detection, Snowball for stemming."""

    name: Annotated[str, Field(min_length=1, max_length=40)]  # its own name ("suomi")
    lingua: Annotated[str, Field(pattern=r"^[A-Z_]{2,40}$")]  # lingua.Language member
    stemmer: Annotated[str, Field(pattern=r"^[a-z_]{2,40}$")]  # PyStemmer algorithm


class FollowUpWords(_Strict):
    """Whole words (no regex) that follow-up resolution looks for in a question or an answer."""

    person_pronouns: list[_Word] = []  # "her phone" takes the person the last answer named
    enumeration_leads: list[_Word] = []  # "X are A, B and C": the verb that opens a list
    conjunctions: list[_Word] = []  # the "and" before a list's last item


class GuardWords(_Strict):
    """Instructions addressed to a model, in documents and LLM replies (assistant/answer/guard.py).

    Regex fragments, matched case-insensitively; "{qualifiers}" in one stands for any run of every
    served pack's qualifier words ("ignore all previous instructions").
    """

    qualifiers: list[_Word] = []
    instructions: list[_Fragment] = []


QUALIFIERS = "{qualifiers}"


def qualifiers_group(words: Iterable[str]) -> str:
    """The regex a fragment's "{qualifiers}" becomes: any run of the words, each with its space."""
    return "(?:" + "|".join(f"{textregex.escape(w)} " for w in words) + ")*"


class SentenceWords(_Strict):
    """How the language's sentences are cut into answer units (assistant/answer/units.py)."""

    abbreviations: list[_Word] = []  # "t.ex." followed by a capital does not end a sentence
    lead_ins: list[_Phrase] = []  # "... as follows." announces a list: kept with what follows


class FactWords(_Strict):
    """Whole words that state a fact in evidence (assistant/understand/facts.py)."""

    numbers: list[_Word] = []  # cardinal numbers written out, two and up ("three", "kolme", "tre")


class FunctionWords(_Strict):
    """Whole words that carry no topic: left out of a question's content terms."""

    stop: list[_Word] = []  # question and function words ("what", "kuka", "vad")
    copulas: list[_Word] = []  # "X is ...": what comes before names the thing defined


class Patterns(_Strict):
    """Regex fragments of the rule-based question analysis (assistant/answer/analysis.py).

    Matched case-insensitively anywhere in a question; every pack's fragments are joined, so a
    question is analysed by all languages' words at once (as the rules always did).
    """

    expects: dict[ExpectKind, list[_Fragment]] = {}
    meta: list[_Fragment] = []
    future: list[_Fragment] = []
    injection: list[_Fragment] = []
    personas: dict[Persona, list[_Fragment]] = {}
    funding: list[_Fragment] = []
    follow_up: list[_Fragment] = []
    ordinals: dict[OrdinalName, list[_Fragment]] = {}


class Words(_Strict):
    """words.yaml: what code knows about the language's words."""

    language: LanguageInfo
    follow_up: FollowUpWords = FollowUpWords()
    function_words: FunctionWords = FunctionWords()
    facts: FactWords = FactWords()
    sentences: SentenceWords = SentenceWords()
    guard: GuardWords = GuardWords()
    patterns: Patterns = Patterns()


class WebStrings(_Strict):
    """web.yaml: the page's labels (keys of WEB, a subset) and its suggested questions."""

    labels: dict[str, Annotated[str, Field(min_length=1, max_length=MAX_TEMPLATE_CHARS)]]
    suggestions: list[Annotated[str, Field(min_length=1, max_length=200)]]


_TEMPLATES_SHAPE = TypeAdapter(
    dict[str, Annotated[str, Field(min_length=1, max_length=MAX_TEMPLATE_CHARS)]]
)


@dataclass
class Pack:
    """Everything one language's directory holds (templates and words: None when absent)."""

    lang: str
    path: Path
    kinds: list[Example] = field(default_factory=list)
    askers: list[Example] = field(default_factory=list)
    templates: dict[str, str] | None = None
    words: Words | None = None
    web: WebStrings | None = None


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without anchors and aliases (no exponential 'billion laughs' documents)."""

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise PackError(f"line {event.start_mark.line + 1}: YAML aliases are not allowed")
        node = super().compose_node(parent, index)
        if getattr(node, "anchor", None):
            raise PackError(f"line {node.start_mark.line + 1}: YAML anchors are not allowed")
        return node


def _read_yaml(path: Path) -> object:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise PackError(f"{path}: {size} bytes, more than a pack file may have ({MAX_FILE_BYTES})")
    try:
        text = path.read_text(encoding="utf-8")
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except PackError as exc:
        raise PackError(f"{path}: {exc}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise PackError(f"{path}: not valid UTF-8 YAML: {exc}") from None


def _examples(
    section: object, labels: tuple[str, ...], where: str, lang: str, source: str
) -> list[Example]:
    if section is None:
        return []
    if not isinstance(section, dict):
        raise PackError(f"{where}: expected a mapping of label -> list of examples")
    out: list[Example] = []
    for label, items in section.items():
        if label not in labels:
            raise PackError(f"{where}: unknown label {label!r} (known: {', '.join(labels)})")
        if items is None:
            continue
        if not isinstance(items, list):
            raise PackError(f"{where}.{label}: expected a list of examples")
        for i, item in enumerate(items):
            at = f"{where}.{label}[{i}]"
            if not isinstance(item, dict) or set(item) - {"text", "template"}:
                raise PackError(f"{at}: expected {{text: ..., template: ...}}")
            text, template = item.get("text"), item.get("template")
            if not isinstance(text, str) or not text.strip():
                raise PackError(f"{at}: text must be a non-empty string")
            if len(text) > MAX_TEXT_CHARS:
                raise PackError(f"{at}: text longer than {MAX_TEXT_CHARS} characters")
            if not isinstance(template, str) or not _is_template_id(template):
                raise PackError(f"{at}: template must be an id of letters, digits and -_.:")
            out.append(Example(text.strip(), str(label), template, lang, source))
    return out


def _where(error: dict[str, Any]) -> str:
    return ".".join(str(part) for part in error["loc"]) or "(top level)"


def _load_templates(file: Path) -> dict[str, str]:
    """templates.yaml: every key of TEMPLATES, each a string with only its own placeholders."""
    data = _read_yaml(file)
    try:
        templates = _TEMPLATES_SHAPE.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise PackError(f"{file}: key {_where(first)}: {first['msg']}") from None
    for key in TEMPLATES:
        if key not in templates:
            raise PackError(f"{file}: missing key {key!r}")
    for key, text in templates.items():
        if key not in TEMPLATES:
            raise PackError(f"{file}: unknown key {key!r} (known: {', '.join(TEMPLATES)})")
        _placeholders(file, key, text, TEMPLATES[key])
    return templates


def _placeholders(file: Path, key: str, text: str, allowed: frozenset[str]) -> None:
    """A string may hold only its key's own {placeholders}: else a PackError naming both."""
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise PackError(f"{file}: key {key!r}: {exc}") from None
    if fields - allowed:
        names = ", ".join(sorted(allowed)) or "none"
        raise PackError(
            f"{file}: key {key!r}: placeholders {sorted(fields - allowed)} (allowed: {names})"
        )


def _load_web(file: Path) -> WebStrings:
    """web.yaml: known keys only, each with its own placeholders; up to MAX_SUGGESTIONS."""
    data = _read_yaml(file)
    if not isinstance(data, dict):
        raise PackError(f"{file}: expected a mapping of key -> text")
    data = dict(data)
    suggestions = data.pop("suggestions", [])
    if not isinstance(suggestions, list) or len(suggestions) > MAX_SUGGESTIONS:
        raise PackError(f"{file}: key 'suggestions': a list of at most {MAX_SUGGESTIONS} questions")
    for key in data:
        if key not in WEB:
            raise PackError(f"{file}: unknown key {key!r} (known: {', '.join(WEB)}, suggestions)")
    try:
        web = WebStrings.model_validate({"labels": data, "suggestions": suggestions})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise PackError(f"{file}: key {_where(first)}: {first['msg']}") from None
    for key, text in web.labels.items():
        _placeholders(file, key, text, WEB[key])
    return web


def _fragments(words: Words) -> dict[str, list[str]]:
    """Every regex fragment of words.yaml, by its key ("patterns.expects.date")."""
    p = words.patterns
    sections: dict[str, list[str]] = {
        "meta": p.meta,
        "future": p.future,
        "injection": p.injection,
        "funding": p.funding,
        "follow_up": p.follow_up,
    }
    for name, group in (("expects", p.expects), ("personas", p.personas), ("ordinals", p.ordinals)):
        sections.update({f"{name}.{key}": items for key, items in group.items()})
    out = {f"patterns.{key}": items for key, items in sections.items()}
    own = qualifiers_group(words.guard.qualifiers)
    out["guard.instructions"] = [f.replace(QUALIFIERS, own) for f in words.guard.instructions]
    return out


def _load_words(file: Path) -> Words:
    """words.yaml, its shape checked, its library names known, every regex fragment compiled."""
    import Stemmer
    from lingua import Language

    data = _read_yaml(file)
    try:
        words = Words.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise PackError(f"{file}: key {_where(first)}: {first['msg']}") from None
    if not hasattr(Language, words.language.lingua):
        raise PackError(f"{file}: key language.lingua: lingua knows no {words.language.lingua!r}")
    if words.language.stemmer not in Stemmer.algorithms():
        raise PackError(f"{file}: key language.stemmer: no Snowball {words.language.stemmer!r}")
    for key, fragments in _fragments(words).items():
        for i, fragment in enumerate(fragments):
            try:
                textregex.compile(fragment, textregex.IGNORECASE)
            except Exception as exc:  # the regex module's own error type
                raise PackError(f"{file}: key {key}[{i}]: not a pattern: {exc}") from None
    return words


def load_pack(path: Path) -> Pack:
    """Read and validate one language directory (its name is the language code)."""
    path = Path(path)
    lang = path.name
    if not _is_lang_code(lang):
        raise PackError(f"{path}: a pack directory is named by its language code (e.g. 'de')")
    pack = Pack(lang=lang, path=path)
    seen: dict[str, str] = {}
    for file in sorted(path.iterdir()):
        if not _is_examples_file(file.name):
            continue
        data = _read_yaml(file)
        if not isinstance(data, dict) or set(data) - {"kinds", "askers"}:
            raise PackError(f"{file}: expected top-level keys 'kinds' and/or 'askers'")
        kinds = _examples(data.get("kinds"), KINDS, f"{file}: kinds", lang, file.name)
        askers = _examples(data.get("askers"), ASKERS, f"{file}: askers", lang, file.name)
        for ex in kinds + askers:
            section = "kinds" if ex.label in KINDS else "askers"
            key = f"{section}:{ex.text.casefold()}"
            if key in seen and seen[key] != ex.label:
                raise PackError(f"{file}: {ex.text!r} is labelled both {seen[key]} and {ex.label}")
            seen[key] = ex.label
        pack.kinds.extend(kinds)
        pack.askers.extend(askers)
    if not pack.kinds and not pack.askers:
        raise PackError(f"{path}: no examples-*.yaml with examples")
    if (file := path / "templates.yaml").exists():
        pack.templates = _load_templates(file)
    if (file := path / "words.yaml").exists():
        pack.words = _load_words(file)
    if (file := path / "web.yaml").exists():
        pack.web = _load_web(file)
    return pack


def discover(root: Path = PACKS_DIR) -> list[str]:
    """Language codes of the packs under root: every directory named like one with examples."""
    root = Path(root)
    return sorted(
        d.name
        for d in root.iterdir()
        if d.is_dir() and _is_lang_code(d.name) and any(d.glob("examples-*.yaml"))
    )


def load_packs(root: Path = PACKS_DIR) -> dict[str, Pack]:
    """Every pack under root, by language code, in sorted order."""
    root = Path(root)
    return {lang: load_pack(root / lang) for lang in discover(root)}


def digest(packs: dict[str, Pack]) -> str:
    """A hash of every example and label, so fitted parameters know which packs they came from."""
    h = hashlib.sha256()
    for lang in sorted(packs):
        for ex in sorted(
            packs[lang].kinds + packs[lang].askers, key=lambda e: (e.label, e.template, e.text)
        ):
            h.update(f"{lang}\t{ex.label}\t{ex.template}\t{ex.text}\n".encode())
    return h.hexdigest()


# ----- the packs a process serves ----------------------------------------------------------------

T = TypeVar("T")


@dataclass(eq=False)  # one set is one deployment's: compared and hashed by identity (caches)
class PackSet:
    """The languages a deployment serves: one complete pack each, plus the default language."""

    packs: dict[str, Pack]
    default: str
    _derived: dict[str, Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.packs)

    def served(self, lang: str | None) -> str:
        """The language itself when a pack serves it, else the default language."""
        return lang if lang in self.packs else self.default

    def say(self, key: str, lang: str | None) -> str:
        """A template string in the language (the default language's when none serves it)."""
        templates = self.packs[self.served(lang)].templates
        assert templates is not None  # complete packs only (see `_complete`)
        return templates[key]

    def words(self, lang: str | None) -> Words:
        """words.yaml of the language (the default language's when none serves it)."""
        words = self.packs[self.served(lang)].words
        assert words is not None
        return words

    def web(self, lang: str) -> dict[str, str | list[str]]:
        """The page's labels in the language, each key the pack lacks in the default language's
        words (an empty mapping when neither has web.yaml), plus its suggested questions."""
        default = self.packs[self.default].web
        own = self.packs[self.served(lang)].web
        labels = {**(default.labels if default else {}), **(own.labels if own else {})}
        chosen = own if own and own.suggestions else default
        return {**labels, "suggestions": list(chosen.suggestions) if chosen else []}

    def all_words(self) -> Iterator[Words]:
        """Every served language's words, in language order."""
        for lang in self.packs:
            yield self.words(lang)

    def derived(self, key: str, build: Callable[[PackSet], T]) -> T:
        """Something built from the packs once (a joined pattern, a detector), kept with them."""
        with self._lock:
            if key not in self._derived:
                self._derived[key] = build(self)
            return self._derived[key]


def _complete(pack: Pack) -> Pack:
    for name, part in (("templates.yaml", pack.templates), ("words.yaml", pack.words)):
        if part is None:
            raise PackError(f"{pack.path / name}: missing (a served language needs one)")
    return pack


@lru_cache(maxsize=8)
def _pack_set(roots: tuple[Path, ...], default: str) -> PackSet:
    packs: dict[str, Pack] = {}
    for root in roots:
        for lang in discover(root):
            if lang in packs:
                raise PackError(f"{root / lang}: language {lang!r} already in {packs[lang].path}")
            packs[lang] = _complete(load_pack(root / lang))
    if default not in packs:
        raise PackError(f"default language {default!r} has no pack in {', '.join(map(str, roots))}")
    return PackSet(dict(sorted(packs.items())), default)


def pack_set(roots: Iterable[Path] = (PACKS_DIR,), default: str = "en") -> PackSet:
    """The packs under these directories (loaded once per process and argument list)."""
    return _pack_set(tuple(Path(r).resolve() for r in roots), default)


def roots_of(settings: Settings) -> list[Path]:
    """The shipped packs, then EXTRA_PACKS_DIRS."""
    return [PACKS_DIR, *settings.extra_packs_dirs]


_ACTIVE: PackSet | None = None


def use(packs: PackSet) -> PackSet:
    """Make `packs` the set every language lookup answers from (returns it)."""
    global _ACTIVE
    _ACTIVE = packs
    return packs


def use_settings(settings: Settings) -> PackSet:
    """Serve the packs the settings name; done by whatever the settings start (API, ingest)."""
    return use(pack_set(roots_of(settings), settings.default_language))


def active() -> PackSet:
    """The packs in use: those of the process settings until something chose others."""
    if _ACTIVE is None:
        from assistant.settings import get_settings

        return use_settings(get_settings())
    return _ACTIVE


class _ServedLanguages(Sequence[str]):
    """The served language codes, read from the active packs each time (`in`, iteration)."""

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        return active().languages[index]

    def __len__(self) -> int:
        return len(active().languages)

    def __contains__(self, value: object) -> bool:
        return value in active().packs

    def __repr__(self) -> str:
        return repr(active().languages)


LANGUAGES: Sequence[str] = _ServedLanguages()


def _probe_fragments(text: str) -> None:
    """Every fragment of every shipped words.yaml over hostile text (test_textregex.py)."""
    for lang in discover():
        words = _load_words(PACKS_DIR / lang / "words.yaml")
        for fragments in _fragments(words).values():
            for fragment in fragments:
                textregex.compile(fragment, textregex.IGNORECASE).search(text)


textregex.register_text_function("assistant.packs.words_fragments", _probe_fragments)
