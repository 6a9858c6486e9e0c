"""On-disk index versions, switched atomically.

Layout of an index folder::

    index/
      CURRENT              name of the live version (replaced with os.replace)
      .build.lock          held by the one build allowed at a time
      versions/<name>/     manifest.json, chunks.jsonl, vectors.npy,
                           dense.faiss, bm25_words/, bm25_chars/

A build writes a complete version under a temporary name, fsyncs it, renames
it into ``versions/`` and only then replaces ``CURRENT``. A build killed at
any moment therefore leaves the previous version live and intact; what it
left behind (``.tmp-*`` folders, a version that never went live) is removed
by the next build or by ``build --clean``. Every file is listed in the
manifest with its SHA-256, so damage is reported, not mistaken for results.
A full disk or a read-only folder stops the build with a message and leaves
the live version as it was. :class:`EmbeddedStore` puts the
:class:`~indexer.store.base.Store` interface over these files: FAISS for
vectors, bm25s for words.

Usage::

    from indexer.store.embedded import IndexStore
    store = IndexStore("index")
    version = store.current()            # raises IndexMissing / IndexCorrupt
    chunks = version.read_chunks()
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

import numpy as np

from ..chunking import Chunk
from ..config import KEEP_VERSIONS
from ..errors import BuildLocked, DiskFull, IndexCorrupt, IndexMissing, IndexNotWritable, StoreError
from ..keywords import KeywordIndex
from ..vectors import build_vector_index, read_index, write_index
from .base import Manifest, Ranking, group_by_doc, text_key

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def storage_error(exc: OSError, root: Path, needed: int | None = None) -> StoreError | None:
    """The message for users for a failed write under ``root``, or None when
    ``exc`` is not about permissions or space."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        try:
            free = _mb(shutil.disk_usage(root if root.exists() else root.parent).free)
        except OSError:
            free = "未知"
        need = f"写入新索引约需 {_mb(needed)}，" if needed else ""
        return DiskFull(f"磁盘空间不足：{need}{root} 所在磁盘只剩 {free}。旧索引仍在使用，"
                        "未完成的临时文件已删除。请清理磁盘空间后重新运行构建。")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        what = "文件系统是只读的" if exc.errno == errno.EROFS else "没有写入权限"
        return IndexNotWritable(f"无法写入索引文件夹 {root}：{what}（{exc.filename or root}）。"
                                "旧索引保持不变；请检查文件夹权限，或用 --index 指定可写的位置。")
    return None


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    for p in sorted(root.rglob("*")):
        if p.is_file():
            with open(p, "rb") as f:
                os.fsync(f.fileno())
    for d in sorted({p.parent for p in root.rglob("*")} | {root}):
        _fsync_dir(d)


@functools.lru_cache(maxsize=2)
def _read_chunk_lines(path: str, mtime_ns: int) -> dict[Chunk, str]:
    """Each passage of a chunks.jsonl with its line, in file order."""
    with open(path, encoding="utf-8") as f:
        return {Chunk(**json.loads(line)): line for line in f if line.strip()}


@functools.lru_cache(maxsize=2)
def _manifest_data(path: str, mtime_ns: int, size: int) -> dict:
    """A version's manifest as parsed JSON, read once per process: a build
    opens the live one six times and walks the chain of kept versions (two),
    and at 10,000 documents each parse costs 0.1 s; two are kept, as each
    holds tens of MB in an app process. Never changed in place (a version's
    files are written once); callers build new objects from it."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def read_manifest_data(path: Path) -> dict:
    st = path.stat()
    return _manifest_data(str(path), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=2)
def _rows_by_key(path: str, mtime_ns: int) -> dict[str, int]:
    return {text_key(c.embedding_text()): i for i, c in enumerate(_read_chunk_lines(path, mtime_ns))}


@dataclass
class IndexVersion:
    """One complete, immutable index version."""

    path: Path
    manifest: Manifest

    @property
    def name(self) -> str:
        return self.path.name

    def file(self, name: str) -> Path:
        return self.path / name

    def read_chunks(self) -> list[Chunk]:
        return list(self.chunk_lines())

    def chunk_lines(self) -> dict[Chunk, str]:
        # A build reads the live version's passages four times (carried
        # documents, cached vectors, keyword counts, lines to copy): parse once.
        p = self.file("chunks.jsonl")
        return _read_chunk_lines(str(p), p.stat().st_mtime_ns)

    def rows_by_key(self) -> dict[str, int]:
        """Each passage's row under its vector cache key (the last row when two passages share one)."""
        p = self.file("chunks.jsonl")
        return _rows_by_key(str(p), p.stat().st_mtime_ns)

    def read_vectors(self) -> np.ndarray:
        return np.load(self.file("vectors.npy"), mmap_mode=None)

    def verify(self, only: tuple[str, ...] | None = None) -> None:
        """Check every file (or ``only`` these) against the manifest's checksums."""
        for rel, digest in (self.manifest.files or {}).items():
            if only is not None and rel not in only:
                continue
            p = self.path / rel
            if not p.exists():
                raise IndexCorrupt(f"索引文件缺失：{rel}。请运行 python -m indexer build --rebuild 重建索引。")
            if sha256_file(p) != digest:
                raise IndexCorrupt(f"索引文件已损坏（校验和不符）：{rel}。请运行 python -m indexer build --rebuild 重建索引。")


