"""Quantities in Chinese text, and what quantity a question asks for.

Reports state counts as a number with a measure word (18153项, 50余场,
八万余人次, 282.53万元, 开展谈心谈话*人次 with the figure masked). A
how-many question names the measure word it expects (多少项, 几次, 多少位)
or, in keyword style, ends in a count noun (讲座场次, 调研次数).

Used twice: retrieval prefers passages that hold a quantity of the asked
kind (a passage without one cannot answer "多少项"), and answering picks
the quantity itself.

Usage::

    from indexer.quantities import asked_unit, quantities, unit_score
    asked_unit("全市开展了多少项科普活动？")          # '项'
    [m.group(0) for m in quantities("开展18153项全域科普活动")]   # ['18153项']
    unit_score("位", "名"), unit_score("位", "位")     # (0.7, 1.0): same class, exact
"""

from __future__ import annotations

import functools
import re

CN_DIGITS = "零〇一二两三四五六七八九十百千"
# Measure words and units. Counters of official reports first; then the
# standard units of statistics (千瓦时, 标准箱, 公顷 …); then every measure word
# (量词) of jieba's dictionary, so that a unit nobody listed is still read as
# written (838.6亿斤, 129.6万辆) rather than cut off (838.6亿).
REPORT_UNITS = (
    "人次|万元|亿元|千元|元|项|个|次|场|名|人|家|篇|所|处|期|批|件|条|份|届|支|座|户|村|册|部|本|节|门|类|种|位|"
    "间|台|套|堂|轮|组|队|站|区|县|镇|乡|片|首|幅|课时|小时|天|周|年|个月|月|倍|平方米|亩|公里|米|吨|%|％|"
    # 几个方面 is counted in 方面 (成效体现在四个方面, 抓好9个方面工作): the answer says so.
    "个方面|方面"
)
STANDARD_UNITS = (
    "个百分点|百分点|千瓦时|千瓦|兆瓦|吉瓦|标准箱|标箱|架次|辆次|艘次|列次|人天|户次|平方公里|平方千米|立方米|"
    "公顷|公斤|千克|克|千米|厘米|毫米|标准煤|吨标准煤|美元|港元|欧元|辆|艘|架|列|颗|枚|斤|担|床|张|株|棵|头|只|对|车次|"
    "口|块|栋|幢|层|间|孔|眼|盏|处|宗|笔|单|份|例|台套|套|张|卷|集|首|部|门|所|星|A|个|岁|周岁|"
    # Units written in Latin letters in Chinese reports (智能算力1.7万P, 吞吐量4000万TEU).
    "PFlops|EFlops|P|TEU|GW|MW|kW|GB|TB"
)
_NUMERAL_CHARS = set("零〇一二两三四五六七八九十百千万亿几数多余来许半")


def _dictionary_measure_words() -> list[str]:
    """jieba's words tagged as measure words (q), without numerals in them."""
    import jieba.posseg

    tags = jieba.posseg.dt.word_tag_tab
    return [w for w, t in tags.items() if t == "q" and len(w) <= 3 and re.fullmatch(r"[\u4e00-\u9fff]+", w)
            and not set(w) & _NUMERAL_CHARS]


# Measure words that after a number name a class, not an amount (两万亿级城市, 5A级景区, 第一代).
NOT_AMOUNT = {"级", "代", "些", "番"}


def _unit_alternation() -> str:
    words = set(REPORT_UNITS.split("|")) | set(STANDARD_UNITS.split("|")) | set(_dictionary_measure_words())
    words -= NOT_AMOUNT
    # Longest first, so a unit is not cut short (千瓦时 before 千瓦); then by code point, for
    # the same pattern in every process.
    return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))


UNITS = _unit_alternation()
UNIT_SET = frozenset(UNITS.split("|"))
# Units that state a rate or share rather than a level.
RATE_UNITS = ("%", "％", "个百分点", "百分点", "倍")
NUMBER = rf"(?:\d+(?:[.,]\d+)*|[{CN_DIGITS}]+|\*+)"
# 万, 亿, and 千/百 unless they begin a unit (千瓦时, 千米, 千克, 百分点).
MAGNITUDE = r"(?:[万亿]|[千百](?!瓦|米|克|分点))"


