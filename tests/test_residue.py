"""Page residue: toolbar, label, breadcrumb, stamp and caption lines found in
reports copied from government web pages, with exact offsets, and the lines
of real content that are not residue (residue kept out of passages:
test_scope.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.residue import MAX_RESIDUE_LINE, is_residue, residue_lines

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def kept(text: str, n: int) -> list[str]:
    """The first ``n`` lines of ``text`` that are not residue, cut out by the offsets."""
    spans = residue_lines(text)
    out, pos = [], 0
    for s, e in spans:
        out += [line for line in text[pos:s].split("\n") if line]
        pos = e
    out += [line for line in text[pos:].split("\n") if line]
    return out[:n]


def test_a_page_toolbar_above_the_title_with_exact_offsets(gov_report):
    text = gov_report("重庆市_2026政府工作报告.txt")
    spans = residue_lines(text)
    assert spans[:12] == [(0, 2), (3, 5), (6, 8), (9, 11), (12, 16), (17, 19), (20, 22), (23, 25), (26, 27),
                          (75, 82), (83, 96), (24190, 24195)]
    assert [text[s:e] for s, e in spans] == ["下载", "打印", "全屏", "收藏", "【字号：", "加大", "还原", "减小", "】",
                                             "来源：重庆日报", "时间：2026-02-03", "相关报道："]
    # What is left starts with the title, the dateline and the speaker.
    assert kept(text, 4) == ["2026年重庆市政府工作报告", "——2026年1月28日在重庆市第六届人民代表大会第四次会议上",
                             "重庆市人民政府市长 胡衡华", "各位代表："]
    assert text[28:42] == "2026年重庆市政府工作报告"


def test_a_breadcrumb_its_repeated_crumb_and_a_publication_stamp(gov_report):
    text = gov_report("云南省_2026政府工作报告.txt")
    assert text.startswith("您的位置:\n首页\n>\n云南要闻\n云南要闻\n2026年政府工作报告\n来源：云南日报\n2026-02-03 09:02:33\n")
    spans = residue_lines(text)
    assert spans[:7] == [(0, 5), (6, 8), (9, 10), (11, 15), (16, 20), (33, 40), (41, 60)]
    assert [text[s:e] for s, e in spans][:7] == ["您的位置:", "首页", ">", "云南要闻", "云南要闻", "来源：云南日报",
                                                 "2026-02-03 09:02:33"]
    assert "2026年政府工作报告" not in {text[s:e] for s, e in spans}


def test_a_source_on_its_own_line_and_a_stamp_in_chinese(gov_report):
    text = gov_report("四川省_2026政府工作报告.txt")
    found = [text[s:e] for s, e in residue_lines(text)]
    assert found == ["2026年02月10日 07时41分", "来源:", "四川日报", "【字体：", "大", "中", "小", "】", "分享：",
                     "责任编辑：", "打印本页", "关闭窗口"]
    assert kept(text, 3) == ["2026年四川省人民政府工作报告", "2026年2月3日在四川省第十四届人民代表大会第五次会议上",
                             "四川省人民政府省长 施小琳"]


def test_a_photo_credit_is_residue_the_title_below_it_is_not(gov_report):
    text = gov_report("贵州省_2026政府工作报告.txt")
    assert residue_lines(text) == [(0, 23)]
    assert text[0:23] == "政府工作报告。 贵州日报天眼新闻记者 李森 摄"
    assert kept(text, 2) == ["政府工作报告", "（2026年1月27日在贵州省第十四届人民代表大会第四次会议上）"]


def test_reports_without_a_web_page_have_no_residue(gov_report):
    assert residue_lines(gov_report("国务院_2024政府工作报告.txt")) == []
    for path in sorted(CORPUS.glob("*.txt")):
        assert residue_lines(path.read_text(encoding="utf-8")) == [], path.name


@pytest.mark.parametrize("line", [
    "下载", "  打印  ", "首页", "QQ空间", "【字号：大 中 小】", "下载 | 打印 | 关闭窗口", "来源：", "【来源】：新华社",
    "日期: 2025-01-01", "浏览次数：1234", "首页 > 要闻 > 正文", "当前位置：首页 > 政务公开",
    "2026-02-03 09:02:33", "2026年02月10日 07时41分", "记者 李森 摄", "重庆日报", "浙江新闻网",
])
def test_residue(line):
    assert is_residue(line)


@pytest.mark.parametrize("line", [
    "",
    "   ",
    "下载量达到1亿次",                       # a toolbar word inside a sentence
    "来源于群众、服务于群众",               # a label word without its colon
    "各位代表：",
    "2026年重庆市政府工作报告",
    "2026-02-03",                            # a date alone is no publication stamp
    "人民日报社",
    "刚刚过去的2025年，是现代化新重庆建设纵深推进的关键之年。",
    "打印" * (MAX_RESIDUE_LINE // 2 + 1),   # longer than any toolbar
])
def test_not_residue(line):
    assert not is_residue(line)


def test_crumbs_after_a_separator_and_repeated_short_lines():
    text = "首页\n>\n要闻\n正文第一段，说明全年工作。\n"
    assert [text[s:e] for s, e in residue_lines(text)] == ["首页", ">", "要闻"]
    # After a separator, only a short line is a crumb.
    text = ">\n这是一个超过十二个字的正文段落内容的开头\n"
    assert residue_lines(text) == [(0, 1)]
    # A short line repeated (blank lines between) is residue the second time only.
    assert residue_lines("一、总体要求\n一、总体要求\n") == [(7, 13)]
    assert residue_lines("云南要闻\n\n云南要闻\n") == [(6, 10)]
    long = "全面落实中央宏观调控政策部署要求"
    assert residue_lines(f"{long}\n{long}\n") == []


def test_spans_cover_the_whole_line_and_never_its_newline():
    text = "  下载  \n正文\n打印"
    assert residue_lines(text) == [(0, 6), (10, 12)]
    assert text[0:6] == "  下载  " and text[10:12] == "打印"


def test_a_notice_keeps_its_own_time_line_a_page_stamp_does_not():
    # 时间：/日期： open the lines of a meeting notice as well as a page's stamp.
    for line in ("时间：2024年3月1日上午9时", "时间：每周三下午", "日期：2024年3月1日（星期五）"):
        assert not is_residue(line), line
    for line in ("时间：2026-02-10 07:41", "日期：2026-02-10", "时间：2026-02-10 来源：新华网", "发布时间：2026年02月10日"):
        assert is_residue(line), line
    notice = "关于召开学会工作会议的通知\n时间：2024年3月1日上午9时\n地点：市科协三楼会议室\n"
    assert residue_lines(notice) == []
