"""Tables as text that answers "……是多少": one line per row, each value
with its column header, so a passage holding one row still says what the
figure is::

    指标：地区生产总值，2025年：5.6万亿元，增长：5.3%

Cells are joined by "，", not "；": the answerer takes "；" as a sentence
end, and a row must stay one sentence so the figure and its row name meet.
A unit given once for a column (``金额（亿元）``) or in a ``单位`` column is
written after each number of that column or row, since a bare ``5000`` does
not answer "多少亿元". The rows of one table form a :class:`TableSpan` of the
document text; chunking keeps each row a passage and puts the table's name
in its section path, so the citation names the table.

Usage::

    from indexer.tables import Table, render_rows
    lines = render_rows(Table("表1", [["指标", "2025年"], ["地区生产总值", "5.6万亿元"]]))
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNIT_IN_HEADER = re.compile(r"^(.*?)[（(]\s*(?:单位[:：]\s*)?([^()（）]{1,8})\s*[)）]\s*$")
_NUMBER = re.compile(r"^[+\-−]?\d[\d,，]*(?:\.\d+)?$")
_UNIT_HEADERS = {"单位", "计量单位"}
# A paragraph right above a table that names it.
CAPTION = re.compile(r"(^表\s*[0-9０-９一二三四五六七八九十]+|表$|一览|情况表|统计表|明细|附表)")
MAX_CAPTION = 40


@dataclass(frozen=True)
class Table:
    name: str
    rows: list[list[str]]  # the first row is the header


@dataclass(frozen=True)
class TableSpan:
    """The rows of a table in the document text: ``text[start:end]``."""

    start: int
    end: int
    name: str


def _clean(cell: str) -> str:
    return re.sub(r"\s+", " ", cell.replace("\n", " ")).strip()


def _column_units(header: list[str]) -> tuple[list[str], list[str]]:
    names, units = [], []
    for h in header:
        m = _UNIT_IN_HEADER.match(h)
        if m and m.group(1).strip():
            names.append(h)
            units.append(m.group(2).strip())
        else:
            names.append(h)
            units.append("")
    return names, units


def render_rows(table: Table) -> list[str]:
    """One line per data row: ``表头：值，表头：值``. Empty rows and cells
    are left out; a table with one row keeps it as plain values."""
    rows = [[_clean(c) for c in row] for row in table.rows]
    rows = [r for r in rows if any(r)]
    if len(rows) < 2:
        return ["；".join(c for c in r if c) for r in rows]
    header, body = rows[0], rows[1:]
    names, units = _column_units(header)
    unit_col = next((i for i, h in enumerate(header) if h in _UNIT_HEADERS), None)
    out = []
    for row in body:
        row_unit = row[unit_col] if unit_col is not None and unit_col < len(row) else ""
        parts = []
        for i, value in enumerate(row):
            if not value or i == unit_col:
                continue
            unit = (units[i] if i < len(units) else "") or row_unit
            if unit and _NUMBER.match(value):
                value += unit
            name = names[i] if i < len(names) else ""
            parts.append(f"{name}：{value}" if name and name != value else value)
        if parts:
            out.append("，".join(parts))
    return out


def caption_of(paragraph: str) -> str | None:
    """The table name when ``paragraph`` (the one above a table) is a caption."""
    text = paragraph.strip()
    if text and len(text) <= MAX_CAPTION and CAPTION.search(text):
        return text
    return None