class IndexStore:
    """An index folder holding versions and the pointer to the live one."""

    def __init__(self, root: str | Path, keep_versions: int = KEEP_VERSIONS):
        self.root = Path(root)
        self.versions = self.root / "versions"
        self.keep_versions = keep_versions  # the live version and its predecessors

    def current_name(self) -> str | None:
        try:
            name = (self.root / "CURRENT").read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return name or None

    def current(self, verify: bool = True) -> IndexVersion:
        name = self.current_name()
        if name is None:
            raise IndexMissing(f"索引 {self.root} 还不存在。请先运行 python -m indexer build 构建索引。")
        path = self.versions / name
        try:
            data = read_manifest_data(path / MANIFEST)
        except FileNotFoundError as exc:
            raise IndexCorrupt(f"索引版本 {name} 缺少清单文件。请运行 python -m indexer build --rebuild 重建索引。") from exc
        except json.JSONDecodeError as exc:
            raise IndexCorrupt(f"索引清单文件已损坏。请运行 python -m indexer build --rebuild 重建索引。") from exc
        # The format version first: an older format is told as such, not as damage.
        schema = data.get("schema_version") if isinstance(data, dict) else None
        if schema != SCHEMA_VERSION:
            raise IndexCorrupt(
                f"索引格式版本为 {schema}，本程序需要 {SCHEMA_VERSION}。"
                "请运行 python -m indexer build --rebuild 重建索引。")
        try:
            manifest = Manifest.from_dict(data)
        except (ValueError, TypeError) as exc:  # not a manifest's shape
            raise IndexCorrupt(f"索引清单文件已损坏。请运行 python -m indexer build --rebuild 重建索引。") from exc
        version = IndexVersion(path, manifest)
        if verify:
            version.verify()
        return version

    def current_or_none(self) -> IndexVersion | None:
        try:
            return self.current(verify=False)
        except StoreError:
            return None

    @contextlib.contextmanager
    def build_lock(self) -> Iterator[None]:
        """Only one build at a time; a second one is refused, not interleaved."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.root / ".build.lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise storage_error(exc, self.root) or exc
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise BuildLocked("另一个构建正在进行中，请等它完成后再试。") from exc
            yield
        finally:
            os.close(fd)  # closing releases the flock

    @contextlib.contextmanager
    def new_version(self) -> Iterator[Path]:
        """A scratch folder for a version; committed only if the block ends
        normally (see :meth:`commit`)."""
        self.versions.mkdir(parents=True, exist_ok=True)
        tmp = self.versions / f".tmp-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            yield tmp
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)

    def commit(self, tmp: Path, manifest: Manifest) -> IndexVersion:
        files = {}
        for p in sorted(tmp.rglob("*")):
            if p.is_file() and p.name != MANIFEST:
                files[p.relative_to(tmp).as_posix()] = sha256_file(p)
        # The chain of versions that really went live, for telling them from orphans.
        manifest = replace(manifest, schema_version=SCHEMA_VERSION, files=files, previous=self.current_name())
        # Without indent: only then does json use its C encoder (0.5 s less at 10,000 documents).
        (tmp / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
        _fsync_tree(tmp)
        name = time.strftime("v%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
        final = self.versions / name
        os.rename(tmp, final)
        pointer = self.root / f".CURRENT.{uuid.uuid4().hex[:8]}"
        try:
            _fsync_dir(self.versions)
            pointer.write_text(name + "\n", encoding="utf-8")
            with open(pointer, "rb") as f:
                os.fsync(f.fileno())
            os.replace(pointer, self.root / "CURRENT")
        except BaseException:
            # CURRENT still names the old version; this one never went live.
            pointer.unlink(missing_ok=True)
            shutil.rmtree(final, ignore_errors=True)
            raise
        _fsync_dir(self.root)
        self._collect_garbage(keep=name)
        return IndexVersion(final, manifest)

    def clean(self) -> list[str]:
        """Remove what killed builds left and versions beyond the kept number.
        Call under :meth:`build_lock`; returns the names removed."""
        if not self.versions.is_dir():
            return []
        return self._collect_garbage(keep=self.current_name())

    def _collect_garbage(self, keep: str | None) -> list[str]:
        # Runs under the build lock, so leftover .tmp folders are from killed builds.
        removed = []
        for p in self.root.glob(".CURRENT.*"):
            p.unlink(missing_ok=True)
            removed.append(p.name)
        entries = sorted(p for p in self.versions.iterdir() if p.is_dir())
        doomed = [p for p in entries if p.name.startswith(".tmp-")]
        if keep is None or (self.versions / keep).is_dir():
            # Keep the live version and its predecessors as recorded in each
            # manifest. Anything else never went live (a build killed between
            # renaming its version into place and switching CURRENT) or is older.
            kept, name = set(), keep
            while name and name not in kept and len(kept) < self.keep_versions:
                kept.add(name)
                try:
                    name = Manifest.from_dict(read_manifest_data(self.versions / name / MANIFEST)).previous
                except (OSError, ValueError, TypeError):
                    break
            doomed += [p for p in entries if not p.name.startswith(".tmp-") and p.name not in kept]
        # else CURRENT names a missing version: keep every version for a rebuild or a person to sort out.
        for p in doomed:
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
        return removed


def write_chunks(path: Path, chunks: list[Chunk], lines: dict[Chunk, str] | None = None) -> None:
    """One JSON line per passage; ``lines``: already written ones, reused as they are."""
    lines = lines or {}
    with open(path, "w", encoding="utf-8") as f:
        for c in chunks:
            f.write(lines.get(c) or json.dumps(c.to_dict(), ensure_ascii=False) + "\n")


def estimate_bytes(chunks: list[Chunk], dim: int) -> int:
    """Room a new embedded version takes, a little above the real size: the
    ``dim``-wide float32 vectors twice (vectors.npy, the FAISS index with its
    graph) and about ten times the passage text for chunks.jsonl and the two
    BM25 indexes (measured: 1.56 MB for the five reports, estimated 1.89 MB)."""
    text = sum(len(c.embedding_text().encode("utf-8")) for c in chunks)
    return int(2.2 * 4 * dim * len(chunks) + 10 * text + 64 * 1024)


class EmbeddedSnapshot:
    """An on-disk version opened in memory: FAISS for vectors, bm25s for words."""

    remote = False  # its rankers compete for the same cores: run in turn

    def __init__(self, version):
        self.version = version
        self.name = version.name
        self.manifest = version.manifest
        self._chunks: list[Chunk] = version.read_chunks()
        self.dense_index = read_index(version.file("dense.faiss"), version.manifest.vector_index)
        self.keywords = KeywordIndex.load(version.path)
        # Each passage's document as a number: a document filter is then one
        # array lookup, not a comparison of paths (70 ms at 40,000 passages).
        self._doc_number: dict[str, int] = {}
        self._doc_of = np.array([self._doc_number.setdefault(c.doc, len(self._doc_number)) for c in self._chunks],
                                dtype=np.int32)

    def count(self) -> int:
        return len(self._chunks)

    def _allowed(self, docs: list[str] | None) -> np.ndarray | None:
        if not docs:
            return None
        wanted = np.zeros(len(self._doc_number) + 1, dtype=bool)
        wanted[[self._doc_number.get(d, len(self._doc_number)) for d in docs]] = True
        wanted[-1] = False  # documents this version does not hold
        return wanted[self._doc_of]

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

    def __init__(self, root: str | os.PathLike, keep_versions: int = KEEP_VERSIONS):
        self.files = IndexStore(root, keep_versions)
        self.root = Path(root)
        self.label = str(root)

    def current(self, verify: bool = True) -> EmbeddedSnapshot:
        return EmbeddedSnapshot(self.files.current(verify=verify))

    def current_name(self) -> str | None:
        return self.files.current_name()

    def current_manifest(self) -> Manifest | None:
        v = self.files.current_or_none()
        return v.manifest if v else None

    def build_lock(self) -> contextlib.AbstractContextManager:
        return self.files.build_lock()

    def cached_vectors(self, keys: set[str], fingerprint: str) -> dict[str, np.ndarray]:
        prev = self.files.current_or_none()
        if prev is None or prev.manifest.model_fingerprint != fingerprint:
            return {}
        try:
            # Only the two files read here: hashing the whole version cost 0.4 s at 40,000 passages.
            prev.verify(only=("chunks.jsonl", "vectors.npy"))
            rows, vecs = prev.rows_by_key(), prev.read_vectors()
        except Exception:  # a damaged old version only costs us the cache
            log.warning("previous index version unreadable; embedding everything again")
            return {}
        return {k: vecs[i] for k, i in rows.items() if k in keys}

    def previous_chunks(self, docs: set[str]) -> dict[str, list[Chunk]]:
        prev = self.files.current_or_none()
        return group_by_doc(prev.read_chunks() if prev and docs else [], docs)

    @contextlib.contextmanager
    def stage(self, chunks: list[Chunk], keys: list[str], *, rebuild: bool) -> Iterator[_Staged]:
        """Write the passages and their keyword indexes into a scratch
        version; :meth:`_Staged.publish` adds the vectors and commits it.
        Nothing is left behind when the block ends without publishing."""
        live = self.files.current_or_none()
        # The room is checked before the model is loaded: the live version's width, else the built-in model's.
        needed = estimate_bytes(chunks, int(live.manifest.model.dim) if live and live.manifest.model else 384)
        with contextlib.ExitStack() as stack:
            try:
                self.files.versions.mkdir(parents=True, exist_ok=True)
                self._check_room(needed)
                tmp = stack.enter_context(self.files.new_version())
                prev = None if rebuild else live
                write_chunks(tmp / "chunks.jsonl", chunks, prev.chunk_lines() if prev else None)
                self._keywords(chunks, keys, prev).save(tmp)
            except OSError as exc:
                raise storage_error(exc, self.root, needed) or exc
            yield _Staged(self, tmp, chunks)

    def _check_room(self, needed: int) -> None:
        if shutil.disk_usage(self.files.versions).free < needed:
            raise OSError(28, "No space left on device")  # said before writing, not half-way

    @staticmethod
    def _keywords(chunks: list[Chunk], keys: list[str], prev: IndexVersion | None) -> KeywordIndex:
        """The BM25 indexes of ``chunks``; passages the live version ``prev`` holds
        keep their term counts instead of being tokenized again."""
        texts = [c.embedding_text() for c in chunks]
        if prev is not None:
            try:
                previous = KeywordIndex.load(prev.path, with_lengths=True)
                rows = prev.rows_by_key()
            except Exception:  # a damaged old version only costs the reuse
                log.warning("previous keyword index unreadable; tokenizing every passage again")
            else:
                return KeywordIndex.build(texts, previous, [rows.get(k) for k in keys])
        return KeywordIndex.build(texts)

    def clean(self) -> list[str]:
        return self.files.clean()

    def size_bytes(self) -> int:
        v = self.files.current_or_none()
        return sum(p.stat().st_size for p in v.path.rglob("*") if p.is_file()) if v else 0


@dataclass
class _Staged:
    """A scratch version holding passages and keyword indexes, waiting for vectors."""

    store: EmbeddedStore
    tmp: Path
    chunks: list[Chunk]

    def publish(self, vectors: np.ndarray, manifest: Manifest, *, rebuild: bool) -> str:
        # Every vector is given, so ``rebuild`` changes nothing here.
        total = estimate_bytes(self.chunks, vectors.shape[1])  # what the message says a version needs
        try:
            self.store._check_room(int(2.2 * vectors.nbytes) + 64 * 1024)  # the passages are written already
            np.save(self.tmp / "vectors.npy", vectors)
            vindex, vinfo = build_vector_index(vectors)
            write_index(vindex, self.tmp / "dense.faiss")
            return self.store.files.commit(self.tmp, replace(manifest, vector_index=vinfo)).name
        except OSError as exc:
            raise storage_error(exc, self.store.root, total) or exc
        except RuntimeError as exc:
            # FAISS reports a failed write as a RuntimeError carrying the C error text.
            if "No space left" in str(exc):
                raise DiskFull(storage_error(OSError(28, str(exc)), self.store.root, total).args[0]) from exc
            raise
