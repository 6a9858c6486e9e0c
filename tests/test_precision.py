"""``auto`` precision: measured on this machine with the real model, the
choice remembered per CPU and model, never one that strays from fp32."""

from __future__ import annotations

import json

import numpy as np
import pytest

from indexer import precision
from indexer.config import Settings
from indexer.embedding import Embedder


@pytest.fixture(scope="module")
def fp32():
    return Embedder(precision="fp32")


@pytest.fixture(scope="module")
def measured(fp32, tmp_path_factory):
    return precision.measure(fp32.model, fp32.passage_prompt, onnx_dir=tmp_path_factory.mktemp("onnx"))


@pytest.mark.slow
def test_measurement_times_native_precisions_and_keeps_the_fastest_faithful_one(measured):
    assert set(measured.passages_per_s) == set(precision.candidates())
    assert ("bf16" in measured.passages_per_s) == precision.cpu_has_bf16()
    faithful = [p for p in measured.passages_per_s if measured.cosine_to_fp32[p] >= precision.MIN_COSINE]
    fastest = max(measured.passages_per_s[p] for p in faithful)
    near = [p for p in faithful if measured.passages_per_s[p] >= precision.NEAR_TIE * fastest]
    assert measured.precision == max(near, key=lambda p: (measured.cosine_to_fp32[p], measured.passages_per_s[p]))
    assert measured.cosine_to_fp32["fp32"] == pytest.approx(1.0, abs=1e-5)
    # The built-in model loses same-genre rankings in dynamic int8 (bench: reports dense hit@1
    # 0.667 -> 0.522), and the cosine floor is what keeps auto from choosing it.
    assert "int8" in measured.rejected and measured.cosine_to_fp32["int8"] < precision.MIN_COSINE
    assert measured.precision != "int8"
    if "onnx" in measured.passages_per_s:
        # ONNX Runtime's fp32 gives fp32's vectors; its int8 is closer than torch's, not close enough
        # (bench: gov-heldout5 dense hit@1 0.700 -> 0.614).
        assert measured.cosine_to_fp32["onnx"] == pytest.approx(1.0, abs=1e-5)
        assert "onnx-int8" in measured.rejected
    # One question at a time, every faithful engine timed; another engine than the bulk
    # one only when clearly quicker.
    assert set(measured.query_ms) == {p for p in measured.passages_per_s if p not in measured.rejected}
    quickest = min(measured.query_ms, key=measured.query_ms.get)
    if measured.query_precision != measured.precision:
        assert measured.query_precision == quickest
        assert measured.query_ms[quickest] < precision.NEAR_TIE * measured.query_ms[measured.precision]
    else:
        assert measured.query_ms[quickest] >= precision.NEAR_TIE * measured.query_ms[measured.precision]


def test_without_native_bf16_bf16_is_not_a_candidate(monkeypatch):
    monkeypatch.setattr(precision, "cpu_has_bf16", lambda: False)
    assert precision.candidates()[:2] == ["fp32", "int8"] and "bf16" not in precision.candidates()


MEASURED = precision.Measurement("bf16", {"fp32": 24.0, "bf16": 63.0, "int8": 66.0},
                                 {"fp32": 1.0, "bf16": 0.99997, "int8": 0.985}, ("int8",),
                                 query_precision="bf16", query_ms={"fp32": 17.0, "bf16": 13.4})


def test_the_choice_is_remembered_per_machine_and_model(tmp_path, monkeypatch):
    calls = []
    measured = MEASURED

    def counted(model, prompt, texts=None, device="cpu", onnx_dir=None):
        calls.append(1)
        return measured

    monkeypatch.setattr(precision, "measure", counted)
    first = precision.choose(None, "passage: ", "model-a", tmp_path)
    again = precision.choose(None, "passage: ", "model-a", tmp_path)
    assert len(calls) == 1 and again == first and first.precision == measured.precision
    stored = json.loads((tmp_path / precision.CACHE_FILE).read_text(encoding="utf-8"))
    assert list(stored) == [precision.machine_key("model-a")]
    assert "model-a" in first.machine and first.machine.startswith(precision.machine_key("model-a").split(" [")[0])
    precision.choose(None, "passage: ", "model-b", tmp_path)  # another model: measured again
    assert len(calls) == 2 and len(json.loads((tmp_path / precision.CACHE_FILE).read_text())) == 2


