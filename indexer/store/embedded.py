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
the live version as it was.

Usage::

    from indexer.storage import IndexStore
    store = IndexStore("index")
    version = store.current()            # raises IndexMissing / IndexCorrupt
    chunks = version.read_chunks()
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from .chunking import Chunk

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
KEEP_VERSIONS = 2  # the live one and its predecessor, for readers mid-switch
KEEP_ENV = "PARTYQA_KEEP_VERSIONS"


class IndexError_(Exception):
    """Base for index problems; messages are for users (Chinese)."""


class IndexMissing(IndexError_):
    pass


class IndexCorrupt(IndexError_):
    pass


class BuildLocked(IndexError_):
    pass


class IndexNotWritable(IndexError_):
    """No permission to write the index folder, or a read-only file system."""


class DiskFull(IndexError_):
    """Not enough space for the new version; the old one stays live."""


def keep_versions() -> int:
    """How many versions a build keeps (the live one included): the setting
    $PARTYQA_KEEP_VERSIONS, default 2 so that a reader that opened the
    previous version just before a switch can still read it."""
    raw = os.environ.get(KEEP_ENV, "").strip()
    if not raw:
        return KEEP_VERSIONS
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"环境变量 {KEEP_ENV} 应为不小于 1 的整数（保留的索引版本数），当前为“{raw}”")
    return int(raw)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def storage_error(exc: OSError, root: Path, needed: int | None = None) -> IndexError_ | None:
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


@dataclass
class IndexVersion:
    """One complete, immutable index version."""

    path: Path
    manifest: dict

    @property
    def name(self) -> str:
        return self.path.name

    def file(self, name: str) -> Path:
        return self.path / name

    def read_chunks(self) -> list[Chunk]:
        with open(self.file("chunks.jsonl"), encoding="utf-8") as f:
            return [Chunk(**json.loads(line)) for line in f if line.strip()]

    def read_vectors(self) -> np.ndarray:
        return np.load(self.file("vectors.npy"), mmap_mode=None)

    def verify(self) -> None:
        """Check every file against the manifest's checksums."""
        for rel, digest in self.manifest.get("files", {}).items():
            p = self.path / rel
            if not p.exists():
                raise IndexCorrupt(f"索引文件缺失：{rel}。请运行 python -m indexer build --rebuild 重建索引。")
            if sha256_file(p) != digest:
                raise IndexCorrupt(f"索引文件已损坏（校验和不符）：{rel}。请运行 python -m indexer build --rebuild 重建索引。")


class IndexStore:
    """An index folder holding versions and the pointer to the live one."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.versions = self.root / "versions"

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
            manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise IndexCorrupt(f"索引版本 {name} 缺少清单文件。请运行 python -m indexer build --rebuild 重建索引。") from exc
        except json.JSONDecodeError as exc:
            raise IndexCorrupt(f"索引清单文件已损坏。请运行 python -m indexer build --rebuild 重建索引。") from exc
        if manifest.get("schema_version") != SCHEMA_VERSION:
            raise IndexCorrupt(
                f"索引格式版本为 {manifest.get('schema_version')}，本程序需要 {SCHEMA_VERSION}。"
                "请运行 python -m indexer build --rebuild 重建索引。")
        version = IndexVersion(path, manifest)
        if verify:
            version.verify()
        return version

    def current_or_none(self) -> IndexVersion | None:
        try:
            return self.current(verify=False)
        except IndexError_:
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

    def commit(self, tmp: Path, manifest: dict) -> IndexVersion:
        files = {}
        for p in sorted(tmp.rglob("*")):
            if p.is_file() and p.name != MANIFEST:
                files[p.relative_to(tmp).as_posix()] = sha256_file(p)
        # The chain of versions that really went live, for telling them from orphans.
        manifest = {**manifest, "schema_version": SCHEMA_VERSION, "files": files, "previous": self.current_name()}
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
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
            while name and name not in kept and len(kept) < keep_versions():
                kept.add(name)
                try:
                    name = json.loads((self.versions / name / MANIFEST).read_text(encoding="utf-8")).get("previous")
                except (OSError, ValueError):
                    break
            doomed += [p for p in entries if not p.name.startswith(".tmp-") and p.name not in kept]
        # else CURRENT names a missing version: keep every version for a rebuild or a person to sort out.
        for p in doomed:
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
        return removed


def write_chunks(path: Path, chunks: list[Chunk]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for c in chunks:
            f.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
