"""The app as a user meets it, timed in a real browser (Debian's Chromium
driven by Playwright) against ``streamlit run app.py``: how long from
starting the server until the question box can be used, until the first
answer, and how long warm questions take from Enter to the answer on the
page. Used by ``bench`` (``python -m bench``) and by ``tests/test_browser.py``.

Usage::

    from bench.browser import browser_timings
    browser_timings(Path("corpus"), Path("/tmp/index"), Path("/tmp/data"), questions)
    # {'browser_cold_question_box_s': …, 'browser_cold_first_answer_s': …,
    #  'browser_warm_p50_ms': …, 'browser_warm_p95_ms': …}
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from indexer.building import build_index

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
STREAMLIT = Path(sys.executable).with_name("streamlit")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def app_server(corpus: Path, index: Path, data: Path, log: Path | None = None, address: str = "127.0.0.1"):
    """``streamlit run app.py`` on ``address`` (127.0.0.1 unless a test asks) with the three folders from the
    environment and this checkout's ``indexer`` first on the path; yields
    ``(url, started)`` with ``started`` the ``time.monotonic()`` of launch."""
    port = free_port()
    env = {**os.environ, "PARTYQA_CORPUS": str(corpus), "PARTYQA_INDEX": str(index), "PARTYQA_DATA": str(data),
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    env.pop("PARTYQA_STORE", None)
    cmd = [str(STREAMLIT) if STREAMLIT.exists() else sys.executable, *([] if STREAMLIT.exists() else ["-m", "streamlit"]),
           "run", str(REPO / "app.py"), "--server.address", address, "--server.port", str(port),
           "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    out = open(log, "w") if log else subprocess.DEVNULL
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError("streamlit exited at start")
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", started
    finally:
        stop(proc, out if log else None)


def stop(proc: subprocess.Popen, log_file=None) -> None:
    """End a server started by the benchmark (killed if it will not stop) and close its log."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    if log_file is not None:
        log_file.close()


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


_ANSWERED = """q => [...document.querySelectorAll('.pq-answered')].some(e => e.dataset.q === q)
  && document.querySelector('[data-test-script-state]')?.getAttribute('data-test-script-state') !== 'running'"""


def question_box(page):
    return page.get_by_label("请输入问题")


def ask(page, question: str, timeout_ms: int = 120_000) -> float:
    """Type a question, press Enter, and return the seconds until its answer is on the page."""
    box = question_box(page)
    box.fill(question)
    t = time.perf_counter()
    box.press("Enter")
    page.wait_for_function(_ANSWERED, arg=question, timeout=timeout_ms, polling=20)
    return time.perf_counter() - t


def _percentiles_ms(times: list[float]) -> dict:
    a = np.array(times) * 1000
    return {"p50_ms": round(float(np.percentile(a, 50)), 1), "p95_ms": round(float(np.percentile(a, 95)), 1)}


def browser_timings(corpus: Path, index_dir: Path, data_dir: Path, questions: list[str], build: bool = True,
                    browser=None) -> dict:
    """Cold start to a usable question box and to the first answer, then
    warm questions, in Chromium against a fresh ``streamlit run``. The
    index is built beforehand, untimed, as ``make run`` does. ``browser``:
    a Playwright browser to use (one is launched otherwise)."""
    if build:
        build_index(corpus, index_dir)
    if browser is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            b = launch_chromium(p)
            try:
                return browser_timings(corpus, index_dir, data_dir, questions, build=False, browser=b)
            finally:
                b.close()
    with app_server(corpus, index_dir, data_dir) as (url, started):
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        try:
            while True:  # the port is open a little before the app serves pages
                try:
                    page.goto(url, timeout=60_000)
                    break
                except Exception:  # noqa: BLE001
                    if time.monotonic() - started > 120:
                        raise
                    time.sleep(0.1)
            box = question_box(page)
            box.wait_for(state="visible", timeout=120_000)
            while not box.is_editable():
                time.sleep(0.02)
            cold_box = time.monotonic() - started
            ask(page, questions[0], timeout_ms=300_000)
            cold_answer = time.monotonic() - started
            warm = [ask(page, q) for q in questions[1:]]
        finally:
            page.close()
    w = _percentiles_ms(warm)
    return {"browser_cold_question_box_s": round(cold_box, 2), "browser_cold_first_answer_s": round(cold_answer, 2),
            "browser_warm_p50_ms": w["p50_ms"], "browser_warm_p95_ms": w["p95_ms"]}
