"""The audit log in OceanBase, on a real seekdb server: writers in several
processes and threads keep one chain, an edited row is caught by
``audit verify``, export and prune behave as with SQLite, and an office
whose index is in OceanBase writes its audit log there."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pymysql
import pytest

from indexer.audit import GENESIS, entry_hash
from indexer.audit_oceanbase import OceanBaseAuditLog
from indexer.config import Settings

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def audit_url(seekdb_url, request):
    return seekdb_url["url"](f"audit_{request.node.name[5:20]}_{os.urandom(3).hex()}")


def raw(seekdb_url, url):
    """A plain connection, as someone with the database password would have."""
    return pymysql.connect(host="127.0.0.1", port=seekdb_url["port"], user="root", password=seekdb_url["password"],
                           database=url.rsplit("/", 1)[1], autocommit=True, charset="utf8mb4")


def cli(args, url, tmp_path):
    env = {**os.environ, "PARTYQA_STORE": url, "PARTYQA_DATA": str(tmp_path / "data")}
    return subprocess.run([sys.executable, "-m", "indexer", "audit", *args], cwd=REPO, env=env,
                          capture_output=True, text=True)


_WRITER = """
import sys, threading
from indexer.audit_oceanbase import OceanBaseAuditLog
url, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
log = OceanBaseAuditLog(url)
print("ready", flush=True)
sys.stdin.readline()  # every writer is connected before any appends
def write(t):
    for i in range(n):
        log.append(f"{name}-{t}", "ask", target="默认", detail=f"{name}-{t}-{i}")
