"""The audit log: who did what, when, from where — logins, questions,
exports, uploads, metadata edits, deletes, rebuilds, user changes.

Append-only and hash-chained: each entry stores the SHA-256 of the previous
entry's hash and its own fields, so editing, inserting or deleting any
entry breaks the chain from there on (:meth:`ChainedLog.verify`). Triggers
refuse UPDATE and DELETE as well; the chain is what catches someone who
drops them. Appends take the log's write lock before reading the previous
hash, so concurrent writers (Streamlit sessions, API workers, several
processes) never fork the chain.

Retention (``PARTYQA_AUDIT_DAYS``, default 180: China's Cybersecurity Law
asks for at least six months of logs; 0 keeps everything): :meth:`prune`
removes older entries and appends an ``audit.prune`` entry naming the hash
the remaining chain starts from, which :meth:`verify` accepts as an anchor.

The chain (hashing, appending, verifying, pruning, CSV) is
:class:`ChainedLog`; a backend only says how to lock, read and delete.
:class:`AuditLog` keeps the log in SQLite under ``PARTYQA_DATA`` (the
default); :mod:`indexer.audit_oceanbase` keeps it in OceanBase for
deployments whose index lives there.

Usage::

    log = AuditLog("data/audit.sqlite")
    log.append("zhang", "ask", target="纪检", detail="全市开展了多少项科普活动？", source="10.0.0.7")
    log.verify()          # Verification(ok=True, entries=1, broken_at=None)
    log.export_csv(path)  # Chinese column names, for admins
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import astuple, dataclass
from pathlib import Path

from .config import AUDIT_DAYS
from .localdb import create, opened

GENESIS = "0" * 64
ACTIONS = {
    "login": "登录", "login.failed": "登录失败", "logout": "退出",
    "ask": "提问", "search": "检索", "documents": "查看文档列表", "quote": "加入摘录", "export": "导出",
    "upload": "上传", "edit": "修改文档信息", "delete": "删除文档", "restore": "恢复文档", "rebuild": "重建索引",
    "user.add": "新增用户", "user.passwd": "修改密码", "user.disable": "停用用户", "user.enable": "启用用户",
    "user.role": "修改角色", "kb.add": "新增知识库", "kb.grant": "授权", "kb.revoke": "收回授权",
    "feedback": "反馈", "feedback.export": "导出反馈", "audit.export": "导出审计日志", "audit.prune": "清理过期日志",
    "refused": "越权被拒",
}
COLUMNS = ("编号", "时间", "用户", "操作", "对象", "详情", "来源", "哈希")
# Backquoted: `user` is a function name in MySQL; SQLite reads the quotes too.
FIELDS = "id, at, `user`, action, target, detail, source, prev, hash"

# run(sql, args) -> rows: one statement inside a backend's locked transaction.
Run = Callable[..., list]

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, user TEXT NOT NULL, action TEXT NOT NULL,
    target TEXT NOT NULL, detail TEXT NOT NULL, source TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
"""
NO_DELETE = ("CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
             "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;")


@dataclass(frozen=True)
class Entry:
    id: int
    at: str  # ISO 8601, UTC
    user: str
    action: str
    target: str
    detail: str
    source: str
    prev: str
    hash: str

    @property
    def action_name(self) -> str:
        return ACTIONS.get(self.action, self.action)


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    broken_at: int | None = None  # id of the first entry that does not fit the chain

    def message(self) -> str:
        if self.ok:
            return f"审计日志完整：共 {self.entries} 条，哈希链校验通过。"
        return f"审计日志被篡改：第 {self.broken_at} 条起哈希链断开（共 {self.entries} 条）。"


def entry_hash(id_: int, at: str, user: str, action: str, target: str, detail: str, source: str, prev: str) -> str:
    fields = json.dumps([id_, at, user, action, target, detail, source, prev], ensure_ascii=False)
    return hashlib.sha256(fields.encode("utf-8")).hexdigest()


