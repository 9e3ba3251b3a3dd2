"""`assistant calibrate`: fit the understanding step and write its calibration file.

1. Embeds every pack example; fits the kind and asker classifiers (C by GroupKFold, grouped by
   template); reports out-of-fold accuracy per language.
2. Fits the query adapter (adapter.py) and the lead ranking (assistant/answer/lead.py): which
   of the best-scored units leads an answer, on the train questions' key facts, C by grouped
   out-of-fold share of answers holding them all.
3. Runs each train.jsonl question through the pipeline's own understanding, retrieval and
   selection (with that ranking), and reports the classifiers' accuracy on the train questions
   that carry labels (labelled by their writer before any fitting).
4. Fits answerability on the measured features of every train question; the thresholds (one per
   language with enough questions, and a shared one) from
   out-of-fold probabilities. Writes assistant/packs/calibration/<embedding model>.json and prints
   a Markdown report (the section in docs/EVALUATION.md is this output).

Only train.jsonl and the sealed sets retired beside it (`retired.txt`: blind sets already run
once, at an attempt's final commit, and reported) are read; dev is reported by `assistant eval`,
never fitted on, and the sealed set an attempt waits to run is never listed.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.answer import extractive
from assistant.answer.lead import (
    FEATURES,
    FOLDS,
    JOIN_GRID,
    LeadFit,
    LeadModel,
    LeadRanker,
    adapted_similarities,
    fit_lead,
    group_folds,
    top_units,
)
from assistant.answer.lead import features as lead_features
from assistant.packs import active, digest, load_packs
from assistant.understand.adapter import QueryAdapter, fit_adapter, targets_from_labels
from assistant.understand.answerability import (
    FALSE_REFUSAL_BUDGET,
    FALSE_REFUSAL_COST,
    LANGUAGE_MIN_PER_CLASS,
    THRESHOLD_ROUNDS,
    fit_answerability,
)
from assistant.understand.calibration import (
    CALIBRATION_DIR,
    Calibration,
    Understanding,
    calibration_path,
)
from assistant.understand.classify import (
    Embed,
    QuestionClassifier,
    embed_queries,
    fit_classifier,
)
from assistant.understand.exemplars import Exemplars
from assistant.understand.features import Observation, answerability_features
from assistant.understand.fit_inputs import FitInputs
from assistant.understand.probe import SEEDS, SPAN_UNITS, fit_probe, probe_input
from assistant.urls import page

TRAIN_SET = Path(__file__).resolve().parents[2] / "evals" / "questions" / "train.jsonl"
# Beside the train set: the sealed sets that have had their one run, one file name a line. A
# blind set, once reported, is the closest thing to new users' questions the project has; fitted
# on, sealed5-16 took the seventeenth set (held out) from key facts 0.781 to 0.825 and false
# refusals from 0.088 to 0.053 (docs/EVALUATION.md, "Eighteenth sealed set").
RETIRED = "retired.txt"
# The set reported and gated in `make test`: no training question may repeat one of its questions.
DEV = "dev.jsonl"


def observe(assistant, question: str, history) -> Observation:
    """The pipeline's own understanding, retrieval and selection for one question."""
    return assistant.observe(question, history)


def writing_batch(question) -> str:
    """Who wrote a train question, and when: its `batch` field (one helper's session), else its
    group. Exemplar features and the answerability folds leave a question's whole batch out, so
    fitting measures a question as serving meets one: from a new writer, with no sibling written
    beside it (the same template, its contrast twin) among the exemplars."""
    return (question.model_extra or {}).get("batch") or exemplar_group(question.id, question.lang)


def training_files(train_path: Path) -> list[Path]:
    """The train set, then the retired sealed sets its directory's `retired.txt` lists."""
    listing = Path(train_path).parent / RETIRED
    if not listing.exists():
        return [Path(train_path)]
    names = [line.split("#", 1)[0].strip() for line in listing.read_text("utf-8").splitlines()]
    return [Path(train_path)] + [listing.parent / name for name in names if name]


