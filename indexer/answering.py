"""Answers with citations, by retrieval plus extraction (no language model).

* What is extracted depends on the answer kind the question asks for
  (:mod:`indexer.answers`: a quantity, a date, or a sentence).
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

from dataclasses import dataclass, field, replace

from .answers import SENTENCE_KIND, Answer, AnswerParams, answer_kind, asked_measure, mention_share, query_terms
from .retrieval import Hit, Searcher, within
from .scope import passage_tense
from .textnorm import normalize_query

# Kept importable from here: the answer records and the question helpers moved to indexer.answers.
__all__ = ["Answer", "AnswerParams", "Answerer", "AskResult", "MASKED_NOTICE", "NOT_FOUND", "NOT_STATED",
           "asked_measure", "citation", "mention_share", "passage_tense"]

MASKED_NOTICE = "原文数字已脱敏"
NOT_FOUND = "文档中没有找到与该问题相关的内容。以下为最接近的段落（相关度低，仅供参考）。"
NOT_STATED = "没有找到原文明确说明所问内容的句子，不作回答。以下为最接近的段落（仅供参考）。"


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


class Answerer:
    """Answers questions from a :class:`Searcher`'s index.

    A question is answered only when all of these hold, and otherwise the
    result says it was not found and shows the nearest passages as such:

    * its scope (place, body, year) matches documents of the corpus, and the
      answer comes from one of them (:mod:`indexer.scope`);
    * the best passage is about it: ``cosine + coverage_weight * coverage >=
      threshold`` (calibrated on the report questions), for the kinds that
      answer with a passage when nothing narrower is stated;
    * for a how-many question, a quantity of the asked kind (unit, rate or
      level, target or result) stands in a sentence that names what was asked.

    What is extracted depends on the question's answer kind
    (:mod:`indexer.answers`); the answerer is the context the kinds work in:
    its ``params``, ``searcher``, :meth:`cite` and :meth:`doc_meta`.
    """

    def __init__(self, searcher: Searcher, *, threshold: float = 0.912, coverage_weight: float = 0.15,
                 params: AnswerParams = AnswerParams()):
        self.searcher = searcher
        self.threshold = threshold
        self.coverage_weight = coverage_weight
        self.params = params

    def doc_meta(self, doc: str) -> dict:
        """The indexed metadata of ``doc`` (title, body, date, place, year, kind)."""
        return self.searcher.documents.get(doc, {})

    def cite(self, hit: Hit, quote: str) -> str:
        """The pasteable citation of ``quote`` taken from ``hit``."""
        c = hit.chunk
        meta = self.doc_meta(c.doc)
        date = meta.get("date") or (f"{meta['year']}年" if meta.get("year") else "")
        return citation(c.title, c.section, quote, meta.get("body", ""), date, c.page)

    def label(self, doc: str) -> str:
        meta = self.doc_meta(doc)
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
        kind = answer_kind(query)
        if not query:
            return AskResult(query, False, [], [], [], kind.name, message="请输入问题。")
        match = self.searcher.resolve(query)
        scoped = within(docs, match.docs)
        if match.message or scoped == []:
            # Nothing in the corpus is of the scope asked: say so, and show what is nearest as such.
            hits = self.searcher.search(query, k=k, docs=docs, scoped=False)
            message = (match.message or "所选文档不属于问题所指的范围，无法回答。") + (
                "以下为最接近的段落（仅供参考）。" if hits else "")
            return AskResult(query, False, [], hits, [self.cite(h, h.chunk.text) for h in hits], kind.name,
                             message=message, meta={"scope": match.scope.describe()})
        hits = self.searcher.search(query, k=k, docs=scoped, scoped=False)
        citations = [self.cite(h, h.chunk.text) for h in hits]
        found, meta = self._relevance(query, hits)
        # A figure is judged by its own sentence (kind.answer: the object named, or a clause
        # close in meaning), more narrowly than by the passage: a paraphrase in words the
        # reports never use (托育位子) keeps a low passage cosine, yet its figure is stated.
        found = found or bool(hits) and not kind.passage_relevance
        meta["scope"] = match.scope.describe()
        result = AskResult(query, found, [], hits, citations, kind.name, meta=meta)
        if not found:
            result.message = NOT_FOUND
            return result
        result.answers = kind.answer(self, query, hits, match)
        # A keyword query gets a figure when one is stated, else a sentence.
        result.kind = kind.result_kind(result.answers)
        if not result.answers and kind.falls_back:
            # A how-many question is answered by a figure or not at all.
            result.answers = SENTENCE_KIND.answer(self, query, hits, match)
        if not result.answers:
            result.found = False
            result.message = NOT_STATED
            return result
        if len({hits[a.hit].chunk.doc for a in result.answers}) > 1 or match.docs is not None and len(match.docs) > 1:
            result.answers = [replace(a, label=self.label(hits[a.hit].chunk.doc)) for a in result.answers]
        if any(a.masked for a in result.answers[:1]):
            result.message = f"答案所在句子的数字在原文中已脱敏（{MASKED_NOTICE}），无法给出具体数值。"
        return result

