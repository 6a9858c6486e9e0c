"""Quantity answers: how many, how much, what share (多少项, 几次, 比例 …),
given as written in the source (18153项, 50余场, 八万余人次, 282.53万元).

A how-many question is answered by a figure of the asked kind (its unit,
a rate or a level, a target or a result) or not at all; a keyword query
that ends in an indicator (浙江 研发投入强度, 安徽 粮食产量 2025) asks for a
figure too, but falls back to a sentence when none is stated.

Usage::

    from indexer.answers.quantity import QUANTITY, asked_measure
    QUANTITY.detect("全市开展了多少项科普活动？")                 # True
    [m.group(0) for m in QUANTITY.spans("开展了多少项科普活动", "开展18153项全域科普活动")]  # ['18153项']
    asked_measure("研发投入强度是多少")                              # 'rate'
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace
from typing import Callable, Sequence

from ..quantities import (CN_DIGITS, DURATION, JI, QUANTITY_Q, RATE_UNITS, TIME_UNITS, UNIT_SET, asked_unit, holds_asked_quantity,
                          quantities, unit_score)
from ..scope import ScopeMatch
from .base import CLAUSE_MARKS, Answer, Candidate, Kind, score_spans, stated, to_answer

# A share or rate (占比, 增长…%) is asked differently from a level (达到…亿元).
SHARE_Q = re.compile(r"占比|比重|比例|百分之几|百分比|[率]|强度")
# A share or a rate by name (覆盖率, 占比) is a percentage: when none is stated, an
# amount nearby (23微克/立方米 for 森林覆盖率) does not answer it. 强度 may be either
# (能耗强度 in 吨标准煤/万元), and 功率, 频率, 效率 are not shares.
PERCENT_ONLY_Q = re.compile(r"占比|比重|比例|百分之几|百分比|(?<![功频效汇])率")
# 减 (减少, 压减, 减时间83%) and 缩短 state a change as much as 降 does.
RATE_Q = re.compile(r"(?:增长|增速|增幅|上涨|下降|降低|提高|提升|回落|缩短|涨|降|减)(?![到至])")
# 增长了多少, 提高几: the change itself is asked (not 减税降费多少, where it names the object).
CHANGE_ASKED = re.compile(rf"{RATE_Q.pattern}(?:了)?(?:约|大约)?(?:多少|几)")
# A % right after these words is a growth rate, not a share (研发投入增长10% is not its 强度),
# and after the others a share, not a growth rate (占国内生产总值比重12.5%).
GROWTH_BEFORE = re.compile(r"(?:增长|增速|增幅|提高|下降|上涨|降低|回落|增加|减少)(?:了|达到|为)?$")
SHARE_BEFORE = re.compile(r"(?:比重|占比|比例|[率]|强度)(?:达到|达|为|提高到|提升至|超过)?$")
MILESTONE_BEFORE = re.compile(r"(?:突破|迈上|跨上|跃上|站上|越过|跨越)$")
EXACT_AFTER = re.compile(rf"(?:大?关口|台阶|大关)?[、，,]?(?:达到|达|为|实现)[近约超]?\d")
# 从…提高到… states a change: the first figure is the old value.
FROM_TO = re.compile(r"[^，。；]{0,12}?(?:提高|提升|增加|增长|扩大|上升|下降|降低|减少|压减|缩短|延长|升|降|增)(?:到|至|为)")
FROM_BEFORE = re.compile(r"[从由](?:(?:19|20)\d{2}年(?:底|末)?的?)?$")
ASKS_START = re.compile(r"[从由]多少|原来|原先|此前|之前")
# An area counts against a figure unless the question asks about area (粮食产量 is not
# 播种面积1584.6万亩), but 高标准农田4808万亩 is still what 高标准农田 asks.
AREA_UNITS = ("亩", "公顷", "平方米", "平方公里", "平方千米")
AREA_Q = re.compile(r"面积|亩|公顷|平方")
# A keyword query naming an indicator (安徽 粮食产量 2025) asks for its figure.
INDICATOR = re.compile(r"(?:产量|总值|总额|总量|产值|规模|里程|长度|面积|人数|数量|增速|增幅|增长|强度|比重|占比|投资|收入|"
                       r"[率量额数])(?:目标)?$")
INTERROGATIVE = re.compile(r"什么|哪些|哪个|怎么|怎样|如何|为何|为什么|是否|吗|呢|表述|论述|原文|讲话|提法|内容|措施|做法|要求|部署")


def asked_measure(query: str) -> str:
    """"rate" for shares and growth rates, "level" for amounts, "" when the asked unit decides."""
    unit = asked_unit(query)
    if unit:
        return "rate" if unit in RATE_UNITS else "level"
    if SHARE_Q.search(query) or RATE_Q.search(query):
        return "rate"
    return "level"


@functools.lru_cache(maxsize=64)
def _asked(query: str) -> tuple[str | None, str, bool]:
    """What the question asks for: its unit, rate or level, and whether a share."""
    return asked_unit(query), asked_measure(query), bool(SHARE_Q.search(query)) and not RATE_Q.search(query)


# 第几届/第几次/第几指导组 asks which one in a series: answered by 第37届, 第四次, 第三十八指导组.
ORDINAL_Q = re.compile(r"第几(?P<after>[\u4e00-\u9fff]{0,4})")


@functools.lru_cache(maxsize=64)
def ordinal_pattern(query: str) -> re.Pattern | None:
    """The spans that answer a 第几 question: 第, a number, then the measure
    word asked (届, 次) or, when a noun follows 第几 directly, that noun; or
    首 for the first (首批, 首家 for 第几批, 第几家)."""
    m = ORDINAL_Q.search(query)
    if m is None:
        return None
    after = m.group("after")
    if not after:
        return None
    if after[0] in UNIT_SET:
        tail = re.escape(after[0])
    else:
        # 第几指导组: as much of the noun as the text repeats (指导组, 指导)
        tail = "|".join(re.escape(after[:n]) for n in range(len(after), 0, -1))
    return re.compile(rf"(?:第(?P<num>\d+|[{CN_DIGITS}]+)|首)(?P<unit>{tail})")


# 几个服务, 几张清单, 几强党支部 ask how many a named set holds: the text names it
# with a Chinese numeral (四个服务, 两清单, “四强”党支部), which alone is no count.
# Party texts also name rules and campaigns by the numbers in them (四不两直, 一岗双责,
# 四史, 双减, 五位一体): a question puts 几 where each number stands (几不几直, 一岗几责).
NAMED_SET_Q = re.compile(rf"{JI}(?P<rest>[\u4e00-\u9fff]{{1,5}})")
SET_NUMERAL = "一二两三四五六七八九十双"
# Not 一: a set of one is seldom asked after, and 一 stands inside words (统一服务, 进一步).
SET_NUMBER = re.compile(rf"(?<![{SET_NUMERAL}第])(?!一)[{SET_NUMERAL}]{{1,2}}")
_NUMERAL_RUN = re.compile(rf"[{SET_NUMERAL}]{{1,2}}")
_QUOTES = "“”‘’\"「」"


@functools.lru_cache(maxsize=64)
def _named_set(query: str) -> tuple[str, str] | None:
    """The measure word and the noun after 几 (几张清单 → 张, 清单; 几强党支部 → "", 强党支部;
    几不几直 → "", 不几直)."""
    m = NAMED_SET_Q.search(query)
    if m is None:
        return None
    rest = re.split(r"[的了吗呢是有在和与]", m.group("rest"))[0]
    # The longest measure word it opens with (几方面经验 → 方面, 经验).
    n = next((n for n in range(min(3, len(rest)), 0, -1) if rest[:n] in UNIT_SET), 0)
    unit, noun = rest[:n], rest[n:]
    return (unit, noun) if noun else None


def _repeated(sentence: str, at: int, noun: str) -> tuple[int, int]:
    """How many characters of ``noun`` the sentence repeats from ``at`` (a 几 in
    the noun standing for any numeral, quotation marks skipped), and where the
    repeated part ends before a closing quote: (count, end)."""
    count, end, i = 0, at, at
    for ch in noun:
        while i < len(sentence) and sentence[i] in _QUOTES:
            i += 1
        if ch == "几":
            m = _NUMERAL_RUN.match(sentence, i)
            if m is None:
                break
            i = m.end()
        elif i < len(sentence) and sentence[i] == ch:
            i += 1
        else:
            break
        count += 1
        if "”" not in sentence[end:i]:
            end = i
    return count, end


def named_set_spans(query: str, sentence: str) -> list[re.Match]:
    """Where ``sentence`` names the set a 几 question asks about: a Chinese
    numeral followed by the asked measure word or not, then as much of the
    noun as the question has (two characters at least, unless the noun is
    one), a closing quote allowed inside (“四强”党支部). The span is the
    numeral with its measure word (四个), or with the noun when there is
    none, up to a closing quote (两清单, 四强); a noun that holds numbers of
    its own is part of the name (五位一体, 六个一, 四不两直)."""
    spec = _named_set(query)
    if spec is None:
        return []
    unit, noun = spec
    shortest = min(2, len(noun))
    numbered = noun[0] in SET_NUMERAL or "几" in noun
    span = re.compile(rf"(?P<num>[{SET_NUMERAL}]{{1,2}})(?P<unit>{re.escape(unit)})?.*")
    out = []
    for m in SET_NUMBER.finditer(sentence):
        at = m.end()
        has_unit = bool(unit) and sentence.startswith(unit, at)
        at += len(unit) if has_unit else 0
        repeated, end = _repeated(sentence, at, noun)
        if repeated < shortest:
            continue
        out.append(span.match(sentence, m.start(), end if numbered or not has_unit else at))
    return out


# 提升至多少, 达到多少: the question asks the value reached, stated right after 至/到/达.
REACHED_Q = re.compile(r"(?:提高|提升|上升|增长|增加|下降|降低|升|降)(?:到|至)|达到")
REACHED_AT = re.compile(r"(?:到|至|达到|达)$")
SHARE_IN_CLAUSE = re.compile(r"占[^，,；;。]{0,20}?(?:比重|比例)|占比")


def _clause_start(sent: str, at: int) -> int:
    return max(sent.rfind(c, 0, at) for c in CLAUSE_MARKS) + 1


def right_kind(query: str, sent: str, m: re.Match) -> bool:
    """Whether the quantity ``m`` in ``sent`` is of the kind asked: the value,
    not a milestone passed, a starting point or (for a level) a growth."""
    _, measure, share = _asked(query)
    before = sent[max(0, m.start() - 6):m.start()]
    # 突破6万亿元、达到62661亿元: the round figure is a milestone passed, the next one the value.
    if MILESTONE_BEFORE.search(before) and EXACT_AFTER.match(sent, m.end()):
        return False
    # 从796元/月提高至842元/月: the figure after 从 is where it started, not what it is now.
    if FROM_BEFORE.search(sent, 0, m.start()) and FROM_TO.match(sent, m.end()) and not ASKS_START.search(query):
        return False
    # 较2020年提高1.16岁、达到79.72岁: how much it rose is not how much it is.
    if measure == "level" and not RATE_Q.search(query) and GROWTH_BEFORE.search(before):
        return False
    if share:
        return not GROWTH_BEFORE.search(before)
    if measure == "rate" and SHARE_IN_CLAUSE.search(sent, _clause_start(sent, m.start()), m.start()):
        return False  # 工业投资占固定资产投资比重从17.9%提升到35.5% is no growth of 固定资产投资
    return measure != "rate" or not SHARE_BEFORE.search(before)


def _before(hits: Sequence, c) -> str:
    """The few characters before candidate ``c`` in its sentence."""
    h = hits[c.hit]
    at = c.start - h.chunk.start
    return h.chunk.text[max(c.sent_start - h.chunk.start, at - 6):at]


class Quantity(Kind):
    """多少, 几, 比例 …: a figure of the asked kind, or no answer."""

    name = "quantity"
    falls_back = False  # a how-many question is answered by a figure or not at all
    passage_relevance = False  # the figure's sentence is judged instead (stated)

    def detect(self, query: str) -> bool:
        return bool(QUANTITY_Q.search(query))

    def spans(self, query: str, sentence: str) -> list[re.Match]:
        ordinal = ordinal_pattern(query)
        if ordinal is not None:
            return list(ordinal.finditer(sentence))
        spec = _named_set(query)
        if spec is not None and not spec[0]:
            # 几大, 几强 name a set by a numeral and one word (五大重点人群): no other figure answers.
            return named_set_spans(query, sentence)
        named = named_set_spans(query, sentence)
        starts = {m.start() for m in named}
        # The named set's span where both start (五位一体, not the 五位 of a count).
        return named + [m for m in quantities(sentence, _asked(query)[0])
                        if right_kind(query, sentence, m) and m.start() not in starts]

    def score(self, ctx, query: str, hits: Sequence, match: ScopeMatch) -> list[Candidate]:
        return score_spans(ctx, query, hits, match, lambda sent: self.spans(query, sent))

    def prefers(self, query: str) -> Callable[[str], bool] | None:
        # A passage without a quantity of the named unit cannot answer 多少项.
        asked = asked_unit(query)
        return (lambda text: holds_asked_quantity(text, asked)) if asked else None

    def answer(self, ctx, query: str, hits: Sequence, match: ScopeMatch) -> list[Answer]:
        asked, measure, _ = _asked(query)
        time_asked = asked in TIME_UNITS or asked == DURATION

        def rate(unit: str) -> bool:
            return unit in RATE_UNITS or (asked is not None and unit_score(asked, unit) > 0)

        area_asked = bool(AREA_Q.search(query))

        def level(unit: str) -> bool:
            # 连续20年 is how long, not how much, unless the question asks how long.
            return unit not in RATE_UNITS and (time_asked or unit not in TIME_UNITS)

        # A growth rate is not an amount: 地区生产总值是多少 is never answered by 增长5.3%.
        # 提高多少 may be either (5% or 24元): an amount only when no rate is stated.
        found = self.score(ctx, query, hits, match)
        if not area_asked:
            # 播种面积6200万亩 does not answer 粮食产量, but 高标准农田4808万亩 is what 高标准农田 asks.
            found = sorted((replace(c, score=c.score - ctx.params.area_unit) if c.unit.endswith(AREA_UNITS) else c
                            for c in found), key=lambda c: -c.score)
        find = lambda ok: stated(ctx, query, hits, [c for c in found if ok(c)])
        if measure == "rate":
            # 增长了多少 answered by an amount: only one stated as a change (增加24元),
            # not the level it reached (接待游客超11亿人次).
            change_asked = bool(CHANGE_ASKED.search(query))
            amount = lambda c: level(c.unit) and (not change_asked or GROWTH_BEFORE.search(_before(hits, c)))
            cands = find(lambda c: rate(c.unit)) or ([] if PERCENT_ONLY_Q.search(query) else find(amount))
        else:
            cands = find(lambda c: level(c.unit))
            if not cands and asked is None and REACHED_Q.search(query):
                # 指数提升至多少: the value reached, which the report may give in percent (54.6%).
                cands = find(lambda c: c.unit in RATE_UNITS and REACHED_AT.search(_before(hits, c)))
        if not cands:
            return []
        best = cands[0]
        answers = [(best, to_answer(ctx, hits, best))]
        # Another document answering the same question differently gets its own answer.
        seen_docs = {hits[best.hit].chunk.doc}
        for c in cands[1:]:
            doc = hits[c.hit].chunk.doc
            if doc in seen_docs or c.score < ctx.params.other_doc_share * best.score:
                continue
            a = to_answer(ctx, hits, c)
            if a.text != answers[0][1].text:
                answers.append((c, a))
                seen_docs.add(doc)
        # Most recent report first, as a reader compares years.
        years = [ctx.doc_meta(hits[a.hit].chunk.doc).get("year") for _, a in answers]
        if len(answers) > 1 and all(years):
            answers = [ca for _, ca in sorted(zip(years, answers), key=lambda ya: -ya[0])]
        return [a for _, a in answers]


class Indicator(Quantity):
    """A keyword query that ends in an indicator (浙江 研发投入强度): its
    figure when one is stated, else a sentence."""

    name = "indicator"
    falls_back = True
    passage_relevance = True  # it may answer with a passage

    def detect(self, query: str) -> bool:
        bare = re.sub(r"[\s\d年？?。！!，,]+$", "", query)
        # Words put side by side (贵州 城镇地下管网 十四五) look up a fact: a figure when one is stated.
        keywords = len(query.split()) >= 2
        return not INTERROGATIVE.search(query) and bool(keywords or INDICATOR.search(bare)
                                                        or re.search(r"(?:19|20)\d{2}|目标", query))

    def prefers(self, query: str) -> Callable[[str], bool] | None:
        return None  # retrieval lifts passages only for a unit a question names (多少项)

    def result_kind(self, answers: list[Answer]) -> str:
        return "quantity" if answers else "passage"


QUANTITY = Quantity()
INDICATOR_QUERY = Indicator()
