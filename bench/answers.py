"""Answer quality: exact figures for quantity questions (from the named
document for the gov sets), masked figures flagged, refusals.

Usage::

    from bench.answers import evaluate_answers
    evaluate_answers(index_dir, items, embedder)["quantity_exact_match"]
"""

from __future__ import annotations

from pathlib import Path

from indexer.answering import Answerer
from indexer.embedding import Embedder
from indexer.retrieval import Searcher

from .metrics import plain_answer

def evaluate_answers(index_dir: Path, items: list[dict], embedder: Embedder) -> dict:
    """Exact match on quantity questions, masked-figure flags, refusals."""
    answerer = Answerer(Searcher.open(index_dir, embedder=embedder))
    stats = {"quantity": [0, 0], "masked": [0, 0], "unanswerable": [0, 0], "answerable_answered": [0, 0]}
    failures = []
    for d in items:
        r = answerer.ask(d["q"])
        first = r.answers[0] if r.answers else None
        # Gov questions name their document: an answer from another one is wrong.
        right_doc = "doc" not in d or (first is not None and r.hits[first.hit].chunk.doc == d["doc"])
        if d["type"] == "unanswerable":
            ok = not r.found
        else:
            stats["answerable_answered"][0] += r.found
            stats["answerable_answered"][1] += 1
            if d["type"] == "quantity":
                same = (lambda a, b: plain_answer(a) == plain_answer(b)) if "doc" in d else (lambda a, b: a == b)
                ok = r.found and first is not None and right_doc and same(first.text, d["answer"])
            elif d["type"] == "masked":
                ok = r.found and first is not None and first.masked
            else:
                continue
        key = d["type"]
        stats[key][0] += bool(ok)
        stats[key][1] += 1
        if not ok:
            failures.append({"q": d["q"], "type": key, "got": first.text if first else None, "found": r.found})
    rate = {k: round(v[0] / v[1], 4) if v[1] else None for k, v in stats.items()}
    return {"quantity_exact_match": rate["quantity"], "masked_flagged": rate["masked"],
            "unanswerable_refused": rate["unanswerable"], "answerable_answered": rate["answerable_answered"],
            "counts": {k: v for k, v in stats.items()}, "failures": failures}
