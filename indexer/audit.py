"""The audit log: who did what, when, from where — logins, questions,
exports, uploads, metadata edits, deletes, rebuilds, user changes.

Append-only and hash-chained: each entry stores the SHA-256 of the previous
entry's hash and its own fields, so editing, inserting or deleting any
entry breaks the chain from there on (:meth:`AuditLog.verify`). SQLite
triggers refuse UPDATE and DELETE as well; the chain is what catches someone
who drops them. Appends take the database's write lock before reading the
previous hash, so concurrent writers (Streamlit sessions, API workers,
several processes) never fork the chain.

Retention (``PARTYQA_AUDIT_DAYS``, default 180: China's Cybersecurity Law
asks for at least six months of logs; 0 keeps everything): :meth:`prune`
removes older entries and appends an ``audit.prune`` entry naming the hash
the remaining chain starts from, which :meth:`verify` accepts as an anchor.

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
from dataclasses import dataclass
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


class AuditLog:
    OPEN = {"timeout": 60, "wal": True, "autocommit": True}  # how opened() opens this file

    def __init__(self, path: str | Path):
        self.path = Path(path)
        create(self.path, SCHEMA, **self.OPEN)

    def _db(self):
        # Autocommit mode: transactions are opened explicitly (BEGIN IMMEDIATE).
        return opened(self.path, **self.OPEN)

    def append(self, user: str, action: str, target: str = "", detail: str = "", source: str = "") -> Entry:
        at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")  # the write lock first, so no two appends read the same previous hash
            try:
                row = db.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
                id_, prev = (row[0] + 1, row[1]) if row else (1, GENESIS)
                h = entry_hash(id_, at, user, action, target, detail, source, prev)
                db.execute("INSERT INTO audit (id, at, user, action, target, detail, source, prev, hash) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (id_, at, user, action, target, detail, source, prev, h))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return Entry(id_, at, user, action, target, detail, source, prev, h)

    def entries(self, limit: int | None = None, user: str | None = None, action: str | None = None) -> list[Entry]:
        """Newest first when ``limit`` is given, else the whole log in order."""
        where, args = [], []
        if user:
            where.append("user = ?"), args.append(user)
        if action:
            where.append("action = ?"), args.append(action)
        sql = "SELECT id, at, user, action, target, detail, source, prev, hash FROM audit"
        sql += (" WHERE " + " AND ".join(where)) if where else ""
        sql += f" ORDER BY id DESC LIMIT {int(limit)}" if limit else " ORDER BY id"
        with self._db() as db:
            return [Entry(*r) for r in db.execute(sql, args).fetchall()]

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
        chain then starts at an anchor recorded in the log itself."""
        days = AUDIT_DAYS if days is None else days
        if days <= 0:
            return 0
        cutoff = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)).isoformat(timespec="milliseconds")
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute("SELECT MAX(id) FROM audit WHERE at < ?", (cutoff,)).fetchone()
                last = row[0]
                if last is None:
                    db.execute("ROLLBACK")
                    return 0
                anchor = db.execute("SELECT hash FROM audit WHERE id = ?", (last,)).fetchone()[0]
                db.execute("DROP TRIGGER audit_no_delete")
                removed = db.execute("DELETE FROM audit WHERE id <= ?", (last,)).rowcount
                db.execute(NO_DELETE)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        self.append(user, "audit.prune", detail=json.dumps({"removed": removed, "anchor": anchor, "days": days}))
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
