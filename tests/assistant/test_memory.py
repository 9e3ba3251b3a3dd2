"""Conversation memory is bounded in turns and in idle time, whatever state store holds it."""

from assistant.memory import ConversationMemory


def test_keeps_last_n_pairs_and_expires(state_store, clock):
    memory = ConversationMemory(max_turns=2, ttl_minutes=1, store=state_store)
    for i in range(3):
        memory.add("chat", f"q{i}", f"a{i}", "en")
    assert [t.content for t in memory.history("chat")] == ["q1", "a1", "q2", "a2"]
    assert [t.role for t in memory.history("chat")] == ["user", "assistant"] * 2
    assert memory.language("chat") == "en"
    clock.advance(59)
    memory.add("chat", "q3", "a3")  # no language: the last one stays, and idle time restarts
    clock.advance(59)
    assert memory.language("chat") == "en"
    assert [t.content for t in memory.history("chat")][-2:] == ["q3", "a3"]
    clock.advance(2)
    assert memory.history("chat") == []
    assert memory.language("chat") is None


def test_reset_keys_apart_and_set_language(state_store):
    memory = ConversationMemory(store=state_store)
    for key in ("web:a", "telegram:1"):
        memory.add(key, f"question for {key}", "answer")
    assert memory.history("web:a")[0].content == "question for web:a"
    memory.reset("web:a")
    assert memory.history("web:a") == [] and memory.language("web:a") is None
    assert memory.history("telegram:1")
    memory.set_language("telegram:1", "fi")
    assert memory.language("telegram:1") == "fi"


def test_text_with_quotes_and_newlines_round_trips(state_store):
    memory = ConversationMemory(store=state_store)
    texts = ['He said "hei"\nand left', "Tämä on vastaus.\n\n[1]"]
    memory.add("k", *texts, "fi")
    assert [t.content for t in memory.history("k")] == texts
