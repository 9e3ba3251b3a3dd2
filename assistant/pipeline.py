"""The Assistant: from a question (and the conversation so far) to a cited answer.

question -> language -> standalone question -> hybrid retrieval -> extractive (or LLM) answer ->
refusal checks -> next step for the asker -> `Answer`. Synchronous by design: the API and the bot
run it in a worker thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from assistant import bounds, languages, packs, textregex
from assistant.answer import followup, guard
from assistant.answer.analysis import PERSONAS, QuestionKind, analyse, has_evidence
from assistant.answer.extractive import Candidate, ExtractiveAnswerer, TermWeights, UnitRecall
from assistant.answer.llm import LLMAnswerer, LLMUnavailable, citations, verify_answer
from assistant.answer.messages import contact_line, say
from assistant.answer.units import Unit, split_units, unit_key
from assistant.embeddings import EmbeddingProvider, get_embedder
from assistant.retrieval.bm25 import tokenize
from assistant.retrieval.hybrid import HybridSearcher, LiveIndex, group_of
from assistant.schema import Answer, Chunk, SearchHit, Source, Turn
from assistant.settings import Settings, get_settings
from assistant.store import StoreError, VectorStore, open_store
from assistant.store.manifest import Manifest
from assistant.store.unit_vectors import UnitVectors
from assistant.understand.calibration import Reading, Understanding, load_understanding
from assistant.understand.facts import KIND_FACTS, holds_fact_for
from assistant.understand.features import Observation

log = logging.getLogger(__name__)

# The asker classifier's labels as the routes document's personas.
ASKER_PERSONA = {"startup": "company", "international_expert": "expert", "public_org": "public"}

# ANSWER_DECISION=rules only. Off-topic: few of the question's weighted terms occur in the
# documents AND no unit is close.
OFFTOPIC_COVERAGE = 0.5
OFFTOPIC_DENSE = 0.84
# A name starts where a word does (the look-behind): else one long capitalised token is rescanned
# from each of its letters (quadratic: issue 11).
_NAME = textregex.compile(r"(?<![\wåäöé-])[A-ZÅÄÖ][\wåäöé-]+ [A-ZÅÄÖ][\wåäöé-]+")
_YEAR = textregex.compile(r"\b(?:19|20)\d{2}\b")
_PERIOD = textregex.compile(r"\b(?:19|20)\d{2}\s*[–-]\s*(?:19|20)\d{2}\b")
_CAPITALISED = textregex.compile(r"(?<!^)(?<![.?!]\s)\b[A-ZÅÄÖ][\wåäö-]+")

# Names compared by stem prefix must share at least this many characters (inflected names).
NAME_STEM_MIN = 5
# A next step quotes this many sentences of its route section: enough to name the route.
ROUTE_SENTENCES = 2


class IndexNotBuilt(StoreError):
    """No index yet: run `assistant ingest` (or `make run`, which does)."""


@dataclass(frozen=True)
class _State:
    """Everything derived from one manifest; replaced whole after a reindex."""

    live: LiveIndex
    weights: TermWeights
    vectors: UnitVectors
    answerer: ExtractiveAnswerer
    group_units: dict[str, list[tuple[Chunk, Unit]]]
    contacts: list[Chunk]  # chunks holding a ```contact block, in index order


@dataclass
class _Draft:
    statements: list[tuple[Candidate, str]]  # (candidate, role) role: answer|related|contact
    refused: bool
    reason: str | None
    other_language: bool


def _as_turns(history: list[Turn] | list[dict] | None) -> list[Turn]:
    return [t if isinstance(t, Turn) else Turn.model_validate(t) for t in history or []]


class Assistant:
    """One per process: owns the embedder, the store handle and the live index."""

    def __init__(
        self,
        settings: Settings,
        embedder: EmbeddingProvider,
        store: VectorStore,
        llm: LLMAnswerer | None = None,
    ) -> None:
        self.settings = settings
        packs.use_settings(settings)  # the languages served: shipped packs and EXTRA_PACKS_DIRS
        self.llm = llm
        self.embedder = embedder
        self.store = store
        self._reindex_lock = threading.Lock()
        self._last_ingest: str | None = None
        state = self._load_state()
        self.searcher = HybridSearcher(
            embedder, store, state.live, settings.retrieval_candidates, settings.rrf_k
        )
        self._state = state
        # Kind of question, asker and the calibrated answerability decision (issue 12); the
        # classifiers' weights come from the calibration file of this embedding model.
        self.understanding: Understanding | None = None
        if settings.answer_decision == "calibrated":
            self.understanding = load_understanding(embedder)

    # ----- construction -------------------------------------------------------------------
    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Assistant:
        settings = settings or get_settings()
        embedder = get_embedder(settings)
        llm = LLMAnswerer.from_settings(settings)
        return cls(settings, embedder, open_store(settings, embedder.name), llm)

    def _load_state(self) -> _State:
        manifest = Manifest.load(self.settings.index_dir, self.store.collection_name)
        if manifest is None:
            raise IndexNotBuilt(
                f"No index for {self.store.collection_name} in {self.settings.index_dir}: run "
                "`assistant ingest` first (make run does it for you)."
            )
        self._last_ingest = manifest.built_at
        live = LiveIndex.from_manifest(manifest)
        weights = TermWeights(manifest.chunks)
        vectors = UnitVectors.load(self.settings.index_dir, self.store.collection_name)
        groups: dict[str, list[tuple[Chunk, Unit]]] = {}
        contacts = [chunk for chunk in manifest.chunks if chunk.contact is not None]
        for chunk in manifest.chunks:
            if group_of(chunk) in (self.settings.contacts_doc, self.settings.routes_doc):
                groups.setdefault(group_of(chunk), []).extend(
                    (chunk, u) for u in split_units(chunk.text)
                )
        answerer = ExtractiveAnswerer(
            weights,
            vectors,
            siblings=_sections(manifest.chunks),
            recall=UnitRecall(manifest.chunks, vectors),
        )
        return _State(live, weights, vectors, answerer, groups, contacts)

    def warm_up(self) -> None:
        """Load the embedding model and lingua now, not on the first question."""
        self.embedder.warm_up()
        languages.warm_up()

    # ----- index ------------------------------------------------------------------------------
    def reindex(self, paths: list[Path] | None = None) -> dict:
        """Re-ingest in this process (the store's owner); searches go on on the old index."""
        from ingest.indexer import Indexer

        with self._reindex_lock:
            report = Indexer(self.settings, self.embedder, self.store).run(paths)
            state = self._load_state()
            self.searcher.swap(state.live)
            self._state = state
        return report.as_dict()

    def index_info(self) -> dict:
        manifest = self._state.live.manifest
        langs: dict[str, int] = {}
        for chunk in manifest.chunks:
            langs[chunk.lang] = langs.get(chunk.lang, 0) + 1
        return {
            "documents": len(manifest.documents),
            "chunks": len(manifest.chunks),
            "languages": langs,
            "embedding_model": manifest.embedding_model,
            "collection": manifest.collection,
            "last_ingest": manifest.built_at,
            "skipped": [entry.model_dump() for entry in manifest.skipped],
        }

    def ready(self) -> bool:
        return bool(self._state.live.ids) and self.store.heartbeat()

    def check_citations(self, answer: Answer) -> list[str]:
        """Problems with an answer's sources: a cited chunk not in the store, or a quote that is
        not verbatim in the chunk as stored. Empty when every citation holds."""
        stored = self.get_chunks([s.chunk_id for s in answer.sources])
        problems = []
        for source in answer.sources:
            chunk = stored.get(source.chunk_id)
            if chunk is None:
                problems.append(f"[{source.n}] cites {source.chunk_id}, which is not in the store")
            elif not source.quote or source.quote not in chunk.text:
                problems.append(f"[{source.n}] quote is not in {source.chunk_id} as stored")
        return problems

    def get_chunks(self, chunk_ids: list[str]) -> dict[str, Chunk]:
        """Chunks as stored in the vector store (citation checks re-read them from there)."""
        return self.store.get(list(chunk_ids))

    # ----- search -----------------------------------------------------------------------------
    def search(self, query: str, lang: str | None = None, k: int | None = None) -> list[SearchHit]:
        chosen = languages.resolve(
            languages.detect(query), explicit=lang, default=self.settings.default_language
        )
        return self.searcher.search(query, chosen, k or self.settings.retrieval_top_k)

    # ----- answers ----------------------------------------------------------------------------
    def ask(
        self,
        question: str,
        history: list[Turn] | list[dict] | None = None,
        lang: str | None = None,
        client_lang: str | None = None,
    ) -> Answer:
        answer = None
        for piece in self.stream(question, history, lang, client_lang):
            if isinstance(piece, Answer):
                answer = piece
        assert answer is not None
        return answer

    def stream(
        self,
        question: str,
        history: list[Turn] | list[dict] | None = None,
        lang: str | None = None,
        client_lang: str | None = None,
    ) -> Iterator[str | Answer]:
        """Text pieces as they are ready, then the final Answer."""
        timings: dict[str, float] = {}
        started = time.perf_counter()
        limits = self.settings
        # Bounded inputs (issue 11): the newest turns only, and a standalone question of bounded
        # length, whatever the channel passed in; the answer's `history` says what was read.
        turns, history_use = bounds.recent_history(
            _as_turns(history), limits.max_history_turns, limits.max_history_chars
        )
        state = self._state
        question = bounds.clip(question.strip(), limits.max_standalone_chars)

        obs = self._observe(question, turns, lang, client_lang, state, timings)
        standalone, answer_lang, qvec, hits = obs.standalone, obs.lang, obs.qvec, obs.hits
        kind = analyse(standalone)
        t = time.perf_counter()
        reading = self.understanding.read(obs, state.weights) if self.understanding else None
        if reading is None:
            persona = kind.persona or self._persona_from_history(turns)
        else:
            persona = ASKER_PERSONA.get(reading.asker) or self._asker_from_history(turns)
        timings["understand"] += _ms(t)

        t = time.perf_counter()
        draft = self._draft(obs, kind, reading, state)
        text, sources = self._render(draft, answer_lang)
        if kind.funding and not draft.refused:
            text += "\n\n" + say("check_call", answer_lang)
        next_step, route_sources = self._next_step(
            persona, qvec, answer_lang, draft, sources, state
        )
        sources.extend(route_sources)
        timings["answer"] = _ms(t)

        if self.llm is not None and not draft.refused:
            # The LLM's reply is read whole and verified before any of it is yielded: a client
            # (an OpenAI-compatible stream above all) can never be shown text that is rejected.
            t = time.perf_counter()
            generated = self._generate(standalone, answer_lang, hits, qvec, state)
            if generated is not None:
                text, sources = generated
                if kind.funding:
                    text += "\n\n" + say("check_call", answer_lang)
            timings["llm"] = _ms(t)
        yield from _pieces(text)
        timings["total"] = _ms(started)
        yield Answer(
            question=question,
            standalone_question=standalone,
            answer=text,
            language=answer_lang,
            refused=draft.refused,
            sources=sources,
            next_step=next_step,
            timings_ms=timings,
            history=history_use,
        )

    def observe(
        self,
        question: str,
        history: list[Turn] | list[dict] | None = None,
        lang: str | None = None,
        client_lang: str | None = None,
    ) -> Observation:
        """Understanding, retrieval and evidence selection, as `stream` does them, without the
        decision (`assistant calibrate` measures its features on these)."""
        limits = self.settings
        turns, _ = bounds.recent_history(
            _as_turns(history), limits.max_history_turns, limits.max_history_chars
        )
        question = bounds.clip(question.strip(), limits.max_standalone_chars)
        return self._observe(question, turns, lang, client_lang, self._state, {})

    def _observe(
        self,
        question: str,
        turns: list[Turn],
        lang: str | None,
        client_lang: str | None,
        state: _State,
        timings: dict[str, float],
    ) -> Observation:
        started = time.perf_counter()
        answer_lang = self._language(question, turns, lang, client_lang)
        if self.llm is not None and turns:
            standalone = self.llm.condense(question, turns, answer_lang)
        else:
            standalone = followup.rewrite(question, turns, answer_lang, state.weights)
        standalone = bounds.clip(standalone, self.settings.max_standalone_chars)
        timings["understand"] = _ms(started)

        t = time.perf_counter()
        qvec = self.embedder.embed_query_vector(standalone)
        hits = self.searcher.search(standalone, answer_lang, 8, vector=qvec)
        # Passages that instruct a model or carry stray links are never quoted, cited or sent.
        hits = guard.usable(hits)
        timings["retrieve"] = _ms(t)
        selection = state.answerer.select(standalone, qvec, hits, answer_lang)
        return Observation(question, standalone, answer_lang, qvec, hits, selection)

    def _generate(
        self, question: str, lang: str, hits: list[SearchHit], qvec: np.ndarray, state: _State
    ) -> tuple[str, list[Source]] | None:
        """The LLM's answer and its sources once verified; None keeps the extractive answer
        (the server failed, or its reply was rejected: both are logged)."""
        assert self.llm is not None
        evidence = [h for h in hits if h.chunk.lang == lang][:4] or hits[:4]
        if not evidence:
            return None
        chunks = [h.chunk for h in evidence]
        try:
            text = self.llm.answer(question, lang, chunks)
        except LLMUnavailable as exc:
            log.warning("LLM unavailable, extractive answer served: %s", exc)
            return None
        problem = verify_answer(text, chunks, lang)
        if problem:
            log.info("LLM answer rejected (%s), extractive answer served", problem)
            return None
        sources = []
        for n in sorted(set(citations(text))):
            hit = evidence[n - 1]
            best = max(
                split_units(hit.chunk.text),
                key=lambda u: state.vectors.similarity(u.key, qvec),
            )
            sources.append(_source(n, Candidate(best, hit, 0.0, 0.0, frozenset(), 0.0)))
        return text, sources

    def _language(
        self, question: str, turns: list[Turn], lang: str | None, client_lang: str | None
    ) -> str:
        conversation = None
        user_text = " ".join(t.content for t in turns if t.role == "user")
        if user_text:
            conversation = languages.detect(user_text)
        return languages.resolve(
            languages.detect(question),
            explicit=lang,
            conversation=conversation,
            client=client_lang,
            default=self.settings.default_language,
        )

    @staticmethod
    def _persona_from_history(turns: list[Turn]) -> str | None:
        for turn in reversed(turns):
            if turn.role == "user":
                for name, rx in PERSONAS.items():
                    if rx.search(turn.content):
                        return name
        return None

    def _asker_from_history(self, turns: list[Turn]) -> str | None:
        """The persona the asker's latest earlier message shows, by the asker classifier."""
        assert self.understanding is not None
        for turn in reversed(turns):
            if turn.role == "user":
                vec = self.embedder.embed_query_vector(turn.content)
                return ASKER_PERSONA.get(self.understanding.classifier.asker.predict(vec))
        return None

    def _draft(
        self, obs: Observation, kind: QuestionKind, reading: Reading | None, state: _State
    ) -> _Draft:
        question, qvec, lang, selection = obs.standalone, obs.qvec, obs.lang, obs.selection
        # One language per answer: the asker's, unless the best evidence exists only in another.
        answer_in = selection.chosen[0].hit.chunk.lang if selection.chosen else lang
        chosen = [c for c in selection.chosen if c.hit.chunk.lang == answer_in]
        # Closeness as the retriever found it: units recalled index-wide help compose the answer
        # but do not make an off-topic question look answered.
        best_dense = max((c.dense for c in selection.candidates if not c.recalled), default=0.0)
        coverage = state.weights.vocabulary_coverage(question, lang)

        def refuse(reason: str, related: Candidate | None = None) -> _Draft:
            statements = [(related, "related")] if related else []
            # Only a refusal needs the contact, so it is looked up here, not for every question.
            if contact := self._contact(qvec, lang, state):
                statements.append((contact, "contact"))
            return _Draft(statements, True, reason, False)

        if reading is not None and reading.answerable is not None:
            # The calibrated decision: refuse when P(answerable) is below the fitted threshold.
            if not chosen or not reading.answerable:
                if not chosen or reading.kind == "out_of_scope":
                    return refuse("offtopic")
                return refuse("unsupported", chosen[0])
            if reading.kind in KIND_FACTS:
                supporting = self._supporting(
                    question,
                    lang,
                    selection.candidates,
                    chosen[0],
                    lambda text: holds_fact_for(reading.kind, text),
                )
                if supporting:
                    # Of the units holding the fact asked for, the closest in meaning leads.
                    lead = max(supporting, key=lambda c: c.dense)
                    if lead not in chosen:
                        chosen = [lead, *[c for c in chosen if c is not lead]][:4]
            return _Draft([(c, "answer") for c in chosen], False, None, answer_in != lang)

        if kind.injection:
            return refuse("offtopic")
        if not chosen or (coverage < OFFTOPIC_COVERAGE and best_dense < OFFTOPIC_DENSE):
            return refuse("offtopic")
        if kind.expects:
            # Whether the fact asked for is there is judged on the retrieved units (as before unit
            # recall); which unit holding it leads is chosen among all of them.
            retrieved = [c for c in selection.candidates if not c.recalled]
            anchor = next((c for c in retrieved if c.hit.chunk.lang == answer_in), chosen[0])
            supporting = self._supporting(
                question,
                lang,
                selection.candidates,
                anchor,
                lambda text: has_evidence(kind.expects or "", text),
                future_date=kind.future and kind.expects == "date",
            )
            if not supporting:
                reason = "future" if kind.future and kind.expects == "date" else "unsupported"
                return refuse(reason, anchor)
            supporting += self._supporting(
                question,
                lang,
                selection.candidates,
                chosen[0],
                lambda text: has_evidence(kind.expects or "", text),
                future_date=kind.future and kind.expects == "date",
            )
            # Of the units holding the fact asked for, the closest in meaning leads the answer.
            lead = max(supporting, key=lambda c: c.dense)
            if lead not in chosen:
                chosen = [lead, *[c for c in chosen if c is not lead]][:4]
        return _Draft([(c, "answer") for c in chosen], False, None, answer_in != lang)

    def _supporting(
        self,
        question: str,
        lang: str,
        candidates: list[Candidate],
        best: Candidate,
        holds_fact: Callable[[str], bool],
        future_date: bool = False,
    ) -> list[Candidate]:
        """Units that hold the kind of fact asked for, about what was asked."""
        names = {t for word in _CAPITALISED.findall(question) for t in tokenize(word, lang)}
        out = []
        for cand in candidates:
            if not holds_fact(cand.unit.text):
                continue
            # A unit found index-wide (not by the retriever) counts only when it names what the
            # question names: otherwise any date or amount somewhere would "answer" it.
            if cand.recalled and not names:
                continue
            if names and not all(_term_in(name, cand.terms) for name in names):
                continue
            if cand.dense < best.dense - 0.05 or (cand.coverage < 0.3 and cand is not best):
                continue
            if future_date:
                # A period ("2021–2027") is not an event; a date or a year on its own is.
                years = [int(y) for y in _YEAR.findall(_PERIOD.sub(" ", cand.unit.text))]
                if not years or max(years) < date.today().year or cand.coverage < 0.5:
                    continue
            out.append(cand)
        return out

    def _group_best(
        self,
        group: str,
        lang: str,
        qvec: np.ndarray,
        state: _State,
        pattern: textregex.Pattern | None,
    ) -> Candidate | None:
        best: Candidate | None = None
        for chunk, unit in state.group_units.get(group, []):
            if chunk.lang != lang or unit.kind != "sentence":
                continue
            if pattern and not pattern.search(unit.text):
                continue
            dense = state.vectors.similarity(unit.key, qvec)
            if best is None or dense > best.dense:
                hit = SearchHit(chunk=chunk, score=dense, rank=1)
                best = Candidate(unit, hit, dense, 0.0, frozenset(), dense)
        return best

    def _contact(self, qvec: np.ndarray, lang: str, state: _State) -> Candidate | None:
        """The person a refusal points to, from the ```contact blocks in the answer's language.

        Candidates are the contacts document's blocks (any document's when it has none); the one
        whose topics or section text is closest to the question wins, and its visible line is
        what gets cited. An index without any block (other people's documents) falls back to
        the contacts document's closest sentence naming a person.
        """
        in_lang = [c for c in state.contacts if c.lang == lang and c.contact.line() in c.text]
        group = self.settings.contacts_doc
        candidates = [c for c in in_lang if group_of(c) == group] or in_lang
        if not candidates:
            if state.contacts:
                return None  # blocks exist, none in this language: no free sentence instead
            return self._group_best(group, lang, qvec, state, _NAME)
        best: Candidate | None = None
        for chunk in candidates:
            assert chunk.contact is not None
            line = chunk.contact.line()
            units = split_units(chunk.text)
            dense = max(
                [state.vectors.similarity(unit_key(chunk.contact.profile()), qvec)]
                + [state.vectors.similarity(u.key, qvec) for u in units if u.text != line]
            )
            if best is None or dense > best.dense:
                heading = next((u.heading for u in units if line in u.text), chunk.section)
                unit = Unit(text=line, kind="sentence", heading=heading, order=len(units))
                hit = SearchHit(chunk=chunk, score=dense, rank=1)
                best = Candidate(unit, hit, dense, 0.0, frozenset(), dense)
        return best

    def _next_step(
        self,
        persona: str | None,
        qvec: np.ndarray,
        lang: str,
        draft: _Draft,
        sources: list[Source],
        state: _State,
    ) -> tuple[str | None, list[Source]]:
        """The route that fits who is asking, from the routes document, cited.

        The section for this kind of asker that is closest to the question gives its opening
        sentences (ROUTE_SENTENCES of them), leaving out what the answer already says; each is
        cited from its own chunk, so each keeps its own page's URL.
        """
        if persona is None or (draft.refused and draft.reason == "offtopic"):
            return None, []
        pattern = PERSONAS[persona]
        sections: dict[tuple[str, str], list[tuple[Chunk, Unit, float]]] = {}
        for chunk, unit in state.group_units.get(self.settings.routes_doc, []):
            if chunk.lang == lang and pattern.search(unit.heading):
                dense = state.vectors.similarity(unit.key, qvec)
                # Keyed by document and heading, not chunk: a section that paragraph source
                # markers split over several chunks is still one route, read in order.
                sections.setdefault((chunk.doc_id, unit.heading), []).append((chunk, unit, dense))
        if not sections:
            return None, []
        for items in sections.values():
            items.sort(key=lambda item: (item[0].position, item[1].order))
        # What the answer says: every statement, not only each source's first quote.
        said = " ".join([s.quote for s in sources] + [c.unit.text for c, _ in draft.statements])
        # The section the answer already quotes is continued; else the one closest to the question.
        continued = [
            items for items in sections.values() if any(u.text in said for _, u, _ in items)
        ]
        units = max(continued or sections.values(), key=lambda items: max(d for _, _, d in items))
        fresh = [(c, u, d) for c, u, d in units if u.text not in said][:ROUTE_SENTENCES]
        if not fresh:
            return None, []
        parts: list[str] = []
        cited: list[Source] = []
        numbers: dict[str, int] = {}
        for chunk, unit, dense in fresh:
            if chunk.chunk_id not in numbers:
                numbers[chunk.chunk_id] = len(sources) + len(cited) + 1
                hit = SearchHit(chunk=chunk, score=dense, rank=1)
                cand = Candidate(unit, hit, dense, 0.0, frozenset(), dense)
                cited.append(_source(numbers[chunk.chunk_id], cand))
            parts.append(f"{unit.text} [{numbers[chunk.chunk_id]}]")
        return " ".join(parts), cited

    def _render(self, draft: _Draft, lang: str) -> tuple[str, list[Source]]:
        """Statements in reading order with [n] citations; one source per chunk."""
        numbers: dict[str, int] = {}
        sources: list[Source] = []

        def cite(cand: Candidate, own: bool = False) -> int:
            # A contact line gets its own source even when its chunk is cited already, so the
            # citation quotes the line the person's name, role and organisation come from.
            cid = cand.hit.chunk.chunk_id + ("|contact" if own else "")
            if cid not in numbers:
                numbers[cid] = len(sources) + 1
                sources.append(_source(numbers[cid], cand))
            return numbers[cid]

        parts: list[str] = []
        if draft.refused:
            key = {"future": "refusal_future", "offtopic": "refusal_offtopic"}.get(
                draft.reason or "", "refusal"
            )
            parts.append(say(key, lang))
            for cand, role in draft.statements:
                contact = cand.hit.chunk.contact if role == "contact" else None
                if contact is not None and cand.unit.text == contact.line():
                    said = contact_line(contact, lang)
                    parts.append(f"{say(role, lang)} {said} [{cite(cand, own=True)}]")
                else:
                    parts.append(f"{say(role, lang)} {cand.unit.text} [{cite(cand)}]")
            return "\n\n".join(parts), sources
        if draft.other_language:
            parts.append(say("other_language", lang))
        # The answer first, then what completes it in reading order.
        lead, *rest = draft.statements
        ordered = [lead, *sorted(rest, key=lambda s: (s[0].hit.rank, s[0].unit.order))]
        for cand, _ in ordered:
            parts.append(f"{cand.unit.text} [{cite(cand)}]")
        return "\n\n".join(parts), sources


def _sections(chunks: list[Chunk]) -> Callable[[Chunk], list[Chunk]]:
    """chunk -> the other chunks of its section: neighbours in its document sharing a heading.

    A section split by paragraph source markers is several chunks in a row whose names share
    the section's heading.
    """
    by_doc: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        by_doc.setdefault(chunk.doc_id, []).append(chunk)
    for doc_chunks in by_doc.values():
        doc_chunks.sort(key=lambda c: c.position)

    def headings(chunk: Chunk) -> set[str]:
        return {name for name in chunk.section.split(" / ") if name}

    def siblings(chunk: Chunk) -> list[Chunk]:
        doc = by_doc.get(chunk.doc_id, [])
        at = next((i for i, c in enumerate(doc) if c.chunk_id == chunk.chunk_id), None)
        if at is None:
            return []
        out = []
        for step in (-1, 1):
            i, previous = at + step, doc[at]
            while 0 <= i < len(doc) and headings(doc[i]) & headings(previous):
                out.append(doc[i])
                previous, i = doc[i], i + step
        return out

    return siblings


def _term_in(term: str, terms: frozenset[str] | set[str]) -> bool:
    """A name's stem among a unit's terms, allowing an inflectional ending on either side.

    Stemmers leave case endings on names ("Niittyniemis", "Niittyniemen"): a stem that is a
    prefix of the other, both at least NAME_STEM_MIN characters long, is the same name.
    """
    if term in terms:
        return True
    return any(
        min(len(term), len(other)) >= NAME_STEM_MIN
        and (other.startswith(term) or term.startswith(other))
        for other in terms
    )


def _source(n: int, cand: Candidate) -> Source:
    chunk = cand.hit.chunk
    # The quote is a contact's line: the source names that person (name, role, organisation).
    # Its block's `source` is the page that states the line, so it leads the URLs.
    contact = chunk.contact if chunk.contact and cand.unit.text == chunk.contact.line() else None
    urls = list(dict.fromkeys([contact.source, *chunk.urls])) if contact else list(chunk.urls)
    return Source(
        n=n,
        doc_id=chunk.doc_id,
        chunk_id=chunk.chunk_id,
        title=chunk.title,
        url=urls[0] if urls else chunk.url,
        urls=urls,
        contact=contact,
        lang=chunk.lang,
        section=cand.unit.heading or chunk.section,
        as_of=chunk.as_of,
        quote=cand.unit.text,
        score=round(float(cand.hit.score), 6),
    )


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)


def _pieces(text: str) -> Iterator[str]:
    """Paragraph by paragraph, so a client can show the answer as it arrives."""
    paragraphs = text.split("\n\n")
    for i, paragraph in enumerate(paragraphs):
        yield paragraph + ("\n\n" if i < len(paragraphs) - 1 else "")


# Probes for the pathological-input test (tests/assistant/test_textregex.py).
textregex.register_text_function("assistant.pipeline._NAME", lambda text: _NAME.search(text))
textregex.register_text_function(
    "assistant.pipeline._YEAR", lambda text: _YEAR.findall(_PERIOD.sub(" ", text))
)
textregex.register_text_function(
    "assistant.pipeline._CAPITALISED", lambda text: _CAPITALISED.findall(text)
)
