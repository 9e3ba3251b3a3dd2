"""Follow-ups resolved from the conversation's own text, without an LLM, table-driven in en, fi
and sv (issue 12): "her phone", "the second one", "it"/"se"/"det", "there"/"siellä"/"där",
"its"/"sen"/"dess". Written for this test, not from dev or sealed; term weights from the shipped
index, as the pipeline uses them."""

from __future__ import annotations

import pytest

from assistant.answer import followup
from assistant.schema import Turn

LISTS = {
    "en": "The focus areas are: Sustainable Industry X; buildings, energy and infrastructure; "
    "and digital health solutions. [1]",
    "fi": "Painopisteet ovat: Sustainable Industry X; rakennukset, energia ja infra; ja "
    "digitaaliset terveysratkaisut. [1]",
    "sv": "Tyngdpunkterna är: Sustainable Industry X; byggnader, energi och infrastruktur; och "
    "digitala hälsolösningar. [1]",
}

BARE = {
    "en": "Sustainable Industry X; buildings, energy and infrastructure; and digital health "
    "solutions. [1]",
    "fi": "Sustainable Industry X; rakennukset, energia ja infra; sekä digitaaliset "
    "terveysratkaisut. [1]",
    "sv": "Sustainable Industry X; byggnader, energi och infrastruktur; samt digitala "
    "hälsolösningar. [1]",
}

# (lang, earlier question, earlier answer, follow-up, what the standalone question must hold)
RESOLVED = [
    (
        "en",
        "Who is the funding expert?",
        "Jaana Niittyniemi is the funding expert. [1]",
        "What is her phone number?",
        "Jaana Niittyniemi",
    ),
    (
        "fi",
        "Kuka on rahoitusasiantuntija?",
        "Jaana Niittyniemi on rahoitusasiantuntija. [1]",
        "Mikä on hänen puhelinnumeronsa?",
        "Jaana Niittyniemi",
    ),
    (
        "sv",
        "Vem är finansieringsexpert?",
        "Jaana Niittyniemi är finansieringsexpert. [1]",
        "Vad är hennes telefonnummer?",
        "Jaana Niittyniemi",
    ),
    (
        "en",
        "What are the focus areas?",
        LISTS["en"],
        "And the second one?",
        "buildings, energy and infrastructure",
    ),
    (
        "fi",
        "Mitkä ovat painopisteet?",
        LISTS["fi"],
        "Entä toinen?",
        "rakennukset, energia ja infra",
    ),
    (
        "sv",
        "Vilka är tyngdpunkterna?",
        LISTS["sv"],
        "Och den andra?",
        "byggnader, energi och infrastruktur",
    ),
    (
        "en",
        "What was AuroraAI?",
        "AuroraAI was a national AI programme. [1]",
        "When did it start?",
        "AuroraAI",
    ),
    (
        "fi",
        "Mikä oli AuroraAI?",
        "AuroraAI oli kansallinen tekoälyohjelma. [1]",
        "Milloin se alkoi?",
        "AuroraAI",
    ),
    (
        "sv",
        "Vad var AuroraAI?",
        "AuroraAI var ett nationellt AI-program. [1]",
        "När började det?",
        "AuroraAI",
    ),
    (
        "fi",
        "Mikä on Hiedanranta?",
        "Hiedanranta on uusi kaupunginosa. [1]",
        "Mitä siellä rakennetaan?",
        "Hiedanranta",
    ),
    (
        "sv",
        "Vad är Hiedanranta?",
        "Hiedanranta är en ny stadsdel. [1]",
        "Vad byggs där?",
        "Hiedanranta",
    ),
    ("fi", "Mikä on SIXNET?", "SIXNET on SIX-hanke. [1]", "Kuka vetää sen työtä?", "SIXNET"),
    # An answer that is only the list, no "are"/"ovat"/"är" or colon before it: its semicolons
    # mark the items.
    (
        "en",
        "Name the focus areas.",
        BARE["en"],
        "What measures does the third one have?",
        "digital health solutions",
    ),
    ("fi", "Luettele painopisteet.", BARE["fi"], "Entä toisen toimet?", "rakennukset"),
    (
        "sv",
        "Räkna upp tyngdpunkterna.",
        BARE["sv"],
        "Vilka åtgärder har den andra?",
        "byggnader, energi och infrastruktur",
    ),
]

# Known misses of the rewrite: a follow-up with two or more content words of its own ("its work",
# "dess arbete", "being built there") is left as asked. Adding "there" words to the packs made
# three off-topic follow-ups on train look answered, so it was not done; retrieval searches with
# the earlier question beside such a question instead (`context`, tested below end to end).
KNOWN_MISSES = [
    (
        "en",
        "What is Hiedanranta?",
        "Hiedanranta is a new district. [1]",
        "What is being built there?",
        "Hiedanranta",
    ),
    ("en", "What is SIXNET?", "SIXNET is a SIX project. [1]", "Who runs its work?", "SIXNET"),
    ("sv", "Vad är SIXNET?", "SIXNET är ett SIX-projekt. [1]", "Vem leder dess arbete?", "SIXNET"),
]

