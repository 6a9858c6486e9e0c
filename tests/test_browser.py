"""A real browser: Debian's Chromium, driven by Playwright, against
``streamlit run app.py`` on 127.0.0.1 over the bundled corpus."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from conftest import CORPUS, REPO

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOT = Path(tempfile.gettempdir()) / "partyqa-browser.png"
pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed: run `make test`, which installs Debian's chromium package")
    corpus = tmp_path_factory.mktemp("corpus")
    for p in CORPUS.iterdir():
        shutil.copy(p, corpus / p.name)
    port = free_port()
    env = {**os.environ, "PARTYQA_CORPUS": str(corpus), "PARTYQA_INDEX": str(tmp_path_factory.mktemp("index"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.5)
    yield f"http://127.0.0.1:{port}", corpus
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


def test_ask_in_the_browser_shows_answer_and_citation(server, browser):
    url, _ = server
    page = browser.new_page(viewport={"width": 1280, "height": 1600})
    page.goto(url, timeout=60_000)
    box = page.get_by_label("请输入问题")
    box.wait_for(timeout=240_000)  # first start builds the index
    box.fill("全市开展了多少项科普活动？")
    box.press("Enter")
    page.get_by_text("18153项", exact=True).first.wait_for(timeout=120_000)
    cite = page.locator("code", has_text="据《市科协党组落实全面从严治党主体责任工作报告》").first
    cite.wait_for(timeout=30_000)
    assert "18153项全域科普活动" in cite.inner_text()
    assert "q=" in page.url  # the question travels in the URL
    page.screenshot(path=str(SCREENSHOT), full_page=False)
    shared = browser.new_page()
    shared.goto(page.url, timeout=60_000)
    shared.get_by_text("18153项", exact=True).first.wait_for(timeout=60_000)


def test_upload_in_the_browser(server, browser, tmp_path):
    url, corpus = server
    page = browser.new_page(viewport={"width": 1280, "height": 1400})
    page.goto(url, timeout=60_000)
    page.get_by_text("语料管理").first.click()
    bad = tmp_path / "程序.exe"
    bad.write_bytes(b"MZ\x00\x00")
    good = tmp_path / "新增报告.txt"
    good.write_text("新增报告\n一、科技志愿服务\n组织开展科技志愿服务活动19.4万场。\n", encoding="utf-8")
    chooser = page.locator("input[type=file]")
    chooser.wait_for(state="attached", timeout=60_000)
    chooser.set_input_files(str(bad))
    # Streamlit's uploader rejects the type in the browser; nothing reaches the corpus.
    page.wait_for_timeout(1500)
    assert not (corpus / "程序.exe").exists()
    chooser.set_input_files(str(good))
    page.get_by_role("button", name="保存并更新索引").click()
    page.get_by_text("已保存：新增报告.txt").wait_for(timeout=120_000)
    assert (corpus / "新增报告.txt").exists()
