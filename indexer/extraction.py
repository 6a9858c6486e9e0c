"""Text extracted from one file, with what its format says about its
structure (headings, pages, table rows), offsets exact by construction.
The format readers (:mod:`indexer.ocr`, :mod:`indexer.ofd`,
:mod:`indexer.webpages`, …) build it; :mod:`indexer.loading` turns it into a
:class:`~indexer.loading.Document`.

Usage::

    from indexer.extraction import TextBuilder, paged
    b = TextBuilder()
    b.add("一、总体情况", level=1)
    b.add("全年开展活动18项。")
    b.result().headings      # (Heading(start=0, end=6, level=1),)
    paged(["第一页", "第二页"]).page_starts   # (0, 4)
"""

from __future__ import annotations

from dataclasses import dataclass

from .tables import Table, TableSpan, caption_of, render_rows


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass(frozen=True)
class Heading:
    """A heading known from the file format itself (``.docx`` styles)."""

    start: int
    end: int
    level: int


@dataclass
class Extracted:
    """What a format reader gives back: the text and what the format itself
    says about its structure. Offsets are into ``text``."""

    text: str
    headings: tuple[Heading, ...] = ()
    page_starts: tuple[int, ...] = ()
    title: str = ""
    date: str = ""
    tables: tuple[TableSpan, ...] = ()
    ocr_pages: tuple[int, ...] = ()
    replaced: tuple[int, ...] = ()


class TextBuilder:
    """Joins paragraphs with ``\n`` while recording where headings and
    table rows land, so every offset is exact by construction."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.headings: list[Heading] = []
        self.tables: list[TableSpan] = []

    def add(self, line: str, level: int | None = None) -> None:
        line = normalize_newlines(line)
        if level is not None and line.strip():
            self.headings.append(Heading(self.pos, self.pos + len(line), level))
        self.parts.append(line)
        self.pos += len(line) + 1

    def add_table(self, table: Table) -> None:
        rows = render_rows(table)
        if not rows:
            return
        start = self.pos
        for row in rows:
            self.add(row)
        self.tables.append(TableSpan(start, self.pos - 1, table.name))

    def table_name(self, default_number: int) -> str:
        """The paragraph above as the caption, else 表N."""
        last = next((p for p in reversed(self.parts) if p.strip()), "")
        return caption_of(last) or f"表{default_number}"

    def result(self, **kw) -> Extracted:
        return Extracted("\n".join(self.parts), tuple(self.headings), tables=tuple(self.tables), **kw)


def paged(pages: list[str], **kw) -> Extracted:
    """Pages joined with ``\n``, with the offset where each begins."""
    starts, pos = [], 0
    for text in pages:
        starts.append(pos)
        pos += len(text) + 1
    return Extracted("\n".join(pages), page_starts=tuple(starts), **kw)
