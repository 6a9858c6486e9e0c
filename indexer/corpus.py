"""Managing the corpus folder: what changed since the index was built
(cached, see :class:`StatusCache`), safe uploads (type, size, name,
duplicate and readability checks), deletions into a recycle folder that
can be undone, and per-document metadata in ``catalog.toml``.

Usage::

    from indexer.corpus import corpus_status, save_upload
    status = corpus_status("corpus", "index")
    if status.stale:
        ...  # rebuild incrementally
    save_upload("corpus", "二〇二三年工作报告.docx", data)
    gone = delete_document("corpus", "a.txt", "data/recycle")
    restore_document("corpus", "data/recycle", gone.id)
    update_catalog("corpus", "a.txt", {"date": "2023年12月", "kind": "工作报告"})
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .archives import pending_archives, sanitize_filename, unpack_zip
from .config import MAX_FILE_BYTES, MAX_UPLOAD_BYTES, Settings
from .errors import UploadError
from .loading import (CATALOG_NAME, SUPPORTED_SUFFIXES, SUPPORTED_TEXT, LoadError, file_signature,
                      iter_corpus_files, load_document, read_catalog, read_inside)
from .store import Store, open_store


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
    indexed = manifest.documents if manifest else {}
    skipped = set(manifest.skipped) if manifest else set()
    sources = (manifest.sources if manifest else None) or {}
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

    # A dropped archive is unpacked by the next build: until then it is waiting too.
    status.added.extend(pending_archives(root) if root.is_dir() else [])
    status.removed = sorted(set(indexed) - present)
    if manifest is not None and (root / CATALOG_NAME).exists():
        if manifest.catalog_sha256 != _sha256(root / CATALOG_NAME, root):
            status.changed.append(CATALOG_NAME)
    return status


def save_upload(corpus_dir: str | Path, filename: str, data: bytes, *, overwrite: bool = False,
                settings: Settings | None = None) -> Path:
    """Store an uploaded report in the corpus, refusing what must not go in
    (read as a build would read it with ``settings``)."""
    root = Path(corpus_dir)
    name = sanitize_filename(filename)
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES + (".zip",):
        raise UploadError(f"不支持的文件类型“{suffix or '无扩展名'}”，仅支持 {SUPPORTED_TEXT} 和 .zip")
    if len(data) > min(MAX_UPLOAD_BYTES, MAX_FILE_BYTES):
        raise UploadError(f"文件过大（{len(data) / 1024 / 1024:.1f} MB），上限 {MAX_UPLOAD_BYTES // 1024 // 1024} MB")
    if not data.strip():
        raise UploadError("文件为空")
    digest = hashlib.sha256(data).hexdigest()
    root.mkdir(parents=True, exist_ok=True)
    for p in iter_corpus_files(root):
        if _sha256(p, root) == digest:
            raise UploadError(f"语料库中已有内容完全相同的文件：{p.relative_to(root).as_posix()}")
    if suffix == ".zip":
        return _save_archive(root, name, data, settings)
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
    # Read it the way the indexer will, under a hidden name the indexer
    # ignores: a binary renamed .txt or a broken .docx is refused here and
    # never enters the corpus, instead of being skipped on every build.
    # A fresh, exclusive temporary name: an attacker's link at a predictable
    # name cannot redirect the write.
    fd, tmp_name = tempfile.mkstemp(prefix=".upload-", suffix=suffix, dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o644)  # as a plainly written file would be, not mkstemp's 0600
            f.write(data)
        try:
            load_document(tmp, root.resolve(), settings=settings)
        except LoadError as exc:
            raise UploadError(f"无法读取“{name}”：{str(exc).removesuffix('，已跳过')}。文件未保存。") from exc
        except Exception as exc:  # a parser's own error: refuse, never half-save
            raise UploadError(f"无法读取“{name}”，文件可能已损坏。文件未保存。") from exc
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def _save_archive(root: Path, name: str, data: bytes, settings: Settings | None) -> Path:
    """An uploaded zip: unpacked safely into the folder ``root/<name>``, kept
    only when every member it unpacks reads as the indexer will read it."""

    folder = root.resolve() / Path(name).stem
    if folder.exists() or folder.is_symlink():
        raise UploadError(f"语料库中已有同名文件夹“{folder.name}”，请改名后再上传。文件未保存。")
    scratch = Path(tempfile.mkdtemp(prefix=".upload-", dir=root.resolve()))
    try:
        try:
            report = unpack_zip(data, scratch / "x")
        except LoadError as exc:
            raise UploadError(f"无法解压“{name}”：{exc}。文件未保存。") from exc
        if not report.saved:
            why = "；".join(f"{n}：{r}" for n, r in report.left_out[:3])
            raise UploadError(f"“{name}”中没有可以收录的文件{('（' + why + '）') if why else ''}。文件未保存。")
        for rel in report.saved:
            try:
                load_document(scratch / "x" / rel, scratch / "x", settings=settings)
            except LoadError as exc:
                raise UploadError(f"压缩包中的“{rel}”无法读取：{str(exc).removesuffix('，已跳过')}。文件未保存。") from exc
        if folder.exists() or folder.is_symlink():  # made meanwhile
            raise UploadError(f"语料库中已有同名文件夹“{folder.name}”，请改名后再上传。文件未保存。")
        os.rename(scratch / "x", folder)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return folder


# --- cheap change detection ---------------------------------------------------

def corpus_signature(corpus_dir: str | Path) -> tuple:
    """Names, sizes and modification times of the corpus files and catalog:
    a stat per file, so that a page rerun need not hash every file to know
    whether anything changed since the status was last computed."""
    root = Path(corpus_dir)
    if not root.is_dir():
        return ()
    entries = []
    for p in iter_corpus_files(root) + ([root / CATALOG_NAME] if (root / CATALOG_NAME).exists() else []):
        try:
            st = p.stat()
        except FileNotFoundError:
            continue
        entries.append((p.relative_to(root).as_posix(), st.st_size, st.st_mtime_ns))
    return tuple(entries)


class StatusCache:
    """:func:`corpus_status`, recomputed only when the corpus files (by
    :func:`corpus_signature`) or the live index version changed, or after
    :meth:`invalidate` (the app calls it after an upload, delete or build)."""

    def __init__(self, corpus_dir: str | Path, store: str | Path | Store):
        self.corpus_dir = Path(corpus_dir)
        self.store = open_store(store)
        self._key: tuple | None = None
        self._status: CorpusStatus | None = None
        self._lock = threading.Lock()
        self.computed = 0  # how many times the files were hashed (for tests)

    def invalidate(self) -> None:
        with self._lock:
            self._key = None

    def get(self) -> CorpusStatus:
        key = (corpus_signature(self.corpus_dir), self.store.current_name())
        with self._lock:
            if key != self._key or self._status is None:
                self._status = corpus_status(self.corpus_dir, self.store)
                self._key = key
                self.computed += 1
            return self._status


# --- the recycle folder: deletes that can be undone ---------------------------

@dataclass(frozen=True)
class Recycled:
    id: str  # folder name inside the recycle folder
    path: str  # where the document was, relative to the corpus
    title: str
    deleted: float  # time.time()
    catalog: dict  # its catalog.toml entry, restored with it


def delete_document(corpus_dir: str | Path, rel: str, recycle_dir: str | Path | None = None,
                    title: str = "") -> Recycled | None:
    """Remove ``rel`` from the corpus. With ``recycle_dir`` the file and its
    catalog entry move there and :func:`restore_document` brings both back;
    without it the file is deleted for good."""
    root = Path(corpus_dir).resolve()
    entry = root / rel
    try:
        parent = entry.parent.resolve(strict=True)
    except (OSError, RuntimeError):
        raise UploadError(f"找不到文档：{rel}") from None
    if (parent != root and root not in parent.parents) or entry.is_dir() and not entry.is_symlink() \
            or not (entry.is_symlink() or entry.exists()):
        raise UploadError(f"找不到文档：{rel}")
    target = parent / entry.name
    if recycle_dir is None or target.is_symlink():
        # A link is removed itself, never what it points to.
        target.unlink()
        return None
    rel = target.relative_to(root).as_posix()
    catalog = read_catalog(root)
    entry = catalog.pop(rel, {})
    item_id = time.strftime("%Y%m%d-%H%M%S-") + hashlib.sha256(f"{rel}{time.time_ns()}".encode()).hexdigest()[:8]
    folder = Path(recycle_dir) / item_id
    folder.mkdir(parents=True)
    meta = Recycled(item_id, rel, title or entry.get("title", "") or Path(rel).stem, time.time(), entry)
    (folder / "entry.json").write_text(json.dumps(meta.__dict__, ensure_ascii=False), encoding="utf-8")
    shutil.move(str(target), folder / "file")
    if entry:
        write_catalog(root, catalog)
    return meta


def list_recycled(recycle_dir: str | Path) -> list[Recycled]:
    """Recycled documents, most recent first."""
    out = []
    root = Path(recycle_dir)
    for folder in root.iterdir() if root.is_dir() else []:
        try:
            meta = json.loads((folder / "entry.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if (folder / "file").is_file():
            out.append(Recycled(**meta))
    return sorted(out, key=lambda r: -r.deleted)


def restore_document(corpus_dir: str | Path, recycle_dir: str | Path, item_id: str) -> str:
    """Put a recycled document back where it was, with its catalog entry;
    returns its path. Refuses to overwrite a file uploaded since under that name."""
    root = Path(corpus_dir)
    folder = Path(recycle_dir) / item_id
    try:
        meta = Recycled(**json.loads((folder / "entry.json").read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise UploadError("回收站中没有这份文档，可能已经恢复过了。") from exc
    target = root / meta.path
    if target.exists():
        raise UploadError(f"语料库中已有同名文件“{meta.path}”，请先删除或改名后再恢复。")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(folder / "file"), target)
    if meta.catalog:
        catalog = read_catalog(root)
        catalog[meta.path] = meta.catalog
        write_catalog(root, catalog)
    shutil.rmtree(folder, ignore_errors=True)
    return meta.path


# --- catalog.toml, edited from the browser ------------------------------------

CATALOG_KEYS = ("title", "body", "date", "kind", "place", "year")
_CATALOG_HEADER = ("# Titles, issuing bodies and dates for citations. An entry here wins over\n"
                   "# what the indexer detects from the text. Keys are paths relative to corpus/.\n"
                   "# Written by the app's 语料管理 page; hand edits are kept.\n")


def _toml_str(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ch == "\x7f":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out) + '"'


def write_catalog(corpus_dir: str | Path, catalog: dict[str, dict]) -> None:
    """Write ``catalog`` (path -> {key: str | int}) atomically as TOML."""
    root = Path(corpus_dir)
    lines = [_CATALOG_HEADER]
    for rel in sorted(catalog):
        entry = {k: v for k, v in catalog[rel].items() if v not in ("", None)}
        if not entry:
            continue
        lines.append(f"\n[{_toml_str(rel)}]\n")
        for k in sorted(entry, key=lambda k: (CATALOG_KEYS.index(k) if k in CATALOG_KEYS else 99, k)):
            v = entry[k]
            if isinstance(v, bool) or not isinstance(v, (int, str)):
                v = str(v)
            lines.append(f"{k} = {v if isinstance(v, int) else _toml_str(v)}\n")
    tmp = root / f".{CATALOG_NAME}.tmp"
    tmp.write_text("".join(lines), encoding="utf-8")
    os.replace(tmp, root / CATALOG_NAME)


def update_catalog(corpus_dir: str | Path, rel: str, values: dict) -> dict:
    """Set ``rel``'s catalog entry keys to ``values`` (empty removes a key);
    other documents' entries and other keys are kept. Returns the entry."""
    root = Path(corpus_dir)
    catalog = read_catalog(root)
    entry = dict(catalog.get(rel, {}))
    for k, v in values.items():
        if k == "year":
            v = int(v) if str(v or "").strip() else None
        elif isinstance(v, str):
            v = " ".join(v.split())
        if v in ("", None):
            entry.pop(k, None)
        else:
            entry[k] = v
    catalog[rel] = entry
    write_catalog(root, catalog)
    return entry
