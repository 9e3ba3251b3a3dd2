"""How ingest, search, answers and memory grow with the knowledge base: 1k, 10k, 100k chunks.

`python benchmarks/scale.py --chunks N --json` builds a fresh index in a temporary DATA_DIR: the
real corpus/ first (real embeddings), then synthetic documents whose sentences each splice parts of
two real corpus sentences from two documents (never a whole real sentence, so a synthetic chunk
never carries the fact a question asks about), ingested through the real `Indexer` (loader,
chunker, store, manifest, unit vectors). Spliced sentences' and synthetic chunks' vectors are
combined from the real embeddings of the sentences they were cut from (each sentence embedded once,
at the real ingest; see `combine`), so synthetic chunks compete with the real ones for every query
without a model run per chunk. Then a fresh process opens the index as the API does and asks the
dev questions with the real query embedder (the pipeline has no answer cache). The last line of
output is one JSON object. `--chroma-server` puts the vectors in a `chroma run` on a free loopback
port instead of embedded Chroma; its memory counts in `peak_rss_mb`.

Names: in a real knowledge base 100 times larger (every city's agreement, every programme) each
family of documents has names of its own. So every FAMILY_DOCS synthetic documents (about the
corpus's size) form a family, and in a family every rare word of a spliced sentence (RARE_SHARE,
NAME_SHARE: rare by the real corpus's own frequencies) becomes a family-specific pseudo-word, the
same all through the family (`Renamer`). Numbers and dates are kept: they are shared by real
documents too, and rewriting "12.5.2022" would test a date parser, not retrieval. Vectors are not
touched: they stay combined from the real sentences, so synthetic chunks compete densely as much
as before and only their surface words change. hit@5 at scale depends on how often names recur;
the generator sets that from the corpus's own name frequencies, per family.

`make bench-scale` runs 120 (no more than the corpus: the real corpus alone), 1k, 10k and 100k
chunks and writes the "Scale" section of docs/BENCHMARKS.md and docs/scale.svg. No figure here is
asserted in tests; the generator is (tests/benchmarks/test_scale.py).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # this checkout, not whatever `assistant` the venv has installed
    sys.path.insert(0, str(ROOT))

DEV = ROOT / "evals" / "questions" / "dev.jsonl"
SECTIONS_PER_DOC = 10
SECTION_WORDS = (130, 220)  # one section = one chunk (the chunker keeps 100-250 words whole)


# ----- build (a child process: it owns the embedded store while it writes) --------------------
# Synthetic documents are named so: never a gold source (the dev questions cite corpus ids).
SYNTHETIC_PREFIX = "synth-"
# A real sentence is spliced only when it is this long: each piece keeps at least 3 words and is
# at most two thirds of it. A piece can still be (or end in) another, shorter real sentence ("...
# tiedotteessa, Pirkanmaan ELY-keskus lakkasi vuoden 2025 lopussa."): such splices are drawn again
# (`avoid`), so no synthetic text holds a whole real sentence.
SPLICE_MIN_WORDS = 8


# Rare words are renamed per family of synthetic documents (see `Renamer`). A family is
# FAMILY_DOCS documents, 450 chunks: about the real corpus's size (456), as if each family were
# another city's or programme's knowledge base with names of its own.
FAMILY_DOCS = 45
# Frequencies are of BM25's terms (the language's Snowball stem of a lower-cased word), counted
# in the real corpus's chunks of the word's language (152 a language). Any term in at most
# RARE_SHARE of them (3 chunks: about half the distinct terms, mostly one-off words and Finnish
# compounds) is renamed; so is a name (a term the corpus writes capitalised inside sentences more
# often than in lower case, see `Vocabulary`), wherever it stands, in at most NAME_SHARE of them
# (15 chunks: "AuroraAI" 6, "Niittyniemi" 6, "Hiedanranta" 9, "Finland" 10). The setting every
# document shares keeps its name ("Tampere" 114, "Tammerfors" 93), and so do common words.
RARE_SHARE = 0.02
NAME_SHARE = 0.10
_WORD = re.compile(r"[^\W\d_]+")  # letter runs: numbers and dates are never renamed
_ONSETS = "pktmnlrsvhjd"
_VOWELS = "aeiouy"


@dataclass(frozen=True)
class Source:
    """A real corpus sentence that synthetic sentences are spliced from."""

    doc_id: str
    text: str
    row: int  # its real embedding's row in the unit vectors


def sentence_pools(chunks: list, row_of: dict[str, int]) -> dict[str, list[Source]]:
    """The real sentences long enough to splice, by language, with their embeddings' rows."""
    from assistant.answer.units import split_units

    pools: dict[str, list[Source]] = {}
    for chunk in chunks:
        for unit in split_units(chunk.text):
            row = row_of.get(unit.key)
            if unit.kind == "sentence" and unit.words >= SPLICE_MIN_WORDS and row is not None:
                pools.setdefault(chunk.lang, []).append(Source(chunk.doc_id, unit.text, row))
    return pools


