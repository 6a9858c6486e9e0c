"""The app's background engine on real indexes with the session's model:
it builds a missing index and follows the corpus; without automatic builds
it leaves a changed corpus alone but loads a version built elsewhere; a
damaged new version is reported while the old one keeps answering; a
failed start is told in Chinese and retried only after a pause."""

from __future__ import annotations

import errno

import pytest

import indexer.service
from indexer.building import build_index
from indexer.errors import IndexCorrupt, PartyQAError
from indexer.service import Engine, user_message
from indexer.store.embedded import IndexStore

SCIENCE_Q = "全市开展了多少项全域科普活动"
VOLUNTEER = "新增报告\n一、科技志愿服务\n组织科技志愿服务活动19.4万场。\n"
VOLUNTEER_Q = "科技志愿服务活动开展了多少场"


def engine(corpus, index, embedder, **kw) -> Engine:
    """An engine sharing the session's model (as an office's engines share one)."""
    return Engine(corpus, str(index), embedders={embedder.name: embedder}, **kw)


def answer(e: Engine, q: str) -> str:
    r = e.answerer.ask(q)
    return r.answers[0].text if r.found and r.answers else ""


def test_builds_a_missing_index_then_follows_the_corpus(small_corpus, tmp_path, embedder):
    e = engine(small_corpus, tmp_path / "index", embedder)
    assert e.wait(60) and not e.error and e.stage == ""
    assert sorted(e.last_report.added) == ["a.txt", "b.txt"] and e.version == IndexStore(tmp_path / "index").current_name()
    assert answer(e, SCIENCE_Q) == "18153项" and e.ready_at is not None and e.embedder(None) is embedder
    first = e.version
    e.refresh()  # nothing changed: no work started (a start marks the engine busy before returning)
    assert not e.busy and e.version == first
    (small_corpus / "c.txt").write_text(VOLUNTEER, encoding="utf-8")
    e.refresh()
    assert e.wait(60) and e.version != first and e.last_report.added == ["c.txt"]
    assert answer(e, VOLUNTEER_Q) == "19.4万场"
    (small_corpus / "c.txt").write_text(VOLUNTEER.replace("19.4万场", "21.5万场"), encoding="utf-8")
    stages = []
    report = e.build_now(progress=lambda stage, done, total: stages.append(stage))  # in this thread, at once
    assert report.changed == ["c.txt"] and e.version == report.version and answer(e, VOLUNTEER_Q) == "21.5万场"
    assert "embed" in stages and e.stage == "" and not e.busy


def test_without_automatic_builds_only_versions_built_elsewhere_are_loaded(small_corpus, tmp_path, embedder):
    index = tmp_path / "index"
    build_index(small_corpus, index, embedder=embedder)
    e = engine(small_corpus, index, embedder, auto_build=False)
    assert e.wait(60) and e.last_report is None
    first = e.version
    (small_corpus / "c.txt").write_text(VOLUNTEER, encoding="utf-8")
    e.refresh()
    assert e.wait(60) and e.version == first and e.status().added == ["c.txt"]
    assert e.build_now() is None and e.version == first  # the owner of the index builds it, not this engine
    built = build_index(small_corpus, index, embedder=embedder)  # as the CLI or another process would
    e.refresh()
    assert e.wait(60) and e.version == built.version and answer(e, VOLUNTEER_Q) == "19.4万场"


def test_a_damaged_new_version_is_reported_and_the_old_one_keeps_answering(small_corpus, tmp_path, embedder):
    index = tmp_path / "index"
    e = engine(small_corpus, index, embedder, auto_build=False)
    assert e.wait(60)
    first = e.version
    (small_corpus / "c.txt").write_text(VOLUNTEER, encoding="utf-8")
    build_index(small_corpus, index, embedder=embedder)
    vectors = IndexStore(index).current().file("vectors.npy")
    vectors.write_bytes(vectors.read_bytes()[:-8] + b"\0" * 8)
    e.refresh()
    assert e.wait(60)  # still ready: the sessions keep the version they had
    assert "索引文件已损坏" in e.error and e.version == first and answer(e, SCIENCE_Q) == "18153项"


def test_a_failed_start_is_told_in_chinese_and_retried_after_a_pause(tmp_path, embedder, monkeypatch):
    corpus = tmp_path / "corpus"  # not there yet
    e = engine(corpus, tmp_path / "index", embedder)
    assert not e.wait(60) and e.answerer is None
    assert e.error == f"语料目录不存在：{corpus}"
    corpus.mkdir()
    (corpus / "c.txt").write_text(VOLUNTEER, encoding="utf-8")
    e.refresh()  # within the pause the failing work is not started again
    assert not e.busy and not e.ready
    monkeypatch.setattr(indexer.service, "RETRY_AFTER_S", 0)
    e.refresh()
    assert e.wait(60) and e.error == "" and answer(e, VOLUNTEER_Q) == "19.4万场"


@pytest.mark.parametrize("exc, says", [
    (IndexCorrupt("索引文件已损坏（校验和不符）：vectors.npy。"), "索引文件已损坏（校验和不符）：vectors.npy。"),
    (MemoryError(), "内存不足"),
    (PermissionError(errno.EACCES, "Permission denied", "/srv/index"), "没有权限"),
    (OSError(errno.ENOSPC, "No space left on device"), "磁盘已满"),
    (KeyError("chunks"), "意外错误"),
], ids=["library", "memory", "permission", "disk-full", "bug"])
def test_user_message_is_chinese_and_keeps_details_out(exc, says):
    message = user_message(exc)
    assert says in message and "Error" not in message and "chunks" not in message and "/srv" not in message
    assert isinstance(exc, PartyQAError) == (message == str(exc))
