"""One door for regular expressions over untrusted text (assistant/textregex.py), proven three ways.

1. An AST scan: no module in assistant/, ingest/, bots/ or evals/ uses `re`, `regex` or `re2`
   except through the wrapper, bar an explicit allow-list of patterns over trusted, bounded text.
2. The wrapper's fuse works: a catastrophic pattern raises `RegexTimeout` instead of hanging.
3. Hypothesis feeds 100 KB pathological strings (whitespace runs, repeated punctuation, one huge
   token, a mix) to every registered text function; none may trip the fuse. The generous pytest
   timeout only catches a hang; there are no timing asserts.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assistant import textregex
from tests.conftest import ROOT

PACKAGES = ("assistant", "ingest", "bots", "evals")
WRAPPER = Path("assistant/textregex.py")
REGEX_MODULES = {"re", "regex", "re2", "sre_compile"}

# (file, the pattern's literal text) -> why it may use `re` directly. Keep this list short.
ALLOWED: dict[tuple[str, str], str] = {
    ("assistant/store/__init__.py", "[^A-Za-z0-9._-]+"): (
        "the Chroma collection name, built from COLLECTION_PREFIX and the embedder's name "
        "(settings, never user or document text)"
    ),
}


def _sources() -> list[Path]:
    files = []
    for package in PACKAGES:
        files += sorted((ROOT / package).rglob("*.py"))
    return [f for f in files if f.relative_to(ROOT) != WRAPPER]


def _direct_regex_uses(path: Path) -> list[tuple[int, str]]:
    """(line, pattern literal or '?') of every use of a regex module other than the wrapper."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases: set[str] = set()  # names bound to a regex module
    functions: set[str] = set()  # names imported from one (from re import sub)
    uses: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in REGEX_MODULES:
                    aliases.add(alias.asname or alias.name)
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.split(".")[0] in REGEX_MODULES
        ):
            for alias in node.names:
                functions.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        through_module = (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in aliases
        )
        imported = isinstance(func, ast.Name) and func.id in functions
        if through_module or imported:
            first = node.args[0] if node.args else None
            literal = first.value if isinstance(first, ast.Constant) else "?"
            uses.append((node.lineno, str(literal)))
    # An imported regex module that is only passed around (never called) is a use too.
    if (aliases or functions) and not uses:
        uses.append((0, "?"))
    return uses


def test_no_pattern_bypasses_the_wrapper():
    offending = []
    for path in _sources():
        rel = str(path.relative_to(ROOT))
        for line, literal in _direct_regex_uses(path):
            if (rel, literal) not in ALLOWED:
                offending.append(f"{rel}:{line} {literal!r}")
    assert not offending, (
        "compile these through assistant.textregex (or allow-list a trusted, bounded one with "
        "its reason):\n" + "\n".join(offending)
    )


