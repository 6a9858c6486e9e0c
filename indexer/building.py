"""Build or update an index from a corpus folder.

Incremental: passages whose embedding text is unchanged reuse the previous
version's vectors (cached by content hash), removed documents simply are not
in the new version, and ``rebuild=True`` starts over. The new version goes
live atomically (see :mod:`indexer.store`).

A build whose corpus, settings, model and code are all as the live version
recorded them writes nothing and never loads the model: each corpus entry's
stat signature (size, times, inode) is kept in the manifest with its
SHA-256, so only files whose signature moved are read and hashed again.
An update reads and splits only the files that changed: the others' passages,
metadata and keyword counts are carried over from the live version, so adding
one report to ten thousand costs seconds (measured in ``bench.scale_corpus``).
Every build first clears what killed builds left behind.

Usage::

    from indexer.building import build_index
    report = build_index("corpus", "index")      # or an oceanbase:// URL
    print(report.summary())
"""

from __future__ import annotations

import hashlib
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from .builtin_model import BUILTIN_NAME
from .chunking import Chunk, ChunkParams, chunk_documents
from .config import Settings
from .embedding import Embedder
from .errors import LoadError
from .archives import load_corpus_unpacked, unpack_dropped
from .loading import CATALOG_NAME, Document, LoadResult, Skipped, file_signature, iter_corpus_files, read_inside
from .store import Manifest, Store, open_store, text_key


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
    # path -> {"count": characters replaced by U+FFFD, "lines": where (1-based)}
    repaired: dict[str, dict] = field(default_factory=dict)
    no_change: bool = False  # nothing differed from the live version: nothing was written
    cleaned: list[str] = field(default_factory=list)  # leftovers of killed builds removed first

    def summary(self) -> str:
        head = "索引没有变化，仍为版本" if self.no_change else "索引版本"
        lines = [
            f"{head} {self.version}：{self.documents} 篇文档，{self.chunks} 个段落，用时 {self.seconds:.1f} 秒",
            f"新增 {len(self.added)}，修改 {len(self.changed)}，删除 {len(self.removed)}，未变 {len(self.unchanged)}；"
            f"新计算向量 {self.embedded} 个，复用 {self.reused} 个",
        ]
        if self.cleaned:
            lines.append(f"已清理中断的构建留下的 {len(self.cleaned)} 项：{'、'.join(self.cleaned)}")
        for path, r in sorted(self.repaired.items()):
            where = "、".join(map(str, r["lines"][:10])) + ("等" if len(r["lines"]) > 10 else "")
            lines.append(f"已读取 {path}，其中 {r['count']} 个无法识别的字符已替换为“\ufffd”（第 {where} 行）")
        for s in self.skipped:
            lines.append(f"已跳过 {s.path}：{s.reason}")
        return "\n".join(lines)


def build_from_documents(
    docs: list[Document], store: str | Path | Store, embedder: Embedder | Future[Embedder], *,
    params: ChunkParams = ChunkParams(), rebuild: bool = False, skipped: list[Skipped] | None = None,
    progress: Callable[[str, int, int], None] | None = None, extra_manifest: dict | None = None,
    kept: list[str] = (), order: list[str] | None = None,
) -> BuildReport:
    """Index ``docs`` into ``store`` (a folder, a URL or a :class:`Store`) as a new live version.

    ``embedder``: the model, or a future of it still loading: the passages
    and keyword indexes are written meanwhile.
    ``kept``: documents of the live version that are unchanged and were not
    read again; their passages and manifest entries are carried over.
    ``order``: every document's path in corpus order (``docs`` and ``kept``),
    which fixes the order of the passages."""
    t0 = time.perf_counter()
    store = open_store(store)
    with store.build_lock():
        prev = None if rebuild else store.current_manifest()
        prev_docs = prev.documents if prev else {}
        same_params = prev is not None and prev.chunking == params.__dict__
        if kept and not (same_params and set(kept) <= set(prev_docs)):
            raise ValueError("kept documents need the live version, built with the same chunking")

        chunks = _in_order(chunk_documents(docs, params), store.previous_chunks(set(kept)),
                           order or [d.path for d in docs] + list(kept))
        keys = [text_key(c.embedding_text()) for c in chunks]
        # Looked up with the live version's model before ours is loaded; dropped below if it is another.
        cache = store.cached_vectors(set(keys), prev.model_fingerprint) if same_params and prev.model else {}
        with store.stage(chunks, keys, rebuild=not same_params) as staged:
            if isinstance(embedder, Future):
                embedder = embedder.result()
            same_model = prev is not None and prev.model_fingerprint == embedder.info.fingerprint
            if not same_model:
                cache = {}
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
            manifest = Manifest(
                created=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                model=embedder.info,
                chunking=dict(params.__dict__),
                documents=_entries(docs, kept, prev_docs, counts, order),
                counts={"documents": len(docs) + len(kept), "chunks": len(chunks)},
                skipped={s.path: s.reason for s in (skipped or [])},
                **(extra_manifest or {}),
            )
            name = staged.publish(vectors, manifest, rebuild=not (same_params and same_model))
        if progress:
            progress("index", 1, 1)

    live = store.current_manifest()
    report = BuildReport(name, len(docs) + len(kept), len(chunks), skipped=list(skipped or []),
                         embedded=len(todo), reused=len(chunks) - len(todo),
                         vector_index=(live.vector_index if live else None) or {})
    now = {d.path: d.sha256 for d in docs} | {p: prev_docs[p]["sha256"] for p in kept}
    for path, sha in now.items():
        old = prev_docs.get(path)
        (report.added if old is None else report.unchanged if old["sha256"] == sha else report.changed).append(path)
    report.removed = sorted(set(prev_docs) - set(now))
    report.seconds = time.perf_counter() - t0
    return report


