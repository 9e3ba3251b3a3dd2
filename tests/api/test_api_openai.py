"""The OpenAI-compatible endpoint, driven by the official `openai` Python client."""

from __future__ import annotations

import openai
import pytest
from openai import OpenAI


@pytest.fixture
def client(live) -> OpenAI:
    return OpenAI(base_url=f"{live.url}/v1", api_key="unused", max_retries=0)


def test_models_list(client):
    assert [m.id for m in client.models.list()] == ["tampere-assistant"]


def test_non_streaming_completion_with_history(client, fake, store):
    completion = client.chat.completions.create(
        model="tampere-assistant",
        messages=[
            {"role": "system", "content": "You are helpful."},
            {"role": "user", "content": "What is Sustainable Industry X?"},
            {"role": "assistant", "content": "A priority of the agreement."},
            {"role": "user", "content": "Mitkä ovat painopisteet?"},
        ],
    )
    text = completion.choices[0].message.content
    assert completion.choices[0].finish_reason == "stop"
    assert "painopisteet" in text
    assert "Lähteet:" in text and "[1] [Innovation ecosystem agreement" in text
    assert "(https://rakennerahastot.fi/lansi-suomi/tampere)" in text
    call = fake.calls[-1]
    assert call["question"] == "Mitkä ovat painopisteet?"
    assert [t.role for t in call["history"]] == ["user", "assistant"]  # the system one is dropped
    answer_id = completion.model_extra["answer_id"]
    assert store.get_answer(answer_id).channel == "openai"


def test_streaming_completion(client, fake):
    stream = client.chat.completions.create(
        model="tampere-assistant",
        messages=[
            {"role": "user", "content": [{"type": "text", "text": "What are the priorities?"}]}
        ],
        stream=True,
    )
    deltas, finish, extras = [], None, None
    for chunk in stream:
        choice = chunk.choices[0]
        if choice.delta.content:
            deltas.append(choice.delta.content)
        if choice.finish_reason:
            finish = choice.finish_reason
            extras = chunk.model_extra
    text = "".join(deltas)
    assert len(deltas) > 3
    assert text.startswith("The strategic priorities") and "Sources:" in text
    assert finish == "stop" and extras["answer_id"] and extras["sources"][0]["n"] == 1


def test_bad_request_surfaces_as_client_error(client):
    with pytest.raises(openai.UnprocessableEntityError) as err:
        client.chat.completions.create(
            model="tampere-assistant", messages=[{"role": "system", "content": "only system"}]
        )
    assert "role 'user'" in str(err.value)


@pytest.mark.parametrize("stream", [False, True])
def test_the_next_step_follows_the_answer_as_on_every_channel(client, stream):
    # The asker's route (the next step) is part of the reply on the page and in Telegram; an
    # OpenAI client gets it too, after the answer and before the sources.
    messages = [{"role": "user", "content": "What will the weather be like?"}]
    if stream:
        parts = client.chat.completions.create(
            model="tampere-assistant", messages=messages, stream=True
        )
        text = "".join(c.choices[0].delta.content or "" for c in parts)
    else:
        completion = client.chat.completions.create(model="tampere-assistant", messages=messages)
        text = completion.choices[0].message.content
    body, step = text.split("\n\nContact the Council of Tampere Region.")
    assert body.strip() and not step.strip().startswith("Contact")
