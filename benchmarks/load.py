"""Load, busy neighbours and attacks against `assistant serve` on loopback (issue 11).

Run: `.venv/bin/python benchmarks/load.py` (a few minutes; needs the shipped index in
data/test-index, which the tests build). Every figure is measured in this run for two builds side
by side: a baseline (the source tree at `--baseline-ref`, default the merge base with main,
extracted with `git archive`) and this tree. Each server is a separate `assistant serve` process
on a free 127.0.0.1 port over its own copy of the index; this script is the client process.

(a) load: 32 clients for 30 s asking the dev questions (those without history), each made unique
    by a punctuation suffix that no tokenizer or rule reads, so nothing can be served from a cache;
    one client for 20 s as the reference; refusal shares next to the dev set's.
(b) busy neighbours: one client while every core runs a busy Python loop at the same nice level.
(c) attacks of issue 11's table, each against a fresh server: what /healthz and a normal /v1/ask
    take meanwhile, and when the attack itself is answered.

Figures go to docs/BENCHMARKS.md between the `load.py` markers (benchmarks/run.py keeps them).

`--replicas` (issue 13) measures (a) for this tree only, in one run, twice: one `assistant serve`
over embedded Chroma as above, then two `assistant serve` replicas with empty DATA_DIRs over
`chroma run` (a copy of the same index; `assistant ingest` adds the manifest and unit vectors to
the server) and `redis-server` for the conversation state, the clients alternating between them.
Its figures go between the `load.py:replicas` markers. Loopback only; every loop is bounded in
count and time. Nothing here is asserted in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- load.py:begin -->", "<!-- load.py:end -->"
REPLICAS_BEGIN, REPLICAS_END = "<!-- load.py:replicas:begin -->", "<!-- load.py:replicas:end -->"
PROBE_QUESTION = "Who can apply for funding under the ecosystem agreement?"
ATTACK_TIMEOUT_S = 30.0
PROBE_EVERY_S = 0.5


# ----- servers --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def extract(ref: str, target: Path) -> Path:
    """The source tree at `ref`, without touching the repository (git archive)."""
    data = subprocess.run(
        ["git", "archive", "--format=tar", ref], cwd=ROOT, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(target, filter="data")
    return target


@dataclass
class Server:
    proc: subprocess.Popen
    url: str
    log: Path
    started_s: float = 0.0
    ready: bool = False
    exit_code: int | None = None


def start_server(
    src: Path,
    index: Path | None,
    workdir: Path,
    env_extra: dict[str, str] | None = None,
    wait_s=120,
) -> Server:
    """`assistant serve` from `src` over a fresh copy of `index` (None: an empty DATA_DIR, for a
    replica that reads a Chroma server); waits until /readyz or exit."""
    data = workdir / "data"
    shutil.rmtree(data, ignore_errors=True)
    if index is None:
        data.mkdir(parents=True)
    else:
        shutil.copytree(index, data, ignore=shutil.ignore_patterns(".owner.lock", ".owner.pid"))
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "GOMP_"))},
        "PYTHONPATH": str(src),
        "DATA_DIR": str(data),
        "CORPUS_DIR": str(src / "corpus"),
        "EXTRA_DOCS_DIRS": "",
        "TELEGRAM_BOT_TOKEN": "",
        "ADMIN_API_KEY": "bench-admin-key-0123456789",
        "LLM_PROVIDER": "none",
        "LOG_LEVEL": "WARNING",
        "RATE_LIMIT_ENABLED": "false",
        **(env_extra or {}),
    }
    log = workdir / f"serve-{port}.log"
    cmd = [sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if not env_extra or "EXTRA_DOCS_DIRS" not in env_extra:
        cmd.append("--skip-index-check")
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=workdir, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    server = Server(proc, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            server.exit_code = proc.returncode
            break
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.url}/readyz", timeout=2).status_code == 200:
                server.ready = True
                break
        time.sleep(0.2)
    server.started_s = time.perf_counter() - t0
    return server


def stop_server(server: Server) -> None:
    if server.proc.poll() is None:
        server.proc.terminate()
        try:
            server.proc.wait(15)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(15)


# ----- (a) load ---------------------------------------------------------------------------------


def dev_questions() -> list[dict]:
    rows = [json.loads(line) for line in (ROOT / "evals/questions/dev.jsonl").open()]
    return [r for r in rows if not r.get("history")]


def unique(question: str, i: int) -> str:
    """A distinct question text per request: a suffix of '?' and '!' (no token, no rule)."""
    return f"{question} {format(i + 1, 'b').replace('0', '?').replace('1', '!')}"


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    refused: int = 0
    duration: float = 0.0
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def summary(self) -> dict:
        lat = np.array(self.latencies) * 1000 if self.latencies else np.zeros(1)
        n = len(self.latencies)
        return {
            "answers": n,
            "errors": self.errors,
            "throughput": n / self.duration if self.duration else 0.0,
            "p50_ms": float(np.percentile(lat, 50)),
            "p95_ms": float(np.percentile(lat, 95)),
            "p99_ms": float(np.percentile(lat, 99)),
            "refused_share": self.refused / n if n else 0.0,
            "loadavg": self.load,
        }


async def load_run(
    url: str | list[str], questions: list[str], clients: int, duration: float
) -> Run:
    """`clients` workers for `duration` seconds; with several URLs (replicas) worker n asks the
    n-th one (round robin), as a load balancer would spread connections."""
    run = Run()
    counter = iter(range(10**9))
    urls = [url] if isinstance(url, str) else url
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with contextlib.AsyncExitStack() as stack:
        pool = [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=u, limits=limits, timeout=60)
            )
            for u in urls
        ]
        end = time.monotonic() + duration

        async def worker(n: int) -> None:
            client = pool[n % len(pool)]
            while time.monotonic() < end:
                i = next(counter)
                question = unique(questions[i % len(questions)], i)
                t0 = time.perf_counter()
                try:
                    r = await client.post("/v1/ask", json={"question": question})
                except httpx.HTTPError:
                    run.errors += 1
                    continue
                if r.status_code != 200:
                    run.errors += 1
                    continue
                run.latencies.append(time.perf_counter() - t0)
                run.refused += bool(r.json().get("refused"))

        t0 = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(clients)))
        run.duration = time.perf_counter() - t0
    run.load = os.getloadavg()
    return run


def warm_pass(url: str, rows: list[dict]) -> dict:
    """Every dev question once, unmodified: warms the server, gives the dev refusal share."""
    refused = 0
    with httpx.Client(base_url=url, timeout=60) as client:
        for row in rows:
            r = client.post("/v1/ask", json={"question": row["question"]})
            r.raise_for_status()
            refused += bool(r.json()["refused"])
    expected = sum(1 for r in rows if not r["answerable"])
    return {"refused_share": refused / len(rows), "expected_share": expected / len(rows)}


# ----- (b) busy neighbours --------------------------------------------------------------------


@contextlib.contextmanager
def busy_neighbours(n: int):
    """`n` busy Python loops at this process's nice level, stopped on exit."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        time.sleep(1.0)
        yield
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait(10)


