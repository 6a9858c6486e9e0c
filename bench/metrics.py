"""Ranking and answer metrics.

Usage::

    from bench.metrics import rank_metrics, percentiles
    rank_metrics(ranked_chunks_per_question, question_set)   # hit@1/5/10, MRR@10
    percentiles([0.010, 0.012])                              # p50_ms, p95_ms
"""

from __future__ import annotations

import statistics

from indexer.chunking import Chunk

from .datasets import QuestionSet

# 5%左右 and 5% state the same target; the gold answers are written without these.
_APPROX = ("左右", "以上", "超过", "约", "近", "超", "余", "多", "逾")

def plain_answer(answer: str) -> str:
    for w in _APPROX:
        answer = answer.replace(w, "")
    return answer.strip()

def rank_metrics(ranked: list[list[Chunk]], qs: QuestionSet) -> dict:
    h1 = h5 = h10 = 0
    mrr = 0.0
    for chunks, hit in zip(ranked, qs.is_hit):
        pos = next((i for i, c in enumerate(chunks[:10]) if hit(c)), None)
        if pos is None:
            continue
        h10 += 1
        mrr += 1.0 / (pos + 1)
        h5 += pos < 5
        h1 += pos == 0
    n = max(len(ranked), 1)
    return {"hit@1": round(h1 / n, 4), "hit@5": round(h5 / n, 4), "hit@10": round(h10 / n, 4),
            "mrr@10": round(mrr / n, 4), "questions": len(ranked)}

def percentiles(times: list[float]) -> dict:
    ms = sorted(t * 1000 for t in times)
    if not ms:
        return {"p50_ms": None, "p95_ms": None}
    return {"p50_ms": round(statistics.median(ms), 2), "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2)}