def _in_order(fresh: list[Chunk], carried: dict[str, list[Chunk]], order: list[str]) -> list[Chunk]:
    """Passages document by document in corpus order, so that an update
    lays them out exactly as a full build would."""
    by_doc: dict[str, list[Chunk]] = dict(carried)
    for c in fresh:
        by_doc.setdefault(c.doc, []).append(c)
    return [c for path in order for c in by_doc.get(path, ())]


def _entries(docs: list[Document], kept: list[str], prev_docs: dict, counts: dict[str, int],
             order: list[str] | None) -> dict[str, dict]:
    entries = {p: prev_docs[p] for p in kept}
    for d in docs:
        entries[d.path] = {"sha256": d.sha256, "title": d.title, "body": d.body, "date": d.date,
                           "place": d.place, "year": d.year, "kind": d.kind,
                           "chunks": counts.get(d.path, 0), "chars": len(d.text)}
    return {p: entries[p] for p in order if p in entries} if order else entries


def _known(root: Path, prev: Manifest | None, params: ChunkParams, signatures: dict[str, list]) -> dict[str, str]:
    """Files the live version holds whose stat signature has not moved, with
    their SHA-256: the loader need not read them. Empty when anything that
    shapes passages changed (chunking, the catalog, this code)."""
    if prev is None or not _same_passages(root, prev, params) or not isinstance(prev.sources, dict):
        return {}
    out = {}
    for rel, sig in signatures.items():
        rec = prev.sources.get(rel) or {}
        if sig == rec.get("sig") and rec.get("sha256") and rel in prev.documents \
                and prev.documents[rel].get("sha256") == rec["sha256"]:
            out[rel] = rec["sha256"]
    return out


# Modules that only answer queries: changing them does not change an index.
_QUERY_ONLY = {"__init__.py", "__main__.py", "answering.py", "cli.py", "corpus.py", "errors.py",
               "exporting.py", "retrieval.py", "store/seekdb.py", "textnorm.py", "answers/__init__.py",
               "answers/base.py", "answers/date.py", "answers/quantity.py", "answers/sentence.py"}


def pipeline_fingerprint() -> str:
    """Hash of the code that turns a corpus into an index (subpackages such
    as the store included), so that a no-change build after an upgrade is
    not mistaken for one with nothing to do."""
    h = hashlib.sha256()
    root = Path(__file__).parent
    for p in sorted(root.rglob("*.py")):
        rel = p.relative_to(root).as_posix()
        if rel not in _QUERY_ONLY:
            h.update(rel.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:16]


def _catalog_sha256(root: Path) -> str | None:
    path = root / CATALOG_NAME
    if not path.exists() and not path.is_symlink():
        return None
    try:
        return hashlib.sha256(read_inside(path, root)).hexdigest()
    except LoadError:
        return "unreadable"


def _same_passages(root: Path, prev: Manifest, params: ChunkParams) -> bool:
    """Whether an unchanged file would give the passages and metadata the
    live version holds: same chunking, same catalog, same code."""
    return (prev.chunking == params.__dict__ and prev.pipeline == pipeline_fingerprint()
            and _catalog_sha256(root) == prev.catalog_sha256)


def _sources(root: Path) -> tuple[list[Path], dict[str, list]]:
    """The corpus's entries, listed once for the whole build, and their stat signatures."""
    files = iter_corpus_files(root)
    return files, {p.relative_to(root).as_posix(): file_signature(p) for p in files}


