"""Every way a command can fail reaches the user as a Chinese message with
exit status 2 (or 3 for a partial build), never a traceback, and leaves the
live index exactly as it was."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from indexer import cli
from indexer.building import build_index
from indexer.store.embedded import IndexStore
from documents import two_reports

REPO = Path(__file__).resolve().parent.parent

HAN = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_ERROR = re.compile(r"Traceback|Error\b|error:|invalid|choose from|usage:|argument", re.I)


@pytest.fixture(scope="module")
def built(tmp_path_factory, embedder):
    """A small live index to be protected, built once; each test gets a copy."""
    root = tmp_path_factory.mktemp("built")
    corpus = root / "corpus"
    two_reports(corpus)
    build_index(corpus, root / "index", embedder=embedder)
    return root


@pytest.fixture
def site(built, tmp_path):
    shutil.copytree(built / "corpus", tmp_path / "corpus", symlinks=True)
    shutil.copytree(built / "index", tmp_path / "index", symlinks=True)
    return tmp_path


def live_state(index) -> tuple:
    """The live version's name, its verified files and every entry of the folder."""
    store = IndexStore(index)
    version = store.current()  # verifies checksums
    return store.current_name(), version.manifest.files, sorted(p.name for p in (index / "versions").iterdir())


def run(*args, env=None, prefix=(), input=None):
    return subprocess.run([*prefix, sys.executable, "-m", "indexer", *args], capture_output=True, cwd=REPO,
                          env={**os.environ, **(env or {})}, timeout=600, input=input)


def assert_chinese_failure(rc: int, stderr: str, status: int = 2, says: str = "") -> None:
    assert rc == status, stderr
    assert stderr.strip(), "no message"
    assert "Traceback" not in stderr and "usage:" not in stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("错误：") and HAN.search(last), stderr
    # The message itself is Chinese; paths and quoted input may be anything.
    assert not ENGLISH_ERROR.search(last.replace(says, "")), stderr
    assert says in stderr, stderr


def main_in_process(capsys, *argv) -> tuple[int, str, str]:
    rc = cli.main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


# -- queries and arguments ---------------------------------------------------------------------


@pytest.mark.slow  # a CLI subprocess loading the model
def test_invalid_bytes_in_a_query_are_dropped_not_fatal(site):
    before = live_state(site / "index")
    r = run("search", os.fsdecode(b"\xff\xfe\xed\xa0\x80\x1b[2J\x00".replace(b"\x00", b"")) + "全域科普",
            "--index", str(site / "index"), "--json", "-k", "1")
    assert r.returncode == 0, r.stderr.decode()
    out = json.loads(r.stdout.decode("utf-8"))  # strict UTF-8: nothing undecodable came back out
    assert out["query"] == "[2J全域科普" and "18153项" in out["hits"][0]["text"]
    assert live_state(site / "index") == before


def test_query_of_nothing_but_control_characters(site):
    r = run("ask", "\x01\x02\x7f", "--index", str(site / "index"))
    assert_chinese_failure(r.returncode, r.stderr.decode(), says="查询内容为空")


@pytest.mark.parametrize("argv, says", [
    (["search", "科普", "-k", "-1"], "-k"),
    (["search", "科普", "-k", "0"], "-k"),
    (["ask", "科普", "-k", "many"], "many"),
    (["search", "科普", "--mode", "bogus"], "bogus"),
    (["search", "科普", "--no-such-option"], "--no-such-option"),
    ([], ""),
])
def test_argument_errors_are_chinese(site, capsys, argv, says):
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv + (["--index", str(site / "index")] if argv else []))
    assert_chinese_failure(exit_.value.code, capsys.readouterr().err, says=says)


def test_unknown_documents_are_named(site, capsys):
    before = live_state(site / "index")
    rc, out, err = main_in_process(capsys, "search", "科普", "--index", str(site / "index"),
                                   "--doc", "a.txt", "--doc", "没有这篇.txt", "--doc", "c.docx")
    assert_chinese_failure(rc, err, says="没有这篇.txt、c.docx")
    assert "a.txt、b.txt" in err and out == ""
    assert live_state(site / "index") == before


