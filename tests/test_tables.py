"""Tables as text: each data row one line of "header：value" cells joined by
"，", units of a column header or a 单位 column written after each number,
empty rows and cells left out, and which paragraph above a table is its
caption (tables read from .docx, PDF and web pages: test_loading.py,
test_pdf.py, test_webpages.py)."""

from __future__ import annotations

import pytest

from indexer.quantities import quantities
from indexer.tables import MAX_CAPTION, Table, caption_of, render_rows


def rows(*rows: list[str]) -> list[str]:
    return render_rows(Table("表1 主要指标", list(rows)))


def test_each_row_names_its_values_by_their_headers():
    # Figures of the 2025 reviews of the 重庆 and 浙江 reports.
    assert rows(["地区", "地区生产总值增长"], ["重庆市", "5.3%"], ["浙江省", "5.5%"]) == [
        "地区：重庆市，地区生产总值增长：5.3%", "地区：浙江省，地区生产总值增长：5.5%"]
    assert rows(["地区", "地区生产总值", "增长"], ["重庆市", "33757.93亿元", "5.3%"]) == [
        "地区：重庆市，地区生产总值：33757.93亿元，增长：5.3%"]


def test_a_unit_in_a_column_header_follows_each_number_of_the_column():
    lines = rows(["指标", "2025年（亿元）", "增长（%）"], ["地区生产总值", "33757.93", "5.3"],
                 ["一般公共预算收入", "2400", "-1.2"])
    assert lines == ["指标：地区生产总值，2025年（亿元）：33757.93亿元，增长（%）：5.3%",
                     "指标：一般公共预算收入，2025年（亿元）：2400亿元，增长（%）：-1.2%"]
    # The row now states figures the quantity reader takes with their unit.
    assert [m.group(0) for m in quantities(lines[0])] == ["33757.93亿元", "5.3%"]


def test_unit_headers_with_a_label_half_width_brackets_and_separators():
    assert rows(["项目", "金额（单位：万元）"], ["科普经费", "1,234.5"], ["合计", "−12"]) == [
        "项目：科普经费，金额（单位：万元）：1,234.5万元", "项目：合计，金额（单位：万元）：−12万元"]
    assert rows(["项目", "金额 (万元)"], ["科普经费", "12"]) == ["项目：科普经费，金额 (万元)：12万元"]
    # A value that is no plain number gets no unit.
    assert rows(["项目", "金额（万元）"], ["科普经费", "约12"], ["其他", "12.5%"], ["备注", "5a"]) == [
        "项目：科普经费，金额（万元）：约12", "项目：其他，金额（万元）：12.5%", "项目：备注，金额（万元）：5a"]
    # A header that is only a unit names no column unit.
    assert rows(["（亿元）", "值"], ["5", "6"]) == ["（亿元）：5，值：6"]


def test_a_unit_column_gives_the_unit_of_its_row_and_is_not_a_cell():
    assert rows(["指标", "单位", "2025年", "增长"], ["地区生产总值", "亿元", "33757.93", "5.3%"],
                ["城镇新增就业", "万人", "72", ""]) == [
        "指标：地区生产总值，2025年：33757.93亿元，增长：5.3%", "指标：城镇新增就业，2025年：72万人"]
    assert rows(["指标", "计量单位", "数值"], ["粮食产量", "亿斤", "732.5"]) == ["指标：粮食产量，数值：732.5亿斤"]
    # A column header's own unit wins over the row's.
    assert rows(["指标", "单位", "增长（%）"], ["粮食产量", "亿斤", "2.1"]) == ["指标：粮食产量，增长（%）：2.1%"]


def test_cells_are_cleaned_and_empty_ones_left_out():
    assert rows(["项目\n名称", "金额  (万元)"], [" 科普\n经费 ", "12"]) == ["项目 名称：科普 经费，金额 (万元)：12万元"]
    assert rows(["指标", "2025年", "2024年"], ["地区生产总值", "", "32193"], ["", "", ""], ["备注", "", ""]) == [
        "指标：地区生产总值，2024年：32193", "指标：备注"]
    # A cell past the header is kept without a name; a value equal to its header without one.
    assert rows(["项目", "金额（万元）"], ["科普经费", "12", "另计"]) == ["项目：科普经费，金额（万元）：12万元，另计"]
    assert rows(["指标", "说明"], ["地区生产总值", "说明"]) == ["指标：地区生产总值，说明"]


def test_a_table_of_one_row_keeps_its_values():
    assert rows(["地区生产总值", "33757.93", "亿元"]) == ["地区生产总值；33757.93；亿元"]
    assert rows(["", "  "], ["地区生产总值", "", "33757.93"]) == ["地区生产总值；33757.93"]
    assert rows() == [] and rows(["", ""], [" ", "\n"]) == []


@pytest.mark.parametrize("paragraph", [
    "表1 2025年主要指标", "表 3", "附表：项目清单", "2025年重点项目一览", "科普经费统计表",
    "主要经济指标完成情况表", "收支明细", "  表2　科普经费  ",
])
def test_captions(paragraph):
    assert caption_of(paragraph) == paragraph.strip()


@pytest.mark.parametrize("paragraph", [
    "",
    "主要指标如下：",
    "全年地区生产总值达到33757.93亿元，增长5.3%。",
    "各项指标完成情况良好，具体如下表所示，其中地区生产总值增长5.3%，一般公共预算收入增长1.2%，附表",
    "2025年主要经济指标" + "完成情况" * 8 + "统计表",   # longer than a caption
    "科普经费统计表".ljust(MAX_CAPTION + 1, "。"),
])
def test_not_captions(paragraph):
    assert caption_of(paragraph) is None


def test_only_signed_numbers_take_the_unit_of_their_column():
    table = Table("t", [["项目", "金额（万元）"], ["编号", "A5"], ["收入", "-5"], ["支出", "−3.5"], ["合计", "+12"]])
    assert render_rows(table) == ["项目：编号，金额（万元）：A5", "项目：收入，金额（万元）：-5万元",
                                  "项目：支出，金额（万元）：−3.5万元", "项目：合计，金额（万元）：+12万元"]
