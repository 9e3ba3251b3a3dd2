"""Unit vectors for selection tests: each unit at a chosen cosine to the question."""

from __future__ import annotations

import math

import numpy as np

from assistant.schema import Chunk


def unit_vector(similarity: float, axis: int, dims: int) -> np.ndarray:
    """Cosine `similarity` to the question (axis 0), each unit off on its own axis: the units
    are not near one another (none is a paraphrase of another)."""
    vec = np.zeros(dims)
    vec[0], vec[axis] = similarity, math.sqrt(1 - similarity**2)
    return vec


def page_chunk(
    chunk_id: str, lang: str, text: str, url: str, section: str = "", position: int = 0
) -> Chunk:
    """A chunk of one page's document (its doc_id the chunk id's part before '#')."""
    return Chunk(
        chunk_id=chunk_id,
        doc_id=chunk_id.split("#")[0],
        lang=lang,
        section=section,
        position=position,
        text=text,
        urls=[url],
    )
