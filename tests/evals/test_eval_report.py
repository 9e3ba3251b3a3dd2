"""report.html: self-contained, every failure shown in full, everything escaped."""

from __future__ import annotations

import json
import re

from evals.cli import main
from tests.evals.conftest import CORPUS, QUESTIONS

NASTY = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'


def test_report_lists_failures_escaped_and_is_self_contained(fake, scripts, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CORPUS_DIR", str(CORPUS))
    monkeypatch.setenv("LLM_PROVIDER", "none")
    priorities = scripts["Which strategic priorities does the Tampere agreement have?"]
    priorities.answer = f"The priority is Sustainable Industry X. {NASTY}"
    chunk_id = priorities.cite[0]
    priorities.quotes[chunk_id] = "The strategic priorities are <b>nothing</b>."
    scripts["What will the weather be like in Tampere tomorrow?"].refused = False

    out = tmp_path / "out"
    argv = ["--questions", str(QUESTIONS), "--out", str(out), "--no-progress", "--compare", "bm25"]
    assert main(argv, builders={"project": lambda s, o: fake}) == 0
    html = (out / "report.html").read_text(encoding="utf-8")

    # self-contained: no script, no external resource
    assert "<script" not in html
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", html)
    assert "<link" not in html
    assert "<svg" in html and "<style>" in html
    # every failure, with question, answer, expected facts and sources - escaped
    assert "Failures · questions (2 of 6)" in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;img src=x" in html
    assert "Which strategic priorities does the Tampere agreement have?" in html
    assert "missing: digital health" in html
    assert "found: Sustainable Industry X | SIX" in html
    assert "agreement-en" in html
    assert "The strategic priorities are &lt;b&gt;nothing&lt;/b&gt;." in html
    assert "quote NOT found in chunk" in html
    assert "answered an unanswerable question" in html
    assert "What will the weather be like in Tampere tomorrow?" in html
    # the passing questions are not listed as failures
    assert 'id="questions-en-share"' not in html
    # one chart per metric, groups per language, the comparison table
    for metric in ("key_fact_accuracy", "language_match", "citation_validity", "latency_ms_p95"):
        assert f'aria-label="{metric}"' in html
    assert html.count("<td>bm25</td>") == 4  # overall + en + fi + sv tables
    results = json.loads((out / "results.json").read_text())
    assert results["questions"][3]["answer"].endswith(NASTY)


def test_markdown_tables_show_each_rate_with_its_interval_per_language():
    from evals.report import render_markdown

    part = {
        "n": 50,
        "key_fact_accuracy": 0.9,
        "refusal_accuracy": None,
        "intervals": {"key_fact_accuracy": [0.7864, 0.9565]},
        "answer_words_median": 41.0,
    }
    results = {
        "summary": {"overall": part, "by_lang": {"en": part, "fi": part, "sv": part}},
        "compare": {"naive": {"overall": part, "by_lang": {}}},
        "meta": {"main_set": "sealed"},
    }
    text = render_markdown(results)
    assert "### project" in text and "### naive" in text
    assert "| fi | 50 | 0.900 [0.79, 0.96] | 41.0 |" in text
    assert "refusal_accuracy" not in text  # no value anywhere: no column
