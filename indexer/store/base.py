"""What every store offers: the :class:`Store` and :class:`Snapshot`
interfaces, one ranker's :class:`Ranking`, the :class:`Manifest` that
describes an index version, and what both implementations share (BM25's
IDF, the vector cache key, the model check).

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
import dataclasses
import hashlib
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np

from ..chunking import Chunk
from ..embedding import ModelInfo
from ..errors import ModelMismatch


@dataclass
class Manifest:
    """What an index version holds and how it was made, stored beside it
    (``manifest.json`` of a folder version, a row of an OceanBase store).

    The JSON keeps the format of the plain dict it replaces, key for key
    and in the same order, so that indexes written before and after open
    alike; a key this code does not know is kept in :attr:`extra`. Fields
    that are None were not written (a store adds its own at commit)."""

    created: str = ""
    model: ModelInfo | None = None
    chunking: dict[str, int] = field(default_factory=dict)  # ChunkParams' fields
    # Path -> sha256, title, body, date, place, year, kind, chunks, chars.
    documents: dict[str, dict] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)  # documents, chunks
    skipped: dict[str, str] = field(default_factory=dict)  # path -> reason
    # From build_index: what a no-change build compares (see indexer.building).
    pipeline: str | None = None
    repaired: dict[str, dict] | None = None
    sources: dict[str, dict] | None = None
    catalog_sha256: str | None = None
    store: str | None = None  # an OceanBase store's label
    vector_index: dict[str, Any] | None = None
    # A folder version's own (indexer.store.embedded): written together.
    schema_version: int | None = None
    files: dict[str, str] | None = None  # relative path -> sha256
    previous: str | None = None  # the version live before this one; JSON null for the first
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict) -> "Manifest":
        if not isinstance(data, dict):
            raise ValueError("an index manifest is a JSON object")
        known = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        values = {k: v for k, v in data.items() if k in known}
        model = values.get("model")
        if isinstance(model, dict):
            names = {f.name for f in dataclasses.fields(ModelInfo)}
            values["model"] = ModelInfo(**{k: v for k, v in model.items() if k in names})
        elif model is not None:
            raise ValueError("the manifest's model is not a JSON object")
        return cls(**values, extra={k: v for k, v in data.items() if k not in known})

    @classmethod
    def from_json(cls, text: str) -> "Manifest":
        """:class:`ValueError` (or its ``json.JSONDecodeError``) when damaged."""
        return cls.from_dict(json.loads(text))

    def to_dict(self) -> dict:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "extra":
                out.update(value)
            elif f.name == "model":
                if value is not None:
                    out["model"] = dict(value.__dict__)
            elif value is not None or (f.name == "previous" and self.files is not None):
                out[f.name] = value
        return out

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @property
    def model_name(self) -> str | None:
        return self.model.name if self.model else None

    @property
    def model_fingerprint(self) -> str | None:
        return self.model.fingerprint if self.model else None

@dataclass
class Ranking:
    """One ranker's answer to one query: candidate ids (best first) with
    their scores, and a way to score other candidates the same way, so
    that fusion can place every candidate on every ranker's scale."""

    ids: np.ndarray
    scores: np.ndarray
    rescore: Callable[[list[int]], dict[int, float]]


class AtOnce:
    """Runs calls that each wait on a server at once: the first in the calling
    thread, the rest on worker threads made on first use (thread-safe), and
    returns their results in order.

    A searcher and a remote store each keep their own: a searcher's call may
    itself send the store's queries at once, and a worker waiting on tasks
    queued behind it in the same pool could wait for ever."""

    def __init__(self, name: str, workers: int = 4):
        self.name, self.workers = name, workers
        self._pool = None
        self._lock = threading.Lock()

    def __call__(self, calls: list[Callable[[], Any]]) -> list:
        if len(calls) < 2:
            return [c() for c in calls]
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix=self.name)
        later = [self._pool.submit(c) for c in calls[1:]]
        return [calls[0](), *(f.result() for f in later)]


class Snapshot(Protocol):
    """One complete, immutable index version, opened for reading."""

    name: str
    manifest: Manifest
    remote: bool  # its queries wait on a server, so a searcher may send several at once

    def count(self) -> int: ...

    def dense(self, qvec: np.ndarray, depth: int, docs: list[str] | None = None) -> Ranking: ...

    def keyword(self, query: str, depth: int, docs: list[str] | None = None) -> dict[str, Ranking]: ...

    def chunks(self, ids: list[int]) -> list[Chunk]: ...

    def all_chunks(self) -> list[Chunk]: ...

    def idf(self, word: str) -> float: ...


class Staged(Protocol):
    """A version begun by :meth:`Store.stage`, waiting for its vectors."""

    def publish(self, vectors: np.ndarray, manifest: Manifest, *, rebuild: bool) -> str:
        """Write the vectors, make the version live and return its name.
        ``rebuild``: the live version's rows may not be kept (another model)."""
        ...


class Store(Protocol):
    """A place that holds index versions and the pointer to the live one."""

    label: str  # for users and logs: never contains a password

    def current(self, verify: bool = True) -> Snapshot: ...

    def current_name(self) -> str | None: ...

    def current_manifest(self) -> Manifest | None: ...

    def build_lock(self) -> contextlib.AbstractContextManager: ...

    def cached_vectors(self, keys: set[str], fingerprint: str) -> dict[str, np.ndarray]: ...

    def previous_chunks(self, docs: set[str]) -> dict[str, list[Chunk]]:
        """The live version's passages of ``docs``, in order, by document."""
        ...

    def stage(self, chunks: list[Chunk], keys: list[str], *,
              rebuild: bool) -> contextlib.AbstractContextManager[Staged]:
        """Begin the next version with its passages (``keys``: their vector
        cache keys). What needs only the text is done on entry, so a build
        loads its model meanwhile; ``rebuild``: reuse nothing of the live
        version. The version goes live only through :meth:`Staged.publish`."""
        ...

    def size_bytes(self) -> int: ...

    def clean(self) -> list[str]: ...


def group_by_doc(chunks: list[Chunk], docs: set[str]) -> dict[str, list[Chunk]]:
    out: dict[str, list[Chunk]] = {d: [] for d in docs}
    for c in chunks:
        if c.doc in out:
            out[c.doc].append(c)
    return out


def idf_from_df(num_docs: int, df: int) -> float:
    """BM25's (Lucene's) IDF, as bm25s computes it."""
    return float(np.log((num_docs - df + 0.5) / (df + 0.5) + 1.0))


def text_key(text: str) -> str:
    """The key a passage's vector is cached under: its embedding text's hash."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def check_model(manifest: Manifest, embedder) -> None:
    """Refuse to search an index with vectors of another model (``embedder``:
    anything with an ``info`` like :class:`indexer.embedding.ModelInfo`)."""
    info = embedder.info
    name, dim = (manifest.model.name, manifest.model.dim) if manifest.model else (None, None)
    if manifest.model_fingerprint != info.fingerprint or dim != info.dim:
        raise ModelMismatch(
            f"索引由模型“{name}”构建（维度 {dim}），当前模型是“{info.name}”"
            f"（维度 {info.dim}）。请改用构建时的模型，或运行 python -m indexer build --rebuild --model … 重建索引。"
        )
