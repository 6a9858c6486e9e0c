"""FAISS at scale: exact and HNSW search on clustered synthetic vectors.

Usage::

    from bench.scale import scale_points
    scale_points([10_000])   # rows of vectors, index, build_s, p50/p95 ms, recall@10, size
"""

from __future__ import annotations

import os
import tempfile
import time

import faiss
import numpy as np

from indexer.vectors import build_vector_index, exact_index, probe_queries, recall_at_10

from .metrics import percentiles

def scale_points(sizes: list[int], dim: int = 384, log=print) -> list[dict]:
    """FAISS at scale on clustered synthetic unit vectors (real embeddings are
    clustered; uniform random vectors would make every index look bad)."""
    rng = np.random.default_rng(0)
    out = []
    for n in sizes:
        centers = rng.normal(size=(max(16, n // 500), dim)).astype(np.float32)
        x = centers[rng.integers(0, len(centers), n)] + 0.35 * rng.normal(size=(n, dim)).astype(np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        queries = probe_queries(x, 200, seed=1)
        exact = exact_index(x)
        for kind in ("flat-ip", "hnsw"):
            t = time.perf_counter()
            if kind == "flat-ip":
                index, info = exact, {"type": "flat-ip"}
            else:
                index, info = build_vector_index(x, threshold=0)
            build_s = time.perf_counter() - t
            times = []
            for q in queries:
                t = time.perf_counter()
                index.search(q[None, :], 10)
                times.append(time.perf_counter() - t)
            with tempfile.NamedTemporaryFile(suffix=".faiss") as f:
                faiss.write_index(index, f.name)
                size = os.path.getsize(f.name)
            row = {"vectors": n, "index": kind, "build_s": round(build_s, 2), **percentiles(times),
                   "recall@10": round(recall_at_10(index, exact, queries), 4) if kind != "flat-ip" else 1.0,
                   "size_mb": round(size / 2**20, 1), **({"efSearch": info["efSearch"]} if kind == "hnsw" else {})}
            out.append(row)
            log(f"  {row}")
        del x, exact
    return out
