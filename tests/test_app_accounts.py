"""The app with accounts, run for real with AppTest: the login form comes
first, a reader of one knowledge base cannot reach the other's document
(even by setting the session's knowledge base by hand), pages follow the
role, answers take 有用/不对 feedback, and it all lands in the audit log."""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from office_users import PASSWORDS, SECRET_Q, staff

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def site(small_corpus, tmp_path, monkeypatch):
    from indexer.office import Office

    monkeypatch.setenv("PARTYQA_CORPUS", str(small_corpus))
    monkeypatch.setenv("PARTYQA_INDEX", str(tmp_path / "index"))
    monkeypatch.setenv("PARTYQA_DATA", str(tmp_path / "data"))
    return staff(Office(tmp_path / "data", small_corpus, str(tmp_path / "index")))


def logged_in(name: str, password: str | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    at.run()
    at.text_input(key="login-name").input(name)
    at.text_input(key="login-password").input(password or PASSWORDS[name])
    next(b for b in at.button if b.label == "登录").click().run()
    assert not at.exception
    return at


def ask(at: AppTest, q: str) -> str:
    at.text_input(key="query").input(q)
    next(b for b in at.button if b.label == "提问").click().run()
    assert not at.exception
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.code] + [c.value for c in at.caption])


def test_login_first_and_a_reader_never_reaches_the_other_knowledge_base(site):
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    at.run()
    assert [t.value for t in at.title] == ["党建文档问答 · 登录"]
    with pytest.raises(KeyError):
        at.text_input(key="query")  # nothing of the app before logging in
    at = logged_in("li", "wrong-password")
    assert any("用户名或密码不正确" in e.value for e in at.error)

    at = logged_in("li")
    assert any("当前用户：li（读者）" in c.value for c in at.sidebar.caption)
    assert not [s for s in at.sidebar.selectbox if s.label == "知识库"]  # only one knowledge base to choose
    shown = ask(at, SECRET_Q)
    assert "137件" not in shown and "立案审查" not in shown
    # Setting the session's knowledge base by hand does not open it: the library checks the grant.
    at.session_state["kb"] = "纪检"
    at.run()
    shown = ask(at, SECRET_Q + "？")
    assert "137件" not in shown and at.session_state["kb"] == "默认"
    for page in ("views/corpus.py", "views/admin.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)  # not in li's navigation
    # Each page checks again on its own, for a session that reaches it anyway.
    _, token = site.login("li", PASSWORDS["li"])
    for page, refusal in (("views/corpus.py", "没有权限修改知识库"), ("views/admin.py", "只有管理员")):
        direct = AppTest.from_file(str(REPO / page), default_timeout=300)
        direct.session_state["token"] = token
        direct.run()
        assert any(refusal in e.value for e in direct.error), page
    entries = [(e.user, e.action, e.target) for e in site.audit.entries()]
    assert ("li", "login.failed", "") in entries and ("li", "login", "") in entries
    assert ("li", "ask", "默认") in entries and site.audit.verify().ok


def test_reader_of_the_knowledge_base_gets_the_answer_and_gives_feedback(site):
    at = logged_in("zhao")
    shown = ask(at, SECRET_Q)
    assert "### 137件" in shown
    next(b for b in at.button if b.label == "👍 有用").click().run()
    assert not at.exception
    assert [(a.q, a.verdict) for a in site.history.recent("zhao")] == [(SECRET_Q, "useful")]
    assert any(e.action == "feedback" and e.user == "zhao" for e in site.audit.entries())
    # The answer's rerun (the feedback click) did not log the question twice.
    assert [e.user for e in site.audit.entries(action="ask")] == ["zhao"]
    assert '"answer": "137件"' in site.history.export_jsonl()


def test_pages_follow_the_role(site):
    at = logged_in("wang")
    at.switch_page("views/corpus.py").run()
    assert [t.value for t in at.title] == ["语料管理 · 纪检"] and not at.error
    at = logged_in("admin")
    assert [s for s in at.sidebar.selectbox if s.label == "知识库"][0].options == ["默认", "纪检"]
    at.switch_page("views/admin.py").run()
    assert not at.exception and any("哈希链校验通过" in s.value for s in at.success)
    users = at.dataframe[0].value
    assert list(users["用户名"]) == ["admin", "li", "wang", "zhao"]


def test_idle_session_ends_in_the_login_form(site, monkeypatch):
    at = logged_in("li")
    at.text_input(key="query")  # in
    monkeypatch.setenv("PARTYQA_SESSION_MINUTES", "0.002")  # 0.12 s idle
    time.sleep(0.3)
    at.run()
    assert [t.value for t in at.title] == ["党建文档问答 · 登录"]
    assert any("登录已超时" in i.value for i in at.info)


def test_xsrf_protection_and_upload_limit_are_configured():
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["server"]
    assert config["enableXsrfProtection"] is True and config["enableCORS"] is True
    from indexer.corpus import MAX_UPLOAD_BYTES

    assert MAX_UPLOAD_BYTES <= config["maxUploadSize"] * 1024 * 1024