# Any unit written in Latin letters, as written (190Eflops, 10Gbps, 20PB): two letters at
# least, so that 5G and 4K stay names, and before the listed ones, so that 20PB is not 20P.
LATIN_UNIT = r"[A-Za-z]{2,8}(?:/[A-Za-z]{1,4})?(?![A-Za-z0-9])"


def _quantity_pattern(units: str) -> re.Pattern:
    units = f"{LATIN_UNIT}|{units}"
    return re.compile(
        rf"(?P<pre>近|约|超过|超|逾|将近|接近)?"
        rf"(?P<num>{NUMBER})(?P<mag>{MAGNITUDE}{{0,2}})(?P<approx>余|多)?(?P<mag2>[万亿]?)"
        # A count of times of any unit is read whole (60万亩次, 3万车次), as 人次 and 架次 are.
        rf"(?:(?P<unit>(?:{units})(?:次(?![要级数序生]))?)(?P<per>(?:[/／]|每)(?:人|户|月|年|天|吨|小时|立方米|平方米|亩|公里|千瓦时))?"
        # A second measure word in brackets counts the same thing (47.63万户（套）).
        rf"(?P<alt>[（(](?:{units})[）)])?)?"
    )


QUANTITY = _quantity_pattern(UNITS)
# Keyword-style counts (讲座场次, 调研次数, 参会人数): the count noun names the unit.
COUNT_NOUN = re.compile(r"(?P<unit>人次|场|人|次|个|件|篇|家|项|名|期|对|户|所|座|条|批)(?:次|数)(?![\u4e00-\u9fff])")
# 这几年/近几年 say when, and 有好几个/好几年 "several", not how many; but the 好
# of a verb (抓好几个方面, 办好几件实事) leaves 几 asking.
JI = r"(?<![这近前头哪])(?<![有了过]好)(?<!^好)几"
HOW_MANY = rf"(?:多少|{JI})"
# How long (多长时间, 多久): answered by a span of time in any of its units (1周, 3天).
DURATION_Q = re.compile(r"多长时间|多久")
DURATION = "时长"  # the asked "unit" of a duration question: any unit of time
QUANTITY_Q = re.compile(
    rf"{DURATION_Q.pattern}|多少|{JI}[个项次场名人家篇所处期批件条份届支座户年天月]?|比例|占比|百分之几|数量|规模|总数|总额|金额|"
    + COUNT_NOUN.pattern
)
ASKED_UNIT = re.compile(rf"{HOW_MANY}(?:{MAGNITUDE}{{1,2}})?(?P<unit>{UNITS}|钱)?")
# A compound measure word no list has (多少航次, 几班次): a character and a counter.
ASKED_COMPOUND = re.compile(rf"{HOW_MANY}(?P<unit>[\u4e00-\u9fff](?:次|个|辆|台|艘|架|列|项|场|批|件|座|家|人))")
# 出生人口是多少, 参会人数有多少: people, counted in 人 (名, 位) or by a bare number (在线人数达714.88万).
PEOPLE_COUNTED = re.compile(rf"(?:人口|人数)(?:总数|总量|规模)?(?:是|有|为|达到|达|共|一共|总共)?{HOW_MANY}")
# Bare digits in these contexts are not quantities users ask about.
NOT_QUANTITY_BEFORE = ("第",)

# Measure words that count the same thing: 多少位 is answered by 53名 or 182人.
PERSON_UNITS = frozenset({"人", "名", "位", "人次"})
UNIT_CLASSES = [PERSON_UNITS, {"%", "％"}, {"个", "项"}, {"家", "所"}, {"台", "部", "套"},
                {"个百分点", "百分点"}]
