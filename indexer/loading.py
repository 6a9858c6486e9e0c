"""Load reports from a corpus folder into :class:`Document` objects.

Text files are decoded by BOM, then strict UTF-8, then charset-normalizer
(GB18030/GBK, UTF-16 without BOM, ...); a UTF-8 file with a few bad bytes
is read with each bad byte replaced by U+FFFD and the places reported.
``.docx`` keeps its heading styles and tables (:mod:`indexer.tables`),
``.pdf`` keeps page boundaries for citations and its ruled tables
(:mod:`indexer.pdf`). A file is read for what its
content is (:mod:`indexer.sniffing`): ``.doc``/``.wps`` through LibreOffice
(:mod:`indexer.converting`), scanned pages and images through OCR
(:mod:`indexer.ocr`), ``.ofd`` (:mod:`indexer.ofd`), saved web pages
(:mod:`indexer.webpages`); ``.zip`` archives are unpacked beside
themselves (:mod:`indexer.archives`). Line endings become ``\\n``; nothing else in the text is touched,
so every quote is the source's own.

The corpus folder is a jail: a file is read only when its real path lies
inside the folder and it is a regular file. Links leading outside (to
``/etc/passwd``, ``/proc/self/environ``), FIFOs, devices and sockets are
refused with a reason and never opened.

Usage::

    from indexer.loading import load_corpus
    result = load_corpus("corpus")
    for doc in result.documents:
        print(doc.path, doc.title)
    for skipped in result.skipped:
        print(skipped.path, skipped.reason)      # reasons are in Chinese
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .config import MAX_FILE_BYTES, Settings
from .errors import LoadError
from .metadata import DOC_NUMBER, MASTHEAD, detect
from .places import find_places
from .residue import residue_lines
from .extraction import Extracted, Heading, TextBuilder, normalize_newlines
from .tables import Table, TableSpan

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".doc", ".wps", ".ofd", ".html", ".htm", ".mhtml", ".mht",
                      ".png", ".jpg", ".jpeg", ".tif", ".tiff")
SUPPORTED_TEXT = ".txt/.md/.docx/.doc/.wps/.pdf/.ofd/.html/.htm/.mhtml/.png/.jpg/.tif"
# What the content of a file with each suffix may be (see indexer.sniffing):
# a .doc that is really a .docx (renamed by a user or saved so by WPS) is read as one.
SUFFIX_KINDS = {
    ".txt": ("text", "html"), ".md": ("text", "html"), ".docx": ("docx", "ole", "zip"), ".doc": ("ole", "docx"),
    ".wps": ("ole", "docx"), ".pdf": ("pdf",), ".ofd": ("ofd", "zip"), ".html": ("html", "text"),
    ".htm": ("html", "text"), ".mhtml": ("mhtml",), ".mht": ("mhtml",), ".png": ("png",), ".jpg": ("jpeg",),
    ".jpeg": ("jpeg",), ".tif": ("tiff",), ".tiff": ("tiff",),
}
CATALOG_NAME = "catalog.toml"
# A UTF-8 file is read with replacements when at most this share of its bytes
# is invalid and its valid part is evidently UTF-8 (see decode_text).
MAX_BAD_SHARE = 0.05


@dataclass(frozen=True)
class Document:
    path: str  # relative to the corpus root, POSIX separators
    title: str
    text: str
    sha256: str
    body: str = ""  # issuing body, e.g. 市科协党组
    date: str = ""
    place: str = ""  # administrative division the document is about (see indexer.metadata)
    year: int | None = None  # the year the report was made
    kind: str = ""  # 工作报告, 总结, 讲话 …
    headings: tuple[Heading, ...] = ()
    page_starts: tuple[int, ...] = ()  # paged formats (PDF, OFD, images): offset where each page begins
    replaced: tuple[int, ...] = ()  # offsets of U+FFFD put in place of undecodable bytes
    tables: tuple[TableSpan, ...] = ()  # rows of tables, one line per row (see indexer.tables)
    ocr_pages: tuple[int, ...] = ()  # 1-based pages whose text came from OCR

    def page_at(self, offset: int) -> int | None:
        """1-based page number holding ``offset`` (paged formats only)."""
        if not self.page_starts:
            return None
        page = 0
        for i, start in enumerate(self.page_starts):
            if start <= offset:
                page = i
        return page + 1


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass
class LoadResult:
    documents: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    # Files passed as ``known`` (unchanged since the live index was built):
    # not read again; their relative paths, in corpus order.
    kept: list[str] = field(default_factory=list)
    # Every document's relative path, loaded or kept, in corpus order.
    order: list[str] = field(default_factory=list)


def _mostly_text(text: str) -> bool:
    if not text or "\x00" in text:
        return False
    printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in text)
    return printable / len(text) > 0.97


_ESCAPED = re.compile(r"[\udc80-\udcff]")


def _utf8_replacing(data: bytes) -> tuple[str, tuple[int, ...]] | None:
    """UTF-8 with each invalid byte replaced by U+FFFD, or None when the bytes
    are not mostly UTF-8. Requiring many valid multi-byte characters per bad
    byte keeps a GBK file that is mostly ASCII from being taken for UTF-8."""
    text = data.decode("utf-8", errors="surrogateescape")
    bad = [m.start() for m in _ESCAPED.finditer(text)]
    if not bad:
        return text, ()
    multibyte = sum(1 for ch in text if ord(ch) > 0x7F) - len(bad)
    if len(bad) > MAX_BAD_SHARE * len(data) or multibyte < 10 * len(bad):
        return None
    return _ESCAPED.sub("\ufffd", text), tuple(bad)


def decode_text(data: bytes) -> tuple[str, tuple[int, ...]]:
    """Decode a text file's bytes into the text and the offsets of characters
    replaced because their bytes were invalid; raise :class:`LoadError` when
    it is not text."""
    if data.startswith(codecs.BOM_UTF8):
        got = _utf8_replacing(data[len(codecs.BOM_UTF8):])
        if got is None:
            raise LoadError("文件声明为 UTF-8 编码，但大部分内容无法按该编码读取")
        return got
    for bom, enc in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(enc, errors="strict"), ()
            except UnicodeDecodeError as exc:
                raise LoadError(f"文件声明为 {enc.upper()} 编码，但内容无法按该编码读取") from exc
    if b"\x00" in data:
        # Text with NUL bytes can only be UTF-16 without a BOM; anything else is binary.
        for enc in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(enc, errors="strict")
            except UnicodeDecodeError:
                continue
            if _mostly_text(text):
                return text, ()
        raise LoadError("文件不是文本（含有二进制内容或空字符），已跳过")
    try:
        return data.decode("utf-8"), ()
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and _mostly_text(str(best)):
        return str(best), ()
    got = _utf8_replacing(data)
    if got is None or not _mostly_text(got[0]):
        raise LoadError("无法识别文件编码或文件不是文本，请另存为 UTF-8 后重试")
    return got


def decode_bytes(data: bytes) -> str:
    """Decode a text file's bytes; raise :class:`LoadError` when it is not text."""
    return decode_text(data)[0]