def _same_text(text: str) -> str:
    return " ".join(text.casefold().split())


def load_training(train_path: Path) -> list:
    """Every training question, sorted by id, less any whose text is a dev question's. A retired
    set's questions are one writing batch each (the set's name): one helper wrote each set in
    one session.

    Dev is reported and gated, never fitted; writers working apart still wrote a few of the same
    short questions ("mikä on X?"), and the exemplar memory would then hold a dev question word
    for word. The dev set beside train (DEV) decides; its bytes are in `training_sha256`.
    """
    from evals.questions import Question, load_questions

    files = training_files(train_path)
    dev = Path(train_path).parent / DEV
    held = {_same_text(q.question) for q in load_questions(dev)} if dev.exists() else set()
    questions = list(load_questions(files[0]))
    for path in files[1:]:
        for q in load_questions(path):
            if (q.model_extra or {}).get("batch"):
                questions.append(q)
            else:
                questions.append(Question.model_validate({**q.model_dump(), "batch": path.stem}))
    kept = [q for q in questions if _same_text(q.question) not in held]
    return sorted(kept, key=lambda q: q.id)


def training_sha256(train_path: Path) -> str:
    """One digest over every training file's bytes, in order, and the dev set's (it decides
    which training questions are left out)."""
    digest = hashlib.sha256()
    dev = Path(train_path).parent / DEV
    for path in [*training_files(train_path), *([dev] if dev.exists() else [])]:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def exemplar_group(question_id: str, lang: str) -> str:
    """A question's group: its id without its language ("train-en-113" -> "train-113"), so a
    question and its translations are left out together while fitting."""
    return "-".join(part for part in question_id.split("-") if part != lang)


def _accuracy_by_lang(pairs: list[tuple[str, str, str]]) -> dict[str, float | int]:
    """(lang, gold, predicted) -> accuracy per language and overall, with n."""
    by: dict[str, list[bool]] = defaultdict(list)
    for lang, gold, pred in pairs:
        by[lang].append(gold == pred)
        by["all"].append(gold == pred)
    out: dict[str, float | int] = {k: float(np.mean(v)) for k, v in sorted(by.items())}
    out["n"] = len(pairs)
    return out


def calibrate(
    assistant,
    train_path: Path = TRAIN_SET,
    packs_root: Path | None = None,
    progress: bool = False,
    embed: Embed | None = None,
    inputs_out: Path | None = None,
) -> Calibration:
    """Fit everything; deterministic for a given index, packs, train set and embedder.

    `assistant` must decide by the word rules alone: what they refuse is an input of the fit
    (the threshold for ANSWER_DECISION=both), so a calibrated decision must not feed it.
    `inputs_out` keeps what answerability was fitted on (fit_inputs.py) for evals.holdout."""
    if assistant.settings.answer_decision != "rules":
        raise ValueError("calibrate needs an assistant opened with ANSWER_DECISION=rules")
    # The rules' refusals are fitted against as ANSWER_DECISION=both uses them: without the
    # hand-set off-topic thresholds (assistant/stages/decide.py, Decide.offtopic_rule).
    previous = assistant.decide.offtopic_rule
    assistant.decide.offtopic_rule = False
    try:
        return _calibrate(assistant, train_path, packs_root, progress, embed, inputs_out)
    finally:
        assistant.decide.offtopic_rule = previous


