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
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .loading import CATALOG_NAME, MAX_FILE_BYTES, SUPPORTED_SUFFIXES, iter_corpus_files
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


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def corpus_status(corpus_dir: str | Path, store: str | Path | Store) -> CorpusStatus:
    """Compare the files in the corpus with the documents of the live index
    (by content hash; files the index skipped as unreadable do not count)."""
    root = Path(corpus_dir)
    manifest = open_store(store).current_manifest()
    status = CorpusStatus(has_index=manifest is not None)
    indexed = manifest.get("documents", {}) if manifest else {}
    skipped = set(manifest.get("skipped", {})) if manifest else set()
    files = [p for p in iter_corpus_files(root) if p.suffix.lower() in SUPPORTED_SUFFIXES] if root.is_dir() else []
    present = set()
    for p in files:
        rel = p.relative_to(root).as_posix()
        present.add(rel)
        if rel in indexed:
            if indexed[rel]["sha256"] != _sha256(p):
                status.changed.append(rel)
        elif rel not in skipped:
            status.added.append(rel)
    status.removed = sorted(set(indexed) - present)
    if manifest is not None and (root / CATALOG_NAME).exists():
        if manifest.get("catalog_sha256") != _sha256(root / CATALOG_NAME):
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
        if p.stat().st_size == len(data) and _sha256(p) == digest:
            raise UploadError(f"语料库中已有内容完全相同的文件：{p.relative_to(root).as_posix()}")
    target = (root / name).resolve()
    if target.parent != root.resolve():
        raise UploadError("文件名不合法")
    if target.exists() and not overwrite:
        raise UploadError(f"已存在同名文件“{name}”。如需替换，请确认覆盖。")
    tmp = target.with_name(f".{name}.upload")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return target


def delete_document(corpus_dir: str | Path, rel: str) -> None:
    root = Path(corpus_dir).resolve()
    target = (root / rel).resolve()
    if root not in target.parents or not target.is_file():
        raise UploadError(f"找不到文档：{rel}")
    target.unlink()