def _unchanged(root: Path, prev: Manifest, params: ChunkParams, model: str | None,
               embedder: Embedder | None, now: dict[str, list]) -> bool:
    """True when the live version was built from exactly this corpus (``now``:
    its files' stat signatures), with these settings, this model and this
    code. Reads only files whose stat signature differs from the recorded one."""
    if not _same_passages(root, prev, params):
        return False
    if embedder is not None and embedder.info.fingerprint != prev.model_fingerprint:
        return False
    if embedder is None and model is not None and model != prev.model_name:
        return False
    recorded = prev.sources
    if not isinstance(recorded, dict) or set(recorded) != set(now):
        return False
    for rel, sig in now.items():
        rec = recorded[rel]
        if sig == rec.get("sig"):
            continue
        if not rec.get("sha256"):
            return False  # a skipped entry moved: let the loader judge it again
        try:
            if hashlib.sha256(read_inside(root / rel, root)).hexdigest() != rec["sha256"]:
                return False
        except LoadError:
            return False
    return True


def _repairs(docs: list[Document]) -> dict[str, dict]:
    out = {}
    for d in docs:
        if d.replaced:
            lines, line, at = [], 1, 0
            for o in d.replaced:
                line += d.text.count("\n", at, o)
                at = o
                if not lines or lines[-1] != line:
                    lines.append(line)
            out[d.path] = {"count": len(d.replaced), "lines": lines[:100]}
    return out


def _no_change_report(store: Store, prev: Manifest, cleaned: list[str], t0: float) -> BuildReport:
    counts = prev.counts
    report = BuildReport(store.current_name() or "", counts.get("documents", 0), counts.get("chunks", 0),
                         unchanged=sorted(prev.documents),
                         skipped=[Skipped(p, r) for p, r in prev.skipped.items()],
                         reused=counts.get("chunks", 0), vector_index=prev.vector_index or {},
                         repaired=prev.repaired or {}, no_change=True, cleaned=cleaned)
    report.seconds = time.perf_counter() - t0
    return report


def build_index(
    corpus_dir: str | Path, index_dir: str | Path | Store | None = None, *, model: str | None = None,
    embedder: Embedder | None = None, params: ChunkParams = ChunkParams(), rebuild: bool = False,
    progress: Callable[[str, int, int], None] | None = None, settings: Settings | None = None,
) -> BuildReport:
    """Load ``corpus_dir`` and index it. Without ``model``, an existing index
    keeps the model it was built with; a new one uses the built-in model.
    When nothing changed, the live version stays and no model is loaded.
    ``settings``: versions kept, conversion timeout, caches, precision
    (the defaults when None)."""
    t0 = time.perf_counter()
    root = Path(corpus_dir)
    if not root.is_dir():
        raise LoadError(f"语料目录不存在：{root}")
    settings = settings or Settings()
    store = open_store(index_dir, settings)
    with store.build_lock():
        cleaned = store.clean()
        prev = store.current_manifest()
        files, signatures = _sources(root)
        if prev is not None and not rebuild and _unchanged(root, prev, params, model, embedder, signatures):
            return _no_change_report(store, prev, cleaned, t0)
    if embedder is None and model is None and not rebuild:
        model = prev.model_name if prev else None
    with ThreadPoolExecutor(max_workers=1) as pool:
        # Loading the model takes seconds: it runs while the corpus is read
        # and the passages and keyword indexes are written, which is most of
        # an update that adds one report to a large archive.
        pending = pool.submit(Embedder, model or BUILTIN_NAME, settings=settings) if embedder is None else embedder
        # Archives first, so the files they hold are in the signatures. Signatures
        # before loading: a file that changes while it is being loaded then
        # differs from its record, and the next build reads it again.
        if any(rel.lower().endswith(".zip") for rel in signatures):
            unpack_dropped(root, files)
            files, signatures = _sources(root)
        from . import ocr

        # Scanned pages are read during loading; the build's progress shows them.
        token = ocr.progress.set((lambda done, total: progress("ocr", done, total)) if progress else None)
        try:
            loaded: LoadResult = load_corpus_unpacked(root, settings,
                                                      None if rebuild else _known(root, prev, params, signatures),
                                                      files)
        finally:
            ocr.progress.reset(token)
        repaired = {p: r for p, r in ((prev.repaired or {}) if prev else {}).items() if p in loaded.kept}
        repaired.update(_repairs(loaded.documents))
        shas = {d.path: d.sha256 for d in loaded.documents} | {p: prev.documents[p]["sha256"] for p in loaded.kept}
        extra = {"pipeline": pipeline_fingerprint(), "repaired": repaired,
                 "sources": {rel: {"sig": sig, "sha256": shas.get(rel)} for rel, sig in signatures.items()}}
        catalog = _catalog_sha256(root)
        if catalog is not None:
            extra["catalog_sha256"] = catalog
        report = build_from_documents(loaded.documents, store, pending, params=params, rebuild=rebuild,
                                      skipped=loaded.skipped, progress=progress, extra_manifest=extra,
                                      kept=loaded.kept, order=loaded.order)
    report.repaired, report.cleaned = repaired, cleaned
    report.seconds = time.perf_counter() - t0
    return report
