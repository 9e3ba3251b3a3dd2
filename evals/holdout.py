"""Leave one retired blind set out of the answerability fit: `python -m evals.holdout INPUTS`.

A sealed set is run once, so it can judge one attempt. The retired ones can still judge a
question about the decision (a probe penalty, a threshold rule, a feature) if each is left out
of the whole fit in turn: the probe and its out-of-fold values, the trees and the threshold are
re-fitted without it by the engine's own functions (`fit_probe`, `fit_answerability`), and its
questions are then decided as a new writer's would be. INPUTS is what one calibration measured
(`assistant calibrate --inputs-out FILE`).

What stays in: the pipeline's measurements were taken once, so the lead ranking, the query
adapter and the kind classifier behind every feature were fitted with the left-out set among
their questions; the exemplar features already leave each question's own writing batch out. The
figures therefore answer "how does the decision generalise to a new writer", not "what would a
whole new calibration score".
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from assistant.understand import answerability as answerability_module
from assistant.understand.fit_inputs import FitInputs
from assistant.understand.probe import PROBE_FEATURE, fit_probe

DEFAULT_LAST = 10  # the most recent retired blind sets, when no set is named


@dataclasses.dataclass(frozen=True)
class HeldOut:
    """One left-out set's decisions at the thresholds fitted without it."""

    group: str
    answerable: int
    unanswerable: int
    # The shared threshold; a question is decided at its language's own where one was fitted.
    threshold: float
    refusal_accuracy: float
    false_refusal_rate: float
    roc_auc: float


Fit = Callable[..., answerability_module.AnswerabilityFit]


def blind_sets(groups: Sequence[str], last: int = DEFAULT_LAST) -> list[str]:
    """The `last` highest-numbered sealed sets among the groups."""
    numbered = sorted(
        {g for g in groups if g.startswith("sealed") and g[6:].isdigit()}, key=lambda g: int(g[6:])
    )
    return numbered[-last:] if last > 0 else []


def hold_out(inputs: FitInputs, group: str, fit: Fit | None = None) -> HeldOut:
    """Fit the probe and answerability without `group`, then decide its questions."""
    from sklearn.metrics import roc_auc_score

    fit = fit or answerability_module.fit_answerability
    groups = np.asarray(inputs.groups)
    test = groups == group
    if not test.any():
        raise ValueError(f"no questions of {group!r} in these inputs")
    train = ~test
    y = inputs.answerable
    train_groups = [str(g) for g in groups[train]]
    probe = fit_probe(list(inputs.probe_inputs[train]), list(y[train]), train_groups)
    column = inputs.names.index(PROBE_FEATURE)
    features = inputs.features.copy()
    features[train, column] = probe.oof
    features[test, column] = probe.probe.scores(inputs.probe_inputs[test])
    replaced = dataclasses.replace(inputs, features=features)
    fitted = fit(
        replaced.rows(train),
        list(y[train]),
        list(inputs.rules_refused[train]),
        train_groups,
        inputs.languages(train),
    )
    model = fitted.model
    p = np.array([model.probability(r) for r in replaced.rows(test)])
    test_langs = inputs.languages(test) or [None] * len(p)
    refused = p < np.array([model.threshold_for(False, lang) for lang in test_langs])
    yt = y[test]
    both = yt.any() and (~yt).any()
    return HeldOut(
        group=group,
        answerable=int(yt.sum()),
        unanswerable=int((~yt).sum()),
        threshold=float(model.threshold),
        refusal_accuracy=float(refused[~yt].mean()) if (~yt).any() else float("nan"),
        false_refusal_rate=float(refused[yt].mean()) if yt.any() else float("nan"),
        roc_auc=float(roc_auc_score(yt, p)) if both else float("nan"),
    )


def markdown(results: Sequence[HeldOut]) -> str:
    """One row per left-out set, then their mean."""
    lines = [
        "| left out | answerable | unanswerable | threshold | refusal | false refusals | ROC AUC |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.group} | {r.answerable} | {r.unanswerable} | {r.threshold:.3f} | "
            f"{r.refusal_accuracy:.3f} | {r.false_refusal_rate:.3f} | {r.roc_auc:.4f} |"
        )
    if results:
        mean = {
            k: float(np.nanmean([getattr(r, k) for r in results]))
            for k in ("threshold", "refusal_accuracy", "false_refusal_rate", "roc_auc")
        }
        lines.append(
            f"| mean of {len(results)} | {sum(r.answerable for r in results)} | "
            f"{sum(r.unanswerable for r in results)} | {mean['threshold']:.3f} | "
            f"{mean['refusal_accuracy']:.3f} | {mean['false_refusal_rate']:.3f} | "
            f"{mean['roc_auc']:.4f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.holdout", description=__doc__)
    parser.add_argument("inputs", type=Path, help="assistant calibrate --inputs-out's file")
    parser.add_argument("--sets", help="comma-separated groups to leave out (default: the last)")
    parser.add_argument(
        "--last", type=int, default=DEFAULT_LAST, help="how many recent sealed sets by default"
    )
    args = parser.parse_args(argv)
    try:
        inputs = FitInputs.load(args.inputs)
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: {args.inputs}: {exc}", file=sys.stderr)
        return 2
    sets = args.sets.split(",") if args.sets else blind_sets(inputs.groups, args.last)
    unknown = [s for s in sets if s not in set(inputs.groups)]
    if unknown or not sets:
        print(f"error: no questions of {unknown or 'any blind set'} in the inputs", file=sys.stderr)
        return 2
    results = []
    for group in sets:
        results.append(hold_out(inputs, group))
        print(f"{group} done", file=sys.stderr)
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
