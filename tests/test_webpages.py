"""Saved web pages: the main text with its title, date and tables, without
the site's navigation; MHTML archives read as their page; pages without a
body skipped."""

from __future__ import annotations

import pytest

from bench import formats as format_bench
from documents import GOV_PAGE, exact_offsets
from indexer.chunking import chunk_document
from indexer.loading import load_corpus, load_document

pytestmark = pytest.mark.usefixtures("converter_installed")  # LibreOffice, as `make test` installs it


def test_saved_web_page_keeps_main_text_title_date_and_table(tmp_path, settings):
    (tmp_path / "page.html").write_bytes(GOV_PAGE.encode("gbk"))
    doc = load_document(tmp_path / "page.html", tmp_path, settings=settings)
    assert doc.title == "2026年某市科协工作报告"
    assert doc.date == "2026年2月3日" and doc.year == 2026
    lines = doc.text.split("\n")
    assert "指标：科普受众，2025年（万人次）：736.5万人次，增长：12.4%" in lines
    for residue in ("首页", "打印", "版权所有", "政务公开"):
        assert residue not in doc.text
    exact_offsets(doc)
    row = next(c for c in chunk_document(doc) if "科普受众" in c.text)
    assert row.section == "一、工作回顾 > 表2 科普指标完成情况表"


def test_mhtml_archive_reads_as_its_page(tmp_path, settings):
    (tmp_path / "page.html").write_bytes(GOV_PAGE.encode("gbk"))
    page = load_document(tmp_path / "page.html", tmp_path, settings=settings)
    (tmp_path / "page.mhtml").write_bytes(format_bench.mhtml_of(GOV_PAGE))
    archived = load_document(tmp_path / "page.mhtml", tmp_path, settings=settings)
    assert (archived.text, archived.title, archived.date) == (page.text, page.title, page.date)


def test_bad_web_pages_are_skipped(tmp_path, settings):
    (tmp_path / "empty.html").write_text("<html><body><script>var 首页 = 1;</script></body></html>", encoding="utf-8")
    (tmp_path / "nopage.mhtml").write_bytes(b"MIME-Version: 1.0\nContent-Type: multipart/related; boundary=x\n\n--x--\n")
    result = load_corpus(tmp_path, settings)
    assert not result.documents
    assert {s.path for s in result.skipped} == {"empty.html", "nopage.mhtml"}
    assert all("正文" in s.reason for s in result.skipped)
