"""The ONNX Runtime engine with the real built-in model: the same vectors as
torch in fp32, close ones in int8, exported once and never half-written."""

from __future__ import annotations

import numpy as np
import pytest

from indexer import onnx_engine
from indexer.config import Settings
from indexer.embedding import Embedder
from indexer.errors import SettingsError
from indexer.precision import sample_passages

pytestmark = pytest.mark.slow

TEXTS = sample_passages()[:8] + ["全市开展科普活动1200余场", "城镇新增就业"]


@pytest.fixture(scope="module")
def fp32():
    return Embedder(precision="fp32")


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


def _cos(a, b):
    return (a * b).sum(1)


def test_onnx_fp32_gives_torchs_vectors(fp32, cache):
    e = Embedder(precision="onnx", settings=Settings(cache=cache))
    assert isinstance(e.model, onnx_engine.OnnxModel) and e.info.dim == fp32.info.dim
    assert np.all(_cos(e.encode_passages(TEXTS), fp32.encode_passages(TEXTS)) > 0.9999)
    # Queries carry their own prompt; a wrong one would show here.
    assert np.all(_cos(e.encode_queries(TEXTS), fp32.encode_queries(TEXTS)) > 0.9999)
    assert e.encode_passages([]).shape == (0, fp32.info.dim)


def test_tokens_are_the_models_own(fp32):
    texts = ["passage: " + t for t in TEXTS] + ["  前后有空格  ", "passage: " + "科普活动" * 600]
    ours = onnx_engine._tokenize(fp32.model, texts)
    theirs = fp32.model.preprocess(texts)
    assert ours["input_ids"].shape[1] == fp32.model.max_seq_length  # the long one is cut where the model cuts
    for k in ("input_ids", "attention_mask"):
        assert np.array_equal(ours[k], np.asarray(theirs[k]))


def test_onnx_int8_is_quantised_and_stays_close(fp32, cache):
    e = Embedder(precision="onnx-int8", settings=Settings(cache=cache))
    cos = _cos(e.encode_passages(TEXTS), fp32.encode_passages(TEXTS))
    assert cos.mean() > 0.995 and cos.mean() < 0.99999  # close, and really int8
    folder = next((cache / "onnx").iterdir())
    sizes = {p.name: p.stat().st_size for p in folder.iterdir()}
    assert sizes[onnx_engine.INT8_FILE] < sizes[onnx_engine.FP32_FILE] / 3


def test_the_export_is_made_once_and_reused(fp32, cache):
    Embedder(precision="onnx", settings=Settings(cache=cache))
    folder = next((cache / "onnx").iterdir())
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    Embedder(precision="onnx", settings=Settings(cache=cache))
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_a_failed_export_leaves_nothing_under_the_final_name(fp32, tmp_path, monkeypatch):
    import torch

    def half_written(model, args, path, **kw):
        with open(path, "wb") as f:
            f.write(b"\x08\x07half")  # a crash part-way through writing
        raise RuntimeError("export interrupted")

    monkeypatch.setattr(torch.onnx, "export", half_written)
    with pytest.raises(RuntimeError):
        onnx_engine.export(fp32.model, tmp_path, int8=False)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    path = onnx_engine.export(fp32.model, tmp_path, int8=False)  # the next load exports afresh
    assert path.name == onnx_engine.FP32_FILE and path.stat().st_size > 1_000_000


def test_a_model_the_engine_cannot_reproduce_is_refused(fp32, cache, monkeypatch):
    pooling = fp32.model[1]
    monkeypatch.setattr(pooling, "pooling_mode", "max")
    assert not onnx_engine.supports(fp32.model)
    with pytest.raises(ValueError):
        onnx_engine.OnnxModel(fp32.model, cache / "x", int8=False)


def test_onnx_is_refused_on_a_gpu_and_for_unsupported_models(cache, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    with pytest.raises(SettingsError, match="只能在 CPU 上运行"):
        Embedder(precision="onnx", device="cuda", settings=Settings(cache=cache))
    monkeypatch.undo()
    monkeypatch.setattr(onnx_engine, "supports", lambda model: False)
    with pytest.raises(SettingsError, match="不能用 onnx-int8 精度运行"):
        Embedder(precision="onnx-int8", settings=Settings(cache=cache))


def test_idle_engine_threads_leave_the_cores_to_the_rest_of_the_process(cache):
    """After a call, ONNX Runtime's workers would spin on the cores by default, slowing FAISS,
    bm25 or another model run next in the same process."""
    import time

    e = Embedder(precision="onnx", settings=Settings(cache=cache))
    burned = []
    for _ in range(3):
        e.encode_queries(["全市开展了多少项科普活动？"])
        before = time.process_time()
        time.sleep(0.1)
        burned.append(time.process_time() - before)
    assert min(burned) < 0.01, burned  # spinning burned 0.03 s of the 0.1 s here
