"""The scale benchmark's synthetic chunks (issue 13): spliced from real sentences, never a whole
one, so they compete with the real chunks without copying the facts the questions ask about."""

from __future__ import annotations

import random
import re

import numpy as np
import pytest

from assistant.answer.units import split_units
from benchmarks.scale import (
    SPLICE_MIN_WORDS,
    SYNTHETIC_PREFIX,
    Source,
    combine,
    sentence_pools,
    splice,
    synthetic_documents,
)
from ingest.indexer import collect_chunks
from tests.conftest import ROOT

PAIRS = {
    "en": (
        "The region funds pilot projects of companies, and the call closes in May.",
        "International House Tampere helps experts who move to the city with their families.",
    ),
    "fi": (
        "Maakunta rahoittaa yritysten kokeiluhankkeita, ja haku päättyy toukokuussa 2026.",
        "International House Tampere auttaa kaupunkiin muuttavia asiantuntijoita ja perheitä.",
    ),
    "sv": (
        "Regionen finansierar företagens pilotprojekt, och ansökan stänger i maj 2026.",
        "International House Tampere hjälper experter som flyttar till staden med familjer.",
    ),
}


@pytest.mark.parametrize("lang", sorted(PAIRS))
@pytest.mark.parametrize("seed", range(5))
def test_a_splice_is_one_sentence_made_of_two_partial_ones(lang, seed):
    first, second = PAIRS[lang]
    text = splice(Source("a", first, 0), Source("b", second, 1), random.Random(seed))
    assert text is not None
    units = split_units(text)
    assert [(u.kind, u.text) for u in units] == [("sentence", text)]
    a, b = first.split(), second.split()
    head = next(i for i in range(len(a), 0, -1) if text.startswith(" ".join(a[:i]) + " "))
    tail = len(text.split()) - head
    assert 3 <= head <= 2 * len(a) // 3 and 3 <= tail <= len(b) - len(b) // 3
    assert text.endswith(" ".join(b[-tail:]))
    assert first not in text and second not in text


@pytest.fixture(scope="module")
def corpus_pools() -> tuple[dict[str, list[Source]], list[str]]:
    chunks, _, errors = collect_chunks([ROOT / "corpus"])
    assert chunks and not errors
    keys = list(dict.fromkeys(u.key for c in chunks for u in split_units(c.text)))
    sentences = [u.text for c in chunks for u in split_units(c.text) if u.words >= 5]
    return sentence_pools(chunks, {k: i for i, k in enumerate(keys)}), sentences


def test_no_synthetic_document_holds_a_whole_real_sentence(corpus_pools):
    pools, sentences = corpus_pools
    assert sorted(pools) == ["en", "fi", "sv"]
    assert all(len(s.text.split()) >= SPLICE_MIN_WORDS for p in pools.values() for s in p)
    docs = list(synthetic_documents(60, pools, seed=13))
    assert sum(len(re.findall(r"^## Part", text, re.M)) for _, _, text, _ in docs) == 60
    for lang, doc_id, text, spliced in docs:
        assert doc_id.startswith(f"{SYNTHETIC_PREFIX}{lang}-")
        assert not any(sentence in text for sentence in sentences)
        body = split_units(text.split("\n---\n", 1)[1])
        assert body and all(u.key in spliced for u in body)  # every sentence has its sources
        rows = {s.row for s in pools[lang]}
        assert all(a in rows and b in rows and a != b for a, b in spliced.values())


def test_the_same_seed_gives_the_same_documents(corpus_pools):
    pools, _ = corpus_pools
    once = [text for _, _, text, _ in synthetic_documents(25, pools, seed=7)]
    again = [text for _, _, text, _ in synthetic_documents(25, pools, seed=7)]
    other = [text for _, _, text, _ in synthetic_documents(25, pools, seed=8)]
    assert once == again and once != other


@pytest.mark.parametrize("k", [1, 2, 4, 20])
def test_combined_vectors_keep_the_real_ones_statistics(k):
    """Vectors sharing a common direction, as embeddings do: a plain mean of many drifts to the
    centroid; the combined vector stays as far from it as real ones are."""
    rng = np.random.default_rng(k)
    common = rng.normal(size=64)
    real = 2.5 * common / np.linalg.norm(common) + rng.normal(size=(400, 64)) / 8
    real /= np.linalg.norm(real, axis=1, keepdims=True)
    centroid = real.mean(axis=0)
    unit = centroid / np.linalg.norm(centroid)
    picks = rng.integers(0, len(real), size=(300, k))
    combined = np.array([combine(real[rows], centroid) for rows in picks])
    assert np.allclose(np.linalg.norm(combined, axis=1), 1.0)
    assert abs((combined @ unit).mean() - (real @ unit).mean()) < 0.01
    plain = real[picks].mean(axis=1)
    plain /= np.linalg.norm(plain, axis=1, keepdims=True)
    if k >= 4:
        assert (plain @ unit).mean() - (real @ unit).mean() > 0.02
