"""Zip archives of reports, unpacked safely into a folder of the corpus.

An archive dropped into ``corpus/`` is unpacked by the next build into a
folder of the same name beside it (``报告集.zip`` → ``报告集/``), and
an archive uploaded in the app likewise; the files inside are then
documents like any other, their id being the path relative to the corpus.
The archive is not trusted:

* only regular members with a supported suffix are written, under
  sanitised names; absolute paths, ``..``, links, encrypted members and
  nested archives are left out with a reason;
* at most :data:`MAX_MEMBERS` files and :data:`MAX_TOTAL_BYTES` in all,
  each member within the corpus's per-file limit and read with a bounded
  read (its declared size is not believed), and no member may expand more
  than :data:`MAX_RATIO` times: a zip bomb stops at the first limit;
* everything is written into a hidden folder first and renamed into place
  at the end, so a refused archive leaves nothing behind.

Usage::

    from indexer.archives import unpack_zip
    report = unpack_zip(open("报告集.zip", "rb").read(), Path("corpus/报告集"))
    print(report.saved, report.left_out)
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import stat
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .config import Settings
from .loading import (MAX_FILE_BYTES, SUPPORTED_SUFFIXES, LoadError, LoadResult, Skipped, iter_corpus_files,
                      load_corpus, read_inside)


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

MAX_MEMBERS = 1000
MAX_TOTAL_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200  # text compresses ~5-10x; a bomb compresses thousands of times
# Written inside an unpacked folder: which archive (by content) it came from.
MARKER = ".partyqa-archive"


@dataclass
class UnpackReport:
    folder: Path
    saved: list[str] = field(default_factory=list)  # relative to the folder
    left_out: list[tuple[str, str]] = field(default_factory=list)  # (member name, Chinese reason)


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its author wrote it: archives made on Chinese
    Windows store GBK names without the UTF-8 flag."""
    name = info.filename
    if not info.flag_bits & 0x800:
        raw = name.encode("cp437", errors="ignore")
        for enc in ("utf-8", "gb18030"):
            try:
                return raw.decode(enc)
            except UnicodeDecodeError:
                continue
    return name


def _safe_parts(name: str) -> list[str] | None:

    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        return None
    parts = [sanitize_filename(p) for p in path.parts if p not in ("", ".")]
    if not parts or any(p.startswith(".") or p == "__MACOSX" for p in parts):
        return None
    return parts