# ----- (c) attacks ------------------------------------------------------------------------------


def _client(local: str = "127.0.0.1", timeout: float = 10.0) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=local), timeout=timeout)


def chat(messages: list[dict]) -> dict:
    return {"model": "tampere-assistant", "messages": messages}


def attack_requests(kind: str) -> list[tuple[str, str, dict, dict]]:
    """(method, path, json body, headers) of one attack."""
    focus = {"role": "user", "content": "What are the focus areas of the agreement?"}
    second = {"role": "user", "content": "Tell me more about the second one"}
    words = "Which funding does the ecosystem agreement offer startups in Tampere? "
    if kind == "spaces-50k":
        run = "The focus areas are: a" + " " * 50_000 + "b [1]"
        return [("POST", "/v1/chat/completions", chat([focus, _asst(run), second]), {})]
    if kind == "spaces-19k":
        run = "The focus areas are: a" + " " * 19_000 + "b [1]"
        return [("POST", "/v1/chat/completions", chat([focus, _asst(run), second]), {})]
    if kind == "earlier-user-60k":
        long = (words * 900)[:60_000]
        msgs = [{"role": "user", "content": long}, _asst("It funds joint projects [1]."), _vague()]
        return [("POST", "/v1/chat/completions", chat(msgs), {})]
    if kind == "earlier-user-19k":
        long = (words * 300)[:19_500]
        msgs = [{"role": "user", "content": long}, _asst("It funds joint projects [1]."), _vague()]
        return [("POST", "/v1/chat/completions", chat(msgs), {})]
    if kind == "x-forwarded-for-45":
        return [
            (
                "POST",
                "/v1/ask",
                {"question": f"Who can apply for funding? {i}"},
                {"X-Forwarded-For": f"10.9.{i // 250}.{i % 250 + 1}"},
            )
            for i in range(45)
        ]
    raise ValueError(kind)


