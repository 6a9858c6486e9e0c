"""What a format reader hands on: paragraphs joined with exact offsets for
headings and table rows, a table named by its caption or numbered, and
pages with the offset where each begins."""

from __future__ import annotations

from indexer.extraction import TextBuilder, normalize_newlines, paged
from indexer.tables import Table

ROWS = [["指标", "单位", "2025年"], ["地区生产总值", "亿元", "31580.6"], ["", "", ""], ["常住人口", "万人", "3190"]]


def test_headings_and_table_rows_land_where_the_text_has_them():
    b = TextBuilder()
    b.add("一、总体情况", level=1)
    b.add("   ", level=1)  # a blank line is no heading
    b.add("全年开展活动18项。\r\n第二行\r第三行")
    b.add("表1 主要指标完成情况表")
    b.add_table(Table(b.table_name(1), ROWS))
    b.add_table(Table(b.table_name(2), [["", ""]]))  # nothing to say: no span, no lines
    b.add("（二）今年安排", level=2)
    ex = b.result(title="报告")
    assert ex.title == "报告" and "\r" not in ex.text
    assert [(ex.text[h.start:h.end], h.level) for h in ex.headings] == [("一、总体情况", 1), ("（二）今年安排", 2)]
    (span,) = ex.tables
    assert span.name == "表1 主要指标完成情况表"
    assert ex.text[span.start:span.end].split("\n") == ["指标：地区生产总值，2025年：31580.6亿元",
                                                        "指标：常住人口，2025年：3190万人"]
    assert ex.text[span.end] == "\n" and ex.text[span.start - 1] == "\n"


def test_a_table_without_a_caption_is_numbered():
    b = TextBuilder()
    b.add("全年开展活动18项。")
    assert b.table_name(3) == "表3"
    b.add("附表 各区县科普阵地一览")
    b.add("")
    assert b.table_name(3) == "附表 各区县科普阵地一览"  # blank lines between caption and table do not count


def test_pages_begin_where_the_previous_one_and_its_newline_end():
    ex = paged(["第一页", "", "第三页文字"], ocr_pages=(1, 3))
    assert ex.text == "第一页\n\n第三页文字" and ex.page_starts == (0, 4, 5) and ex.ocr_pages == (1, 3)
    assert [ex.text[s:].split("\n")[0] for s in ex.page_starts] == ["第一页", "", "第三页文字"]
    assert paged([]).text == "" and paged([]).page_starts == ()
    assert normalize_newlines("a\r\nb\rc\n") == "a\nb\nc\n"