def _read_bounded(z: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes | None:
    with z.open(info) as f:
        data = f.read(limit + 1)
    return None if len(data) > limit else data


def unpack_zip(raw: bytes, folder: Path) -> UnpackReport:
    """Unpack the archive ``raw`` into the new folder ``folder`` (which must
    not exist); :class:`LoadError` with a Chinese reason when the archive
    as a whole is refused."""
    if folder.exists() or folder.is_symlink():
        raise LoadError(f"已存在同名文件夹“{folder.name}”，未解压")
    try:
        z = zipfile.ZipFile(io.BytesIO(raw))
        infos = z.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise LoadError("压缩包已损坏或不是 zip 格式") from exc
    if len(infos) > MAX_MEMBERS:
        raise LoadError(f"压缩包内文件过多（{len(infos)} 个），上限 {MAX_MEMBERS} 个")
    report = UnpackReport(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".unzip-", dir=folder.parent))
    total = 0
    try:
        for info in infos:
            if info.is_dir():
                continue
            name = _member_name(info)
            parts = _safe_parts(name)
            kind = stat.S_IFMT(info.external_attr >> 16)
            if parts is None:
                report.left_out.append((name, "路径不安全（绝对路径、“..”或隐藏文件），未解压"))
                continue
            if kind and kind != stat.S_IFREG:
                report.left_out.append((name, "是链接或特殊文件，未解压"))
                continue
            suffix = Path(parts[-1]).suffix.lower()
            if suffix == ".zip":
                report.left_out.append((name, "不解压压缩包里的压缩包"))
                continue
            if suffix not in SUPPORTED_SUFFIXES:
                report.left_out.append((name, f"不支持的文件类型 {suffix or '（无扩展名）'}"))
                continue
            if info.flag_bits & 0x1:
                report.left_out.append((name, "已加密，无法解压"))
                continue
            if info.file_size > MAX_FILE_BYTES:
                report.left_out.append((name, f"文件过大，上限 {MAX_FILE_BYTES // 1024 // 1024} MB"))
                continue
            limit = min(MAX_FILE_BYTES, MAX_TOTAL_BYTES - total, max(info.compress_size, 1) * MAX_RATIO)
            try:
                data = _read_bounded(z, info, limit)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
                report.left_out.append((name, f"已损坏，无法解压（{type(exc).__name__}）"))
                continue
            if data is None:
                if total + limit >= MAX_TOTAL_BYTES:
                    raise LoadError(f"压缩包解压后超过 {MAX_TOTAL_BYTES // 1024 // 1024} MB，未解压")
                raise LoadError("压缩包的压缩比异常（疑似“压缩炸弹”），未解压")
            total += len(data)
            target = staging.joinpath(*parts)
            if target.exists():
                report.left_out.append((name, "与前面的文件同名，未解压"))
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            report.saved.append("/".join(parts))
        (staging / MARKER).write_text(json.dumps({"sha256": hashlib.sha256(raw).hexdigest(),
                                                  "left_out": report.left_out}, ensure_ascii=False),
                                      encoding="utf-8")
        os.rename(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return report


def unpack_dropped(root: Path, files: list[Path] | None = None) -> list[tuple[str, str]]:
    """Unpack each ``.zip`` lying in the corpus into the folder beside it,
    once per archive content (a changed archive replaces the folder it made;
    a folder of the same name that it did not make is left alone).
    Returns ``(path, reason)`` for what was left out. ``files``: the
    corpus's entries, when the caller has listed them already."""
    problems: list[tuple[str, str]] = []
    for path in iter_corpus_files(root) if files is None else files:
        if path.suffix.lower() != ".zip":
            continue
        rel = path.relative_to(root).as_posix()
        folder = path.with_suffix("")
        try:
            raw = read_inside(path, root, limit=MAX_TOTAL_BYTES)
        except LoadError as exc:
            problems.append((rel, str(exc)))
            continue
        digest = hashlib.sha256(raw).hexdigest()
        made_by = _made_by(folder)
        if folder.exists() or folder.is_symlink():
            if made_by is None:
                problems.append((rel, f"已存在同名文件夹“{folder.name}”（不是由该压缩包解压的），未解压"))
                continue
            if made_by.get("sha256") == digest:
                problems.extend((f"{rel}/{n}", r) for n, r in made_by.get("left_out", []))
                continue
        # Unpacked beside the old folder, then swapped in: a refused archive keeps the old one.
        scratch = None
        try:
            scratch = Path(tempfile.mkdtemp(prefix=".unzip-new-", dir=folder.parent))
            report = unpack_zip(raw, scratch / "x")
            if made_by is not None:
                os.rename(folder, scratch / "old")
            os.rename(scratch / "x", folder)
        except LoadError as exc:
            problems.append((rel, str(exc)))
            continue
        except OSError as exc:  # a read-only corpus or a full disk: the other files still index
            problems.append((rel, f"无法解压（{exc.strerror or exc}）"))
            continue
        finally:
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)
        problems.extend((f"{rel}/{name}", reason) for name, reason in report.left_out)
    return problems


def pending_archives(root: Path) -> list[str]:
    """Archives in the corpus not yet unpacked as they are now (by content)."""
    out = []
    for path in iter_corpus_files(root):
        if path.suffix.lower() != ".zip":
            continue
        made_by = _made_by(path.with_suffix(""))
        try:
            digest = hashlib.sha256(read_inside(path, root, limit=MAX_TOTAL_BYTES)).hexdigest()
        except LoadError:
            continue  # the build reports it
        if made_by is None and path.with_suffix("").exists():
            continue  # a folder it did not make: the build reports it
        if made_by is None or made_by.get("sha256") != digest:
            out.append(path.relative_to(root).as_posix())
    return out


def _made_by(folder: Path) -> dict | None:
    """The marker of a folder this module unpacked, else None."""
    if folder.is_symlink() or not folder.is_dir():
        return None
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def load_corpus_unpacked(root: str | Path, settings: Settings | None = None,
                         known: dict[str, str] | None = None, files: list[Path] | None = None) -> LoadResult:
    """:func:`indexer.loading.load_corpus` after unpacking the ``.zip``
    archives dropped into the corpus; what an archive left out is reported
    in ``skipped`` first. ``files``: the corpus's entries listed after its
    archives were unpacked (as :func:`indexer.building.build_index` does)."""
    root = Path(root)
    if not root.is_dir():
        raise LoadError(f"语料目录不存在：{root}")
    problems = unpack_dropped(root, files)
    result = load_corpus(root, settings, known, files)
    result.skipped[:0] = [Skipped(rel, reason) for rel, reason in problems]
    return result
