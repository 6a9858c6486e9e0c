"""Where an index lives, behind one interface.

Two implementations, chosen by a *store spec*:

- a folder on this machine (``index``, the default): FAISS + bm25s files,
  versions switched atomically (:mod:`indexer.storage`);
- an OceanBase or seekdb database (``oceanbase://user:password@host:2881/db``),
  shared by many app processes and machines (:mod:`indexer.oceanbase`).

Building (:mod:`indexer.building`) writes through :class:`Store`; searching
(:mod:`indexer.retrieval`) reads through :class:`Snapshot`. Neither knows
which store runs.

Usage::

    from indexer.stores import open_store
    store = open_store("index")                      # or an oceanbase:// URL
    snap = store.current()                           # the live version
    ranking = snap.dense(query_vector, depth=100)    # ids and cosines, best first
    chunks = snap.chunks(ranking.ids[:5])
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from .chunking import Chunk

STORE_ENV = "PARTYQA_STORE"


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


def resolve_spec(spec: str | os.PathLike | None = None, default: str = "index") -> str:
    """The store to use: the explicit spec, else $PARTYQA_STORE, else ``default``."""
    if spec:
        return str(spec)
    return os.environ.get(STORE_ENV) or default


def is_url(spec: str | os.PathLike) -> bool:
    return "://" in str(spec)


def open_store(spec: "str | os.PathLike | Store | None" = None) -> Store:
    """A :class:`Store` for a folder path or an ``oceanbase://`` / ``seekdb://``
    URL; a store that is already open is returned as it is."""
    if spec is not None and not isinstance(spec, (str, os.PathLike)):
        return spec
    spec = resolve_spec(spec)
    if is_url(spec):
        from .oceanbase import OceanBaseStore

        return OceanBaseStore(spec)
    return EmbeddedStore(spec)


def estimate_bytes(chunks: list[Chunk], vectors: np.ndarray) -> int:
    """Room a new embedded version takes, a little above the real size: the
    vectors twice (vectors.npy, the FAISS index with its graph) and about ten
    times the passage text for chunks.jsonl and the two BM25 indexes
    (measured: 1.56 MB for the five reports, estimated 1.89 MB)."""
    text = sum(len(c.embedding_text().encode("utf-8")) for c in chunks)
    return int(2.2 * vectors.nbytes + 10 * text + 64 * 1024)


class EmbeddedSnapshot:
    """An on-disk version opened in memory: FAISS for vectors, bm25s for words."""

    def __init__(self, version):
        from .keywords import KeywordIndex
        from .vectors import read_index

        self.version = version
        self.name = version.name
        self.manifest = version.manifest
        self._chunks: list[Chunk] = version.read_chunks()
        self.dense_index = read_index(version.file("dense.faiss"), version.manifest["vector_index"])
        self.keywords = KeywordIndex.load(version.path)
        self._doc_of = np.array([c.doc for c in self._chunks], dtype=object)

    def count(self) -> int:
        return len(self._chunks)

    def _allowed(self, docs: list[str] | None) -> np.ndarray | None:
        return None if not docs else np.isin(self._doc_of, list(docs))

    def dense(self, qvec: np.ndarray, depth: int, docs: list[str] | None = None) -> Ranking:
        import faiss

        allowed = self._allowed(docs)
        n = min(depth, len(self._chunks))
        q = np.ascontiguousarray(qvec[None, :], dtype=np.float32)
        if n == 0 or (allowed is not None and not allowed.any()):
            scores, ids = np.zeros((1, 0), np.float32), np.zeros((1, 0), np.int64)
        elif allowed is None:
            scores, ids = self.dense_index.search(q, n)
        else:
            sel = faiss.IDSelectorBatch(np.flatnonzero(allowed).astype(np.int64))
            scores, ids = self.dense_index.search(q, n, params=faiss.SearchParameters(sel=sel))
        keep = ids[0] >= 0

        def rescore(others: list[int]) -> dict[int, float]:
            return {i: float(self.dense_index.reconstruct(int(i)) @ qvec) for i in others}

        return Ranking(ids[0][keep].astype(np.int64), scores[0][keep], rescore)

    def keyword(self, query: str, depth: int, docs: list[str] | None = None) -> dict[str, Ranking]:
        allowed = self._allowed(docs)
        out = {}
        for name, raw in self.keywords.scores(query).items():
            scores = raw if allowed is None else np.where(allowed, raw, -np.inf)
            d = min(depth, len(scores))
            if d <= 0:
                continue
            part = np.argpartition(-scores, d - 1)[:d]
            part = part[np.argsort(-scores[part], kind="stable")]
            # A zero BM25 score means no query term occurs: not a keyword match.
            part = part[np.isfinite(scores[part]) & (scores[part] > 0)]
            out[name] = Ranking(part.astype(np.int64), raw[part],
                                lambda others, raw=raw: {i: float(raw[i]) for i in others})
        return out

    def chunks(self, ids: list[int]) -> list[Chunk]:
        return [self._chunks[int(i)] for i in ids]

    def all_chunks(self) -> list[Chunk]:
        return list(self._chunks)

    def idf(self, word: str) -> float:
        return self.keywords.idf(word)


class EmbeddedStore:
    """The default store: an index folder on this machine."""

    def __init__(self, root: str | os.PathLike):
        from .storage import IndexStore

        self.files = IndexStore(root)
        self.root = Path(root)
        self.label = str(root)

    def current(self, verify: bool = True) -> EmbeddedSnapshot:
        return EmbeddedSnapshot(self.files.current(verify=verify))

    def current_name(self) -> str | None:
        return self.files.current_name()

    def current_manifest(self) -> dict | None:
        v = self.files.current_or_none()
        return v.manifest if v else None

    def build_lock(self) -> contextlib.AbstractContextManager:
        return self.files.build_lock()

    def cached_vectors(self, keys: set[str], fingerprint: str) -> dict[str, np.ndarray]:
        import logging

        from .building import text_key

        prev = self.files.current_or_none()
        if prev is None or prev.manifest.get("model", {}).get("fingerprint") != fingerprint:
            return {}
        try:
            prev.verify()
            chunks, vecs = prev.read_chunks(), prev.read_vectors()
        except Exception:  # a damaged old version only costs us the cache
            logging.getLogger(__name__).warning("previous index version unreadable; embedding everything again")
            return {}
        out = {}
        for i, c in enumerate(chunks):
            k = text_key(c.embedding_text())
            if k in keys:
                out[k] = vecs[i]
        return out

    def write(self, chunks: list[Chunk], keys: list[str], vectors: np.ndarray, manifest: dict,
              *, rebuild: bool) -> str:
        import shutil

        from .keywords import KeywordIndex
        from .storage import DiskFull, keep_versions, storage_error, write_chunks
        from .vectors import build_vector_index, write_index

        keep_versions()  # a bad setting is reported before anything is written
        needed = estimate_bytes(chunks, vectors)
        try:
            self.files.versions.mkdir(parents=True, exist_ok=True)
            free = shutil.disk_usage(self.files.versions).free
            if free < needed:
                raise OSError(28, "No space left on device")  # said before writing, not half-way
            with self.files.new_version() as tmp:
                write_chunks(tmp / "chunks.jsonl", chunks)
                np.save(tmp / "vectors.npy", vectors)
                vindex, vinfo = build_vector_index(vectors)
                write_index(vindex, tmp / "dense.faiss")
                KeywordIndex.build([c.embedding_text() for c in chunks]).save(tmp)
                return self.files.commit(tmp, {**manifest, "vector_index": vinfo}).name
        except OSError as exc:
            raise storage_error(exc, self.root, needed) or exc
        except RuntimeError as exc:
            # FAISS reports a failed write as a RuntimeError carrying the C error text.
            if "No space left" in str(exc):
                raise DiskFull(storage_error(OSError(28, str(exc)), self.root, needed).args[0]) from exc
            raise

    def clean(self) -> list[str]:
        return self.files.clean()

    def size_bytes(self) -> int:
        v = self.files.current_or_none()
        return sum(p.stat().st_size for p in v.path.rglob("*") if p.is_file()) if v else 0
