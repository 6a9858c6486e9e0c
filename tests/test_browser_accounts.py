"""A real browser (Debian's Chromium via Playwright) against ``streamlit
run app.py`` with accounts: on a public address without an admin the app
refuses to work; with accounts the login form comes first, a reader of one
knowledge base cannot get the other's document, and its reader can."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.browser import CHROMIUM, app_server, ask, launch_chromium, question_box
from browser_pages import english_words, idle
from office_users import PASSWORDS, SECRET_Q, staff

pytestmark = pytest.mark.browser
SMALL = "市科协年度工作报告\n一、推进全域科普\n一是办好科普活动。带动全市3981个单位开展18153项全域科普活动。\n"


def log_in(page, url: str, name: str) -> None:
    page.goto(url, timeout=60_000)
    page.get_by_label("用户名").wait_for(timeout=120_000)
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(PASSWORDS[name])
    page.get_by_role("button", name="登录").click()
    question_box(page).wait_for(timeout=120_000)
    idle(page)


def test_public_address_needs_an_admin_then_readers_see_only_their_knowledge_base(tmp_path):
    from playwright.sync_api import sync_playwright

    from indexer.office import Office

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed: run `make test`, which installs Debian's chromium package")
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    corpus.mkdir()
    (corpus / "a.txt").write_text(SMALL, encoding="utf-8")
    with app_server(corpus, tmp_path / "index", data, log=tmp_path / "streamlit.log", address="0.0.0.0") as (url, _), \
            sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(url, timeout=60_000)
        page.get_by_text("还没有管理员账号").wait_for(timeout=120_000)
        assert question_box(page).count() == 0

        office = staff(Office(data, corpus, str(tmp_path / "index")), editor=False)

        log_in(page, url, "li")
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "语料管理" not in nav and "系统管理" not in nav
        ask(page, SECRET_Q, timeout_ms=300_000)
        body = page.locator("body").inner_text()
        assert "137件" not in body and "立案审查调查违纪违法案件137件" not in body
        assert english_words(page, corpus) <= {"li"}  # the user's own name is the only Latin text
        page.get_by_role("button", name="退出登录").click()
        page.get_by_label("用户名").wait_for(timeout=60_000)

        log_in(page, url, "zhao")
        ask(page, SECRET_Q, timeout_ms=300_000)
        page.get_by_text("137件", exact=True).first.wait_for()
        browser.close()
    entries = [(e.user, e.action, e.target) for e in office.audit.entries()]
    assert [e for e in entries if e[1] in ("login", "ask", "logout")] == [
        ("li", "login", ""), ("li", "ask", "默认"), ("li", "logout", ""), ("zhao", "login", ""), ("zhao", "ask", "纪检")]
    assert office.audit.verify().ok
