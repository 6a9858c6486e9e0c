"""The CLI contract that tools depend on: JSON output, batch files answered
line for line, chunk listing, and the build's report and exit status."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def run_cli(*args, input=None):
    return subprocess.run([sys.executable, "-m", "indexer", *args], capture_output=True, text=True, cwd=REPO, input=input)


@pytest.mark.slow  # subprocesses that each load the model
def test_cli_json_contract(reports_index):
    corpus, index = reports_index
    r = run_cli("search", "全市开展了多少项科普活动？", "--index", str(index), "-k", "3", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["query"] == "全市开展了多少项科普活动？" and len(out["hits"]) == 3
    for h in out["hits"]:
        assert set(h) == {"doc", "title", "section", "text", "start", "end", "score"}
        assert (corpus / h["doc"]).read_text(encoding="utf-8")[h["start"]:h["end"]] == h["text"]


@pytest.mark.slow  # subprocesses that each load the model
def test_cli_batch_prints_one_line_per_input_line(reports_index, tmp_path):
    """Output line n answers input line n, blank and unusable lines included,
    so results can be pasted next to the questions."""
    _, index = reports_index
    qfile = tmp_path / "q.txt"
    qfile.write_bytes("科普活动\n\n谈心谈话\r\n \x01\x02\n全市开展了多少项科普活动？".encode("utf-8"))
    r = run_cli("search", "--batch", str(qfile), "--index", str(index), "--json", "--mode", "keyword")
    assert r.returncode == 0, r.stderr
    lines = [json.loads(l) for l in r.stdout.splitlines()]
    assert [l["query"] for l in lines] == ["科普活动", "", "谈心谈话", "", "全市开展了多少项科普活动？"]
    assert [bool(l["hits"]) for l in lines] == [True, False, True, False, True]
    r = run_cli("ask", "--batch", str(qfile), "--index", str(index), "--json")
    asked = [json.loads(l) for l in r.stdout.splitlines()]
    assert [a["query"] for a in asked] == [l["query"] for l in lines]
    assert asked[1] == {**asked[1], "query": "", "found": False, "answers": [], "hits": []}
    assert asked[4]["answers"][0]["text"] == "18153项"
    r = run_cli("ask", "--batch", str(qfile), "--index", str(index))
    out = r.stdout.split("\n")
    assert out[-1] == "" and len(out) - 1 == 5, r.stdout
    assert out[1] == out[3] == ""
    assert out[4].split("\t")[:2] == ["全市开展了多少项科普活动？", "18153项"]
    r = run_cli("search", "--batch", str(qfile), "--index", str(index), "--mode", "keyword")
    out = r.stdout.split("\n")[:-1]
    assert len(out) == 5 and out[0].startswith("科普活动\t") and "\n" not in out[0]


def test_cli_chunks_json():
    r = run_cli("chunks", "--json")
    rows = [json.loads(l) for l in r.stdout.splitlines()]
    assert rows and {"doc", "title", "section", "start", "end", "text"} <= set(rows[0])
    assert any(row["section"].endswith("三是在服务人民群众中展作风") and "18153项" in row["text"] for row in rows)


@pytest.mark.slow  # subprocesses that each load the model
def test_build_cli_reports_and_exit_status_for_skipped(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "ok.txt").write_text("报告\n一、工作\n开展活动3次。\n", encoding="utf-8")
    (corpus / "bad.txt").write_bytes(b"\x00\x01\x02" * 100)
    r = run_cli("build", "--corpus", str(corpus), "--index", str(tmp_path / "i"))
    assert r.returncode == 3
    assert "已跳过 bad.txt" in r.stdout and "1 篇文档" in r.stdout


def test_build_on_a_gpu_that_is_not_there_says_so_and_publishes_nothing(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: test_embedding checks that it is used")
    r = run_cli("build", "--corpus", "corpus", "--index", str(tmp_path / "index"), "--device", "cuda", "--quiet")
    assert r.returncode == 2 and "本机没有可用的 GPU" in r.stderr and "Traceback" not in r.stderr
    assert not any((tmp_path / "index").rglob("manifest*"))
    r = run_cli("build", "--corpus", "corpus", "--index", str(tmp_path / "index"), "--device", "tpu")
    assert r.returncode == 2 and "应为 auto、cpu、cuda 或 cuda:编号" in r.stderr
