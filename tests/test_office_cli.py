"""The office's users/kb CLI: passwords from stdin only, every change audited."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow  # CLI subprocesses
def test_users_cli_reads_passwords_from_stdin_only(tmp_path):
    env = {**os.environ, "PARTYQA_DATA": str(tmp_path / "data")}
    run = lambda *a, stdin="": subprocess.run([sys.executable, "-m", "indexer", *a], cwd=REPO, env=env,  # noqa: E731
                                             input=stdin, capture_output=True, text=True)
    added = run("users", "add", "管理员甲", "--role", "admin", stdin="admin-pass-0001\n")
    assert added.returncode == 0 and "已新增管理员“管理员甲”" in added.stdout
    assert run("users", "add", "li", "--role", "reader", "li-pass-00001").returncode == 2  # no password arguments
    refused = run("users", "add", "li", "--role", "reader", stdin="")
    assert refused.returncode == 2 and "没有读到密码" in refused.stderr
    assert run("users", "add", "li", "--role", "reader", stdin="li-pass-00001\n").returncode == 0
    assert run("kb", "add", "纪检").returncode == 0
    assert run("users", "grant", "li", "纪检", "read").returncode == 0
    assert run("users", "grant", "li", "人事", "read").returncode == 2
    assert run("users", "passwd", "li", stdin="li-pass-00002\n").returncode == 0
    assert run("users", "disable", "li").returncode == 0
    listed = run("users", "list").stdout
    assert "管理员甲\t管理员\t正常\t全部知识库" in listed and "li\t读者\t已停用\t纪检（只读）" in listed
    from indexer.accounts import Accounts

    acc = Accounts(tmp_path / "data" / "office.sqlite")
    acc.set_disabled("li", False)
    assert acc.login("li", "li-pass-00002").role == "reader"
    actions = [json.dumps(r, ensure_ascii=False) for r in sqlite3.connect(tmp_path / "data" / "audit.sqlite")
               .execute("SELECT action, target FROM audit ORDER BY id")]
    assert actions == ['["user.add", "管理员甲"]', '["user.add", "li"]', '["kb.add", "纪检"]', '["kb.grant", "li@纪检"]',
                       '["user.passwd", "li"]', '["user.disable", "li"]']
    assert "li-pass" not in (tmp_path / "data" / "audit.sqlite").read_bytes().decode("utf-8", "replace")
