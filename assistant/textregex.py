"""The one door for regular expressions over user or document text.

Every pattern that sees a question, a history message, an answer, an LLM reply or a document is
compiled here, never with `re` directly (tests/assistant/test_textregex.py scans the packages
for any other use). Two guards:

- the `regex` engine runs each call with a timeout (`TIMEOUT_S`) and releases the GIL while it
  matches (`concurrent=True`), so a pattern that turns out slow on some input fails that one
  request with `RegexTimeout` instead of freezing the process (the event loop, /healthz, every
  other answer and the Telegram bot share the GIL);
- the patterns themselves are written to be linear (no `\\s*X` that can restart inside a
  whitespace run, no greedy token run that can restart inside the same token).

google-re2 would make linearity a guarantee, but it has no look-around and its `\\w`/`\\b` are
ASCII-only, which the Finnish and Swedish rules need; so `regex` with a timeout it is.

Functions that run these patterns over text register themselves with `text_function` (or
`register_text_function` for methods), so a property test can feed each one pathological input.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from typing import Any

import regex as _regex

log = logging.getLogger(__name__)

# Linear patterns take milliseconds on the largest text they can see (a 20,000-character message,
# a document's extracted text); one second per call is a fuse, not a budget.
TIMEOUT_S = 1.0

IGNORECASE = _regex.IGNORECASE
I = IGNORECASE  # noqa: E741  (the `re` spelling, so patterns read the same)
MULTILINE = _regex.MULTILINE
DOTALL = _regex.DOTALL
UNICODE = _regex.UNICODE
VERBOSE = _regex.VERBOSE
ASCII = _regex.ASCII

escape = _regex.escape
Match = _regex.Match


class RegexTimeout(TimeoutError):
    """A pattern ran past TIMEOUT_S on one input; that input's request fails, nothing else."""


class Pattern:
    """A compiled pattern whose every call carries the timeout and releases the GIL."""

    __slots__ = ("_rx",)

    def __init__(self, pattern: str, flags: int = 0) -> None:
        # V0: the `re` module's semantics (split on empty matches, flags), which the rules assume.
        self._rx = _regex.compile(pattern, flags | _regex.V0)

    @property
    def pattern(self) -> str:
        return self._rx.pattern

    @property
    def flags(self) -> int:
        return self._rx.flags

    def __repr__(self) -> str:
        return f"textregex.Pattern({self.pattern!r})"

    def _run(self, method: Callable[..., Any], text: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(text, *args, timeout=TIMEOUT_S, concurrent=True, **kwargs)
        except TimeoutError as exc:
            log.warning(
                "regex timeout after %.1f s: pattern %.80r on %d characters",
                TIMEOUT_S,
                self.pattern,
                len(text),
            )
            raise RegexTimeout(f"pattern {self.pattern[:80]!r} on {len(text)} chars") from exc

    def search(self, text: str, pos: int = 0) -> Match | None:
        return self._run(self._rx.search, text, pos)

    def match(self, text: str, pos: int = 0) -> Match | None:
        return self._run(self._rx.match, text, pos)

    def fullmatch(self, text: str, pos: int = 0) -> Match | None:
        return self._run(self._rx.fullmatch, text, pos)

    def findall(self, text: str, pos: int = 0) -> list[Any]:
        return self._run(self._rx.findall, text, pos)

    def finditer(self, text: str, pos: int = 0) -> Iterator[Match]:
        # The scanner is created here; the timeout covers the whole iteration (regex's rule).
        iterator = self._run(self._rx.finditer, text, pos)
        while True:
            try:
                yield next(iterator)
            except StopIteration:
                return
            except TimeoutError as exc:
                raise RegexTimeout(f"pattern {self.pattern[:80]!r} on {len(text)} chars") from exc

    def split(self, text: str, maxsplit: int = 0) -> list[str]:
        return self._run(self._rx.split, text, maxsplit)

    def sub(self, repl: str | Callable[[Match], str], text: str, count: int = 0) -> str:
        return self._run(lambda t, **kw: self._rx.sub(repl, t, count, **kw), text)

    def subn(self, repl: str | Callable[[Match], str], text: str, count: int = 0) -> tuple:
        return self._run(lambda t, **kw: self._rx.subn(repl, t, count, **kw), text)


@functools.lru_cache(maxsize=256)
def compile(pattern: str, flags: int = 0) -> Pattern:  # noqa: A001  (the `re` name, on purpose)
    """The guarded pattern (cached, like `re.compile`)."""
    return Pattern(pattern, flags)


def search(pattern: str, text: str, flags: int = 0) -> Match | None:
    return compile(pattern, flags).search(text)


def match(pattern: str, text: str, flags: int = 0) -> Match | None:
    return compile(pattern, flags).match(text)


def fullmatch(pattern: str, text: str, flags: int = 0) -> Match | None:
    return compile(pattern, flags).fullmatch(text)


def findall(pattern: str, text: str, flags: int = 0) -> list[Any]:
    return compile(pattern, flags).findall(text)


def split(pattern: str, text: str, maxsplit: int = 0, flags: int = 0) -> list[str]:
    return compile(pattern, flags).split(text, maxsplit)


def sub(pattern: str, repl: str | Callable[[Match], str], text: str, flags: int = 0) -> str:
    return compile(pattern, flags).sub(repl, text)


# ----- the registry of functions over untrusted text ------------------------------------------
# name -> a callable taking one text; tests feed each one pathological strings (100 KB runs).
TEXT_FUNCTIONS: dict[str, Callable[[str], object]] = {}


def register_text_function(name: str, probe: Callable[[str], object]) -> None:
    """Register `probe(text)`: a typical call of a function that runs patterns over `text`."""
    TEXT_FUNCTIONS[name] = probe


def text_function(*args: Any, **kwargs: Any) -> Callable[[Callable], Callable]:
    """Decorator: the function takes the untrusted text first; `args`/`kwargs` complete a call."""

    def register(fn: Callable) -> Callable:
        name = f"{fn.__module__}.{fn.__qualname__}"
        register_text_function(name, lambda text: fn(text, *args, **kwargs))
        return fn

    return register
