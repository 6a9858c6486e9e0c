"""Managing the corpus folder: what changed since the index was built, safe
uploads (type, size, name and duplicate checks) and deletions.

Usage::

    from indexer.corpus import corpus_status, save_upload
    status = corpus_status("corpus", "index")
    if status.stale:
        ...  # rebuild incrementally
    save_upload("corpus", "二〇二三年工作报告.docx", data)
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .loading import (CATALOG_NAME, MAX_FILE_BYTES, SUPPORTED_SUFFIXES, LoadError, file_signature,
                      iter_corpus_files, read_inside)
from .stores import Store, open_store

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class UploadError(Exception):
    """An upload was refused; the message is for users (Chinese)."""


@dataclass
class CorpusStatus:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    has_index: bool = False

    @property
    def stale(self) -> bool:
        return not self.has_index or bool(self.added or self.changed or self.removed)


def _sha256(path: Path, root: Path) -> str | None:
    """Content hash under the corpus jail; None for what the build refuses."""
    try:
        return hashlib.sha256(read_inside(path, root, limit=max(MAX_FILE_BYTES, MAX_UPLOAD_BYTES))).hexdigest()
    except LoadError:
        return None


def corpus_status(corpus_dir: str | Path, store: str | Path | Store) -> CorpusStatus:
    """Compare the files in the corpus with the documents of the live index
    (by content hash, trusting the recorded hash while a file's stat
    signature is unchanged; files the index skipped as unreadable do not count)."""
    root = Path(corpus_dir)
    manifest = open_store(store).current_manifest()
    status = CorpusStatus(has_index=manifest is not None)
    indexed = manifest.get("documents", {}) if manifest else {}
    skipped = set(manifest.get("skipped", {})) if manifest else set()
    sources = (manifest or {}).get("sources") or {}
    files = [p for p in iter_corpus_files(root) if p.suffix.lower() in SUPPORTED_SUFFIXES] if root.is_dir() else []
    present = set()
    for p in files:
        rel = p.relative_to(root).as_posix()
        present.add(rel)
        if rel in indexed:
            rec = sources.get(rel) or {}
            if rec.get("sig") == file_signature(p) and rec.get("sha256") == indexed[rel]["sha256"]:
                continue
            if indexed[rel]["sha256"] != _sha256(p, root):
                status.changed.append(rel)
        elif rel not in skipped:
            status.added.append(rel)
    status.removed = sorted(set(indexed) - present)
    if manifest is not None and (root / CATALOG_NAME).exists():
        if manifest.get("catalog_sha256") != _sha256(root / CATALOG_NAME, root):
            status.changed.append(CATALOG_NAME)
    return status


def sanitize_filename(name: str) -> str:
    """A plain file name inside the corpus: no folders, no '..', no control
    or reserved characters, Chinese kept."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").split("/")[-1]
    name = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "", name).strip().strip(".")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    stem = re.sub(r"\s+", "_", stem)[:80] or "未命名"
    return f"{stem}.{suffix.lower()}" if suffix else stem


def save_upload(corpus_dir: str | Path, filename: str, data: bytes, *, overwrite: bool = False) -> Path:
    """Store an uploaded report in the corpus, refusing what must not go in."""
    root = Path(corpus_dir)
    name = sanitize_filename(filename)
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UploadError(f"不支持的文件类型“{suffix or '无扩展名'}”，仅支持 .txt、.md、.docx、.pdf")
    if len(data) > min(MAX_UPLOAD_BYTES, MAX_FILE_BYTES):
        raise UploadError(f"文件过大（{len(data) / 1024 / 1024:.1f} MB），上限 {MAX_UPLOAD_BYTES // 1024 // 1024} MB")
    if not data.strip():
        raise UploadError("文件为空")
    digest = hashlib.sha256(data).hexdigest()
    root.mkdir(parents=True, exist_ok=True)
    for p in iter_corpus_files(root):
        if _sha256(p, root) == digest:
            raise UploadError(f"语料库中已有内容完全相同的文件：{p.relative_to(root).as_posix()}")
    # The name itself must be a plain entry of the corpus: writing through a
    # link or onto a FIFO or device would put the upload somewhere else.
    entry = root / name
    if entry.is_symlink() or (entry.exists() and not entry.is_file()):
        raise UploadError(f"语料目录中的“{name}”是链接或特殊文件，不能用上传覆盖；请先由管理员处理")
    if entry.exists() and not overwrite:
        raise UploadError(f"已存在同名文件“{name}”。如需替换，请确认覆盖。")
    target = root.resolve() / name
    if target.parent != root.resolve():
        raise UploadError("文件名不合法")
    # A fresh, exclusive temporary name: an attacker's link at a predictable
    # name cannot redirect the write.
    fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o644)  # as a plainly written file would be, not mkstemp's 0600
            f.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def delete_document(corpus_dir: str | Path, rel: str) -> None:
    """Remove the corpus entry ``rel``; a link is removed itself, never what it points to."""
    root = Path(corpus_dir).resolve()
    entry = root / rel
    try:
        parent = entry.parent.resolve(strict=True)
    except (OSError, RuntimeError):
        raise UploadError(f"找不到文档：{rel}") from None
    if (parent != root and root not in parent.parents) or entry.is_dir() and not entry.is_symlink() \
            or not (entry.is_symlink() or entry.exists()):
        raise UploadError(f"找不到文档：{rel}")
    (parent / entry.name).unlink()
