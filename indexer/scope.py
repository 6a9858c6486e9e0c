"""The scope a question names — a place, an issuing body, a year — and the
documents that match it.

Reports of one genre say the same things with different figures
(地区生产总值增长…, 城镇新增就业…), so "重庆2025年新能源汽车产量" must be
answered from the 重庆 report, and "吉林省粮食产量" from none when the corpus
holds no 吉林 report. The vocabulary comes from the indexed documents'
metadata (:mod:`indexer.metadata`) and the standard list of administrative
divisions (:mod:`indexer.places`), never from a list of test documents.

Years are read against each document's own year: a report of year Y sets
targets for Y and reviews Y-1, so "2025年…" matches the 2026 report (its
review) and "2024年…预期目标" the 2024 report. 今年 and 去年 select the same
two halves of every report.

Usage::

    from indexer.scope import resolve_scope
    match = resolve_scope("重庆2025年新能源汽车产量是多少？", searcher.documents)
    match.docs        # ['重庆市_2026政府工作报告.txt']
    match.tense('重庆市_2026政府工作报告.txt')   # 'review': 2025 is that report's past
    resolve_scope("吉林省粮食产量", searcher.documents).message   # '语料中没有吉林省的报告。'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .chunking import PERIOD_LEAD
from .keywords import word_spans, word_tokens
from .metadata import body_aliases
from .places import ABBREVIATIONS, NATIONAL, NATIONAL_WORDS, Place, find_places, level_word, place_of

# Five-year plan periods by name (十四五 = 2021–2025).
PLAN_PERIODS = {"十三五": (2016, 2020), "十四五": (2021, 2025), "十五五": (2026, 2030), "十六五": (2031, 2035)}
_YEAR = re.compile(r"(?<![0-9])((?:19|20)\d{2})(?:年(?!前|底前|以前|之前)|(?![0-9年]))")
# 到2035年, 截至2025年底 name a horizon or a cut-off, not the report asked about.
_HORIZON_BEFORE = re.compile(r"(?:到|至|截至|截止|迄今|以来)$")
THIS_YEAR = re.compile(r"今年|本年|当年|本年度")
LAST_YEAR = re.compile(r"去年|上年|上一年|过去一年|前一年")
# 我市, 全省: the question is about the local body, even when it names a national award (全国创新争先奖).
LOCAL = re.compile(r"我市|本市|全市|我省|本省|全省|我区|本区|我县|本县|我州")
# 全市 asks about a city's (or a municipality's) report, not a province's: 全省 the reverse.
AREA_WORD = re.compile(r"(?:全|我|本)(省|市|县)")
# Words that ask for a plan (a target) or for what was done (a result).
PLAN_WORDS = re.compile(r"目标|预期|力争|计划|打算|将要|要达到|要完成|安排|任务")
_DONE = "实现了|实际|达到了|增长了|取得|成效|成绩|回顾|过去|已经|累计|现在|目前|如今"
RESULT_WORDS = re.compile(rf"(?<![要将])完成|{_DONE}")
# 完成 is said of targets too (2026年完成水土流失综合治理…): alone it does not make a
# question about the report's own year ask for a result.
FIRM_RESULT = re.compile(rf"完成了|{_DONE}")
# Words that make a figure a total over years (这五年, “十四五”时期, 累计).
MULTI_YEAR = re.compile(r"五年|十三五|十四五|十五五|累计|年均")
# In a question, these years (这几年, 近年来) ask for the same kind of total.
ASKED_YEARS = re.compile(r"[这近前]几年|这些年|近年来|这些年来")
# The same without 累计, which also states a stock at one year's end (累计建成5G基站…).
PERIOD_WORDS = re.compile(r"[两二三四五十]年|十三五|十四五|十五五|十六五|年均")
_REVIEW_HEAD = re.compile(r"回顾|总结|成绩|过去")
_PLAN_HEAD = re.compile(r"目标|任务|安排|要求|取向|打算|展望|部署|重点")


@dataclass(frozen=True)
class Scope:
    """What a question names; ``spans`` are where, so that answering can
    tell scope words from the words naming the thing asked about."""

    places: tuple[str, ...] = ()
    national: bool = False
    bodies: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    horizons: tuple[int, ...] = ()  # 到2030年: the year a target is set for, not a document's year
    period: tuple[int, int] | None = None
    relative: str = ""  # "this" (今年) | "last" (去年) | ""
    tense: str = ""  # "plan" | "review" | "" from the question's own words
    firm: bool = False  # the review is asked in words that are never said of a target
    multi_year: bool = False  # a total over years is asked (十四五期间, 累计, 五年来)
    area: str = ""  # 市 for 全市/我市, 省 for 全省: the kind of place whose report is asked
    spans: tuple[tuple[int, int], ...] = ()

    @property
    def named(self) -> bool:
        return bool(self.places or self.national or self.bodies or self.years or self.period)

    def describe(self) -> str:
        parts = list(self.places) + (["全国"] if self.national and not self.places else []) + list(self.bodies)
        if self.years:
            parts.append("、".join(f"{y}年" for y in self.years))
        return "".join(parts)


@dataclass(frozen=True)
class ScopeMatch:
    scope: Scope
    docs: list[str] | None  # None: the question names no scope that narrows the corpus
    message: str = ""  # set when the named scope matches no document
    years: dict[str, int | None] = field(default_factory=dict)  # each document's year

    def tense(self, doc: str) -> str:
        """What the question asks of ``doc``: "plan", "review" or ""."""
        return doc_tense(self.scope, self.years.get(doc))

    @property
    def timed(self) -> bool:
        """Whether the question asks for a time at all (a year, 今年, a target, a horizon 到2030年, a total over years)."""
        s = self.scope
        return bool(s.years or s.horizons or s.relative or s.period or s.tense or s.multi_year)


@dataclass(frozen=True)
class Vocabulary:
    """What a corpus lets a question name, computed once per index version:
    body aliases, and which documents have a place or a year."""

    aliases: dict[str, frozenset[str]]
    years: dict[str, int | None]
    has_places: bool
    has_years: bool
    area: dict[str, str] = field(default_factory=dict)  # each document's 市/省/县 (see places.level_word)
    # Documents by their place: a question's place is matched against the
    # few places of an archive, not its thousands of documents.
    by_place: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, documents: dict[str, dict]) -> "Vocabulary":
        aliases: dict[str, set[str]] = {}
        by_place: dict[str, set[str]] = {}
        for path, meta in documents.items():
            for alias in body_aliases(meta.get("body") or ""):
                aliases.setdefault(alias, set()).add(path)
            if meta.get("place"):
                by_place.setdefault(meta["place"], set()).add(path)
        return cls({a: frozenset(p) for a, p in aliases.items()}, {p: m.get("year") for p, m in documents.items()},
                   bool(by_place), any(m.get("year") for m in documents.values()),
                   {p: level_word(m.get("place") or "") for p, m in documents.items()},
                   {place: frozenset(p) for place, p in by_place.items()})


_CJK = re.compile(r"[\u4e00-\u9fff]")
_TIME_AFTER = re.compile(r"今年|去年|明年|上年|全年|十[三四五]五|(?:这|近|过去|前)(?:几|[一二两三四五六七八九十]|\d+)年|"
                         r"(?:19|20)\d\d年|现在|目前")
_RECIPIENT = re.compile(r"(?:向|给|报送|呈报|上报)[市省县区委和、]{0,4}$")


def _non_overlapping(spans: list[tuple[int, int, object]]) -> list[tuple[int, int, object]]:
    """Longest first, then leftmost; drop spans overlapping a kept one."""
    kept: list[tuple[int, int, object]] = []
    for s, e, v in sorted(spans, key=lambda t: (-(t[1] - t[0]), t[0])):
        if all(e <= ks or s >= ke for ks, ke, _ in kept):
            kept.append((s, e, v))
    return sorted(kept)


def _find_all(text: str, word: str) -> list[int]:
    out, at = [], text.find(word)
    while at >= 0:
        out.append(at)
        at = text.find(word, at + 1)
    return out


def _inside_word(query: str, start: int, end: int) -> bool:
    """Whether the place named at ``start:end`` is part of a longer word that is no
    place (普洱茶, 北京烤鸭): the word is what is asked about, the place only its scope.
    Its people (四川人) are the place's."""
    for w, s, e in word_spans(query):
        if s <= start and end <= e and e - s > end - start:
            rest = query[s:start] + query[end:e]
            return rest != "人" and not any(m.start == 0 and m.end == len(w) for m in find_places(w))
    return False