_TITLE_END = re.compile(r"[。；，、：:;,！？!?]$")
_NUMBERED = re.compile(r"^\s*(第[一二三四五六七八九十百]+部分|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.．、])")
_HASHY = re.compile(r"^[0-9a-f_\-]+$", re.I)
_DATE_VENUE = re.compile(r"^[—-]*\s*[（(]?\d{4}年\d{1,2}月\d{1,2}日在")


def detect_title(text: str, path: Path) -> str:
    """The document's own title block where it has one (short lines before
    the body, joined), else its first sentence, never a hash-like name."""
    lines: list[str] = []
    residue = {s for s, _ in residue_lines(text)}
    pos = 0
    for raw in text.split("\n"):
        line = raw.strip()
        at, pos = pos, pos + len(raw) + 1
        if not line or at in residue or MASTHEAD.match(line) or DOC_NUMBER.match(line):
            continue
        # ——2026年1月28日在…会议上 gives the date and venue: the title block is above it.
        if _DATE_VENUE.match(line):
            break
        if len(line) > 40 or _NUMBERED.match(line) or line.startswith("按："):
            break
        if _TITLE_END.search(line) and not line.endswith("）"):
            break
        lines.append(line)
        if len(lines) == 4:
            break
    # A speech's title block ends with the speaker or the date line; keep the
    # lines that carry the title itself.
    lines = [l for l in lines if not re.fullmatch(r"（?\d{4}年\d{1,2}月\d{1,2}日）?", l)]
    speech = [l.lstrip("—- ") for l in lines if l.startswith(("——", "—"))]
    if speech:
        return re.sub(r"（征求意见稿）$", "", speech[0])
    stem = path.stem.replace("_", " ").strip()
    readable_stem = bool(stem) and not _HASHY.match(path.stem)
    if lines and len("".join(lines)) <= 60:
        title = "".join(lines)
        # A generic title (政府工作报告) says less than a file name that holds it or names the place.
        if readable_stem and len(stem) > len(title) and (
                title in stem.replace(" ", "") or (find_places(stem) and not find_places(title))):
            return stem
        return title
    if readable_stem:
        return stem
    first = re.split(r"[。！？\n]", text.strip(), maxsplit=1)[0].strip()
    return (first[:24] + "…") if len(first) > 24 else first or path.name