threads = [threading.Thread(target=write, args=(t,)) for t in range(2)]
for th in threads: th.start()
for th in threads: th.join()
print("done", flush=True)
"""


def test_writers_in_two_processes_and_threads_keep_one_chain(audit_url):
    n = 40
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, audit_url, name, str(n)], cwd=REPO,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for name in ("p1", "p2")]
    for p in procs:
        assert p.stdout.readline().strip() == "ready"
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        out, _ = p.communicate(timeout=300)
        assert p.returncode == 0 and out.strip() == "done"

    log = OceanBaseAuditLog(audit_url)
    entries = log.entries()
    assert [e.id for e in entries] == list(range(1, 4 * n + 1))  # nothing lost, no id taken twice
    assert log.verify().ok
    assert all(e.prev == (entries[i - 1].hash if i else GENESIS) for i, e in enumerate(entries))  # no fork
    seen = defaultdict(list)
    for e in entries:
        seen[e.user].append(int(e.detail.rsplit("-", 1)[1]))
    assert seen == {f"{p}-{t}": list(range(n)) for p in ("p1", "p2") for t in (0, 1)}  # each writer's order kept


def test_edited_row_is_refused_then_caught_by_audit_verify(seekdb_url, audit_url, tmp_path):
    log = OceanBaseAuditLog(audit_url)
    for who in ("zhang", "li", "wang"):
        log.append(who, "ask", target="纪检", detail="立案审查调查违纪违法案件多少件", source="10.0.0.7")
    ok = cli(["verify"], audit_url, tmp_path)
    assert ok.returncode == 0 and "共 3 条，哈希链校验通过" in ok.stdout

    db = raw(seekdb_url, audit_url)
    with db.cursor() as cur:
        for sql in ("UPDATE partyqa_audit SET `user` = 'nobody' WHERE id = 2", "DELETE FROM partyqa_audit WHERE id = 1"):
            with pytest.raises(pymysql.err.MySQLError, match="append-only"):
                cur.execute(sql)
        # Someone with the password drops the guard and rewrites who asked.
        cur.execute("DROP TRIGGER partyqa_audit_no_update")
        cur.execute("UPDATE partyqa_audit SET `user` = 'zhao' WHERE id = 2")
    db.close()
    assert log.verify().broken_at == 2
    bad = cli(["verify"], audit_url, tmp_path)
    assert bad.returncode != 0 and "审计日志被篡改：第 2 条起哈希链断开" in bad.stderr
    assert "Traceback" not in bad.stderr and seekdb_url["password"] not in bad.stdout + bad.stderr
    assert not (tmp_path / "data" / "audit.sqlite").exists()  # the CLI read the OceanBase log, not a file
    OceanBaseAuditLog(audit_url)  # opening the log puts the guard back
    with raw(seekdb_url, audit_url).cursor() as cur, pytest.raises(pymysql.err.MySQLError, match="append-only"):
        cur.execute("UPDATE partyqa_audit SET `user` = 'zhang' WHERE id = 2")


def test_export_and_prune_keep_the_chain(seekdb_url, audit_url, tmp_path):
    log = OceanBaseAuditLog(audit_url)
    # Entries 1-2 written long ago, 3-4 today: inserted as the log would have written them.
    today = dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")
    prev, rows = GENESIS, []
    for i, at in enumerate(["2020-01-01T00:00:00.000+00:00", "2020-01-02T00:00:00.000+00:00", today, today], 1):
        fields = (i, at, "李干事", "ask", "默认", f"问题{i}", "10.0.0.7", prev)
        prev = entry_hash(*fields)
        rows.append((*fields, prev))
    with raw(seekdb_url, audit_url).cursor() as cur:
        cur.executemany("INSERT INTO partyqa_audit (id, at, `user`, action, target, detail, source, prev, hash) "
                        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)
        cur.execute("UPDATE partyqa_audit_head SET last_id = 4, last_hash = %s", (prev,))
    assert log.verify().ok

    out = tmp_path / "审计.csv"
    r = cli(["export", "--out", str(out)], audit_url, tmp_path)
    assert r.returncode == 0, r.stderr
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "编号,时间,用户,操作,对象,详情,来源,哈希"
    assert lines[1] == f"1,2020-01-01T00:00:00.000+00:00,李干事,提问,默认,问题1,10.0.0.7,{rows[0][-1]}"
    assert len(lines) == 5
    assert log.entries(limit=1)[0].action == "audit.export"  # the export itself is audited (entry 5)

    r = cli(["prune", "--days", "180"], audit_url, tmp_path)
    assert r.returncode == 0 and "已清理 2 条过期日志" in r.stdout, r.stderr
    entries = log.entries()
    assert [e.id for e in entries] == [3, 4, 5, 6] and entries[-1].action == "audit.prune"
    assert json.loads(entries[-1].detail) == {"removed": 2, "anchor": rows[1][-1], "days": 180}
    assert cli(["verify"], audit_url, tmp_path).returncode == 0
    assert log.prune(days=180) == 0  # nothing older left
    with raw(seekdb_url, audit_url).cursor() as cur, pytest.raises(pymysql.err.MySQLError, match="append-only"):
        cur.execute("DELETE FROM partyqa_audit WHERE id = 3")  # the DELETE guard is back after pruning


def test_office_on_oceanbase_writes_its_audit_log_there(seekdb_url, small_corpus, tmp_path, embedder):
    from indexer.building import build_index
    from indexer.office import Office

    url = seekdb_url["url"](f"audit_office_{os.urandom(3).hex()}")
    build_index(small_corpus, url, embedder=embedder)
    settings = Settings.from_env({"PARTYQA_STORE": url, "PARTYQA_DATA": str(tmp_path / "data"),
                                  "PARTYQA_CORPUS": str(small_corpus)})
    office = Office.from_settings(settings)
    office._embedders[embedder.name] = embedder  # the session's model; the office would load the same one
    assert isinstance(office.audit, OceanBaseAuditLog)

    _, result = office.ask(office.local_user(), "默认", "全市开展了多少项科普活动？", source="10.0.0.9")
    assert result.found and result.answers[0].text == "18153项"
    with raw(seekdb_url, url).cursor() as cur:
        cur.execute("SELECT `user`, action, target, detail, source FROM partyqa_audit ORDER BY id")
        assert cur.fetchall() == ((office.local_user().name, "ask", "默认", "全市开展了多少项科普活动？", "10.0.0.9"),)
    assert office.audit.verify().ok
    assert not (tmp_path / "data" / "audit.sqlite").exists()