def parse_scope(query: str, vocab: Vocabulary) -> Scope:
    """Places, bodies and years named in ``query``, with the vocabulary of bodies taken from the corpus."""
    found: list[tuple[int, int, object]] = []
    for alias in vocab.aliases:
        # 向市委市政府提交…: the body a report went to is not the one that wrote it.
        found += [(at, at + len(alias), ("body", alias)) for at in _find_all(query, alias)
                  if not _RECIPIENT.search(query, 0, at)]
    found += [(m.start, m.end, ("place", m.place)) for m in find_places(query)]
    for w in NATIONAL_WORDS:
        found += [(at, at + len(w), ("national", w)) for at in _find_all(query, w)]
    kept = _non_overlapping(found)
    places = [v[1] for _, _, v in kept if v[0] == "place"]
    if not places:
        # A one-character abbreviation (沪, 皖) counts only standing alone, between no other
        # Chinese characters (沪 GDP 2025) or before a time (鄂今年…): 新 of 新纳入, 云 of 云计算 are words.
        pos = 0
        for tok in word_tokens(query):
            at = query.find(tok, pos)
            pos = at + len(tok) if at >= 0 else pos
            if tok in ABBREVIATIONS and at >= 0 and not _CJK.match(query[at - 1:at]) and (
                    not _CJK.match(query[at + 1:at + 2]) or _TIME_AFTER.match(query, at + 1)):
                p = place_of(ABBREVIATIONS[tok])
                if p:
                    places.append(p)
                    kept.append((at, at + 1, ("place", p)))
    # National words stay in the question's object: 国内生产总值 is what is asked about.
    # A place inside a longer word (普洱茶) narrows the documents but stays in the object.
    years, spans = [], [(s, e) for s, e, v in kept if v[0] != "national"
                        and not (v[0] == "place" and _inside_word(query, s, e))]
    horizons = []
    for m in _YEAR.finditer(query):
        if _HORIZON_BEFORE.search(query[:m.start()]):
            horizons.append(int(m.group(1)))
            continue
        years.append(int(m.group(1)))
        spans.append((m.start(), m.end()))
    period = None
    for name, span in PLAN_PERIODS.items():
        at = query.find(name)
        if at >= 0:
            period = span
            spans.append((at, at + len(name)))
    relative = ""
    for pat, value in ((THIS_YEAR, "this"), (LAST_YEAR, "last")):
        m = pat.search(query)
        if m:
            relative = value
            spans.append((m.start(), m.end()))
    plan, review = bool(PLAN_WORDS.search(query)), bool(RESULT_WORDS.search(query))
    tense = "plan" if plan and not review else "review" if review and not plan else ""
    return Scope(
        places=tuple(dict.fromkeys(p.name for p in places)),
        national=any(v[0] == "national" for _, _, v in kept),
        bodies=tuple(dict.fromkeys(v[1] for _, _, v in kept if v[0] == "body")),
        years=tuple(dict.fromkeys(years)), horizons=tuple(dict.fromkeys(horizons)), period=period,
        relative=relative, tense=tense,
        firm=bool(FIRM_RESULT.search(query)),
        multi_year=bool(period or MULTI_YEAR.search(query) or ASKED_YEARS.search(query)),
        area=m.group(1) if (m := AREA_WORD.search(query)) else "",
        spans=tuple(sorted(spans)),
    )


