"""Build or update an index from a corpus folder.

Incremental: passages whose embedding text is unchanged reuse the previous
version's vectors (cached by content hash), removed documents simply are not
in the new version, and ``rebuild=True`` starts over. The new version goes
live atomically (see :mod:`indexer.stores`).

Usage::

    from indexer.building import build_index
    report = build_index("corpus", "index")      # or an oceanbase:// URL
    print(report.summary())
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from .builtin_model import BUILTIN_NAME
from .chunking import Chunk, ChunkParams, chunk_documents
from .embedding import Embedder
from .loading import CATALOG_NAME, Document, LoadResult, Skipped, load_corpus
from .stores import Store, open_store


class ModelMismatch(Exception):
    """The index was built with another model; the message is for users."""


@dataclass
class BuildReport:
    version: str
    documents: int
    chunks: int
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    embedded: int = 0
    reused: int = 0
    seconds: float = 0.0
    vector_index: dict = field(default_factory=dict)

    def summary(self) -> str:
        lines = [
            f"索引版本 {self.version}：{self.documents} 篇文档，{self.chunks} 个段落，用时 {self.seconds:.1f} 秒",
            f"新增 {len(self.added)}，修改 {len(self.changed)}，删除 {len(self.removed)}，未变 {len(self.unchanged)}；"
            f"新计算向量 {self.embedded} 个，复用 {self.reused} 个",
        ]
        for s in self.skipped:
            lines.append(f"已跳过 {s.path}：{s.reason}")
        return "\n".join(lines)


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def check_model(manifest: dict, embedder: Embedder) -> None:
    m = manifest.get("model", {})
    if m.get("fingerprint") != embedder.info.fingerprint or m.get("dim") != embedder.info.dim:
        raise ModelMismatch(
            f"索引由模型“{m.get('name')}”构建（维度 {m.get('dim')}），当前模型是“{embedder.info.name}”"
            f"（维度 {embedder.info.dim}）。请改用构建时的模型，或运行 python -m indexer build --rebuild --model … 重建索引。"
        )


def build_from_documents(
    docs: list[Document], store: str | Path | Store, embedder: Embedder, *,
    params: ChunkParams = ChunkParams(), rebuild: bool = False, skipped: list[Skipped] | None = None,
    progress: Callable[[str, int, int], None] | None = None, extra_manifest: dict | None = None,
) -> BuildReport:
    """Index ``docs`` into ``store`` (a folder, a URL or a :class:`Store`) as a new live version."""
    t0 = time.perf_counter()
    store = open_store(store)
    with store.build_lock():
        prev = None if rebuild else store.current_manifest()
        prev_docs = (prev or {}).get("documents", {})
        same_params = prev is not None and prev.get("chunking") == params.__dict__
        same_model = prev is not None and prev.get("model", {}).get("fingerprint") == embedder.info.fingerprint

        chunks: list[Chunk] = chunk_documents(docs, params)
        keys = [text_key(c.embedding_text()) for c in chunks]
        cache = store.cached_vectors(set(keys), embedder.info.fingerprint) if same_params and same_model else {}
        todo = sorted({k: i for i, k in enumerate(keys) if k not in cache}.values())
        if progress:
            progress("embed", 0, len(todo))
        done = 0

        def step(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress("embed", done, len(todo))

        fresh = embedder.encode_passages([chunks[i].embedding_text() for i in todo], progress=step)
        for row, i in enumerate(todo):
            cache[keys[i]] = fresh[row]
        dim = embedder.info.dim
        vectors = np.stack([cache[k] for k in keys]).astype(np.float32) if chunks else np.zeros((0, dim), np.float32)

        if progress:
            progress("index", 0, 1)
        counts: dict[str, int] = {}
        for c in chunks:
            counts[c.doc] = counts.get(c.doc, 0) + 1
        manifest = {
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "model": embedder.info.__dict__,
            "chunking": params.__dict__,
            "documents": {
                d.path: {"sha256": d.sha256, "title": d.title, "body": d.body, "date": d.date,
                         "place": d.place, "year": d.year, "kind": d.kind,
                         "chunks": counts.get(d.path, 0), "chars": len(d.text)}
                for d in docs
            },
            "counts": {"documents": len(docs), "chunks": len(chunks)},
            "skipped": {s.path: s.reason for s in (skipped or [])},
            **(extra_manifest or {}),
        }
        name = store.write(chunks, keys, vectors, manifest, rebuild=not (same_params and same_model))
        if progress:
            progress("index", 1, 1)

    live = store.current_manifest() or {}
    report = BuildReport(name, len(docs), len(chunks), skipped=list(skipped or []),
                         embedded=len(todo), reused=len(chunks) - len(todo),
                         vector_index=live.get("vector_index", {}))
    now = {d.path: d.sha256 for d in docs}
    for path, sha in now.items():
        old = prev_docs.get(path)
        (report.added if old is None else report.unchanged if old["sha256"] == sha else report.changed).append(path)
    report.removed = sorted(set(prev_docs) - set(now))
    report.seconds = time.perf_counter() - t0
    return report


def build_index(
    corpus_dir: str | Path, index_dir: str | Path | Store | None = None, *, model: str | None = None,
    embedder: Embedder | None = None, params: ChunkParams = ChunkParams(), rebuild: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> BuildReport:
    """Load ``corpus_dir`` and index it. Without ``model``, an existing index
    keeps the model it was built with; a new one uses the built-in model."""
    loaded: LoadResult = load_corpus(corpus_dir)
    store = open_store(index_dir)
    if embedder is None:
        if model is None and not rebuild:
            prev = store.current_manifest()
            model = prev["model"]["name"] if prev else None
        embedder = Embedder(model or BUILTIN_NAME)
    catalog = Path(corpus_dir) / CATALOG_NAME
    extra = {"catalog_sha256": hashlib.sha256(catalog.read_bytes()).hexdigest()} if catalog.exists() else {}
    return build_from_documents(loaded.documents, store, embedder, params=params, rebuild=rebuild,
                                skipped=loaded.skipped, progress=progress, extra_manifest=extra)
