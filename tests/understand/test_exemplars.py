"""The labelled-question memory: neighbours per label, a question's own group left out while
fitting, and a file round trip that serving reads exactly as fitting measured it."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.understand.calibrate import exemplar_group
from assistant.understand.exemplars import EXEMPLAR_FEATURES, Exemplars


def _unit(*values: float) -> np.ndarray:
    vec = np.asarray(values, dtype=np.float32)
    return vec / np.linalg.norm(vec)


@pytest.fixture
def memory() -> Exemplars:
    vectors = [_unit(1, 0, 0), _unit(0.9, 0.1, 0), _unit(0, 1, 0), _unit(0, 0.9, 0.1)]
    return Exemplars.build(vectors, [True, True, False, False], ["a", "b", "c", "d"])


def test_features_are_the_mean_of_the_closest_per_label(memory: Exemplars) -> None:
    f = memory.features(_unit(1, 0, 0))
    assert set(f) == set(EXEMPLAR_FEATURES)
    assert f["exemplar_answerable"] > 0.99  # both answerable ones point the same way
    assert f["exemplar_unanswerable"] < 0.15
    assert f["exemplar_margin"] == pytest.approx(
        f["exemplar_answerable"] - f["exemplar_unanswerable"]
    )


def test_its_own_group_is_left_out_while_fitting(memory: Exemplars) -> None:
    near = memory.features(_unit(1, 0, 0))["exemplar_answerable"]
    without = memory.features(_unit(1, 0, 0), exclude_group="a")["exemplar_answerable"]
    assert without < near  # only "b" is left among the answerable ones


def test_a_label_with_no_exemplar_left_gives_zero() -> None:
    memory = Exemplars.build([_unit(1, 0)], [True], ["only"])
    f = memory.features(_unit(1, 0), exclude_group="only")
    assert f == {name: 0.0 for name in EXEMPLAR_FEATURES}


def test_round_trip_reads_back_what_fitting_measured(memory: Exemplars) -> None:
    again = Exemplars.from_dict(memory.to_dict())
    assert np.array_equal(again.vectors, memory.vectors)
    assert again.groups == memory.groups and again.k == memory.k
    assert np.array_equal(again.answerable, memory.answerable)


def test_the_memory_is_column_major_and_measures_as_the_row_major_product() -> None:
    # Column-major is the layout BLAS reads fastest for one question against thousands (the
    # speed is measured by benchmarks/run.py); the similarities stay the plain dot products.
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(300, 16)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    memory = Exemplars.build(list(rows), [True] * 150 + [False] * 150, [str(i) for i in range(300)])
    read = Exemplars.from_dict(memory.to_dict())
    for m in (memory, read):
        assert m.vectors.flags.f_contiguous
    q = rows[7]
    expected = np.ascontiguousarray(read.vectors) @ q
    np.testing.assert_allclose(read.similarities(q), expected, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(read.vectors, memory.vectors)


def test_a_file_whose_parts_differ_in_length_is_rejected(memory: Exemplars) -> None:
    data = memory.to_dict()
    data["groups"] = data["groups"][:-1]
    with pytest.raises(ValueError, match="differ in length"):
        Exemplars.from_dict(data)


def _answered() -> Exemplars:
    vectors = [_unit(1, 0, 0), _unit(0.98, 0.2, 0), _unit(0.6, 0.8, 0), _unit(0, 1, 0)]
    answers = [{"u1": 1.0}, {"u1": 0.5, "u2": 1.0}, {"u3": 1.0}, {}]
    return Exemplars.build(vectors, [True, True, True, False], ["a", "b", "c", "d"], answers)


def test_votes_weigh_the_closest_questions_answers_most() -> None:
    votes = _answered().votes(_unit(1, 0, 0))
    assert set(votes) == {"u1", "u2", "u3"}
    assert votes["u1"][0] > votes["u2"][0] > votes["u3"][0] > 0
    assert votes["u1"][1] == pytest.approx(1.0, abs=1e-3)  # its closest question is the same one
    assert sum(v for v, _ in votes.values()) <= 1.5  # shares of one weight, not counts


def test_votes_leave_the_own_group_out() -> None:
    votes = _answered().votes(_unit(1, 0, 0), exclude_group="a")
    assert votes["u2"][0] > votes["u1"][0]  # "b" is now the closest; it holds u2 whole


def test_no_answers_no_votes() -> None:
    memory = Exemplars.build([_unit(1, 0)], [True], ["only"])
    assert memory.votes(_unit(1, 0)) == {}
    assert _answered().votes(_unit(1, 0, 0), exclude_group=None) != {}


def test_answers_round_trip_and_must_match_the_vectors() -> None:
    memory = _answered()
    again = Exemplars.from_dict(memory.to_dict())
    assert again.answers == memory.answers
    data = memory.to_dict()
    data["answers"] = data["answers"][:-1]
    with pytest.raises(ValueError, match="differ in length"):
        Exemplars.from_dict(data)


@pytest.mark.parametrize(
    ("question_id", "lang", "group"),
    [
        ("train-en-113", "en", "train-113"),
        ("train-fi-113", "fi", "train-113"),
        ("heldout-sv-003", "sv", "heldout-003"),
    ],
)
def test_translations_share_a_group(question_id: str, lang: str, group: str) -> None:
    assert exemplar_group(question_id, lang) == group


@pytest.mark.parametrize("seed", range(20))
def test_closest_and_top_mean_equal_a_full_sort(seed: int) -> None:
    """The partition shortcuts give what a full stable sort gives, ties included (duplicates are
    common: a question and its copy in another set embed identically)."""
    from assistant.understand.exemplars import _closest, _top_mean

    rng = np.random.default_rng(seed)
    sims = rng.choice(np.linspace(0.7, 0.9, 12), size=200).astype(np.float32)  # many ties
    for k in (1, 3, 5, 199, 200, 250):
        assert np.array_equal(_closest(sims, k), np.argsort(-sims, kind="stable")[:k])
        assert _top_mean(sims, k) == float(np.sort(sims)[-k:].mean())


def test_a_question_read_twice_is_measured_once_and_another_afresh() -> None:
    memory = _answered()
    first, second = _unit(1, 0, 0), _unit(0, 1, 0)
    sims = memory.similarities(first)
    assert memory.similarities(first.copy()) is sims  # features then votes: one product
    other = memory.similarities(second)
    assert other is not sims
    np.testing.assert_array_equal(other, memory.vectors @ second)
    np.testing.assert_array_equal(memory.similarities(first), sims)
    assert not sims.flags.writeable  # shared between readers: nobody may change it


def test_the_remembered_question_stays_out_of_the_file() -> None:
    memory, fresh = _answered(), _answered()
    memory.votes(_unit(1, 0, 0))
    assert memory.to_dict() == fresh.to_dict()
    assert "_last" not in repr(memory)


# exemplar_unseen, table-driven per language through the real term weights: invented documents,
# two answered questions near the asked one (its language) and one far off (another language).
UNSEEN_DOCS = {
    "en": "The harbour authority runs the ferry terminal. Its board meets in spring.",
    "fi": "Satama ylläpitää lauttaterminaalia. Hallitus kokoontuu keväällä.",
    "sv": "Ett hamnverk driver färjeterminalen. Styrelsen möts på våren.",
}
# (lang, answered neighbour, question in the neighbour's words, question adding a new word)
UNSEEN_CASES = [
    (
        "en",
        "When does the board meet?",
        "When do the board meetings take place?",
        "What colour is the board's logo?",
    ),
    (
        "fi",
        "Milloin hallitus kokoontuu?",
        "Kokoontuuko hallitus usein?",
        "Minkä värinen on hallituksen logo?",
    ),
    (
        "sv",
        "När möts styrelsen?",
        "När har styrelsen sina möten?",
        "Vilken färg har styrelsens logotyp?",
    ),
]


def _weights(lang: str):
    from assistant.answer.extractive import TermWeights
    from assistant.schema import Chunk

    text = UNSEEN_DOCS[lang]
    return TermWeights([Chunk(chunk_id=f"{lang}#0", doc_id=lang, text=text, lang=lang)])


def _memory_in(lang: str, neighbour: str):
    """The language's term weights and a memory of two answered neighbours and a far one."""
    weights = _weights(lang)
    other = "fi" if lang != "fi" else "sv"
    vectors = [_unit(1, 0, 0), _unit(0.9, 0.1, 0), _unit(0.95, 0.05, 0)]
    langs = [lang, lang, other]
    questions = [neighbour, neighbour, "logo colour väri färg"]
    terms = [weights.content(q, x) for q, x in zip(questions, langs, strict=True)]
    memory = Exemplars.build(vectors, [True, True, True], ["a", "b", "c"], None, langs, terms)
    return weights, memory


