"""A small stand-in for `assistant.Assistant` that returns real `Answer` objects.

Its texts are sentences from corpus/en/agreement.md and corpus/fi (no invented facts). It lets the
API tests control timing (a gate inside `stream`, a blocking `reindex`) and failures.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from assistant.schema import Answer, Chunk, SearchHit, Source, Turn

URL = "https://rakennerahastot.fi/lansi-suomi/tampere"
TEXTS = {
    "en": (
        "The strategic priorities of the Tampere ecosystem agreement are Sustainable Industry X; "
        "buildings, energy and infrastructure; and digital health solutions. [1]"
    ),
    "fi": (
        "Tampereen ekosysteemisopimuksen strategiset painopisteet ovat Sustainable Industry X; "
        "rakennukset, energia ja infrastruktuuri; sekä digitaaliset terveysratkaisut. [1]"
    ),
    "sv": (
        "De strategiska prioriteringarna i Tammerfors ekosystemavtal är Sustainable Industry X; "
        "byggnader, energi och infrastruktur; samt digitala hälsolösningar. [1]"
    ),
}
REFUSAL = {
    "en": "The documents do not answer this question.",
    "fi": "Asiakirjat eivät vastaa tähän kysymykseen.",
    "sv": "Dokumenten svarar inte på den här frågan.",
}
FI_WORDS = ("mikä", "mitkä", "miten", "mitä", "onko", "ovat", "sopimus")
SV_WORDS = ("vad", "hur", "vilka", "är", "avtal")


def guess_lang(question: str) -> str | None:
    """Enough language detection for tests: a few function words."""
    words = question.lower().replace("?", " ").split()
    if any(w in FI_WORDS for w in words):
        return "fi"
    if any(w in SV_WORDS for w in words):
        return "sv"
    if len(words) >= 3:
        return "en"
    return None


class FakeAssistant:
    """Implements the Assistant interface of docs/ARCHITECTURE.md with canned, sourced text."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.stream_gate: threading.Event | None = None  # stream waits here after piece 1
        self.gate_released: bool | None = None
        self.reindex_gate = threading.Event()
        self.reindex_gate.set()
        self.reindex_started = threading.Event()
        self.reindex_calls = 0
        self.is_ready = True
        self.source_url = URL  # tests set a hostile one

    # --- the interface ---
    def warm_up(self) -> None:
        return None

    def ready(self) -> bool:
        return self.is_ready

    def _answer(self, question, history, lang, client_lang) -> Answer:
        history = [Turn.model_validate(t) if isinstance(t, dict) else t for t in history or []]
        self.calls.append(
            {"question": question, "history": history, "lang": lang, "client_lang": client_lang}
        )
        if "explode" in question:
            raise RuntimeError("secret internal detail /etc/passwd")
        language = lang or guess_lang(question) or client_lang or "en"
        if "weather" in question.lower():
            return Answer(
                question=question,
                standalone_question=question,
                answer=REFUSAL[language],
                language=language,
                refused=True,
                next_step="Contact the Council of Tampere Region.",
            )
        text = TEXTS[language]
        title = "Innovation ecosystem agreement between the City of Tampere and the state"
        if "<" in question:  # echo markup back, as an attacker-controlled document might
            text = "Markup test <img src=x onerror=alert(1)> <b>bold</b> [1]"
            title = '<script>alert("t")</script>'
        return Answer(
            question=question,
            standalone_question=question if not history else f"{history[-2].content} {question}",
            answer=text,
            language=language,
            refused=False,
            sources=[
                Source(
                    n=1,
                    doc_id="agreement-en",
                    chunk_id="agreement-en#0",
                    title=title,
                    url=self.source_url,
                    lang="en",
                    section="Innovation ecosystem agreement",
                    as_of="2021-04-28",
                    quote=(
                        "The strategic priorities of the Tampere ecosystem agreement are "
                        "Sustainable Industry X; buildings, energy and infrastructure; and "
                        "digital health solutions."
                    ),
                    score=0.9,
                )
            ],
        )

    def ask(self, question, history=None, lang=None, client_lang=None) -> Answer:
        return self._answer(question, history, lang, client_lang)

    def stream(self, question, history=None, lang=None, client_lang=None) -> Iterator[str | Answer]:
        answer = self._answer(question, history, lang, client_lang)
        words = answer.answer.split(" ")
        for i, word in enumerate(words):
            yield word if i == 0 else " " + word
            if i == 0 and self.stream_gate is not None:
                # Hold the rest back until the client has seen the first piece.
                self.gate_released = self.stream_gate.wait(timeout=20)
        yield answer

    def search(self, query, lang=None, k=5) -> list[SearchHit]:
        chunk = Chunk(
            chunk_id="agreement-en#0",
            doc_id="agreement-en",
            text=TEXTS["en"],
            title="Innovation ecosystem agreement between the City of Tampere and the state",
            lang="en",
            url=URL,
            as_of="2021-04-28",
        )
        return [SearchHit(chunk=chunk, score=1.0 / (i + 1), rank=i + 1) for i in range(min(k, 3))]

    def get_chunks(self, chunk_ids):
        return {}

    def reindex(self, paths=None) -> dict:
        self.reindex_calls += 1
        self.reindex_started.set()
        self.reindex_gate.wait(timeout=30)
        return {"added": 0, "updated": 1, "deleted": 0, "unchanged": 2}

    def index_info(self) -> dict:
        return {
            "documents": 3,
            "chunks": 40,
            "languages": {"en": 2, "fi": 1, "sv": 1},
            "embedding_model": "fake",
            "last_ingest": "2024-01-01T00:00:00+00:00",
            "skipped": [],
        }