class ChainedLog:
    """The hash chain over a table with the columns of :data:`FIELDS`. A
    backend sets :attr:`TABLE` and :attr:`MARK` and implements
    :meth:`_locked`, :meth:`_rows` and :meth:`_delete_through`."""

    TABLE = "audit"
    MARK = "?"  # the driver's parameter placeholder

    # -- what a backend provides ----------------------------------------------

    def _locked(self) -> AbstractContextManager[Run]:
        """One transaction holding the log's write lock, committed at the end."""
        raise NotImplementedError

    def _rows(self, sql: str, args: tuple = ()) -> list[tuple]:
        """Rows of one read outside any transaction."""
        raise NotImplementedError

    def _delete_through(self, run: Run, last: int) -> None:
        """Delete the entries up to ``last``, past the append-only guard."""
        raise NotImplementedError

    def _tail(self, run: Run) -> tuple[int, str]:
        """The last entry's id and hash, read under the write lock."""
        rows = run(f"SELECT id, hash FROM {self.TABLE} ORDER BY id DESC LIMIT 1")
        return (int(rows[0][0]), rows[0][1]) if rows else (0, GENESIS)

    def _appended(self, run: Run, entry: Entry) -> None:
        """Called in the append's transaction after the row is written."""

    # -- the chain --------------------------------------------------------------

    def _add(self, run: Run, tail: tuple[int, str], user: str, action: str, target: str = "", detail: str = "",
             source: str = "") -> Entry:
        # The time is taken under the lock, so the chain's order is also the order of times.
        at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")
        id_, prev = tail[0] + 1, tail[1]
        entry = Entry(id_, at, user, action, target, detail, source, prev,
                      entry_hash(id_, at, user, action, target, detail, source, prev))
        run(f"INSERT INTO {self.TABLE} ({FIELDS}) VALUES ({', '.join([self.MARK] * 9)})", astuple(entry))
        self._appended(run, entry)
        return entry

    def append(self, user: str, action: str, target: str = "", detail: str = "", source: str = "") -> Entry:
        with self._locked() as run:
            return self._add(run, self._tail(run), user, action, target, detail, source)

    def entries(self, limit: int | None = None, user: str | None = None, action: str | None = None) -> list[Entry]:
        """Newest first when ``limit`` is given, else the whole log in order."""
        where, args = [], []
        if user:
            where.append(f"`user` = {self.MARK}"), args.append(user)
        if action:
            where.append(f"action = {self.MARK}"), args.append(action)
        sql = f"SELECT {FIELDS} FROM {self.TABLE}"
        sql += (" WHERE " + " AND ".join(where)) if where else ""
        sql += f" ORDER BY id DESC LIMIT {int(limit)}" if limit else " ORDER BY id"
        return [Entry(*r) for r in self._rows(sql, tuple(args))]

    def verify(self) -> Verification:
        entries = self.entries()
        anchors = {GENESIS}
        for e in entries:
            if e.action == "audit.prune":
                try:
                    anchors.add(json.loads(e.detail)["anchor"])
                except (ValueError, KeyError, TypeError):
                    pass
        prev = None
        for e in entries:
            expected_prev_ok = e.prev in anchors if prev is None else e.prev == prev
            if not expected_prev_ok or entry_hash(e.id, e.at, e.user, e.action, e.target, e.detail, e.source,
                                                  e.prev) != e.hash:
                return Verification(False, len(entries), e.id)
            prev = e.hash
        return Verification(True, len(entries))

    def prune(self, days: int | None = None, user: str = "system") -> int:
        """Remove entries older than ``days`` (the retention setting); the
        chain then starts at an anchor recorded in the log itself, written in
        the same transaction as the deletion."""
        days = AUDIT_DAYS if days is None else days
        if days <= 0:
            return 0
        cutoff = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)).isoformat(timespec="milliseconds")
        t, m = self.TABLE, self.MARK
        with self._locked() as run:
            tail = self._tail(run)
            last = run(f"SELECT MAX(id) FROM {t} WHERE at < {m}", (cutoff,))[0][0]
            if last is None:
                return 0
            anchor = run(f"SELECT hash FROM {t} WHERE id = {m}", (last,))[0][0]
            removed = int(run(f"SELECT COUNT(*) FROM {t} WHERE id <= {m}", (last,))[0][0])
            self._delete_through(run, last)
            self._add(run, tail, user, "audit.prune",
                      detail=json.dumps({"removed": removed, "anchor": anchor, "days": days}))
        return removed

    def export_csv(self, out: io.TextIOBase | None = None) -> str:
        """The whole log as CSV (UTF-8 with BOM, so that Excel reads the Chinese)."""
        buf = io.StringIO()
        buf.write("\ufeff")
        w = csv.writer(buf)
        w.writerow(COLUMNS)
        for e in self.entries():
            w.writerow([e.id, e.at, e.user, e.action_name, e.target, e.detail, e.source, e.hash])
        text = buf.getvalue()
        if out is not None:
            out.write(text)
        return text


class AuditLog(ChainedLog):
    """The audit log in a SQLite file (``PARTYQA_DATA/audit.sqlite``)."""

    OPEN = {"timeout": 60, "wal": True, "autocommit": True}  # how opened() opens this file

    def __init__(self, path: str | Path):
        self.path = Path(path)
        create(self.path, SCHEMA, **self.OPEN)

    @contextmanager
    def _locked(self) -> Iterator[Run]:
        with opened(self.path, **self.OPEN) as db:
            db.execute("BEGIN IMMEDIATE")  # SQLite's write lock, before the previous hash is read
            try:
                yield lambda sql, args=(): db.execute(sql, args).fetchall()
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def _rows(self, sql: str, args: tuple = ()) -> list[tuple]:
        with opened(self.path, **self.OPEN) as db:
            return db.execute(sql, args).fetchall()

    def _delete_through(self, run: Run, last: int) -> None:
        # SQLite's DDL is transactional: the guard is never down outside this transaction.
        run("DROP TRIGGER audit_no_delete")
        run("DELETE FROM audit WHERE id <= ?", (last,))
        run(NO_DELETE)
