"""`assistant eval` end to end with the scripted assistant: files written, keys, exit codes."""

from __future__ import annotations

import json

import pytest

from assistant.cli import main as assistant_main
from evals import metrics
from evals.cli import main
from tests.evals.conftest import CORPUS, QUESTIONS

SUMMARY_KEYS = {
    "n",
    "key_fact_accuracy",
    "refusal_accuracy",
    "false_refusal_rate",
    "language_match",
    "citation_validity",
    "latency_ms_p50",
    "latency_ms_p95",
    "answer_words_median",
    "intervals",
}
RECORD_KEYS = {"id", "lang", "answer", "language", "refused", "passed", "missing", "latency_ms"}


@pytest.fixture(autouse=True)
def env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CORPUS_DIR", str(CORPUS))
    monkeypatch.setenv("LLM_PROVIDER", "none")


def run(fake, tmp_path, *extra, questions=(QUESTIONS,)):
    argv = [
        "--questions",
        *map(str, questions),
        "--out",
        str(tmp_path / "out"),
        "--no-progress",
        *extra,
    ]
    return main(argv, builders={"project": lambda settings, out: fake})


def test_results_json_keys_exactly(fake, tmp_path):
    assert run(fake, tmp_path) == 0
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert set(results) == {"summary", "questions", "meta"}
    assert set(results["summary"]) == {"overall", "by_lang"}
    assert set(results["summary"]["overall"]) == SUMMARY_KEYS | {"hit_at_k", "mrr"}
    assert set(results["summary"]["by_lang"]) == {"en", "fi", "sv"}
    for summary in results["summary"]["by_lang"].values():
        assert SUMMARY_KEYS <= set(summary) <= SUMMARY_KEYS | {"hit_at_k", "mrr"}
    assert len(results["questions"]) == 6
    for record in results["questions"]:
        assert set(record) >= RECORD_KEYS
    assert results["summary"]["overall"]["key_fact_accuracy"] == 1.0


def test_without_gold_sources_retrieval_keys_are_absent(fake, tmp_path):
    path = tmp_path / "nosrc.jsonl"
    lines = [json.loads(line) for line in QUESTIONS.read_text().splitlines()]
    path.write_text("".join(json.dumps({**d, "sources": []}) + "\n" for d in lines))
    assert run(fake, tmp_path, questions=(path,)) == 0
    overall = json.loads((tmp_path / "out" / "results.json").read_text())["summary"]["overall"]
    assert set(overall) == SUMMARY_KEYS


def test_min_thresholds_exit_codes(fake, scripts, tmp_path, capsys):
    assert (
        run(fake, tmp_path, "--min", "key_fact_accuracy=1.0", "--min", "citation_validity=1") == 0
    )
    scripts["Which strategic priorities does the Tampere agreement have?"].refused = True
    code = run(
        fake,
        tmp_path,
        "--min",
        "key_fact_accuracy=0.9",
        "--min",
        "language_match=0.95",
        "--min",
        "false_refusal_rate=0.1",
    )
    assert code == 1
    err = capsys.readouterr().err
    assert "key_fact_accuracy = 0.75 < 0.9" in err
    assert "false_refusal_rate = 0.25 > 0.1" in err
    assert "language_match" not in err


def test_min_on_a_metric_that_is_not_available_is_missed(fake, tmp_path, capsys):
    assert run(fake, tmp_path, "--min", "faithfulness=0.5") == 1
    assert "faithfulness: not available" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("key_fact_accuracy", "expected METRIC=VALUE"),
        ("key_fact_accuracy=", "expected METRIC=VALUE"),
        ("accuracy=0.9", "unknown metric 'accuracy'"),
        ("key_fact_accuracy=high", "'high' is not a number"),
    ],
)
def test_bad_min_is_a_usage_error(fake, tmp_path, capsys, value, message):
    assert run(fake, tmp_path, "--min", value) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out" / "results.json").exists()


