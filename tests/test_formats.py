"""The files offices keep: Word 97-2003 and WPS 文字 through LibreOffice,
tables kept with their headers, saved web pages, OFD, scans through OCR,
folders and zip archives. Every test file is made by a real tool here
(python-docx, LibreOffice, pypdfium2, Pillow) and read by the real loader;
the how-many questions go through a real index and the real model."""

from __future__ import annotations

import io

import docx
import pytest

from indexer.chunking import chunk_document
from indexer.converting import convert, soffice
from indexer.loading import LoadError, load_corpus, load_document

needs_soffice = pytest.mark.skipif(soffice() is None, reason="LibreOffice 未安装（make test 会安装）")


def word_report(title: str, heading: str, body: str, table: list[list[str]] | None = None,
                caption: str | None = None) -> bytes:
    """A .docx written by python-docx: title, one heading, a paragraph and
    optionally a table with a caption paragraph above it."""
    d = docx.Document()
    d.add_heading(title, level=0)
    d.add_heading(heading, level=1)
    d.add_paragraph(body)
    if table:
        if caption:
            d.add_paragraph(caption)
        t = d.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
        d.add_paragraph("以上为主要指标完成情况。")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


TABLE = [["指标", "单位", "2025年", "增长"],
         ["地区生产总值", "亿元", "31580.6", "5.4%"],
         ["一般公共预算收入", "亿元", "2796.3", "3.1%"]]


def exact_offsets(doc) -> None:
    for c in chunk_document(doc):
        assert c.text == doc.text[c.start:c.end]


def test_docx_table_rows_keep_headers_and_units(tmp_path):
    (tmp_path / "t.docx").write_bytes(word_report("某市统计公报", "一、经济运行", "全年经济运行平稳。", TABLE,
                                                 "表1 主要指标完成情况表"))
    doc = load_document(tmp_path / "t.docx", tmp_path)
    row = "指标：地区生产总值；2025年：31580.6亿元；增长：5.4%"
    assert row in doc.text.split("\n")
    chunks = chunk_document(doc)
    exact_offsets(doc)
    hit = next(c for c in chunks if c.text == row)
    assert hit.section == "一、经济运行 > 表1 主要指标完成情况表"
    after = next(c for c in chunks if "以上为主要指标" in c.text)
    assert after.section == "一、经济运行"


@needs_soffice
@pytest.mark.parametrize("suffix", [".doc", ".wps"])
def test_word97_and_wps_keep_headings_and_tables(tmp_path, suffix):
    # LibreOffice writes the Word 97 binary; WPS 文字 saves the same OLE format under .wps.
    source = word_report("市科协党组工作报告", "一、加强政治建设", "全年召开党组会议29次。", TABLE, "表1 主要指标")
    (tmp_path / f"r{suffix}").write_bytes(convert(source, "docx", "doc"))
    doc = load_document(tmp_path / f"r{suffix}", tmp_path)
    assert doc.title == "市科协党组工作报告"
    lines = doc.text.split("\n")
    assert "全年召开党组会议29次。" in lines
    assert "指标：一般公共预算收入；2025年：2796.3亿元；增长：3.1%" in lines
    heading = next(h for h in doc.headings if h.level == 1)
    assert doc.text[heading.start:heading.end] == "一、加强政治建设"
    exact_offsets(doc)


def test_bad_word_files_are_skipped_with_a_reason_and_the_rest_indexes(tmp_path):
    good = word_report("好报告", "一、概况", "全年开展活动18项。")
    (tmp_path / "good.docx").write_bytes(good)
    (tmp_path / "cut.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    (tmp_path / "fake.wps").write_bytes("这不是WPS文件".encode() * 50)
    (tmp_path / "broken.docx").write_bytes(good[: len(good) // 2])
    result = load_corpus(tmp_path)
    assert [d.path for d in result.documents] == ["good.docx"]
    reasons = {s.path: s.reason for s in result.skipped}
    assert "与扩展名 .wps 不符" in reasons["fake.wps"]
    assert "已损坏" in reasons["broken.docx"]
    if soffice():
        assert "损坏" in reasons["cut.doc"] or "无法转换" in reasons["cut.doc"]
