"""Quantities in Chinese text and what a question asks for: figures with
their magnitude, approximation and unit read from real work reports, dates,
ranks and classes that are not amounts, the measure word a how-many question
expects, and how well a unit answers it (answers end to end: test_answering.py,
test_answers_quantity.py)."""

from __future__ import annotations

import pytest

from indexer.quantities import (DURATION, QUANTITY_Q, asked_unit, holds_asked_quantity, quantities, unit_matches,
                                unit_score)


def parts(text: str, asked: str | None = None) -> list[tuple]:
    """Each quantity found as (text, prefix, number, magnitude, unit)."""
    return [(m.group(0), m.group("pre"), m.group("num"), m.group("mag") + m.group("mag2"), m.group("unit"))
            for m in quantities(text, asked)]


def found(text: str, asked: str | None = None) -> list[str]:
    return [m.group(0) for m in quantities(text, asked)]


def line_with(text: str, needle: str) -> str:
    return next(line for line in text.splitlines() if needle in line)


def test_figures_of_a_real_report_with_magnitude_and_unit(gov_report):
    line = line_with(gov_report("国务院_2024政府工作报告.txt"), "国内生产总值超过126万亿元")
    assert line == ("——经济总体回升向好。国内生产总值超过126万亿元，增长5.2%，增速居世界主要经济体前列。"
                    "城镇新增就业1244万人，城镇调查失业率平均为5.2%。居民消费价格上涨0.2%。国际收支基本平衡。")
    assert parts(line) == [("超过126万亿元", "超过", "126", "万亿", "元"), ("5.2%", None, "5.2", "", "%"),
                           ("1244万人", None, "1244", "万", "人"), ("5.2%", None, "5.2", "", "%"),
                           ("0.2%", None, "0.2", "", "%")]
    # Offsets are those of the line: the figure can be cut out and cited.
    m = quantities(line)[2]
    assert line[m.start():m.end()] == "1244万人"


def test_a_paragraph_keeps_its_amounts_and_drops_its_ordinals(gov_report):
    line = line_with(gov_report("重庆市_2026政府工作报告.txt"), "33757.93亿元")
    line = line[line.index("聚焦做实"):]
    # 两大定位, 三个作用 and 九个方面 hold single Chinese numerals: words, not counts.
    assert "两大定位" in line and "三个作用" in line and "九个方面" in line
    assert found(line) == ["33757.93亿元", "5.3%"]
    line = line_with(gov_report("浙江省_2026政府工作报告.txt"), "城镇新增就业115.8万人")
    assert parts(line)[:4] == [("115.8万人", None, "115.8", "万", "人"), ("4.6%", None, "4.6", "", "%"),
                               ("近300万人", "近", "300", "万", "人"), ("2300万人", None, "2300", "万", "人")]


@pytest.mark.parametrize("sentence, expected", [
    # statistical units, the longest one that fits
    ("上海港集装箱吞吐量达到5506.3万标准箱", [("5506.3万标准箱", None, "5506.3", "万", "标准箱")]),
    ("宁波舟山港集装箱吞吐量4387万标箱", [("4387万标箱", None, "4387", "万", "标箱")]),
    ("用电量450亿千瓦时", [("450亿千瓦时", None, "450", "亿", "千瓦时")]),
    ("民间投资增速高于全国3.7个百分点", [("3.7个百分点", None, "3.7", "", "个百分点")]),
    # 千 and 百 are magnitudes only where they do not start a unit
    ("增加值8千亿元", [("8千亿元", None, "8", "千亿", "元")]),
    # Latin units as written
    ("新能源电池产能达55GW", [("55GW", None, "55", "", "GW")]),
    # approximations before and after the number
    ("约1.5万家", [("约1.5万家", "约", "1.5", "万", "家")]),
    ("接近3000亿元", [("接近3000亿元", "接近", "3000", "亿", "元")]),
    ("3万余人参加", [("3万余人", None, "3", "万", "人")]),
    ("十余年来", [("十余年", None, "十", "", "年")]),
    # thousands separators and a full-width percent sign
    ("服务15,000人", [("15,000人", None, "15,000", "", "人")]),
    ("增长5.3％", [("5.3％", None, "5.3", "", "％")]),
    # masked figures, magnitude kept
    ("参会群众达到**万人", [("**万人", None, "**", "万", "人")]),
])
def test_quantity_parts(sentence, expected):
    assert parts(sentence) == expected


