"""Accounts, roles and sessions of an office server, kept in SQLite under
the data folder (``PARTYQA_DATA/office.sqlite``).

Three roles: a *reader* asks, quotes and exports; an *editor* also uploads,
edits and deletes in the knowledge bases they are granted to edit; an
*admin* manages users, knowledge bases, rebuilds and reads the audit log.
Passwords are hashed with Argon2id (argon2-cffi); a name that failed to log
in :data:`MAX_FAILURES` times within :data:`LOCKOUT_S` seconds is refused
until the window passes, whatever the password. A session token is valid
until it has been idle for ``session_minutes`` (``PARTYQA_SESSION_MINUTES``,
default 30).
Tokens are stored as SHA-256 digests, so a copy of the database holds none.

With no accounts at all the tool is in single-user mode: the local user is
an administrator (see :func:`Accounts.single_user`).

Usage::

    acc = Accounts("data/office.sqlite")
    acc.add("zhang", "reader", "一个足够长的密码")
    user = acc.login("zhang", "一个足够长的密码", source="10.0.0.7")  # or LoginError
    token = acc.open_session(user)
    acc.session_user(token)        # the User, or None once expired / logged out
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from .config import SESSION_MINUTES
from .errors import PartyQAError
from .localdb import create, opened

ROLES = ("reader", "editor", "admin")
ROLE_NAMES = {"reader": "读者", "editor": "编辑", "admin": "管理员"}
MIN_PASSWORD = 8
MAX_FAILURES = 5
LOCKOUT_S = 15 * 60
NAME = re.compile(r"[A-Za-z0-9_.\-\u4e00-\u9fff]{1,32}")
LOCAL_ADMIN = "本机用户"  # the user of single-user mode

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY, role TEXT NOT NULL, hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0, created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS login_failures (name TEXT NOT NULL, source TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS login_failures_name ON login_failures (name, at);
CREATE TABLE IF NOT EXISTS sessions (
    digest TEXT PRIMARY KEY, name TEXT NOT NULL, created REAL NOT NULL, last_seen REAL NOT NULL
);
"""


class OfficeError(PartyQAError):
    """An office-server error whose message is for users (Chinese)."""


class AccountError(OfficeError):
    """Bad input about accounts (unknown user, weak password…); message for users."""