def real_sentences(chunks: list) -> frozenset[str]:
    """Every real sentence of the chunks: the texts a splice must not reproduce whole."""
    from assistant.answer.units import split_units

    return frozenset(u.text for c in chunks for u in split_units(c.text) if u.kind == "sentence")


def _stem(lang: str, word: str) -> str:
    """BM25's term for a word (assistant.retrieval.bm25 stems with the language's Snowball)."""
    from assistant.retrieval.bm25 import tokenize

    return (tokenize(word, lang) or [word.lower()])[0]


@dataclass(frozen=True)
class Vocabulary:
    """How many real chunks of each language hold each BM25 term (a word's stem), and which
    terms are names: written capitalised inside a sentence more often than in lower case."""

    chunk_freq: dict[str, dict[str, int]]
    chunks: dict[str, int]
    names: dict[str, set[str]]

    @classmethod
    def of(cls, chunks: list) -> Vocabulary:
        freq: dict[str, dict[str, int]] = {}
        count: dict[str, int] = {}
        case: dict[str, dict[str, int]] = {}  # term -> capitalised inside a sentence - lower
        for chunk in chunks:
            count[chunk.lang] = count.get(chunk.lang, 0) + 1
            terms = freq.setdefault(chunk.lang, {})
            seen = case.setdefault(chunk.lang, {})
            found = set()
            for match in _WORD.finditer(chunk.text):
                word = match.group()
                term = _stem(chunk.lang, word)
                found.add(term)
                before = chunk.text[: match.start()].rstrip()[-1:]
                if word[0].islower():
                    seen[term] = seen.get(term, 0) - 1
                elif before and (before.isalnum() or before in ",;(-–"):
                    seen[term] = seen.get(term, 0) + 1
            for term in found:
                terms[term] = terms.get(term, 0) + 1
        names = {lang: {t for t, n in seen.items() if n > 0} for lang, seen in case.items()}
        return cls(freq, count, names)

    def rare(self, lang: str, term: str) -> bool:
        """Whether a family renames `term`: rare in the real corpus (RARE_SHARE), or a name
        rarer than the setting's (NAME_SHARE)."""
        seen = self.chunk_freq.get(lang, {}).get(term, 0)
        name = term in self.names.get(lang, ())
        return seen <= (NAME_SHARE if name else RARE_SHARE) * self.chunks.get(lang, 0)


