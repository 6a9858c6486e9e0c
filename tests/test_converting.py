"""Word 97-2003 and WPS 文字 through LibreOffice: headings and tables kept,
bad files skipped with a reason, a converter that overruns killed. The
files are written by python-docx and LibreOffice and read by the real loader."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import pytest

from documents import TABLE, exact_offsets, word_report
from indexer.converting import convert
from indexer.loading import LoadError, load_corpus, load_document

pytestmark = pytest.mark.usefixtures("converter_installed")  # LibreOffice, as `make test` installs it


@pytest.mark.parametrize("suffix", [".doc", ".wps"])
def test_word97_and_wps_keep_headings_and_tables(tmp_path, suffix, settings):
    # LibreOffice writes the Word 97 binary; WPS 文字 saves the same OLE format under .wps.
    source = word_report("市科协党组工作报告", "一、加强政治建设", "全年召开党组会议29次。", TABLE, "表1 主要指标")
    (tmp_path / f"r{suffix}").write_bytes(convert(source, "docx", "doc"))
    doc = load_document(tmp_path / f"r{suffix}", tmp_path, settings=settings)
    assert doc.title == "市科协党组工作报告"
    lines = doc.text.split("\n")
    assert "全年召开党组会议29次。" in lines
    assert "指标：一般公共预算收入，2025年：2796.3亿元，增长：3.1%" in lines
    heading = next(h for h in doc.headings if h.level == 1)
    assert doc.text[heading.start:heading.end] == "一、加强政治建设"
    exact_offsets(doc)


def test_bad_word_files_are_skipped_with_a_reason_and_the_rest_indexes(tmp_path, settings):
    good = word_report("好报告", "一、概况", "全年开展活动18项。")
    (tmp_path / "good.docx").write_bytes(good)
    (tmp_path / "cut.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    (tmp_path / "fake.wps").write_bytes("这不是WPS文件".encode() * 50)
    (tmp_path / "broken.docx").write_bytes(good[: len(good) // 2])
    result = load_corpus(tmp_path, settings)
    assert [d.path for d in result.documents] == ["good.docx"]
    reasons = {s.path: s.reason for s in result.skipped}
    assert "与扩展名 .wps 不符" in reasons["fake.wps"]
    assert "已损坏" in reasons["broken.docx"]
    assert "损坏" in reasons["cut.doc"]


def test_a_converter_that_overruns_is_killed_and_the_file_skipped(tmp_path, settings):
    hasty = replace(settings, convert_timeout=0.1)  # LibreOffice cannot even start in that time
    (tmp_path / "r.doc").write_bytes(convert(word_report("报告", "一、概况", "正文。"), "docx", "doc", timeout=120))
    with pytest.raises(LoadError, match="转换超时"):
        load_document(tmp_path / "r.doc", tmp_path, settings=hasty)
    assert not list(Path(tempfile.gettempdir()).glob("partyqa-convert-*"))
