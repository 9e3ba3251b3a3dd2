"""The Assistant: from a question (and the conversation so far) to a cited answer.

It owns the index state and wires the stages of assistant/stages: understand -> retrieve ->
select evidence -> decide -> compose -> next step -> `Answer`. Synchronous by design: the API and
the bot run it in a worker thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant import bounds, languages, packs
from assistant.answer.analysis import analyse
from assistant.answer.extractive import ExtractiveAnswerer, TermWeights, UnitRecall
from assistant.answer.lead import FEATURES as LEAD_FEATURES
from assistant.answer.lead import LeadRanker
from assistant.answer.llm import LLMAnswerer
from assistant.answer.messages import say
from assistant.answer.units import Unit, split_units
from assistant.embeddings import EmbeddingProvider, get_embedder
from assistant.retrieval.hybrid import HybridSearcher, LiveIndex, group_of
from assistant.schema import Answer, Chunk, SearchHit, Turn
from assistant.settings import Settings, get_settings
from assistant.stages.compose import ExtractiveComposer, LLMComposer, fewest_pages
from assistant.stages.decide import Decide
from assistant.stages.next_step import NextStep
from assistant.stages.retrieve import Retrieve
from assistant.stages.understand import Understand
from assistant.store import StoreError, VectorStore, open_index_records, open_store
from assistant.store.records import IndexRecords
from assistant.store.unit_vectors import UnitVectors
from assistant.understand.calibration import Understanding, load_understanding
from assistant.understand.features import Observation
from assistant.understand.probe import SPAN_UNITS

log = logging.getLogger(__name__)


class IndexNotBuilt(StoreError):
    """No index yet: run `assistant ingest` (or `make run`, which does)."""


@dataclass(frozen=True)
class IndexState:
    """Everything derived from one manifest; replaced whole after a reindex."""

    live: LiveIndex
    weights: TermWeights
    vectors: UnitVectors
    answerer: ExtractiveAnswerer
    group_units: dict[str, list[tuple[Chunk, Unit]]]
    contacts: list[Chunk]  # chunks holding a ```contact block, in index order
    names: frozenset[str]  # words every language's documents share (languages.shared_words)
    version: str | None = None  # the index records' version this state was built from
    calibrated: bool = False  # the calibrated answerability was fitted on this index's documents


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
        records: IndexRecords | None = None,
    ) -> None:
        self.settings = settings
        packs.use_settings(settings)  # the languages served: shipped packs and EXTRA_PACKS_DIRS
        self.llm = llm
        self.embedder = embedder
        self.store = store
        # The manifest and unit vectors: files beside embedded Chroma, records in a Chroma server.
        self.records = records or open_index_records(settings, store)
        self._reindex_lock = threading.Lock()
        self._last_ingest: str | None = None
        self._watcher: threading.Thread | None = None
        self._stop_watching = threading.Event()
        # Kind of question, asker and the calibrated answerability decision (issue 12); the
        # classifiers' weights come from the calibration file of this embedding model. The kind
        # decides whether a next step fits in every mode; answerability only outside 'rules'.
        self.understanding: Understanding | None = load_understanding(embedder)
        state = self._load_state()
        self.searcher = HybridSearcher(
            embedder, store, state.live, settings.retrieval_candidates, settings.rrf_k
        )
        self._state = state
        # The stages a question goes through (assistant/stages): this class only wires them.
        self.understand = Understand(settings, self.understanding, llm)
        self.retrieve = Retrieve(embedder, self.searcher)
        self.decide = Decide(settings)
        self.composer = ExtractiveComposer()
        self.llm_composer = LLMComposer(llm) if llm is not None else None
        self.next_step = NextStep(settings)

    # ----- construction -------------------------------------------------------------------
    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Assistant:
        settings = settings or get_settings()
        embedder = get_embedder(settings)
        llm = LLMAnswerer.from_settings(settings)
        assistant = cls(settings, embedder, open_store(settings, embedder.name), llm)
        if assistant.records.shared and settings.index_poll_s > 0:
            assistant.watch_index(settings.index_poll_s)
        return assistant

    def _load_state(self) -> IndexState:
        # The version is read before the manifest: a commit in between is seen on the next check.
        version = self.records.version()
        manifest = self.records.load_manifest()
        if manifest is None:
            raise IndexNotBuilt(
                f"No index for {self.store.collection_name} in {self.records.location}: run "
                "`assistant ingest` first (make run does it for you)."
            )
        self._last_ingest = manifest.built_at
        live = LiveIndex.from_manifest(manifest)
        weights = TermWeights(manifest.chunks)
        vectors = self.records.load_units()
        groups: dict[str, list[tuple[Chunk, Unit]]] = {}
        contacts = [chunk for chunk in manifest.chunks if chunk.contact is not None]
        for chunk in manifest.chunks:
            if group_of(chunk) in (self.settings.contacts_doc, self.settings.routes_doc):
                groups.setdefault(group_of(chunk), []).extend(
                    (chunk, u) for u in split_units(chunk.text)
                )
        calibrated = self.understanding is not None and self.understanding.applies_to(
            manifest.documents
        )
        answerer = ExtractiveAnswerer(
            weights,
            vectors,
            siblings=_sections(manifest.chunks),
            recall=UnitRecall(manifest.chunks, vectors),
            lead=self._lead_ranker() if calibrated else None,
        )
        uses_calibration = self.settings.answer_decision != "rules"
        fitted = self.understanding is not None and self.understanding.answerability is not None
        if uses_calibration and fitted and not calibrated:
            log.warning(
                "The calibration was fitted on other documents than this index holds: answers "
                "are decided by the word rules alone until `assistant calibrate` is run for it"
            )
        names = languages.shared_words((chunk.lang, chunk.text) for chunk in manifest.chunks)
        return IndexState(
            live, weights, vectors, answerer, groups, contacts, names, version, calibrated
        )

    def _lead_ranker(self) -> LeadRanker | None:
        """The fitted lead ranking with the kind classifier of the same calibration."""
        understanding = self.understanding
        if understanding is None or understanding.lead is None:
            return None
        if understanding.lead.features != LEAD_FEATURES:
            log.warning("The lead ranking was fitted on other features: run `assistant calibrate`")
            return None
        return LeadRanker(
            understanding.lead,
            understanding.classifier.kind_proba,
            understanding.exemplars,
            adapter=understanding.adapter,
        )

    def _swap(self, state: IndexState) -> None:
        self.searcher.swap(state.live)
        self._state = state

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
            self._swap(self._load_state())
        return report.as_dict()

    def refresh(self) -> bool:
        """Load the index again when another process committed a new one (a re-index through
        another API replica, or the `ingest` job); True when it swapped. One cheap read of the
        records' version when nothing changed."""
        if self.records.version() == self._state.version:
            return False
        with self._reindex_lock:
            if self.records.version() == self._state.version:
                return False
            self._swap(self._load_state())
        log.info("index reloaded: %s (%s)", self._last_ingest, self.records.location)
        return True

    def watch_index(self, interval_s: float) -> None:
        """Check for a new shared index every `interval_s` seconds in a daemon thread, so a
        replica serves another replica's re-index without a restart or a request paying for it."""
        if self._watcher is not None:
            return

        def watch() -> None:
            failing = False
            while not self._stop_watching.wait(interval_s):
                try:
                    self.refresh()
                    failing = False
                except Exception as exc:  # the store is down or mid-change: try again later
                    # Once per outage at WARNING, not every few seconds until Chroma is back.
                    log.log(
                        logging.DEBUG if failing else logging.WARNING,
                        "index check failed: %s: %s",
                        type(exc).__name__,
                        exc,
                    )
                    failing = True

        self._watcher = threading.Thread(target=watch, name="index-watch", daemon=True)
        self._watcher.start()

    def close(self) -> None:
        """Stop watching the index and release the store (embedded Chroma's directory)."""
        self._stop_watching.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
        self.store.close()

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
            languages.detect(query, names=self._state.names),
            explicit=lang,
            default=self.settings.default_language,
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
        kind = analyse(obs.standalone)
        t = time.perf_counter()
        reading = self.understand.read(obs, state.weights, calibrated=state.calibrated)
        # A follow-up's standalone question carries earlier words: the persona is read from the
        # question as asked (the same reading when there was nothing to resolve).
        asked = kind if obs.standalone == obs.question else analyse(obs.question)
        persona = self.understand.persona(asked, reading, turns)
        timings["understand"] += _ms(t)

        t = time.perf_counter()
        draft = self.decide(obs, kind, reading, state)
        text, sources = self.composer.compose(draft, obs, state)
        if kind.funding and not draft.refused:
            text += "\n\n" + say("check_call", obs.lang)
        next_step, route_sources = self.next_step(
            persona, obs.qvec, obs.lang, draft, sources, state
        )
        sources = fewest_pages([*sources, *route_sources])
        timings["answer"] = _ms(t)

        if self.llm_composer is not None and not draft.refused:
            # The LLM's reply is read whole and verified before any of it is yielded: a client
            # (an OpenAI-compatible stream above all) can never be shown text that is rejected.
            t = time.perf_counter()
            generated = self.llm_composer.compose(draft, obs, state)
            if generated is not None:
                text, sources = generated
                if kind.funding:
                    text += "\n\n" + say("check_call", obs.lang)
            timings["llm"] = _ms(t)
        yield from _pieces(text)
        timings["total"] = _ms(started)
        yield Answer(
            question=question,
            standalone_question=obs.standalone,
            answer=text,
            language=obs.lang,
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
        state: IndexState,
        timings: dict[str, float],
    ) -> Observation:
        started = time.perf_counter()
        answer_lang = self.understand.language(question, turns, lang, client_lang, state.names)
        standalone = self.understand.standalone(question, turns, answer_lang, state.weights)
        timings["understand"] = _ms(started)

        t = time.perf_counter()
        context = self.understand.context(question, standalone, turns)
        qvec, hits = self.retrieve(standalone, answer_lang, context)
        timings["retrieve"] = _ms(t)
        selection = state.answerer.select(standalone, qvec, hits, answer_lang)
        by_dense = sorted(selection.candidates, key=lambda c: -c.dense)
        closest = [v for c in by_dense if (v := state.vectors.get(c.unit.key)) is not None]
        span = np.vstack(closest[:SPAN_UNITS]) if closest else None
        return Observation(question, standalone, answer_lang, qvec, hits, selection, span)


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


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)


def _pieces(text: str) -> Iterator[str]:
    """Paragraph by paragraph, so a client can show the answer as it arrives."""
    paragraphs = text.split("\n\n")
    for i, paragraph in enumerate(paragraphs):
        yield paragraph + ("\n\n" if i < len(paragraphs) - 1 else "")