def _calibrate(
    assistant,
    train_path: Path,
    packs_root: Path | None,
    progress: bool,
    embed: Embed | None,
    inputs_out: Path | None = None,
) -> Calibration:
    packs = load_packs(packs_root) if packs_root else active().packs
    classifier, fit = fit_classifier(packs, embed or embed_queries(assistant.embedder))
    assert fit is not None
    questions = load_training(train_path)
    # The rules' own refusals (an input below) read the kind classifier's out-of-scope
    # probability: the one fitted here, not the one of the file being replaced.
    assistant.understand.understanding = Understanding(classifier, None, tuple(packs))
    # The lead ranking first, on the hand-set ranking's candidates (as it meets them when
    # serving); answerability is then measured on the answers that ranking leads.
    answerer = assistant._state.answerer
    answerer.lead = None
    lead_fit, exemplars, adapters, join_parts = fit_lead_on(
        assistant, questions, classifier, progress
    )
    ranker = LeadRanker(lead_fit.model, classifier.kind_proba, exemplars, adapter=adapters.final)
    answerer.lead = ranker
    groups = [writing_batch(q) for q in questions]
    seen_all, kinds, rules_refused = [], [], []
    kind_pairs, asker_pairs = [], []
    for i, q in enumerate(questions):
        if progress:
            print(f"\r{i + 1}/{len(questions)}", end="", file=sys.stderr)
        # The lead as serving would choose it for a new writer: without this question's batch in
        # the memory of answered questions.
        ranker.exclude_group = groups[i]
        ranker.adapter = adapters.for_group(groups[i])
        seen = observe(assistant, q.question, list(q.history) or None)
        seen_all.append(seen)
        # What the word rules decide alone, as ANSWER_DECISION=both uses them (rules mode without
        # the hand-set off-topic thresholds, see `calibrate`).
        rules_refused.append(assistant.ask(q.question, history=list(q.history) or None).refused)
        kinds.append(classifier.kind_proba(seen.qvec))
        extra = q.model_extra or {}
        if extra.get("kind"):
            kind_pairs.append((q.lang, extra["kind"], classifier.kind.predict(seen.qvec)))
        if extra.get("asker"):
            asker_pairs.append((q.lang, extra["asker"], classifier.asker.predict(seen.qvec)))
    if progress:
        print(file=sys.stderr)
    ranker.exclude_group = None
    ranker.adapter = adapters.final
    labels = [q.answerable for q in questions]
    # The probe first: each question's value from a probe fitted without its fold, as serving
    # meets a question the probe was not fitted on.
    probe_inputs = [probe_input(seen.qvec, seen.evidence_span) for seen in seen_all]
    probe_fit = fit_probe(probe_inputs, labels, groups)
    rows = [
        answerability_features(
            seen.standalone,
            seen.lang,
            seen.hits,
            seen.selection,
            assistant._state.weights,
            kind_proba,
            # Measured with the question's own batch left out: as serving meets a new question.
            exemplars.features(
                seen.qvec,
                exclude_group=group,
                terms=assistant._state.weights.content(seen.question, seen.lang),
                lang=seen.lang,
            ),
            float(probe_value),
        )
        for seen, kind_proba, group, probe_value in zip(
            seen_all, kinds, groups, probe_fit.oof, strict=True
        )
    ]
    langs = [q.lang for q in questions]
    answerability = fit_answerability(rows, labels, rules_refused, groups, langs)
    if inputs_out is not None:
        ids = [q.id for q in questions]
        FitInputs.build(ids, groups, labels, rules_refused, rows, probe_inputs, langs).save(
            inputs_out
        )
    report = {
        "kind_groupkfold": {
            "c": fit.kind_cv.c,
            "n": fit.kind_cv.n,
            "accuracy": fit.kind_cv.accuracy,
            "by_lang": fit.kind_cv.by_lang,
            "accuracy_by_c": {str(c): a for c, a in fit.kind_cv.by_c.items()},
        },
        "asker_groupkfold": {
            "c": fit.asker_cv.c,
            "n": fit.asker_cv.n,
            "accuracy": fit.asker_cv.accuracy,
            "by_lang": fit.asker_cv.by_lang,
            "accuracy_by_c": {str(c): a for c, a in fit.asker_cv.by_c.items()},
        },
        "kind_train": _accuracy_by_lang(kind_pairs),
        "asker_train": _accuracy_by_lang(asker_pairs),
        "answerability": {
            "n": answerability.n,
            "n_unanswerable": answerability.n_unanswerable,
            "cv_accuracy": answerability.cv_accuracy,
            "cv_roc_auc": answerability.cv_roc_auc,
            "oof_refusal_accuracy": answerability.oof_refusal_accuracy,
            "oof_false_refusal_rate": answerability.oof_false_refusal_rate,
            "oof_objective": answerability.oof_objective,
            "oof_with_rules": answerability.oof_with_rules,
            "oof_by_language": answerability.oof_by_language,
        },
        "probe": {
            "alpha": probe_fit.probe.alpha,
            "networks": len(SEEDS),
            "hidden": int(probe_fit.probe.output_weights.shape[0]) // len(SEEDS),
            "oof_roc_auc_by_alpha": {str(a): v for a, v in probe_fit.auc_by_alpha.items()},
        },
        "lead": {
            "n": lead_fit.n,
            "c": lead_fit.c,
            "oof_answer_holds_by_c": {str(c): h for c, h in lead_fit.hit_by_c.items()},
            "hand_set_answer_holds": lead_fit.baseline_hit,
            "join_margin": lead_fit.join_margin,
            "oof_answer_credit_by_join_margin": {
                str(m): h for m, h in lead_fit.hit_by_margin.items()
            },
            "oof_answer_holds_by_join_margin": {str(m): h for m, h in join_parts["holds"].items()},
            "oof_answer_holds_cited_by_join_margin": {
                str(m): h for m, h in join_parts["holds_cited"].items()
            },
        },
        "adapter": {
            "n": adapters.n,
            "oof_top1": adapters.oof_top1,
            "plain_top1": adapters.plain_top1,
        },
        "train_sha256": training_sha256(train_path),
        "embedder_fingerprint": embedder_fingerprint([s.qvec for s in seen_all]),
    }
    return Calibration(
        embedding_model=assistant.embedder.name,
        packs_digest=digest(packs),
        classifier=classifier,
        answerability=answerability.model,
        report=report,
        exemplars=exemplars,
        corpus=tuple(sorted(assistant.records.load_manifest().documents)),
        lead=lead_fit.model,
        probe=probe_fit.probe,
        adapter=adapters.final,
    )