def passage_tense(section: str, doc_year: int | None) -> str:
    """Whether a passage of a report made in ``doc_year`` reviews the past
    ("review": 一、2025年和“十四五”时期工作回顾) or sets targets and tasks
    ("plan": 三、2026年工作安排), from its top-level heading."""
    if doc_year is None or not section:
        return ""
    top = section.split(" > ")[0]
    years = [int(y) for y in re.findall(r"(?:19|20)\d{2}", top)]
    periods = [span for name, span in PLAN_PERIODS.items() if name in top]
    if any(y < doc_year for y in years) or any(e < doc_year for _, e in periods) or _REVIEW_HEAD.search(top):
        return "review"
    if any(y >= doc_year for y in years) or any(b >= doc_year for b, _ in periods) or _PLAN_HEAD.search(top):
        return "plan"
    return ""


# Where a paragraph turns from one period to the other (这五年，… / 一年来，…完成地区生产总值…).
PERIOD_MARK = re.compile(r"(?P<multi>五年来|这五年|过去五年|近五年|“?十四五”?(?:时期|以来|期间))|"
                         r"(?P<single>一年来|这一年|过去一年|刚刚过去的(?:19|20)\d{2}年)")


def spans_years(text: str) -> bool:
    """Whether ``text`` names years two or more apart (从2020年的75.2岁提升至2025年的…):
    what it says around them is likely a change over the period."""
    years = {int(y) for y in re.findall(r"(?<![0-9])((?:19|20)\d{2})年", text)}
    return bool(years) and max(years) - min(years) >= 2


def period_mark(text: str) -> str:
    """"multi" or "single" for the last period mark in ``text``, "" when it has none."""
    last = None
    for last in PERIOD_MARK.finditer(text):
        pass
    return "" if last is None else "multi" if last.group("multi") else "single"


def passage_period(section: str, text: str = "") -> str:
    """"multi" when a passage speaks of several years (a 五年来 paragraph, 年均,
    “十四五”时期), "single" when its paragraph opens with one year (这一年，…),
    "" when neither is said."""
    if PERIOD_WORDS.search(text):
        return "multi"
    last = section.rsplit(" > ", 1)[-1]
    if not PERIOD_LEAD.match(last + "，"):
        return ""
    return "multi" if PERIOD_WORDS.search(last) else "single"


