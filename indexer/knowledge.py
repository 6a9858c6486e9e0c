"""Knowledge bases: several corpora on one server (机关党委, 科普部, 学会部),
each with its own corpus folder, index and recycle folder, and per-user
grants to read or edit them.

Access is enforced by which index a user's searcher opens: a user asking in
a knowledge base they may not read is refused before any index is touched
(:meth:`KnowledgeBases.require`), and a searcher only ever holds one
knowledge base's index, so no ranking can reach another's documents.

The default knowledge base ``默认`` is the classic single-corpus setup
(``PARTYQA_CORPUS`` and the index of ``PARTYQA_STORE``/``PARTYQA_INDEX``);
the others live under ``PARTYQA_DATA/kb/<name>/``.

Usage::

    kbs = KnowledgeBases("data/office.sqlite", data_dir="data", default=KnowledgeBase.default("corpus", "index", "data"))
    kbs.add("纪检")                                   # data/kb/纪检/{corpus,index,recycle}
    kbs.grant("li", "纪检", "read")
    kbs.readable(user)                                 # the knowledge bases li may ask in
    kb = kbs.require(user, "纪检", "edit")             # or Forbidden
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from .accounts import AccountError, OfficeError, User
from .localdb import create, opened

DEFAULT_KB = "默认"
LEVELS = ("read", "edit")
LEVEL_NAMES = {"read": "只读", "edit": "可编辑"}
KB_NAME = re.compile(r"[A-Za-z0-9_\-\u4e00-\u9fff]{1,32}")

SCHEMA = """
CREATE TABLE IF NOT EXISTS knowledge_bases (
    name TEXT PRIMARY KEY, corpus TEXT NOT NULL, store TEXT NOT NULL, recycle TEXT NOT NULL, created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS grants (
    user TEXT NOT NULL, kb TEXT NOT NULL, level TEXT NOT NULL, PRIMARY KEY (user, kb)
);
"""


class Forbidden(OfficeError):
    """The user may not do this in this knowledge base; message for users."""


@dataclass(frozen=True)
class KnowledgeBase:
    name: str
    corpus: Path
    store: str  # an index folder or an oceanbase:// URL
    recycle: Path

    @classmethod
    def default(cls, corpus: str | Path, store: str, data_dir: str | Path) -> "KnowledgeBase":
        return cls(DEFAULT_KB, Path(corpus), str(store), Path(data_dir) / "recycle")


class KnowledgeBases:
    """The registry of knowledge bases and the grants, in the office database."""

    OPEN = {"timeout": 30}  # how opened() opens this file

    def __init__(self, path: str | Path, data_dir: str | Path, default: KnowledgeBase):
        self.path = Path(path)
        self.data_dir = Path(data_dir)
        self.default = default
        create(self.path, SCHEMA, **self.OPEN)

    def _db(self):
        return opened(self.path, **self.OPEN)

    # -- registry -----------------------------------------------------------

    def all(self) -> list[KnowledgeBase]:
        with self._db() as db:
            rows = db.execute("SELECT name, corpus, store, recycle FROM knowledge_bases ORDER BY created").fetchall()
        return [self.default] + [KnowledgeBase(n, Path(c), s, Path(r)) for n, c, s, r in rows]

    def get(self, name: str) -> KnowledgeBase | None:
        return next((kb for kb in self.all() if kb.name == name), None)

    def add(self, name: str, corpus: str | Path | None = None, store: str | None = None) -> KnowledgeBase:
        if not KB_NAME.fullmatch(name or ""):
            raise AccountError("知识库名称只能由 1–32 个汉字、字母、数字或 _ - 组成。")
        if self.get(name) is not None:
            raise AccountError(f"知识库“{name}”已存在。")
        home = self.data_dir / "kb" / name
        kb = KnowledgeBase(name, Path(corpus) if corpus else home / "corpus", str(store or home / "index"),
                           home / "recycle")
        kb.corpus.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.execute("INSERT INTO knowledge_bases (name, corpus, store, recycle, created) VALUES (?, ?, ?, ?, ?)",
                       (kb.name, str(kb.corpus), kb.store, str(kb.recycle), time.time()))
        return kb

    # -- grants -------------------------------------------------------------

    def grant(self, user: str, kb: str, level: str) -> None:
        if level not in LEVELS:
            raise AccountError("权限应为 read（只读）或 edit（可编辑）。")
        if self.get(kb) is None:
            raise AccountError(f"没有知识库“{kb}”。")
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO grants (user, kb, level) VALUES (?, ?, ?)", (user, kb, level))

    def revoke(self, user: str, kb: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM grants WHERE user = ? AND kb = ?", (user, kb))

    def grants(self, user: str) -> dict[str, str]:
        with self._db() as db:
            return dict(db.execute("SELECT kb, level FROM grants WHERE user = ?", (user,)).fetchall())

    def level(self, user: User, kb: str) -> str | None:
        """'edit', 'read' or None. Admins edit everything; a reader's edit grant reads."""
        if user.is_admin:
            return "edit"
        granted = self.grants(user.name).get(kb)
        if granted == "edit" and not user.may_edit:
            return "read"
        return granted

    def readable(self, user: User) -> list[KnowledgeBase]:
        return [kb for kb in self.all() if self.level(user, kb.name)]

    def editable(self, user: User) -> list[KnowledgeBase]:
        return [kb for kb in self.all() if self.level(user, kb.name) == "edit"]

    def require(self, user: User, name: str, need: str = "read") -> KnowledgeBase:
        """The knowledge base, if ``user`` may ``need`` ('read' or 'edit') in it."""
        kb = self.get(name)
        level = self.level(user, name) if kb else None
        # An unknown name and a forbidden one read the same: names are not disclosed.
        if level is None or (need == "edit" and level != "edit"):
            verb = "修改" if need == "edit" else "查看"
            raise Forbidden(f"没有权限{verb}知识库“{name}”（或该知识库不存在）。")
        return kb
