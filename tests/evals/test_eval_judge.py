"""The optional LLM-judge faithfulness score, with LangChain's fake chat models."""

from __future__ import annotations

import json

from langchain_core.language_models.fake_chat_models import FakeListChatModel

import evals.judge
from assistant.settings import Settings
from evals import metrics
from evals.cli import main
from evals.judge import FaithfulnessJudge, make_chat_model
from evals.runner import evaluate
from tests.evals.conftest import CORPUS, QUESTIONS


def test_judge_scores_supported_unsupported_and_unclear(fake, questions):
    answers = [fake.ask(q.question) for q in questions[:3]]
    judge = FaithfulnessJudge(FakeListChatModel(responses=["YES", "No, it is not.", "maybe"]))
    assert [judge.score(q.question, a) for q, a in zip(questions, answers, strict=False)] == [
        1.0,
        0.0,
        None,
    ]


def test_refused_or_uncited_answers_are_not_judged(fake, questions):
    judge = FaithfulnessJudge(FakeListChatModel(responses=[]))  # would raise if called
    refused = fake.ask("What will the weather be like in Tampere tomorrow?")
    assert judge.score("q", refused) is None


def test_judge_prompt_holds_answer_and_quotes(fake, questions):
    seen = []

    class Recording(FakeListChatModel):
        def invoke(self, prompt, *args, **kwargs):
            seen.append(prompt)
            return super().invoke(prompt, *args, **kwargs)

    answer = fake.ask(questions[0].question)
    FaithfulnessJudge(Recording(responses=["YES"])).score(questions[0].question, answer)
    assert answer.answer in seen[0]
    assert f"[1] {answer.sources[0].quote}" in seen[0]


def test_faithfulness_joins_the_summary_only_with_a_judge(fake, questions):
    judge = FaithfulnessJudge(FakeListChatModel(responses=["YES", "NO", "YES", "YES"]))
    records = evaluate(fake, questions, judge=judge, progress=False)
    assert [r["faithful"] for r in records] == [1.0, 0.0, 1.0, 1.0, None, None]
    assert metrics.summarise(records, judged=True)["faithfulness"] == 0.75
    assert "faithfulness" not in metrics.summarise(records)


def test_no_chat_model_without_a_provider():
    assert make_chat_model(Settings(llm_provider="none")) is None
    model = make_chat_model(
        Settings(llm_provider="openai", llm_base_url="http://127.0.0.1:9/v1", llm_model="m")
    )
    assert type(model).__name__ == "ChatOpenAI"


def test_cli_adds_faithfulness_when_an_llm_is_configured(fake, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CORPUS_DIR", str(CORPUS))
    monkeypatch.setenv("LLM_PROVIDER", "openai")
    fake_model = FakeListChatModel(responses=["YES"] * 4)
    monkeypatch.setattr(evals.judge, "make_chat_model", lambda settings: fake_model)
    argv = [
        "--questions",
        str(QUESTIONS),
        "--out",
        str(tmp_path / "out"),
        "--no-progress",
        "--min",
        "faithfulness=1.0",
    ]
    assert main(argv, builders={"project": lambda s, o: fake}) == 0
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["summary"]["overall"]["faithfulness"] == 1.0
    assert results["meta"]["judge"] is True
    # --no-judge keeps the run deterministic even with an LLM configured
    assert main([*argv[:-2], "--no-judge"], builders={"project": lambda s, o: fake}) == 0
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert "faithfulness" not in results["summary"]["overall"]
