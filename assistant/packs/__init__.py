"""Language packs: what the engine knows about a language, as data rather than code.

One directory per language (its ISO 639-1 code) under `assistant/packs/`, so a fourth language is a
new directory, not a code edit. Today a pack holds labelled example questions
(`examples-<writer>.yaml`, one file per writer): per kind of question (the form of the answer asked
for) and per kind of asker. Answer templates and UI strings will follow in `templates.yaml` in the
same directory (see README.md there). `calibration/` is not a language: it holds the fitted
parameters per embedding model (`assistant calibrate`).

Pack files are read with a safe YAML loader that refuses anchors and aliases, and with a size bound,
so a pack can never make the process build huge structures or run code.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass, field
from pathlib import Path

import yaml

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


@dataclass
class Pack:
    """Everything one language's directory holds."""

    lang: str
    path: Path
    kinds: list[Example] = field(default_factory=list)
    askers: list[Example] = field(default_factory=list)


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