@pytest.mark.parametrize(("lang", "neighbour", "same_words", "new_word"), UNSEEN_CASES)
def test_unseen_counts_words_no_close_answered_question_used(
    lang: str, neighbour: str, same_words: str, new_word: str
) -> None:
    weights, memory = _memory_in(lang, neighbour)
    q = _unit(1, 0, 0)
    seen = memory.features(q, terms=weights.content(same_words, lang), lang=lang)
    fresh = memory.features(q, terms=weights.content(new_word, lang), lang=lang)
    assert seen["exemplar_unseen"] < fresh["exemplar_unseen"], (seen, fresh)
    assert fresh["exemplar_unseen"] > 0.2  # "logo" and "colour" count though another language's
    # exemplar, closer than one of the two, uses them: only the asker's language counts


@pytest.mark.parametrize(("lang", "neighbour", "same_words", "new_word"), UNSEEN_CASES)
def test_unseen_is_zero_without_terms_language_or_neighbours(
    lang: str, neighbour: str, same_words: str, new_word: str
) -> None:
    weights, memory = _memory_in(lang, neighbour)
    terms = weights.content(new_word, lang)
    q = _unit(1, 0, 0)
    assert memory.features(q, terms={}, lang=lang)["exemplar_unseen"] == 0.0
    assert memory.features(q, terms=terms, lang="xx")["exemplar_unseen"] == 0.0
    alone = Exemplars.build([_unit(1, 0, 0)], [True], ["a"], None, [lang], [set()])
    assert alone.features(q, exclude_group="a", terms=terms, lang=lang)["exemplar_unseen"] == 0.0
    assert alone.features(q, terms=terms, lang=lang)["exemplar_unseen"] == 1.0


