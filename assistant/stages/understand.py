"""Understand: the answer's language, the standalone question, its kind and who is asking.

In: the question, the conversation's recent turns, an explicit or client language. Out: the
language to answer in, the question as it would be asked alone (follow-ups resolved from the
conversation's own text, or by the LLM when one is configured), and after retrieval the
calibrated `Reading` (kind of question, asker, P(answerable)) and the persona a next step is for.
"""

from __future__ import annotations

from assistant import bounds, languages
from assistant.answer import followup
from assistant.answer.analysis import PERSONAS, QuestionKind
from assistant.answer.extractive import TermWeights
from assistant.answer.llm import LLMAnswerer
from assistant.schema import Turn
from assistant.settings import Settings
from assistant.understand.calibration import Reading, Understanding
from assistant.understand.features import Observation

# Kinds of question a route for the asker answers further (the packs' kind labels).
NEXT_STEP_KINDS = frozenset({"procedure", "yesno"})
# The asker classifier's labels as the routes document's personas.
ASKER_PERSONA = {"startup": "company", "international_expert": "expert", "public_org": "public"}


class Understand:
    def __init__(
        self,
        settings: Settings,
        understanding: Understanding | None,
        llm: LLMAnswerer | None = None,
    ) -> None:
        self.settings = settings
        self.understanding = understanding
        self.llm = llm

    def standalone(self, question: str, turns: list[Turn], lang: str, weights: TermWeights) -> str:
        """The question as it would be asked without the conversation before it, bounded."""
        if self.llm is not None and turns:
            standalone = self.llm.condense(question, turns, lang)
        else:
            standalone = followup.rewrite(question, turns, lang, weights)
        return bounds.clip(standalone, self.settings.max_standalone_chars)

    def context(self, question: str, standalone: str, turns: list[Turn]) -> str | None:
        """Earlier words retrieval searches with beside a question the rewrite left as asked;
        None when an LLM condensed the question (its standalone question carries them)."""
        if self.llm is not None:
            return None
        return followup.context(question, standalone, turns)

    def read(
        self, obs: Observation, weights: TermWeights, calibrated: bool = True
    ) -> Reading | None:
        """Kind, asker and P(answerable); with ANSWER_DECISION=both, the threshold fitted for
        deciding beside the word rules; with 'rules', or on an index the calibration was not
        fitted on (`calibrated` False), no answerability is computed and the rules decide."""
        if self.understanding is None:
            return None
        decision = self.settings.answer_decision
        return self.understanding.read(
            obs, weights, with_rules=decision == "both", decide=decision != "rules" and calibrated
        )

    def persona(
        self, asked: QuestionKind, reading: Reading | None, turns: list[Turn]
    ) -> str | None:
        """Whom a next step is for, on a question that asks what to do or whether one can: the
        asker as this question, in the asker's own words (`asked`: the rules' reading of the
        question as asked, not of the standalone question, which may carry an earlier message),
        shows it, or as the conversation remembers it."""
        # The persona is the one the asker's words show, in every decision mode: the asker
        # classifier's own reading (train accuracy 0.68, docs/EVALUATION.md) also gave a route to
        # neutral questions (whom to contact on a programme), citing pages the answer does not need
        # (dev URL validity 0.739 against 0.830, answers 4 words longer at the median).
        persona = asked.persona
        if reading is not None and not self._asks_what_to_do(reading):
            # A route is a next step: it follows a question about what to do or whether one can.
            # Another question (a list, a date, a person) gets it only from an asker who says who
            # they are ("our university wants to know ..."), as the asker classifier reads them:
            # the word patterns also fire on a topic ("which municipalities ...", "do we need a
            # company to ..."), and a route then cites pages the answer does not need (issue 10).
            said = ASKER_PERSONA.get(reading.asker)
            return persona if persona == said else None
        if persona:
            return persona
        # Only a question about what to do reads the conversation for an asker it remembers.
        return self._persona_from_history(turns)

    def language(
        self,
        question: str,
        turns: list[Turn],
        lang: str | None,
        client_lang: str | None,
        names: frozenset[str] = frozenset(),
    ) -> str:
        """The answer's language; `names`: the index's words shared by every language's documents
        (languages.shared_words), judged by the other words ("phone number for jaana
        niittyniemi?" is English)."""
        conversation = None
        user_text = " ".join(t.content for t in turns if t.role == "user")
        if user_text:
            conversation = languages.detect(user_text, names=names)
        return languages.resolve(
            languages.detect(question, names=names),
            explicit=lang,
            conversation=conversation,
            client=client_lang,
            default=self.settings.default_language,
        )

    @staticmethod
    def _asks_what_to_do(reading: Reading) -> bool:
        """More likely than not a question of what to do or whether one can (by kind)."""
        return sum(reading.kind_proba.get(k, 0.0) for k in NEXT_STEP_KINDS) >= 0.5

    @staticmethod
    def _persona_from_history(turns: list[Turn]) -> str | None:
        for turn in reversed(turns):
            if turn.role == "user":
                for name, rx in PERSONAS.items():
                    if rx.search(turn.content):
                        return name
        return None