def test_binary_batch_file(site, capsys):
    (site / "q.bin").write_bytes(bytes(range(256)) * 20)
    rc, out, err = main_in_process(capsys, "ask", "--batch", str(site / "q.bin"), "--index", str(site / "index"))
    assert_chinese_failure(rc, err, says="无法读取")
    rc, out, err = main_in_process(capsys, "ask", "--batch", str(site / "none.txt"), "--index", str(site / "index"))
    assert_chinese_failure(rc, err, says="找不到问题文件")


# -- builds that cannot finish -----------------------------------------------------------------


@pytest.fixture
def same_model(monkeypatch, embedder):
    """CLI builds in this process reuse the session's (real) model instead of loading it again."""
    monkeypatch.setattr("indexer.building.Embedder", lambda *a, **k: embedder)


def add_report(corpus) -> None:
    (corpus / "c.txt").write_text("市科协办公室工作总结\n一、服务保障\n完成公文处理520件，组织会议服务66场。\n",
                                  encoding="utf-8")


@pytest.mark.slow  # builds in subprocesses, each loading the model
def test_read_only_index_folder(site):
    """Run as a user who cannot write the folder (root loses CAP_DAC_OVERRIDE via setpriv)."""
    index = site / "index"
    before = live_state(index)
    add_report(site / "corpus")
    prefix = ()
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: permissions cannot be taken away")
        prefix = ("setpriv", "--inh-caps=-all", "--bounding-set=-all")
    for p in (index, index / "versions"):
        p.chmod(0o555)
    try:
        r = run("build", "--corpus", str(site / "corpus"), "--index", str(index), "--quiet",
                env={"PARTYQA_LOG": str(site / "log")}, prefix=prefix)
    finally:
        for p in (index, index / "versions"):
            p.chmod(0o755)
    assert_chinese_failure(r.returncode, r.stderr.decode(), says="无法写入索引文件夹")
    assert "没有写入权限" in r.stderr.decode() and "旧索引保持不变" in r.stderr.decode()
    assert live_state(index) == before


def test_disk_full_mid_write(site, capsys, monkeypatch, same_model):
    """ENOSPC injected while the BM25 files are written (the passages are on
    disk by then): message with the size needed, the scratch folder removed,
    the old version live."""
    from indexer.keywords import KeywordIndex

    index = site / "index"
    before = live_state(index)
    add_report(site / "corpus")
    real_save = KeywordIndex.save

    def save_then_fill(self, folder):
        real_save(self, folder)
        assert (folder / "chunks.jsonl").exists()
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / "bm25_chars"))

    monkeypatch.setattr(KeywordIndex, "save", save_then_fill)
    rc, out, err = main_in_process(capsys, "build", "--corpus", str(site / "corpus"), "--index", str(index), "--quiet")
    assert_chinese_failure(rc, err, says="磁盘空间不足")
    assert re.search(r"写入新索引约需 \d+\.\d MB", err) and "旧索引仍在使用" in err
    assert live_state(index) == before  # no .tmp-* folder left either


DISK_FULL_DRIVER = r"""
import json, os, shutil, sys
sys.path.insert(0, {repo!r})  # this checkout, not whichever one the environment installed
from indexer import cli
from indexer.embedding import Embedder
from indexer.store.embedded import IndexStore

mnt, site, out = sys.argv[1], sys.argv[2], sys.argv[3]
shutil.copytree(os.path.join(site, "index"), os.path.join(mnt, "index"))
# Leave 64 KiB: far too little for a new version of three reports.
free = shutil.disk_usage(mnt).free
with open(os.path.join(mnt, "filler"), "wb") as f:
    f.write(b"\0" * (free - 64 * 1024))
results = {{}}
embedder = Embedder()
import indexer.building
indexer.building.Embedder = lambda *a, **k: embedder
import io, contextlib
for case in ("checked", "unchecked"):
    if case == "unchecked":
        # Report plenty of room, so the write itself runs into the kernel's ENOSPC.
        import shutil as sh
        real = sh.disk_usage
        sh.disk_usage = lambda p: real(p)._replace(free=10**12) if "index" in str(p) else real(p)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        rc = cli.main(["build", "--corpus", os.path.join(site, "corpus"), "--index", os.path.join(mnt, "index"), "--quiet"])
    store = IndexStore(os.path.join(mnt, "index"))
    store.current()  # verifies
    results[case] = {{"rc": rc, "err": err.getvalue(), "live": store.current_name(),
                      "entries": sorted(os.listdir(os.path.join(mnt, "index", "versions")))}}
json.dump(results, open(out, "w"), ensure_ascii=False)
"""


