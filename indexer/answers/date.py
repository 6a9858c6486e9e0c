"""Date answers: when (什么时候, 何时, 哪一年, 几月 …), as written in the
source (2023年9月8日, 9月8日, 2025年; masked ones such as ****年*月 too).

A date belongs to its whole sentence (按：9月8日，…召开…会议), so a date is
scored by its sentence, not by its clause; when no sentence states one, a
sentence answer may still be given.

Usage::

    from indexer.answers.date import DATE_KIND
    DATE_KIND.detect("主题教育总结会议是哪天召开的？")                  # True
    [m.group(0) for m in DATE_KIND.spans("", "9月8日，召开总结会议")]    # ['9月8日']
"""

from __future__ import annotations

import re
from typing import Sequence

from ..scope import ScopeMatch
from .base import Answer, Candidate, Kind, score_spans, stated, to_answer

DATE_Q = re.compile(r"什么时候|何时|哪一年|哪年|哪天|几月|日期|时间")
DATE = re.compile(r"(?:\d{4}|[*＊]{2,4})年(?:\d{1,2}|\*)月(?:(?:\d{1,2}|\*)日)?|\d{4}年|\d{1,2}月\d{1,2}日")


class Date(Kind):
    name = "date"
    falls_back = True

    def detect(self, query: str) -> bool:
        return bool(DATE_Q.search(query))

    def spans(self, query: str, sentence: str) -> list[re.Match]:
        return list(DATE.finditer(sentence))

    def score(self, ctx, query: str, hits: Sequence, match: ScopeMatch) -> list[Candidate]:
        return score_spans(ctx, query, hits, match, lambda sent: self.spans(query, sent), by_clause=False)

    def answer(self, ctx, query: str, hits: Sequence, match: ScopeMatch) -> list[Answer]:
        cands = stated(ctx, query, hits, self.score(ctx, query, hits, match))
        return [to_answer(ctx, hits, cands[0])] if cands else []


DATE_KIND = Date()
