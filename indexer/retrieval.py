"""Search an index: dense (FAISS), keyword (BM25 words + characters), or
hybrid, with near-duplicate passages from the same place removed.

Hybrid fuses the three rankers by z-scores: each ranker's scores are
standardised against its own top ``pool`` scores for this query, then
weighted and summed. Unlike reciprocal-rank fusion this keeps each
ranker's confidence: a BM25 hit far above the rest outweighs a flat dense
ranking (same-topic reports), and a clear dense winner outweighs scattered
keyword matches (paraphrases). Measured against RRF in ``bench``.

Usage::

    from indexer.retrieval import Searcher
    searcher = Searcher.open("index")               # loads the index's own model
    for hit in searcher.search("全市开展了多少项科普活动？", k=5):
        print(hit.score, hit.chunk.title, hit.chunk.section, hit.chunk.text)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .building import check_model
from .chunking import Chunk
from .embedding import Embedder
from .keywords import KeywordIndex
from .storage import IndexStore, IndexVersion
from .vectors import read_index

MODES = ("hybrid", "dense", "keyword")
MAX_QUERY_CHARS = 2000  # longer input is cut: no question is that long, and cost stays bounded


@dataclass(frozen=True)
class FusionParams:
    """Z-score fusion weights, chosen on CMRC 2018 dev and the report
    questions together (see ``bench``)."""

    dense: float = 1.0
    words: float = 0.7
    chars: float = 1.0
    depth: int = 100  # candidates taken from each ranker
    pool: int = 100  # top scores that define each ranker's mean and spread


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # fused score (hybrid) or the single ranker's score
    dense: float | None = None  # cosine similarity, when the dense ranker ran

    def to_dict(self) -> dict:
        c = self.chunk
        return {"doc": c.doc, "title": c.title, "section": c.section, "text": c.text,
                "start": c.start, "end": c.end, "score": round(float(self.score), 6)}


def _top(scores: np.ndarray, depth: int, allowed: np.ndarray | None) -> np.ndarray:
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
    depth = min(depth, len(scores))
    if depth <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, depth - 1)[:depth]
    part = part[np.argsort(-scores[part], kind="stable")]
    # A zero BM25 score means no query term occurs: not a keyword match.
    return part[np.isfinite(scores[part]) & (scores[part] > 0)]


def _spread(top: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation of a ranker's top scores (never zero)."""
    if len(top) == 0:
        return 0.0, 1.0
    return float(np.mean(top)), float(np.std(top)) + 1e-6


def overlaps(a: Chunk, b: Chunk, share: float = 0.5) -> bool:
    """Same document and at least ``share`` of the shorter passage in common."""
    if a.doc != b.doc:
        return False
    inter = min(a.end, b.end) - max(a.start, b.start)
    return inter > 0 and inter >= share * min(a.end - a.start, b.end - b.start)


class Searcher:
    """An opened index version with its model, ready to answer queries."""

    def __init__(self, version: IndexVersion, embedder: Embedder, fusion: FusionParams = FusionParams()):
        check_model(version, embedder)
        self.version = version
        self.embedder = embedder
        self.fusion = fusion
        self.chunks: list[Chunk] = version.read_chunks()
        self.dense_index = read_index(version.file("dense.faiss"), version.manifest["vector_index"])
        self.keywords = KeywordIndex.load(version.path)
        self._doc_of = np.array([c.doc for c in self.chunks], dtype=object)

    @classmethod
    def open(cls, index_dir: str | Path, model: str | None = None, *, embedder: Embedder | None = None,
             verify: bool = True) -> "Searcher":
        version = IndexStore(index_dir).current(verify=verify)
        if embedder is None:
            m = version.manifest["model"]
            embedder = Embedder(model or m["name"])
        return cls(version, embedder)

    @property
    def documents(self) -> dict:
        return self.version.manifest.get("documents", {})

    def _dense(self, q: np.ndarray, depth: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        import faiss

        n = len(self.chunks)
        if allowed is None:
            scores, ids = self.dense_index.search(q, min(depth, n))
        else:
            sel = faiss.IDSelectorBatch(np.flatnonzero(allowed).astype(np.int64))
            scores, ids = self.dense_index.search(q, min(depth, n), params=faiss.SearchParameters(sel=sel))
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def search(self, query: str, k: int = 5, mode: str = "hybrid", docs: list[str] | None = None) -> list[Hit]:
        """Top ``k`` passages for ``query``; ``docs`` restricts to those documents."""
        if mode not in MODES:
            raise ValueError(f"未知的检索模式：{mode}（可选 {', '.join(MODES)}）")
        query = (query or "").strip()[:MAX_QUERY_CHARS]
        if not query or not self.chunks or k <= 0:
            return []
        allowed = None
        if docs:
            allowed = np.isin(self._doc_of, list(docs))
            if not allowed.any():
                return []
        f = self.fusion
        depth = max(f.depth, k * 4)
        weights = {"dense": f.dense, "words": f.words, "chars": f.chars}
        score_of: dict[str, Callable[[int], float]] = {}
        spread: dict[str, tuple[float, float]] = {}
        candidates: set[int] = set()
        cosine: dict[int, float] = {}
        if mode in ("hybrid", "dense"):
            qvec = self.embedder.encode_queries([query])[0]
            ids, sims = self._dense(qvec[None, :], depth, allowed)
            cosine = {int(i): float(s) for i, s in zip(ids, sims)}

            def dense_score(i: int) -> float:
                if i not in cosine:  # a keyword-only candidate
                    cosine[i] = float(self.dense_index.reconstruct(i) @ qvec)
                return cosine[i]

            score_of["dense"] = dense_score
            spread["dense"] = _spread(sims[: f.pool])
            candidates.update(cosine)
        if mode in ("hybrid", "keyword"):
            for name, raw in self.keywords.scores(query).items():
                top = _top(raw, depth, allowed)
                if len(top) == 0:
                    continue  # no query term occurs: this ranker abstains
                score_of[name] = lambda i, raw=raw: float(raw[i])
                spread[name] = _spread(raw[top[: f.pool]])
                candidates.update(int(i) for i in top)
        if mode == "dense":
            fused = dict(cosine)
        else:
            fused = {i: sum(weights[n] * (fn(i) - spread[n][0]) / spread[n][1] for n, fn in score_of.items())
                     for i in candidates}
        hits: list[Hit] = []
        for i in sorted(fused, key=lambda i: -fused[i]):
            c = self.chunks[i]
            if any(overlaps(c, h.chunk) or c.text == h.chunk.text for h in hits):
                continue
            hits.append(Hit(c, fused[i], cosine.get(i)))
            if len(hits) == k:
                break
        return hits
