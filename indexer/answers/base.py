"""What every answer kind shares: the :class:`AnswerKind` protocol, the
scoring weights (:class:`AnswerParams`), the :class:`Answer` and
:class:`Candidate` records, and the span scorer that the quantity and date
kinds use (:func:`score_spans`: how well a span's clause names what was
asked, in a passage of the asked time).

A kind works on hits from :mod:`indexer.retrieval` and a *context*, the
:class:`indexer.answering.Answerer` asking (its ``params``, ``searcher``,
``cite`` and ``doc_meta``); it imports neither, so that retrieval can ask a
kind which passages to prefer.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable, Protocol, Sequence

import numpy as np

from ..chunking import period_lead
from ..indicators import SYNONYMS, ascii_lower, forms, mentions
from ..keywords import STOPWORDS, is_word, noun_tags, word_tokens
from ..quantities import (ASKED_UNIT, CN_DIGITS, PEOPLE_COUNTED, PERSON_UNITS, QUANTITY_Q, UNITS, asked_unit,
                          quantities, unit_score)
from ..scope import (LAST_YEAR, MULTI_YEAR, PERIOD_WORDS, PLAN_PERIODS, PLAN_WORDS, RESULT_WORDS, THIS_YEAR, ScopeMatch,
                     passage_period, passage_tense, period_mark, spans_years)

SENTENCE = re.compile(r"[^。！？；\n]+[。！？；]?")
# A level reached at the end of a period (提升至82.5岁, 突破7万元) is also that year's level;
# a flow over the period (累计, 新增, 五年…) is not.
REACHED_BEFORE = re.compile(r"(?:至|到|达到|达|突破|超过|增至)(?:了)?(?:近|约|超过|超)?$")
FLOW_WORDS = re.compile(r"累计|新增|新设|共计|总计|合计|[两二三四五十]年|年均|十[三四五]五")
CONTINUES = re.compile(r"\s*(?:达到|达|为|增长|同比|比上年|较上年|占|总数|总量|总规模|累计)")
# The noun a question asks the figure of (总规模是多少, 总数): a figure right after it in the text is that one.
ASKED_NOUN = re.compile(r"规模|总数|总量|总额|金额|数量")
# A total is not what was added in the year (新增…12个，总数达到22个), nor the reverse.
TOTAL_Q = re.compile(r"总数|总量|一共|共有|总共|总计|合计|累计|总(?:里程|规模|人口|面积|装机|产量|长度|容量)")
INCREMENT = re.compile(r"新增|新建|新认定|新设")
# Nor is it the few chosen from them (推荐3名科技工作者 is not how many there are).
SELECTED = re.compile(r"推荐|推选|选派|选树|遴选|评选|表彰|授予")
# The same said after the figure (8人入选安徽省“创新达人”, 6人获奖): those chosen, not all there are.
SELECTED_AFTER = re.compile(r"入选|当选|获评|获奖|获得|荣获|受到表彰|被评为")
# A goal set for a later year (力争到2030年…达到3.25%): not what a question that names no time asks.
GOAL_YEAR = re.compile(r"(?:到|至)((?:19|20)\d\d)年")
# A bound asked (不高于多少, 控制在多少以内) is a goal's wording: such a goal answers it.
BOUND_Q = re.compile(r"不(?:高|低|大|小|多|少)于|不超过|控制在|以内|上限|下限")
RESPECTIVELY = re.compile(r"分别(?:为|是|达到|达|增长|下降|提高到|提高|提升至|降低|降至|占|突破|超过)?")
# Ranks that qualify a count (国家级 vs 市级 bases, 二等奖 vs 三等奖): a clause of another rank does not answer.
RANK = re.compile(r"(?:国家|国际|省|市|县|区|乡镇|村)级|[特一二三四五]等(?=奖)")
# Which one of a series (第七届, 第三批): the figure of another one is not the answer.
ORDINAL = re.compile(rf"第(?:\d+|[{CN_DIGITS}]+)(?:届|批|期|次|轮|季)")
# Verbs and particles that link an indicator to its figure (生产总值达到…, 增长…).
LINK_WORDS = re.compile(r"增长|增速|增幅|达到|达|提高|提高到|降低|下降|上涨|完成|实现|突破|超过|控制|控制在|保持|分别|"
                        r"累计|同比|比上年|较上年|约|左右|以上|全年|全省|全市|全国|总计|合计|年均|平均|新增|其中")
# Amounts of money: a question about 投资 or 收入 is answered in 元.
MONEY_Q = re.compile(r"投资|收入|金额|经费|资金|预算|补助|补贴|产值|总值|营收|成交额|销售额|税")
# How much a fuller form of an object word (人工造林 for 人工林) counts, against the word itself.
LOOSE_SHARE = 0.6
# Question words that say when or how, not what: they are not the object asked about.
NOT_OBJECT = re.compile(rf"^(?:{PLAN_WORDS.pattern}|{RESULT_WORDS.pattern}|{THIS_YEAR.pattern}|{LAST_YEAR.pattern}|"
                        r"全年|年度|情况|数据|数字|具体|一共|总共|共|达|达到|定|定的|提出|报告|政府|工作报告|"
                        r"政府工作报告|全省|全市|全国|省|市|年|今|去|期间|时期|末|多|大|有|为|是|"
                        # how a request is put (…中关于…的表述), when (现在), and who asks (老百姓)
                        r"关于|表述|论述|提法|说法|原文|内容|怎么讲|怎么说|讲|说|提到|部分|方面|"
                        r"现在|目前|当前|如今|眼下|老百姓|百姓|人们|大家|国务院|我国|国家|"
                        # which and what (哪几种教育): the question word, not its object
                        r"哪[几些种类个方]*种?|哪几|什么|怎样|如何|哪里)$")


# What separates the clauses of a sentence: a figure answers with its own clause's words.
CLAUSE_MARKS = "，,：:；;"
CLAUSE = re.compile(f"[^{CLAUSE_MARKS}]+")


@dataclass(frozen=True)
class AnswerParams:
    """Weights and floors of answer extraction and abstention: the answer
    side's counterpart of retrieval's :class:`indexer.retrieval.FusionParams`."""

    min_candidate: float = 0.6  # below this no quantity is about the question's object
    unknown_time: float = 0.3  # a passage of unknown time, when the question names one
    extra_word: float = 0.3  # per word qualifying the object that the question lacks (人均)
    missing_qualifier: float = 0.3  # the question's qualifier of the object absent (入境 of 入境游客)
    period_mismatch: float = 0.5  # a five-year total for a one-year question, or the reverse
    money_unit: float = 0.5  # an amount in 元 for a question about 投资, 收入 …
    rank: float = 0.5  # a clause of the asked rank (省级 for 省级), or of another
    # Share of the question's object words (IDF-weighted) that the answer's
    # sentence must contain: the answer must state what was asked.
    min_object: float = 0.35  # 0.3–0.5 refuse the same gov dev questions; 0.4 loses 364条 on the report set
    # A paraphrase needs some of the object's words and a sentence close in meaning: on the
    # dev questions, answers stated in other words scored 0.905–0.926, the best candidates
    # of unanswerable questions 0.872–0.890 (multilingual-e5-small, query vs passage).
    # A sentence answer has no figure of the asked kind to vouch for it: most of the object must be named.
    min_object_sentence: float = 0.35
    min_object_paraphrase: float = 0.15
    paraphrase_cosine: float = 0.90
    # No shared word at all (托育位子 for 婴幼儿托位): a figure of exactly the asked unit whose
    # own clause is this close, among the best few candidates. On the earlier sets such right
    # answers' clauses scored 0.903–0.930, the closest clause of an exact unit for unanswerable
    # questions mostly 0.85–0.905 (two of 58 at 0.913 and 0.915).
    paraphrase_clause_cosine: float = 0.91
    paraphrase_candidates: int = 5
    other_doc_share: float = 0.8  # another document's answer is shown when it scores this close
    asked_noun: float = 1.0  # the figure right after the asked noun (总规模934亿元 for 总规模是多少)
    # A figure of a clause where another figure is the one right before the noun the question
    # counts (6个调研课题和15项调研专题 for 多少项调研专题).
    counted_after: float = 1.0
    total_vs_increment: float = 0.5  # an increment for a total asked, or the reverse
    other_item: float = 0.5  # weight of a question word found only in another item of the figure's list
    area_unit: float = 0.5  # an area (6200万亩) when the question does not ask one
    # How a span's clause matches the question (score_spans): a question word in the
    # clause counts 1 + near / (1 + distance / near_chars), so up to three times
    # when it stands right next to the span; elsewhere in the sentence, ``elsewhere``.
    near: float = 2.0
    near_chars: float = 4.0
    elsewhere: float = 0.3
    shared_bigrams: float = 0.3  # times the share of the question's character bigrams in the sentence
    hit_rank: float = 0.5  # times 1 / rank of the passage in the search results
    wrong_unit: float = 1.0  # a span of another unit than the one asked (13人次 for 多少位)
    # A question word in the figure's own item of a list paired by 分别 counts this many
    # times (供电可靠率、自来水普及率分别达99.9%、94.5%), once elsewhere in the clause.
    paired_item: float = 3.0
    sentence_hits: int = 3  # passages a sentence answer is taken from
    sentence_rank: float = 1.0  # a sentence answer's score: times 1 / rank of its passage


@dataclass(frozen=True)
class Answer:
    text: str  # exactly the source characters start:end
    hit: int  # index into AskResult.hits
    start: int
    end: int
    masked: bool
    sentence: str  # the source sentence holding the answer
    citation: str
    label: str = ""  # which report, when several answer: 2026年 重庆市人民政府

    def to_dict(self) -> dict:
        return {"text": self.text, "hit": self.hit, "start": self.start, "end": self.end, "masked": self.masked,
                "sentence": self.sentence, "citation": self.citation, "label": self.label}


@dataclass
class Candidate:
    score: float
    hit: int
    start: int  # in document
    end: int
    sent_start: int
    sent_end: int
    masked: bool
    object: float = 0.0  # share of the question's object words in the sentence
    unit: str = ""
    known_object: float = 1.0  # the share among the object words the corpus uses at all


class AnswerKind(Protocol):
    """One kind of answer a question can ask for (a quantity, a date, a sentence).

    ``ctx`` is the answerer asking (:class:`indexer.answering.Answerer`);
    ``hits`` are :class:`indexer.retrieval.Hit` objects, best first;
    ``match`` is the question's scope (:class:`indexer.scope.ScopeMatch`)."""

    name: str  # AskResult.kind while answering
    falls_back: bool  # when it finds nothing, may a sentence answer instead?
    passage_relevance: bool  # is the question refused when the best passage is not about it?

    def detect(self, query: str) -> bool:
        """Whether ``query`` asks for an answer of this kind."""

    def spans(self, query: str, sentence: str) -> list[re.Match]:
        """Candidate answers in one sentence of a passage."""

    def score(self, ctx, query: str, hits: Sequence, match: ScopeMatch) -> list[Candidate]:
        """Every candidate in ``hits``, scored, best first."""

    def answer(self, ctx, query: str, hits: Sequence, match: ScopeMatch) -> list[Answer]:
        """The answers, best first; none when nothing states what was asked."""

    def prefers(self, query: str) -> Callable[[str], bool] | None:
        """For retrieval: a test of passages that hold an answer of the asked
        kind (those are lifted in the ranking), or None for no preference."""

    def result_kind(self, answers: list[Answer]) -> str:
        """AskResult.kind once answered (``answers``: this kind's own)."""


