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

import re
from dataclasses import dataclass, field

from .keywords import STOPWORDS, word_tokens
from .quantities import CN_DIGITS, QUANTITY_Q, UNITS, asked_unit, quantities, unit_score
from .retrieval import Hit, Searcher
from .textnorm import normalize_query

DATE_Q = re.compile(r"什么时候|何时|哪一年|哪年|哪天|几月|日期|时间")
DATE = re.compile(r"(?:\d{4}|[*＊]{2,4})年(?:\d{1,2}|\*)月(?:(?:\d{1,2}|\*)日)?|\d{4}年|\d{1,2}月\d{1,2}日")
SENTENCE = re.compile(r"[^。！？；\n]+[。！？；]?")
# Below this, no quantity in the passages is about the question's object:
# fall back to the best sentence rather than offer an unrelated number.
MIN_CANDIDATE_SCORE = 1.0
MASKED_NOTICE = "原文数字已脱敏"
NOT_FOUND = "文档中没有找到与该问题相关的内容。以下为最接近的段落（相关度低，仅供参考）。"


@dataclass(frozen=True)
class Answer:
    text: str  # exactly the source characters start:end
    hit: int  # index into AskResult.hits
    start: int
    end: int
    masked: bool
    sentence: str  # the source sentence holding the answer
    citation: str

    def to_dict(self) -> dict:
        return {"text": self.text, "hit": self.hit, "start": self.start, "end": self.end, "masked": self.masked,
                "sentence": self.sentence, "citation": self.citation}


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
            lines.append(NOT_FOUND)
        for a in self.answers:
            label = f"{a.text}（{MASKED_NOTICE}）" if a.masked else a.text
            lines.append(f"答：{label}\n    {a.citation}")
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


