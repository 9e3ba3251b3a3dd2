"""Conversation memory is bounded in turns and in idle time."""

from assistant.memory import ConversationMemory


def test_keeps_last_n_pairs_and_expires():
    now = [0.0]
    memory = ConversationMemory(max_turns=2, ttl_minutes=1, clock=lambda: now[0])
    for i in range(3):
        memory.add("chat", f"q{i}", f"a{i}", "en")
    assert [t.content for t in memory.history("chat")] == ["q1", "a1", "q2", "a2"]
    assert memory.language("chat") == "en"
    now[0] = 61.0
    assert memory.history("chat") == []
    assert len(memory) == 0


def test_reset_and_capacity():
    memory = ConversationMemory(max_conversations=2)
    for key in ("a", "b", "c"):
        memory.add(key, "q", "a")
    assert memory.history("a") == [] and memory.history("c")
    memory.reset("c")
    assert memory.history("c") == []
