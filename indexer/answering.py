"""Answers with citations, by retrieval plus extraction (no language model).

* Quantity questions (多少, 几, 比例 …) get the quantity as written in the
  source (18153项, 50余场, 八万余人次, 282.53万元), from the sentence whose
  words match the question's object, not just any number nearby.
* A masked figure (``开展谈心谈话*人次``) is reported as masked
  (原文数字已脱敏), never replaced by another number.
* Different documents that answer differently each get their own answer.
* When nothing relevant is found, ``found`` is false and the nearest
  passages are returned marked as low confidence.

Usage::

    from indexer.retrieval import Searcher
    from indexer.answering import Answerer
    answerer = Answerer(Searcher.open("index"))
    result = answerer.ask("全市开展了多少项科普活动？")
    result.answers[0].text        # '18153项'
    result.answers[0].citation    # '据《…》（…）：“…18153项全域科普活动…”'
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace

import numpy as np

from .indicators import SYNONYMS, forms, mentions
from .keywords import STOPWORDS, precise_words, word_tokens
from .quantities import CN_DIGITS, QUANTITY_Q, RATE_UNITS, UNITS, asked_unit, quantities, unit_score
from .retrieval import Hit, Searcher, within
from .chunking import period_lead
from .scope import (LAST_YEAR, MULTI_YEAR, PERIOD_WORDS, PLAN_WORDS, RESULT_WORDS, THIS_YEAR, ScopeMatch,
                    spans_years,
                    passage_period, passage_tense, period_mark)
from .textnorm import normalize_query

DATE_Q = re.compile(r"什么时候|何时|哪一年|哪年|哪天|几月|日期|时间")
DATE = re.compile(r"(?:\d{4}|[*＊]{2,4})年(?:\d{1,2}|\*)月(?:(?:\d{1,2}|\*)日)?|\d{4}年|\d{1,2}月\d{1,2}日")
SENTENCE = re.compile(r"[^。！？；\n]+[。！？；]?")
MASKED_NOTICE = "原文数字已脱敏"
NOT_FOUND = "文档中没有找到与该问题相关的内容。以下为最接近的段落（相关度低，仅供参考）。"
NOT_STATED = "没有找到原文明确说明所问内容的句子，不作回答。以下为最接近的段落（仅供参考）。"
# A share or rate (占比, 增长…%) is asked differently from a level (达到…亿元).
SHARE_Q = re.compile(r"占比|比重|比例|百分之几|百分比|[率]|强度")
RATE_Q = re.compile(r"(?:增长|增速|增幅|上涨|下降|降低|提高|提升|回落|涨|降)(?![到至])")
# A % right after these words is a growth rate, not a share (研发投入增长10% is not its 强度),
# and after the others a share, not a growth rate (占国内生产总值比重12.5%).
GROWTH_BEFORE = re.compile(r"(?:增长|增速|增幅|提高|下降|上涨|降低|回落|增加|减少)(?:了|达到|为)?$")
SHARE_BEFORE = re.compile(r"(?:比重|占比|比例|[率]|强度)(?:达到|达|为|提高到|提升至|超过)?$")
# A level reached at the end of a period (提升至82.5岁, 突破7万元) is also that year's level;
# a flow over the period (累计, 新增, 五年…) is not.
REACHED_BEFORE = re.compile(r"(?:至|到|达到|达|突破|超过|增至)(?:了)?(?:近|约|超过|超)?$")
FLOW_WORDS = re.compile(r"累计|新增|新设|共计|总计|合计|[两二三四五十]年|年均|十[三四五]五")
CONTINUES = re.compile(r"\s*(?:达到|达|为|增长|同比|比上年|较上年|占|总数|总量|总规模|累计)")
# The noun a question asks the figure of (总规模是多少, 总数): a figure right after it in the text is that one.
ASKED_NOUN = re.compile(r"规模|总数|总量|总额|金额|数量")
# A total is not what was added in the year (新增…12个，总数达到22个), nor the reverse.
TOTAL_Q = re.compile(r"总数|总量|一共|共有|总共|总计|合计|累计")
INCREMENT = re.compile(r"新增|新建|新认定|新设")
RESPECTIVELY = re.compile(r"分别(?:为|是|达到|达|增长|下降|提高到|提高|提升至|降低|降至|占|突破|超过)?")
MILESTONE_BEFORE = re.compile(r"(?:突破|迈上|跨上|跃上|站上|越过|跨越)$")
EXACT_AFTER = re.compile(rf"(?:大?关口|台阶|大关)?[、，,]?(?:达到|达|为|实现)[近约超]?\d")
# 从…提高到… states a change: the first figure is the old value.
FROM_TO = re.compile(r"[^，。；]{0,12}?(?:提高|提升|增加|增长|扩大|上升|下降|降低|减少|压减|缩短|延长|升|降|增)(?:到|至|为)")
FROM_BEFORE = re.compile(r"[从由](?:(?:19|20)\d{2}年(?:底|末)?的?)?$")
ASKS_START = re.compile(r"[从由]多少|原来|原先|此前|之前")
# Units of area answer only a question about area (粮食产量 is not 播种面积1584.6万亩).
AREA_UNITS = ("亩", "公顷", "平方米", "平方公里", "平方千米")
AREA_Q = re.compile(r"面积|亩|公顷|平方")
# Ranks that qualify a count (国家级 vs 市级 bases): a clause of another rank does not answer.
RANK = re.compile(r"(?:国家|国际|省|市|县|区|乡镇|村)级")
# Verbs and particles that link an indicator to its figure (生产总值达到…, 增长…).
LINK_WORDS = re.compile(r"增长|增速|增幅|达到|达|提高|提高到|降低|下降|上涨|完成|实现|突破|超过|控制|控制在|保持|分别|"
                        r"累计|同比|比上年|较上年|约|左右|以上|全年|全省|全市|全国|总计|合计|年均|平均|新增|其中")
# Amounts of money: a question about 投资 or 收入 is answered in 元.
MONEY_Q = re.compile(r"投资|收入|金额|经费|资金|预算|补助|补贴|产值|总值|营收|成交额|销售额|税")
# How much a fuller form of an object word (人工造林 for 人工林) counts, against the word itself.
LOOSE_SHARE = 0.6
TIME_UNITS = ("年", "月", "天", "周", "小时", "日", "课时")

# A keyword query naming an indicator (安徽 粮食产量 2025) asks for its figure.
INDICATOR = re.compile(r"(?:产量|总值|总额|总量|产值|规模|里程|长度|面积|人数|数量|增速|增幅|增长|强度|比重|占比|投资|收入|"
                       r"[率量额数])(?:目标)?$")
INTERROGATIVE = re.compile(r"什么|哪些|哪个|怎么|怎样|如何|为何|为什么|是否|吗|呢|表述|论述|原文|讲话|提法|内容|措施|做法|要求|部署")
# Names of one indicator that reports and questions use interchangeably.
# Question words that say when or how, not what: they are not the object asked about.
NOT_OBJECT = re.compile(rf"^(?:{PLAN_WORDS.pattern}|{RESULT_WORDS.pattern}|{THIS_YEAR.pattern}|{LAST_YEAR.pattern}|"
                        r"全年|年度|情况|数据|数字|具体|一共|总共|共|达|达到|定|定的|提出|报告|政府|工作报告|"
                        r"政府工作报告|全省|全市|全国|省|市|年|今|去|期间|时期|末|多|大|有|为|是|"
                        # how a request is put (…中关于…的表述), when (现在), and who asks (老百姓)
                        r"关于|表述|论述|提法|说法|原文|内容|怎么讲|怎么说|讲|说|提到|部分|方面|"
                        r"现在|目前|当前|如今|眼下|老百姓|百姓|人们|大家|国务院|我国|国家)$")


@dataclass(frozen=True)
class AnswerParams:
    """Weights and floors of answer extraction and abstention."""

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
    other_doc_share: float = 0.8  # another document's answer is shown when it scores this close
    asked_noun: float = 1.0  # the figure right after the asked noun (总规模934亿元 for 总规模是多少)
    total_vs_increment: float = 0.5  # an increment for a total asked, or the reverse
    other_item: float = 0.5  # weight of a question word found only in another item of the figure's list
    area_unit: float = 0.5  # an area (6200万亩) when the question does not ask one


def asked_measure(query: str) -> str:
    """"rate" for shares and growth rates, "level" for amounts, "" when the asked unit decides."""
    unit = asked_unit(query)
    if unit:
        return "rate" if unit in RATE_UNITS else "level"
    if SHARE_Q.search(query) or RATE_Q.search(query):
        return "rate"
    return "level"


def question_kind(query: str) -> str:
    """quantity | date | passage. Besides how-many questions, a keyword query
    that ends in an indicator (浙江 研发投入强度, 安徽 粮食产量 2025) asks for a figure."""
    if QUANTITY_Q.search(query):
        return "quantity"
    if DATE_Q.search(query):
        return "date"
    bare = re.sub(r"[\s\d年？?。！!，,]+$", "", query)
    # Words put side by side (贵州 城镇地下管网 十四五) look up a fact: a figure when one is stated.
    keywords = len(query.split()) >= 2
    if not INTERROGATIVE.search(query) and (keywords or INDICATOR.search(bare)
                                            or re.search(r"(?:19|20)\d{2}|目标", query)):
        return "indicator"
    return "passage"


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
class AskResult:
    query: str
    found: bool
    answers: list[Answer]
    hits: list[Hit]
    citations: list[str]  # one per hit
    kind: str = "passage"  # quantity | date | passage
    message: str = ""
    meta: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        hits = []
        for h, cite in zip(self.hits, self.citations):
            d = h.to_dict()
            d["citation"] = cite
            hits.append(d)
        return {"query": self.query, "found": self.found, "kind": self.kind, "message": self.message,
                "answers": [a.to_dict() for a in self.answers], "hits": hits}

    def render_text(self) -> str:
        lines = [f"问：{self.query}"]
        if not self.found:
            lines.append(self.message or NOT_FOUND)
        elif self.message:
            lines.append(self.message)
        for a in self.answers:
            text = f"{a.text}（{MASKED_NOTICE}）" if a.masked else a.text
            lines.append(f"答：{a.label + '：' if a.label else ''}{text}\n    {a.citation}")
        for i, (h, cite) in enumerate(zip(self.hits, self.citations), 1):
            lines.append(f"  [{i}] {cite}")
        return "\n".join(lines)


def citation(title: str, section: str, quote: str, body: str = "", date: str = "", page: int | None = None) -> str:
    """``据《标题》（章节）：“原文”``, with issuing body, date and page when known."""
    where = "，".join(x for x in (section, f"第{page}页" if page else "") if x)
    src = f"《{title}》" + (f"（{where}）" if where else "")
    tail = "，".join(x for x in (body, date) if x)
    return f"据{src}：“{quote}”" + (f"（{tail}）" if tail else "")


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


def query_terms(query: str) -> list[str]:
    terms = [t for t in word_tokens(query) if not QUANTITY_Q.fullmatch(t) and t not in STOPWORDS]
    return [t for t in terms if not re.fullmatch(rf"[{CN_DIGITS}]|{UNITS}", t)]


def _occurrences(text: str, term: str, start: int, end: int) -> list[int]:
    """Start offsets of ``term`` within ``text[start:end]``."""
    out, at = [], text.find(term, start)
    while 0 <= at and at + len(term) <= end:
        out.append(at)
        at = text.find(term, at + 1)
    return out


def _bigrams(s: str) -> set[str]:
    s = re.sub(r"[^\w\u4e00-\u9fff]", "", s)
    return {s[i:i + 2] for i in range(len(s) - 1)}


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


class Answerer:
    """Answers questions from a :class:`Searcher`'s index.

    A question is answered only when all of these hold, and otherwise the
    result says it was not found and shows the nearest passages as such:

    * its scope (place, body, year) matches documents of the corpus, and the
      answer comes from one of them (:mod:`indexer.scope`);
    * the best passage is about it: ``cosine + coverage_weight * coverage >=
      threshold`` (calibrated on the report questions);
    * for a how-many question, a quantity of the asked kind (unit, rate or
      level, target or result) stands in a sentence that names what was asked.
    """

    def __init__(self, searcher: Searcher, *, threshold: float = 0.912, coverage_weight: float = 0.15,
                 params: AnswerParams = AnswerParams()):
        self.searcher = searcher
        self.threshold = threshold
        self.coverage_weight = coverage_weight
        self.params = params

    def _doc_meta(self, doc: str) -> dict:
        return self.searcher.documents.get(doc, {})

    def cite(self, hit: Hit, quote: str) -> str:
        """The pasteable citation of ``quote`` taken from ``hit``."""
        c = hit.chunk
        meta = self._doc_meta(c.doc)
        date = meta.get("date") or (f"{meta['year']}年" if meta.get("year") else "")
        return citation(c.title, c.section, quote, meta.get("body", ""), date, c.page)

    def label(self, doc: str) -> str:
        meta = self._doc_meta(doc)
        who = meta.get("body") or meta.get("place") or meta.get("title") or doc
        return f"{meta['year']}年 {who}" if meta.get("year") else who

    def _relevance(self, query: str, hits: list[Hit]) -> tuple[bool, dict]:
        """Is the best passage about the question? Cosine of the top passage,
        plus how many of the question's content words it contains."""
        if not hits:
            return False, {"cosine": 0.0, "coverage": 0.0}
        terms = query_terms(query)
        idf = self.searcher.idf
        weight = {t: len(t) * idf(t) for t in terms}
        total = sum(weight.values()) or 1.0
        best_cov, best_cos = 0.0, 0.0
        for h in hits[:3]:
            text = h.chunk.title + h.chunk.section + h.chunk.text
            cov = sum(w * mention_share(text, t) for t, w in weight.items()) / total
            best_cov = max(best_cov, cov)
            best_cos = max(best_cos, h.dense or 0.0)
        score = best_cos + self.coverage_weight * best_cov
        return score >= self.threshold, {"cosine": round(best_cos, 4), "coverage": round(best_cov, 3),
                                         "relevance": round(score, 4), "terms": terms}

    def ask(self, query: str, k: int = 5, docs: list[str] | None = None) -> AskResult:
        query = normalize_query(query)
        kind = question_kind(query)
        if not query:
            return AskResult(query, False, [], [], [], kind, message="请输入问题。")
        match = self.searcher.resolve(query)
        scoped = within(docs, match.docs)
        if match.message or scoped == []:
            # Nothing in the corpus is of the scope asked: say so, and show what is nearest as such.
            hits = self.searcher.search(query, k=k, docs=docs, scoped=False)
            message = (match.message or "所选文档不属于问题所指的范围，无法回答。") + (
                "以下为最接近的段落（仅供参考）。" if hits else "")
            return AskResult(query, False, [], hits, [self.cite(h, h.chunk.text) for h in hits], kind,
                             message=message, meta={"scope": match.scope.describe()})
        hits = self.searcher.search(query, k=k, docs=scoped, scoped=False)
        citations = [self.cite(h, h.chunk.text) for h in hits]
        found, meta = self._relevance(query, hits)
        meta["scope"] = match.scope.describe()
        result = AskResult(query, found, [], hits, citations, kind, meta=meta)
        if not found:
            result.message = NOT_FOUND
            return result
        if kind in ("quantity", "indicator"):
            result.answers = self._quantity_answers(query, hits, match)
        elif kind == "date":
            result.answers = self._span_answers(query, hits, DATE, match)
        if kind == "indicator":
            # A keyword query gets a figure when one is stated, else a sentence.
            result.kind = "quantity" if result.answers else "passage"
        if not result.answers and kind != "quantity":
            # A how-many question is answered by a figure or not at all.
            result.answers = self._sentence_answers(query, hits, match)
        if not result.answers:
            result.found = False
            result.message = NOT_STATED
            return result
        if len({hits[a.hit].chunk.doc for a in result.answers}) > 1 or match.docs is not None and len(match.docs) > 1:
            result.answers = [replace(a, label=self.label(hits[a.hit].chunk.doc)) for a in result.answers]
        if any(a.masked for a in result.answers[:1]):
            result.message = f"答案所在句子的数字在原文中已脱敏（{MASKED_NOTICE}），无法给出具体数值。"
        return result

    def _object_weights(self, query: str, match: ScopeMatch) -> dict[str, float]:
        """The words naming what is asked about (粮食产量 in 2025年安徽省粮食产量是多少),
        weighted by length and rarity: the question without its scope words
        (places, bodies, years) and without words of time or manner."""
        masked = list(query)
        for s, e in match.scope.spans:
            masked[s:e] = " " * (e - s)
        text = "".join(masked)
        idf = self.searcher.idf
        weights = {}
        # An indicator named by any of its names counts as one word (GDP, 地区生产总值, 经济增长).
        for group in SYNONYMS:
            named = [w for w in group if w in text]
            if named:
                word = max(named, key=len)
                weights[word] = len(word) * idf(word)
                for w in named:
                    text = text.replace(w, " ")
        # One character alone (想, 让, 涨) says little about the object; 多少岁 is the question word.
        terms = [t for t in query_terms(text) if not NOT_OBJECT.match(t) and len(t) >= 2
                 and not re.match(r"多少|几", t)]
        weights.update({t: len(t) * idf(t) for t in terms})
        return weights

    def _term_weights(self, query: str) -> dict[str, float]:
        """Question words weighted by length and rarity, so that the words
        that single out the object (一对一, 国家级) count more than common ones."""
        idf = self.searcher.idf
        return {t: len(t) * idf(t) for t in query_terms(query)}

    def _time_fit(self, hit: Hit, match: ScopeMatch) -> float | None:
        """Whether a passage is of the asked time (a target for 今年/2026年目标, a
        result for 去年/2025年): None when it is of the other time, else a
        score adjustment, lower when the passage's time is unknown."""
        want = match.tense(hit.chunk.doc)
        if not want:
            return 0.0
        have = passage_tense(hit.chunk.section, self._doc_meta(hit.chunk.doc).get("year"))
        if have and have != want:
            return None
        return 0.0 if have else -self.params.unknown_time

    def _candidates(self, query: str, hits: list[Hit], pattern_fn, match: ScopeMatch,
                    by_clause: bool = True, span_ok=None) -> list[Candidate]:
        """Spans found by ``pattern_fn`` in the hits' sentences, scored by how
        well their clause (or, with ``by_clause=False``, their sentence)
        matches the question's object, the asked unit, and the hit's rank.
        Spans in passages of the wrong time, or that ``span_ok`` rejects,
        are not candidates."""
        objects = self._object_weights(query, match)
        terms = {**{t: w for t, w in self._term_weights(query).items()
                    if not any(t in o or o in t for o in objects if o not in query)}, **objects}
        total = sum(terms.values()) or 1.0
        obj_total = sum(objects.values()) or 1.0
        qgrams = _bigrams(query)
        asked = asked_unit(query)
        # One year asked (2025年, 去年) or a period (十四五期间, 累计): a figure of the other kind does not answer.
        wants_period = match.scope.multi_year
        single_year = bool(match.scope.years or match.scope.relative) and not wants_period
        money = bool(MONEY_Q.search(query)) and asked is None
        ranks = set(RANK.findall(query))
        noun = ASKED_NOUN.search(query)
        total_asked, increment_asked = bool(TOTAL_Q.search(query)), bool(INCREMENT.search(query))
        qualifier, head = self._qualified_head(query, objects)
        cands: list[Candidate] = []
        for hi, h in enumerate(hits):
            time_fit = self._time_fit(h, match)
            if time_fit is None:
                continue
            text = h.chunk.text
            rank_bonus = 1.0 / (hi + 1)
            for ss, se in sentences(text):
                sent = text[ss:se]
                clauses = ([(m.start(), m.end()) for m in re.finditer(r"[^，,：:；;]+", sent)] if by_clause
                           else [(0, len(sent))])
                obj_share = sum(w * mention_share(sent, t) for t, w in objects.items()) / obj_total if objects else 1.0
                lead = text[max(0, ss - 200):ss]  # what the paragraph said before: 这五年，…
                lead = lead[lead.rfind("\n") + 1:]
                # The period of the sentence's paragraph or section (五年来，… / 这一年，…),
                # or the last one the paragraph turned to before it (…这五年…。一年来，…).
                para = passage_period(h.chunk.section, "")
                if opening := period_lead(lead + sent):
                    para = passage_period(opening)
                loose_period = bool(MULTI_YEAR.search(sent) or MULTI_YEAR.search(lead) or spans_years(lead + sent))
                for m in pattern_fn(sent):
                    unit = m.groupdict().get("unit") or ""
                    if span_ok is not None and not span_ok(sent, m):
                        continue
                    # Object match: question words in the same clause, nearer is better.
                    ci = next((i for i, (a, b) in enumerate(clauses) if a <= m.start() < b), None)
                    cl = clauses[ci] if ci is not None else (0, len(sent))
                    own = sent[cl[0]:m.start()]
                    if ci and CONTINUES.match(sent, cl[0]):
                        # …迈上6万亿元台阶，达到62661亿元: a clause with no subject continues the one before.
                        cl = (clauses[ci - 1][0], cl[1])
                    clause = sent[cl[0]:cl[1]]
                    # Object match in [0, 3]: weighted share of question words in the
                    # same clause, nearer ones counting up to three times.
                    obj = 0.0
                    # The item of a list the figure stands in (55个扩面试点项目、30个城市更新重点片区):
                    # words of the other items are about their own figures.
                    item_at = self._list_item(sent, cl, m)
                    item = sent[item_at[0]:item_at[1]]
                    for t, w in terms.items():
                        if mentions(clause, t) and not mentions(item, t):
                            w *= self.params.other_item
                        if item_at[2] and mentions(clause, t):
                            obj += w * (3.0 if mentions(item, t) else 1.0)
                        elif mentions(clause, t):
                            # The nearest occurrence, not the first: a word repeated in
                            # the clause counts where it stands next to this number.
                            dist = min(min(abs(pos - m.end()), abs(m.start() - (pos + len(f))))
                                       for f in forms(t) for pos in _occurrences(sent, f, cl[0], cl[1]))
                            obj += w * (1.0 + 2.0 / (1 + dist / 4))
                        elif share := mention_share(clause, t):
                            obj += share * w  # a fuller form, as if it stood at the far end of the clause
                        elif mentions(sent, t):
                            obj += 0.3 * w
                    score = obj / total
                    score += 0.3 * len(qgrams & _bigrams(sent)) / (len(qgrams) or 1)
                    if asked is not None:
                        # The asked unit itself (25位 for 多少位) beats one of its class (13人次).
                        score += unit_score(asked, unit) or -1.0
                    score += 0.5 * rank_bonus + time_fit
                    # A word right before the object that the question does not have
                    # names another indicator (人均地区生产总值 is not 地区生产总值).
                    # Only within the figure's own item when it names the object: the items
                    # before it have their own objects.
                    own_item = (item_at[0] if item_at[0] <= m.start() and any(mentions(item, t) for t in objects)
                                else cl[0])
                    score -= self.params.extra_word * len(self._modifiers(sent, objects, own_item, m.start()))
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
                        score -= self.params.period_mismatch
                    if noun and noun.group(0) in sent[max(0, m.start() - 6):m.start()]:
                        score += self.params.asked_noun
                    if total_asked != increment_asked and (INCREMENT.search(own) if total_asked else TOTAL_Q.search(own)):
                        score -= self.params.total_vs_increment
                    if money and unit.endswith("元"):
                        score += self.params.money_unit
                    if head and mentions(clause, head) and not mentions(clause, qualifier):
                        score -= self.params.missing_qualifier  # 接待游客11亿人次 is not 入境游客
                    clause_ranks = set(RANK.findall(clause))
                    if ranks and clause_ranks:
                        score += self.params.rank if ranks & clause_ranks else -self.params.rank
                    masked = "*" in m.group(0)
                    cands.append(Candidate(score, hi, h.chunk.start + ss + m.start(), h.chunk.start + ss + m.end(),
                                           h.chunk.start + ss, h.chunk.start + se, masked, obj_share, unit))
        cands.sort(key=lambda c: -c.score)
        return cands

    @staticmethod
    def _list_item(sent: str, cl: tuple[int, int], m: re.Match) -> tuple[int, int, bool]:
        """Where the item of a list, within clause ``cl``, that the figure ``m``
        belongs to stands: its own 、-separated item (30个城市更新重点片区), with
        the item before when it has no subject (突破2万亿元、达到23562亿元), or,
        after 分别, the name in the same place (供电可靠率、自来水普及率分别达99.9%、94.5%),
        flagged True: its words belong to the figure however far they stand."""
        a = max(cl[0], sent.rfind("、", cl[0], m.start()) + 1)
        b = sent.find("、", m.end(), cl[1])
        b = cl[1] if b < 0 else b
        resp = RESPECTIVELY.search(sent, cl[0], cl[1])
        if resp and resp.end() <= m.start():
            names = [n.start() for n in re.finditer(r"[^、]+", sent[cl[0]:resp.start()])]
            values = sent[resp.end():cl[1]].count("、") + 1
            at = sent.count("、", resp.end(), m.start())
            if len(names) == values and at < values:
                start = cl[0] + names[at]
                end = sent.find("、", start, resp.start())
                return start, resp.start() if end < 0 else end, True
        while a > cl[0] and CONTINUES.match(sent, a):
            a = max(cl[0], sent.rfind("、", cl[0], a - 1) + 1)
        return a, b, False

    @staticmethod
    def _qualified_head(query: str, objects: dict[str, float]) -> tuple[str, str]:
        """The object word right before the question word (游客 in 接待入境游客多少人次)
        and the object word right before it (入境), when the question has both."""
        asked = QUANTITY_Q.search(query)
        end = asked.start() if asked else len(query)
        spans = sorted((at, at + len(t), t) for t in objects if 0 <= (at := query.rfind(t, 0, end)))
        if len(spans) < 2:
            return "", ""
        (_, qe, qualifier), (hs, _, head) = spans[-2], spans[-1]
        return (qualifier, head) if qe == hs else ("", "")

    @staticmethod
    def _modifiers(sent: str, objects: dict[str, float], start: int, end: int) -> set[str]:
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

    def _to_answer(self, hits: list[Hit], c: Candidate) -> Answer:
        h = hits[c.hit]
        off = h.chunk.start
        text = h.chunk.text[c.start - off:c.end - off]
        sent = h.chunk.text[c.sent_start - off:c.sent_end - off]
        return Answer(text, c.hit, c.start, c.end, c.masked, sent, self.cite(h, sent))

    def _stated(self, query: str, hits: list[Hit], cands: list[Candidate]) -> list[Candidate]:
        """Candidates that answer at all: scored high enough, in a sentence
        naming the object, in words (min_object) or, for a paraphrase (育儿补贴
        for 养小宝宝的家庭), in meaning: some of its words and a sentence
        embedding close to the question's."""
        p = self.params
        out = [c for c in cands if c.score >= p.min_candidate and c.object >= p.min_object]
        if out or not cands:
            return out
        best = next((c for c in cands if c.score >= p.min_candidate and c.object >= p.min_object_paraphrase), None)
        if best is None:
            return []
        h = hits[best.hit]
        sent = h.chunk.text[best.sent_start - h.chunk.start:best.sent_end - h.chunk.start]
        sim = float(np.dot(self.searcher.query_vector(query), self.searcher.embedder.encode_passages([sent])[0]))
        return [best] if sim >= p.paraphrase_cosine else []

    def _quantity_answers(self, query: str, hits: list[Hit], match: ScopeMatch) -> list[Answer]:
        asked = asked_unit(query)
        measure = asked_measure(query)

        share = bool(SHARE_Q.search(query)) and not RATE_Q.search(query)
        time_asked = asked in TIME_UNITS

        def rate(unit: str) -> bool:
            return unit in RATE_UNITS or (asked is not None and unit_score(asked, unit) > 0)

        area_asked = bool(AREA_Q.search(query))

        def level(unit: str) -> bool:
            # 连续20年 is how long, not how much, unless the question asks how long.
            return unit not in RATE_UNITS and (time_asked or unit not in TIME_UNITS)

        def right_kind(sent: str, m: re.Match) -> bool:
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
            return measure != "rate" or not SHARE_BEFORE.search(before)

        # A growth rate is not an amount: 地区生产总值是多少 is never answered by 增长5.3%.
        # 提高多少 may be either (5% or 24元): an amount only when no rate is stated.
        found = self._candidates(query, hits, lambda sent: quantities(sent, asked), match, span_ok=right_kind)
        if not area_asked:
            # 播种面积6200万亩 does not answer 粮食产量, but 高标准农田4808万亩 is what 高标准农田 asks.
            found = sorted((replace(c, score=c.score - self.params.area_unit) if c.unit.endswith(AREA_UNITS) else c
                            for c in found), key=lambda c: -c.score)
        find = lambda ok: self._stated(query, hits, [c for c in found if ok(c.unit)])
        if measure == "rate":
            cands = find(rate) or find(level)
        else:
            cands = find(level)
        if not cands:
            return []
        best = cands[0]
        answers = [(best, self._to_answer(hits, best))]
        # Another document answering the same question differently gets its own answer.
        seen_docs = {hits[best.hit].chunk.doc}
        for c in cands[1:]:
            doc = hits[c.hit].chunk.doc
            if doc in seen_docs or c.score < self.params.other_doc_share * best.score:
                continue
            a = self._to_answer(hits, c)
            if a.text != answers[0][1].text:
                answers.append((c, a))
                seen_docs.add(doc)
        # Most recent report first, as a reader compares years.
        years = [self._doc_meta(hits[a.hit].chunk.doc).get("year") for _, a in answers]
        if len(answers) > 1 and all(years):
            answers = [ca for _, ca in sorted(zip(years, answers), key=lambda ya: -ya[0])]
        return [a for _, a in answers]

    def _span_answers(self, query: str, hits: list[Hit], pattern: re.Pattern, match: ScopeMatch) -> list[Answer]:
        # A date belongs to the whole sentence (按：9月8日，…召开…会议), not to one clause.
        cands = self._stated(query, hits, self._candidates(query, hits, lambda s: list(pattern.finditer(s)), match,
                                              by_clause=False))
        return [self._to_answer(hits, cands[0])] if cands else []

    def _sentence_answers(self, query: str, hits: list[Hit], match: ScopeMatch) -> list[Answer]:
        """The source sentence that shares most with the question; none when
        no sentence names enough of what was asked."""
        terms = query_terms(query)
        objects = self._object_weights(query, match)
        obj_total = sum(objects.values()) or 1.0
        qgrams = _bigrams(query)
        best = None
        for hi, h in enumerate(hits[:3]):
            if self._time_fit(h, match) is None:
                continue  # a 2025 result does not answer a question about the 2026 target
            text = h.chunk.text
            for ss, se in sentences(text):
                sent = text[ss:se]
                score = sum(len(t) for t in terms if t in sent) + len(qgrams & _bigrams(sent)) / (len(qgrams) or 1)
                score += 1.0 / (hi + 1)
                # A passage answers as a whole: its section and neighbouring sentences name the object too.
                # With no figure to vouch for the answer, a two-character word counts only as a
                # word of its own (办公 is not named by 办公厅).
                context = h.chunk.section + h.chunk.text
                words = precise_words(context)
                obj = sum(w for t, w in objects.items()
                          if mentions(context, t) and (len(t) > 2 or any(f in words for f in forms(t))))
                obj = obj / obj_total if objects else 1.0
                if best is None or score > best[0]:
                    best = (score, hi, ss, se, obj)
        if best is None or best[4] < self.params.min_object_sentence:
            return []
        _, hi, ss, se, _ = best
        h = hits[hi]
        sent = h.chunk.text[ss:se]
        start = h.chunk.start + ss
        return [Answer(sent, hi, start, start + len(sent), False, sent, self.cite(h, sent))]
