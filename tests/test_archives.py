"""Zip archives: dropped into the corpus or uploaded, unpacked safely into a
folder (no path escapes, links, nested archives or zip bombs), the files
inside read with ids relative to the corpus."""

from __future__ import annotations

import stat
import zipfile

import pytest

from documents import GOV_PAGE, _zip, word_report
from indexer.archives import load_corpus_unpacked
from indexer.loading import LoadError, load_corpus

pytestmark = pytest.mark.usefixtures("converter_installed")  # LibreOffice, as `make test` installs it


def _link(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


def test_subfolders_and_a_dropped_zip_are_read_with_relative_ids(tmp_path, settings):
    (tmp_path / "2024" / "科协").mkdir(parents=True)
    (tmp_path / "2024" / "科协" / "a.txt").write_text("市科协工作报告\n全年开展活动18项。\n", encoding="utf-8")
    (tmp_path / "报告集.zip").write_bytes(_zip([
        ("子目录/b.docx", word_report("市科技局工作报告", "一、概况", "全年开展活动27项。")),
        ("../../escape.txt", "越界".encode()), ("/etc/cron.d/x.txt", b"abs"), _link("link.txt", "/etc/passwd"),
        ("tool.exe", b"MZ"), ("inner.zip", _zip([("c.txt", b"x")])),
    ]))
    from indexer.archives import pending_archives

    assert pending_archives(tmp_path) == ["报告集.zip"]  # the app's status shows it waiting
    result = load_corpus_unpacked(tmp_path, settings)
    assert pending_archives(tmp_path) == []
    assert sorted(d.path for d in result.documents) == ["2024/科协/a.txt", "报告集/子目录/b.docx"]
    reasons = {s.path: s.reason for s in result.skipped}
    assert "路径不安全" in reasons["报告集.zip/../../escape.txt"]
    assert "路径不安全" in reasons["报告集.zip//etc/cron.d/x.txt"]
    assert "链接" in reasons["报告集.zip/link.txt"]
    assert "不支持" in reasons["报告集.zip/tool.exe"] and "压缩包" in reasons["报告集.zip/inner.zip"]
    assert not (tmp_path.parent / "escape.txt").exists() and not (tmp_path / "link.txt").exists()
    # A second load neither unpacks again nor forgets what was left out.
    mtime = (tmp_path / "报告集" / "子目录" / "b.docx").stat().st_mtime_ns
    again = load_corpus_unpacked(tmp_path, settings)
    assert (tmp_path / "报告集" / "子目录" / "b.docx").stat().st_mtime_ns == mtime
    assert {s.path for s in again.skipped} == set(reasons)


def test_zip_bomb_and_broken_archives_leave_nothing(tmp_path):
    from indexer.archives import unpack_zip

    bomb = _zip([("bomb.txt", b"0" * (10 * 1024 * 1024))])  # ~10 KB that expand a thousandfold
    with pytest.raises(LoadError, match="压缩炸弹|过大"):
        unpack_zip(bomb, tmp_path / "bomb")
    with pytest.raises(LoadError, match="损坏"):
        unpack_zip(b"PK\x03\x04" + b"\x00" * 100, tmp_path / "broken")
    assert [p.name for p in tmp_path.iterdir()] == []


def test_uploaded_zip_is_checked_and_unpacked_into_a_folder(tmp_path, settings):
    from indexer.corpus import UploadError, save_upload

    corpus = tmp_path / "corpus"
    good = _zip([("一/a.docx", word_report("市科协报告", "一、概况", "开展活动3项。")),
                 ("b.html", GOV_PAGE.encode("gbk"))])
    folder = save_upload(corpus, "上传的报告.zip", good, settings=settings)
    assert folder == (corpus / "上传的报告").resolve()
    assert sorted(d.path for d in load_corpus(corpus, settings).documents) == ["上传的报告/b.html",
                                                                               "上传的报告/一/a.docx"]
    bad = _zip([("ok.txt", "正常的报告内容。".encode()), ("bad.docx", b"PK\x03\x04broken")])
    with pytest.raises(UploadError, match="bad.docx"):
        save_upload(corpus, "坏.zip", bad, settings=settings)
    with pytest.raises(UploadError, match="同名文件夹"):
        save_upload(corpus, "上传的报告.zip", good, settings=settings)
    with pytest.raises(UploadError, match="不是 zip"):
        save_upload(corpus, "假.zip", "文本".encode() * 10, settings=settings)
    assert sorted(p.name for p in corpus.iterdir()) == ["上传的报告"]
