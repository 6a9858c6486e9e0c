"""PDF: ruled tables read as rows with their headers, named after their
caption and cited with their page, also when a page break cuts them. The
PDFs are printed by LibreOffice and read by the real loader."""

from __future__ import annotations

import io

import pytest

from documents import SCIENCE_TABLE, exact_offsets, report_with_pdf_table
from indexer.chunking import chunk_document
from indexer.loading import load_document

pytestmark = pytest.mark.usefixtures("converter_installed")  # LibreOffice, as `make test` installs it


def test_pdf_table_rows_keep_headers_and_name_the_table_and_page(tmp_path, settings):
    import pypdf

    pdf = report_with_pdf_table(SCIENCE_TABLE)
    (tmp_path / "t.pdf").write_bytes(pdf)
    doc = load_document(tmp_path / "t.pdf", tmp_path, settings=settings)
    lines = doc.text.split("\n")
    row = "指标：科技馆接待观众，2025年：86.4万人次，增长：9.7%"
    assert row in lines and "指标：注册科普志愿者，2025年：12.3万人，增长：4.1%" in lines
    assert doc.text.count("86.4") == 1  # the table is read once, as rows, not also as loose text
    # Text outside the table is pypdf's own reading, line for line; its table lines give way to the rows.
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert doc.text[:doc.page_starts[1]] == reader.pages[0].extract_text() + "\n"
    page2 = reader.pages[1].extract_text().split("\n")
    at = next(i for i, l in enumerate(page2) if l.startswith("指标"))
    assert page2[at - 1].endswith("科普工作主要指标完成情况表")  # the caption stays a line of text
    assert doc.text[doc.page_starts[1]:].split("\n") == page2[:at] + lines[lines.index(row):lines.index(row) + 2] + \
        page2[at + len(SCIENCE_TABLE):]
    exact_offsets(doc)
    hit = next(c for c in chunk_document(doc) if c.text == row)
    assert hit.section == "二、科普阵地建设 > 表3 科普工作主要指标完成情况表" and hit.page == 2
    after = next(c for c in chunk_document(doc) if "以上为科普工作" in c.text)
    assert after.section == "二、科普阵地建设"


def test_pdf_table_across_a_page_break_keeps_its_name_and_header(tmp_path, settings):
    rows = [["区县", "科普基地（个）", "科普活动（场）"]] + [[f"第{i}区", str(10 + i), str(100 + i)] for i in range(1, 71)]
    (tmp_path / "t.pdf").write_bytes(report_with_pdf_table(rows, "表4 各区县科普阵地一览"))
    doc = load_document(tmp_path / "t.pdf", tmp_path, settings=settings)
    assert len(doc.page_starts) == 3 and len(doc.tables) == 2  # one table, cut by the page break
    assert {t.name for t in doc.tables} == {"表4 各区县科普阵地一览"}
    last = "区县：第70区，科普基地（个）：80个，科普活动（场）：170场"
    assert last in doc.text.split("\n")
    exact_offsets(doc)
    hit = next(c for c in chunk_document(doc) if c.text == last)
    assert hit.page == 3 and hit.section.endswith("表4 各区县科普阵地一览")
