"""The corpus is a jail: links out of it, /proc, FIFOs and devices never
enter the index; a file with a few bad bytes does, with the bytes reported."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from indexer.building import build_index
from indexer.corpus import UploadError, delete_document, save_upload
from indexer.loading import load_corpus
from indexer.store.embedded import IndexStore

REPO = Path(__file__).resolve().parent.parent

SECRET = "机密口令SECRET7731不得入库"
DAMAGED = ("市科协机关党委工作报告\n一、加强组织建设\n全年发展党员12名，"
           "开展主题党日活动36次。\n二、推进作风建设\n开展专项整治行动8次，整改问题41个。\n")
KINDS = ("link_outside", "link_proc_environ", "fifo", "device", "bad_bytes")
REFUSAL = {"link_outside": "语料目录之外", "link_proc_environ": "/proc", "fifo": "命名管道", "device": "设备"}


def plant(kind: str, corpus, outside) -> str:
    """Put one hostile or damaged entry into ``corpus``; return its name."""
    if kind == "link_outside":
        (outside / "secret.txt").write_text(f"内部文件\n{SECRET}。\n", encoding="utf-8")
        os.symlink(outside / "secret.txt", corpus / "passwd.txt")
        return "passwd.txt"
    if kind == "link_proc_environ":
        os.symlink("/proc/self/environ", corpus / "environ.txt")
        return "environ.txt"
    if kind == "fifo":
        os.mkfifo(corpus / "pipe.txt")
        return "pipe.txt"
    if kind == "device":
        try:
            os.mknod(corpus / "zero.txt", stat.S_IFCHR | 0o644, os.makedev(1, 5))  # like /dev/zero
        except PermissionError:
            pytest.skip("creating a device node is not permitted here")
        return "zero.txt"
    data = DAMAGED.encode("utf-8")
    at = data.index("开展主题党日".encode("utf-8"))  # on line 3
    (corpus / "damaged.txt").write_bytes(data[:at] + b"\xff\xfe\x80\xc3" + data[at:])
    return "damaged.txt"


def load_within(corpus, seconds: float = 60):
    """load_corpus in a thread: a FIFO that were opened would block forever."""
    out = {}
    t = threading.Thread(target=lambda: out.setdefault("r", load_corpus(corpus)), daemon=True)
    t.start()
    t.join(seconds)
    assert "r" in out, "loading the corpus blocked"
    return out["r"]


def indexed_text(index) -> str:
    return "\n".join(c.text for c in IndexStore(index).current().read_chunks())


@pytest.mark.parametrize("kinds", [(k,) for k in KINDS] + [KINDS], ids=list(KINDS) + ["all_together"])
def test_nothing_outside_the_corpus_enters_the_index(kinds, small_corpus, tmp_path, embedder):
    outside = tmp_path / "outside"
    outside.mkdir()
    names = {k: plant(k, small_corpus, outside) for k in kinds}
    loaded = load_within(small_corpus)
    reasons = {s.path: s.reason for s in loaded.skipped}
    for kind, name in names.items():
        if kind != "bad_bytes":
            assert REFUSAL[kind] in reasons[name], reasons

    index = tmp_path / "index"
    report = build_index(small_corpus, index, embedder=embedder)
    text = indexed_text(index)
    assert SECRET not in text and "SECRET7731" not in text
    assert os.environ["PATH"] not in text and "PATH=" not in text and "HOME=" not in text
    expected = {"a.txt", "b.txt"} | ({"damaged.txt"} if "bad_bytes" in kinds else set())
    assert set(IndexStore(index).current().manifest.documents) == expected
    assert {s.path for s in report.skipped} == {n for k, n in names.items() if k != "bad_bytes"}
    if "link_outside" in kinds:
        assert (outside / "secret.txt").read_text(encoding="utf-8").endswith(f"{SECRET}。\n")  # untouched
    if "bad_bytes" in kinds:
        # Four bad bytes, four replacement characters, on line 3; the rest is searchable as written.
        assert report.repaired == {"damaged.txt": {"count": 4, "lines": [3]}}
        assert "已读取 damaged.txt，其中 4 个无法识别的字符已替换为“\ufffd”（第 3 行）" in report.summary()
        assert "全年发展党员12名，\ufffd\ufffd\ufffd\ufffd开展主题党日活动36次" in text
        assert "整改问题41个" in text


def test_links_inside_the_corpus_are_followed(small_corpus, tmp_path):
    (small_corpus / ".store").mkdir()
    (small_corpus / ".store" / "c.txt").write_text("市科协办公室工作总结\n完成公文处理520件。\n", encoding="utf-8")
    os.symlink(small_corpus / ".store" / "c.txt", small_corpus / "c.txt")
    os.symlink("a.txt", small_corpus / "z-link.txt")  # relative, inside: the same file twice
    loaded = load_within(small_corpus)
    assert {d.path for d in loaded.documents} == {"a.txt", "b.txt", "c.txt"}
    assert {s.path: s.reason for s in loaded.skipped} == {"z-link.txt": "与 a.txt 内容完全相同，已跳过重复文件"}


@pytest.mark.slow  # subprocesses that each load the model
def test_cli_build_refuses_all_kinds_and_stays_quiet(small_corpus, tmp_path):
    """The same corpus through the CLI: exit 3, each refusal and the repair in
    the report, the build process's own environment not in the index, and
    --quiet printing nothing but the report (pypdf and bm25s go to the log file)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    for kind in KINDS:
        if kind == "device":
            try:
                plant(kind, small_corpus, outside)
            except pytest.skip.Exception:
                os.symlink("/dev/zero", small_corpus / "zero.txt")
        else:
            plant(kind, small_corpus, outside)
    (small_corpus / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n")  # pypdf logs a WARNING
    marker = "PARTYQA-ENV-MARKER-5501"
    log = tmp_path / "partyqa.log"
    index = tmp_path / "index"
    r = subprocess.run([sys.executable, "-m", "indexer", "build", "--corpus", str(small_corpus), "--index", str(index),
                        "--quiet"], capture_output=True, text=True, cwd=REPO, timeout=600,
                       env={**os.environ, "PARTYQA_TEST_MARKER": marker, "PARTYQA_LOG": str(log)})
    assert r.returncode == 3, r.stderr
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert lines[0].startswith("索引版本 ") and "3 篇文档" in lines[0]
    assert all(l.startswith(("索引版本", "新增", "已跳过", "已读取")) for l in lines), r.stderr
    for name in ("passwd.txt", "environ.txt", "pipe.txt", "zero.txt", "broken.pdf"):
        assert any(l.startswith(f"已跳过 {name}：") for l in lines), r.stderr
    assert "已读取 damaged.txt，其中 4 个无法识别的字符" in r.stderr
    text = indexed_text(index)
    assert marker not in text and SECRET not in text
    assert "pypdf" in log.read_text(encoding="utf-8")


def test_uploads_cannot_write_through_links(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("原样保留", encoding="utf-8")
    os.symlink(outside, corpus / "report.txt")
    with pytest.raises(UploadError, match="链接或特殊文件"):
        save_upload(corpus, "report.txt", "新内容。".encode("utf-8"), overwrite=True)
    os.mkfifo(corpus / "pipe.txt")
    with pytest.raises(UploadError, match="链接或特殊文件"):
        save_upload(corpus, "pipe.txt", "新内容。".encode("utf-8"), overwrite=True)
    # A planted link at the old, predictable temporary name gains nothing either.
    os.symlink(outside, corpus / ".new.txt.upload")
    saved = save_upload(corpus, "new.txt", "新报告。".encode("utf-8"))
    assert saved.read_text(encoding="utf-8") == "新报告。" and not saved.is_symlink()
    assert outside.read_text(encoding="utf-8") == "原样保留"
    # Deleting a link removes the link, never the file outside.
    delete_document(corpus, "report.txt")
    assert not (corpus / "report.txt").is_symlink() and outside.read_text(encoding="utf-8") == "原样保留"
    with pytest.raises(UploadError, match="找不到文档"):
        delete_document(corpus, "../outside.txt")
    assert outside.exists()