# Train questions whose vectors fingerprint the embedder's arithmetic (see embedder_fingerprint).
FINGERPRINT_QUESTIONS = 16


def embedder_fingerprint(vectors: list[np.ndarray]) -> str:
    """A hash of the first train questions' float32 vectors. The 4-bit e5 engine's kernels
    round differently by CPU (train questions' vectors moved by up to 0.002 between two
    sessions' hosts, an AMD EPYC and the CPU before it), and everything fitted moves with them;
    on one CPU the vectors, and so the whole fit, are reproduced exactly.
    tests/understand/test_calibration.py requires the exact match where the fingerprint
    matches."""
    head = np.vstack(vectors[:FINGERPRINT_QUESTIONS]).astype("<f4")
    return hashlib.sha256(np.ascontiguousarray(head).tobytes()).hexdigest()[:16]


@dataclass(frozen=True)
class Adapters:
    """The query adapter fitted on every training question, and one per fold fitted without it:
    a question's lead features while fitting come from the adapter that never saw its writing
    batch, as serving meets a new writer's question."""

    final: QueryAdapter
    by_fold: tuple[QueryAdapter, ...]
    fold_of: dict[str, int]
    n: int  # questions it was fitted on (a unit among their best holds a key fact)
    oof_top1: float  # share of them whose most similar unit, adapted out of fold, holds the most
    plain_top1: float  # the same share by e5 similarity alone

    def for_group(self, group: str) -> QueryAdapter:
        return self.by_fold[self.fold_of[group]]


