"""The office server's library, with the real model and real indexes: two
knowledge bases, a reader who must not see the other's document asking the
question only it answers, an editor's upload reaching that knowledge base's
readers only, the hash-chained audit log and the audit CLI, a knowledge base
without documents. (Accounts, grants, history: test_accounts.py,
test_knowledge.py, test_feedback.py.)"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from office_users import PASSWORDS, SECRET_Q, UPLOADED

REPO = Path(__file__).resolve().parent.parent


def test_reader_cannot_reach_another_knowledge_base(office):
    from indexer.knowledge import Forbidden

    li, _ = office.login("li", PASSWORDS["li"], source="10.0.0.7")
    zhao, _ = office.login("zhao", PASSWORDS["zhao"], source="10.0.0.8")
    # The question only the 纪检 report answers: its reader gets the figure…
    _, result = office.ask(zhao, "纪检", SECRET_Q)
    assert result.found and result.answers[0].text == "137件"
    # …li, who reads only 默认, is refused there and gets nothing of it in 默认.
    with pytest.raises(Forbidden):
        office.ask(li, "纪检", SECRET_Q)
    with pytest.raises(Forbidden):
        office.documents(li, "纪检")
    _, result = office.ask(li, "默认", SECRET_Q)
    shown = json.dumps(result.to_dict(), ensure_ascii=False)
    assert "137件" not in shown and "jijian.txt" not in shown
    assert all(h.chunk.doc != "jijian.txt" for h in office.search(li, "默认", "立案审查调查 违纪违法案件", k=20))
    assert "jijian.txt" not in office.documents(li, "默认")
    assert [kb.name for kb in office.kbs.readable(li)] == ["默认"]
    # An unknown knowledge base reads the same as a forbidden one.
    with pytest.raises(Forbidden, match="没有权限"):
        office.ask(li, "人事", SECRET_Q)
    refused = office.audit.entries(action="refused")
    assert [(e.user, e.target) for e in refused] == [("li", "纪检"), ("li", "纪检"), ("li", "人事")]


def test_editor_upload_reaches_that_knowledge_base_only(office):
    from indexer.knowledge import Forbidden

    wang, _ = office.login("wang", PASSWORDS["wang"])
    li, _ = office.login("li", PASSWORDS["li"])
    zhao, _ = office.login("zhao", PASSWORDS["zhao"])
    with pytest.raises(Forbidden):
        office.upload(li, "默认", "x.txt", UPLOADED.encode())  # a reader uploads nowhere
    with pytest.raises(Forbidden):
        office.upload(wang, "默认", "x.txt", UPLOADED.encode())  # an editor only where granted
    name = office.upload(wang, "纪检", "巡察报告.txt", UPLOADED.encode(), source="10.0.0.9")
    assert name in office.documents(zhao, "纪检")
    _, result = office.ask(zhao, "纪检", "常规巡察了多少个党组织")
    assert result.found and result.answers[0].text == "23个"
    _, result = office.ask(li, "默认", "常规巡察了多少个党组织")
    assert "23个" not in json.dumps(result.to_dict(), ensure_ascii=False)
    office.delete(wang, "纪检", name)
    assert name not in office.documents(zhao, "纪检")
    actions = [(e.user, e.action, e.target) for e in office.audit.entries()]
    assert ("wang", "upload", "纪检/巡察报告.txt") in actions and ("wang", "delete", "纪检/巡察报告.txt") in actions
    assert office.audit.verify().ok


def test_audit_chain_detects_an_edited_line_and_the_cli_says_so(office, tmp_path):
    from indexer.accounts import LoginError

    zhao, _ = office.login("zhao", PASSWORDS["zhao"], source="10.0.0.8")
    with pytest.raises(LoginError):
        office.login("zhao", "wrong-password", source="10.0.0.66")
    office.ask(zhao, "纪检", SECRET_Q, source="10.0.0.8")
    entries = office.audit.entries()
    assert [(e.user, e.action, e.source) for e in entries] == [
        ("zhao", "login", "10.0.0.8"), ("zhao", "login.failed", "10.0.0.66"), ("zhao", "ask", "10.0.0.8")]
    assert entries[2].detail == SECRET_Q and entries[2].target == "纪检"
    assert PASSWORDS["zhao"] not in (tmp_path / "data" / "audit.sqlite").read_bytes().decode("utf-8", "replace")

    env = {**os.environ, "PARTYQA_DATA": str(tmp_path / "data")}
    cli = [sys.executable, "-m", "indexer", "audit"]
    ok = subprocess.run(cli + ["verify"], cwd=REPO, env=env, capture_output=True, text=True)
    assert ok.returncode == 0 and "校验通过" in ok.stdout
    out = tmp_path / "audit.csv"
    subprocess.run(cli + ["export", "--out", str(out)], cwd=REPO, env=env, check=True, capture_output=True)
    rows = out.read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("编号,时间,用户,操作") and any(",zhao,提问,纪检," in r for r in rows)

    db = sqlite3.connect(tmp_path / "data" / "audit.sqlite")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE audit SET user = 'nobody' WHERE id = 3")
    # Someone with the file drops the guard and rewrites who asked.
    db.execute("DROP TRIGGER audit_no_update")
    db.execute("UPDATE audit SET user = 'li' WHERE id = 3")
    db.commit()
    db.close()
    assert office.audit.verify().broken_at == 3
    bad = subprocess.run(cli + ["verify"], cwd=REPO, env=env, capture_output=True, text=True)
    assert bad.returncode != 0 and "第 3 条" in bad.stderr


def test_a_new_knowledge_base_without_documents_says_so(office):
    from indexer.office import NotReady

    office.kbs.add("空库")
    admin, _ = office.login("admin", PASSWORDS["admin"])
    with pytest.raises(NotReady, match="还没有文档"):
        office.ask(admin, "空库", SECRET_Q)
    name = office.upload(admin, "空库", "first.txt", UPLOADED.encode())
    assert office.ask(admin, "空库", "常规巡察了多少个党组织")[1].answers[0].text == "23个"
    assert name in office.documents(admin, "空库")
