"""The scale benchmark's synthetic chunks (issue 13): spliced from real sentences, never a whole
one, so they compete with the real chunks without copying the facts the questions ask about."""

from __future__ import annotations

import random
import re

import numpy as np
import pytest

from assistant.answer.units import split_units
from benchmarks.scale import (
    FAMILY_DOCS,
    SPLICE_MIN_WORDS,
    SYNTHETIC_PREFIX,
    Renamer,
    Source,
    Vocabulary,
    combine,
    real_sentences,
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
    chunks, _, _ = collect_chunks([ROOT / "corpus"])
    docs = list(synthetic_documents(60, pools, seed=13, avoid=real_sentences(chunks)))
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


# ----- renaming rare words per family ---------------------------------------------------------
# A toy corpus per language: 50 chunks each hold the common sentence, one chunk the rare one.
# The rare one's name and rare word are in 1 chunk of 51 (<= RARE_SHARE); the setting's name and
# the common words are in all 51.
TOY = {
    "en": (
        "The city of Tampere funds projects with the region.",
        "Mirjami Kolehmainen leads the Hiedanranta pilot",
        ("Mirjami", "Kolehmainen", "Hiedanranta", "pilot"),
        ("The", "city", "Tampere", "funds", "projects", "region", "the"),
    ),
    "fi": (
        "Tampereen kaupunki rahoittaa hankkeita yhdessä maakunnan kanssa.",
        "Mirjami Kolehmainen johtaa Hiedanrannan kokeilua kaupunki kanssa",
        ("Mirjami", "Kolehmainen", "Hiedanrannan", "kokeilua"),
        ("Tampereen", "kaupunki", "rahoittaa", "hankkeita", "kanssa"),
    ),
    "sv": (
        "Staden Tammerfors finansierar projekt tillsammans med regionen.",
        "Mirjami Kolehmainen leder försöket i Hiedanranta med staden",
        ("Mirjami", "Kolehmainen", "Hiedanranta", "försöket"),
        ("Staden", "Tammerfors", "finansierar", "projekt", "med", "staden"),
    ),
}


class ToyChunk:
    def __init__(self, lang: str, text: str) -> None:
        self.lang, self.text = lang, text


def toy_vocabulary() -> Vocabulary:
    chunks = []
    for lang, (common, rare, _, _) in TOY.items():
        chunks += [ToyChunk(lang, common) for _ in range(50)] + [
            ToyChunk(lang, common + " " + rare)
        ]
    return Vocabulary.of(chunks)


def words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", text)


@pytest.mark.parametrize("lang", sorted(TOY))
def test_a_family_renames_rare_words_consistently_and_leaves_common_ones(lang):
    common, rare, rare_words, common_words = TOY[lang]
    vocabulary = toy_vocabulary()
    text = f"{common} {rare}, {rare} 2026."
    renamed = Renamer(vocabulary, lang, family=0, seed=13)(text)
    assert renamed == Renamer(vocabulary, lang, family=0, seed=13)(text)  # deterministic
    before, after = words(text), words(renamed)
    assert len(before) == len(after) and "2026" in renamed  # numbers are kept
    pairs = set(zip(before, after, strict=True))
    for word in rare_words:
        names = {a for b, a in pairs if b == word}
        assert len(names) == 1  # the same name every time in the family
        new = names.pop()
        assert new.lower() != word.lower() and new[0].isupper() == word[0].isupper()
        assert abs(len(new) - len(word)) <= 3
    for word in common_words:
        assert (word, word) in pairs  # common words and the shared setting keep their names
    assert len(renamed.split()) == len(text.split())


@pytest.mark.parametrize("lang", sorted(TOY))
def test_two_families_and_two_seeds_give_a_rare_word_different_names(lang):
    _, rare, rare_words, _ = TOY[lang]
    vocabulary = toy_vocabulary()
    one = Renamer(vocabulary, lang, family=0, seed=13)(rare)
    two = Renamer(vocabulary, lang, family=1, seed=13)(rare)
    other_seed = Renamer(vocabulary, lang, family=0, seed=14)(rare)
    assert one != two and one != other_seed
    renamed = set(words(one)) - set(words(rare))
    assert renamed and not renamed & set(words(two))
    real = {w.lower() for text in TOY[lang][:2] for w in words(text)}
    assert not {w.lower() for w in renamed} & real  # pseudo-words are not the real words


@pytest.mark.parametrize(
    ("lang", "forms"),
    [
        ("fi", ("Hiedanranta", "Hiedanrannan")),
        ("en", ("pilot", "pilots")),
        ("sv", ("försöket", "försöken")),
    ],
)
def test_forms_of_one_rare_term_keep_one_pseudo_stem_and_their_endings(lang, forms):
    renamer = Renamer(toy_vocabulary(), lang, family=3, seed=13)
    new = [renamer.word(form) for form in forms]
    stem = renamer.stems
    assert len(stem) == 1  # one term, one pseudo-stem
    pseudo = next(iter(stem.values()))
    assert all(n.lower().startswith(pseudo) for n in new)
    assert new[0] != new[1] and new[0].lower() != forms[0].lower()


def test_the_corpus_families_rename_its_rare_names_and_keep_the_vectors_sources(corpus_pools):
    """On the real corpus: "AuroraAI" (6 English chunks) never reaches a synthetic document,
    each family names it once and for all, and every sentence still has its two sources."""
    pools, sentences = corpus_pools
    chunks, _, _ = collect_chunks([ROOT / "corpus"])
    vocabulary = Vocabulary.of(chunks)
    n = 2 * FAMILY_DOCS * 10 + 30  # three families (the last one partial)
    avoid = real_sentences(chunks)
    docs = list(synthetic_documents(n, pools, seed=13, vocabulary=vocabulary, avoid=avoid))
    plain = list(synthetic_documents(n, pools, seed=13))
    assert any("AuroraAI" in text for _, _, text, _ in plain)
    assert not any("AuroraAI" in text for _, _, text, _ in docs)
    assert all("Tampere" in text or "Tammerfors" in text for _, _, text, _ in docs[:9])
    for _, _, text, spliced in docs:
        assert not any(sentence in text for sentence in sentences)
        body = split_units(text.split("\n---\n", 1)[1])
        assert body and all(u.key in spliced for u in body)
    again = list(synthetic_documents(n, pools, seed=13, vocabulary=vocabulary, avoid=avoid))
    assert [d[2] for d in again] == [d[2] for d in docs]


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


def test_a_splice_whose_piece_is_a_whole_real_sentence_is_drawn_again():
    """A tail that is (or ends in) another real sentence is refused; the same splice without a
    sentence to avoid goes through, and other cuts of the same pair are not affected."""
    head = (
        "Työ- ja elinkeinoministeriö totesi 20.5.2020 julkaisemassaan tiedotteessa, "
        "että sopimus alkaa."
    )
    tail = (
        "Tiedotteen mukaan ja kuten todettiin, Pirkanmaan ELY-keskus lakkasi vuoden 2025 lopussa."
    )
    whole = "Pirkanmaan ELY-keskus lakkasi vuoden 2025 lopussa."
    refused = 0
    for seed in range(40):
        rng, again = random.Random(seed), random.Random(seed)
        free = splice(Source("a", head, 0), Source("b", tail, 1), rng)
        guarded = splice(Source("a", head, 0), Source("b", tail, 1), again, frozenset([whole]))
        if free is not None and free.endswith(whole):
            assert guarded is None
            refused += 1
        else:
            assert guarded == free
    assert refused  # the comma cut puts the whole sentence in the tail for some seeds
