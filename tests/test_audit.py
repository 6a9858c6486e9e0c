"""The hash-chained audit log in SQLite: retention keeps the chain (the
audit CLI over an office: test_office.py; on OceanBase: test_audit_oceanbase.py)."""

from __future__ import annotations

import sqlite3


def test_retention_prunes_old_entries_and_keeps_the_chain(tmp_path):
    from indexer.audit import AuditLog

    log = AuditLog(tmp_path / "audit.sqlite")
    for n in range(4):
        log.append("li", "ask", detail=f"问题{n}")
    db = sqlite3.connect(tmp_path / "audit.sqlite")
    # Entries 1-2 written long ago: their hashes are recomputed as they were then.
    from indexer.audit import entry_hash

    db.execute("DROP TRIGGER audit_no_update")
    prev = "0" * 64
    for e in log.entries():
        at = "2020-01-01T00:00:00.000+00:00" if e.id <= 2 else e.at
        h = entry_hash(e.id, at, e.user, e.action, e.target, e.detail, e.source, prev)
        db.execute("UPDATE audit SET at = ?, prev = ?, hash = ? WHERE id = ?", (at, prev, h, e.id))
        prev = h
    db.commit()
    db.close()
    assert log.verify().ok
    assert log.prune(days=180) == 2
    assert [e.id for e in log.entries()] == [3, 4, 5] and log.entries()[-1].action == "audit.prune"
    assert log.verify().ok
