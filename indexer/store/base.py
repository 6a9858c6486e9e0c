"""What every store offers: the :class:`Store` and :class:`Snapshot`
interfaces, one ranker's :class:`Ranking`, and what both implementations
share (BM25's IDF, the vector cache key, the model check).

Building (:mod:`indexer.building`) writes through :class:`Store`; searching
(:mod:`indexer.retrieval`) reads through :class:`Snapshot`. Neither knows
which store runs.

Usage::

    from indexer.store import open_store
    store = open_store("index")                      # or an oceanbase:// URL
    snap = store.current()                           # the live version
    ranking = snap.dense(query_vector, depth=100)    # ids and cosines, best first
    chunks = snap.chunks(ranking.ids[:5])
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from ..chunking import Chunk
from ..errors import ModelMismatch

@dataclass
class Ranking:
    """One ranker's answer to one query: candidate ids (best first) with
    their scores, and a way to score other candidates the same way, so
    that fusion can place every candidate on every ranker's scale."""

    ids: np.ndarray
    scores: np.ndarray
    rescore: Callable[[list[int]], dict[int, float]]


class Snapshot(Protocol):
    """One complete, immutable index version, opened for reading."""

    name: str
    manifest: dict

    def count(self) -> int: ...

    def dense(self, qvec: np.ndarray, depth: int, docs: list[str] | None = None) -> Ranking: ...

    def keyword(self, query: str, depth: int, docs: list[str] | None = None) -> dict[str, Ranking]: ...

    def chunks(self, ids: list[int]) -> list[Chunk]: ...

    def all_chunks(self) -> list[Chunk]: ...

    def idf(self, word: str) -> float: ...


class Store(Protocol):
    """A place that holds index versions and the pointer to the live one."""

    label: str  # for users and logs: never contains a password

    def current(self, verify: bool = True) -> Snapshot: ...

    def current_name(self) -> str | None: ...

    def current_manifest(self) -> dict | None: ...

    def build_lock(self) -> contextlib.AbstractContextManager: ...

    def cached_vectors(self, keys: set[str], fingerprint: str) -> dict[str, np.ndarray]: ...

    def write(self, chunks: list[Chunk], keys: list[str], vectors: np.ndarray, manifest: dict,
              *, rebuild: bool) -> str: ...

    def size_bytes(self) -> int: ...

    def clean(self) -> list[str]: ...


def idf_from_df(num_docs: int, df: int) -> float:
    """BM25's (Lucene's) IDF, as bm25s computes it."""
    return float(np.log((num_docs - df + 0.5) / (df + 0.5) + 1.0))


def text_key(text: str) -> str:
    """The key a passage's vector is cached under: its embedding text's hash."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def check_model(manifest: dict, embedder) -> None:
    """Refuse to search an index with vectors of another model (``embedder``:
    anything with an ``info`` like :class:`indexer.embedding.ModelInfo`)."""
    info = embedder.info
    m = manifest.get("model", {})
    if m.get("fingerprint") != info.fingerprint or m.get("dim") != info.dim:
        raise ModelMismatch(
            f"索引由模型“{m.get('name')}”构建（维度 {m.get('dim')}），当前模型是“{info.name}”"
            f"（维度 {info.dim}）。请改用构建时的模型，或运行 python -m indexer build --rebuild --model … 重建索引。"
        )