class Kind:
    """Defaults of :class:`AnswerKind`: no spans, no retrieval preference."""

    name = "passage"
    falls_back = True
    passage_relevance = True  # refused when the best passage is not about the question

    def detect(self, query: str) -> bool:
        return False

    def spans(self, query: str, sentence: str) -> list[re.Match]:
        return []

    def prefers(self, query: str) -> Callable[[str], bool] | None:
        return None

    def result_kind(self, answers: list[Answer]) -> str:
        return self.name


# --- text --------------------------------------------------------------------

def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` within ``text``, whitespace trimmed."""
    out = []
    for m in SENTENCE.finditer(text):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def asked_apart(query: str) -> str:
    """``query`` with a space after its question word and measure word (多少套 保交房,
    多少个 托育位子): jieba glues the measure word to the noun after it (套保, 个托育),
    and that noun is what is asked about. Not where the measure word begins a word
    with the next character (多少家庭, 多少人口)."""
    def apart(m: re.Match) -> str:
        unit, after = m.group("unit"), query[m.end():m.end() + 1]
        return m.group(0) if not unit or after and is_word(unit[-1] + after) else m.group(0) + " "
    return ASKED_UNIT.sub(apart, query)


def query_terms(query: str) -> list[str]:
    terms = [t for t in word_tokens(asked_apart(query)) if not QUANTITY_Q.fullmatch(t) and t not in STOPWORDS]
    return [t for t in terms if not re.fullmatch(rf"[{CN_DIGITS}]|{UNITS}", t)]


def occurrences(text: str, term: str, start: int, end: int) -> list[int]:
    """Start offsets of ``term`` within ``text[start:end]`` (ASCII letters in any case)."""
    if re.search(r"[A-Za-z]", term):
        text, term = ascii_lower(text), ascii_lower(term)
    out, at = [], text.find(term, start)
    while 0 <= at and at + len(term) <= end:
        out.append(at)
        at = text.find(term, at + 1)
    return out


def bigrams(s: str) -> set[str]:
    s = re.sub(r"[^\w\u4e00-\u9fff]", "", s)
    return {s[i:i + 2] for i in range(len(s) - 1)}


@functools.lru_cache(maxsize=4096)
def _loose_form(term: str) -> re.Pattern | None:
    """``term`` with one character allowed between each of its own: the
    fuller name of a compound (人工林 in 人工造林, 科考船 in 科学考察船)."""
    if len(term) < 3 or not re.fullmatch(r"[\u4e00-\u9fff]+", term):
        return None
    return re.compile("[\u4e00-\u9fff]?".join(map(re.escape, term)))


def mention_share(sentence: str, term: str) -> float:
    """1 when ``sentence`` names ``term``, ``LOOSE_SHARE`` when it names a fuller
    form of it, else 0."""
    if mentions(sentence, term):
        return 1.0
    loose = _loose_form(term)
    return LOOSE_SHARE if loose is not None and loose.search(sentence) else 0.0


@functools.lru_cache(maxsize=256)
def _filled_form(term: str) -> re.Pattern | None:
    """``term`` with each 几 standing for any numeral: 几史 names 四史, 一岗几责 names 一岗双责."""
    if "几" not in term:
        return None
    return re.compile("".join(rf"[{CN_DIGITS}双]{{1,3}}" if ch == "几" else re.escape(ch) for ch in term))


def filled_in(terms: dict[str, float], sentence: str) -> dict[str, float]:
    """``terms`` with the words that put 几 where a number stands (几史, 几不几直)
    as ``sentence`` fills them in (四史, 四不两直): the sentence names what they
    name, as it names any other question word it repeats."""
    out: dict[str, float] = {}
    for t, w in terms.items():
        form = _filled_form(t)
        m = form.search(sentence) if form is not None else None
        key = m.group(0) if m else t
        out[key] = out.get(key, 0.0) + w
    return out


# --- what the question asks about, and when ----------------------------------------

def object_weights(ctx, query: str, match: ScopeMatch) -> dict[str, float]:
    """The words naming what is asked about (粮食产量 in 2025年安徽省粮食产量是多少),
    weighted by length and rarity: the question without its scope words
    (places, bodies, years) and without words of time or manner."""
    masked = list(query)
    for s, e in match.scope.spans:
        masked[s:e] = " " * (e - s)
    text = "".join(masked)
    idf = ctx.searcher.idf
    weights = {}
    # An indicator named by any of its names counts as one word (GDP, 地区生产总值, 经济增长).
    for group in SYNONYMS:
        named = [w for w in group if w in text]
        if named:
            word = named[0]  # the longest: groups are ordered
            weights[word] = len(word) * idf(word)
            for w in named:
                text = text.replace(w, " ")
    # One character alone (想, 让, 涨) says little about the object; 多少岁 is the question word.
    terms = [t for t in query_terms(text) if not NOT_OBJECT.match(t) and len(t) >= 2
             and not re.match(r"多少|几", t)]
    weights.update({t: len(t) * idf(t) for t in terms})
    return weights


def corpus_uses(ctx, word: str) -> bool:
    """Whether the indexed reports use ``word`` at all (its IDF is below an unseen word's):
    a word they never use may be the asker's own (小宝宝 for 婴幼儿)."""
    return ctx.searcher.idf(word) < ctx.searcher.idf("\x00")


def term_weights(ctx, query: str) -> dict[str, float]:
    """Question words weighted by length and rarity, so that the words
    that single out the object (一对一, 国家级) count more than common ones."""
    idf = ctx.searcher.idf
    return {t: len(t) * idf(t) for t in query_terms(query)}


def time_fit(ctx, hit, match: ScopeMatch) -> float | None:
    """Whether a passage is of the asked time (a target for 今年/2026年目标, a
    result for 去年/2025年): None when it is of the other time, else a
    score adjustment, lower when the passage's time is unknown."""
    want = match.tense(hit.chunk.doc)
    if not want:
        return 0.0
    have = passage_tense(hit.chunk.section, ctx.doc_meta(hit.chunk.doc).get("year"))
    if have and have != want:
        return None
    return 0.0 if have else -ctx.params.unknown_time


def far_years(match: ScopeMatch, doc_year: int | None) -> list[int]:
    """Years asked that are neither a report's own (its plan) nor the year
    before (its review), and later years a target is asked for (到2030年):
    a figure for them must say so."""
    if not doc_year:
        return []
    return ([y for y in match.scope.years if not doc_year - 1 <= y <= doc_year]
            + [y for y in match.scope.horizons if y > doc_year])


def states_year(text: str, year: int) -> bool:
    """Whether ``text`` names ``year`` or a five-year plan period holding it."""
    return str(year) in text or any(a <= year <= b and name in text for name, (a, b) in PLAN_PERIODS.items())


def list_item(sent: str, cl: tuple[int, int], m: re.Match) -> tuple[int, int, bool]:
    """Where the item of a list, within clause ``cl``, that the figure ``m``
    belongs to stands: its own 、-separated item (30个城市更新重点片区), with
    the item before when it has no subject (突破2万亿元、达到23562亿元), or,
    after 分别, the name in the same place (供电可靠率、自来水普及率分别达99.9%、94.5%),
    flagged True: its words belong to the figure however far they stand."""
    a = max(cl[0], sent.rfind("、", cl[0], m.start()) + 1)
    b = sent.find("、", m.end(), cl[1])
    b = cl[1] if b < 0 else b
    names, at = paired_names(sent, cl, m)
    if names:
        return names[at][0], names[at][1], True
    while a > cl[0] and CONTINUES.match(sent, a):
        a = max(cl[0], sent.rfind("、", cl[0], a - 1) + 1)
    return a, b, False


def paired_names(sent: str, cl: tuple[int, int], m: re.Match) -> tuple[list[tuple[int, int]], int]:
    """The names a 分别 list in clause ``cl`` pairs with its figures, in
    order, and the place of the figure ``m`` among them; ([], -1) when it
    is in no such list."""
    resp = RESPECTIVELY.search(sent, cl[0], cl[1])
    if not resp or resp.end() > m.start():
        return [], -1
    names = [(cl[0] + n.start(), cl[0] + n.end()) for n in re.finditer(r"[^、]+", sent[cl[0]:resp.start()])]
    values = sent[resp.end():cl[1]].count("、") + 1
    at = sent.count("、", resp.end(), m.start())
    return (names, at) if len(names) == values and at < values else ([], -1)


def best_paired(query: str, sent: str, names: list[tuple[int, int]]) -> set[int]:
    """Which of a 分别 list's names the question names: those whose
    character pairs it holds the largest share of. 生产安全事故起数、死亡人数
    分别下降10.9%、7%: 生产安全事故死亡人数 is the second (起数 is not asked);
    城镇、农村居民收入分别增长: 城镇居民收入 is the first (农村 is not asked)."""
    qgrams = bigrams(query)
    cover = [len(bigrams(sent[a:b]) & qgrams) / (len(bigrams(sent[a:b])) or 1) for a, b in names]
    top = max(cover, default=0.0)
    return {i for i, c in enumerate(cover) if c == top}


def _after_asked(query: str, objects: dict[str, float]) -> list[str]:
    """The object words that follow a how-many question's question word one after another."""
    asked = ASKED_UNIT.search(query)
    if not asked or not asked.group(0):
        return []
    at, words = asked.end(), []
    while nxt := max((t for t in objects if query.startswith(t, at)), key=len, default=""):
        at = at + len(nxt)
        words.append(nxt)
    return words


def counted_noun(query: str, objects: dict[str, float]) -> str:
    """What a how-many question counts when it names it after the question
    word (几个省级示范农村专业技术协会 → 协会): the last of the object words that
    follow it one after another; "" when none follows."""
    words = _after_asked(query, objects)
    return words[-1] if words else ""


def counted_phrase(query: str, objects: dict[str, float]) -> str:
    """All of those words as the question writes them (多少项调研专题 → 调研专题)."""
    return "".join(_after_asked(query, objects))


def chosen_into_other(sent: str, m: re.Match, end: int, objects: dict[str, float]) -> bool:
    """Whether the figure ``m`` counts those chosen for something the question
    does not ask about (8人入选安徽省“创新达人” for 科技工作者总数); chosen for
    what it asks (8家入选国家级基地 for 国家级科学家精神教育基地总数), it counts them."""
    chosen = SELECTED_AFTER.match(sent, m.end(), end)
    return bool(chosen) and not any(mentions(sent[chosen.end():end], t) for t in objects)


def counts_phrase(sent: str, m: re.Match, phrase: str) -> bool:
    """Whether the figure ``m`` is followed by ``phrase``, the noun it counts
    (15项调研专题); in 市领导13人次、院士25位 the noun after the list mark is the next one's."""
    return bool(phrase) and phrase in _LIST_BREAK.split(sent[m.end():m.end() + len(phrase) + 2], 1)[0]


def asked_editions(query: str, objects: dict[str, float]) -> list[tuple[str, str, tuple[int, int]]]:
    """The editions a question names, each with its series (第七届青年人才托举工程 →
    ``("第七届", "青年", span)``): the first object word after the ordinal, the longest
    of those starting there, a word of scope (第二届全国创新争先奖) allowed between."""
    out = []
    for m in ORDINAL.finditer(query):
        # The first object word after it, a word or two of scope (全国) allowed between.
        after = [(query.find(t, m.end()), -len(t), t) for t in objects if 0 <= query.find(t, m.end()) <= m.end() + 3]
        if after:
            out.append((m.group(0), min(after)[2], m.span()))
    return out


def edition_stated(sent: str, ordinal: str, series: str) -> bool | None:
    """True when ``sent`` names the asked edition of ``series``, False when it names
    only another one (第八届…托举工程 for 第七届), None when it names none."""
    near = r".{0,12}?" + re.escape(series)
    if re.search(re.escape(ordinal) + near, sent):
        return True
    return False if re.search(ORDINAL.pattern + near, sent) else None


def qualified_head(query: str, objects: dict[str, float]) -> tuple[str, str]:
    """The object word right before the question word (游客 in 接待入境游客多少人次)
    and the object word right before it (入境), when the question has both."""
    asked = QUANTITY_Q.search(query)
    end = asked.start() if asked else len(query)
    spans = sorted((at, at + len(t), t) for t in objects if 0 <= (at := query.rfind(t, 0, end)))
    if len(spans) < 2:
        return "", ""
    (_, qe, qualifier), (hs, _, head) = spans[-2], spans[-1]
    return (qualifier, head) if qe == hs else ("", "")


def modifiers(sent: str, objects: dict[str, float], start: int, end: int) -> set[str]:
    """Words that make the figure at ``end`` about something else than the
    object: a qualifier just before its last mention (人均地区生产总值 is not
    地区生产总值) or another subject between it and the figure (单位国内生产
    总值二氧化碳排放降低3.8%), when the question does not have them."""
    best = max(((sent.rfind(f, start, end), f) for t in objects for f in forms(t)), default=(-1, ""))
    at, form = best
    if at < 0:
        return set()
    # Quoted names (“…”, 《…》) between them are examples, not the subject of the figure.
    between = re.sub(r"“[^”]*”|《[^》]*》|（[^）]*）", "", sent[at + len(form):end])[-8:]
    window = sent[max(start, at - 4):at] + " " + between
    words = {t for t in word_tokens(window) if len(t) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", t)
             and t not in STOPWORDS and not NOT_OBJECT.match(t) and not LINK_WORDS.fullmatch(t)
             and not any(t in o or o in t for o in objects)}
    return words


# --- spans: scoring, and which answer at all --------------------------------------

_LIST_BREAK = re.compile(r"[、，,；;。：:和与及（(]")
# What a report puts in quotation marks or title marks is a name (“天开创新沙龙”, 《科普法》).
QUOTED = re.compile(r"[“「『《\"]([^”」』》\"\n]{3,20})[”」』》\"]")


def asked_names(query: str, hits: Sequence, match: ScopeMatch) -> set[str]:
    """Names the question asks about: what the retrieved passages quote and the
    question names in full, outside its scope words (“十四五” is a period). A
    sentence that does not name one is about something else (组织35人次参加市委党校调训
    says nothing of 天开创新沙龙). The question's own quotation marks are left
    out: they quote a phrase to find (“几个亲自”), not a name."""
    quoted = {m.group(1).strip() for h in hits for m in QUOTED.finditer(h.chunk.text)}
    out = set()
    for n in quoted:
        at = query.find(n)
        if len(n) >= 3 and at >= 0 and not any(s < at + len(n) and at < e for s, e in match.scope.spans):
            out.add(n)
    return out


def score_spans(ctx, query: str, hits: Sequence, match: ScopeMatch, spans: Callable[[str], list[re.Match]],
                by_clause: bool = True) -> list[Candidate]:
    """Spans found by ``spans`` in the hits' sentences, scored by how well
    their clause (or, with ``by_clause=False``, their sentence) matches the
    question's object, the asked unit, and the hit's rank. Spans in
    passages of the wrong time are not candidates."""
    p = ctx.params
    objects = object_weights(ctx, query, match)
    terms = {**{t: w for t, w in term_weights(ctx, query).items()
                if not any(t in o or o in t for o in objects if o not in query)}, **objects}
    total = sum(terms.values()) or 1.0
    obj_total = sum(objects.values()) or 1.0
    # Words the corpus never uses may be the asker's own (小宝宝 for 婴幼儿); words it does
    # use, missing from a sentence, say that the sentence is about something else.
    known = {t: w for t, w in objects.items() if corpus_uses(ctx, t)}
    known_total = sum(known.values()) or 1.0
    qgrams = bigrams(query)
    asked = asked_unit(query)
    people = asked in PERSON_UNITS or bool(PEOPLE_COUNTED.search(query))
    # One year asked (2025年, 去年) or a period (十四五期间, 累计): a figure of the other kind does not answer.
    wants_period = match.scope.multi_year
    single_year = bool(match.scope.years or match.scope.relative) and not wants_period
    money = bool(MONEY_Q.search(query)) and asked is None
    ranks = set(RANK.findall(query))
    editions = asked_editions(query, objects)
    edition_words = {t for t in objects if any(query.find(t) >= a and query.find(t) + len(t) <= b
                                               for _, _, (a, b) in editions)}
    noun = ASKED_NOUN.search(query)
    total_asked, increment_asked = bool(TOTAL_Q.search(query)), bool(INCREMENT.search(query))
    selection_asked = bool(SELECTED.search(query))
    goal_asked = match.timed or bool(BOUND_Q.search(query))
    qualifier, head = qualified_head(query, objects)
    counted = counted_noun(query, objects)
    phrase = counted_phrase(query, objects)
    if counted and not corpus_uses(ctx, counted):
        counted = ""  # the asker's own word (托育位子): a paraphrase, judged by meaning
    counted_parts = [t for t in objects if t != counted and t in counted]
    named = asked_names(query, hits, match)
    cands: list[Candidate] = []
    for hi, h in enumerate(hits):
        fit = time_fit(ctx, h, match)
        if fit is None:
            continue
        text = h.chunk.text
        rank_bonus = 1.0 / (hi + 1)
        doc_year = ctx.doc_meta(h.chunk.doc).get("year")
        far = far_years(match, doc_year)
        for ss, se in sentences(text):
            sent = text[ss:se]
            clauses = ([(m.start(), m.end()) for m in CLAUSE.finditer(sent)] if by_clause
                       else [(0, len(sent))])
            shares = {t: mention_share(sent, t) for t in objects}
            if editions:
                stated_editions = [edition_stated(sent, o, series) for o, series, _ in editions]
                if False in stated_editions:
                    continue  # 第八届…托举工程 does not answer 第七届
                if None in stated_editions:
                    # 第七届 of something else (服务第七届世界智能大会) is not the asked one.
                    shares.update({t: 0.0 for t in edition_words})
            obj_share = sum(w * shares[t] for t, w in objects.items()) / obj_total if objects else 1.0
            known_share = (sum(w * shares[t] for t, w in known.items()) / known_total) if known else 1.0
            lead = text[max(0, ss - 200):ss]  # what the paragraph said before: 这五年，…
            lead = lead[lead.rfind("\n") + 1:]
            # The period of the sentence's paragraph or section (五年来，… / 这一年，…),
            # or the last one the paragraph turned to before it (…这五年…。一年来，…).
            para = passage_period(h.chunk.section, "")
            if opening := period_lead(lead + sent):
                para = passage_period(opening)
            loose_period = bool(MULTI_YEAR.search(sent) or MULTI_YEAR.search(lead) or spans_years(lead + sent))
            if not all(n in lead + sent for n in named):
                continue  # the sentence, or its paragraph before it, names what is asked about
            if not all(states_year(h.chunk.section + lead + sent, y) for y in far):
                continue  # 到2030年 asked of a 2026 report: only a passage naming 2030 (or 十五五) speaks of it
            found = spans(sent)
            # Clauses that name the object and state a figure of their own: the
            # object's figure is there, not in a clause about something else.
            # (The asked unit, 万吨, names no object: every figure's clause has it.)
            subject = [t for t in objects if not any(t in f.group(0) for f in found)]
            # A figure of any kind counts: 社会消费品零售总额增长5.1% states the object's
            # figure even to a question asking its level, which is then not stated.
            figures = found + quantities(sent)
            own_figure = {i for i, (a, b) in enumerate(clauses)
                          if any(a <= f.start() < b for f in figures)
                          and any(mention_share(sent[a:b], t) for t in subject)}
            counting = [f for f in found if counts_phrase(sent, f, phrase)]  # right before the counted noun
            sent_terms = filled_in(terms, sent)
            for m in found:
                unit = m.groupdict().get("unit") or ""
                # Object match: question words in the same clause, nearer is better.
                ci = next((i for i, (a, b) in enumerate(clauses) if a <= m.start() < b), None)
                cl = clauses[ci] if ci is not None else (0, len(sent))
                own = sent[cl[0]:m.start()]
                if ci and CONTINUES.match(sent, cl[0]):
                    # …迈上6万亿元台阶，达到62661亿元: a clause with no subject continues the one before.
                    cl = (clauses[ci - 1][0], cl[1])
                clause = sent[cl[0]:cl[1]]
                # Object match in [0, 1 + near]: weighted share of question words in the
                # same clause, nearer ones counting up to three times.
                obj = 0.0
                # The item of a list the figure stands in (55个扩面试点项目、30个城市更新重点片区):
                # words of the other items are about their own figures.
                item_at = list_item(sent, cl, m)
                item = sent[item_at[0]:item_at[1]]
                if item_at[2]:
                    names, at = paired_names(sent, cl, m)
                    if at not in best_paired(query, sent, names):
                        continue  # the figure of another name in a 分别 list
                if (own_figure - {ci} and not item_at[2] and names_its_own(own)
                        and not any(mention_share(clause, t) for t in subject)):
                    continue  # 通关能力提升至8000万吨 beside 中老铁路…运输货物超7400万吨
                if counted:
                    # A clause that opens with its figure (…3项科技创新成果获得二等奖，4项获得三等奖)
                    # counts what the clause before it named.
                    counts_in = sent[clauses[ci - 1][0]:cl[1]] if ci and not sent[cl[0]:m.start()].strip() else clause
                    if not (mentions(counts_in, counted)
                            or counted_parts and all(mentions(counts_in, t) for t in counted_parts)):
                        continue  # 推荐3名科技工作者 does not count 科技工作者代表; 党员、干部 are 党员干部
                for t, w in sent_terms.items():
                    if mentions(clause, t) and not mentions(item, t):
                        w *= p.other_item
                    if item_at[2] and mentions(clause, t):
                        obj += w * (p.paired_item if mentions(item, t) else 1.0)
                    elif mentions(clause, t):
                        # The nearest occurrence, not the first: a word repeated in
                        # the clause counts where it stands next to this number.
                        dist = min(min(abs(pos - m.end()), abs(m.start() - (pos + len(f))))
                                   for f in forms(t) for pos in occurrences(sent, f, cl[0], cl[1]))
                        obj += w * (1.0 + p.near / (1 + dist / p.near_chars))
                    elif share := mention_share(clause, t):
                        obj += share * w  # a fuller form, as if it stood at the far end of the clause
                    elif mentions(sent, t):
                        obj += p.elsewhere * w
                score = obj / total
                score += p.shared_bigrams * len(qgrams & bigrams(sent)) / (len(qgrams) or 1)
                if people and unit and not any(u in unit for u in PERSON_UNITS) and not unit_score(asked, unit):
                    continue  # people asked (多少人, 出生人口) are never counted in 家 or 个
                if asked is not None:
                    # The asked unit itself (25位 for 多少位) beats one of its class (13人次).
                    score += unit_score(asked, unit) or -p.wrong_unit
                score += p.hit_rank * rank_bonus + fit
                # A word right before the object that the question does not have
                # names another indicator (人均地区生产总值 is not 地区生产总值).
                # Only within the figure's own item when it names the object: the items
                # before it have their own objects.
                own_item = (item_at[0] if item_at[0] <= m.start() and any(mentions(item, t) for t in objects)
                            else cl[0])
                score -= p.extra_word * len(modifiers(sent, objects, own_item, m.start()))
                # A five-year figure never answers for one year, nor the reverse; a loose
                # sign (累计, 年均 elsewhere in the sentence) only counts against it.
                period = "multi" if PERIOD_WORDS.search(clause) else period_mark(lead + sent[:m.start()]) or para
                if period == "multi" and any(f"{y}年" in sent for y in match.scope.years):
                    period = ""  # 2025年… inside a 五年来 paragraph is that year's figure
                elif (period == "multi" and REACHED_BEFORE.search(sent, 0, m.start())
                      and not FLOW_WORDS.search(clause)):
                    period = ""  # 从80.2岁提升至82.5岁 over five years: 82.5岁 is the level now
                if single_year and period == "multi" or wants_period and period == "single":
                    continue
                if single_year and loose_period or wants_period and not (loose_period or period):
                    score -= p.period_mismatch
                if noun and noun.group(0) in sent[max(0, m.start() - 6):m.start()]:
                    score += p.asked_noun
                # Since the clause's figure before it: 新增…152公里、总里程达867公里 says both.
                since = sent[max([cl[0]] + [f.end() for f in figures if cl[0] <= f.end() <= m.start()]):m.start()]
                if total_asked != increment_asked and (INCREMENT.search(since) if total_asked else TOTAL_Q.search(since)):
                    score -= p.total_vs_increment
                if total_asked and not selection_asked and (SELECTED.search(own) or chosen_into_other(
                        sent, m, cl[1], objects)):
                    continue  # 推荐3名科技工作者, 8人入选安徽省“创新达人” do not say how many 科技工作者 there are
                counters = [f for f in counting if cl[0] <= f.start() < cl[1]]
                if counters and m not in counters:
                    score -= p.counted_after  # 6个调研课题和15项调研专题: 多少项调研专题 is the 15项
                if not goal_asked and doc_year and any(int(y) > doc_year for y in GOAL_YEAR.findall(sent, 0, m.start())):
                    continue  # a goal for 2030 does not say what it is now
                if money and unit.endswith("元"):
                    score += p.money_unit
                if head and mentions(clause, head) and not mentions(clause, qualifier):
                    score -= p.missing_qualifier  # 接待游客11亿人次 is not 入境游客
                clause_ranks = set(RANK.findall(clause))
                if ranks and clause_ranks:
                    score += p.rank if ranks & clause_ranks else -p.rank
                # A rank asked (国家级) is answered by a sentence that states it, with a figure
                # whose own item names no other rank: ***个市级科普教育基地 is not the 国家级
                # ones, nor is 17个社区 in a sentence that names no rank at all.
                if ranks and not ranks & set(RANK.findall(item)) and (
                        RANK.search(item) or not ranks & set(RANK.findall(sent))):
                    continue
                masked = "*" in m.group(0)
                cands.append(Candidate(score, hi, h.chunk.start + ss + m.start(), h.chunk.start + ss + m.end(),
                                       h.chunk.start + ss, h.chunk.start + se, masked, obj_share, unit,
                                       known_share))
    cands.sort(key=lambda c: -c.score)
    return cands


# How a clause goes on about the subject before it (…，下降2%; …，同比增长10%):
# what is left of its words before the figure once these are gone names nothing.
_GOES_ON = re.compile(r"同比|比上年|较上年|年均|分别|增长|下降|提高|降低|上涨|回落|减少|增加|完成|达到|提升|扩大|缩小|"
                      r"累计|新增|超过|突破|[从由至到为了达占共约近超]|[\d.,%％*]+|[万亿千百]")


def names_its_own(before: str) -> bool:
    """Whether a clause names a subject of its own before its figure
    (口岸货运通关能力从3800万吨提升至), rather than going on about the one before."""
    return len(re.findall(r"[\u4e00-\u9fff]", _GOES_ON.sub("", before))) >= 2


def stated(ctx, query: str, hits: Sequence, cands: list[Candidate]) -> list[Candidate]:
    """Candidates that answer at all: scored high enough, in a sentence
    naming the object, in words (min_object) or, for a paraphrase (育儿补贴
    for 养小宝宝的家庭), in meaning: some of its words and a sentence, or
    the figure's clause, whose embedding is close to the question's; or,
    in no shared word (托育位子 for 婴幼儿托位), a figure of exactly the
    asked unit whose own clause is closer still."""
    p = ctx.params
    out = [c for c in cands if c.score >= p.min_candidate and c.object >= p.min_object]
    if out or not cands:
        return out
    best = next((c for c in cands if c.score >= p.min_candidate and c.object >= p.min_object_paraphrase
                 and c.known_object >= p.min_object), None)
    if (best is not None and not narrower_unstated(ctx, query, hits, best)
            and max(_similarity(ctx, query, hits, best)) >= p.paraphrase_cosine):
        return [best]
    asked = asked_unit(query)
    if asked is None:
        return []
    exact = [c for c in cands if c.score >= p.min_candidate and unit_score(asked, c.unit) == 1.0][:p.paraphrase_candidates]
    if not exact:
        return []
    sims = [_similarity(ctx, query, hits, c)[-1] for c in exact]
    i = int(np.argmax(sims))
    if sims[i] < p.paraphrase_clause_cosine:
        return []
    # 个人会员多少名: the counted noun before the question word, when the reports use that word,
    # must be what the figure counts (11名在职党员干部 is no count of 个人会员).
    counted = counted_before(query)
    if counted and corpus_uses(ctx, counted) and not mentions(_clause(hits, exact[i]), counted):
        return []
    return [] if narrower_unstated(ctx, query, hits, exact[i]) else [exact[i]]


def narrower_unstated(ctx, query: str, hits: Sequence, c: Candidate) -> bool:
    """Whether the question asks for something narrower than the figure's sentence
    states: a word of the question missing there whose head the sentence has
    (高风险 where the sentence has 廉政风险点147个). A paraphrase replaces the
    question's words; it does not drop a qualifier of them."""
    sent, _ = _sentence_and_clause(hits, c)
    terms = query_terms(query)
    for w in terms:
        if len(w) < 3 or mentions(sent, w):
            continue
        # The known word as the head (高风险 of 风险), not the topic (长江边上 of 长江 is where).
        if any(k != w and w.endswith(k) and len(k) >= 2 and corpus_uses(ctx, k) and mentions(sent, k)
               for k in terms):
            return True
    return False


_BEFORE_ASKED = re.compile(r"(?:现有|共有|一共有|总共有|有|是|为|共|达|达到)?$")


def counted_before(query: str) -> str:
    """The noun right before a how-many question's question word (会员 in
    现有个人会员多少名), "" when there is none (the question word opens the
    question, or follows a verb and counts the noun after it)."""
    asked = ASKED_UNIT.search(query)
    if not asked or not asked.group("unit"):
        return ""
    head = query[:asked.start()]
    head = head[:_BEFORE_ASKED.search(head).start()]
    words = noun_tags(head)
    w, tag = words[-1] if words else ("", "")
    # A noun only: 提供多少个, 冒出来多少户 put a verb there, and the counted noun after.
    return w if tag.startswith("n") and len(w) >= 2 and not NOT_OBJECT.match(w) else ""


def _sentence_and_clause(hits: Sequence, c: Candidate) -> tuple[str, str]:
    """The candidate's sentence and the clause of it that holds the figure."""
    h = hits[c.hit]
    sent = h.chunk.text[c.sent_start - h.chunk.start:c.sent_end - h.chunk.start]
    at = c.start - c.sent_start
    return sent, next(m.group(0) for m in CLAUSE.finditer(sent) if m.start() <= at < m.end())


def _clause(hits: Sequence, c: Candidate) -> str:
    return _sentence_and_clause(hits, c)[1]


def _similarity(ctx, query: str, hits: Sequence, c: Candidate) -> list[float]:
    """Cosine of the question with the candidate's sentence and, last, its own clause
    (the rest of a long sentence is about other things: …，开办公益“爱心托管班”1.9万个)."""
    sent, clause = _sentence_and_clause(hits, c)
    texts = [sent] if clause == sent else [sent, clause]
    return [float(x) for x in ctx.searcher.embedder.encode_passages(texts) @ ctx.searcher.query_vector(query)]


def to_answer(ctx, hits: Sequence, c: Candidate) -> Answer:
    h = hits[c.hit]
    off = h.chunk.start
    text = h.chunk.text[c.start - off:c.end - off]
    sent = h.chunk.text[c.sent_start - off:c.sent_end - off]
    return Answer(text, c.hit, c.start, c.end, c.masked, sent, ctx.cite(h, sent))
