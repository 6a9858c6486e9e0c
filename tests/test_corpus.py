"""Corpus management behind the 语料管理 page: readable uploads only, the
recycle folder with undo, catalog edits, and the cached status."""

from __future__ import annotations

import io
import tomllib

import pytest

from indexer.corpus import (StatusCache, UploadError, delete_document, list_recycled, restore_document, save_upload,
                            update_catalog, write_catalog)
from indexer.loading import read_catalog


def listing(root):
    return sorted(p.name for p in root.iterdir())


def test_a_binary_renamed_txt_leaves_nothing_behind(small_corpus):
    before = listing(small_corpus)
    with pytest.raises(UploadError, match="不是文本.*未保存"):
        save_upload(small_corpus, "报告.txt", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8)
    with pytest.raises(UploadError, match="Word 文件已损坏"):
        save_upload(small_corpus, "报告.docx", b"PK\x03\x04 not really a zip")
    assert listing(small_corpus) == before  # no file, no hidden temporary file


def test_a_real_docx_upload_is_kept(small_corpus):
    import docx

    d = docx.Document()
    d.add_paragraph("新报告")
    d.add_paragraph("组织开展科技志愿服务活动19.4万场。")
    buf = io.BytesIO()
    d.save(buf)
    assert save_upload(small_corpus, "新报告.docx", buf.getvalue()).name == "新报告.docx"


def test_delete_moves_to_recycle_and_undo_restores_file_and_catalog(small_corpus, tmp_path):
    recycle = tmp_path / "data" / "recycle"
    update_catalog(small_corpus, "a.txt", {"title": "年度报告", "body": "市科协", "date": "2023年", "year": "2023"})
    data = (small_corpus / "a.txt").read_bytes()
    gone = delete_document(small_corpus, "a.txt", recycle, title="年度报告")
    assert not (small_corpus / "a.txt").exists() and "a.txt" not in read_catalog(small_corpus)
    assert [r.id for r in list_recycled(recycle)] == [gone.id] and gone.title == "年度报告"
    assert restore_document(small_corpus, recycle, gone.id) == "a.txt"
    assert (small_corpus / "a.txt").read_bytes() == data
    assert read_catalog(small_corpus)["a.txt"] == {"title": "年度报告", "body": "市科协", "date": "2023年", "year": 2023}
    assert list_recycled(recycle) == []
    with pytest.raises(UploadError, match="已经恢复"):
        restore_document(small_corpus, recycle, gone.id)
    with pytest.raises(UploadError, match="找不到"):
        delete_document(small_corpus, "../outside.txt", recycle)


def test_restore_does_not_overwrite_a_newer_file(small_corpus, tmp_path):
    gone = delete_document(small_corpus, "b.txt", tmp_path / "recycle")
    (small_corpus / "b.txt").write_text("同名的新文件\n", encoding="utf-8")
    with pytest.raises(UploadError, match="同名文件"):
        restore_document(small_corpus, tmp_path / "recycle", gone.id)
    assert list_recycled(tmp_path / "recycle")  # still there to restore later


def test_catalog_edits_keep_other_entries_and_quote_safely(small_corpus):
    (small_corpus / "catalog.toml").write_text('["b.txt"]\ntitle = "科技局报告"\nbody = "科技局"\n', encoding="utf-8")
    update_catalog(small_corpus, "a.txt", {"title": '带"引号"和\\反斜杠的标题', "kind": "工作报告", "year": "2024"})
    update_catalog(small_corpus, "b.txt", {"body": ""})  # an emptied field is removed
    data = tomllib.loads((small_corpus / "catalog.toml").read_text(encoding="utf-8"))
    assert data["a.txt"] == {"title": '带"引号"和\\反斜杠的标题', "kind": "工作报告", "year": 2024}
    assert data["b.txt"] == {"title": "科技局报告"}
    write_catalog(small_corpus, {})
    assert read_catalog(small_corpus) == {}


def test_status_is_cached_until_something_changes(small_corpus, tmp_path, embedder):
    from indexer.building import build_index

    index = tmp_path / "index"
    cache = StatusCache(small_corpus, index)
    assert cache.get().stale and cache.computed == 1
    cache.get()
    assert cache.computed == 1  # nothing changed: no hashing
    build_index(small_corpus, index, embedder=embedder)
    assert not cache.get().stale and cache.computed == 2  # a new index version
    cache.get()
    assert cache.computed == 2
    (small_corpus / "c.txt").write_text("新文件\n一、内容\n正文。\n", encoding="utf-8")
    assert cache.get().added == ["c.txt"]
    update_catalog(small_corpus, "a.txt", {"date": "2023年"})
    assert "catalog.toml" in cache.get().changed
    cache.invalidate()
    cache.get()
    assert cache.computed == 5