def test_unseen_reads_only_answerable_neighbours_and_leaves_the_own_group_out() -> None:
    vectors = [_unit(1, 0), _unit(0.99, 0.1), _unit(0.9, 0.3)]
    terms = [{"logo"}, {"logo"}, {"board"}]
    memory = Exemplars.build(vectors, [False, True, True], ["a", "b", "c"], None, ["en"] * 3, terms)
    q = _unit(1, 0)
    ask = {"logo": 2.0, "board": 1.0}
    assert memory.features(q, terms=ask, lang="en")["exemplar_unseen"] == 0.0  # b and c
    without_b = memory.features(q, exclude_group="b", terms=ask, lang="en")
    assert without_b["exemplar_unseen"] == pytest.approx(2 / 3)  # a is unanswerable: not seen


def test_terms_and_languages_round_trip_and_must_match_the_vectors() -> None:
    memory = Exemplars.build(
        [_unit(1, 0), _unit(0, 1)],
        [True, False],
        ["a", "b"],
        None,
        ["en", "fi"],
        [{"board": 1.0}, {"hallitus": 1.0}],
    )
    again = Exemplars.from_dict(memory.to_dict())
    assert again.langs == ("en", "fi") and again.terms == memory.terms
    q = _unit(1, 0)
    ask = {"board": 1.0, "logo": 1.0}
    assert again.features(q, terms=ask, lang="en") == memory.features(q, terms=ask, lang="en")
    data = memory.to_dict()
    data["terms"] = data["terms"][:-1]
    with pytest.raises(ValueError, match="differ in length"):
        Exemplars.from_dict(data)
