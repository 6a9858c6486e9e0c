"""PDF: the text layer page by page (pypdf), ruled tables as one line per
row with their headers (pdfplumber's table finder), and scanned pages
through OCR (:mod:`indexer.ocr`).

Text outside tables is pypdf's own text, as before tables were found. Each
piece pypdf reads is placed by its text matrix: pieces inside a table's
box are left out and the table's rows (:mod:`indexer.tables`) stand where
the table's first piece stood, so no figure is read twice. Only pages that
draw lines or rectangles are given to pdfplumber (a page of plain text
has no ruled table), and a table is taken only when it has at least two
rows and two columns and pdfplumber read its cells cleanly; otherwise the
page reads as plain text. A table at the top of a page, with the same
columns as the table that ended the page before, continues it: it keeps
that table's name and header. Tables drawn without rules are read as
plain lines.

Usage::

    from indexer.pdf import read_pdf
    ex = read_pdf(open("统计公报.pdf", "rb").read())
    ex.tables      # (TableSpan(start=…, end=…, name="表1 主要指标完成情况表"),)
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import LoadError
from .extraction import Extracted, normalize_newlines, paged
from .tables import Table, TableSpan, caption_of, render_rows

log = logging.getLogger(__name__)
# Points a piece's start may lie outside a table's box and still be in it
# (a cell's text starts at its padding, its baseline above the bottom rule).
BOX_SLACK = 2.0
# Text between a page-ending table and a page-starting one that still lets
# the second continue the first: page numbers and running heads are short.
MAX_BETWEEN = 20
# Lines and rectangles a page must draw to be worth a table search: the
# smallest table (2 × 2) drawn cell by cell is four rectangles, by rules six
# lines; writers clip each page with one rectangle.
MIN_RULES = 4
# Writers break a long cell into lines; Chinese joins without a space.
_CJK_BREAK = re.compile(r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])\n(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])")
# pdfminer writes glyphs it cannot map as "(cid:123)": such a table reads better as pypdf's text.
_UNREADABLE = re.compile(r"\(cid:\d+\)|\ufffd")
# pypdf reads a caption's "表1" as "表 1" where the font changes at the digit.
_TABLE_NUMBER = re.compile(r"^表\s+(?=[0-9０-９一二三四五六七八九十])")


def needs_ocr(page, text: str) -> bool:
    """A page with (almost) no text layer but with images: a scan."""
    if len(re.sub(r"\s", "", text)) >= 10:
        return False
    try:
        return bool(page.images)
    except Exception:  # a damaged image dictionary: try OCR anyway
        return True


@dataclass
class _Page:
    """What pypdf read of one page: the text, its pieces with the point
    where each starts (None for spacing), and whether it draws rules."""

    text: str
    pieces: list[tuple[str, tuple[float, float] | None]]
    ruled: bool


def _read_page(page) -> _Page:
    pieces: list[tuple[str, tuple[float, float] | None]] = []
    rules = 0

    def on_text(text, cm, tm, _font, _size) -> None:
        if not text:
            return
        at = None
        if text.strip():
            at = (tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5])
        pieces.append((text, at))

    def on_operator(op, *_args) -> None:
        nonlocal rules
        rules += op in (b"re", b"l")

    text = page.extract_text(visitor_text=on_text, visitor_operand_before=on_operator) or ""
    if "".join(t for t, _ in pieces) != text:
        # The pieces are how tables are cut out; when they do not add up to
        # the text, the page is read whole, as before.
        pieces, rules = [(text, None)], 0
    return _Page(text, pieces, rules >= MIN_RULES)


@dataclass
class _Found:
    bbox: tuple[float, float, float, float]  # x0, y0, x1, y1 in PDF space (y up)
    rows: list[list[str]]


def _cell(text: str | None) -> str:
    return _CJK_BREAK.sub("", normalize_newlines(text or ""))


def _find_tables(plumber, index: int, mediabox) -> list[_Found]:
    """The ruled tables pdfplumber finds on page ``index``, top to bottom."""
    page = plumber.pages[index]
    found = []
    for t in page.find_tables():
        rows = [[_cell(c) for c in row] for row in t.extract()]
        rows = [r for r in rows if any(c.strip() for c in r)]
        if len(rows) < 2 or max(len(r) for r in rows) < 2:
            continue  # a frame around a paragraph, not a table
        if any(_UNREADABLE.search(c) for r in rows for c in r):
            continue
        x0, top, x1, bottom = t.bbox
        # pdfplumber measures from the top of the media box; pypdf in PDF space.
        left, low = float(mediabox.left), float(mediabox.bottom)
        found.append(_Found((x0 + left, page.height - bottom + low, x1 + left, page.height - top + low), rows))
    return found


def _inside(at: tuple[float, float], bbox: tuple[float, float, float, float]) -> bool:
    x, y = at
    return bbox[0] - BOX_SLACK <= x <= bbox[2] + BOX_SLACK and bbox[1] - BOX_SLACK <= y <= bbox[3] + BOX_SLACK


def _blocks(page: _Page, tables: list[_Found]) -> list[str | int]:
    """The page as pypdf's text outside the tables (strings) and the
    tables (their index), in the order pypdf read them. Spacing goes with
    the text or table it follows."""
    out: list[str | int] = []
    current: int | None = None
    for text, at in page.pieces:
        if at is not None:
            current = next((i for i, t in enumerate(tables) if _inside(at, t.bbox)), None)
            if current is not None and current not in out:
                out.append(current)
        if current is None:
            if out and isinstance(out[-1], str):
                out[-1] += text
            else:
                out.append(text)
    return out


class _Assembler:
    """Pages of text and table rows, with each table's span in its page."""

    def __init__(self) -> None:
        self.pages: list[str] = []
        self.spans: list[list[TableSpan]] = []
        self.count = 0
        self.last_line = ""  # the last line of text read: a table's caption
        # (name, header, page) of the last table, which the next page's first table may continue
        self.open: tuple[str, list[str], int] | None = None
        self.between = 0  # characters (not spaces) read since that table ended
        self.caption_since = False  # a caption was read since then: what follows is a new table

    def add_page(self, blocks: list[str | int], tables: list[_Found]) -> None:
        parts: list[str] = []
        spans: list[TableSpan] = []
        pos = 0
        for block in blocks:
            if isinstance(block, str):
                text = block.strip("\n")
                if not text.strip():
                    continue
                parts.append(text)
                pos += len(text) + 1
                self._read(text)
                continue
            name, rows = self._name_and_rows(tables[block].rows, first=not spans)
            lines = render_rows(Table(name, rows))
            if not lines:
                continue
            start = pos
            for line in lines:
                parts.append(line)
                pos += len(line) + 1
            spans.append(TableSpan(start, pos - 1, name))
            self.open, self.between, self.caption_since = (name, rows[0], len(self.pages)), 0, False
            self.last_line = ""  # a caption names the one table below it
        self.pages.append("\n".join(parts))
        self.spans.append(spans)

    def _read(self, text: str) -> None:
        self.last_line = next((l for l in reversed(text.split("\n")) if l.strip()), self.last_line)
        self.between += len(re.sub(r"\s", "", text))
        self.caption_since = self.caption_since or caption_of(self.last_line) is not None

    def _name_and_rows(self, rows: list[list[str]], first: bool) -> tuple[str, list[list[str]]]:
        """A table's name and rows: a page's first table that follows the
        last table of an earlier page with only a page number or running
        head between and as many columns continues it, under its header."""
        if (first and self.open is not None and self.open[2] < len(self.pages) and not self.caption_since
                and len(rows[0]) == len(self.open[1]) and self.between <= MAX_BETWEEN):
            name, header, _ = self.open
            return name, rows if rows[0] == header else [header] + rows
        self.count += 1
        caption = caption_of(self.last_line)
        return _TABLE_NUMBER.sub("表", caption) if caption else f"表{self.count}", rows

    def end_page_text(self, text: str) -> None:
        """A page read as plain text (a scan, or one with no tables)."""
        self.pages.append(text)
        self.spans.append([])
        if text.strip():
            self._read(text)


