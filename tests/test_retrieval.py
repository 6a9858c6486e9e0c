"""Search through the library: the answer-type prior, modes, the document
filter and exact source text (the CLI's contract: test_cli.py)."""

from __future__ import annotations

import pytest


def test_the_flagship_question_finds_its_passage(searcher):
    hits = searcher.search("全市开展了多少项科普活动？", k=5)
    assert any("18153项全域科普活动" in h.chunk.text for h in hits)


def test_how_many_question_prefers_a_passage_that_states_such_a_count(searcher):
    """The answer-type prior: 几天 wants a count in 天. Without the prior the
    passage on a 为期1周 reading class ranks first; with it, 集中8天举办读书班."""
    from indexer.retrieval import FusionParams, Searcher

    q = "读书班一共办了几天"
    plain = Searcher(searcher.snapshot, searcher.embedder, FusionParams(answer_type=0.0))
    assert "集中8天举办读书班" not in plain.search(q, k=1)[0].chunk.text
    top = searcher.search(q, k=1)[0]
    assert "集中8天举办读书班" in top.chunk.text
    before = {h.chunk.start: h.score for h in plain.search(q, k=10) if h.chunk.doc == top.chunk.doc}
    assert top.score == pytest.approx(before[top.chunk.start] + searcher.fusion.answer_type, abs=1e-4)


def test_answer_type_prior_leaves_other_questions_alone(searcher):
    from indexer.retrieval import FusionParams, Searcher

    plain = Searcher(searcher.snapshot, searcher.embedder, FusionParams(answer_type=0.0))
    for q in ("驻村帮扶工作是怎么做的", "主题教育总结会议是哪天召开的？"):
        assert [(h.chunk.start, round(h.score, 5)) for h in searcher.search(q, k=5)] == \
               [(h.chunk.start, round(h.score, 5)) for h in plain.search(q, k=5)]


@pytest.mark.parametrize("mode", ["hybrid", "dense", "keyword"])
def test_modes_return_exact_source_text(searcher, reports_index, mode):
    corpus, _ = reports_index
    hits = searcher.search("谈心谈话", k=5, mode=mode)
    assert hits
    for h in hits:
        text = (corpus / h.chunk.doc).read_text(encoding="utf-8")
        assert text[h.chunk.start:h.chunk.end] == h.chunk.text


def test_document_filter_narrows(searcher):
    docs = sorted(searcher.documents)
    only = docs[2]
    hits = searcher.search("党组", k=10, docs=[only])
    assert hits and {h.chunk.doc for h in hits} == {only}


def test_no_overlapping_duplicates_in_results(searcher):
    from indexer.retrieval import overlaps

    for q in ("科普活动", "主题教育", "谈心谈话"):
        hits = searcher.search(q, k=10)
        for i, a in enumerate(hits):
            for b in hits[i + 1:]:
                assert not overlaps(a.chunk, b.chunk)