class Renamer:
    """Gives the rare words of one family of synthetic documents (one language) pseudo-words of
    their own: the same term always gets the same pseudo-stem within the family and another one
    in another family; a word's ending beyond its stem is kept ("Hiedanrannan" -> pseudo-stem +
    "nan"), and so is its case. Without it, 100,000 chunks spliced from the corpus's 775
    sentences hold each of its names thousands of times and BM25 can no longer find the real
    chunk; with it the real name is in the real chunks only, and each family's pseudo-name in
    that family only (more often there than the name in the corpus: 48 of 150 English chunks of
    one family hold the pseudo-"AuroraAI", 6 of 152 real ones hold "AuroraAI", because every
    synthetic chunk draws its sentences from all of the corpus's documents)."""

    def __init__(self, vocabulary: Vocabulary, lang: str, family: int, seed: int) -> None:
        self.vocabulary, self.lang = vocabulary, lang
        self.salt = f"{seed}|{family}|{lang}|"
        self.stems: dict[str, str] = {}
        self.renamed = self.words = 0  # tokens seen and renamed (the docs give the share)

    def pseudo(self, term: str) -> str:
        """A hash-derived syllable string about as long as `term`, never a real term."""
        if term not in self.stems:
            real = self.vocabulary.chunk_freq.get(self.lang, {})
            digest = hashlib.blake2b((self.salt + term).encode(), digest_size=32).digest()
            letters = "".join(
                _ONSETS[digest[i] % len(_ONSETS)] + _VOWELS[digest[i + 1] % len(_VOWELS)]
                for i in range(0, 32, 2)
            )
            size = max(len(term), 2)
            while letters[:size] in real and size < len(letters):
                size += 1
            self.stems[term] = letters[:size]
        return self.stems[term]

    def word(self, word: str) -> str:
        """`word` itself, or its family's pseudo-word when it is rare."""
        term = _stem(self.lang, word)
        self.words += 1
        if not self.vocabulary.rare(self.lang, term):
            return word
        self.renamed += 1
        lower = word.lower()
        new = self.pseudo(term) + (lower[len(term) :] if lower.startswith(term) else "")
        if word.isupper() and len(word) > 1:
            return new.upper()
        return new.capitalize() if word[0].isupper() else new

    def __call__(self, text: str) -> str:
        return _WORD.sub(lambda m: self.word(m.group()), text)


