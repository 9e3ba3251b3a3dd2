"""Language packs: discovery, validation, and what the shipped packs must hold."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest

from assistant.packs import (
    ASKERS,
    KINDS,
    MAX_FILE_BYTES,
    PACKS_DIR,
    PackError,
    digest,
    discover,
    load_pack,
    load_packs,
)

SHIPPED = load_packs()


def _write(root: Path, lang: str, text: str, name: str = "examples-a.yaml") -> Path:
    (root / lang).mkdir(parents=True, exist_ok=True)
    path = root / lang / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_languages_are_discovered_from_directories() -> None:
    assert discover() == ["en", "fi", "sv"]
    assert not (PACKS_DIR / "calibration" / "examples-a.yaml").exists()


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_shipped_pack_has_enough_examples_per_kind_from_two_writers(lang: str) -> None:
    pack = SHIPPED[lang]
    per_kind = Counter(e.label for e in pack.kinds)
    writers: dict[str, set[str]] = defaultdict(set)
    for e in pack.kinds + pack.askers:
        writers[e.label].add(e.source)
    for kind in KINDS:
        assert per_kind[kind] >= 25, kind
        assert len(writers[kind]) >= 2, kind
    for asker in ASKERS:
        assert sum(e.label == asker for e in pack.askers) >= 10, asker
        assert len(writers[asker]) >= 2, asker


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_shipped_templates_name_their_writer_and_stay_in_one_language(lang: str) -> None:
    for e in SHIPPED[lang].kinds + SHIPPED[lang].askers:
        writer = e.source.removeprefix("examples-").removesuffix(".yaml")
        assert e.template.startswith(f"{writer}-{lang}-"), e.template


def test_digest_changes_with_any_example(tmp_path: Path) -> None:
    _write(tmp_path, "de", 'kinds:\n  date:\n    - {text: "Wann?", template: t1}\n')
    before = digest(load_packs(tmp_path))
    _write(tmp_path, "de", 'kinds:\n  date:\n    - {text: "Wann genau?", template: t1}\n')
    assert digest(load_packs(tmp_path)) != before


def test_a_new_directory_is_a_new_language(tmp_path: Path) -> None:
    _write(tmp_path, "de", 'kinds:\n  person:\n    - {text: "Wen rufe ich an?", template: t1}\n')
    _write(tmp_path, "nb", 'askers:\n  startup:\n    - {text: "Vi er en oppstart.", template: t}\n')
    (tmp_path / "calibration").mkdir()
    (tmp_path / "notes").mkdir()
    packs = load_packs(tmp_path)
    assert list(packs) == ["de", "nb"]
    assert packs["de"].kinds[0].label == "person"
    assert packs["de"].kinds[0].lang == "de"
    assert packs["nb"].askers[0].label == "startup"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('kinds:\n  weather:\n    - {text: "Rain?", template: t}\n', "unknown label"),
        ('askers:\n  robot:\n    - {text: "Beep", template: t}\n', "unknown label"),
        ('kinds:\n  date:\n    - {text: "When?"}\n', "template"),
        ('kinds:\n  date:\n    - {text: "", template: t}\n', "non-empty"),
        ('kinds:\n  date:\n    - {text: "When?", template: "bad id!"}\n', "template"),
        ('kinds:\n  date:\n    - {text: "When?", template: t, extra: 1}\n', "expected"),
        ("kinds:\n  date: when\n", "list"),
        ("- just\n- a list\n", "top-level"),
        ("topics:\n  date: []\n", "top-level"),
        ('kinds:\n  date:\n    - {text: "When?", template: t\n', "YAML"),
        (
            'kinds:\n  date:\n    - &x {text: "When?", template: t}\n    - *x\n',
            "not allowed",
        ),
        ('kinds:\n  date:\n    - {text: !!python/name:os.system "", template: t}\n', "YAML"),
        (
            'kinds:\n  date:\n    - {text: "Q?", template: t}\n'
            '  person:\n    - {text: "q?", template: t}\n',
            "labelled both",
        ),
    ],
)
def test_invalid_pack_files_are_rejected_with_the_file_named(
    tmp_path: Path, content: str, problem: str
) -> None:
    path = _write(tmp_path, "de", content)
    with pytest.raises(PackError, match=problem) as err:
        load_pack(tmp_path / "de")
    assert str(path) in str(err.value)


def test_oversized_pack_file_is_rejected(tmp_path: Path) -> None:
    _write(tmp_path, "de", "# " + "x" * MAX_FILE_BYTES + "\n")
    with pytest.raises(PackError, match="bytes"):
        load_pack(tmp_path / "de")


def test_overlong_example_is_rejected(tmp_path: Path) -> None:
    _write(tmp_path, "de", f'kinds:\n  date:\n    - {{text: "{"Wann " * 200}", template: t}}\n')
    with pytest.raises(PackError, match="longer"):
        load_pack(tmp_path / "de")


def test_pack_directory_must_be_named_by_a_language_code(tmp_path: Path) -> None:
    _write(tmp_path, "German", 'kinds:\n  date:\n    - {text: "Wann?", template: t}\n')
    assert discover(tmp_path) == []
    with pytest.raises(PackError, match="language code"):
        load_pack(tmp_path / "German")


def test_empty_pack_is_rejected(tmp_path: Path) -> None:
    _write(tmp_path, "de", "kinds: {}\n")
    with pytest.raises(PackError, match="no examples"):
        load_pack(tmp_path / "de")
