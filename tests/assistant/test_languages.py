"""Language detection and the fallback order when a question is too short to tell."""

from assistant import languages


def test_sentences_are_detected():
    assert languages.detect("Who can apply for funding from the agreement?") == "en"
    assert languages.detect("Kuka voi hakea rahoitusta ekosysteemisopimuksesta?") == "fi"
    assert languages.detect("Vem kan ansöka om finansiering inom avtalet?") == "sv"


def test_bare_names_are_unsure():
    assert languages.detect("AuroraAI?") is None
    assert languages.detect("EURA 2021") is None


def test_resolve_order_explicit_detected_conversation_client_default():
    assert languages.resolve("fi", explicit="sv") == "sv"
    assert languages.resolve("fi", conversation="sv") == "fi"
    assert languages.resolve(None, conversation="sv", client="fi") == "sv"
    assert languages.resolve(None, client="fi-FI") == "fi"
    assert languages.resolve(None, client="de") == "en"


def test_accept_language_header():
    assert languages.from_accept_language("de-DE,sv;q=0.8,fi;q=0.9") == "fi"
    assert languages.from_accept_language("de") is None