# A new question with a subject of its own is left alone, in every language.
LEFT_ALONE = [
    (
        "en",
        "Who is the funding expert?",
        "Jaana Niittyniemi is the funding expert. [1]",
        "Which focus areas does the Tampere agreement have?",
    ),
    (
        "fi",
        "Kuka on rahoitusasiantuntija?",
        "Jaana Niittyniemi on rahoitusasiantuntija. [1]",
        "Mitkä painopisteet Tampereen sopimuksessa on?",
    ),
    (
        "sv",
        "Vem är finansieringsexpert?",
        "Jaana Niittyniemi är finansieringsexpert. [1]",
        "Vilka tyngdpunkter har Tammerfors avtal?",
    ),
]


def _history(question: str, answer: str) -> list[Turn]:
    return [Turn(role="user", content=question), Turn(role="assistant", content=answer)]


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "first", "answer", "follow_up", "needed"), RESOLVED)
def test_a_follow_up_takes_its_subject_from_the_conversation(
    real_assistant, lang, first, answer, follow_up, needed
):
    weights = real_assistant._state.weights
    standalone = followup.rewrite(follow_up, _history(first, answer), lang, weights)
    assert standalone.startswith(follow_up) and needed in standalone


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "first", "answer", "follow_up", "needed"), KNOWN_MISSES)
@pytest.mark.xfail(strict=True, reason="two content words of its own: read as a new question")
def test_known_misses_of_the_follow_up_rule(real_assistant, lang, first, answer, follow_up, needed):
    weights = real_assistant._state.weights
    assert needed in followup.rewrite(follow_up, _history(first, answer), lang, weights)


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "first", "answer", "question"), LEFT_ALONE)
def test_a_new_question_is_left_alone(real_assistant, lang, first, answer, question):
    weights = real_assistant._state.weights
    assert followup.rewrite(question, _history(first, answer), lang, weights) == question


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_context_is_the_earlier_question_only_for_a_question_left_as_asked(lang):
    first, answer, follow_up = {
        "en": ("What is SIXNET?", "SIXNET is a SIX project. [1]", "Who runs its work?"),
        "fi": ("Mikä on SIXNET?", "SIXNET on SIX-hanke. [1]", "Kuka vetää sen työtä?"),
        "sv": ("Vad är SIXNET?", "SIXNET är ett SIX-projekt. [1]", "Vem leder dess arbete?"),
    }[lang]
    history = _history(first, answer)
    assert followup.context(follow_up, follow_up, history) == first
    # Rewritten (the earlier words are in the standalone question already), or nothing before.
    assert followup.context(follow_up, f"{follow_up} {first}", history) is None
    assert followup.context(follow_up, follow_up, []) is None


# (lang, earlier question, earlier answer, a follow-up left as asked, what the answer must hold):
# the earlier question's topic reaches the answer through retrieval (each fails without it).
CONTEXT_ANSWERED = [
    ("en", "What is SIXNET?", "SIXNET is a SIX project. [1]", "Who runs its work?", "SIXNET"),
    (
        "en",
        "What is Hiedanranta?",
        "Hiedanranta is a new district. [1]",
        "Who is developing the area?",
        "Hiedanrannan Kehitys",
    ),
    (
        "fi",
        "Mikä on Hiedanranta?",
        "Hiedanranta on uusi kaupunginosa. [1]",
        "Kuka vastaa alueen kehittämisestä?",
        "Hiedanrannan Kehitys",
    ),
    (
        "sv",
        "Vad är Hiedanranta?",
        "Hiedanranta är en ny stadsdel. [1]",
        "Vilket bolag utvecklar området?",
        "Hiedanrannan Kehitys",
    ),
    # A strict xfail from the thirty-fifth attempt to the thirty-sixth: the district's timeline
    # led instead of the pulp mill (0.08 apart in the fitted lead score) until the refit with
    # sealed35 retired.
    (
        "fi",
        "Mikä on Hiedanranta?",
        "Hiedanranta on uusi kaupunginosa. [1]",
        "Mitä siellä oli ennen?",
        "sellu",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "first", "answer", "follow_up", "needed"), CONTEXT_ANSWERED)
def test_a_follow_up_left_as_asked_is_answered_on_the_earlier_topic(
    real_assistant, lang, first, answer, follow_up, needed
):
    reply = real_assistant.ask(follow_up, _history(first, answer))
    assert not reply.refused and needed in reply.answer and reply.language == lang


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "first", "answer", "question"), LEFT_ALONE)
def test_a_new_question_after_a_conversation_keeps_its_own_topic(
    real_assistant, lang, first, answer, question
):
    reply = real_assistant.ask(question, _history(first, answer))
    assert not reply.refused and "Sustainable Industry X" in reply.answer
    assert "Niittyniemi" not in reply.answer
