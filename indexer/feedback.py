"""Question history and answer feedback (有用 / 不对, with a comment), and
their export as a question set in the benchmark's format, so that the
questions real users asked become evaluation.

Each exported line is a JSON object like those of ``tests/data/*.jsonl``:
``{"q", "doc", "type", "answer", "evidence"}`` plus where it came from
(``kb``, ``verdict``, ``comment``, ``asked``). An answer marked 有用 is
exported as what the system answered (a quantity answer as ``quantity``,
otherwise ``passage`` with the answer sentence as evidence). An answer
marked 不对 gets ``"review": true`` and an empty ``answer``: someone who
knows the documents writes the right answer (or sets ``type`` to
``unanswerable``) before the line is used.

Usage::

    h = History("data/office.sqlite")
    qid = h.record("zhang", "默认", result)           # an answering.AskResult
    h.recent("zhang")                                 # newest first
    h.feedback(qid, "zhang", "useful", "正是要找的数字")
    h.export_jsonl()                                  # str, one question per line
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from .accounts import OfficeError
from .localdb import create, opened

VERDICTS = {"useful": "有用", "wrong": "不对"}
MAX_COMMENT = 500

SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, user TEXT NOT NULL, kb TEXT NOT NULL, q TEXT NOT NULL,
    found INTEGER NOT NULL, answer TEXT NOT NULL, doc TEXT NOT NULL, evidence TEXT NOT NULL,
    kind TEXT NOT NULL, asked REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS questions_user ON questions (user, asked);
CREATE TABLE IF NOT EXISTS feedback (
    question INTEGER PRIMARY KEY REFERENCES questions (id), user TEXT NOT NULL, verdict TEXT NOT NULL,
    comment TEXT NOT NULL, at REAL NOT NULL
);
"""


class FeedbackError(OfficeError):
    """Feedback on a question that is not the user's, or a bad verdict; message for users."""


@dataclass(frozen=True)
class Asked:
    id: int
    kb: str
    q: str
    found: bool
    answer: str
    asked: float
    verdict: str | None = None
    comment: str = ""


def summary(result) -> tuple[str, str, str, str]:
    """(answer, doc, evidence, kind) of an AskResult, for history and export."""
    if result.found and result.answers:
        a = result.answers[0]
        kind = "masked" if a.masked else result.kind if result.kind in ("quantity", "date") else "passage"
        return a.text, result.hits[a.hit].chunk.doc, a.sentence, kind
    if result.found and result.hits:
        h = result.hits[0]
        return h.chunk.text[:200], h.chunk.doc, h.chunk.text, "passage"
    return "", "", "", "unanswerable"


class History:
    OPEN = {"timeout": 30}  # how opened() opens this file

    def __init__(self, path: str | Path):
        self.path = Path(path)
        create(self.path, SCHEMA, **self.OPEN)

    def _db(self):
        return opened(self.path, **self.OPEN)

    def record(self, user: str, kb: str, result) -> int:
        answer, doc, evidence, kind = summary(result)
        with self._db() as db:
            return db.execute(
                "INSERT INTO questions (user, kb, q, found, answer, doc, evidence, kind, asked) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (user, kb, result.query, int(result.found), answer, doc, evidence, kind, time.time())).lastrowid

    def recent(self, user: str, limit: int = 20) -> list[Asked]:
        with self._db() as db:
            rows = db.execute(
                "SELECT q.id, q.kb, q.q, q.found, q.answer, q.asked, f.verdict, COALESCE(f.comment, '') "
                "FROM questions q LEFT JOIN feedback f ON f.question = q.id "
                "WHERE q.user = ? ORDER BY q.id DESC LIMIT ?", (user, limit)).fetchall()
        return [Asked(r[0], r[1], r[2], bool(r[3]), r[4], r[5], r[6], r[7]) for r in rows]

    def feedback(self, question: int, user: str, verdict: str, comment: str = "") -> None:
        if verdict not in VERDICTS:
            raise FeedbackError("反馈应为“有用”或“不对”。")
        comment = " ".join(comment.split())[:MAX_COMMENT]
        with self._db() as db:
            owner = db.execute("SELECT user FROM questions WHERE id = ?", (question,)).fetchone()
            if owner is None or owner[0] != user:
                raise FeedbackError("只能对自己提过的问题反馈。")
            db.execute("INSERT OR REPLACE INTO feedback (question, user, verdict, comment, at) VALUES (?, ?, ?, ?, ?)",
                       (question, user, verdict, comment, time.time()))

    def export_jsonl(self, verdict: str | None = None) -> str:
        """Questions with feedback, one JSON object per line (see module doc)."""
        sql = ("SELECT q.q, q.doc, q.kind, q.answer, q.evidence, q.kb, f.verdict, f.comment, q.asked, q.found "
               "FROM questions q JOIN feedback f ON f.question = q.id")
        args: tuple = ()
        if verdict:
            sql, args = sql + " WHERE f.verdict = ?", (verdict,)
        with self._db() as db:
            rows = db.execute(sql + " ORDER BY q.id", args).fetchall()
        lines = []
        for q, doc, kind, answer, evidence, kb, v, comment, asked, found in rows:
            item = {"q": q, "doc": doc, "type": kind, "answer": answer, "evidence": evidence}
            if v == "wrong":
                item.update(answer="", got=answer, review=True)
            item.update(kb=kb, verdict=VERDICTS[v], comment=comment,
                        asked=time.strftime("%Y-%m-%d", time.localtime(asked)))
            lines.append(json.dumps(item, ensure_ascii=False))
        return "".join(line + "\n" for line in lines)