def _asst(text: str) -> dict:
    return {"role": "assistant", "content": text}


def _vague() -> dict:
    # No subject of its own: the follow-up rule appends the earlier question to it.
    return {"role": "user", "content": "And that?"}


def probe_while(url: str, done: threading.Event, deadline: float) -> dict:
    """/healthz and a normal /v1/ask, again and again until `done` (bounded by `deadline`).

    Probes come from 127.0.0.2-9 (all loopback), so they never share the attack's rate bucket.
    """
    health: list[float] = []
    asks: list[float] = []
    statuses: list[int] = []
    i = 0
    while not done.is_set() and time.monotonic() < deadline and i < 200:
        local = f"127.0.0.{2 + i % 8}"
        with _client(local) as client:
            t0 = time.perf_counter()
            try:
                client.get(f"{url}/healthz").raise_for_status()
                health.append(time.perf_counter() - t0)
            except httpx.HTTPError:
                health.append(float("inf"))
            t0 = time.perf_counter()
            try:
                r = client.post(f"{url}/v1/ask", json={"question": PROBE_QUESTION})
                statuses.append(r.status_code)
                asks.append(time.perf_counter() - t0)
            except httpx.HTTPError:
                asks.append(float("inf"))
        i += 1
        time.sleep(PROBE_EVERY_S)
    return {
        "healthz_max_s": max(health, default=float("nan")),
        "ask_max_s": max(asks, default=float("nan")),
        "ask_statuses": sorted(set(statuses)),
        "probes": len(health),
    }


def run_attack(url: str, kind: str) -> dict:
    """Fire the attack from 127.0.0.1 while probing; the attack's own status and time."""
    done = threading.Event()
    result: dict = {}

    def attack() -> None:
        requests = attack_requests(kind)
        statuses: list[str] = []
        t0 = time.perf_counter()

        def one(req) -> None:
            method, path, body, headers = req
            try:
                with _client(timeout=ATTACK_TIMEOUT_S) as client:
                    r = client.request(method, f"{url}{path}", json=body, headers=headers)
                statuses.append(str(r.status_code))
            except httpx.TimeoutException:
                statuses.append("timeout")
            except httpx.HTTPError as exc:
                statuses.append(type(exc).__name__)

        threads = [threading.Thread(target=one, args=(r,)) for r in requests]
        for start in range(0, len(threads), 8):  # at most 8 in flight
            batch = threads[start : start + 8]
            for t in batch:
                t.start()
            for t in batch:
                t.join()
        result.update(statuses=statuses, attack_s=time.perf_counter() - t0)
        done.set()

    thread = threading.Thread(target=attack)
    time.sleep(0.2)
    thread.start()
    probes = probe_while(url, done, time.monotonic() + ATTACK_TIMEOUT_S + 5)
    thread.join(ATTACK_TIMEOUT_S * 2)
    counts: dict[str, int] = {}
    for s in result.get("statuses", []):
        counts[s] = counts.get(s, 0) + 1
    return {**probes, "attack_s": result.get("attack_s", float("nan")), "statuses": counts}


