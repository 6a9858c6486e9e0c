"""What a user waits for: a fresh CLI process answering one question (and
its peak memory), answers in a warm process, the app under Streamlit's
AppTest, and the index's size on disk.

Usage::

    from bench.operations import cold_start
    seconds, peak_mb = cold_start(Path("index"), "全市开展了多少项科普活动？")
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

from indexer.building import build_index
from indexer.config import Settings

from .datasets import REPO
from .metrics import percentiles


@contextlib.contextmanager
def app_environment(**values: str):
    """The app reads its folders from the environment; set them for the
    AppTest run and put back what was there, so the bench leaves no trace."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# Runs the CLI, then reports the process's own peak memory. VmHWM belongs to
# the process image; getrusage's children figure would carry the bench's peak.
_COLD = """
import re, runpy, sys
sys.argv = ["indexer", "ask", sys.argv[1], "--index", sys.argv[2], "--json"]
try:
    runpy.run_module("indexer", run_name="__main__")
except SystemExit:
    pass
hwm = re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read())
print("PEAK_KB", hwm.group(1) if hwm else 0, file=sys.stderr)
"""

def cold_start(index_dir: Path, question: str) -> tuple[float, float]:
    """Wall time and peak memory (MB) of a fresh process answering one question."""
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", _COLD, question, str(index_dir)], check=True, capture_output=True,
                       text=True, cwd=str(REPO))
    seconds = time.perf_counter() - t
    peak = next((int(l.split()[1]) for l in r.stderr.splitlines() if l.startswith("PEAK_KB")), 0)
    return seconds, peak / 1024

def app_timings(corpus: Path, index_dir: Path, questions: list[str], settings: Settings | None = None) -> dict:
    """The Streamlit app run headless with AppTest: first answer in a fresh
    app (model and index load included), then warm questions. The index is
    built beforehand, untimed, as ``make run`` does before starting the app."""
    from streamlit.testing.v1 import AppTest

    build_index(corpus, index_dir, settings=settings)
    with app_environment(PARTYQA_CORPUS=str(corpus), PARTYQA_INDEX=str(index_dir)):
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=600)
        at.query_params["q"] = questions[0]
        t = time.perf_counter()
        at.run()
        cold = time.perf_counter() - t
        warm = []
        for q in questions[1:]:
            at.text_input(key="query").input(q)
            t = time.perf_counter()
            at.button[0].click().run()
            warm.append(time.perf_counter() - t)
    return {"app_first_answer_s": round(cold, 2), **{f"app_warm_{k}": v for k, v in percentiles(warm).items()}}

def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
