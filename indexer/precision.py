"""Which precision embeds fastest on this machine without losing quality:
measured once per CPU, model, torch and thread count, and remembered.

CPU flags say what can run, not what is fastest or what keeps the ranking.
So ``auto`` times every precision the CPU runs natively (bf16 only with
AVX512-BF16 or AMX; emulated bf16 is many times slower), torch's dynamic
int8, and ONNX Runtime in fp32 and int8 (``onnx``, ``onnx-int8``, see
:mod:`indexer.onnx_engine`) on a fixed sample of report passages, drops
those whose vectors stray from fp32's, and keeps the fastest of the rest
(the most faithful of those within 10% of it). It also times one short
question at a time: where another engine is clearly quicker at that (onnx
against bf16 on these machines), searches embed questions with it.
The first load of a model on a machine pays for it once (about 25 s with
the ONNX export); later loads read ``<cache>/precision.json``.

Why a cosine floor and not "within 0.005 hit@1": dynamic int8 keeps cosine
0.984 to fp32 and CMRC's dense hit@1 within 0.002, yet on the bundled
reports it lost 0.145 dense hit@1 and on the gov reports up to 0.19 (one
quick benchmark with ``PARTYQA_PRECISION=int8``): reports of one genre
differ by little, so small errors reorder them. ONNX Runtime's per-channel
int8 keeps cosine 0.997 and still lost 0.086 dense hit@1 on one set of gov
questions (0.700 -> 0.614) and 0.025 hybrid hit@1 on the held-out report
questions. bf16 keeps cosine 0.99997 and ONNX Runtime's fp32 1.0: the
floor, 0.999, lies between.

Usage::

    from indexer.precision import choose
    m = choose(st_model, "passage: ", fingerprint, cache_dir)   # st_model in fp32
    m.precision, m.passages_per_s, m.rejected                   # "bf16", {...}, ("int8", "onnx-int8")
    m.query_precision, m.query_ms                               # "onnx", {"bf16": 13.4, "onnx": 10.9, ...}
    model = convert(st_model, m.precision, onnx_dir=cache_dir / "onnx" / fingerprint)
"""

from __future__ import annotations

import copy
import json
import logging
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path

import numpy as np

from . import onnx_engine

log = logging.getLogger(__name__)

# Vectors below this mean cosine to fp32 reorder same-genre reports (see above).
MIN_COSINE = 0.999
NEAR_TIE = 0.9  # speeds within 10% of the fastest count as a tie, settled by faithfulness
CACHE_FILE = "precision.json"
QUESTIONS, QUESTION_CHARS = 12, 24  # single questions timed: the sample's openings, a question's length


