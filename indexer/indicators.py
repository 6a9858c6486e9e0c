"""Names of the standard indicators of statistical bulletins and work
reports, with the everyday names users ask by: 平均寿命 for 人均预期寿命,
人均收入 for 居民人均可支配收入, GDP for 地区生产总值.

Retrieval adds the official names to a question's keywords, and answering
counts any name of an indicator as naming it.

Usage::

    from indexer.indicators import forms, expand
    forms("平均寿命")          # ('人均预期寿命', '平均预期寿命', …)
    expand("海南老百姓平均寿命多少岁")   # '海南老百姓平均寿命多少岁 人均预期寿命'
"""

from __future__ import annotations

import re

from .keywords import precise_words

# The standard indicators of statistical bulletins and work reports, with the
# everyday names users ask by (平均寿命 for 人均预期寿命, 人均收入 for 居民人均可支配收入).
# Each group longest name first, equal lengths in the order written (the official name
# first): as sets their order changed with every process (string hashing), so which
# name stood for a group, and with it the figures, differed between identical runs.
SYNONYMS: list[tuple[str, ...]] = [tuple(sorted(g, key=len, reverse=True)) for g in (
    ("地区生产总值", "国内生产总值", "GDP", "全市生产总值", "全省生产总值", "生产总值", "经济增长", "经济总量"),
    ("人均预期寿命", "平均预期寿命", "预期寿命", "平均寿命", "人均寿命", "能活到", "能活"),
    ("居民人均可支配收入", "人均可支配收入", "可支配收入", "人均收入", "居民收入"),
    ("城镇调查失业率", "调查失业率", "失业率"),
    ("居民消费价格", "消费价格指数", "CPI", "物价"),
    ("一般公共预算收入", "地方一般公共预算收入", "地方财政收入", "财政收入"),
    ("社会消费品零售总额", "社会消费品零售额", "消费品零售总额", "社零总额"),
    ("研发经费投入强度", "研发投入强度", "研发强度", "R&D经费投入强度"),
    ("实际使用外资", "实际利用外资", "利用外资"),
    ("规模以上工业增加值", "规上工业增加值"),
    ("进出口总额", "货物进出口总额", "外贸进出口", "进出口"),
    ("城镇新增就业", "新增城镇就业", "新增就业"),
    ("常住人口城镇化率", "城镇化率"),
    ("空气质量优良天数比例", "优良天数比例", "空气优良率", "优良天数"),
)]


def forms(term: str) -> tuple[str, ...]:
    """``term`` and its synonyms; Latin letters in any case (question words are lower-cased: gdp)."""
    return _GROUP_OF.get(ascii_lower(term), (term,))


# Question words are lower-cased (keywords.word_tokens); the text keeps its case (PM2.5).
# Only ASCII letters change, so offsets into the lowered text stay those of the text.
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def ascii_lower(text: str) -> str:
    return text.translate(_ASCII_LOWER)


_GROUP_OF = {ascii_lower(name): group for group in reversed(SYNONYMS) for name in group}


def mentions(sentence: str, term: str) -> bool:
    """Whether ``sentence`` names ``term`` or one of its synonyms (ASCII letters in any case)."""
    if any(f in sentence for f in forms(term)):
        return True
    if not re.search(r"[A-Za-z]", term):
        return False
    lowered = ascii_lower(sentence)
    return any(ascii_lower(f) in lowered for f in forms(term))


def _names(query: str, name: str) -> bool:
    """Whether ``query`` names ``name``: a name of two characters must be a word
    of the query, not two characters inside other words (能活 in 智能活动)."""
    query, name = ascii_lower(query), ascii_lower(name)
    if name not in query:
        return False
    if len(name) > 2:
        return True
    return any(name in w and len(w) <= len(name) + 1 for w in precise_words(query))


def expand(query: str) -> str:
    """``query`` with the official name of each indicator it names by another
    name, for keyword search (the reports use the official names)."""
    extra = [g[0] for g in SYNONYMS if any(_names(query, w) for w in g) and g[0] not in query]
    return " ".join([query, *extra]) if extra else query