def feedback_attack(url: str) -> dict:
    """20 votes for one answer id while probing; how many rows the admin export then holds."""
    with _client() as client:
        answer_id = client.post(f"{url}/v1/ask", json={"question": PROBE_QUESTION}).json()["id"]
    done = threading.Event()
    result: dict = {}

    def attack() -> None:
        t0 = time.perf_counter()
        statuses = []
        with _client(timeout=ATTACK_TIMEOUT_S) as client:
            for i in range(20):
                body = {"answer_id": answer_id, "rating": "up" if i % 2 else "down"}
                statuses.append(str(client.post(f"{url}/v1/feedback", json=body).status_code))
        result.update(statuses=statuses, attack_s=time.perf_counter() - t0)
        done.set()

    thread = threading.Thread(target=attack)
    thread.start()
    probes = probe_while(url, done, time.monotonic() + ATTACK_TIMEOUT_S + 5)
    thread.join(ATTACK_TIMEOUT_S * 2)
    with _client() as client:
        export = client.get(
            f"{url}/v1/admin/feedback",
            headers={"Authorization": "Bearer bench-admin-key-0123456789"},
        )
    rows = [line for line in export.text.splitlines() if answer_id in line]
    counts: dict[str, int] = {}
    for s in result.get("statuses", []):
        counts[s] = counts.get(s, 0) + 1
    return {**probes, "attack_s": result.get("attack_s"), "statuses": counts, "rows": len(rows)}


def hostile_documents(kind: str, folder: Path) -> Path:
    """One hostile document of issue 11's table in its own folder."""
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "html-3000-nested-div":
        body = "<div>" * 3000 + "Deep text about the agreement." + "</div>" * 3000
        (folder / "deep.html").write_text(f"<html><body>{body}</body></html>")
    elif kind == "yaml-alias-bomb":
        # Scaled down from the issue's 2.8-billion-character title (39 s, 3 GB on 2 cores): 9^6
        # repetitions of 'lol' is about 1.6 M characters, enough to show whether aliases expand.
        levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
        for n in range(1, 6):
            prev = chr(ord("a") + n - 1)
            cur = chr(ord("a") + n)
            levels.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
        front = "\n".join(levels) + "\ntitle: *f\nlang: en\n"
        (folder / "bomb.md").write_text(f"---\n{front}---\n# Bomb\n\nSome text about funding.\n")
    else:
        raise ValueError(kind)
    return folder


# ----- the report -----------------------------------------------------------------------------


def fmt_run(s: dict) -> str:
    return (
        f"{s['throughput']:.1f} answers/s, p50 {s['p50_ms']:.0f} ms, p95 {s['p95_ms']:.0f} ms, "
        f"p99 {s['p99_ms']:.0f} ms, {s['errors']} errors, refused {100 * s['refused_share']:.0f}%"
    )


def secs(value: float) -> str:
    """Seconds, or that the 10 s probe timeout ran out."""
    return "> 10 s (no answer)" if value == float("inf") else f"{value:.2f} s"


def fmt_attack(a: dict | None) -> str:
    if a is None:
        return "not run"
    if "serve" in a:
        return a["serve"]
    statuses = ", ".join(f"{k}×{v}" for k, v in sorted(a["statuses"].items()))
    extra = f"; {a['rows']} rows stored" if "rows" in a else ""
    return (
        f"attack answered in {a['attack_s']:.2f} s ({statuses}){extra}; meanwhile /healthz max "
        f"{secs(a['healthz_max_s'])}, /v1/ask max {secs(a['ask_max_s'])} ({a['probes']} probes)"
    )