def test_question_file_errors_exit_2_with_file_and_line(fake, tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(QUESTIONS.read_text().splitlines()[0] + '\n{"id": "x"}\n')
    assert run(fake, tmp_path, questions=(bad,)) == 2
    assert f"{bad}:2:" in capsys.readouterr().err
    assert run(fake, tmp_path, questions=(tmp_path / "none.jsonl",)) == 2
    assert "no such question file" in capsys.readouterr().err


def test_dispatcher_routes_eval(tmp_path, capsys):
    assert assistant_main(["eval", "--min", "nope=1"]) == 2
    assert "unknown metric" in capsys.readouterr().err


def test_second_set_is_reported_beside_the_main_one(fake, scripts, tmp_path):
    other = tmp_path / "heldout.jsonl"
    other.write_text("\n".join(QUESTIONS.read_text().splitlines()[:2]) + "\n")
    next(iter(scripts.values())).refused = True  # en-share now fails
    assert run(fake, tmp_path, questions=(QUESTIONS, other)) == 0
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert list(results["sets"]) == ["questions", "heldout"]
    assert results["summary"] == results["sets"]["questions"]
    assert results["sets"]["heldout"]["overall"]["n"] == 2
    assert results["sets"]["heldout"]["overall"]["key_fact_accuracy"] == 0.5
    assert [r["id"] for r in results["set_questions"]["heldout"]] == ["en-share", "fi-share"]
    html = (tmp_path / "out" / "report.html").read_text()
    assert "Failures · heldout (1 of 2)" in html


def test_compare_bm25_over_the_same_chunks(fake, tmp_path):
    assert run(fake, tmp_path, "--compare", "bm25") == 0
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert list(results["compare"]) == ["project", "bm25"]
    assert results["compare"]["project"] == results["summary"]
    bm25 = results["compare"]["bm25"]["overall"]
    assert set(bm25) == SUMMARY_KEYS | {"hit_at_k", "mrr"}
    assert bm25["refusal_accuracy"] == 0.0  # never refuses
    assert bm25["false_refusal_rate"] == 0.0
    assert bm25["citation_validity"] == 1.0  # its quotes are whole chunks
    html = (tmp_path / "out" / "report.html").read_text()
    assert "<td>bm25</td>" in html


def test_unknown_compare_name_is_a_usage_error(fake, tmp_path, capsys):
    assert run(fake, tmp_path, "--compare", "gpt") == 2
    assert "invalid choice" in capsys.readouterr().err


def test_every_metric_name_is_accepted_by_min():
    from evals.cli import parse_threshold

    for name in metrics.ALL_METRICS:
        assert parse_threshold(f"{name}=0.5") == (name, 0.5)


def test_default_set_is_dev_alone(fake, tmp_path, monkeypatch, capsys):
    """Train and sealed run only when named: sealed is reported once, never by default."""
    import evals.cli

    dev = tmp_path / "dev.jsonl"
    monkeypatch.setattr(evals.cli, "DEFAULT_SET", dev)
    argv = ["--out", str(tmp_path / "out"), "--no-progress"]
    builders = {"project": lambda settings, out: fake}
    assert main(argv, builders=builders) == 2
    assert f"{dev}: no such question file" in capsys.readouterr().err
    dev.write_text(QUESTIONS.read_text())
    (tmp_path / "sealed.jsonl").write_text(QUESTIONS.read_text())
    assert main(argv, builders=builders) == 0
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert "sets" not in results
    assert results["meta"]["main_set"] == "dev"
    assert results["summary"]["overall"]["n"] == 6


def test_the_report_names_the_decision_mode(fake, tmp_path, monkeypatch):
    """Runs of one set in several ANSWER_DECISION modes are told apart by their results."""
    dev = tmp_path / "dev.jsonl"
    dev.write_text(QUESTIONS.read_text())
    builders = {"project": lambda settings, out: fake}
    for mode in ("rules", "calibrated"):
        monkeypatch.setenv("ANSWER_DECISION", mode)
        out = tmp_path / mode
        argv = ["--questions", str(dev), "--out", str(out), "--no-progress"]
        assert main(argv, builders=builders) == 0
        results = json.loads((out / "results.json").read_text())
        assert results["meta"]["answer_decision"] == mode


def test_citation_url_validity_is_summarised_reported_and_gated(fake, tmp_path, capsys):
    """Gold URLs on two questions: the metric appears in the summary, the report and the gate."""
    page = "https://innokaupungit.fi/tietoa-meista/rahoitus/"
    en_share = next(c for c in fake.chunks.values() if "In Finland, 8 %" in c.text)
    fake.chunks[en_share.chunk_id] = en_share.model_copy(update={"url": page})
    lines = [json.loads(line) for line in QUESTIONS.read_text().splitlines()]
    gold = {"en-share": [page], "fi-share": [page]}
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps({**d, "source_urls": gold.get(d["id"], [])}) + "\n"
                            for d in lines))  # fmt: skip

    # fi-share cites a chunk without that URL: 1 of 2 questions with gold cites only gold URLs
    assert run(fake, tmp_path, "--min", "citation_url_validity=1.0", questions=(path,)) == 1
    captured = capsys.readouterr()
    assert "citation_url_validity=0.5" in captured.out
    assert "citation_url_validity = 0.5 < 1.0 (at least)" in captured.err
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["summary"]["overall"]["citation_url_validity"] == 0.5
    assert "citation_url_validity" not in results["summary"]["by_lang"]["sv"]
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert 'aria-label="citation_url_validity"' in html
    assert "cited URL not among the gold URLs" in html
    assert "Gold source URLs" in html and page in html

    fi_share = next(c for c in fake.chunks.values() if "Suomessa 8 %" in c.text)
    fake.chunks[fi_share.chunk_id] = fi_share.model_copy(update={"url": page})
    assert run(fake, tmp_path, "--min", "citation_url_validity=1.0", questions=(path,)) == 0


def test_citation_url_validity_gate_without_gold_urls_is_missed(fake, tmp_path, capsys):
    assert run(fake, tmp_path, "--min", "citation_url_validity=1.0") == 1
    assert "citation_url_validity: not available" in capsys.readouterr().err
