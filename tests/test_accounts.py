"""Accounts in a real SQLite file with real Argon2id hashes: what a name,
role and password may be, roles and disabling, lockout after repeated
failures (per name, forgotten after the window), sessions kept only as
digests and ended by a new password or idleness, weaker hashes upgraded."""

from __future__ import annotations

import hashlib
import sqlite3
import time

import pytest
from argon2 import PasswordHasher

from indexer.accounts import LOCKOUT_S, MAX_FAILURES, AccountError, Accounts, LoginError, User
from office_users import PASSWORDS, make_office

PASSWORD = "一个足够长的密码"


def test_throttling_sessions_and_disabled_users(small_corpus, tmp_path):
    office = make_office(small_corpus, tmp_path / "data")
    acc = office.accounts
    assert acc.single_user() and not acc.has_admin()
    with pytest.raises(AccountError, match="至少"):
        acc.add("li", "reader", "short")
    acc.add("li", "reader", PASSWORDS["li"])
    stored = sqlite3.connect(tmp_path / "data" / "office.sqlite").execute("SELECT hash FROM users").fetchone()[0]
    assert stored.startswith("$argon2id$") and PASSWORDS["li"] not in stored
    for _ in range(MAX_FAILURES):
        with pytest.raises(LoginError, match="不正确"):
            office.login("li", "not-the-password")
    with pytest.raises(LoginError, match="次数过多"):
        office.login("li", PASSWORDS["li"])  # the right password no longer helps for a while

    acc.add("zhao", "reader", PASSWORDS["zhao"])
    user, token = office.login("zhao", PASSWORDS["zhao"])
    assert acc.session_user(token) == user
    time.sleep(0.3)
    assert Accounts(acc.path, session_minutes=0.002).session_user(token) is None  # 0.12 s idle
    _, token = office.login("zhao", PASSWORDS["zhao"])
    acc.set_disabled("zhao")
    assert acc.session_user(token) is None
    with pytest.raises(LoginError):
        office.login("zhao", PASSWORDS["zhao"])


def test_names_roles_and_passwords_are_checked_before_anything_is_stored(tmp_path):
    acc = Accounts(tmp_path / "data" / "office.sqlite")  # the folder is made
    for name in ("", "x" * 33, "有 空格", "a/b", "../etc", "名字\n"):
        with pytest.raises(AccountError, match="用户名只能"):
            acc.add(name, "reader", PASSWORD)
    with pytest.raises(AccountError, match="角色应为"):
        acc.add("li", "owner", PASSWORD)
    for password, says in (("短密码", "至少 8 个"), (" " + PASSWORD, "首尾不能有空白"), (PASSWORD + "\n", "首尾"),
                           ("前半段\n后半段密码", "不能含换行")):
        with pytest.raises(AccountError, match=says):
            acc.add("li", "reader", password)
    assert acc.users() == [] and acc.single_user()
    assert acc.add("张三_li.2-x", "reader", PASSWORD) == User("张三_li.2-x", "reader")
    with pytest.raises(AccountError, match="已存在"):
        acc.add("张三_li.2-x", "admin", PASSWORD)
    assert acc.users() == [User("张三_li.2-x", "reader")] and not acc.single_user() and not acc.has_admin()


def test_roles_change_and_a_disabled_admin_is_no_admin(tmp_path):
    acc = Accounts(tmp_path / "office.sqlite")
    acc.add("admin", "admin", PASSWORD)
    assert acc.has_admin() and acc.require("admin").is_admin
    acc.set_disabled("admin")
    assert not acc.has_admin() and acc.get("admin") == User("admin", "admin", disabled=True)
    acc.set_disabled("admin", False)
    assert acc.has_admin()
    acc.set_role("admin", "editor")
    editor = acc.require("admin")
    assert not editor.is_admin and editor.may_edit and not acc.has_admin()
    acc.set_role("admin", "reader")
    assert not acc.require("admin").may_edit
    with pytest.raises(AccountError, match="角色应为"):
        acc.set_role("admin", "root")
    assert acc.get("nobody") is None
    for change in (lambda: acc.require("nobody"), lambda: acc.set_role("nobody", "admin"),
                   lambda: acc.set_disabled("nobody"), lambda: acc.set_password("nobody", PASSWORD)):
        with pytest.raises(AccountError, match="没有用户“nobody”"):
            change()


