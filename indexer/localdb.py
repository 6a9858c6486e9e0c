"""The small SQLite databases under ``PARTYQA_DATA`` (accounts, knowledge
bases, history, audit log, quote basket): one way to open them.

Usage::

    from indexer.localdb import opened
    create(path, "CREATE TABLE IF NOT EXISTS t (x INT)")   # folder and tables, once
    with opened(path, wal=True) as db:      # one transaction, committed on success
        db.execute("INSERT INTO t VALUES (1)")
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def opened(path: str | Path, *, timeout: float = 30, wal: bool = False,
           autocommit: bool = False) -> Iterator[sqlite3.Connection]:
    """A connection to ``path``, closed afterwards. By default the block is one
    transaction; with ``autocommit`` the caller opens its own (BEGIN IMMEDIATE).
    WAL lets readers go on while one process writes."""
    db = sqlite3.connect(path, timeout=timeout, isolation_level=None if autocommit else "")
    try:
        if wal:
            db.execute("PRAGMA journal_mode=WAL")
        if autocommit:
            yield db
        else:
            with db:
                yield db
    finally:
        db.close()


def create(path: Path, schema: str, **kw) -> None:
    """Make ``path``'s folder and run ``schema`` (CREATE … IF NOT EXISTS) in it;
    ``kw`` as for :func:`opened`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with opened(path, **kw) as db:
        db.executescript(schema)
