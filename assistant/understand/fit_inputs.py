"""What `assistant calibrate` fitted answerability on, kept to re-fit it on subsets without the
pipeline: `assistant calibrate --inputs-out FILE`, read by `python -m evals.holdout FILE`.

Measuring the pipeline over 8,000 training questions takes most of a calibration; re-fitting the
probe and the trees on what it measured takes about half a minute a set. So one calibration's
inputs can answer "how would a set nobody fitted on have fared?" for every retired blind set in
turn, without spending a new sealed set on each question about the decision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.understand.features import FEATURES


@dataclass(frozen=True)
class FitInputs:
    """One row per training question, in training order."""

    ids: tuple[str, ...]
    groups: tuple[str, ...]  # writing batches (calibrate.writing_batch): the folds' groups
    answerable: np.ndarray  # bool
    rules_refused: np.ndarray  # bool: what the word rules refuse (ANSWER_DECISION=both)
    features: np.ndarray  # n x len(names); the probe column holds each row's out-of-fold value
    names: tuple[str, ...]
    probe_inputs: np.ndarray  # n x probe_input width
    langs: tuple[str, ...] = ()  # each question's language (per-language thresholds); () if unknown

    @classmethod
    def build(
        cls,
        ids: Sequence[str],
        groups: Sequence[str],
        answerable: Sequence[bool],
        rules_refused: Sequence[bool],
        rows: Sequence[Mapping[str, float]],
        probe_inputs: Sequence[np.ndarray],
        langs: Sequence[str] = (),
    ) -> FitInputs:
        return cls(
            ids=tuple(ids),
            groups=tuple(groups),
            answerable=np.asarray(answerable, dtype=bool),
            rules_refused=np.asarray(rules_refused, dtype=bool),
            features=np.array([[r[n] for n in FEATURES] for r in rows], dtype=np.float64),
            names=FEATURES,
            probe_inputs=np.vstack(probe_inputs).astype(np.float64),
            langs=tuple(langs),
        )

    def languages(self, mask: np.ndarray | None = None) -> list[str] | None:
        """The rows' languages as the answerability fit takes them; None when not recorded."""
        if not self.langs:
            return None
        langs = np.asarray(self.langs)
        return [str(x) for x in (langs if mask is None else langs[mask])]

    def rows(self, mask: np.ndarray | None = None) -> list[dict[str, float]]:
        """The feature rows as the answerability fit takes them."""
        x = self.features if mask is None else self.features[mask]
        return [dict(zip(self.names, map(float, r), strict=True)) for r in x]

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            ids=np.array(self.ids),
            groups=np.array(self.groups),
            answerable=self.answerable,
            rules_refused=self.rules_refused,
            features=self.features,
            names=np.array(self.names),
            probe_inputs=self.probe_inputs,
            langs=np.array(self.langs),
        )

    @classmethod
    def load(cls, path: Path) -> FitInputs:
        with np.load(path, allow_pickle=False) as data:
            names = tuple(str(n) for n in data["names"])
            if names != FEATURES:
                raise ValueError(f"{path}: fitted on other features; run assistant calibrate")
            return cls(
                ids=tuple(str(i) for i in data["ids"]),
                groups=tuple(str(g) for g in data["groups"]),
                answerable=data["answerable"].astype(bool),
                rules_refused=data["rules_refused"].astype(bool),
                features=data["features"].astype(np.float64),
                names=names,
                probe_inputs=data["probe_inputs"].astype(np.float64),
                langs=tuple(str(x) for x in data["langs"]) if "langs" in data.files else (),
            )
