"""BM25 over the live chunks, with per-language stemming (PyStemmer).

bm25s's own tokenizer drops one-character tokens (the "8" of "8 %") and knows only English
stopwords, so texts are tokenised here and bm25s does the scoring. A query leaves out its
language's function words (the pack's words.yaml, function_words.stop): one index holds every
language, so a Swedish "eller" is rare across it and would weigh as much as a topic word.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from assistant import packs, textregex
from assistant.schema import Chunk

_TOKEN = textregex.compile(r"[^\W_]+")
# Up to this many chunks a full sort costs microseconds and keeps equal scores in the order they
# have always had; above it, a partial sort (see `BM25Index.search`).
FULL_SORT_MAX = 4096


def _stemmer(lang: str):
    """The Snowball stemmer the language's pack names (the default language's for others)."""
    return _stemmer_named(packs.active().words(lang).language.stemmer)


@lru_cache(maxsize=16)
def _stemmer_named(algorithm: str):
    import Stemmer

    return Stemmer.Stemmer(algorithm)


@textregex.text_function("fi")
def tokenize(text: str, lang: str) -> list[str]:
    """Lower-cased word and number tokens, stemmed in the text's language."""
    words = _TOKEN.findall(text.lower())
    return _stemmer(lang).stemWords(words) if words else []


def _stop_stems(lang: str) -> frozenset[str]:
    """The stems of the language's function and question words ("what", "kuka", "eller")."""
    return packs.active().derived(
        f"bm25-stop:{lang}",
        lambda ps: frozenset(_stemmer(lang).stemWords(list(ps.words(lang).function_words.stop))),
    )


def query_tokens(query: str, lang: str) -> list[str]:
    """The query's stemmed tokens without its language's function words (all of them when it
    has nothing else: "who is it?" still searches)."""
    tokens = tokenize(query, lang)
    stop = _stop_stems(lang)
    return [t for t in tokens if t not in stop] or tokens


class BM25Index:
    """Immutable: a new index is built for each new manifest and swapped in whole."""

    def __init__(self, chunks: list[Chunk]) -> None:
        import bm25s

        self.chunks = chunks
        self._bm25 = bm25s.BM25()
        corpus = [tokenize(f"{c.title}\n{c.section}\n{c.text}", c.lang) or ["_"] for c in chunks]
        if chunks:
            self._bm25.index(corpus, show_progress=False)

    def search(self, query: str, lang: str, k: int) -> list[tuple[int, float]]:
        """(chunk position, score) best first; only chunks sharing at least one term."""
        if not self.chunks:
            return []
        tokens = query_tokens(query, lang)
        # Names and numbers are stemmed differently in each language's documents: add their stems
        # under the other languages' stemmers too, so "Niittyniemi" finds every version.
        names = [w.lower() for w in _TOKEN.findall(query) if w[0].isupper() or w[0].isdigit()]
        for other in packs.active().languages:
            if other != lang and names:
                tokens += [t for t in _stemmer(other).stemWords(names) if t not in tokens]
        if not tokens:
            return []
        scores = self._bm25.get_scores(tokens)
        if len(scores) <= FULL_SORT_MAX:
            order = scores.argsort()[::-1][:k]
        else:
            # The top k by a partial sort (linear), then only those and ties at the cut are
            # ordered (by score, then position), instead of sorting every chunk per question.
            cut = scores[np.argpartition(-scores, k - 1)[k - 1]] if k < len(scores) else 0.0
            top = np.flatnonzero(scores >= max(cut, np.finfo(scores.dtype).tiny))
            order = top[np.lexsort((top, -scores[top]))][:k]
        return [(int(i), float(scores[i])) for i in order if scores[i] > 0]
