"""Visual lines back into paragraphs: real report paragraphs set as 公文
lines (two-character indent, lines full to the right margin but the last)
come back as they were written, whatever order the lines arrive in; short
lines and indents end paragraphs; spaces left where the font changes are
dropped (OFD and OCR end to end: test_ofd.py, test_formats.py)."""

from __future__ import annotations

import random

from indexer.layout import Line, paragraphs

SIZE = 16.0   # one character, and the line height
MARGIN = 90.0
PER_LINE = 28  # characters between the margins


def typeset(paras: list[str], indent: bool = True) -> list[Line]:
    """``paras`` as a typesetter places them: each paragraph's first line
    indented by two characters, the others from the margin, every line full
    but the last."""
    lines, top = [], 100.0
    for para in paras:
        first = 2 if indent else 0
        rest, offset = para, first
        while rest:
            n = PER_LINE - offset
            text, rest = rest[:n], rest[n:]
            left = MARGIN + offset * SIZE
            lines.append(Line(top, left, left + len(text) * SIZE, SIZE, text))
            top += 1.5 * SIZE
            offset = 0
    return lines


def report_paragraphs(text: str, n: int) -> list[str]:
    """``n`` body paragraphs of a report, from 各位代表： on."""
    return text[text.index("各位代表："):].split("\n")[:n]


def test_real_paragraphs_come_back_as_written(gov_report):
    paras = report_paragraphs(gov_report("重庆市_2026政府工作报告.txt"), 6)
    assert paras[0] == "各位代表："
    assert paras[2] == "一、2025年和“十四五”时期工作回顾"
    assert len(paras[3]) > 5 * PER_LINE  # a long paragraph over several lines
    lines = typeset(paras)
    assert len(lines) > 20
    assert paragraphs(lines) == paras


def test_line_order_does_not_matter(gov_report):
    paras = report_paragraphs(gov_report("浙江省_2026政府工作报告.txt"), 5)
    lines = typeset(paras)
    random.Random(13).shuffle(lines)
    assert paragraphs(lines) == paras


def test_a_short_line_ends_a_paragraph_without_an_indent(gov_report):
    """Headings and paragraphs set flush left: only the short last lines divide them."""
    paras = report_paragraphs(gov_report("湖北省_2026政府工作报告.txt"), 5)
    assert all(len(p) % PER_LINE for p in paras)  # no paragraph ends on a full line
    assert paragraphs(typeset(paras, indent=False)) == paras


def test_an_indent_ends_a_paragraph_whose_last_line_is_full(gov_report):
    body = report_paragraphs(gov_report("重庆市_2026政府工作报告.txt"), 4)[3]
    full = body[:2 * PER_LINE - 2]  # two lines, both full
    paras = [full, "城镇新增就业72万人。"]
    lines = typeset(paras)
    assert [line.right for line in lines[:2]] == [MARGIN + PER_LINE * SIZE] * 2
    assert paragraphs(lines) == paras
    # Flush left, a full line runs on into the next one: one paragraph.
    assert paragraphs(typeset(paras, indent=False)) == ["".join(paras)]


def test_spaces_where_the_font_changes_are_dropped():
    line = Line(0, 0, 500, 16, "全年新增 17 家，增长 5.3% 以上，2025 年，第一\u00a0章")
    assert paragraphs([line]) == ["全年新增17家，增长5.3%以上，2025年，第一章"]
    # Between Latin words, and between a Latin word and a Chinese one, spaces stay.
    assert paragraphs([Line(0, 0, 500, 16, "GDP 增长，Hello world")]) == ["GDP 增长，Hello world"]
    assert paragraphs([Line(0, 0, 500, 16, "  各位代表：\u3000")]) == ["各位代表："]


def test_blank_lines_and_no_lines():
    assert paragraphs([]) == []
    assert paragraphs([Line(0, 0, 100, 16, "  "), Line(20, 0, 100, 16, "")]) == []
    blank_between = [Line(0, 0, 400, 16, "第一行写满了"), Line(20, 0, 400, 16, " "), Line(40, 0, 200, 16, "第二行")]
    assert paragraphs(blank_between) == ["第一行写满了第二行"]


def test_lines_without_a_height_still_join():
    assert paragraphs([Line(0, 0, 100, 0, "甲"), Line(10, 0, 100, 0, "乙")]) == ["甲乙"]
