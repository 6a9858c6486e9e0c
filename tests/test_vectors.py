"""The vector index: HNSW above the size threshold, with its recall measured."""

from __future__ import annotations

import numpy as np


def test_hnsw_above_threshold_meets_recall(small_corpus, tmp_path):
    from indexer.vectors import build_vector_index, exact_index, probe_queries, recall_at_10

    rng = np.random.default_rng(3)
    centers = rng.normal(size=(40, 384)).astype(np.float32)
    x = centers[rng.integers(0, 40, 20000)] + 0.35 * rng.normal(size=(20000, 384)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    index, info = build_vector_index(x, threshold=10000)
    assert info["type"] == "hnsw" and info["recall_at_10"] >= 0.98
    fresh = probe_queries(x, 200, seed=7)
    assert recall_at_10(index, exact_index(x), fresh) >= 0.97
    small, small_info = build_vector_index(x[:500], threshold=10000)
    assert small_info["type"] == "flat-ip"