def test_a_choice_without_single_question_timings_is_measured_again(tmp_path, monkeypatch):
    """An entry written before questions were timed says nothing of them: measure again."""
    calls = []
    monkeypatch.setattr(precision, "measure", lambda *a, **k: calls.append(1) or MEASURED)
    old = {k: v for k, v in MEASURED.__dict__.items() if k not in ("machine", "query_precision", "query_ms")}
    (tmp_path / precision.CACHE_FILE).write_text(json.dumps({precision.machine_key("m"): {**old, "rejected": ["int8"]}}))
    assert precision.choose(None, "passage: ", "m", tmp_path).query_precision == "bf16" and calls == [1]


def test_an_unwritable_cache_still_gives_a_choice(tmp_path, monkeypatch):
    monkeypatch.setattr(precision, "measure", lambda model, prompt, texts=None, device="cpu", onnx_dir=None: MEASURED)
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    assert precision.choose(None, "passage: ", "m", blocked).precision == "bf16"


@pytest.mark.slow
def test_embedder_auto_uses_the_measured_choice_and_matches_fp32(tmp_path, fp32):
    auto = Embedder(settings=Settings(cache=tmp_path))
    assert auto.measurement is not None and auto.precision == auto.measurement.precision
    assert auto.info.precision == auto.precision
    assert (tmp_path / precision.CACHE_FILE).exists()
    texts = precision.sample_passages()[:6]
    cos = (auto.encode_passages(texts) * fp32.encode_passages(texts)).sum(1)
    assert np.all(cos > 0.99)


def test_an_explicit_precision_is_not_measured(tmp_path):
    e = Embedder(precision="fp32", settings=Settings(cache=tmp_path))
    assert e.measurement is None and not (tmp_path / precision.CACHE_FILE).exists()
    assert Embedder(settings=Settings(cache=tmp_path, precision="fp32")).measurement is None


@pytest.mark.slow
def test_a_question_goes_to_the_engine_quickest_on_one_text(tmp_path, fp32):
    """Where the measurement says fp32 for throughput and onnx for one question, a
    search's question and the few sentences an answer is checked against go to
    ONNX Runtime, loaded on first use; a build's passages stay on torch. Both
    give fp32's vectors."""
    from indexer.onnx_engine import OnnxModel

    if not precision.onnx_engine.supports(fp32.model):
        pytest.skip("onnxruntime/onnx not installed")
    e = Embedder(precision="fp32", settings=Settings(cache=tmp_path))
    split = precision.Measurement("fp32", {"fp32": 30.0, "onnx": 28.0}, {"fp32": 1.0, "onnx": 1.0},
                                  query_precision="onnx", query_ms={"fp32": 17.0, "onnx": 10.9})
    (tmp_path / precision.CACHE_FILE).write_text(json.dumps(
        {precision.machine_key(e.info.fingerprint): {k: v for k, v in split.__dict__.items() if k != "machine"}}))
    auto = Embedder(settings=Settings(cache=tmp_path))
    assert (auto.precision, auto.query_precision) == ("fp32", "onnx") and auto._quick is None
    texts = precision.sample_passages()[:8]
    many = auto.encode_passages(texts)
    assert auto._quick is None  # a build does not load the second engine
    q = auto.encode_queries(["全市开展了多少项科普活动？"])
    assert isinstance(auto._quick, OnnxModel)
    few = auto.encode_passages(texts[:2])
    assert float(q[0] @ fp32.encode_queries(["全市开展了多少项科普活动？"])[0]) > 0.9999
    assert np.all((few * many[:2]).sum(1) > 0.9999)