def report(results: dict, args: argparse.Namespace) -> str:
    base, cur = results["baseline"], results["current"]
    lines = [
        BEGIN,
        "## Load, busy neighbours and attacks (benchmarks/load.py)",
        "",
        f"Measured by `benchmarks/load.py` on {time.strftime('%Y-%m-%d %H:%M')} UTC, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, in one run: the baseline "
        f"(`{results['baseline_ref']}`) and this tree (`{results['current_ref']}`), each as its "
        "own `assistant serve` process on 127.0.0.1 over a copy of the shipped index; the client "
        "is this script's process on the same cores. **The machine is shared and was busy** "
        f"(load average at the start {results['load_start'][0]:.2f} / "
        f"{results['load_start'][1]:.2f} / {results['load_start'][2]:.2f}, at the end "
        f"{results['load_end'][0]:.2f} / {results['load_end'][1]:.2f} / "
        f"{results['load_end'][2]:.2f}), so figures vary from run to run; the two builds were "
        "measured back to back under the same conditions.",
        "",
        "| what | baseline | this tree | target |",
        "|---|---|---|---|",
    ]
    rows = []
    if "load" in cur:
        rows += [
            (
                f"dev questions once, unmodified ({cur['dev']['n']} without history): refused",
                f"{100 * base['dev']['refused_share']:.0f}%",
                f"{100 * cur['dev']['refused_share']:.0f}% (dev set expects "
                f"{100 * cur['dev']['expected_share']:.0f}%)",
                "",
            ),
            (
                f"(a) one client, {args.single_s:.0f} s",
                fmt_run(base["single"]),
                fmt_run(cur["single"]),
                "",
            ),
            (
                f"(a) {args.clients} clients, {args.duration:.0f} s, unique questions",
                fmt_run(base["load"]),
                fmt_run(cur["load"]),
                "0 errors; ≥ 1x one client's throughput (goal 1.5x); p95 < 1.5 s; refusals "
                "within 10 points of dev's",
            ),
            (
                f"(a) {args.clients} clients: throughput vs one client",
                f"{base['load']['throughput'] / base['single']['throughput']:.2f}x",
                f"{cur['load']['throughput'] / cur['single']['throughput']:.2f}x",
                "≥ 1x (goal 1.5x)",
            ),
        ]
    if "busy" in cur:
        rows += [
            (
                f"(b) one client beside {results['neighbours']} busy loops, {args.single_s:.0f} s",
                fmt_run(base["busy"]),
                fmt_run(cur["busy"]),
                "",
            ),
            (
                "(b) p95 beside busy neighbours vs idle",
                f"{base['busy']['p95_ms'] / base['single']['p95_ms']:.1f}x",
                f"{cur['busy']['p95_ms'] / cur['single']['p95_ms']:.1f}x",
                "≤ 6x (goal 3x)",
            ),
        ]
    for kind in results.get("attacks", []):
        rows.append(
            (
                f"(c) {kind}",
                fmt_attack(base["attacks"].get(kind)),
                fmt_attack(cur["attacks"].get(kind)),
                "/healthz < 1 s, /v1/ask < 2 s, attack answered (4xx or 200) < 5 s",
            )
        )
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    lines += ["", *results.get("notes", []), END]
    return "\n".join(lines)


def write_report(text: str, out: Path, begin: str = BEGIN, end: str = END) -> None:
    current = out.read_text() if out.exists() else ""
    if begin in current and end in current:
        head, rest = current.split(begin, 1)
        tail = rest.split(end, 1)[1]
        current = head + text + tail
    else:
        current = current.rstrip("\n") + "\n\n" + text + "\n"
    out.write_text(current)


# ----- main -------------------------------------------------------------------------------------


