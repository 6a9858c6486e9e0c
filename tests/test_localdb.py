"""The one way the small SQLite files are opened, on real files: a block is
one transaction (kept on success, undone on an error), the connection is
closed afterwards, WAL stays set in the file, autocommit leaves the
transaction to the caller, and create() makes the folder and is repeatable."""

from __future__ import annotations

import sqlite3

import pytest

from indexer.localdb import create, opened

SCHEMA = "CREATE TABLE IF NOT EXISTS t (x INTEGER)"


def rows(path) -> list[int]:
    with sqlite3.connect(path) as db:
        return [r[0] for r in db.execute("SELECT x FROM t ORDER BY x")]


def test_a_block_is_one_transaction_and_the_connection_closes(tmp_path):
    path = tmp_path / "a" / "b" / "x.sqlite"
    create(path, SCHEMA)
    create(path, SCHEMA)  # again: nothing to do, nothing lost
    with opened(path) as db:
        db.execute("INSERT INTO t VALUES (1)")
        db.execute("INSERT INTO t VALUES (2)")
    assert rows(path) == [1, 2]
    with pytest.raises(RuntimeError):
        with opened(path) as db:
            db.execute("INSERT INTO t VALUES (3)")
            raise RuntimeError("half-way")
    assert rows(path) == [1, 2]  # neither half of a failed block
    with pytest.raises(sqlite3.ProgrammingError):
        db.execute("SELECT 1")


def test_wal_stays_in_the_file_and_autocommit_leaves_transactions_to_the_caller(tmp_path):
    path = tmp_path / "x.sqlite"
    create(path, SCHEMA, wal=True)
    with sqlite3.connect(path) as plain:
        assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with opened(path, autocommit=True, wal=True) as db:
        db.execute("INSERT INTO t VALUES (1)")
        assert rows(path) == [1]  # committed at once, seen by another connection inside the block
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t VALUES (2)")
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            with opened(path, timeout=0.1) as other:  # a second writer waits for the caller's transaction
                other.execute("INSERT INTO t VALUES (3)")
        db.execute("ROLLBACK")
    assert rows(path) == [1]