def test_sessions_are_stored_as_digests_and_a_new_password_ends_them(tmp_path):
    acc = Accounts(tmp_path / "office.sqlite")
    li = acc.add("li", "reader", PASSWORD)
    kept, closed = acc.open_session(li), acc.open_session(li)
    assert kept != closed and acc.session_user(kept) == acc.session_user(closed) == li
    db = sqlite3.connect(tmp_path / "office.sqlite")
    digests = {r[0] for r in db.execute("SELECT digest FROM sessions")}
    assert digests == {hashlib.sha256(t.encode()).hexdigest() for t in (kept, closed)}
    acc.close_session(closed)
    assert acc.session_user(closed) is None and acc.session_user(kept) == li
    assert acc.session_user("") is None and acc.session_user("not-a-token") is None
    # A look without touching leaves the idle clock where it was.
    seen = db.execute("SELECT last_seen FROM sessions").fetchone()[0]
    assert acc.session_user(kept, touch=False) == li
    assert db.execute("SELECT last_seen FROM sessions").fetchone()[0] == seen
    acc.set_password("li", "另一个足够长的密码")
    assert acc.session_user(kept) is None
    with pytest.raises(LoginError):
        acc.login("li", PASSWORD)
    assert acc.login("li", "另一个足够长的密码") == li
    db.close()
    for token in (kept, closed):
        assert token.encode() not in (tmp_path / "office.sqlite").read_bytes()


def failed(path, name: str, ago: float, times: int = MAX_FAILURES) -> None:
    """``times`` failed logins of ``name``, ``ago`` seconds ago, as login() records them."""
    with sqlite3.connect(path) as db:
        db.executemany("INSERT INTO login_failures (name, source, at) VALUES (?, '10.0.0.9', ?)",
                       [(name, time.time() - ago)] * times)


def test_lockout_is_per_name_says_how_long_and_forgets_old_failures(tmp_path):
    path = tmp_path / "office.sqlite"
    acc = Accounts(path)
    for _ in range(MAX_FAILURES):  # an unknown name counts like a known one
        with pytest.raises(LoginError, match="不正确"):
            acc.login("ghost", "whatever-password", source="10.0.0.9")
    with pytest.raises(LoginError, match="请 15 分钟后再试"):
        acc.login("ghost", "whatever-password")
    with pytest.raises(LoginError, match="不正确"):
        acc.login("ghost2", "whatever-password")  # another name is not locked
    failed(path, "late", ago=LOCKOUT_S - 130)
    with pytest.raises(LoginError, match="请 2 分钟后再试"):
        acc.login("late", "whatever-password")
    failed(path, "old", ago=LOCKOUT_S + 1)
    with pytest.raises(LoginError, match="不正确"):
        acc.login("old", "whatever-password")
    # A success wipes the name's failures: the next mistakes start counting from zero.
    li = acc.add("li", "reader", PASSWORD)
    failed(path, "li", ago=10, times=MAX_FAILURES - 1)
    assert acc.login("li", PASSWORD) == li
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM login_failures WHERE name = 'li'").fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM login_failures WHERE name = 'old'").fetchone()[0] == 1


class WeakAccounts(Accounts):
    """Accounts as a version with cheaper Argon2 parameters wrote them."""

    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def test_a_hash_with_weaker_parameters_is_upgraded_at_login(tmp_path):
    path = tmp_path / "office.sqlite"
    WeakAccounts(path).add("li", "reader", PASSWORD)

    def stored() -> str:
        with sqlite3.connect(path) as db:
            return db.execute("SELECT hash FROM users WHERE name = 'li'").fetchone()[0]

    assert stored().startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    acc = Accounts(path)
    assert acc.login("li", PASSWORD) == User("li", "reader")
    assert not Accounts.hasher.check_needs_rehash(stored()) and stored().startswith("$argon2id$")
    assert acc.login("li", PASSWORD) == User("li", "reader")