def measure(label: str, src: Path, args: argparse.Namespace, work: Path, results: dict) -> None:
    rows = dev_questions()
    questions = [r["question"] for r in rows]
    out: dict = {"attacks": {}}
    results[label] = out
    if "a" in args.parts or "b" in args.parts:
        server = start_server(src, args.index, work / label)
        if not server.ready:
            raise RuntimeError(f"{label} server did not start: {server.log.read_text()[-2000:]}")
        try:
            out["dev"] = {**warm_pass(server.url, rows), "n": len(rows)}
            print(label, "dev", out["dev"], flush=True)
            out["single"] = asyncio.run(load_run(server.url, questions, 1, args.single_s)).summary()
            print(label, "single", out["single"], flush=True)
            if "a" in args.parts:
                out["load"] = asyncio.run(
                    load_run(server.url, questions, args.clients, args.duration)
                ).summary()
                print(label, "load", out["load"], flush=True)
            if "b" in args.parts:
                with busy_neighbours(results["neighbours"]):
                    out["busy"] = asyncio.run(
                        load_run(server.url, questions, 1, args.single_s)
                    ).summary()
                print(label, "busy", out["busy"], flush=True)
        finally:
            stop_server(server)
    if "c" in args.parts:
        for kind in results["attacks"]:
            if kind.startswith(("html-", "yaml-")):
                folder = hostile_documents(kind, work / label / f"docs-{kind}")
                server = start_server(
                    src,
                    args.index,
                    work / label,
                    {"EXTRA_DOCS_DIRS": str(folder), "RATE_LIMIT_ENABLED": "true"},
                    wait_s=ATTACK_TIMEOUT_S * 4,
                )
                try:
                    if server.ready:
                        probes = probe_while(server.url, threading.Event(), time.monotonic() + 2)
                        out["attacks"][kind] = {
                            "serve": f"serve ready in {server.started_s:.1f} s with the document "
                            f"in EXTRA_DOCS_DIRS; then /healthz {probes['healthz_max_s']:.2f} s, "
                            f"/v1/ask {probes['ask_max_s']:.2f} s"
                        }
                    elif server.exit_code is not None:
                        tail = server.log.read_text().strip().splitlines()[-1:] or ["?"]
                        out["attacks"][kind] = {
                            "serve": f"serve exited ({server.exit_code}) after "
                            f"{server.started_s:.1f} s, never listening: `{tail[0][:120]}`"
                        }
                    else:
                        out["attacks"][kind] = {
                            "serve": f"serve not ready after {server.started_s:.0f} s"
                        }
                finally:
                    stop_server(server)
            else:
                server = start_server(src, args.index, work / label, {"RATE_LIMIT_ENABLED": "true"})
                try:
                    if kind == "feedback-20":
                        out["attacks"][kind] = feedback_attack(server.url)
                    else:
                        out["attacks"][kind] = run_attack(server.url, kind)
                finally:
                    stop_server(server)
            print(label, kind, out["attacks"][kind], flush=True)


# ----- --replicas: one process vs two stateless replicas (issue 13) -------------------------------


