"""`assistant eval` / `python -m evals`: ask the question sets, score, compare, gate.

Exit codes: 0 all thresholds met, 1 a `--min` threshold missed, 2 a usage or question-file error.
Settings come from the environment / .env like every other command; there is no profile flag.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evals import metrics
from evals.baselines import BUILDERS, NAMES, Builder
from evals.questions import Question, QuestionFileError, load_questions

QUESTIONS_DIR = Path(__file__).parent / "questions"
DEFAULT_SET = QUESTIONS_DIR / "dev.jsonl"


def parse_threshold(text: str) -> tuple[str, float]:
    """'key_fact_accuracy=0.9' -> ('key_fact_accuracy', 0.9); argparse turns errors into exit 2."""
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name or not raw.strip():
        raise argparse.ArgumentTypeError(f"expected METRIC=VALUE, got {text!r}")
    if name not in metrics.ALL_METRICS:
        known = ", ".join(metrics.ALL_METRICS)
        raise argparse.ArgumentTypeError(f"unknown metric {name!r} (known: {known})")
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name}: {raw!r} is not a number") from None
    return name, value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant eval",
        description=(
            "Ask the evaluation questions as a user would, score the answers and write "
            "DIR/results.json and DIR/report.html."
        ),
        epilog=(
            "The first question file is the main set (summary.overall, the --min gate, "
            "--compare); further files are reported beside it under 'sets'. Without --questions "
            "the project's dev set alone is used (train.jsonl, sealed.jsonl only by name). For "
            "false_refusal_rate and latency_ms_* a --min value is a ceiling (lower is better)."
        ),
    )
    parser.add_argument(
        "--questions",
        nargs="+",
        type=Path,
        metavar="FILE",
        help=f"JSON Lines question files (default: {DEFAULT_SET.name})",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("data/eval"),
        metavar="DIR",
        help="output folder (default: data/eval)",
    )
    parser.add_argument(
        "--compare",
        nargs="+",
        choices=NAMES,
        default=[],
        metavar="NAME",
        help=f"configurations to run side by side: {', '.join(NAMES)}",
    )
    parser.add_argument(
        "--min",
        dest="thresholds",
        action="append",
        type=parse_threshold,
        default=[],
        metavar="METRIC=VALUE",
        help="fail (exit 1) when the main set's overall METRIC misses VALUE",
    )
    parser.add_argument(
        "--no-judge",
        action="store_true",
        help="skip the LLM faithfulness judge even when an LLM is configured",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def check_thresholds(
    overall: Mapping[str, Any], thresholds: Sequence[tuple[str, float]]
) -> list[str]:
    """One line per missed threshold (a metric that could not be computed counts as missed)."""
    missed = []
    for name, wanted in thresholds:
        value = overall.get(name)
        if value is None:
            missed.append(f"{name}: not available on this question set (wanted {wanted})")
        elif name in metrics.LOWER_IS_BETTER and value > wanted:
            missed.append(f"{name} = {value} > {wanted} (at most)")
        elif name not in metrics.LOWER_IS_BETTER and value < wanted:
            missed.append(f"{name} = {value} < {wanted} (at least)")
    return missed


def _set_names(paths: Sequence[Path]) -> list[str]:
    names: list[str] = []
    for path in paths:
        name, i = path.stem, 2
        while name in names:
            name, i = f"{path.stem}-{i}", i + 1
        names.append(name)
    return names


def _print_summary(label: str, overall: Mapping[str, Any]) -> None:
    shown = "  ".join(
        f"{k}={metrics_fmt(v)}" for k, v in overall.items() if k not in ("n", "intervals")
    )
    print(f"{label:<18} n={overall['n']}  {shown}")


def metrics_fmt(value: Any) -> str:
    return "n/a" if value is None else f"{value:g}"


def main(argv: Sequence[str] | None = None, builders: Mapping[str, Builder] | None = None) -> int:
    """Run the evaluation; `builders` replaces the configurations (tests pass fakes)."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:  # argparse has printed the message
        return int(exc.code or 0)
    builders = {**BUILDERS, **(builders or {})}

    paths = list(args.questions or [DEFAULT_SET])
    try:
        sets: dict[str, list[Question]] = {
            name: load_questions(path) for name, path in zip(_set_names(paths), paths, strict=True)
        }
    except QuestionFileError as exc:
        print(f"assistant eval: {exc}", file=sys.stderr)
        return 2

    from assistant.settings import Settings
    from evals.judge import FaithfulnessJudge, make_chat_model
    from evals.report import write_report
    from evals.runner import evaluate

    settings = Settings()
    judge = None
    if settings.llm_provider != "none" and not args.no_judge:
        model = make_chat_model(settings)
        judge = FaithfulnessJudge(model) if model is not None else None
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    progress = not args.no_progress

    main_name = next(iter(sets))
    project = builders["project"](settings, out)
    records = {
        name: evaluate(project, qs, label=f"project·{name}", judge=judge, progress=progress)
        for name, qs in sets.items()
    }
    judged = judge is not None
    summaries = {name: metrics.summarise_by_lang(recs, judged) for name, recs in records.items()}

    results: dict[str, Any] = {
        "summary": summaries[main_name],
        "questions": records[main_name],
    }
    if len(sets) > 1:
        results["sets"] = summaries
        results["set_questions"] = {n: r for n, r in records.items() if n != main_name}
    if args.compare:
        compare: dict[str, Any] = {}
        for name in ["project", *[n for n in args.compare if n != "project"]]:
            if name == "project":
                compare[name] = summaries[main_name]
                continue
            responder = builders[name](settings, out)
            recs = evaluate(responder, sets[main_name], label=name, progress=progress)
            compare[name] = metrics.summarise_by_lang(recs)
        results["compare"] = compare
    results["meta"] = {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "main_set": main_name,
        "question_files": [str(p) for p in paths],
        "embedding_provider": settings.embedding_provider,
        "llm_provider": settings.llm_provider,
        # Which decision mode answered: runs of one set in several modes are told apart by it.
        "answer_decision": settings.answer_decision,
        "judge": judged,
        "rules": metrics.RULES,
    }
    json_path, html_path = write_report(out, results)

    _print_summary(f"project·{main_name}", summaries[main_name]["overall"])
    for name, summary in summaries.items():
        if name != main_name:
            _print_summary(f"project·{name}", summary["overall"])
    for name, summary in results.get("compare", {}).items():
        if name != "project":
            _print_summary(name, summary["overall"])
    print(f"wrote {json_path} and {html_path}")

    missed = check_thresholds(summaries[main_name]["overall"], args.thresholds)
    for line in missed:
        print(f"threshold missed: {line}", file=sys.stderr)
    return 1 if missed else 0