def test_a_rate_keeps_what_it_is_per(gov_report):
    line = line_with(gov_report("贵州省_2026政府工作报告.txt"), "4318元/年")
    ms = [m for m in quantities(line) if m.group("per")]
    assert [(m.group(0), m.group("unit"), m.group("per")) for m in ms][:2] == [
        ("645元/月", "元", "/月"), ("4318元/年", "元", "/年")]
    m, = quantities("PM2.5平均浓度降至28.5微克每立方米")  # PM2.5 is a name, not a figure
    assert (m.group(0), m.group("unit"), m.group("per")) == ("28.5微克每立方米", "微克", "每立方米")


def test_a_bracketed_second_measure_word_belongs_to_the_figure(gov_report):
    line = line_with(gov_report("贵州省_2026政府工作报告.txt"), "47.63万户（套）")
    m = next(m for m in quantities(line) if m.group("num") == "47.63")
    assert (m.group(0), m.group("unit"), m.group("alt")) == ("47.63万户（套）", "户", "（套）")


@pytest.mark.parametrize("sentence", [
    "高速公路、农村公路通车里程均居全国第2位。",   # a rank
    "习近平总书记在新时代第3次亲临云南考察",       # an ordinal
    "两万亿级城市",                                   # a class of cities
    "30万吨级条帚门航道建成投运",                     # a class of channels
    "3月19日至20日",                                  # a date
    "二〇二五年",                                     # a year in Chinese numerals
    "建成5G基站，推广4K超高清",                       # names
    "分两批面向民间资本发布投资项目清单",             # one Chinese numeral: a word
    "实施十项行动",
    "活动当天在线人数达714",                          # a bare number without magnitude
    "逾万人",                                         # no digit at all
])
def test_not_amounts(sentence):
    assert found(sentence) == []


def test_a_year_count_is_an_amount_but_a_year_is_not():
    assert found("用了3年时间，2025年完成") == ["3年"]
    assert found("历时十余年") == ["十余年"]
    assert found("建成5A级景区3个") == ["3个"]  # 5A级 is a grade, 3个 the count


def test_a_single_chinese_numeral_counts_only_with_the_asked_unit():
    assert found("已举办四期培训") == []
    assert found("已举办四期培训", "期") == ["四期"]
    assert found("已举办四期培训", "场") == []
    assert found("已举办一期培训", "期") == []  # 一期 is an article
    assert found("做到两个维护", "个") == []       # 个 follows numerals in names


def test_a_unit_no_list_has_is_read_when_the_question_names_it():
    assert found("南山港服务科考船2152航次。") == []
    assert found("南山港服务科考船2152航次。", "航次") == ["2152航次"]


@pytest.mark.parametrize("question, unit", [
    ("重庆2025年地区生产总值是多少亿元", "元"),   # magnitude skipped, 元 kept
    ("新增就业多少万人", "人"),
    ("投资多少钱", "元"),
    ("城镇调查失业率百分比", "%"),
    ("节能降耗百分之几", "%"),
    ("高于全国多少个百分点", "个百分点"),
    ("有几所高校", "所"),
    ("新设民营经营主体多少户", "户"),
    ("几班次", "班次"),                              # a compound counter no list has
    ("建设周期多长时间", DURATION),
    ("项目多久能完成", DURATION),
    ("培训几天", "天"),
    ("讲座场次", "场"),                              # keyword style: the count noun
    ("参会人数", "人"),
    ("这几年关停了多少家化工企业", "家"),            # 这几年 is when
    ("哪几个城市入选", None),                        # which, not how many
    ("好几年没有变化", None),
    ("地区生产总值是多少", None),                    # how many, but of nothing named
    ("年度计划", None),
])
def test_asked_unit(question, unit):
    assert asked_unit(question) == unit