def _place_docs(asked: Place, vocab: Vocabulary) -> set[str]:
    """Documents about the asked place or a province/city containing it (合肥 → the 安徽 report);
    the national level contains everything, so it matches only a national question. Failing
    those, reports of places inside the asked one."""
    exact, wider, narrower = set(), set(), set()
    for name, paths in vocab.by_place.items():
        p = place_of(name)
        if p is None:
            continue
        if p.name == asked.name:
            exact |= paths
        elif p.level >= 1 and asked.within(p):
            wider |= paths
        elif p.within(asked) and asked.level >= 1:
            narrower |= paths
    # A report of a city inside the asked province may still speak of it (安徽省创新达人 in a 淮北 report).
    return exact or wider or narrower


def _year_fits(year: int, doc_year: int | None) -> bool:
    return doc_year is not None and year in (doc_year, doc_year - 1)


def doc_tense(scope: Scope, doc_year: int | None) -> str:
    """What the question asks of a document of ``doc_year``: its plan (targets
    for its own year) or its review (results of the year before)."""
    if scope.relative == "this":
        return "plan"
    if scope.relative == "last":
        return "review"
    if doc_year is not None and scope.years:
        if doc_year in scope.years:
            # A report's own year is its plan, unless the question firmly asks for a result.
            return "review" if scope.tense == "review" and scope.firm else "plan"
        if doc_year - 1 in scope.years:
            return "review"
    if scope.period and doc_year is not None and scope.period[1] < doc_year:
        return "review"
    return scope.tense


def _of_area(docs: set[str], scope: Scope, vocab: Vocabulary) -> set[str]:
    """``docs`` less the reports of another kind of place than 全市/全省 asks
    (全市粮食产量 is not asked of a province's report); when none is of the
    asked kind, all of them (the word is then only a manner of speaking)."""
    if not scope.area:
        return docs
    return {p for p in docs if vocab.area.get(p, "") in ("", scope.area)} or docs


def resolve_scope(query: str, documents: dict[str, dict], vocab: Vocabulary | None = None) -> ScopeMatch:
    """The documents ``query`` may be answered from; pass ``vocab`` (:meth:`Vocabulary.of`
    the same documents) to spare the per-document work on every question."""
    vocab = vocab or Vocabulary.of(documents)
    scope = parse_scope(query, vocab)
    if not scope.named:
        docs = _of_area(set(documents), scope, vocab)
        return ScopeMatch(scope, sorted(docs) if docs != set(documents) else None, years=vocab.years)
    docs = set(documents)
    if scope.bodies:
        docs &= set().union(*(vocab.aliases[b] for b in scope.bodies))
    if scope.places and vocab.has_places:
        by_place = set()
        for name in scope.places:
            by_place |= _place_docs(place_of(name), vocab)
        if by_place:
            docs &= by_place
        elif not scope.bodies:
            return ScopeMatch(scope, [], f"语料中没有{'、'.join(scope.places)}的报告，无法回答。")
        # With a body named (市科协与新疆的科协有什么合作) an unknown place is the topic, not the scope.
    elif scope.national and not scope.bodies and not LOCAL.search(query):
        # A body named (淮北科协…中国科协第几次全国代表大会) scopes the question; 全国 is then its topic.
        national = {p for p, m in documents.items() if m.get("place") == NATIONAL}
        if national:
            docs &= national
    if scope.years and vocab.has_years:
        dated = {p for p in docs if any(_year_fits(y, documents[p].get("year")) for y in scope.years)}
        undated = {p for p in docs if not documents[p].get("year")}
        if not dated:
            where = "".join(scope.places) or ("全国" if scope.national else "")
            years = "、".join(f"{y}年" for y in scope.years)
            return ScopeMatch(scope, [], f"语料中没有{where}{years}的报告，无法回答。", vocab.years)
        docs = dated | undated
    if not docs:
        return ScopeMatch(scope, [], f"语料中没有{scope.describe()}的报告，无法回答。")
    if not scope.places:
        docs = _of_area(docs, scope, vocab)
    keep = sorted(docs) if docs != set(documents) else None
    return ScopeMatch(scope, keep, years=vocab.years)


def filter_documents(documents: dict[str, dict], *, years: list[int] | None = None,
                     bodies: list[str] | None = None, places: list[str] | None = None) -> list[str]:
    """Documents matching explicit filters (CLI ``--year/--body/--place``, the app's pickers)."""
    asked = [place_of(x) for x in places or ()]
    out = []
    for path, m in documents.items():
        if years and m.get("year") not in years:
            continue
        if bodies and not any(b in (m.get("body") or "") or b in body_aliases(m.get("body") or "") for b in bodies):
            continue
        if places:
            p = place_of(m.get("place") or "")
            if p is None or not any(a and (a.name == p.name or a.within(p) and p.level >= 1) for a in asked):
                continue
        out.append(path)
    return out