# A duration asked (多久) is answered in any unit of time; 几天 only in days.
TIME_UNITS = ("年", "个月", "月", "周", "天", "日", "小时", "课时")


def asked_unit(query: str) -> str | None:
    """The measure word a how-many question expects, if it names one."""
    if re.search(r"比例|占比|百分之几|百分比", query):
        return "%"
    if DURATION_Q.search(query):
        return DURATION
    m = ASKED_UNIT.search(query)
    if m and m.group("unit"):
        return "元" if m.group("unit") == "钱" else m.group("unit")
    m = ASKED_COMPOUND.search(query)
    if m:
        return m.group("unit")
    m = COUNT_NOUN.search(query)
    return m.group("unit") if m else None


def unit_score(asked: str | None, unit: str) -> float:
    """1.0 for the asked unit itself (位 for 多少位), 0.7 for one of the same
    class (名, 人), 0.0 otherwise."""
    if asked is None or not unit:
        return 0.0
    if asked == "元":
        return 1.0 if unit.endswith("元") else 0.0
    if asked == DURATION:
        return 1.0 if unit in TIME_UNITS else 0.0
    if (unit in RATE_UNITS) != (asked in RATE_UNITS) or (unit in TIME_UNITS) != (asked in TIME_UNITS):
        return 0.0  # 个 asks how many things: 3.7个百分点 is a change of a rate, 9个月 a span of time
    if unit == asked or unit.startswith(asked):
        return 1.0
    return 0.7 if any(asked in cls and unit in cls for cls in UNIT_CLASSES) else 0.0


def unit_matches(asked: str | None, unit: str) -> bool:
    return unit_score(asked, unit) > 0


def quantities(text: str, asked: str | None = None) -> list[re.Match]:
    """Quantity mentions in ``text`` (numbers with a unit or measure word).
    ``asked``, the unit a question expects, also admits a single Chinese
    numeral with exactly that unit (已举办四期 for 几期)."""
    found = []
    pattern = QUANTITY if asked is None or asked in UNIT_SET else _with_unit(asked)
    for m in pattern.finditer(text):
        num = m.group("num")
        # A bare number needs a magnitude to count (在线人数达714.88万).
        if not m.group("unit") and not (m.group("mag") or m.group("mag2")):
            continue
        if text[max(0, m.start() - 1):m.start()] in NOT_QUANTITY_BEFORE and not m.group("pre"):
            continue
        if text[m.end():m.end() + 1] in NOT_AMOUNT:
            continue  # 两万亿级城市 is a class of cities
        if num[0] in CN_DIGITS and not (_plausible_cn_number(m) or _asked_cn_count(m, asked)):
            continue
        # 2023年, ****年, 9月 are dates, not counts.
        if m.group("unit") in ("年", "月") and not m.group("approx") and (len(num) == 4 or m.group("unit") == "月"):
            continue
        found.append(m)
    return found


@functools.lru_cache(maxsize=64)
def _with_unit(unit: str) -> re.Pattern:
    """QUANTITY that also reads ``unit``, a measure word the question used (2152航次)."""
    return _quantity_pattern(f"{re.escape(unit)}|{UNITS}")


def holds_asked_quantity(text: str, asked: str) -> bool:
    """Whether ``text`` states a quantity of the asked kind (masked ones count)."""
    return any(unit_matches(asked, m.group("unit") or "") for m in quantities(text, asked))


def _asked_cn_count(m: re.Match, asked: str | None) -> bool:
    """四期 answers 几期; but 一个/一批 are articles, and 个 follows numerals in
    names (两个维护), so neither counts on its own."""
    return bool(asked) and m.group("unit") == asked and asked != "个" and m.group("num") not in ("一",)


def _plausible_cn_number(m: re.Match) -> bool:
    """Chinese numerals also occur inside words and names (统一, 一批, 两个维护,
    十项行动): accept them as a count only with a magnitude (八万), 余/多, or
    two or more numerals (二十三次)."""
    return bool(m.group("mag") or m.group("approx")) or len(m.group("num")) >= 2