def start_chroma(index: Path, work: Path) -> tuple[subprocess.Popen, int]:
    """`chroma run` over a copy of the shipped index's Chroma directory; waits for its heartbeat."""
    path = work / "chroma-server"
    shutil.copytree(
        index / "chroma", path, ignore=shutil.ignore_patterns(".owner.lock", ".owner.pid")
    )
    port = free_port()
    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    log = (work / "chroma.log").open("w")
    proc = subprocess.Popen(
        [exe, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        cwd=work,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2).is_success:
                return proc, port
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("chroma run did not start: " + (work / "chroma.log").read_text()[-2000:])


def measure_load(urls: list[str], args: argparse.Namespace) -> dict:
    """(a) for one deployment: the dev questions once on every URL (warm-up, refusal share),
    one client (on the first URL), then `--clients` clients over all URLs."""
    rows = dev_questions()
    questions = [r["question"] for r in rows]
    out: dict = {"dev": {**warm_pass(urls[0], rows), "n": len(rows)}}
    for url in urls[1:]:
        warm_pass(url, rows)
    out["single"] = asyncio.run(load_run(urls[0], questions, 1, args.single_s)).summary()
    print("single", out["single"], flush=True)
    out["load"] = asyncio.run(load_run(urls, questions, args.clients, args.duration)).summary()
    print("load", out["load"], flush=True)
    return out


def measure_replicas(args: argparse.Namespace, work: Path, results: dict) -> None:
    """This tree as one process (embedded Chroma), then as two replicas over shared servers."""
    server = start_server(ROOT, args.index, work / "one")
    if not server.ready:
        raise RuntimeError(f"one process did not start: {server.log.read_text()[-2000:]}")
    try:
        results["one"] = measure_load([server.url], args)
    finally:
        stop_server(server)

    sys.path.insert(0, str(ROOT))
    from tests.servers import RedisServer

    redis = RedisServer().start()
    chroma, chroma_port = start_chroma(args.index, work)
    replicas: list[Server] = []
    try:
        shared = {
            "CHROMA_HOST": "127.0.0.1",
            "CHROMA_PORT": str(chroma_port),
            "STATE_BACKEND": "redis",
            "REDIS_URL": redis.url,
        }
        env = {**os.environ, "PYTHONPATH": str(ROOT), "CORPUS_DIR": str(ROOT / "corpus"), **shared}
        t0 = time.perf_counter()
        ingest = subprocess.run(
            [sys.executable, "-m", "assistant", "ingest", "--json"],
            cwd=work,
            env={**env, "DATA_DIR": str(work / "ingest-data"), "EXTRA_DOCS_DIRS": ""},
            capture_output=True,
            text=True,
            timeout=1800,
        )
        if ingest.returncode != 0:
            raise RuntimeError(f"ingest into the Chroma server failed: {ingest.stderr[-2000:]}")
        results["ingest_s"] = time.perf_counter() - t0
        for n in (1, 2):
            replica = start_server(ROOT, None, work / f"replica-{n}", shared)
            replicas.append(replica)
            if not replica.ready:
                raise RuntimeError(f"replica {n} did not start: {replica.log.read_text()[-2000:]}")
        results["two"] = measure_load([r.url for r in replicas], args)
    finally:
        for replica in replicas:
            stop_server(replica)
        chroma.terminate()
        chroma.wait(30)
        redis.stop()


def replicas_report(results: dict, args: argparse.Namespace) -> str:
    one, two = results["one"], results["two"]
    start, end = results["load_start"], results["load_end"]
    lines = [
        REPLICAS_BEGIN,
        "## Two stateless API replicas (benchmarks/load.py --replicas)",
        "",
        f"Measured by `benchmarks/load.py --replicas` on {time.strftime('%Y-%m-%d %H:%M')} UTC, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, this tree "
        f"(`{results['current_ref']}`), both columns in one run. **One process**: `assistant "
        "serve` over embedded Chroma (a copy of the shipped index), state in process. **Two "
        "replicas**: two `assistant serve` processes with empty DATA_DIRs, `chroma run` over a "
        "copy of the same index (the one-shot `assistant ingest` added the manifest and the "
        f"answer units' vectors to the server in {results['ingest_s']:.0f} s), `redis-server` "
        "for sessions and conversation memory; the clients alternate between the replicas. "
        "Every process (servers, Chroma, Redis and this client) shares the same cores, so two "
        "replicas cannot add CPU here; they show what the network hops to Chroma and Redis cost "
        f"and that nothing fails. Load average at the start {start[0]:.2f} / {start[1]:.2f} / "
        f"{start[2]:.2f}, at the end {end[0]:.2f} / {end[1]:.2f} / {end[2]:.2f}.",
        "",
        "| what | one process (embedded Chroma) | two replicas (Chroma server, Redis) |",
        "|---|---|---|",
        f"| dev questions once, unmodified ({one['dev']['n']} without history): refused | "
        f"{100 * one['dev']['refused_share']:.0f}% | {100 * two['dev']['refused_share']:.0f}% |",
        f"| (a) one client, {args.single_s:.0f} s | {fmt_run(one['single'])} | "
        f"{fmt_run(two['single'])} |",
        f"| (a) {args.clients} clients, {args.duration:.0f} s, unique questions | "
        f"{fmt_run(one['load'])} | {fmt_run(two['load'])} |",
        f"| (a) {args.clients} clients: throughput vs one client | "
        f"{one['load']['throughput'] / one['single']['throughput']:.2f}x | "
        f"{two['load']['throughput'] / two['single']['throughput']:.2f}x |",
        "",
        REPLICAS_END,
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline-ref", default=None, help="git ref (default: merge base)")
    parser.add_argument("--index", type=Path, default=ROOT / "data" / "test-index")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--single-s", type=float, default=20.0)
    parser.add_argument("--parts", default="abc", help="any of a, b, c")
    parser.add_argument("--attacks", default="", help="only these attacks (comma-separated)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "BENCHMARKS.md")
    parser.add_argument("--json", type=Path, default=None, help="also write the raw figures here")
    parser.add_argument(
        "--replicas",
        action="store_true",
        help="(a) only, this tree: one process vs two replicas over chroma run + redis-server",
    )
    args = parser.parse_args()
    if not (args.index / "index").is_dir():
        parser.error(f"no index in {args.index}: run the tests once (they build data/test-index)")

    def git(*a: str) -> str:
        return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    baseline_ref = args.baseline_ref or git("merge-base", "HEAD", "main") or "HEAD"
    dirty = git("status", "--porcelain", "--untracked-files=no")
    results: dict = {
        "baseline_ref": git("rev-parse", "--short", baseline_ref),
        "current_ref": (git("rev-parse", "--short", "HEAD") or "?")
        + (" + uncommitted changes" if dirty else ""),
        "neighbours": os.cpu_count() or 2,
        "load_start": os.getloadavg(),
        "attacks": [
            "spaces-50k",
            "spaces-19k",
            "earlier-user-60k",
            "earlier-user-19k",
            "x-forwarded-for-45",
            "feedback-20",
            "html-3000-nested-div",
            "yaml-alias-bomb",
        ],
        "notes": [
            'Attacks: `spaces-*` is an assistant message holding a run of spaces, then "Tell me '
            'more about the second one", to /v1/chat/completions; `earlier-user-*` an earlier '
            'user message of that many characters of words, then "And that?" (which takes the '
            "earlier question as its subject); the 19k "
            "variants fit under the per-message cap, so they exercise the pipeline's own bounds; "
            "`x-forwarded-for-45` is 45 /v1/ask with a different X-Forwarded-For each, rate "
            "limit on (30/min): the 429 count shows whether the header is trusted; "
            "`feedback-20` is 20 votes for one answer id; the hostile documents are put in "
            "EXTRA_DOCS_DIRS before `assistant serve` starts (the DOCX cases of the issue are not "
            "reproduced here). Probes come from other loopback addresses (127.0.0.2-9). An "
            f"attack request gives up after {ATTACK_TIMEOUT_S:.0f} s ('timeout').",
        ],
    }
    if args.attacks:
        results["attacks"] = [a for a in results["attacks"] if a in args.attacks.split(",")]
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    if args.replicas:
        try:
            measure_replicas(args, work, results)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        results["load_end"] = os.getloadavg()
        text = replicas_report(results, args)
        write_report(text, args.out, REPLICAS_BEGIN, REPLICAS_END)
        if args.json:
            args.json.write_text(json.dumps(results, indent=1, default=str))
        print(text)
        return 0
    try:
        baseline_src = extract(baseline_ref, work / "baseline-src")
        for label, src in (("baseline", baseline_src), ("current", ROOT)):
            measure(label, src, args, work, results)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["load_end"] = os.getloadavg()
    text = report(results, args)
    write_report(text, args.out)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