def cpu_info() -> tuple[str, set[str]]:
    """The CPU's model name and its flags, from /proc/cpuinfo (the platform's name elsewhere)."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        info = ""
    name = next((l.split(":", 1)[1].strip() for l in info.splitlines() if l.startswith("model name")),
                platform.processor() or "unknown")
    flags = next((l.split(":", 1)[1].split() for l in info.splitlines() if l.startswith("flags")), [])
    return name, set(flags)


def cpu_has_bf16() -> bool:
    """bf16 matmuls are fast only with native support (AVX512-BF16 or AMX)."""
    return bool(cpu_info()[1] & {"avx512_bf16", "amx_bf16"})


ONNX = ("onnx", "onnx-int8")  # run by ONNX Runtime, CPU only


def candidates(device: str = "cpu", model=None) -> list[str]:
    """The precisions worth timing on ``device``: fp32 first (the reference).
    int8 and the ONNX engines run on the CPU only (the ONNX ones where
    ONNX Runtime is installed and, given ``model``, supports it); a GPU
    runs bf16 where it supports it."""
    if device.startswith("cuda"):
        import torch

        return ["fp32", "bf16"] if torch.cuda.is_bf16_supported() else ["fp32"]
    torch_ones = ["fp32", "bf16", "int8"] if cpu_has_bf16() else ["fp32", "int8"]
    ok = onnx_engine.supports(model) if model is not None else onnx_engine.available()
    return torch_ones + (list(ONNX) if ok else [])


def convert(model, precision: str, keep: bool = True, onnx_dir: Path | None = None):
    """The fp32 sentence-transformers ``model`` in ``precision`` (``fp32``
    returns the model itself); ``int8`` is per-channel dynamic quantisation
    of the Linear layers, always a new model; ``onnx`` and ``onnx-int8``
    are an :class:`indexer.onnx_engine.OnnxModel` whose export is kept in
    ``onnx_dir``. ``keep=False`` lets bf16 convert ``model`` in place: a
    loaded model that is not needed in fp32 is not copied first."""
    import torch

    if precision in ONNX:
        if onnx_dir is None:
            raise ValueError("an ONNX precision needs a folder for its export")
        return onnx_engine.OnnxModel(model, onnx_dir, int8=precision == "onnx-int8",
                                     threads=torch.get_num_threads())
    if precision == "fp32":
        return model
    if precision == "bf16":
        return (copy.deepcopy(model) if keep else model).to(torch.bfloat16)
    if precision == "int8":
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch.ao deprecation notices
            return torch.ao.quantization.quantize_dynamic(
                model, qconfig_spec={torch.nn.Linear: torch.ao.quantization.per_channel_dynamic_qconfig})
    raise ValueError(precision)


def sample_passages() -> list[str]:
    """24 passages of the bundled reports, about 240 characters each (a build's passage length)."""
    text = resources.files("indexer").joinpath("data/precision_sample.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip()]


@dataclass(frozen=True)
class Measurement:
    """What ``auto`` chose on one machine, and why."""

    precision: str
    passages_per_s: dict[str, float] = field(default_factory=dict)  # every candidate timed
    cosine_to_fp32: dict[str, float] = field(default_factory=dict)
    rejected: tuple[str, ...] = ()  # below MIN_COSINE
    machine: str = ""
    measured_at: str = ""
    # What one question is embedded with (what a search waits for): another engine may be
    # quicker on one short text than the one quickest on many (bf16 vs onnx here).
    query_precision: str = ""
    query_ms: dict[str, float] = field(default_factory=dict)


def machine_key(fingerprint: str, device: str = "cpu") -> str:
    """What the choice depends on: the CPU and its flags (or the GPU), torch, threads, the model."""
    import torch

    if device.startswith("cuda"):
        return f"{torch.cuda.get_device_name(device)} torch {torch.__version__} model {fingerprint}"
    name, flags = cpu_info()
    wanted = sorted(f for f in flags if f in ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16",
                                              "amx_int8", "avx_vnni"))
    try:  # both decide whether the ONNX engines are candidates
        import onnx
        import onnxruntime

        engines = f"torch {torch.__version__} onnxruntime {onnxruntime.__version__} onnx {onnx.__version__}"
    except ImportError:
        engines = f"torch {torch.__version__}"
    return f"{name} [{' '.join(wanted)}] {engines} threads {torch.get_num_threads()} model {fingerprint}"


def measure(model, prompt: str, texts: list[str] | None = None, device: str = "cpu",
            onnx_dir: Path | None = None) -> Measurement:
    """Time each candidate on ``texts`` (the bundled sample), twice,
    interleaved so that machine noise hits all alike; best of two. The
    ONNX candidates are exported into ``onnx_dir`` (skipped without one)."""
    texts = texts or sample_passages()
    models = {}
    for p in candidates(device, model):
        if p in ONNX and onnx_dir is None:
            continue
        try:
            models[p] = convert(model, p, onnx_dir=onnx_dir)
        except (OSError, RuntimeError, ValueError) as exc:  # e.g. a full or read-only cache: not a candidate
            log.warning("precision %s not measured: %r", p, exc)

    def encode(m) -> np.ndarray:
        v = np.asarray(m.encode(texts, prompt=prompt or None, batch_size=8, convert_to_numpy=True,
                                show_progress_bar=False), dtype=np.float32)
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)  # in fp32, as the embedder does

    for m in models.values():
        m.encode(texts[:4], prompt=prompt or None, batch_size=4, show_progress_bar=False)  # first calls pick kernels
    best: dict[str, float] = {}
    vectors: dict[str, np.ndarray] = {}
    for round_ in range(2):
        for p, m in models.items():
            t = time.perf_counter()
            v = encode(m)
            best[p] = min(best.get(p, float("inf")), time.perf_counter() - t)
            vectors.setdefault(p, v)
        if round_ == 0:  # a rejected precision needs no second timing
            cosine = {p: float((v * vectors["fp32"]).sum(1).mean()) for p, v in vectors.items()}
            rejected = tuple(p for p in models if cosine[p] < MIN_COSINE)
            models = {p: m for p, m in models.items() if p not in rejected}
    speed = {p: round(len(texts) / s, 2) for p, s in best.items()}
    # Of those within 10% of the fastest, the most faithful: a lossy precision must be clearly
    # faster to win, and a near-tie does not flip from one machine of a kind to the next.
    fastest = max(speed[p] for p in models)
    choice = max((p for p in models if speed[p] >= NEAR_TIE * fastest), key=lambda p: (cosine[p], speed[p]))
    # One question at a time, interleaved; a second engine only when clearly quicker than the first.
    questions = [t[:QUESTION_CHARS] for t in texts[:QUESTIONS]]
    taken: dict[str, list[float]] = {p: [] for p in models}
    for q in questions * 2:
        for p, m in models.items():
            t = time.perf_counter()
            m.encode([q], prompt=prompt or None, batch_size=1, convert_to_numpy=True, show_progress_bar=False)
            taken[p].append(time.perf_counter() - t)
    query_ms = {p: round(1000 * float(np.median(v)), 2) for p, v in taken.items()}
    quickest = min(query_ms, key=query_ms.get)
    query_choice = choice if query_ms[choice] * NEAR_TIE <= query_ms[quickest] else quickest
    return Measurement(choice, speed, {p: round(c, 5) for p, c in cosine.items()}, rejected,
                       measured_at=datetime.now().isoformat(timespec="seconds"),
                       query_precision=query_choice, query_ms=query_ms)


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def onnx_folder(cache: Path | None, fingerprint: str) -> Path | None:
    """Where a model's ONNX export is kept: one folder per model fingerprint."""
    return Path(cache) / "onnx" / fingerprint if cache else None


