"""Many users asking at once, over real HTTP against ``python -m indexer
serve``: latency per question (p50/p95), throughput, and whether every
question reached the audit log with the chain intact. Run as
``python -m bench.office --users 20 --questions 5 --json FILE``; also used by
``tests/test_api.py``.

Usage::

    from bench.office import api_server, concurrent_asks
    concurrent_asks(Path("/tmp/data"), Path("corpus"), "/tmp/index", users=20, questions=qs)
    # {'users': 20, 'asks': 100, 'p50_ms': …, 'p95_ms': …, 'qps': …, 'audit_asks': 100, 'audit_chain_ok': True}
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .browser import REPO, free_port, stop


def call(url: str, path: str, body: dict | None = None, token: str | None = None,
         timeout: float = 600) -> tuple[int, dict]:
    """One JSON request; (HTTP status, decoded body)."""
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url + urllib.parse.quote(path, safe="/?=&"), data=data, method="POST" if body is not None else "GET",
                                 headers={"Content-Type": "application/json"})
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


@contextmanager
def api_server(data: Path, corpus: Path, index: str, host: str = "127.0.0.1", log: Path | None = None):
    """``python -m indexer serve`` on a free port with the three folders from
    the environment; yields its base URL once ``/api/health`` answers."""
    port = free_port()
    env = {**os.environ, "PARTYQA_DATA": str(data), "PARTYQA_CORPUS": str(corpus), "PARTYQA_INDEX": str(index),
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    env.pop("PARTYQA_STORE", None)
    out = open(log, "w") if log else subprocess.DEVNULL
    proc = subprocess.Popen([sys.executable, "-m", "indexer", "serve", "--host", host, "--port", str(port)],
                            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if call(url, "/api/health", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"serve did not start (exit {proc.poll()})")
            time.sleep(0.1)
        yield url
    finally:
        stop(proc, out if log else None)


def concurrent_asks(data: Path, corpus: Path, index: str, *, users: int = 20, questions: list[str],
                    kb: str = "默认") -> dict:
    """``users`` readers log in and ask all ``questions`` at the same moment."""
    from indexer.office import Office

    office = Office(data, corpus, index)
    passwords = {}
    for n in range(users):
        name = f"bench{n:02d}"
        if office.accounts.get(name) is None:
            passwords[name] = secrets.token_urlsafe(12)
            office.accounts.add(name, "reader", passwords[name])
            office.kbs.grant(name, kb, "read")
    if len(passwords) != users:
        raise ValueError("基准需要一个新的数据文件夹")
    asks_before = len(office.audit.entries(action="ask"))
    latencies: list[float] = []
    errors: list[str] = []
    with api_server(data, corpus, index) as url:
        tokens = {}
        for name, pw in passwords.items():
            status, body = call(url, "/api/login", {"name": name, "password": pw})
            tokens[name] = body["token"]
        # One question first, so that the model and index are loaded before the clock starts.
        status, body = call(url, f"/api/kbs/{kb}/ask", {"q": questions[0]}, tokens["bench00"])
        if status != 200:
            raise RuntimeError(f"warm-up failed: {status} {body}")
        barrier = threading.Barrier(users)
        lock = threading.Lock()

        def user(token: str) -> None:
            barrier.wait()
            for q in questions:
                t = time.perf_counter()
                status, body = call(url, f"/api/kbs/{kb}/ask", {"q": q}, token)
                took = (time.perf_counter() - t) * 1000
                with lock:
                    latencies.append(took)
                    if status != 200:
                        errors.append(f"{status} {body.get('detail')}")

        threads = [threading.Thread(target=user, args=(t,)) for t in tokens.values()]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
    asks = len(office.audit.entries(action="ask")) - asks_before - 1  # less the warm-up
    return {"users": users, "asks": len(latencies), "errors": len(errors),
            "p50_ms": round(float(np.percentile(latencies, 50)), 1),
            "p95_ms": round(float(np.percentile(latencies, 95)), 1),
            "qps": round(len(latencies) / wall, 2), "audit_asks": asks, "audit_chain_ok": office.audit.verify().ok}


def main(argv: list[str] | None = None) -> int:
    import argparse
    import shutil
    import tempfile

    from .datasets import REPORT_QUESTIONS

    ap = argparse.ArgumentParser(prog="python -m bench.office",
                                 description="多个用户同时通过 HTTP 接口提问：p50/p95、吞吐、审计日志是否完整")
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--questions", type=int, default=5, help="每个用户提问数（取报告问题集的前几个）")
    ap.add_argument("--corpus", default=str(REPO / "corpus"))
    ap.add_argument("--json", dest="json_out", help="把结果写入 JSON 文件")
    args = ap.parse_args(argv)
    lines = REPORT_QUESTIONS.read_text(encoding="utf-8").splitlines()
    questions = [json.loads(l)["q"] for l in lines if l.strip()][:args.questions]
    with tempfile.TemporaryDirectory(prefix="partyqa-office-bench-") as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(args.corpus, corpus)
        result = concurrent_asks(Path(tmp) / "data", corpus, str(Path(tmp) / "index"), users=args.users,
                                 questions=questions)
    text = json.dumps(result, ensure_ascii=False)
    print(text)
    if args.json_out:
        Path(args.json_out).write_text(text + "\n", encoding="utf-8")
    return 0 if result["errors"] == 0 and result["audit_asks"] == result["asks"] and result["audit_chain_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
