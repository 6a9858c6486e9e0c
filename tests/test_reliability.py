"""Reliability: reading during builds, no network (vanishing and oversized
files: test_loading.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from indexer.building import build_index
from indexer.retrieval import Searcher
from indexer.store.embedded import IndexStore

REPO = Path(__file__).resolve().parent.parent

# Any connection except to this machine fails, as on an intranet without a proxy.
NO_NETWORK = """
import socket
_connect = socket.socket.connect
def guarded(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and (host.startswith("127.") or host in ("localhost", "::1")):
        return _connect(self, address)
    raise OSError("network blocked by test: %r" % (address,))
socket.socket.connect = guarded
socket.create_connection = lambda *a, **k: (_ for _ in ()).throw(OSError("network blocked by test"))
"""


@pytest.mark.slow  # searches for as long as a build runs
def test_searches_keep_answering_during_a_build(small_corpus, tmp_path, embedder):
    index = tmp_path / "index"
    build_index(small_corpus, index, embedder=embedder)
    old = IndexStore(index).current_name()
    searcher = Searcher.open(index, embedder=embedder)
    before = [h.chunk.text for h in searcher.search("科普活动", k=2)]
    for i in range(15):
        (small_corpus / f"new{i}.txt").write_text(f"新增材料{i}\n" + "举办科技志愿服务活动。" * 30, encoding="utf-8")
    build = subprocess.Popen([sys.executable, "-m", "indexer", "build", "--corpus", str(small_corpus), "--index", str(index),
                              "--quiet"], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    searches = 0
    while build.poll() is None:
        assert [h.chunk.text for h in searcher.search("科普活动", k=2)] == before
        reopened = Searcher.open(index, embedder=embedder)  # a new reader mid-build gets a complete version
        assert reopened.search("科普活动", k=1)
        searches += 1
    assert build.returncode == 0, build.stderr.read()
    assert searches >= 3
    assert IndexStore(index).current_name() != old
    fresh = Searcher.open(index, embedder=embedder)
    assert any(c.doc == "new0.txt" for c in fresh.snapshot.all_chunks())


@pytest.mark.slow  # subprocesses that each load the model
def test_cli_works_with_the_network_blocked(reports_index, tmp_path):
    corpus, index = reports_index
    code = NO_NETWORK + (
        "import sys, runpy\n"
        "sys.argv = ['indexer', 'ask', '全市开展了多少项科普活动？', '--index', %r, '--json']\n"
        "runpy.run_module('indexer', run_name='__main__')\n" % str(index))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert r.returncode == 0, r.stderr
    assert '"18153项"' in r.stdout
    code = NO_NETWORK + (
        "import sys, runpy\n"
        "sys.argv = ['indexer', 'build', '--corpus', %r, '--index', %r, '--quiet', '--rebuild']\n"
        "runpy.run_module('indexer', run_name='__main__')\n" % (str(corpus), str(tmp_path / "i")))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=600)
    assert r.returncode == 0, r.stderr


def test_app_works_with_the_network_blocked(small_corpus, tmp_path, monkeypatch):
    import socket

    from streamlit.testing.v1 import AppTest

    def refuse(*args, **kwargs):
        raise OSError("network blocked by test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setenv("PARTYQA_CORPUS", str(small_corpus))
    monkeypatch.setenv("PARTYQA_INDEX", str(tmp_path / "index"))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    at.query_params["q"] = "全市开展了多少项科普活动？"
    at.run()
    assert not at.exception
    assert any(m.value == "### 18153项" for m in at.markdown)