def read_catalog(root: Path) -> dict[str, dict]:
    """Per-document title/body/date set by users in ``corpus/catalog.toml``::

        ["000_report.txt"]
        title = "市科协党组落实全面从严治党主体责任情况报告"
        body = "市科协党组"
        date = "2023-12"
    """
    path = root / CATALOG_NAME
    if not path.exists() and not path.is_symlink():
        return {}
    try:
        data = tomllib.loads(read_inside(path, root).decode("utf-8"))
    except LoadError as exc:
        raise LoadError(f"目录文件 {CATALOG_NAME} {exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LoadError(f"目录文件 {CATALOG_NAME} 格式有误：{exc}") from exc
    return {k: v for k, v in data.items() if isinstance(v, dict)}


def _load_docx(raw: bytes) -> Extracted:
    import io

    import docx
    from docx.table import Table as DocxTable

    try:
        d = docx.Document(io.BytesIO(raw))
    except Exception as exc:  # PackageNotFoundError, zipfile.BadZipFile, lxml errors
        raise LoadError("Word 文件已损坏、加密或不是 .docx 格式，已跳过") from exc
    out = TextBuilder()
    title = (d.core_properties.title or "").strip()
    n_tables = 0
    for block in d.iter_inner_content():
        if isinstance(block, DocxTable):
            n_tables += 1
            out.add_table(Table(out.table_name(n_tables), _docx_rows(block)))
            continue
        text = block.text
        style = (block.style.name if block.style is not None else "") or ""
        level = None
        m = re.match(r"(?:Heading|标题)\s*(\d)", style)
        if m:
            level = int(m.group(1))
        elif style in ("Title", "标题"):
            level = 0
            if not title:
                title = text.strip()
        out.add(text, level)
    return out.result(title=title)


def _docx_rows(table) -> list[list[str]]:
    rows = []
    for row in table.rows:
        cells, last = [], None
        for cell in row.cells:
            # A merged cell is returned once per grid column it spans.
            if cell._tc is last:
                continue
            last = cell._tc
            cells.append(cell.text)
        rows.append(cells)
    return rows


def _after_newlines(text: str, offsets: tuple[int, ...]) -> tuple[int, ...]:
    """``offsets`` in ``text`` moved to where they fall once CRLF became LF."""
    out, removed, at = [], 0, 0
    for o in offsets:
        removed += text.count("\r\n", at, o)
        at = o
        out.append(o - removed)
    return tuple(out)


_KINDS = ((stat.S_ISFIFO, "命名管道（FIFO）"), (stat.S_ISCHR, "字符设备"), (stat.S_ISBLK, "块设备"),
          (stat.S_ISSOCK, "套接字"), (stat.S_ISDIR, "文件夹"))


def _not_regular(mode: int) -> str | None:
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return None if stat.S_ISREG(mode) else "特殊文件"


def inside_path(path: Path, root: Path) -> Path:
    """The real path of ``path`` if it is a regular file inside ``root``;
    :class:`LoadError` with the reason otherwise. Nothing is opened."""
    real_root = root.resolve()
    try:
        real = path.resolve(strict=True)
    except FileNotFoundError as exc:
        raise LoadError("文件已不存在，或是指向不存在文件的链接，已跳过") from exc
    except (OSError, RuntimeError) as exc:  # link loops, unreadable folders
        raise LoadError("链接无法解析（可能是循环链接），已跳过") from exc
    if real != real_root and real_root not in real.parents:
        where = "系统目录 /proc" if real.parts[:2] == ("/", "proc") else "语料目录之外"
        raise LoadError(f"是指向{where}的链接；出于安全考虑，只读取语料目录里的文件")
    try:
        mode = os.stat(real).st_mode
    except FileNotFoundError as exc:
        raise LoadError("文件已不存在，已跳过") from exc
    kind = _not_regular(mode)
    if kind:
        raise LoadError(f"是{kind}而不是普通文件，不读取")
    return real


def read_inside(path: Path, root: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path`` under the corpus jail (see :func:`inside_path`).
    The file is opened without following a link and checked again once
    open, so swapping it for a link or a FIFO meanwhile gains nothing."""
    real = inside_path(path, root)
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_NOCTTY)
    except FileNotFoundError as exc:
        raise LoadError("文件在读取时已不存在，已跳过") from exc
    except PermissionError as exc:
        raise LoadError("没有读取该文件的权限") from exc
    except OSError as exc:  # ELOOP: replaced by a link after the check
        raise LoadError("文件在读取时被替换为链接，已跳过") from exc
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        kind = _not_regular(st.st_mode)
        if kind:
            raise LoadError(f"是{kind}而不是普通文件，不读取")
        if st.st_size > limit:
            raise LoadError(f"文件过大（{st.st_size // 1024 // 1024} MB），上限 {limit // 1024 // 1024} MB")
        try:
            return f.read(limit + 1)
        except OSError as exc:
            raise LoadError("读取文件时出错，已跳过") from exc


def load_document(path: Path, root: Path, catalog: dict[str, dict] | None = None,
                  settings: Settings | None = None) -> Document:
    """Load one file; raise :class:`LoadError` with a Chinese reason on failure.
    ``settings``: the conversion timeout and the cache of conversions and OCR."""
    rel = path.relative_to(root).as_posix()
    suffix = path.suffix.lower()
    raw = read_inside(path, root)
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(f"不支持的文件类型 {suffix or '（无扩展名）'}，仅支持 {SUPPORTED_TEXT}")
    if len(raw) > MAX_FILE_BYTES:  # grew while being read
        raise LoadError(f"文件过大，上限 {MAX_FILE_BYTES // 1024 // 1024} MB")
    ex = extract(raw, suffix, settings)
    text = ex.text
    if "\x00" in text:
        raise LoadError("文件含有空字符（NUL），可能不是文本文件，已跳过")
    if not text.strip():
        raise LoadError("文件为空或只有空白，已跳过")
    entry = (catalog or {}).get(rel, {})
    meta = detect(text, rel, title=ex.title or detect_title(text, path), date=ex.date, overrides=entry)
    return Document(
        path=rel, title=meta.title, text=text, sha256=hashlib.sha256(raw).hexdigest(),
        body=meta.body, date=meta.date, place=meta.place, year=meta.year, kind=meta.kind,
        headings=ex.headings, page_starts=ex.page_starts, replaced=ex.replaced, tables=ex.tables,
        ocr_pages=ex.ocr_pages,
    )


def extract(raw: bytes, suffix: str, settings: Settings | None = None) -> Extracted:
    """The text of a file's bytes, read for what its content is (checked
    against its suffix), by the reader for that format."""
    from .sniffing import KIND_NAMES, sniff

    settings = settings or Settings()

    kind = sniff(raw)
    if kind == "encrypted-office":
        raise LoadError("文件设有打开密码（已加密），无法读取，已跳过")
    if kind not in SUFFIX_KINDS.get(suffix, ()):
        raise LoadError(f"文件内容是{KIND_NAMES.get(kind, kind)}，与扩展名 {suffix} 不符，已跳过")
    if kind == "docx" or (kind == "zip" and suffix == ".docx"):  # a damaged .docx says so itself
        return _load_docx(raw)
    if kind == "ole":
        from .converting import doc_to_docx

        return _load_docx(doc_to_docx(raw, settings.convert_timeout, settings.derived))
    if kind == "pdf":
        from .pdf import read_pdf

        return read_pdf(raw, settings.derived)
    if kind == "ofd" or (kind == "zip" and suffix == ".ofd"):
        from .ofd import read_ofd

        return read_ofd(raw)
    if kind in ("png", "jpeg", "tiff"):
        from .ocr import ocr_image

        return ocr_image(raw, settings.derived)
    if kind == "mhtml" or (kind == "html" and suffix in (".html", ".htm")):
        from .webpages import read_webpage

        return read_webpage(raw, mhtml=kind == "mhtml")
    text, replaced = decode_text(raw)
    replaced = _after_newlines(text, replaced)
    return Extracted(normalize_newlines(text), replaced=replaced)


def file_signature(path: Path) -> list:
    """What changes when the entry at ``path`` changes, without reading it:
    type, size, times and inode of the entry and, for a link, of its target
    and where it points. Equal signatures let a build trust the recorded
    SHA-256 instead of hashing the file again (as make and rsync do)."""
    def fields(st: os.stat_result) -> list:
        return [st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]

    try:
        st = os.lstat(path)
    except OSError:
        return [None]
    sig = fields(st)
    if stat.S_ISLNK(st.st_mode):
        try:
            sig += fields(os.stat(path)) + [os.readlink(path)]
        except OSError:
            sig.append(None)
    return sig


def iter_corpus_files(root: Path) -> list[Path]:
    """Every entry under ``root`` that is not a folder: files, links (to
    anything), FIFOs and devices too, so that each can be refused with a
    reason rather than silently followed or ignored. Hidden names and the
    catalog are left out; links to folders are listed, never descended into."""
    out = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        base = Path(folder)
        keep = []
        for d in dirs:
            if d.startswith("."):
                continue
            if (base / d).is_symlink():
                out.append(base / d)
            else:
                keep.append(d)
        dirs[:] = keep
        out.extend(base / f for f in files if not f.startswith("."))
    return sorted(p for p in out if p.name != CATALOG_NAME)


def load_corpus(root: str | Path, settings: Settings | None = None, known: dict[str, str] | None = None,
                files: list[Path] | None = None) -> LoadResult:
    """Load every supported file under ``root`` and its subfolders (the
    relative path is the document id); ``.zip`` archives are left to
    :func:`indexer.archives.load_corpus_unpacked`. Unreadable files are
    reported in ``skipped`` and never stop the others. Byte-identical files
    under two names are kept once.

    ``known`` maps relative paths to the SHA-256 their content had when the
    live index was built, for files whose stat signature has not moved
    since: they are not read again but listed in ``kept``, so that updating
    a large archive reads only what changed. ``files``: the corpus's
    entries as :func:`iter_corpus_files` lists them, when the caller has
    them already (walking 10,000 files costs 0.4 s)."""
    root = Path(root)
    if not root.is_dir():
        raise LoadError(f"语料目录不存在：{root}")
    known = known or {}
    result = LoadResult()
    catalog = read_catalog(root)
    seen: dict[str, str] = {}
    for path in iter_corpus_files(root) if files is None else files:
        rel = path.relative_to(root).as_posix()
        if path.suffix.lower() == ".zip":
            continue  # unpacked into the folder beside it (indexer.archives.load_corpus_unpacked)
        sha = known.get(rel)
        doc = None
        if sha is None:
            try:
                doc = load_document(path, root, catalog, settings)
            except LoadError as exc:
                result.skipped.append(Skipped(rel, str(exc)))
                continue
            sha = doc.sha256
        if sha in seen:
            result.skipped.append(Skipped(rel, f"与 {seen[sha]} 内容完全相同，已跳过重复文件"))
            continue
        seen[sha] = rel
        result.order.append(rel)
        if doc is None:
            result.kept.append(rel)
        else:
            result.documents.append(doc)
    return result
