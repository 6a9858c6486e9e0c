"""BM25 over words and characters: scores as bm25s computes them, and
updates that carry unchanged passages' term counts over instead of
tokenizing them again."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.chunking import ChunkParams, chunk_documents
from indexer.keywords import TOKENIZERS, KeywordIndex
from indexer.loading import load_corpus

REPO = Path(__file__).resolve().parent.parent
QUERIES = ["全市开展了多少项科普活动", "学会党建 三会一课", "科技志愿服务19.4万场", "意识形态工作责任制", "没有出现过的词语"]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    chunks = chunk_documents(load_corpus(REPO / "corpus").documents, ChunkParams())
    return [c.embedding_text() for c in chunks] + [""]  # an empty passage scores on the empty term


def same_scores(a: KeywordIndex, b: KeywordIndex, queries: list[str]) -> None:
    for name, fn in TOKENIZERS.items():
        ra, rb = a.retrievers[name], b.retrievers[name]
        assert set(ra.vocab_dict) == set(rb.vocab_dict), name
        for q in queries:
            toks = [t for t in fn(q) if t in ra.vocab_dict] or [""]
            assert np.array_equal(ra.get_scores(toks), rb.get_scores(toks)), (name, q)
        assert np.array_equal(a.lengths[name], b.lengths[name])


def test_scores_are_bm25s_own_entry_for_entry(texts):
    import bm25s

    ours = KeywordIndex.build(texts)
    for name, fn in TOKENIZERS.items():
        theirs = bm25s.BM25()
        theirs.index([fn(t) or [""] for t in texts], show_progress=False)
        r = ours.retrievers[name]
        assert set(r.vocab_dict) == set(theirs.vocab_dict)
        for q in QUERIES + texts[:30]:
            toks = [t for t in fn(q) if t in r.vocab_dict] or [""]
            assert np.array_equal(r.get_scores(toks), theirs.get_scores(toks)), (name, q)
    assert "全域科普" in texts[int(ours.scores("全域科普")["words"].argmax())]


def test_an_update_carrying_counts_over_equals_a_full_build(texts, tmp_path):
    KeywordIndex.build(texts).save(tmp_path)
    previous = KeywordIndex.load(tmp_path, with_lengths=True)
    # Ten passages removed (their words with them), the rest reordered, two new ones.
    new_texts = ["新增报告：全市开展“科创中国”活动120场，独有词甲乙丙丁。", "另一段新文字"]
    kept = list(range(10, len(texts)))[::-1]
    after = [texts[i] for i in kept[:40]] + new_texts[:1] + [texts[i] for i in kept[40:]] + new_texts[1:]
    carried = kept[:40] + [None] + kept[40:] + [None]
    updated = KeywordIndex.build(after, previous, carried)
    full = KeywordIndex.build(after)
    same_scores(updated, full, QUERIES + after[:20] + new_texts)
    gone = set(TOKENIZERS["words"](" ".join(texts[:10]))) - set(TOKENIZERS["words"](" ".join(after)))
    assert gone and not gone & set(updated.retrievers["words"].vocab_dict)
    assert updated.idf("独有词") == full.idf("独有词") > 0
    # Saved and loaded again, the update is what a search reads.
    updated.save(tmp_path / "v2")
    same_scores(KeywordIndex.load(tmp_path / "v2", with_lengths=True), full, QUERIES)


def test_a_previous_index_without_lengths_is_tokenized_again(texts, tmp_path):
    old = KeywordIndex.build(texts)
    old.lengths = None  # as an index written before lengths were kept
    old.save(tmp_path)
    previous = KeywordIndex.load(tmp_path, with_lengths=True)
    assert previous.lengths is None
    updated = KeywordIndex.build(texts[5:], previous, list(range(5, len(texts))))
    same_scores(updated, KeywordIndex.build(texts[5:]), QUERIES)