def _cut(words: list[str], rng: random.Random) -> int:
    """Where to split a sentence: after a comma in its middle third when there is one, else at a
    random word there (a clause boundary reads more like a sentence)."""
    low, high = max(3, len(words) // 3), min(len(words) - 3, 2 * len(words) // 3)
    commas = [i for i in range(low, high + 1) if words[i - 1].endswith((",", ";"))]
    return rng.choice(commas) if commas else rng.randint(low, max(low, high))


def splice(
    head: Source, tail: Source, rng: random.Random, avoid: frozenset[str] = frozenset()
) -> str | None:
    """The first part of one real sentence joined to the last part of another (from another
    document), or None when the result would not split back into exactly that one sentence, or
    when a piece begins (head) or ends (tail) with a whole sentence of `avoid`."""
    from assistant.answer.units import split_units

    a, b = head.text.split(), tail.text.split()
    first, last = a[: _cut(a, rng)], b[_cut(b, rng) :]
    if any(" ".join(first[:i]) in avoid for i in range(1, len(first) + 1)) or any(
        " ".join(last[i:]) in avoid for i in range(len(last))
    ):
        return None
    text = " ".join(first + last)
    units = split_units(text)
    ok = len(units) == 1 and units[0].kind == "sentence" and units[0].text == text
    return text if ok else None


def synthetic_documents(
    n: int,
    pools: dict[str, list[Source]],
    seed: int,
    vocabulary: Vocabulary | None = None,
    avoid: frozenset[str] = frozenset(),
) -> Iterator[tuple[str, str, str, dict[str, tuple[int, int]]]]:
    """(lang, doc_id, Markdown, spliced sentence key -> its sources' rows) for `n` sections.

    Each section is one chunk of spliced sentences in one language; deterministic for a seed.
    With a `vocabulary` (the benchmark always gives one), every FAMILY_DOCS documents form a
    family whose rare words are renamed (`Renamer`); the vectors stay those of the real sources.
    `avoid`: the real sentences (`real_sentences`) no piece of a splice may reproduce whole.
    """
    from assistant.answer.units import split_units, unit_key

    rng = random.Random(seed)
    langs = sorted(pools)
    written = doc = 0
    families: dict[tuple[str, int], Renamer] = {}
    while written < n:
        lang = langs[doc % len(langs)]
        pool = pools[lang]
        family = doc // FAMILY_DOCS
        rename = None
        if vocabulary is not None:  # one family's names are kept across its documents
            if (lang, family) not in families:
                families[(lang, family)] = Renamer(vocabulary, lang, family, seed)
            rename = families[(lang, family)]
        sections, sources = [], {}
        for _ in range(min(SECTIONS_PER_DOC, n - written)):
            target = rng.randint(*SECTION_WORDS)
            picked: list[str] = []
            words = 0
            while words < target:
                head, tail = rng.choice(pool), rng.choice(pool)
                if head.doc_id == tail.doc_id:
                    continue
                text = splice(head, tail, rng, avoid)
                if text is not None and rename is not None:
                    text = rename(text)
                    units = split_units(text)
                    if len(units) != 1 or units[0].text != text:
                        text = None
                if text is None:
                    continue
                size = len(text.split())
                if words + size > SECTION_WORDS[1] + 10 and picked:
                    break
                picked.append(text)
                sources[unit_key(text)] = (head.row, tail.row)
                words += size
            # Neutral headings and titles: the spliced sentences compete, not borrowed titles.
            sections.append(f"## Part {len(sections) + 1}\n\n" + "\n\n".join(picked))
            written += 1
        title = f"Collection {doc}"
        doc_id = f"{SYNTHETIC_PREFIX}{lang}-{doc:06d}"
        text = (
            f"---\nid: {doc_id}\ntitle: {json.dumps(title)}\nlang: {lang}\n"
            f"sources:\n  - https://example.fi/\n---\n\n# {title}\n\n"
            + "\n\n".join(sections)
            + "\n"
        )
        yield lang, doc_id, text, sources
        doc += 1


def _write_synthetic(
    n: int,
    pools: dict[str, list[Source]],
    out: Path,
    seed: int,
    vocabulary: Vocabulary,
    avoid: frozenset[str],
) -> dict[str, tuple[int, int]]:
    """Writes the documents under `out`/<lang>/; returns every spliced sentence's sources."""
    sources: dict[str, tuple[int, int]] = {}
    for lang, doc_id, text, spliced in synthetic_documents(n, pools, seed, vocabulary, avoid):
        path = out / lang / f"{doc_id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        sources |= spliced
    return sources


def combine(rows: np.ndarray, centroid: np.ndarray) -> np.ndarray:
    """The normalised mean of `rows` (real embeddings), its spread about the corpus centroid
    scaled back up by sqrt(len(rows)).

    Embeddings share a large common direction (real units' cosine to their centroid is about
    0.9). A plain mean of k of them keeps that part and shrinks the rest by about sqrt(k), so it
    lands near the centroid and is closer to every query than any real passage (cosine to the
    centroid 0.99 at k = 20): synthetic chunks would win by averaging, not by content. Restoring
    the spread gives combined vectors the real units' statistics (measured in the tests).
    """
    mean = rows.mean(axis=0)
    vec = centroid + np.sqrt(len(rows)) * (mean - centroid)
    return vec / max(float(np.linalg.norm(vec)), 1e-9)


def build(n: int, seed: int) -> dict:
    import resource

    from assistant.answer.units import split_units, unit_key
    from assistant.embeddings import EmbeddingProvider, get_embedder
    from assistant.settings import Settings
    from assistant.store import open_store
    from assistant.store.manifest import Manifest
    from assistant.store.unit_vectors import UnitVectors
    from ingest.indexer import Indexer

    settings = Settings()
    embedder = get_embedder(settings)
    store = open_store(settings, embedder.name)
    t = time.perf_counter()
    real = Indexer(settings, embedder, store).run()
    real_s = time.perf_counter() - t
    out = {"real_chunks": real.chunks, "real_units": real.embedded_units, "real_ingest_s": real_s}
    manifest = Manifest.load(settings.index_dir, store.collection_name)
    vectors = UnitVectors.load(settings.index_dir, store.collection_name)
    assert manifest is not None
    row_of = {key: i for i, key in enumerate(vectors.keys)}
    centroid = vectors.matrix.mean(axis=0)  # of the real units (nothing synthetic yet)
    spliced: dict[str, tuple[int, int]] = {}

    class Recombined(EmbeddingProvider):
        """A passage's vector combined (`combine`) from the real embeddings of the sentences its
        spliced sentences were cut from (each embedded once, at the real ingest): no model run."""

        name = embedder.name

        def __init__(self) -> None:
            self.fallback = 0

        def _rows(self, text: str) -> list[int] | None:
            rows: list[int] = []
            key = unit_key(text)  # a unit on its own (the unit vectors) needs no splitting
            units = [key] if key in spliced or key in row_of else None
            for unit in units or [u.key for u in split_units(text)]:
                if unit in spliced:
                    rows.extend(spliced[unit])
                elif (row := row_of.get(unit)) is not None:
                    rows.append(row)
                else:
                    return None
            return rows or None

        def embed_passages(self, texts: list[str]) -> np.ndarray:
            out = np.empty((len(texts), vectors.matrix.shape[1]), dtype=np.float32)
            for i, text in enumerate(texts):
                rows = self._rows(text)
                if rows is None:  # not a spliced or real sentence: embed it for real
                    self.fallback += 1
                    out[i] = embedder.embed_passages([text])[0]
                    continue
                out[i] = combine(vectors.matrix[rows], centroid)
            return out

        def embed_query_vector(self, text: str) -> np.ndarray:
            return embedder.embed_query_vector(text)

    synthetic = max(0, n - real.chunks)
    if synthetic:
        pools = sentence_pools(manifest.chunks, row_of)
        folder = settings.data_dir.parent / "synthetic"
        vocabulary = Vocabulary.of(manifest.chunks)
        avoid = real_sentences(manifest.chunks)
        spliced.update(_write_synthetic(synthetic, pools, folder, seed, vocabulary, avoid))
        recombined = Recombined()
        t = time.perf_counter()
        report = Indexer(settings, recombined, store).run([folder])
        ingest_s = time.perf_counter() - t
        out.update(
            chunks=report.chunks,
            synthetic_chunks=report.embedded,
            synthetic_ingest_s=ingest_s,
            ingest_chunks_per_s=report.embedded / ingest_s,
            recombined_fallbacks=recombined.fallback,
            spliced_sentences=len(spliced),
        )
    else:  # the corpus alone: only a real (model-bound) ingest has a rate worth giving
        rate = real.embedded / real_s if real.embedded else None
        out.update(chunks=real.chunks, synthetic_chunks=0, ingest_chunks_per_s=rate)
    out["embed_chunks_per_s"] = real.embedded / real_s if real.embedded else None
    out["ingest_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    store.close()
    return out


# ----- probe (a child process: what the API process does per question) --------------------------
def probe(rounds: int) -> dict:
    import resource

    from evals import metrics
    from evals.questions import load_questions

    t = time.perf_counter()
    from assistant.pipeline import Assistant
    from assistant.settings import Settings

    assistant = Assistant.from_settings(Settings())
    assistant.warm_up()
    load_s = time.perf_counter() - t
    questions = load_questions(DEV)
    for q in questions[:10]:  # warm code paths (not a cache: nothing is remembered per question)
        assistant.ask(q.question, history=q.history, lang=None)
    ask_ms, search_ms, stages = [], [], {}
    answered, hits, gold = 0, 0, 0
    for round_ in range(rounds):
        for q in questions:
            t = time.perf_counter()
            answer = assistant.ask(q.question, history=q.history)
            ask_ms.append((time.perf_counter() - t) * 1000)
            for stage, ms in answer.timings_ms.items():
                stages.setdefault(stage, []).append(ms)
            query = answer.standalone_question or q.question
            t = time.perf_counter()
            found = assistant.search(query, k=metrics.HIT_K)
            search_ms.append((time.perf_counter() - t) * 1000)
            if round_ == 0:
                answered += not answer.refused
                if q.sources:
                    # Synthetic documents are never gold: they only compete for the top 5.
                    assert not any(s.startswith(SYNTHETIC_PREFIX) for s in q.sources)
                    gold += 1
                    hits += metrics.first_hit_rank([h.chunk.doc_id for h in found], q.sources) > 0
    return {
        "load_s": load_s,
        "questions": len(questions),
        "ask_p50_ms": _pct(ask_ms, 50),
        "ask_p95_ms": _pct(ask_ms, 95),
        "search_p50_ms": _pct(search_ms, 50),
        "search_p95_ms": _pct(search_ms, 95),
        "stage_p95_ms": {stage: round(_pct(v, 95), 2) for stage, v in stages.items()},
        "answered_share": round(answered / len(questions), 4),
        "dev_hit_at_5": round(hits / max(gold, 1), 4),
        "probe_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _pct(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


# ----- the driver -------------------------------------------------------------------------------
def _tree_rss_mb(pids: list[int]) -> float:
    """Resident memory of these processes and all their descendants, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    total, seen, todo = 0, set(), list(pids)
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        todo += children.get(pid, [])
        try:
            with open(f"/proc/{pid}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


class PeakRSS:
    """Polls the summed RSS of a set of process trees; `peak` is the highest sum seen."""

    def __init__(self, interval: float = 0.05) -> None:
        self.pids: list[int] = []
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self, interval: float) -> None:
        while not self._stop.wait(interval):
            if self.pids:
                self.peak = max(self.peak, _tree_rss_mb(self.pids))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_chroma(path: Path, env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
    log = open(path.parent / "chroma.log", "w")  # noqa: SIM115 (closed with the process)
    proc = subprocess.Popen(
        [chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, port
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"chroma run exited: see {path.parent / 'chroma.log'}") from None
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("chroma run did not start within 60 s")


def _child(mode: str, arg: int, env: dict[str, str], watch: PeakRSS | None) -> dict:
    proc = subprocess.Popen(
        [sys.executable, __file__, mode, str(arg)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    if watch is not None:
        watch.pids.append(proc.pid)
    stdout, _ = proc.communicate()
    if watch is not None:
        watch.pids.remove(proc.pid)
    if proc.returncode:
        raise RuntimeError(f"{mode} failed with exit code {proc.returncode}")
    return json.loads(stdout.strip().splitlines()[-1])


def run_one(
    chunks: int,
    chroma_server: bool,
    seed: int,
    rounds: int,
    base: Path | None = None,
    keep: Path | None = None,
) -> dict:
    """Build and probe one size in a temporary folder; `keep` (empty or absent) keeps the index
    there instead of deleting it, for a per-question look at what a size loses."""
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        if any(keep.iterdir()):
            raise SystemExit(f"--keep {keep}: not empty")
    tmp = keep if keep is not None else Path(tempfile.mkdtemp(prefix="scale-"))
    if base is not None and not chroma_server and (base / "index").is_dir():
        # The corpus's real embeddings from an earlier ingest: the indexer is incremental, so
        # whatever changed since is embedded again and the rest is reused as it would be.
        shutil.copytree(
            base, tmp / "data", ignore=shutil.ignore_patterns(".owner.lock", ".owner.pid")
        )
    env = {
        **os.environ,
        "DATA_DIR": str(tmp / "data"),
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(":"),
        "SCALE_SEED": str(seed),
    }
    server = None
    try:
        with PeakRSS() as watch:
            if chroma_server:
                server, port = _start_chroma(tmp / "chroma-server", env)
                env |= {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(port)}
            t = time.perf_counter()
            built = _child("--build", chunks, env, None)
            build_wall = time.perf_counter() - t
            if server is not None:
                watch.pids.append(server.pid)
            watch.peak = 0.0  # serving memory only: the one-shot ingest is its own process
            probed = _child("--probe", rounds, env, watch)
            time.sleep(0.1)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
        if keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
    load = os.getloadavg()
    result = {
        "chunks": built["chunks"],
        "store": "chroma-server" if chroma_server else "embedded",
        **{k: v for k, v in built.items() if k != "chunks"},
        "build_wall_s": build_wall,
        **probed,
        "peak_rss_mb": round(max(watch.peak, probed["probe_maxrss_mb"]), 1),
        "loadavg": [round(x, 2) for x in load],
        "cores": os.cpu_count(),
    }
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in result.items()}


# ----- docs: table and plot -----------------------------------------------------------------
def _svg(results: list[dict], path: Path) -> None:
    """A log-log plot of each figure relative to the real corpus alone, written as plain SVG."""
    import math

    series = [
        ("ask p50", "ask_p50_ms", "#1f77b4"),
        ("ask p95", "ask_p95_ms", "#17becf"),
        ("search p50", "search_p50_ms", "#ff7f0e"),
        ("peak RSS", "peak_rss_mb", "#2ca02c"),
        ("startup (load)", "load_s", "#9467bd"),
        ("chunks (linear)", "chunks", "#999999"),
    ]
    base = results[0]
    width, height, left, right, top, bottom = 640, 400, 60, 170, 20, 50
    xs = [math.log10(r["chunks"]) for r in results]
    ratios = {key: [r[key] / base[key] for r in results] for _, key, _ in series}
    ymin = min(0, math.floor(math.log10(min(min(v) for v in ratios.values()))))
    ymax = math.ceil(math.log10(max(max(v) for v in ratios.values())))
    x0, x1 = math.floor(min(xs)), math.ceil(max(xs))

    def px(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * (width - left - right)

    def py(y: float) -> float:
        return height - bottom - (y - ymin) / max(ymax - ymin, 1) * (height - top - bottom)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    for e in range(x0, x1 + 1):
        parts.append(
            f'<line x1="{px(e)}" y1="{top}" x2="{px(e)}" y2="{height - bottom}" stroke="#ddd"/>'
            f'<text x="{px(e)}" y="{height - bottom + 16}" text-anchor="middle">{10**e:,}</text>'
        )
    for e in range(ymin, max(ymax, ymin + 1) + 1):
        parts.append(
            f'<line x1="{left}" y1="{py(e)}" x2="{width - right}" y2="{py(e)}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{py(e) + 4}" text-anchor="end">×{10.0**e:g}</text>'
        )
    mid = (top + height - bottom) / 2
    parts.append(
        f'<text x="{(left + width - right) / 2}" y="{height - 12}" text-anchor="middle">'
        "chunks in the index (log)</text>"
        f'<text x="14" y="{mid}" text-anchor="middle" '
        f'transform="rotate(-90 14 {mid})">growth vs the real corpus alone (log)</text>'
    )
    for i, (label, key, colour) in enumerate(series):
        points = " ".join(
            f"{px(x):.1f},{py(math.log10(max(r, 1e-9))):.1f}"
            for x, r in zip(xs, ratios[key], strict=True)
        )
        dash = ' stroke-dasharray="4 3"' if key == "chunks" else ""
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
        )
        for x, r in zip(xs, ratios[key], strict=True):
            parts.append(
                f'<circle cx="{px(x):.1f}" cy="{py(math.log10(max(r, 1e-9))):.1f}" r="3" '
                f'fill="{colour}"/>'
            )
        ly = top + 10 + i * 18
        parts.append(
            f'<line x1="{width - right + 12}" y1="{ly}" x2="{width - right + 32}" y2="{ly}" '
            f'stroke="{colour}" stroke-width="2"{dash}/>'
            f'<text x="{width - right + 38}" y="{ly + 4}">{label}</text>'
        )
    parts.append("</svg>")
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")


def _section(results: list[dict], plot: str) -> str:
    rows = [
        ("chunks (real + synthetic)", lambda r: f"{r['chunks']:,}"),
        ("ingest, chunks/s (synthetic: no model run)", lambda r: _num(r["ingest_chunks_per_s"])),
        ("startup: open index, build BM25, load model", lambda r: f"{r['load_s']:.1f} s"),
        ("search p50 / p95", lambda r: f"{r['search_p50_ms']:.0f} / {r['search_p95_ms']:.0f} ms"),
        ("ask p50 / p95", lambda r: f"{r['ask_p50_ms']:.0f} / {r['ask_p95_ms']:.0f} ms"),
        ("peak RSS (serving process + Chroma)", lambda r: f"{r['peak_rss_mb']:.0f} MB"),
        ("answered share (dev)", lambda r: f"{r['answered_share']:.2f}"),
        ("dev hit@5", lambda r: f"{r['dev_hit_at_5']:.2f}"),
        ("load average (1/5/15 min)", lambda r: " ".join(f"{x:.1f}" for x in r["loadavg"])),
    ]
    head = "| | " + " | ".join(f"{r['chunks']:,}" for r in results) + " | target |"
    targets = {
        "ask p50 / p95": "p95 < 150 ms at 10k, < 400 ms at 100k",
        "peak RSS (serving process + Chroma)": "< 1 GB at 10k",
        "dev hit@5": "within 0.05 of the real corpus alone",
    }
    lines = [
        "## Scale",
        "",
        f"Measured by `benchmarks/scale.py` (`make bench-scale`) on {time.strftime('%Y-%m-%d')}, "
        f"{os.cpu_count()} cores shared with other work (load average in the table), Python "
        f"{platform.python_version()}, {results[0]['store']} Chroma. Each size is a fresh index: "
        "the real corpus (real embeddings) plus synthetic chunks whose sentences each splice the "
        "first part of one real corpus sentence to the last part of another (from another "
        "document, same language), so no synthetic chunk holds a whole real sentence; in each "
        f"family of {FAMILY_DOCS} synthetic documents the words that are rare in the real corpus "
        "(names and one-off words, by its own frequencies) become pseudo-words of that family "
        "(see `Renamer`: numbers and dates are kept); a spliced "
        "sentence's vector, and a synthetic chunk's, are combined from the real embeddings of the "
        "sentences they were cut from (a mean whose spread about the corpus centroid is restored, "
        "see `combine`), ingested through the real indexer. The dev questions are asked in a "
        "fresh process with the real query embedder; synthetic documents never count as gold for "
        "hit@5. Ingest of synthetic chunks runs no model (vectors are combined), so its rate is "
        "that of loading, chunking, the store and the manifest; "
        "a real ingest is bound by the model (see the full ingest above).",
        "",
        head,
        "|---" * (len(results) + 2) + "|",
        *[
            f"| {name} | " + " | ".join(fmt(r) for r in results) + f" | {targets.get(name, '')} |"
            for name, fmt in rows
        ],
        "",
        f"![How each figure grows with the index]({plot})",
        "",
    ]
    return "\n".join(lines)


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}"


def _size(result: dict) -> int:
    return result["chunks"]


def write_docs(results: list[dict], doc: Path, plot: Path) -> None:
    _svg(results, plot)
    section = _section(results, plot.name)
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    if "\n## Scale\n" in text:
        start = text.index("\n## Scale\n") + 1
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + ("\n" + text[end + 1 :] if end >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    doc.write_text(text, encoding="utf-8")


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] in ("--build", "--probe"):
        if sys.argv[1] == "--build":
            result = build(int(sys.argv[2]), int(os.environ.get("SCALE_SEED", "13")))
        else:
            result = probe(int(sys.argv[2]))
        print(json.dumps(result))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, help="index size (real corpus included)")
    parser.add_argument("--sizes", help="comma-separated sizes; writes docs (make bench-scale)")
    parser.add_argument("--json", action="store_true", help="JSON on the last line")
    parser.add_argument("--chroma-server", action="store_true", help="a `chroma run` server")
    parser.add_argument("--rounds", type=int, default=2, help="passes over the dev questions")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--base",
        type=Path,
        default=ROOT / "data" / "test-index",
        help="an index of corpus/ to start from (embedded mode; default: the tests' index)",
    )
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="keep the index in DIR (with --chunks)"
    )
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "BENCHMARKS.md")
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "scale.svg")
    parser.add_argument(
        "--write-docs",
        type=Path,
        metavar="JSONL",
        help="write the docs from results saved one JSON object a line (runs nothing)",
    )
    args = parser.parse_args()
    if args.write_docs:
        lines = args.write_docs.read_text(encoding="utf-8").splitlines()
        results = sorted((json.loads(line) for line in lines if line.strip()), key=_size)
        write_docs(results, args.doc, args.plot)
        return 0
    if args.sizes:
        results = []
        for size in [int(s) for s in args.sizes.split(",")]:
            results.append(run_one(size, args.chroma_server, args.seed, args.rounds, args.base))
            print(json.dumps(results[-1]), flush=True)
        write_docs(results, args.doc, args.plot)
        print(json.dumps(results))
        return 0
    if not args.chunks:
        parser.error("--chunks N or --sizes A,B,C")
    result = run_one(args.chunks, args.chroma_server, args.seed, args.rounds, args.base, args.keep)
    if not args.json:
        for key, value in result.items():
            print(f"{key:>24}: {value}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
