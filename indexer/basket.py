"""The quote basket (摘录篮), kept per user in SQLite under the data folder,
so that a reload, a restart or a crash loses nothing.

Each item remembers the source span it was taken from (``src_start``,
``src_end``, ``source``), so that it can later be trimmed to any sub-span
and still be the source's own characters at its own offsets.

Usage::

    from indexer.basket import Basket
    b = Basket("data/partyqa.sqlite", user="u-…")
    item_id = b.add(quote)                    # an exporting.Quote
    b.trim(item_id, "18153项全域科普活动")      # keep a phrase of the source span
    b.move(item_id, -1); b.delete(item_id); b.clear()
    quotes = b.quotes()                       # in the user's order
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import TrimError
from .exporting import Quote
from .localdb import create, opened

SCHEMA = """
CREATE TABLE IF NOT EXISTS quotes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user TEXT NOT NULL,
    position REAL NOT NULL,
    doc TEXT NOT NULL, title TEXT NOT NULL, section TEXT NOT NULL,
    body TEXT NOT NULL, date TEXT NOT NULL, page INTEGER,
    text TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    source TEXT NOT NULL, src_start INTEGER NOT NULL, src_end INTEGER NOT NULL,
    added REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS quotes_user ON quotes (user, position);
CREATE TABLE IF NOT EXISTS settings (
    user TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (user, name)
);
"""


@dataclass(frozen=True)
class Item:
    id: int
    quote: Quote
    source: str  # the span the quote was taken from; trims stay inside it
    src_start: int
    src_end: int


def find_subspan(source: str, wanted: str, near: int = 0) -> int | None:
    """Offset of ``wanted`` in ``source`` (the occurrence nearest ``near``),
    after trimming surrounding whitespace; None if it is not a substring."""
    at, best = source.find(wanted), None
    while at >= 0:
        if best is None or abs(at - near) < abs(best - near):
            best = at
        at = source.find(wanted, at + 1)
    return best


class Basket:
    """One user's quotes. Connections are short-lived so that several
    Streamlit sessions (threads) and processes can share the file."""

    _init_lock = threading.Lock()

    OPEN = {"timeout": 10, "wal": True}  # how opened() opens this file

    def __init__(self, path: str | Path, user: str):
        self.path = Path(path)
        self.user = user
        with self._init_lock:
            create(self.path, SCHEMA, **self.OPEN)

    def _db(self):
        return opened(self.path, **self.OPEN)  # one transaction

    def items(self) -> list[Item]:
        with self._db() as db:
            rows = db.execute(
                'SELECT id, doc, title, section, body, date, page, text, start, "end", source, src_start, src_end '
                "FROM quotes WHERE user = ? ORDER BY position, id", (self.user,)).fetchall()
        return [Item(r[0], Quote(r[7], r[2], r[3], r[1], r[8], r[9], r[4], r[5], r[6]), r[10], r[11], r[12])
                for r in rows]

    def quotes(self) -> list[Quote]:
        return [i.quote for i in self.items()]

    def __len__(self) -> int:
        with self._db() as db:
            return db.execute("SELECT COUNT(*) FROM quotes WHERE user = ?", (self.user,)).fetchone()[0]

    def contains(self, doc: str, start: int, end: int) -> bool:
        with self._db() as db:
            return db.execute('SELECT 1 FROM quotes WHERE user = ? AND doc = ? AND start = ? AND "end" = ?',
                              (self.user, doc, start, end)).fetchone() is not None

    def add(self, q: Quote) -> int | None:
        """Append ``q``; None when the same span is already in the basket."""
        with self._db() as db:
            if db.execute('SELECT 1 FROM quotes WHERE user = ? AND doc = ? AND start = ? AND "end" = ?',
                          (self.user, q.doc, q.start, q.end)).fetchone():
                return None
            pos = db.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM quotes WHERE user = ?",
                             (self.user,)).fetchone()[0]
            cur = db.execute(
                'INSERT INTO quotes (user, position, doc, title, section, body, date, page, text, start, "end", '
                "source, src_start, src_end, added) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (self.user, pos, q.doc, q.title, q.section, q.body, q.date, q.page, q.text, q.start, q.end,
                 q.text, q.start, q.end, time.time()))
            return cur.lastrowid

    def _get(self, db, item_id: int):
        row = db.execute('SELECT text, start, "end", source, src_start, src_end FROM quotes WHERE user = ? AND id = ?',
                         (self.user, item_id)).fetchone()
        if row is None:
            raise KeyError(item_id)
        return row

    def trim(self, item_id: int, wanted: str) -> Quote:
        """Keep only ``wanted``, which must be a contiguous part of the span the
        quote was taken from (deleting words at the start and end, not editing)."""
        wanted = wanted.strip()
        if not wanted:
            raise TrimError("裁剪后的摘录不能为空。")
        with self._db() as db:
            text, start, _end, source, src_start, _src_end = self._get(db, item_id)
            at = find_subspan(source, wanted, near=start - src_start)
            if at is None:
                raise TrimError("只能删去首尾的文字，不能改动原文。请从原文中选取连续的一段。")
            new_start = src_start + at
            db.execute('UPDATE quotes SET text = ?, start = ?, "end" = ? WHERE user = ? AND id = ?',
                       (wanted, new_start, new_start + len(wanted), self.user, item_id))
        return next(i.quote for i in self.items() if i.id == item_id)

    def untrim(self, item_id: int) -> None:
        """Back to the whole span the quote was taken from."""
        with self._db() as db:
            db.execute('UPDATE quotes SET text = source, start = src_start, "end" = src_end WHERE user = ? AND id = ?',
                       (self.user, item_id))

    def move(self, item_id: int, step: int) -> None:
        """Swap with the neighbour ``step`` places away (-1 up, +1 down)."""
        ids = [i.id for i in self.items()]
        if item_id not in ids:
            return
        i = ids.index(item_id)
        j = max(0, min(len(ids) - 1, i + step))
        ids.insert(j, ids.pop(i))
        with self._db() as db:
            db.executemany("UPDATE quotes SET position = ? WHERE user = ? AND id = ?",
                           [(n, self.user, x) for n, x in enumerate(ids, 1)])

    def delete(self, item_id: int) -> None:
        with self._db() as db:
            db.execute("DELETE FROM quotes WHERE user = ? AND id = ?", (self.user, item_id))

    def clear(self) -> int:
        with self._db() as db:
            return db.execute("DELETE FROM quotes WHERE user = ?", (self.user,)).rowcount

    def setting(self, name: str, default: str = "") -> str:
        with self._db() as db:
            row = db.execute("SELECT value FROM settings WHERE user = ? AND name = ?", (self.user, name)).fetchone()
        return row[0] if row else default

    def set_setting(self, name: str, value: str) -> None:
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO settings (user, name, value) VALUES (?, ?, ?)", (self.user, name, value))


def with_meta(q: Quote, meta: dict) -> Quote:
    """``q`` with the document's current issuing body and date (they may have
    been corrected in the catalog since the quote was collected)."""
    return replace(q, body=str(meta.get("body") or q.body), date=str(meta.get("date") or q.date))
