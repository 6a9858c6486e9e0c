"""The embedded store on real index folders (FAISS, bm25s, checksummed
files): versions switched atomically and kept by number, builds killed at
any moment or running at once, damage and leftovers reported and cleaned,
document filters of a loaded version, the vectors a rebuild may reuse."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from indexer.building import build_index
from indexer.config import Settings
from indexer.errors import BuildLocked, DiskFull, IndexCorrupt, IndexMissing, IndexNotWritable
from indexer.retrieval import Searcher
from indexer.store.base import text_key
from indexer.store.embedded import EmbeddedStore, IndexStore, estimate_bytes, storage_error
from documents import two_reports

REPO = Path(__file__).resolve().parent.parent


def _answers(index: Path, embedder) -> list:
    s = Searcher.open(index, embedder=embedder)
    return [[(h.chunk.doc, h.chunk.start) for h in s.search(q, k=3)] for q in ("科普活动", "谈心谈话", "党组会议")]


@pytest.mark.slow  # builds killed in subprocesses, each loading the model
def test_killed_builds_leave_the_old_index_answering(small_corpus, tmp_path, embedder):
    """SIGKILL a rebuild at many moments; the live version must stay intact."""
    index = tmp_path / "index"
    build_index(small_corpus, index, embedder=embedder)
    before = _answers(index, embedder)
    version = IndexStore(index).current_name()
    for i in range(12):
        (small_corpus / f"extra{i}.txt").write_text(f"补充材料{i}\n" + "科技志愿服务活动。" * 40, encoding="utf-8")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    survived = 0
    for delay in (0.5, 2, 4, 6, 7, 8, 9, 10, 11, 12, 14, 16):
        p = subprocess.Popen([sys.executable, "-m", "indexer", "build", "--corpus", str(small_corpus), "--index", str(index),
                              "--rebuild", "--quiet"], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if p.poll() is not None:
            break  # the build finished before this kill point
        p.send_signal(signal.SIGKILL)
        p.wait()
        store = IndexStore(index)
        store.current().verify()  # checksums of whatever version is live
        if store.current_name() == version:
            assert _answers(index, embedder) == before
        survived += 1
    assert survived >= 3
    # Whatever the kills left behind goes with the next cleanup; the live version stays.
    live = IndexStore(index).current_name()
    r = subprocess.run([sys.executable, "-m", "indexer", "build", "--clean", "--index", str(index)],
                       capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stderr
    left = [p.name for p in (index / "versions").iterdir()]
    assert live in left and len(left) <= 2 and not any(n.startswith(".tmp-") for n in left), left
    assert IndexStore(index).current_name() == live and not list(index.glob(".CURRENT.*"))
    IndexStore(index).current().verify()


def test_second_build_is_refused_while_one_runs(small_corpus, tmp_path, embedder):
    index = tmp_path / "index"
    store = IndexStore(index)
    with store.build_lock():
        with pytest.raises(BuildLocked, match="另一个构建正在进行"):
            build_index(small_corpus, index, embedder=embedder)


def test_corrupted_index_is_reported_with_the_fix(small_corpus, tmp_path, embedder):
    index = tmp_path / "index"
    build_index(small_corpus, index, embedder=embedder)
    vec = IndexStore(index).current().file("vectors.npy")
    data = bytearray(vec.read_bytes())
    data[-8:] = b"\x00" * 8
    vec.write_bytes(bytes(data))
    with pytest.raises(IndexCorrupt, match="--rebuild"):
        Searcher.open(index, embedder=embedder)
    r = subprocess.run([sys.executable, "-m", "indexer", "search", "科普", "--index", str(index)],
                       capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 2 and "已损坏" in r.stderr and "Traceback" not in r.stderr
    # a rebuild repairs it
    build_index(small_corpus, index, embedder=embedder, rebuild=True)
    assert Searcher.open(index, embedder=embedder).search("科普", k=1)


def test_missing_index_message(tmp_path):
    r = subprocess.run([sys.executable, "-m", "indexer", "search", "科普", "--index", str(tmp_path / "none")],
                       capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 2 and "python -m indexer build" in r.stderr


def test_leftovers_of_killed_builds_are_cleaned(small_corpus, tmp_path, embedder):
    """What a build killed at each stage leaves: a scratch folder, a pointer
    file, and a complete version renamed into place that never went live."""
    import shutil

    index = tmp_path / "index"
    build_index(small_corpus, index, embedder=embedder)
    store = IndexStore(index)
    live = store.current_name()
    before = _answers(index, embedder)

    def plant():
        (index / "versions" / ".tmp-dead0001").mkdir()
        (index / "versions" / ".tmp-dead0001" / "vectors.npy").write_bytes(b"x" * 1000)
        (index / ".CURRENT.dead0001").write_text("v-never\n", encoding="utf-8")
        time.sleep(0.01)
        shutil.copytree(index / "versions" / live, index / "versions" / "v29991231-235959-orphan")

    plant()
    r = subprocess.run([sys.executable, "-m", "indexer", "build", "--clean", "--index", str(index)],
                       capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0 and r.stdout.startswith("已清理 3 项"), r.stdout + r.stderr
    assert sorted(p.name for p in (index / "versions").iterdir()) == [live]
    assert list(index.glob(".CURRENT.*")) == [] and store.current_name() == live
    assert _answers(index, embedder) == before
    r = subprocess.run([sys.executable, "-m", "indexer", "build", "--clean", "--index", str(index)],
                       capture_output=True, text=True, cwd=REPO)
    assert r.stdout.strip() == "没有需要清理的残留。"
    plant()  # the next build, even one with nothing to do, cleans too
    report = build_index(small_corpus, index, embedder=embedder)
    assert report.no_change and len(report.cleaned) == 3 and "已清理中断的构建留下的 3 项" in report.summary()
    assert sorted(p.name for p in (index / "versions").iterdir()) == [live]


def test_number_of_kept_versions_is_a_setting(small_corpus, tmp_path, embedder):
    index = tmp_path / "index"
    names = []
    for i in range(5):
        (small_corpus / "c.txt").write_text(f"补充报告{i}\n开展活动{i}次。\n", encoding="utf-8")
        names.append(build_index(small_corpus, index, embedder=embedder, settings=Settings(keep_versions=3)).version)
    assert sorted(p.name for p in (index / "versions").iterdir()) == sorted(names[-3:])
    assert IndexStore(index, keep_versions=1).clean() == sorted(names[-3:-1])
    assert [p.name for p in (index / "versions").iterdir()] == [names[-1]]


# --- a loaded version and the folder, without building again ---------------------------------

@pytest.fixture(scope="module")
def two_versions(tmp_path_factory, embedder):
    """A small index built twice (the second time with one more report): each test works on a copy."""
    root = tmp_path_factory.mktemp("two-versions")
    corpus = root / "corpus"
    two_reports(corpus)
    first = build_index(corpus, root / "index", embedder=embedder).version
    (corpus / "c.txt").write_text("市科协办公室工作总结\n一、服务保障\n完成公文处理520件，组织会议服务66场。\n",
                                  encoding="utf-8")
    second = build_index(corpus, root / "index", embedder=embedder).version
    return root / "index", first, second


@pytest.fixture
def index(two_versions, tmp_path):
    shutil.copytree(two_versions[0], tmp_path / "index")
    return tmp_path / "index"


def test_a_version_records_its_files_and_the_one_before(two_versions, index):
    _, first, second = two_versions
    store = EmbeddedStore(index)
    version = store.files.current()
    assert version.name == second and version.manifest.previous == first
    on_disk = {p.relative_to(version.path).as_posix() for p in version.path.rglob("*") if p.is_file()}
    assert set(version.manifest.files) == on_disk - {"manifest.json"}
    assert store.size_bytes() == sum(p.stat().st_size for p in version.path.rglob("*") if p.is_file())
    # The room asked for before writing is never less than what a version takes.
    chunks = version.read_chunks()
    assert estimate_bytes(chunks, version.read_vectors().shape[1]) > store.size_bytes() > 0
    assert EmbeddedStore(index.parent / "none").size_bytes() == 0


def test_a_missing_file_or_version_is_damage_and_cleaning_then_keeps_every_version(two_versions, index):
    _, first, second = two_versions
    store = IndexStore(index)
    (index / "versions" / second / "bm25_words").rename(index / "moved")
    with pytest.raises(IndexCorrupt, match="索引文件缺失：bm25_words/"):
        store.current()
    assert store.current(verify=False).name == second  # loading without the check is the caller's choice
    (index / "CURRENT").write_text("v-gone\n", encoding="utf-8")
    with pytest.raises(IndexCorrupt, match="缺少清单文件"):
        store.current()
    assert store.current_or_none() is None and EmbeddedStore(index).current_manifest() is None
    (index / "versions" / ".tmp-dead0001").mkdir()
    (index / ".CURRENT.dead0001").write_text("v-never\n", encoding="utf-8")
    # With the live version unknown, no version is garbage: only what killed builds left goes.
    assert sorted(store.clean()) == [".CURRENT.dead0001", ".tmp-dead0001"]
    assert sorted(p.name for p in (index / "versions").iterdir()) == sorted([first, second])
    (index / "CURRENT").write_text("", encoding="utf-8")
    with pytest.raises(IndexMissing, match="python -m indexer build"):
        store.current()


def test_vectors_are_offered_again_only_to_the_same_model_from_an_intact_version(index, embedder):
    store = EmbeddedStore(index)
    version = store.files.current()
    chunks, vectors = version.read_chunks(), version.read_vectors()
    keys = {text_key(c.embedding_text()): i for i, c in enumerate(chunks)}
    wanted = set(list(keys)[:2]) | {"not-a-passage"}
    cached = store.cached_vectors(wanted, version.manifest.model_fingerprint)
    assert set(cached) == wanted - {"not-a-passage"}
    assert all(np.array_equal(v, vectors[keys[k]]) for k, v in cached.items())
    assert store.cached_vectors(wanted, "another-model") == {}
    npy = version.file("vectors.npy")
    npy.write_bytes(npy.read_bytes()[:-4] + b"\1\2\3\4")
    assert store.cached_vectors(wanted, version.manifest.model_fingerprint) == {}  # damage costs the cache only
    by_doc = store.previous_chunks({"c.txt", "gone.txt"})
    assert by_doc["gone.txt"] == [] and by_doc["c.txt"] == [c for c in chunks if c.doc == "c.txt"] != []
    assert store.previous_chunks(set()) == {}


def test_a_loaded_version_filters_by_document(searcher, embedder):
    snap = searcher.snapshot
    docs = sorted({c.doc for c in snap.all_chunks()})
    assert snap.count() == len(snap.all_chunks()) and len(docs) == 5
    snap.all_chunks().clear()  # a copy: the version's passages stay
    q = "全域科普活动"
    qvec = embedder.encode_queries([q])[0]
    whole = snap.dense(qvec, 10)
    only = snap.dense(qvec, 10, docs=[docs[1], "not-indexed.txt"])
    assert len(whole.ids) == 10 and len(only.ids) > 0
    assert {c.doc for c in snap.chunks(only.ids)} == {docs[1]}
    # Rescoring a candidate gives the score the search gave it.
    again = only.rescore([int(i) for i in only.ids[:3]])
    assert np.allclose([again[int(i)] for i in only.ids[:3]], only.scores[:3], atol=1e-4)
    assert len(snap.dense(qvec, 10, docs=["not-indexed.txt"]).ids) == 0
    for name, ranking in snap.keyword(q, 10, docs=[docs[0]]).items():
        assert {c.doc for c in snap.chunks(ranking.ids)} <= {docs[0]} and (ranking.scores > 0).all(), name
    # A query none of whose terms occur matches no passage, rather than all of them with a zero score.
    assert all(len(r.ids) == 0 for r in snap.keyword("ZZQX", 10).values())


def test_write_errors_name_the_cause_for_users(tmp_path):
    full = storage_error(OSError(errno.ENOSPC, "No space left on device"), tmp_path / "index", needed=3 * 1024 * 1024)
    assert isinstance(full, DiskFull) and "写入新索引约需 3.0 MB" in str(full) and "只剩" in str(full)
    assert isinstance(storage_error(OSError(errno.EDQUOT, "Disk quota exceeded"), tmp_path), DiskFull)
    denied = storage_error(PermissionError(errno.EACCES, "Permission denied", "/srv/index/CURRENT"), tmp_path)
    assert isinstance(denied, IndexNotWritable) and "没有写入权限（/srv/index/CURRENT）" in str(denied)
    assert "文件系统是只读的" in str(storage_error(OSError(errno.EROFS, "Read-only file system"), tmp_path))
    assert storage_error(OSError(errno.EIO, "Input/output error"), tmp_path) is None  # not ours to explain
