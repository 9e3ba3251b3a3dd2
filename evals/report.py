"""results.json and the self-contained report.html staff open offline.

The page has inline CSS and inline SVG charts only (no script, no CDN), and Jinja2 autoescaping,
because answers and questions (including thumbs-down exports from the public) are untrusted text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from evals import metrics
from evals.runner import failed

TEMPLATES = Path(__file__).parent / "templates"
PALETTE = ("#1f6fb2", "#d9822b", "#5a9e4b", "#8e5ea2", "#c2453a", "#3b9c9c", "#7f7f7f")
RATIO_METRICS = (
    "key_fact_accuracy",
    "refusal_accuracy",
    "false_refusal_rate",
    "language_match",
    "citation_validity",
    "citation_url_validity",
    "hit_at_k",
    "mrr",
    "faithfulness",
)
LATENCY_METRICS = ("latency_ms_p50", "latency_ms_p95")


def write_json(path: Path, results: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def series_of(results: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every (label, summary) the page compares: the project, the baselines, the other sets."""
    main = results.get("meta", {}).get("main_set", "")
    out = [(f"project · {main}" if results.get("sets") else "project", results["summary"])]
    for name, summary in results.get("compare", {}).items():
        if name != "project":
            out.append((name, summary))
    for name, summary in results.get("sets", {}).items():
        if name != main:
            out.append((f"project · {name}", summary))
    return out


def _fmt(value: Any, metric: str = "", digits: int = 3) -> str:
    """Ratios with fixed decimals, milliseconds as whole numbers (one decimal below 10 ms)."""
    if value is None:
        return "n/a"
    if metric in LATENCY_METRICS:
        return f"{value:.0f}" if value >= 10 else f"{value:.1f}"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def bar_chart(metric: str, series: Sequence[tuple[str, dict[str, Any]]]) -> dict[str, Any] | None:
    """Geometry of one grouped bar chart: groups are overall + languages, bars are the series."""
    groups = ["overall"] + [
        lang for lang in metrics.LANG_ORDER if any(lang in s["by_lang"] for _, s in series)
    ]

    def value(summary: dict[str, Any], group: str) -> float | None:
        part = summary["overall"] if group == "overall" else summary["by_lang"].get(group, {})
        return part.get(metric)

    values = [[value(s, g) for _, s in series] for g in groups]
    present = [v for row in values for v in row if v is not None]
    if not present:
        return None
    top = 1.0 if metric in RATIO_METRICS else max(present) or 1.0
    bar_w, gap, height, pad_top, pad_left = 26, 18, 150, 18, 8
    group_w = bar_w * len(series) + gap
    bars, labels = [], []
    for gi, group in enumerate(groups):
        x0 = pad_left + gi * group_w
        labels.append({"x": x0 + (group_w - gap) / 2, "text": group})
        for si, v in enumerate(values[gi]):
            h = 0 if v is None else max(1.0, height * v / top)
            bars.append(
                {
                    "x": x0 + si * bar_w,
                    "y": pad_top + height - h,
                    "w": bar_w - 3,
                    "h": h,
                    "color": PALETTE[si % len(PALETTE)],
                    "label": _fmt(v, metric, digits=2),
                    "title": f"{series[si][0]} · {group} · {metric} = {_fmt(v, metric)}",
                }
            )
    return {
        "metric": metric,
        "rule": metrics.RULES.get(metric, ""),
        "width": pad_left + group_w * len(groups),
        "height": pad_top + height + 22,
        "base": pad_top + height,
        "bars": bars,
        "labels": labels,
    }


def _failure(record: Mapping[str, Any]) -> dict[str, Any]:
    reasons = []
    if record["error"]:
        reasons.append(f"error: {record['error']}")
    if record["answerable"] and record["refused"]:
        reasons.append("refused an answerable question")
    elif not record["answerable"] and not record["refused"]:
        reasons.append("answered an unanswerable question")
    if record["missing"]:
        reasons.append(f"{len(record['missing'])} expected fact group(s) missing")
    if not record["language_match"]:
        reasons.append(
            f"answer language {record['language'] or 'unknown'}, expected {record['lang']}"
        )
    if record["citations_valid"] is False:
        reasons.append("a cited quote is not in its chunk")
    if record.get("citation_urls_valid") is False:
        reasons.append(f"cited URL not among the gold URLs: {', '.join(record['off_gold_urls'])}")
    missing = [tuple(g) for g in record["missing"]]
    return {
        **record,
        "reasons": reasons,
        "groups": [{"strings": g, "missing": tuple(g) in missing} for g in record["must_include"]],
    }


def render_html(results: Mapping[str, Any]) -> str:
    """The report page as one string."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True)
    )
    series = series_of(results)
    shown = [
        m for m in (*RATIO_METRICS, *LATENCY_METRICS) if any(m in s["overall"] for _, s in series)
    ]
    charts = [c for m in shown if (c := bar_chart(m, series)) is not None]
    failure_sets = [(results.get("meta", {}).get("main_set", "questions"), results["questions"])]
    failure_sets += list(results.get("set_questions", {}).items())
    langs = [lang for lang in metrics.LANG_ORDER if any(lang in s["by_lang"] for _, s in series)]
    return env.get_template("report.html.j2").render(
        results=results,
        meta=results.get("meta", {}),
        series=[
            {"label": label, "summary": s, "color": PALETTE[i % len(PALETTE)]}
            for i, (label, s) in enumerate(series)
        ],
        metrics_shown=shown,
        langs=langs,
        charts=charts,
        failures=[
            (name, len(records), [_failure(r) for r in records if failed(r)])
            for name, records in failure_sets
        ],
        rules=metrics.RULES,
        fmt=_fmt,
    )


def _cell(part: Mapping[str, Any], metric: str) -> str:
    """A rate with its Wilson 95 % interval, as docs/EVALUATION.md shows it."""
    value = part.get(metric)
    interval = (part.get("intervals") or {}).get(metric)
    if value is None:
        return "n/a"
    if interval:
        return f"{value:.3f} [{interval[0]:.2f}, {interval[1]:.2f}]"
    return f"{value:.3f}"


def render_markdown(results: Mapping[str, Any]) -> str:
    """Per-language tables (overall and each language) for every configuration and set, each
    rate with its Wilson 95 % interval, and the median answer length."""
    lines: list[str] = []
    for label, summary in series_of(results):
        parts = [("all", summary["overall"]), *summary.get("by_lang", {}).items()]
        # The rates, i.e. the metrics the summary gives a Wilson interval for.
        shown = [
            m
            for m in RATIO_METRICS
            if any(p.get(m) is not None and m in (p.get("intervals") or {}) for _, p in parts)
        ]
        lines += [f"### {label}", ""]
        lines.append("| | n | " + " | ".join(shown) + " | median words |")
        lines.append("|---|---|" + "---|" * len(shown) + "---|")
        for name, part in parts:
            cells = " | ".join(_cell(part, m) for m in shown)
            words = _fmt(part.get("answer_words_median"), digits=1)
            lines.append(f"| {name} | {part.get('n')} | {cells} | {words} |")
        lines.append("")
    return "\n".join(lines)


def write_report(out_dir: Path, results: Mapping[str, Any]) -> tuple[Path, Path]:
    """Write results.json, report.html and report.md into out_dir; returns the first two."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out_dir / "results.json", out_dir / "report.html"
    write_json(json_path, results)
    html_path.write_text(render_html(results), encoding="utf-8")
    (out_dir / "report.md").write_text(render_markdown(results), encoding="utf-8")
    return json_path, html_path
