"""Answer kinds as plug-ins: what a question asks for, where a passage
states it, and how candidates are scored.

Each kind implements :class:`~indexer.answers.base.AnswerKind`: ``detect``
(is the question of this kind), ``spans`` (candidate answers in a sentence),
``score`` (every candidate in the hits, best first), ``answer`` (the
answers, or none) and ``prefers`` (which passages retrieval should lift).
The first that detects a question answers it, in the order of
:data:`KINDS`; a kind that ``falls_back`` lets a sentence answer when it
finds nothing. Weights are in :class:`AnswerParams`.

====================  ====================================================
``quantity``          多少, 几, 比例 …: the figure as written (18153项)
``date``              什么时候, 哪天 …: the date as written (9月8日)
``indicator``         a keyword query ending in an indicator (安徽 粮食产量):
                      its figure, else a sentence
``passage``           anything else: the sentence that answers
====================  ====================================================

Adding a kind (a name, a place, a list) means one module here and one
entry in :data:`KINDS`.

Usage::

    from indexer.answers import answer_kind
    kind = answer_kind("全市开展了多少项科普活动？")   # the quantity kind
    kind.name                                          # 'quantity'
    answers = kind.answer(answerer, query, hits, match)
"""

from __future__ import annotations

from .base import Answer, AnswerKind, AnswerParams, Candidate, mention_share, query_terms, sentences
from .date import DATE_KIND
from .quantity import INDICATOR_QUERY, QUANTITY, asked_measure
from .sentence import SENTENCE_KIND

# Asked for in this order: 几月 in a how-many question is a quantity, a
# date question is never an indicator query; every question gets a sentence.
KINDS: tuple[AnswerKind, ...] = (QUANTITY, DATE_KIND, INDICATOR_QUERY, SENTENCE_KIND)

__all__ = ["Answer", "AnswerKind", "AnswerParams", "Candidate", "DATE_KIND", "INDICATOR_QUERY", "KINDS", "QUANTITY",
           "SENTENCE_KIND", "answer_kind", "asked_measure", "mention_share", "query_terms", "sentences"]


def answer_kind(query: str) -> AnswerKind:
    """The kind of answer ``query`` asks for."""
    return next(k for k in KINDS if k.detect(query))