def test_what_counts_as_a_quantity_question():
    for q in ("地区生产总值是多少", "占比", "有几个", "科普活动总数", "投资规模", "讲座场次", "多长时间"):
        assert QUANTITY_Q.search(q), q
    for q in ("哪几个城市入选", "头几年的做法", "主要做法有哪些", "会议什么时候召开"):
        assert not QUANTITY_Q.search(q), q
    # 好几 is "several", unless 好 ends a verb (抓好, 办好): then 几 asks.
    for q in ("具体要抓好几个方面", "今年要办好几件实事"):
        assert QUANTITY_Q.search(q) and asked_unit(q), q
    for q in ("他有好几个孩子", "好几年没有回家", "市里开了好几次会"):
        assert not QUANTITY_Q.search(q), q


@pytest.mark.parametrize("asked, unit, score", [
    ("位", "位", 1.0),
    ("位", "名", 0.7), ("位", "人次", 0.7),    # people, counted another way
    ("个", "项", 0.7), ("家", "所", 0.7), ("台", "套", 0.7),
    ("%", "％", 0.7), ("百分点", "个百分点", 0.7),
    ("元", "万元", 1.0), ("元", "亿元", 1.0), ("元", "人", 0.0),
    (DURATION, "天", 1.0), (DURATION, "课时", 1.0), (DURATION, "个", 0.0),
    ("天", "周", 0.0),                         # 几天 only in days
    ("项", "次", 0.0),
    (None, "个", 0.0), ("个", "", 0.0),
])
def test_unit_score(asked, unit, score):
    assert unit_score(asked, unit) == score
    assert unit_matches(asked, unit) is (score > 0)


def test_a_passage_holds_the_asked_quantity_or_not():
    assert holds_asked_quantity("开展谈心谈话*人次", "人次")  # masked, still the kind asked
    assert holds_asked_quantity("开展谈心谈话*人次", "位")    # same class
    assert not holds_asked_quantity("开展谈心谈话*人次", "项")
    assert holds_asked_quantity("截至目前已举办四期", "期")
    assert not holds_asked_quantity("截至目前已举办一期", "期")
    assert holds_asked_quantity("南山港服务科考船2152航次。", "航次")
    assert not holds_asked_quantity("2025年9月召开", "年")  # dates are no years counted


def test_units_that_begin_with_a_magnitude_are_asked_whole():
    # 千 and 百 begin these units: they are not thousands and hundreds of 瓦时 and 分点.
    assert asked_unit("全年发电量多少千瓦时") == "千瓦时"
    assert asked_unit("提高了多少百分点") == "百分点"
    assert asked_unit("新增多少千人") is None or asked_unit("新增多少千人") == "人"
    assert [m.group(0) for m in quantities("全年发电量达到3.2亿千瓦时，较上年提高1.5个百分点")] == ["3.2亿千瓦时", "1.5个百分点"]


def test_a_count_is_not_a_change_of_a_rate_and_months_are_a_span_of_time():
    assert unit_score("个", "个百分点") == 0.0 and unit_score("项", "百分点") == 0.0
    assert unit_score("%", "个百分点") == 0.0 and unit_score("个百分点", "个百分点") == 1.0
    assert [m.group(0) for m in quantities("历时9个月，建成3个站")] == ["9个月", "3个"]
    assert unit_score(DURATION, "个月") == 1.0 and unit_score("个", "个月") == 0.0


def test_pairs_and_counts_of_times_of_any_unit():
    found = quantities("国际友城达120对，农机作业服务面积60万亩次以上，运输3万车次，开展3次活动，举办5场次")
    assert [m.group(0) for m in found] == ["120对", "60万亩次", "3万车次", "3次", "5场次"]
    assert asked_unit("湖南 国际友城 对数") == "对" and asked_unit("全省 户数") == "户"
