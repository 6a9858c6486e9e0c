"""Standard indicators and the everyday names users ask them by: a name's
synonym group with the official name first, whether a sentence of a real
report names an indicator, ASCII case, and the official names added to a
question for keyword search (indicators in answers: test_scope.py and the
answer goldens)."""

from __future__ import annotations

import pytest

from indexer.indicators import SYNONYMS, ascii_lower, expand, forms, mentions


def sentence_with(text: str, needle: str) -> str:
    """The sentence (up to 。；) of ``text`` that holds ``needle``."""
    at = text.index(needle)
    start = max(text.rfind(p, 0, at) for p in "。；\n") + 1
    end = min(i for i in (text.find(p, at) for p in "。；\n") if i >= 0)
    return text[start:end]


@pytest.mark.parametrize("name, official", [
    ("平均寿命", "人均预期寿命"),
    ("能活到", "人均预期寿命"),
    ("人均收入", "居民人均可支配收入"),
    ("GDP", "地区生产总值"),
    ("国内生产总值", "地区生产总值"),
    ("CPI", "居民消费价格"),
    ("社零总额", "社会消费品零售总额"),
    ("规上工业增加值", "规模以上工业增加值"),
    ("失业率", "城镇调查失业率"),
])
def test_a_name_gives_its_group_official_name_first(name, official):
    group = forms(name)
    assert group[0] == official and name in group


def test_groups_are_ordered_longest_first_in_a_fixed_order():
    assert forms("地区生产总值") == ("地区生产总值", "国内生产总值", "全市生产总值", "全省生产总值", "生产总值", "经济增长",
                                 "经济总量", "GDP")
    assert forms("预期寿命") == ("人均预期寿命", "平均预期寿命", "预期寿命", "平均寿命", "人均寿命", "能活到", "能活")
    for group in SYNONYMS:
        assert [len(f) for f in group] == sorted((len(f) for f in group), reverse=True), group
    assert len({f for g in SYNONYMS for f in g}) == sum(len(g) for g in SYNONYMS)  # a name is in one group only


def test_a_name_outside_every_group_stands_alone():
    assert forms("科普活动") == ("科普活动",)
    assert forms("") == ("",)
    assert forms("寿命") == ("寿命",)  # part of a name is not the name


def test_sentences_of_a_real_report_name_their_indicators(gov_report):
    text = gov_report("国务院_2024政府工作报告.txt")
    gdp = sentence_with(text, "国内生产总值超过126万亿元")
    assert gdp == "国内生产总值超过126万亿元，增长5.2%，增速居世界主要经济体前列"
    assert mentions(gdp, "GDP") and mentions(gdp, "地区生产总值") and mentions(gdp, "经济总量")
    assert not mentions(gdp, "失业率") and not mentions(gdp, "CPI")
    jobs = sentence_with(text, "城镇调查失业率平均为5.2%")
    assert jobs == "城镇新增就业1244万人，城镇调查失业率平均为5.2%"
    assert mentions(jobs, "失业率") and mentions(jobs, "新增城镇就业") and not mentions(jobs, "GDP")
    prices = sentence_with(text, "居民消费价格上涨0.2%")
    assert mentions(prices, "CPI") and mentions(prices, "物价")
    life = sentence_with(gov_report("四川省_2026政府工作报告.txt"), "人均预期寿命提高到78.8岁")
    assert life == "人均预期寿命提高到78.8岁"
    assert mentions(life, "平均寿命") and mentions(life, "能活到") and not mentions(life, "人均收入")
    rd = sentence_with(gov_report("重庆市_2026政府工作报告.txt"), "研发经费投入强度达到3.25%")
    assert mentions(rd, "R&D经费投入强度") and mentions(rd, "研发强度")


def test_latin_names_match_in_any_case_only_for_latin_terms():
    assert mentions("全市gdp增长5.3%", "GDP")
    assert mentions("居民消费价格指数cpi上涨", "CPI")
    assert not mentions("全市GDP增长5.3%", "CPI")
    assert not mentions("全市gdp增长5.3%", "失业率")  # a Chinese term is not lowered for


def test_a_term_outside_the_groups_is_matched_as_written():
    assert mentions("带动全市开展18153项全域科普活动", "科普活动")
    assert not mentions("带动全市开展18153项全域科普活动", "科普讲座")
    assert mentions("PM2.5年均浓度为26.3微克/立方米", "pm2.5")  # the question word is lower-cased
    assert not mentions("PM2.5年均浓度为26.3微克/立方米", "pm10")


def test_ascii_lower_keeps_offsets():
    text = "PM2.5年均浓度，GDP增长，ＣＰＩ"
    lowered = ascii_lower(text)
    assert lowered == "pm2.5年均浓度，gdp增长，ＣＰＩ"  # full-width letters are left as they are
    assert len(lowered) == len(text)


@pytest.mark.parametrize("query, expanded", [
    ("海南老百姓平均寿命多少岁", "海南老百姓平均寿命多少岁 人均预期寿命"),
    ("重庆GDP是多少", "重庆GDP是多少 地区生产总值"),
    ("CPI和失业率", "CPI和失业率 城镇调查失业率 居民消费价格"),  # in the order of the groups
    ("社零总额增长多少", "社零总额增长多少 社会消费品零售总额"),
    ("地区生产总值是多少", "地区生产总值是多少"),  # the official name already there
    ("开展了多少场科普活动", "开展了多少场科普活动"),
])
def test_expand(query, expanded):
    assert expand(query) == expanded


def test_a_lower_cased_latin_name_keeps_its_group():
    # Question words are lower-cased: gdp must still be 地区生产总值.
    assert forms("gdp") == forms("GDP") and "地区生产总值" in forms("gdp")
    assert mentions("全市地区生产总值达到33757.93亿元", "gdp")
    assert expand("重庆gdp是多少") == "重庆gdp是多少 地区生产总值"
    assert expand("cpi涨了多少") == "cpi涨了多少 居民消费价格"


def test_a_two_character_name_inside_other_words_is_not_named():
    assert expand("人工智能活动开展了多少场") == "人工智能活动开展了多少场"  # 能活 inside 智能活动
    assert expand("重庆人能活多少岁") == "重庆人能活多少岁 人均预期寿命"
