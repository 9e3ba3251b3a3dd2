"""Unit vectors for selection tests: each unit at a chosen cosine to the question."""

from __future__ import annotations

import math

import numpy as np


def unit_vector(similarity: float, axis: int, dims: int) -> np.ndarray:
    """Cosine `similarity` to the question (axis 0), each unit off on its own axis: the units
    are not near one another (none is a paraphrase of another)."""
    vec = np.zeros(dims)
    vec[0], vec[axis] = similarity, math.sqrt(1 - similarity**2)
    return vec