class Answerer:
    """Answers questions from a :class:`Searcher`'s index.

    A question counts as answered when ``cosine + coverage_weight *
    coverage >= threshold``: the best passage's cosine to the question, plus
    the IDF-weighted share of the question's words found in the top
    passages. Calibrated on the report questions, 15 of which the reports do
    not answer (see ``bench``)."""

    def __init__(self, searcher: Searcher, *, threshold: float = 0.912, coverage_weight: float = 0.15):
        self.searcher = searcher
        self.threshold = threshold
        self.coverage_weight = coverage_weight

    def _doc_meta(self, doc: str) -> dict:
        return self.searcher.documents.get(doc, {})

    def cite(self, hit: Hit, quote: str) -> str:
        """The pasteable citation of ``quote`` taken from ``hit``."""
        c = hit.chunk
        meta = self._doc_meta(c.doc)
        return citation(c.title, c.section, quote, meta.get("body", ""), meta.get("date", ""), c.page)

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
            cov = sum(w for t, w in weight.items() if t in text) / total
            best_cov = max(best_cov, cov)
            best_cos = max(best_cos, h.dense or 0.0)
        score = best_cos + self.coverage_weight * best_cov
        return score >= self.threshold, {"cosine": round(best_cos, 4), "coverage": round(best_cov, 3),
                                         "relevance": round(score, 4), "terms": terms}

    def ask(self, query: str, k: int = 5, docs: list[str] | None = None) -> AskResult:
        query = normalize_query(query)
        hits = self.searcher.search(query, k=k, docs=docs) if query else []
        citations = [self.cite(h, h.chunk.text) for h in hits]
        found, meta = self._relevance(query, hits)
        kind = "quantity" if QUANTITY_Q.search(query) else "date" if DATE_Q.search(query) else "passage"
        result = AskResult(query, found, [], hits, citations, kind, meta=meta)
        if not found:
            result.message = NOT_FOUND if query else "请输入问题。"
            return result
        if kind == "quantity":
            result.answers = self._quantity_answers(query, hits)
        elif kind == "date":
            result.answers = self._span_answers(query, hits, DATE)
        if not result.answers:
            result.answers = self._sentence_answers(query, hits)
        if any(a.masked for a in result.answers[:1]):
            result.message = f"答案所在句子的数字在原文中已脱敏（{MASKED_NOTICE}），无法给出具体数值。"
        return result

    def _term_weights(self, query: str) -> dict[str, float]:
        """Question words weighted by length and rarity, so that the words
        that single out the object (一对一, 国家级) count more than common ones."""
        idf = self.searcher.idf
        return {t: len(t) * idf(t) for t in query_terms(query)}

    def _candidates(self, query: str, hits: list[Hit], pattern_fn, by_clause: bool = True) -> list[Candidate]:
        """Spans found by ``pattern_fn`` in the hits' sentences, scored by how
        well their clause (or, with ``by_clause=False``, their sentence)
        matches the question's object, the asked unit, and the hit's rank."""
        terms = self._term_weights(query)
        total = sum(terms.values()) or 1.0
        qgrams = _bigrams(query)
        asked = asked_unit(query)
        cands: list[Candidate] = []
        for hi, h in enumerate(hits):
            text = h.chunk.text
            rank_bonus = 1.0 / (hi + 1)
            for ss, se in sentences(text):
                sent = text[ss:se]
                clauses = ([(m.start(), m.end()) for m in re.finditer(r"[^，,：:；;]+", sent)] if by_clause
                           else [(0, len(sent))])
                for m in pattern_fn(sent):
                    unit = m.groupdict().get("unit") or ""
                    # Object match: question words in the same clause, nearer is better.
                    cl = next(((a, b) for a, b in clauses if a <= m.start() < b), (0, len(sent)))
                    clause = sent[cl[0]:cl[1]]
                    # Object match in [0, 3]: weighted share of question words in the
                    # same clause, nearer ones counting up to three times.
                    obj = 0.0
                    for t, w in terms.items():
                        if t in clause:
                            # The nearest occurrence, not the first: a word repeated in
                            # the clause counts where it stands next to this number.
                            dist = min(min(abs(pos - m.end()), abs(m.start() - (pos + len(t))))
                                       for pos in _occurrences(sent, t, cl[0], cl[1]))
                            obj += w * (1.0 + 2.0 / (1 + dist / 4))
                        elif t in sent:
                            obj += 0.3 * w
                    score = obj / total
                    score += 0.3 * len(qgrams & _bigrams(sent)) / (len(qgrams) or 1)
                    if asked is not None:
                        # The asked unit itself (25位 for 多少位) beats one of its class (13人次).
                        score += unit_score(asked, unit) or -1.0
                    score += 0.5 * rank_bonus
                    masked = "*" in m.group(0)
                    cands.append(Candidate(score, hi, h.chunk.start + ss + m.start(), h.chunk.start + ss + m.end(),
                                           h.chunk.start + ss, h.chunk.start + se, masked))
        cands.sort(key=lambda c: -c.score)
        return cands

    def _to_answer(self, hits: list[Hit], c: Candidate) -> Answer:
        h = hits[c.hit]
        off = h.chunk.start
        text = h.chunk.text[c.start - off:c.end - off]
        sent = h.chunk.text[c.sent_start - off:c.sent_end - off]
        return Answer(text, c.hit, c.start, c.end, c.masked, sent, self.cite(h, sent))

    def _quantity_answers(self, query: str, hits: list[Hit]) -> list[Answer]:
        asked = asked_unit(query)
        cands = self._candidates(query, hits, lambda sent: quantities(sent, asked))
        if not cands or cands[0].score < MIN_CANDIDATE_SCORE:
            return []
        best = cands[0]
        answers = [self._to_answer(hits, best)]
        # Another document answering the same question differently gets its own answer.
        seen_docs = {hits[best.hit].chunk.doc}
        for c in cands[1:]:
            doc = hits[c.hit].chunk.doc
            if doc in seen_docs or c.score < 0.8 * best.score:
                continue
            a = self._to_answer(hits, c)
            if a.text != answers[0].text:
                answers.append(a)
                seen_docs.add(doc)
        return answers

    def _span_answers(self, query: str, hits: list[Hit], pattern: re.Pattern) -> list[Answer]:
        # A date belongs to the whole sentence (按：9月8日，…召开…会议), not to one clause.
        cands = self._candidates(query, hits, lambda s: list(pattern.finditer(s)), by_clause=False)
        if not cands or cands[0].score < MIN_CANDIDATE_SCORE:
            return []
        return [self._to_answer(hits, cands[0])]

    def _sentence_answers(self, query: str, hits: list[Hit]) -> list[Answer]:
        """The source sentence that shares most with the question."""
        terms = query_terms(query)
        qgrams = _bigrams(query)
        best = None
        for hi, h in enumerate(hits[:3]):
            text = h.chunk.text
            for ss, se in sentences(text):
                sent = text[ss:se]
                score = sum(len(t) for t in terms if t in sent) + len(qgrams & _bigrams(sent)) / (len(qgrams) or 1)
                score += 1.0 / (hi + 1)
                if best is None or score > best[0]:
                    best = (score, hi, ss, se)
        if best is None:
            return []
        _, hi, ss, se = best
        h = hits[hi]
        sent = h.chunk.text[ss:se]
        start = h.chunk.start + ss
        return [Answer(sent, hi, start, start + len(sent), False, sent, self.cite(h, sent))]
