"""The audit log in OceanBase (or seekdb), for deployments whose index lives
there: every app process and API worker on every machine appends to one
chain, and backing up the database backs up the log.

Two tables in the store's database::

    partyqa_audit        the entries, columns as in indexer.audit (FIELDS)
    partyqa_audit_head   one row: the last entry's id and hash

An append locks the head row (``SELECT … FOR UPDATE``) and reads the tail
from it, inserts the entry and moves the head, all in one transaction: a
second writer waits on the row lock and then reads the new head, so the
chain cannot fork across processes or machines. (A locked row is read at its
latest committed version; a plain read of the entries table would depend on
when the statement's snapshot was taken.) Triggers refuse UPDATE and DELETE;
:meth:`~indexer.audit.ChainedLog.prune` passes the DELETE guard with a
session variable, inside its own transaction.

Usage::

    log = OceanBaseAuditLog("oceanbase://root:…@127.0.0.1:2881/partyqa")
    log.append("zhang", "ask", target="默认", detail="全市开展了多少项科普活动？")
    log.verify().ok
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .audit import ChainedLog, Entry, Run
from .store.oceanbase import OceanBaseStore

GUARD = "audit log is append-only"
SCHEMA = (
    # TEXT, not VARCHAR(n): an over-long user name or path must not fail the append
    # (strict mode) or come back shortened (the hash would no longer match).
    """CREATE TABLE IF NOT EXISTS partyqa_audit (
        id BIGINT PRIMARY KEY, at VARCHAR(40) NOT NULL, `user` TEXT NOT NULL, action VARCHAR(64) NOT NULL,
        target TEXT NOT NULL, detail LONGTEXT NOT NULL, source TEXT NOT NULL,
        prev CHAR(64) NOT NULL, hash CHAR(64) NOT NULL, KEY idx_at (at))""",
    "CREATE TABLE IF NOT EXISTS partyqa_audit_head (id INT PRIMARY KEY, last_id BIGINT NOT NULL, "
    "last_hash CHAR(64) NOT NULL)",
    f"""CREATE TRIGGER IF NOT EXISTS partyqa_audit_no_update BEFORE UPDATE ON partyqa_audit FOR EACH ROW
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{GUARD}'""",
    f"""CREATE TRIGGER IF NOT EXISTS partyqa_audit_no_delete BEFORE DELETE ON partyqa_audit FOR EACH ROW
        BEGIN IF @partyqa_audit_prune IS NULL THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{GUARD}'; END IF; END""",
)


class OceanBaseAuditLog(ChainedLog):
    TABLE = "partyqa_audit"
    MARK = "%s"

    def __init__(self, url: str):
        self.db = OceanBaseStore(url)
        self.db.create_database()
        for sql in SCHEMA:
            self.db.query(sql)
        if not self.db.query("SELECT 1 FROM partyqa_audit_head WHERE id = 1"):
            # The head starts at the table's last entry; IGNORE: another process may start it first.
            self.db.query("INSERT IGNORE INTO partyqa_audit_head VALUES (1, %s, %s)", super()._tail(self.db.query))

    @contextmanager
    def _locked(self) -> Iterator[Run]:
        with self.db.transaction() as run:
            self._tail(run)  # the head row's lock, held until the commit
            yield run

    def _tail(self, run: Run) -> tuple[int, str]:
        last_id, last_hash = run("SELECT last_id, last_hash FROM partyqa_audit_head WHERE id = 1 FOR UPDATE")[0]
        return int(last_id), last_hash

    def _appended(self, run: Run, entry: Entry) -> None:
        run("UPDATE partyqa_audit_head SET last_id = %s, last_hash = %s WHERE id = 1", (entry.id, entry.hash))

    def _rows(self, sql: str, args: tuple = ()) -> list[tuple]:
        return self.db.query(sql, args)

    def _delete_through(self, run: Run, last: int) -> None:
        # DDL would commit the transaction (and drop the lock), so the guard is
        # passed with a session variable instead of being dropped as in SQLite.
        run("SET @partyqa_audit_prune = 1")
        try:
            run("DELETE FROM partyqa_audit WHERE id <= %s", (last,))
        finally:
            run("SET @partyqa_audit_prune = NULL")
