"""Administrative divisions: places by full and short name with their level
and adcode, which lies within which, the word a report uses for its own area,
and the places a text names, with exact offsets, in real work reports
(scoping questions by place: test_scope.py)."""

from __future__ import annotations

import pytest

from indexer.places import NATIONAL, find_places, level_word, place_of, short_name


def named(text: str, **kw) -> list[tuple[str, str, int, int]]:
    """Each place found as (the text it was found by, full name, level, start)."""
    return [(text[m.start:m.end], m.place.name, m.place.level, m.start) for m in find_places(text, **kw)]


def line_with(text: str, needle: str) -> str:
    return next(line for line in text.splitlines() if needle in line)


@pytest.mark.parametrize("name, full, adcode, level", [
    ("浙江", "浙江省", "330000", 1),
    ("浙江省", "浙江省", "330000", 1),
    ("重庆", "重庆市", "500000", 1),          # a municipality is a province, not its own 市辖区
    ("北京市", "北京市", "110000", 1),
    ("广西", "广西壮族自治区", "450000", 1),
    ("香港", "香港特别行政区", "810000", 1),
    ("淮北", "淮北市", "340600", 2),
    ("吉林", "吉林省", "220000", 1),          # the highest level wins
    ("吉林市", "吉林市", "220200", 2),        # the full name says which
    ("恩施土家族苗族自治州", "恩施土家族苗族自治州", "422800", 2),
    ("海淀区", "海淀区", "110108", 3),
    ("仙桃市", "仙桃市", "429004", 3),
])
def test_place_of_a_name(name, full, adcode, level):
    p = place_of(name)
    assert (p.name, p.adcode, p.level) == (full, adcode, level)


def test_the_national_level_and_what_is_no_place():
    for word in ("全国", "国务院", "我国", "国内生产总值"):
        assert (place_of(word).name, place_of(word).adcode, place_of(word).level) == (NATIONAL, "000000", 0)
    # 中国 and 国家 begin names and topics (中国式现代化, 国家级).
    for word in ("中国", "国家", "城区", "新华", "两江新区", ""):
        assert place_of(word) is None, word
    # Counties only by a full name of three characters or more.
    assert place_of("赤壁") is None and place_of("忠县") is None


@pytest.mark.parametrize("name, short", [
    ("浙江省", "浙江"), ("淮北市", "淮北"), ("广西壮族自治区", "广西"), ("新疆维吾尔自治区", "新疆"),
    ("香港特别行政区", "香港"), ("阿拉善盟", "阿拉善"), ("海淀区", "海淀"),
    ("忠县", "忠县"),  # a one-character stem keeps its suffix
])
def test_short_name(name, short):
    assert short_name(name) == short


def test_within_follows_the_adcode_levels():
    hubei, wuhan, jiangan = place_of("湖北省"), place_of("武汉市"), place_of("江岸区")
    assert jiangan.adcode == "420102"
    assert jiangan.within(wuhan) and jiangan.within(hubei) and wuhan.within(hubei)
    assert not wuhan.within(jiangan) and not hubei.within(wuhan)  # no place lies in a smaller one
    assert not jiangan.within(place_of("宜昌市")) and not wuhan.within(place_of("湖南省"))
    assert hubei.within(hubei) and jiangan.within(jiangan)
    assert hubei.within(place_of("全国")) and not place_of("全国").within(hubei)
    assert place_of("黄浦区").within(place_of("上海")) and not place_of("黄浦区").within(place_of("北京"))


@pytest.mark.parametrize("name, word", [
    ("湖北省", "省"), ("上海", "市"), ("重庆市", "市"), ("广西", "区"), ("武汉", "市"), ("黄浦区", "区"),
    ("阿拉善盟", "盟"), ("恩施土家族苗族自治州", "州"), ("国务院", "国"), ("不存在的地方", ""), ("", ""),
])
def test_level_word(name, word):
    assert level_word(name) == word


def test_the_places_a_dateline_names(gov_report):
    line = line_with(gov_report("重庆市_2026政府工作报告.txt"), "——2026年1月28日")
    assert line == "——2026年1月28日在重庆市第六届人民代表大会第四次会议上"
    assert named(line) == [("重庆市", "重庆市", 1, 13)]


def test_cities_named_by_their_short_names_in_a_report(gov_report):
    line = line_with(gov_report("湖北省_2026政府工作报告.txt"), "武汉跨入地区生产总值两万亿级城市行列")
    start = line.index("武汉跨入")
    text = line[start:line.index("内需主导")]
    assert text.startswith("武汉跨入地区生产总值两万亿级城市行列，襄阳、宜昌进至中部非省会城市前列，新增荆州、孝感、黄冈")
    assert named(text) == [("武汉", "武汉市", 2, 0), ("襄阳", "襄阳市", 2, 19), ("宜昌", "宜昌市", 2, 22),
                           ("荆州", "荆州市", 2, 38), ("孝感", "孝感市", 2, 41), ("黄冈", "黄冈市", 2, 44)]
    # 仙桃、潜江、宜都、大冶 are county-level: named by their short names they are not found.
    assert "仙桃、潜江、宜都、大冶" in text


def test_nested_and_repeated_names_are_found_longest_first():
    assert named("浙江省杭州市") == [("浙江省", "浙江省", 1, 0), ("杭州市", "杭州市", 2, 3)]
    assert named("吉林省吉林市") == [("吉林省", "吉林省", 1, 0), ("吉林市", "吉林市", 2, 3)]
    assert named("长三角一体化：上海、江苏、浙江、安徽") == [
        ("上海", "上海市", 1, 7), ("江苏", "江苏省", 1, 10), ("浙江", "浙江省", 1, 13), ("安徽", "安徽省", 1, 16)]
    assert named("赤壁市和宜都市") == [("赤壁市", "赤壁市", 3, 0), ("宜都市", "宜都市", 3, 4)]


def test_what_find_places_leaves_out():
    assert find_places("中心城区住房市场止跌回稳") == []  # two-character county names are ordinary words
    assert find_places("全国和国务院，我国") == []          # national words depend on the corpus
    assert find_places("深化川渝合作，成渝地区双城经济圈") == []  # one-character abbreviations
    assert find_places("") == []
    assert named("重庆", min_len=3) == [] and named("重庆市", min_len=3) == [("重庆市", "重庆市", 1, 0)]
