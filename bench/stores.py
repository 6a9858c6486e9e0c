"""The shipped retrieval on the embedded store and on OceanBase (a seekdb
server started for the run, or ``--store``): quality, answers, and p50/p95
and throughput at 1, 4 and 16 concurrent clients.

Usage::

    from bench.stores import evaluate_stores
    evaluate_stores(reports, items, Path("index-reports"), None, workdir, embedder, quick=True)
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from indexer.building import build_from_documents
from indexer.embedding import Embedder
from indexer.retrieval import Searcher
from indexer.store.seekdb import start_server

from .answers import evaluate_answers
from .browser import free_port
from .datasets import QuestionSet
from .metrics import percentiles, rank_metrics

class PrecomputedQueries:
    """Stands in for the embedder with the questions' vectors computed once,
    so that store figures compare the stores, not the model (which costs the
    same in both; see ``ask_p50_ms`` for the whole path)."""

    def __init__(self, embedder: Embedder, questions: list[str]):
        self.info = embedder.info
        self._vectors = dict(zip(questions, embedder.encode_queries(questions)))

    def encode_queries(self, queries: list[str]) -> np.ndarray:
        return np.stack([self._vectors[q] for q in queries])

def store_load(searcher, questions: list[str], clients: int, max_queries: int, max_seconds: float) -> dict:
    """``clients`` threads searching at once, each through its own
    connection where the store has them; bounded in count and time."""
    counter = iter(range(max_queries))
    lock = threading.Lock()
    deadline = time.perf_counter() + max_seconds
    times: list[float] = []

    def client() -> None:
        while time.perf_counter() < deadline:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            t = time.perf_counter()
            searcher.search(questions[n % len(questions)], k=5)
            with lock:
                times.append(time.perf_counter() - t)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for f in [pool.submit(client) for _ in range(clients)]:
            f.result()
    wall = time.perf_counter() - t0
    return {"clients": clients, "queries": len(times), **percentiles(times),
            "qps": round(len(times) / wall, 1) if wall else None}

def evaluate_stores(reports: QuestionSet, items: list[dict], embedded: Path, url: str | None, work: Path,
                    embedder: Embedder, quick: bool, log=print) -> dict:
    """The shipped retrieval on each store: quality on the report questions,
    answers, and latency/throughput with 1, 4 and 16 concurrent clients."""
    server = None
    if url is None:
        server = start_server(work / "seekdb", port=free_port(), password=uuid.uuid4().hex)
        url = server.url("bench")
    try:
        t = time.perf_counter()
        build_from_documents(reports.docs, url, embedder, rebuild=True)
        log(f"  oceanbase: built in {time.perf_counter() - t:.1f}s")
        fast = PrecomputedQueries(embedder, reports.questions)
        out = {}
        for name, spec in (("embedded", str(embedded)), ("oceanbase", url)):
            searcher = Searcher.open(spec, embedder=embedder)
            ranked = [[h.chunk for h in searcher.search(q, k=10)] for q in reports.questions]
            answers = evaluate_answers(spec, items, embedder)
            fast_searcher = Searcher(searcher.snapshot, fast)
            load = [store_load(fast_searcher, reports.questions, c, max_queries=60 if quick else 400,
                               max_seconds=10 if quick else 60) for c in (1, 4, 16)]
            out[name] = {**rank_metrics(ranked, reports), "quantity_exact_match": answers["quantity_exact_match"],
                         "masked_flagged": answers["masked_flagged"],
                         "unanswerable_refused": answers["unanswerable_refused"], "load": load}
            log(f"  {name}: {out[name]}")
        return out
    finally:
        if server is not None:
            server.stop()


@contextlib.contextmanager
def oceanbase_databases(base: Path, store: str | None) -> Iterator[Callable[[int], str] | None]:
    """A database URL per corpus size for :func:`bench.scale_corpus.measure`:
    ``store`` when one is given (each size publishes a new version there),
    else one database per size on a seekdb started in ``base``; None when
    ``store`` is None (``--no-oceanbase``)."""
    if store is None:
        yield None
    elif store:
        yield lambda n: store
    else:
        server = start_server(base, port=free_port(), password=uuid.uuid4().hex)
        try:
            yield lambda n: server.url(f"scale{n}")
        finally:
            server.stop()