class LoginError(OfficeError):
    """A refused login; the message never says whether the name exists."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    disabled: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def may_edit(self) -> bool:
        """Editors and admins may change documents (where granted, see knowledge)."""
        return self.role in ("editor", "admin")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 个字符。")
    if password.strip() != password or "\n" in password:
        raise AccountError("密码首尾不能有空白，也不能含换行。")


class Accounts:
    """Users, failed logins and sessions. Connections are short-lived, so
    that Streamlit sessions (threads), API workers and the CLI share the file."""

    # Argon2id with the library's defaults (RFC 9106 low-memory profile).
    hasher = PasswordHasher()

    OPEN = {"timeout": 30, "wal": True}  # how opened() opens this file

    def __init__(self, path: str | Path, session_minutes: float = SESSION_MINUTES):
        self.path = Path(path)
        self.session_minutes = session_minutes
        create(self.path, SCHEMA, **self.OPEN)

    def _db(self):
        return opened(self.path, **self.OPEN)

    # -- users --------------------------------------------------------------

    def users(self) -> list[User]:
        with self._db() as db:
            rows = db.execute("SELECT name, role, disabled FROM users ORDER BY name").fetchall()
        return [User(n, r, bool(d)) for n, r, d in rows]

    def get(self, name: str) -> User | None:
        with self._db() as db:
            row = db.execute("SELECT name, role, disabled FROM users WHERE name = ?", (name,)).fetchone()
        return User(row[0], row[1], bool(row[2])) if row else None

    def require(self, name: str) -> User:
        user = self.get(name)
        if user is None:
            raise AccountError(f"没有用户“{name}”。")
        return user

    def single_user(self) -> bool:
        """No accounts configured: the local user is trusted as an admin."""
        with self._db() as db:
            return db.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0

    def has_admin(self) -> bool:
        with self._db() as db:
            return db.execute("SELECT 1 FROM users WHERE role = 'admin' AND disabled = 0").fetchone() is not None

    def add(self, name: str, role: str, password: str) -> User:
        if not NAME.fullmatch(name or ""):
            raise AccountError("用户名只能由 1–32 个汉字、字母、数字或 _ . - 组成。")
        if role not in ROLES:
            raise AccountError(f"角色应为 {'、'.join(ROLES)} 之一。")
        check_password(password)
        with self._db() as db:
            try:
                db.execute("INSERT INTO users (name, role, hash, created) VALUES (?, ?, ?, ?)",
                           (name, role, self.hasher.hash(password), time.time()))
            except sqlite3.IntegrityError:
                raise AccountError(f"用户“{name}”已存在。") from None
        return User(name, role)

    def set_password(self, name: str, password: str) -> None:
        self.require(name)
        check_password(password)
        with self._db() as db:
            db.execute("UPDATE users SET hash = ? WHERE name = ?", (self.hasher.hash(password), name))
            db.execute("DELETE FROM sessions WHERE name = ?", (name,))  # a new password ends old sessions

    def set_role(self, name: str, role: str) -> None:
        self.require(name)
        if role not in ROLES:
            raise AccountError(f"角色应为 {'、'.join(ROLES)} 之一。")
        with self._db() as db:
            db.execute("UPDATE users SET role = ? WHERE name = ?", (role, name))

    def set_disabled(self, name: str, disabled: bool = True) -> None:
        self.require(name)
        with self._db() as db:
            db.execute("UPDATE users SET disabled = ? WHERE name = ?", (int(disabled), name))
            if disabled:
                db.execute("DELETE FROM sessions WHERE name = ?", (name,))

    # -- login --------------------------------------------------------------

    def login(self, name: str, password: str, source: str = "") -> User:
        """The user, or :class:`LoginError` (wrong password, unknown or
        disabled user, or too many recent failures for this name)."""
        now = time.time()
        with self._db() as db:
            db.execute("DELETE FROM login_failures WHERE at < ?", (now - LOCKOUT_S,))
            failures = db.execute("SELECT COUNT(*), MIN(at) FROM login_failures WHERE name = ?", (name,)).fetchone()
            row = db.execute("SELECT hash, role, disabled FROM users WHERE name = ?", (name,)).fetchone()
        if failures[0] >= MAX_FAILURES:
            wait = max(1, round((failures[1] + LOCKOUT_S - now) / 60))
            raise LoginError(f"登录失败次数过多，请 {wait} 分钟后再试。")
        ok = False
        if row is not None and not row[2]:
            try:
                ok = self.hasher.verify(row[0], password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                ok = False
        if not ok:
            with self._db() as db:
                db.execute("INSERT INTO login_failures (name, source, at) VALUES (?, ?, ?)", (name, source, now))
            raise LoginError("用户名或密码不正确（或账号已停用）。")
        with self._db() as db:
            db.execute("DELETE FROM login_failures WHERE name = ?", (name,))
            if self.hasher.check_needs_rehash(row[0]):
                db.execute("UPDATE users SET hash = ? WHERE name = ?", (self.hasher.hash(password), name))
        return User(name, row[1])

    def open_session(self, user: User) -> str:
        token = secrets.token_urlsafe(32)
        now = time.time()
        with self._db() as db:
            db.execute("INSERT INTO sessions (digest, name, created, last_seen) VALUES (?, ?, ?, ?)",
                       (_digest(token), user.name, now, now))
        return token

    def session_user(self, token: str, touch: bool = True) -> User | None:
        """The session's user while it is active; each use restarts the idle clock."""
        if not token:
            return None
        now, digest = time.time(), _digest(token)
        with self._db() as db:
            db.execute("DELETE FROM sessions WHERE last_seen < ?", (now - self.session_minutes * 60,))
            row = db.execute("SELECT u.name, u.role, u.disabled FROM sessions s JOIN users u ON u.name = s.name "
                             "WHERE s.digest = ?", (digest,)).fetchone()
            if row is None or row[2]:
                return None
            if touch:
                db.execute("UPDATE sessions SET last_seen = ? WHERE digest = ?", (now, digest))
        return User(row[0], row[1])

    def close_session(self, token: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM sessions WHERE digest = ?", (_digest(token),))
