"""Language detection and the fallback order when a question is too short to tell."""

import pytest

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


# Questions that carry another language's names in lower case (as a newcomer types them): the
# asker's function words decide, not the names. Invented examples; the names are the corpus's.
FUNCTION_WORD_CASES = [
    ("en", "what is the number i should call at pirkanmaan liitto for this?"),
    ("en", "is there someone at tampereen kaupunki who answers about hiedanranta?"),
    ("sv", "vem ska jag ringa på pirkanmaan liitto om det här?"),
    ("sv", "finns det någon på tampereen kaupunki som vet om hiedanranta?"),
    ("fi", "kuka on talent attraction and migration -tiimin vetäjä ja mistä hänet löytää?"),
    ("fi", "mikä on se sustainable industry x ja kuka sitä vetää?"),
]


@pytest.mark.parametrize(("lang", "text"), FUNCTION_WORD_CASES)
def test_function_words_outweigh_names_in_another_language(lang, text):
    assert languages.detect(text) == lang


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["what", "is", "the", "hiedanranta"], {"en": 3}),
        (["mikä", "on", "se", "hiedanranta"], {"fi": 3}),
        (["vad", "är", "det", "hiedanranta"], {"sv": 3}),
    ],
)
def test_function_word_votes_count_each_language(words, expected):
    votes = languages.function_word_votes(words)
    for lang, count in expected.items():
        assert votes[lang] >= count
        assert all(votes[other] < count for other in votes if other != lang)


# Documents in three languages (invented): the names recur in every language, capitalised; the
# ordinary words do not, and a word shared but mostly lower case ("data") is no name.
DOCS = [
    ("en", "Aino Virtanen of Hervanta Works answers about data. The data is open, data for all."),
    ("fi", "Aino Virtanen (Hervanta Works) vastaa datasta. Data on avointa data-aineistoa."),
    ("sv", "Aino Virtanen på Hervanta Works svarar om data och data."),
]


def test_shared_words_are_the_names_every_language_writes_capitalised():
    names = languages.shared_words(DOCS)
    assert {"aino", "virtanen", "hervanta", "works"} <= names
    assert "data" not in names  # in every language, but mostly lower case
    assert "om" not in names and "on" not in names  # function words are never names


def test_shared_words_need_every_served_language():
    assert languages.shared_words(DOCS[:2]) == frozenset()


# Short lower-case questions whose names would make lingua read the names' language: with the
# documents' names set aside, the asker's own words decide. (lang, question)
NAMED_CASES = [
    ("en", "phone number for aino virtanen?"),
    ("fi", "aino virtasen puhelinnumero?"),
    ("sv", "aino virtanens telefonnummer?"),
]


@pytest.mark.parametrize(("lang", "text"), NAMED_CASES)
def test_names_shared_by_the_documents_do_not_decide_the_language(lang, text):
    names = languages.shared_words(DOCS)
    assert languages.detect(text, names=names) == lang