@pytest.mark.slow  # builds in subprocesses, each loading the model
def test_disk_full_on_a_real_small_file_system(site):
    """A 4 MiB tmpfs in a private mount namespace, filled up: the kernel's own
    ENOSPC, once caught by the space check before writing and once (with the
    check fooled) in the middle of writing the version."""
    if not shutil.which("unshare"):
        pytest.skip("unshare is not available")
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", f"mount -t tmpfs -o size=1m tmpfs {site}"],
                           capture_output=True)
    if probe.returncode != 0:
        pytest.skip("cannot mount a tmpfs in a user namespace here: " + probe.stderr.decode())
    before = live_state(site / "index")
    add_report(site / "corpus")
    mnt = site / "mnt"
    mnt.mkdir()
    (site / "driver.py").write_text(DISK_FULL_DRIVER.format(repo=str(REPO)), encoding="utf-8")
    r = subprocess.run(["unshare", "-rm", "sh", "-c",
                        f'mount -t tmpfs -o size=4m tmpfs "{mnt}" && exec "{sys.executable}" "{site / "driver.py"}" '
                        f'"{mnt}" "{site}" "{site / "out.json"}"'],
                       capture_output=True, text=True, cwd=REPO, timeout=600)
    assert r.returncode == 0, r.stderr
    results = json.loads((site / "out.json").read_text(encoding="utf-8"))
    for case in ("checked", "unchecked"):
        got = results[case]
        assert_chinese_failure(got["rc"], got["err"], says="磁盘空间不足")
        assert "约需" in got["err"] and "只剩" in got["err"]
        assert got["live"] == before[0] and got["entries"] == before[2], got  # nothing left behind
    assert live_state(site / "index") == before


def test_build_lock_held(site, capsys):
    before = live_state(site / "index")
    with IndexStore(site / "index").build_lock():
        rc, out, err = main_in_process(capsys, "build", "--corpus", str(site / "corpus"), "--index",
                                       str(site / "index"))
    assert_chinese_failure(rc, err, says="另一个构建正在进行")
    assert live_state(site / "index") == before


def test_bad_kept_versions_setting(site, capsys, monkeypatch):
    before = live_state(site / "index")
    monkeypatch.setenv("PARTYQA_KEEP_VERSIONS", "0")
    rc, out, err = main_in_process(capsys, "build", "--corpus", str(site / "corpus"), "--index", str(site / "index"))
    assert_chinese_failure(rc, err, says="PARTYQA_KEEP_VERSIONS")
    assert live_state(site / "index") == before


def test_partial_build_exits_3(site, capsys, same_model):
    (site / "corpus" / "scan.pdf").write_bytes(b"%PDF-1.4 not really")
    rc, out, err = main_in_process(capsys, "build", "--corpus", str(site / "corpus"), "--index", str(site / "index"),
                                   "--quiet")
    assert rc == 3 and out == "" and "Traceback" not in err
    assert "已跳过 scan.pdf：PDF 文件已损坏" in err and "WARNING" not in err


# -- a database that goes away ---------------------------------------------------------------


class Proxy:
    """A TCP relay to seekdb that the test can cut: ``cut_after(n)`` drops
    every connection once the clients have sent ``n`` more bytes; with
    ``dead=True`` it then stops accepting, so reconnecting fails too."""

    def __init__(self, port: int):
        self.target = port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.socks: list[socket.socket] = []
        self.budget: int | None = None
        self.dead = False
        self.cuts = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target))
            with self.lock:
                self.socks += [client, server]
            threading.Thread(target=self._pipe, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, False), daemon=True).start()

    def _pipe(self, src, dst, upstream):
        try:
            while data := src.recv(65536):
                if upstream and self.budget is not None:
                    with self.lock:
                        self.budget -= len(data)
                        cut = self.budget <= 0
                    if cut:
                        self.cut()
                        return
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib_suppress():
                    s.close()

    def cut_after(self, n: int, dead: bool = False) -> None:
        self.budget, self.dead = n, dead

    def cut(self) -> None:
        with self.lock:
            self.budget = None
            self.cuts += 1
            socks, self.socks = self.socks, []
            if self.dead:
                # shutdown, not just close: a thread blocked in accept() keeps a closed socket listening
                with contextlib_suppress():
                    self.listener.shutdown(socket.SHUT_RDWR)
                self.listener.close()
        for s in socks:
            with contextlib_suppress():
                s.shutdown(socket.SHUT_RDWR)
                s.close()