def choose(model, prompt: str, fingerprint: str, cache: Path | None, device: str = "cpu") -> Measurement:
    """The remembered choice for this machine and model, else a new
    measurement (kept in ``cache`` when it can be written)."""
    key = machine_key(fingerprint, device)
    path = Path(cache) / CACHE_FILE if cache else None
    known = _read(path) if path else {}
    if key in known and known[key].get("query_precision"):  # older entries did not time single questions
        try:
            return Measurement(**{**known[key], "rejected": tuple(known[key].get("rejected", ())), "machine": key})
        except TypeError:  # written by another version of this module
            pass
    t = time.perf_counter()
    m = Measurement(**{**asdict(measure(model, prompt, device=device, onnx_dir=onnx_folder(cache, fingerprint))), "machine": key})
    log.info("precision auto: %s chosen in %.1fs (passages/s %s, cosine to fp32 %s, rejected %s; one question: %s, "
             "ms %s) on %s", m.precision, time.perf_counter() - t, m.passages_per_s, m.cosine_to_fp32,
             m.rejected or "none", m.query_precision, m.query_ms, key)
    if path:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            known = {**_read(path), key: {k: v for k, v in asdict(m).items() if k != "machine"}}
            tmp = path.with_name(f".{path.name}.{os.getpid()}")
            tmp.write_text(json.dumps(known, ensure_ascii=False, indent=1), encoding="utf-8")
            os.replace(tmp, path)  # a reader sees the old file or the new one, never half
        except OSError:
            log.warning("could not remember the precision choice in %s; it is measured again next time", path)
    return m