def fit_adapters(seen_all, wanted_all, groups_all, vectors, held) -> Adapters:
    """Fit the query adapter (understand/adapter.py) on the best-scored units of every question
    with key facts: out of fold by writing batch (FOLDS folds), then on all of them."""
    fold_of = group_folds(groups_all)
    data = []  # (fold, qvec, unit vectors, targets, labels)
    for seen, wanted, group in zip(seen_all, wanted_all, groups_all, strict=True):
        top = [c for c in top_units(seen.selection.candidates) if c.unit.key in vectors]
        if not wanted or len(top) < 2:
            continue
        labels = np.array([held(c.unit.text, wanted) for c in top], dtype=np.float64)
        targets = targets_from_labels(labels)
        if targets is not None:
            units = np.vstack([vectors.get(c.unit.key) for c in top])
            data.append((fold_of[group], np.asarray(seen.qvec), units, targets, labels))

    def fit(rows: list) -> QueryAdapter:
        return fit_adapter(
            np.vstack([r[1] for r in rows]), [r[2] for r in rows], [r[3] for r in rows]
        )

    by_fold = tuple(fit([r for r in data if r[0] != f]) for f in range(FOLDS))
    oof = [r[4][int(np.argmax(r[2] @ by_fold[r[0]].adapt(r[1])))] > 0 for r in data]
    plain = [r[4][int(np.argmax(r[2] @ r[1]))] > 0 for r in data]
    return Adapters(
        fit(data),
        by_fold,
        fold_of,
        len(data),
        float(np.mean(oof)) if data else 0.0,
        float(np.mean(plain)) if data else 0.0,
    )