def read_pdf(raw: bytes, cache: Path | None = None) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            raise LoadError("PDF 文件已加密，无法读取，已跳过")
        read = [_read_page(p) for p in reader.pages]
        for r in read:
            r.text = normalize_newlines(r.text)
            r.pieces = [(normalize_newlines(t), at) for t, at in r.pieces]
        scanned = [i for i, (page, r) in enumerate(zip(reader.pages, read)) if needs_ocr(page, r.text)]
        rotated = {i for i, p in enumerate(reader.pages) if (p.rotation or 0) % 360}
        mediaboxes = [p.mediabox for p in reader.pages]
    except LoadError:
        raise
    except (PdfReadError, OSError, ValueError) as exc:
        raise LoadError("PDF 文件已损坏，无法读取，已跳过") from exc
    except Exception as exc:  # pypdf raises assorted errors on broken files
        raise LoadError("PDF 文件已损坏，无法读取，已跳过") from exc
    ocr: dict[int, str] = {}
    if scanned:
        from .ocr import ocr_pdf_pages

        ocr = ocr_pdf_pages(raw, scanned, cache)
    candidates = [i for i, r in enumerate(read) if r.ruled and i not in ocr and i not in rotated]
    found = _tables_on(raw, candidates, mediaboxes)
    out = _Assembler()
    for i, r in enumerate(read):
        if i in ocr:
            out.end_page_text(ocr[i])
        elif found.get(i):
            out.add_page(_blocks(r, found[i]), found[i])
        else:
            out.end_page_text(r.text)
    ex = paged(out.pages, ocr_pages=tuple(i + 1 for i in scanned))
    ex.tables = tuple(TableSpan(s.start + ex.page_starts[i], s.end + ex.page_starts[i], s.name)
                      for i, spans in enumerate(out.spans) for s in spans)
    return ex


def _tables_on(raw: bytes, pages: list[int], mediaboxes) -> dict[int, list[_Found]]:
    """Tables of the 0-based ``pages``; a page pdfplumber cannot read has none."""
    if not pages:
        return {}
    import pdfplumber

    out: dict[int, list[_Found]] = {}
    try:
        plumber = pdfplumber.open(io.BytesIO(raw))
    except Exception as exc:  # pdfminer rejects some files pypdf reads: they keep their text
        log.warning("PDF tables not read: %s", exc)
        return {}
    with plumber:
        for i in pages:
            try:
                out[i] = _find_tables(plumber, i, mediaboxes[i])
            except Exception as exc:  # one damaged page keeps its plain text
                log.warning("PDF page %d tables not read: %s", i + 1, exc)
    return out