def contextlib_suppress():
    import contextlib

    return contextlib.suppress(OSError)


@pytest.mark.parametrize("dead", [False, True], ids=["dropped_once", "gone"])
def test_database_connection_lost_while_writing(dead, seekdb_url, built, capsys, same_model, embedder):
    """seekdb's connection cut in the middle of inserting passages: dropped
    once, the whole write is done again on a new connection (no duplicated
    passages); gone, the message says so and the old version is live."""
    from indexer.retrieval import Searcher
    from indexer.store import open_store

    db = f"t_lost_{'gone' if dead else 'once'}_{os.urandom(3).hex()}"
    direct = seekdb_url["url"](db)
    corpus = built / f"corpus_{db}"
    shutil.copytree(built / "corpus", corpus)
    build_index(corpus, direct, embedder=embedder)
    store = open_store(direct)
    before = (store.current_name(), [c.text for c in store.current().all_chunks()])
    for i in range(12):  # enough rows that the INSERTs span many packets
        (corpus / f"extra{i}.txt").write_text(f"补充材料{i}\n" + f"组织第{i}批科技志愿服务活动。" * 30, encoding="utf-8")
    proxy = Proxy(seekdb_url["port"])
    via_proxy = direct.replace(f":{seekdb_url['port']}/", f":{proxy.port}/")
    import indexer.store.oceanbase as ob

    real_write_once = ob.OceanBaseStore._write_once

    def write_once(self, *a, **k):
        if proxy.cuts == 0:
            proxy.cut_after(40_000, dead=dead)  # well into the passage INSERTs
        return real_write_once(self, *a, **k)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ob.OceanBaseStore, "_write_once", write_once)
        rc, out, err = main_in_process(capsys, "build", "--corpus", str(corpus), "--store", via_proxy, "--quiet")
    assert proxy.cuts == 1
    if dead:
        assert_chinese_failure(rc, err, says="连接中断，重试一次仍未成功")
        assert "旧版本仍在使用" in err and seekdb_url["password"] not in err
        assert (store.current_name(), [c.text for c in store.current().all_chunks()]) == before
        # With the database reachable again, the next build clears the half-written rows and completes.
        # The dead build's lock lasts until seekdb notices its session is gone: at once
        # here, but on a loaded machine it kept it for over ten minutes. Until then a
        # build is refused; an operator then ends the dead session, as the README says.
        from indexer.errors import BuildLocked

        deadline = time.monotonic() + 120
        while True:
            try:
                build_index(corpus, direct, embedder=embedder)
                break
            except BuildLocked as exc:
                assert "另一个构建" in str(exc)
                if time.monotonic() > deadline:
                    own = store.query("SELECT CONNECTION_ID()")[0][0]
                    for row in store.query("SHOW PROCESSLIST"):  # Id, User, Host, db, …
                        if row[3] == db and row[0] != own:
                            store.query(f"KILL {int(row[0])}", retry=False)
                    deadline = time.monotonic() + 120
                time.sleep(2)
    else:
        assert rc == 0, err
    # Either way the live version is complete, each passage once: no row was written twice.
    snap = open_store(direct).current()
    places = [(c.doc, c.start, c.end) for c in snap.all_chunks()]
    assert len(places) == len(set(places)) == snap.count()
    assert {c.doc for c in snap.all_chunks()} == {"a.txt", "b.txt", *(f"extra{i}.txt" for i in range(12))}
    assert Searcher(snap, embedder).search("第7批科技志愿服务", k=1)[0].chunk.doc == "extra7.txt"