def fit_lead_on(
    assistant, questions, classifier: QuestionClassifier, progress: bool
) -> tuple[LeadFit, Exemplars, Adapters, dict[str, dict[float, float]]]:
    """Fit the lead ranking on the train questions that have key facts; also return the
    exemplar memory (every train question, with the units that hold its key facts) and the
    query adapters (`fit_adapters`).

    A unit's label is how many of the question's key-fact groups (`must_include`) its own text
    holds, matched as the evaluation matches them. C is chosen by what the user sees: whether
    the units the answerer then chooses (the lead with what joins it) hold every group. Measured:
    out-of-fold lead accuracy did not track end-to-end key facts (0.732 to 0.745 over the C grid
    while dev key facts went 0.866 to 0.916). The join margin is chosen by `join_credit`: full
    for units holding every group and citing only pages where some chunk holds one (the train
    questions carry no gold pages: this is their stand-in), half for every group with another
    page cited too. By key facts alone the margin grows to the widest tried, answers citing any
    close page (measured: dev URL validity 0.955 -> 0.864); by the strict conjunction a join
    that completes an answer is worth less than one stray citation it risks elsewhere
    (measured: 0 chosen, while 0.5 completed two or three more answers on each of two blind sets
    run after the fact, at no dev URL validity cost). Also returned: the out-of-fold share of
    answers holding every group, and holding them citing only such pages, per margin. The
    memory's votes for a question are taken with its own writing batch left out, as serving
    meets a new writer's question."""
    from evals.metrics import normalise

    answerer = assistant._state.answerer
    seen_all, wanted_all = [], []
    for i, q in enumerate(questions):
        if progress:
            print(f"\rmemory {i + 1}/{len(questions)}", end="", file=sys.stderr)
        seen_all.append(observe(assistant, q.question, list(q.history) or None))
        wanted = [[normalise(s) for s in group] for group in q.must_include]
        wanted_all.append(wanted if q.answerable else [])
    groups_all = [writing_batch(q) for q in questions]

    def held(text: str, wanted: list[list[str]]) -> int:
        text = normalise(text)
        return sum(any(s in text for s in g) for g in wanted)

    chunk_pages = [
        (normalise(ch.text), page(ch.url)) for ch in assistant.records.load_manifest().chunks
    ]

    def key_pages(wanted: list[list[str]]) -> frozenset[str]:
        """The pages of the chunks holding one of the question's key facts."""
        return frozenset(p for t, p in chunk_pages if any(s in t for g in wanted for s in g))

    adapters = fit_adapters(seen_all, wanted_all, groups_all, answerer.vectors, held)
    answers = []
    for seen, wanted in zip(seen_all, wanted_all, strict=True):
        shares = {}
        for c in seen.selection.candidates:
            if wanted and (n := held(c.unit.text, wanted)):
                shares[c.unit.key] = max(shares.get(c.unit.key, 0.0), n / len(wanted))
        answers.append(shares)
    weights = assistant._state.weights
    exemplars = Exemplars.build(
        [s.qvec for s in seen_all],
        [q.answerable for q in questions],
        groups_all,
        answers,
        [q.lang for q in questions],
        [weights.content(q.question, q.lang) for q in questions],
    )
    vectors = answerer.vectors
    samples, groups, replays = [], [], []
    for seen, wanted, group in zip(seen_all, wanted_all, groups_all, strict=True):
        top = top_units(seen.selection.candidates)
        if not wanted or not top:
            continue
        rows = lead_features(
            top,
            seen.lang,
            seen.selection.question_terms,
            classifier.kind_proba(seen.qvec),
            extractive._terms,
            extractive._defines,
            exemplars.votes(seen.qvec, exclude_group=group),
            adapted_similarities(top, seen.qvec, adapters.for_group(group), vectors.similarity),
        )
        labels = np.array([held(c.unit.text, wanted) for c in top], dtype=np.float64)
        samples.append((rows, labels))
        groups.append(group)
        replays.append((seen, wanted, group, key_pages(wanted)))
    if progress:
        print(file=sys.stderr)

    def chosen_for(i: int, weights: np.ndarray | None, join_margin: float | None) -> list:
        seen, _, group, _ = replays[i]
        answerer.lead = (
            None
            if weights is None
            else LeadRanker(
                LeadModel(FEATURES, weights, join_margin=join_margin),
                classifier.kind_proba,
                exemplars,
                group,
                adapters.for_group(group),
            )
        )
        try:
            return answerer.select(seen.standalone, seen.qvec, seen.hits, seen.lang).chosen
        finally:
            answerer.lead = None

    def holds_all(chosen: list, wanted: list[list[str]]) -> bool:
        return held(" ".join(c.unit.text for c in chosen), wanted) == len(wanted)

    def answer_holds(i: int, weights: np.ndarray | None, join_margin: float | None) -> float:
        return float(holds_all(chosen_for(i, weights, join_margin), replays[i][1]))

    # margin -> per question (holds every key fact, ... and cites only pages stating one), for
    # the report: fit_lead asks each question once per margin, in its test fold.
    parts: dict[float, list[tuple[bool, bool]]] = defaultdict(list)

    def answer_credit(i: int, weights: np.ndarray | None, join_margin: float | None) -> float:
        chosen, (_, wanted, _, pages) = chosen_for(i, weights, join_margin), replays[i]
        complete = holds_all(chosen, wanted)
        stating = {page(c.hit.chunk.url) for c in chosen} <= pages
        if join_margin is not None:
            parts[join_margin].append((complete, complete and stating))
        return join_credit(complete, stating)

    fit = fit_lead(
        samples,
        groups,
        outcome=answer_holds,
        join_margins=JOIN_GRID,
        join_outcome=answer_credit,
    )
    by_margin = {
        "holds": {m: float(np.mean([a for a, _ in v])) for m, v in parts.items()},
        "holds_cited": {m: float(np.mean([b for _, b in v])) for m, v in parts.items()},
    }
    return fit, exemplars, adapters, by_margin


def join_credit(complete: bool, stating: bool) -> float:
    """What an answer is worth to its asker when choosing the join margin: 1 when its units hold
    every key fact and cite only pages stating one, 0.5 when they hold every key fact but cite
    another page too (a reader who follows that link finds no answer there), 0 when a key fact
    is missing (the asker must look elsewhere)."""
    if not complete:
        return 0.0
    return 1.0 if stating else 0.5


