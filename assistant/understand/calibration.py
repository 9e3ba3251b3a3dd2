"""The calibration file: every fitted parameter of the understanding step, per embedding model.

`assistant/packs/calibration/<embedding model name>.json`, written by `assistant calibrate`. It
records which packs (their digest) the classifiers were fitted on; when the packs on disk differ
(a new language, edited examples), the classifiers are refitted from the packs at start-up instead,
and the answerability model is not used until the file is calibrated again.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from assistant.answer.extractive import TermWeights
from assistant.answer.lead import LeadModel
from assistant.packs import PACKS_DIR, Pack, active, digest, load_packs
from assistant.understand.adapter import QueryAdapter
from assistant.understand.answerability import AnswerabilityModel
from assistant.understand.classify import QuestionClassifier, embed_queries, fit_classifier
from assistant.understand.exemplars import Exemplars
from assistant.understand.features import Observation, answerability_features
from assistant.understand.probe import Probe

log = logging.getLogger(__name__)

VERSION = 8
CALIBRATION_DIR = PACKS_DIR / "calibration"
DECIMALS = 10


def calibration_path(embedding_model: str, root: Path = CALIBRATION_DIR) -> Path:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in embedding_model)
    return Path(root) / f"{safe}.json"


def rounded(value):
    """Floats rounded so the file is stable across runs (tests compare with a 1e-6 tolerance)."""
    if isinstance(value, float):
        return round(value, DECIMALS) if math.isfinite(value) else value
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(v) for v in value]
    return value


@dataclass(frozen=True)
class Calibration:
    embedding_model: str
    packs_digest: str
    classifier: QuestionClassifier
    answerability: AnswerabilityModel | None
    report: dict
    exemplars: Exemplars | None = None
    # The documents of the index it was fitted on: answerability applies to that knowledge base
    # only (another corpus's questions and evidence are not what the features were fitted on).
    corpus: tuple[str, ...] = ()
    # Which retrieved unit leads an answer (assistant/answer/lead.py), fitted on the same index.
    lead: LeadModel | None = None
    # The answerability probe over the question's embedding (probe.py), one of its features.
    probe: Probe | None = None
    # The query adapter (adapter.py), a feature of the lead ranking, fitted with it.
    adapter: QueryAdapter | None = None

    def to_dict(self) -> dict:
        return rounded(
            {
                "version": VERSION,
                "embedding_model": self.embedding_model,
                "packs_digest": self.packs_digest,
                "corpus": list(self.corpus),
                "classifier": self.classifier.to_dict(),
                "answerability": self.answerability.to_dict() if self.answerability else None,
                "exemplars": self.exemplars.to_dict() if self.exemplars else None,
                "lead": self.lead.to_dict() if self.lead else None,
                "probe": self.probe.to_dict() if self.probe else None,
                "adapter": self.adapter.to_dict() if self.adapter else None,
                "report": self.report,
            }
        )

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n", "utf-8")
        tmp.replace(path)

    @classmethod
    def from_dict(cls, data: dict) -> Calibration:
        if data.get("version") != VERSION:
            raise ValueError(f"calibration version {data.get('version')!r}, expected {VERSION}")
        answerability = data.get("answerability")
        exemplars = data.get("exemplars")
        lead = data.get("lead")
        probe = data.get("probe")
        adapter = data.get("adapter")
        return cls(
            embedding_model=data["embedding_model"],
            packs_digest=data["packs_digest"],
            classifier=QuestionClassifier.from_dict(data["classifier"]),
            answerability=AnswerabilityModel.from_dict(answerability) if answerability else None,
            report=data.get("report", {}),
            exemplars=Exemplars.from_dict(exemplars) if exemplars else None,
            corpus=tuple(data.get("corpus", ())),
            lead=LeadModel.from_dict(lead) if lead else None,
            probe=Probe.from_dict(probe) if probe else None,
            adapter=QueryAdapter.from_dict(adapter) if adapter else None,
        )

    @classmethod
    def read(cls, path: Path) -> Calibration | None:
        if not path.exists():
            return None
        return cls.from_dict(json.loads(path.read_text("utf-8")))


@dataclass(frozen=True)
class Reading:
    """What the understanding step concluded about one question."""

    kind: str  # the most probable kind of question
    kind_proba: dict[str, float]
    asker: str  # the most probable asker ("none": the wording does not tell)
    features: dict[str, float] | None  # None when answerability is not calibrated
    p_answerable: float | None
    answerable: bool | None


@dataclass(frozen=True)
class Understanding:
    """What the pipeline uses at run time: the classifiers, and answerability when calibrated."""

    classifier: QuestionClassifier
    answerability: AnswerabilityModel | None
    languages: tuple[str, ...]
    exemplars: Exemplars | None = None
    corpus: tuple[str, ...] = ()  # the documents answerability was fitted on (see Calibration)
    lead: LeadModel | None = None  # fitted on the same documents: used only where applies_to
    probe: Probe | None = None  # the answerability probe (probe.py), fitted with answerability
    adapter: QueryAdapter | None = None  # the lead ranking's query adapter (adapter.py)

    def applies_to(self, doc_ids: Iterable[str]) -> bool:
        """Whether the calibrated answerability was fitted on an index of exactly these
        documents; elsewhere the pipeline decides by the word rules alone."""
        return self.answerability is not None and set(self.corpus) == set(doc_ids)

    def read(
        self,
        obs: Observation,
        weights: TermWeights,
        with_rules: bool = False,
        decide: bool = True,
    ) -> Reading:
        """Kind, asker and (when calibrated and `decide`) the answerability decision for one
        observation; `with_rules`: the threshold fitted for deciding beside the word rules."""
        kind_proba = self.classifier.kind_proba(obs.qvec)
        asker_proba = self.classifier.asker_proba(obs.qvec)
        kind = max(sorted(kind_proba), key=lambda k: kind_proba[k])
        asker = max(sorted(asker_proba), key=lambda a: asker_proba[a])
        if self.answerability is None or not decide:
            return Reading(kind, kind_proba, asker, None, None, None)
        exemplar = None
        if self.exemplars:
            terms = weights.content(obs.question, obs.lang)
            exemplar = self.exemplars.features(obs.qvec, terms=terms, lang=obs.lang)
        probe = self.probe.score(obs.qvec, obs.evidence_span) if self.probe else None
        features = answerability_features(
            obs.standalone, obs.lang, obs.hits, obs.selection, weights, kind_proba, exemplar, probe
        )
        p = self.answerability.probability(features)
        threshold = self.answerability.threshold_for(with_rules, obs.lang)
        return Reading(kind, kind_proba, asker, features, p, p >= threshold)


def load_understanding(
    embedder, packs_root: Path | None = None, calibration_root: Path = CALIBRATION_DIR
) -> Understanding:
    """The calibrated models for this embedder; classifiers refitted when the packs changed.

    Without `packs_root`, the packs served (shipped ones and EXTRA_PACKS_DIRS) are the ones used.
    """
    packs: dict[str, Pack] = load_packs(packs_root) if packs_root else active().packs
    try:
        calibration = Calibration.read(calibration_path(embedder.name, calibration_root))
    except (ValueError, KeyError) as exc:  # an older file format: as if not calibrated
        log.warning("Ignoring the calibration file: %s", exc)
        calibration = None
    if calibration is not None and calibration.packs_digest == digest(packs):
        return Understanding(
            calibration.classifier,
            calibration.answerability,
            tuple(packs),
            calibration.exemplars,
            calibration.corpus,
            calibration.lead,
            calibration.probe,
            calibration.adapter,
        )
    log.warning(
        "No calibration of %s for these language packs: fitting the classifiers from the packs "
        "now; answerability stays uncalibrated until `assistant calibrate` is run",
        embedder.name,
    )
    classifier, _ = fit_classifier(packs, embed_queries(embedder), cross_validate=False)
    return Understanding(classifier, None, tuple(packs))