def test_the_scan_finds_direct_uses(tmp_path):
    """The scanner itself can fail: every spelling of a direct use is caught."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import re\nimport regex as rx\nfrom re import sub as s\n"
        "A = re.compile(r'\\s*x')\nB = rx.search('y', t)\nC = s('z', '', t)\n"
        "D = re.findall(PATTERN, t)\n"
    )
    found = _direct_regex_uses(sample)
    assert [lit for _, lit in found] == ["\\s*x", "y", "z", "?"]
    quiet = tmp_path / "quiet.py"
    quiet.write_text("import re\nFLAGS = re.IGNORECASE\n")
    assert _direct_regex_uses(quiet) == [(0, "?")]


def test_every_allow_listed_use_exists_and_has_a_reason():
    present = {
        (str(p.relative_to(ROOT)), lit) for p in _sources() for _, lit in _direct_regex_uses(p)
    }
    for key, reason in ALLOWED.items():
        assert key in present, f"stale allow-list entry {key}"
        assert len(reason) > 20


def test_the_fuse_stops_a_catastrophic_pattern(monkeypatch):
    monkeypatch.setattr(textregex, "TIMEOUT_S", 0.05)
    with pytest.raises(textregex.RegexTimeout):
        textregex.compile(r"(x+x+)+y").search("x" * 5000)
    # the same call on an input it handles is unaffected
    assert textregex.compile(r"(x+x+)+y").search("xxy")


def test_the_wrapper_keeps_re_semantics():
    rx = textregex.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ])")
    assert rx.split("Hei. Mitä kuuluu? Öljy on. ok") == ["Hei.", "Mitä kuuluu?", "Öljy on. ok"]
    assert textregex.findall(r"[^\W_]+", "Tampereen_ekosysteemi åäö 12") == [
        "Tampereen",
        "ekosysteemi",
        "åäö",
        "12",
    ]
    assert textregex.sub(r"(?<!\s)\s*\[\d+\]", "", "a  [1] b[2]") == "a b"
    assert [m.group() for m in textregex.compile(r"\d+").finditer("1 22 333")] == ["1", "22", "333"]


# ----- the registry and the pathological inputs ----------------------------------------------


def _modules_using_the_wrapper() -> list[str]:
    names = []
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        if "textregex" in text:
            names.append(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return [n.removesuffix(".__init__") for n in names]


def _registry() -> dict:
    for name in _modules_using_the_wrapper():
        importlib.import_module(name)
    return textregex.TEXT_FUNCTIONS


def test_every_module_using_the_wrapper_registers_its_text_functions():
    registry = _registry()
    for module in _modules_using_the_wrapper():
        assert any(name.startswith(module + ".") for name in registry), (
            f"{module} runs patterns over text but registers no text function"
        )


SIZE = 100_000
_WHITESPACE = st.sampled_from([" ", "\t", "\n", "\u00a0", " \n", "\n \n", "\r\n"])
_PUNCT = st.sampled_from(
    list(".,;:!?-*#[]()\"'«»„“”‘’@/…|+") + [". ", "[1]", "- ", "1. ", "a@", ":\n", "## ", ", "]
)
_TOKEN = st.sampled_from(["a", "A", "Aa", "x1", "ä", "Ö", "Aa-", "e-mail", "2021", "0", "_"])
# What the rules look for around a run: lead-ins, names, citations, list marks, headings, quotes.
_FRAGMENT = st.sampled_from(
    [
        "",
        "x",
        "Hei",
        "Jaana Niittyniemi",
        "The priorities are: a,",
        "Painopisteet ovat: a",
        "a, b",
        " and ",
        " ja ",
        ":",
        "[1]",
        "- item",
        "1. ",
        "# Heading",
        "a@b",
        "word.",
        "...",
        "«",
        "„",
        "‘",
        "2021",
        "puh. 050",
        "klo 9.00",
    ]
)


def _fill(unit: str, size: int = SIZE) -> str:
    return (unit * (size // max(len(unit), 1) + 1))[:size]


def _around(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A 100 KB run with fragments before and after it, as it would sit inside real text."""
    return st.tuples(_FRAGMENT, strategy, _FRAGMENT).map(
        lambda t: f"{t[0]}{_fill(t[1], SIZE - len(t[0]) - len(t[2]))}{t[2]}"
    )


def _mixed() -> st.SearchStrategy[str]:
    piece = st.one_of(_WHITESPACE, _PUNCT, _TOKEN, _FRAGMENT.filter(bool))
    return st.lists(st.tuples(piece, st.integers(1, 20_000)), min_size=2, max_size=8).map(
        lambda parts: "".join(_fill(p, n) for p, n in parts)[:SIZE]
    )


# whitespace runs, repeated punctuation, one huge token, and a mix of them
PATHOLOGICAL = st.one_of(_around(_WHITESPACE), _around(_PUNCT), _around(_TOKEN), _mixed())


@pytest.mark.timeout(900)
@pytest.mark.parametrize("name", sorted(_registry()))
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(text=PATHOLOGICAL)
# The contexts that made the old patterns quadratic, always tried (hypothesis adds random ones).
@example(text="Jaana" + " " * SIZE + "x")  # \s*\[\d+\] restarted in the run
@example(text="Painopisteet ovat: a" + " " * SIZE + "x")  # \s+(?:and|ja)\s+ restarted in the run
@example(text="x" + "\n" * SIZE)  # ^\s*... crossed every blank line
@example(text="# a" + " " * SIZE + "b")  # (.*?)\s*#*\s*$ retried at every space
@example(text="a" + " " * SIZE + "b")  # \s*(?:\.\.\.|…)$ restarted in the run
@example(text="a" * SIZE)  # [\w.+-]+@ and \S+@ restarted inside one token
@example(text="A" * SIZE)  # [A-Z][\w-]+ [A-Z] restarted inside one token
@example(text="«" * SIZE)
@example(text="„" * SIZE)
@example(text="‘" * SIZE)
def test_registered_text_functions_survive_pathological_text(name, text):
    probe = textregex.TEXT_FUNCTIONS[name]
    try:
        probe(text)
    except textregex.RegexTimeout as exc:  # the fuse fired: a pattern is not linear on this
        pytest.fail(f"{name}: {exc} on a {len(text)}-character input starting {text[:40]!r}")
