"""No pack example is a near copy of an evaluation question: cosine below 0.92 to every dev and
sealed question under the default embedder (vectors are kept in memory only, never cached on disk).

Sealed questions are embedded mechanically here and their text is never printed; a failure names the
pack example's file and template only.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from assistant.packs import load_packs

QUESTIONS = Path(__file__).resolve().parents[2] / "evals" / "questions"
LIMIT = 0.92


def _questions(name: str) -> list[str]:
    lines = (QUESTIONS / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(x)["question"] for x in lines if x.strip() and not x.startswith("#")]


def test_no_pack_example_within_cosine_limit_of_a_dev_or_sealed_question(embedder) -> None:
    examples = [e for p in load_packs().values() for e in p.kinds + p.askers]
    sealed = sorted(p.name for p in QUESTIONS.glob("sealed*.jsonl"))
    assert len(sealed) >= 2
    questions = _questions("dev.jsonl") + [q for name in sealed for q in _questions(name)]
    assert len(questions) > 350
    ex_vecs = embedder.embed_query_vectors([e.text for e in examples])
    q_vecs = embedder.embed_query_vectors(questions)
    sims = ex_vecs @ q_vecs.T
    assert np.allclose(np.linalg.norm(ex_vecs, axis=1), 1.0, atol=1e-3)
    too_close = sorted(
        f"{e.lang}/{e.source}:{e.template}"
        for e, row in zip(examples, sims, strict=True)
        if row.max() >= LIMIT
    )
    assert too_close == []