def markdown(cal: Calibration) -> str:
    """The report as the docs/EVALUATION.md section shows it."""
    r = cal.report
    langs = sorted(r["kind_groupkfold"]["by_lang"])
    lines = [
        f"Embedding model `{cal.embedding_model}`; packs digest `{cal.packs_digest[:12]}`; "
        f"training sets (train.jsonl, retired.txt) SHA-256 `{r['train_sha256'][:12]}`.",
        "",
        "| classifier | measured on | n | " + " | ".join(langs) + " | all |",
        "|---|---|---|" + "---|" * len(langs) + "---|",
    ]
    for name, key in (("kind", "kind"), ("asker", "asker")):
        cv = r[f"{key}_groupkfold"]
        row = " | ".join(f"{cv['by_lang'][lang]:.3f}" for lang in langs)
        lines.append(
            f"| {name} | pack examples, GroupKFold by template (C={cv['c']:g}) | {cv['n']} | "
            f"{row} | {cv['accuracy']:.3f} |"
        )
        tr = r[f"{key}_train"]
        row = " | ".join(f"{tr[lang]:.3f}" if lang in tr else "-" for lang in langs)
        lines.append(
            f"| {name} | train questions labelled before fitting | {tr['n']} | "
            f"{row} | {tr.get('all', 0.0):.3f} |"
        )
    a = r["answerability"]
    model = cal.answerability
    assert model is not None
    lines += [
        "",
        f"Answerability ({model.trees.feature.shape[0]} boosted trees of depth {model.trees.depth} "
        f"over {len(model.features)} features, "
        f"train.jsonl and the retired sealed sets: {a['n']} questions, "
        f"{a['n_unanswerable']} unanswerable):",
        "",
        f"- cross_val_score accuracy ({len(a['cv_accuracy'])} folds by writing batch, "
        "threshold 0.5): "
        f"{np.mean(a['cv_accuracy']):.3f} ± {np.std(a['cv_accuracy']):.3f}; "
        f"ROC AUC {np.mean(a['cv_roc_auc']):.3f} ± {np.std(a['cv_roc_auc']):.3f}",
        f"- threshold on P(answerable): {model.threshold:.4f}, the one refusing the most "
        f"unanswerable questions out of fold while refusing at most {FALSE_REFUSAL_BUDGET:g} of "
        "the answerable ones",
    ]
    if by_lang := a.get("oof_by_language"):
        own = ", ".join(
            f"{lang} {v['threshold']:.4f}" for lang, v in by_lang.items() if v["own_threshold"]
        )
        figures = "; ".join(
            f"{lang} (n {v['n']}, {v['n_unanswerable']} unanswerable) {v['refusal_accuracy']:.3f} "
            f"and {v['false_refusal_rate']:.3f}"
            for lang, v in by_lang.items()
        )
        lines += [
            f"- per language, the same rule on that language's out-of-fold probabilities (for a "
            f"language with at least {LANGUAGE_MIN_PER_CLASS} questions of each class; others use "
            f"the threshold above): {own or 'none'}",
            f"- out-of-fold at each language's threshold: refusal accuracy "
            f"{a['oof_refusal_accuracy']:.3f}, false-refusal rate "
            f"{a['oof_false_refusal_rate']:.3f}; per language {figures}",
        ]
    else:
        lines += [
            f"- out-of-fold at that threshold: refusal accuracy {a['oof_refusal_accuracy']:.3f}, "
            f"false-refusal rate {a['oof_false_refusal_rate']:.3f}",
        ]
    if union := a.get("oof_with_rules"):
        lines += [
            f"- with the word rules (ANSWER_DECISION=both), threshold "
            f"{union['threshold']:.4f} for the union of both refusals (the rules alone exceed the "
            f"budget), the mean over {THRESHOLD_ROUNDS} bootstrap resamples of the out-of-fold "
            f"probabilities of the threshold that maximises refusal accuracy - "
            f"{FALSE_REFUSAL_COST:g} x false-refusal rate: "
            f"out-of-fold refusal accuracy {union['refusal_accuracy']:.3f}, false-refusal rate "
            f"{union['false_refusal_rate']:.3f} (the rules alone, as this mode uses them: "
            f"{union['rules_alone_refusal_accuracy']:.3f} and "
            f"{union['rules_alone_false_refusal_rate']:.3f})",
        ]
    if probe := r.get("probe"):
        by_alpha = ", ".join(
            f"alpha={a}: {v:.4f}" for a, v in probe["oof_roc_auc_by_alpha"].items()
        )
        lines += [
            f"- answerability probe (the average of {probe.get('networks', 1)} networks, each one "
            f"hidden layer of {probe['hidden']} ReLU units over the "
            "question's embedding, its element-wise product with the closest unit's and its "
            f"residual outside the span of the {SPAN_UNITS} closest units', "
            "assistant/understand/probe.py): out-of-fold ROC AUC by writing batch "
            f"{by_alpha} (chosen alpha={probe['alpha']:g}); its log-odds is the feature "
            "`probe`, out of fold while fitting",
        ]
    if lead := r.get("lead"):
        by_c = ", ".join(f"C={c}: {h:.3f}" for c, h in lead["oof_answer_holds_by_c"].items())
        lines += [
            f"- lead ranking (pairwise logistic over {len(cal.lead.features) if cal.lead else 0} "
            f"features of the best-scored units, {lead['n']} train questions with a key fact "
            f"among them): the chosen units hold every key fact for "
            f"{lead['hand_set_answer_holds']:.3f} of them with the hand-set score leading; "
            f"grouped out-of-fold with the fitted ranking {by_c} "
            f"(chosen C={lead['c']:g})",
        ]
        if credit := lead.get("oof_answer_credit_by_join_margin"):
            holds = lead["oof_answer_holds_by_join_margin"]
            cited = lead["oof_answer_holds_cited_by_join_margin"]
            joins = ", ".join(
                f"{m}: {holds[m]:.3f} / {cited[m]:.3f} / {h:.3f}" for m, h in credit.items()
            )
            lines += [
                "- join margin (another page's statement joins the lead when its fitted score "
                "is within this of the lead's): grouped out-of-fold at that C, answers holding "
                "every key fact / also citing only pages where a chunk holds one / mean credit "
                f"(1 for both, 0.5 for the first alone), by margin {joins} "
                f"(chosen {lead['join_margin']:g} by the credit)",
            ]
    if adapter := r.get("adapter"):
        lines += [
            f"- query adapter (assistant/understand/adapter.py, {adapter['n']} train questions "
            "with a key fact among their best units): its most similar unit holds the most key "
            f"facts for {adapter['oof_top1']:.3f} of them out of fold by writing batch, against "
            f"{adapter['plain_top1']:.3f} by e5 similarity alone",
        ]
    lines += [
        "",
        "| feature | share of the trees' split gain |",
        "|---|---|",
    ]
    for name, share in sorted(model.importance().items(), key=lambda x: -x[1]):
        lines.append(f"| {name} | {share:.3f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="assistant calibrate",
        description="Fit the kind/asker classifiers on the language packs and answerability on "
        "train.jsonl; write the calibration file for the embedding model and print a report.",
    )
    parser.add_argument("--train", type=Path, default=TRAIN_SET, help="the training question set")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="the calibration file (default: assistant/packs/calibration/<model>.json)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress on stderr")
    parser.add_argument(
        "--inputs-out",
        type=Path,
        default=None,
        help="also keep what answerability was fitted on (.npz), for python -m evals.holdout",
    )
    args = parser.parse_args(argv)

    from assistant.commands import _open
    from assistant.settings import Settings
    from assistant.store import StoreError

    try:
        # The rules path: the classifiers are what is being fitted, so none is loaded first.
        assistant = _open(Settings(answer_decision="rules"))
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    cal = calibrate(
        assistant, args.train, progress=not args.no_progress, inputs_out=args.inputs_out
    )
    out = args.out or calibration_path(cal.embedding_model, CALIBRATION_DIR)
    cal.write(out)
    print(markdown(cal))
    print(f"\nwrote {out}", file=sys.stderr)
    return 0


__all__ = ["Observation", "QuestionClassifier", "calibrate", "main", "markdown", "observe"]
