"""Sentence answers: for what, how and why questions (and for a date or
an indicator query whose passage states none), the source sentence that
shares most with the question, when it names enough of what was asked.

Usage::

    from indexer.answers.sentence import SENTENCE_KIND
    SENTENCE_KIND.detect("如何加强政治建设？")     # True: every question may get a sentence
"""

from __future__ import annotations

import re
from typing import Sequence

from ..indicators import forms, mentions
from ..keywords import precise_words
from ..scope import ScopeMatch
from .base import Answer, Candidate, Kind, bigrams, object_weights, query_terms, sentences, time_fit


class Sentence(Kind):
    name = "passage"
    falls_back = False  # it is the fallback

    def detect(self, query: str) -> bool:
        return True

    def spans(self, query: str, sentence: str) -> list[re.Match]:
        return [re.match(r"(?s).+", sentence)] if sentence else []

    def score(self, ctx, query: str, hits: Sequence, match: ScopeMatch) -> list[Candidate]:
        """The sentences of the first passages, best first; ``object`` is the
        share of the question's object that the passage names."""
        p = ctx.params
        terms = query_terms(query)
        objects = object_weights(ctx, query, match)
        obj_total = sum(objects.values()) or 1.0
        qgrams = bigrams(query)
        cands: list[Candidate] = []
        for hi, h in enumerate(hits[:p.sentence_hits]):
            if time_fit(ctx, h, match) is None:
                continue  # a 2025 result does not answer a question about the 2026 target
            text = h.chunk.text
            for ss, se in sentences(text):
                sent = text[ss:se]
                score = sum(len(t) for t in terms if t in sent) + len(qgrams & bigrams(sent)) / (len(qgrams) or 1)
                score += p.sentence_rank / (hi + 1)
                # A passage answers as a whole: its section and neighbouring sentences name the object too.
                # With no figure to vouch for the answer, a two-character word counts only as a
                # word of its own (办公 is not named by 办公厅).
                context = h.chunk.section + h.chunk.text
                words = precise_words(context)
                obj = sum(w for t, w in objects.items()
                          if mentions(context, t) and (len(t) > 2 or any(f in words for f in forms(t))))
                obj = obj / obj_total if objects else 1.0
                start = h.chunk.start + ss
                cands.append(Candidate(score, hi, start, start + se - ss, start, start + se - ss, False, obj))
        # The first of equal scores, as read in order.
        cands.sort(key=lambda c: -c.score)
        return cands

    def answer(self, ctx, query: str, hits: Sequence, match: ScopeMatch) -> list[Answer]:
        """The source sentence that shares most with the question; none when
        no sentence names enough of what was asked."""
        # The best of those that name the object: a title or dateline line shares the
        # question's scope words (云南省政府工作报告) but says nothing asked.
        cands = [c for c in self.score(ctx, query, hits, match) if c.object >= ctx.params.min_object_sentence]
        if not cands:
            return []
        c = cands[0]
        h = hits[c.hit]
        sent = h.chunk.text[c.start - h.chunk.start:c.end - h.chunk.start]
        return [Answer(sent, c.hit, c.start, c.start + len(sent), False, sent, ctx.cite(h, sent))]


SENTENCE_KIND = Sentence()
