"""One server for an office: accounts, knowledge bases, the audit log,
history and feedback, and one answering engine per knowledge base, all
under one data folder (``PARTYQA_DATA``, default ``data/``):

    data/office.sqlite      users, sessions, knowledge bases, grants, history, feedback
    data/audit.sqlite       the hash-chained audit log (in the OceanBase database
                            instead when the index is there: indexer.audit_oceanbase)
    data/partyqa.sqlite     quote baskets (indexer.basket)
    data/kb/<name>/         each added knowledge base's corpus, index and recycle folder
    data/recycle/           the default knowledge base's recycle folder

Every method that reads or changes documents takes the acting
:class:`~indexer.accounts.User`, checks the grant in the library
(:class:`~indexer.knowledge.Forbidden` otherwise) and writes the audit log.
The app, the HTTP API and the CLI all go through here.

Usage::

    office = Office.from_settings(Settings.from_env())
    user, token = office.login("zhang", "密码……", source="10.0.0.7")
    qid, result = office.ask(user, "默认", "全市开展了多少项科普活动？")
    office.history.feedback(qid, user.name, "useful")
"""

from __future__ import annotations

import ipaddress
import threading
from pathlib import Path

from .accounts import LOCAL_ADMIN, Accounts, OfficeError, User
from .audit import AuditLog
from .audit_oceanbase import OceanBaseAuditLog
from .config import Settings
from .feedback import History
from .knowledge import KnowledgeBase, KnowledgeBases
from .service import Engine
from .store import is_url, open_store

READY_TIMEOUT_S = 600  # a first question may wait for the model and a first build


class NotReady(OfficeError):
    """The knowledge base's index could not be loaded; message for users."""


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Office:
    def __init__(self, data_dir: str | Path, corpus: str | Path = "corpus", store: str = "index",
                 model: str | None = None, settings: Settings | None = None):
        self.data_dir = Path(data_dir)
        self.model = model
        self.settings = settings or Settings()
        db = self.data_dir / "office.sqlite"
        self.accounts = Accounts(db, session_minutes=self.settings.session_minutes)
        self.kbs = KnowledgeBases(db, self.data_dir, KnowledgeBase.default(corpus, store, self.data_dir))
        self.history = History(db)
        # A deployment that shares its index in OceanBase shares the audit log there too:
        # every app process and API worker, on any machine, appends to one chain.
        self.audit = OceanBaseAuditLog(store) if is_url(store) else AuditLog(self.data_dir / "audit.sqlite")
        self._engines: dict[str, Engine] = {}
        self._embedders: dict = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> "Office":
        """Folders as the app reads them: PARTYQA_DATA, PARTYQA_CORPUS, PARTYQA_STORE / PARTYQA_INDEX, PARTYQA_MODEL."""
        return cls(settings.data, settings.corpus, settings.app_store, settings.model, settings)

    # -- who ----------------------------------------------------------------

    def local_user(self) -> User:
        """The user of single-user mode (no accounts): an admin on this machine."""
        return User(LOCAL_ADMIN, "admin")

    def login(self, name: str, password: str, source: str = "") -> tuple[User, str]:
        """The user and a new session token; every attempt is audited."""
        try:
            user = self.accounts.login(name, password, source)
        except OfficeError as exc:
            self.audit.append(name, "login.failed", detail=str(exc), source=source)
            raise
        self.audit.append(user.name, "login", source=source)
        return user, self.accounts.open_session(user)

    def logout(self, user: User, token: str, source: str = "") -> None:
        self.accounts.close_session(token)
        self.audit.append(user.name, "logout", source=source)

    def check_listen(self, host: str) -> None:
        """Refuse a non-loopback address unless an admin account exists."""
        if not is_loopback(host) and not self.accounts.has_admin():
            raise OfficeError(f"拒绝在 {host} 上监听：没有管理员账号时只能在本机（127.0.0.1）使用。"
                              "请先用 python -m indexer users add 名字 --role admin 创建管理员。")

    # -- engines ------------------------------------------------------------

    def engine(self, kb: KnowledgeBase) -> Engine:
        with self._lock:
            e = self._engines.get(kb.name)
            if e is None:
                # A shared OceanBase index is built by whoever owns it, as in the app.
                e = self._engines[kb.name] = Engine(kb.corpus, kb.store, model=self.model,
                                                    auto_build=self.settings.auto_build_for(kb.store),
                                                    embedders=self._embedders, settings=self.settings)
        e.refresh()
        return e

    def empty(self, kb: KnowledgeBase) -> bool:
        """No index and no files yet: a new knowledge base waiting for its first upload."""
        has_files = kb.corpus.is_dir() and any(p.is_file() for p in kb.corpus.rglob("*"))
        if has_files:
            return False
        e = self._engines.get(kb.name)  # no engine yet: none is started just to look
        return (e.store if e else open_store(kb.store, self.settings)).current_name() is None

    def answerer(self, kb: KnowledgeBase, timeout: float = READY_TIMEOUT_S):
        if self.empty(kb):
            raise NotReady(f"知识库“{kb.name}”还没有文档：请编辑或管理员先上传报告。")
        e = self.engine(kb)
        if not e.wait(timeout) and e.answerer is None:
            raise NotReady(e.error or f"知识库“{kb.name}”的索引尚未就绪，请稍后再试。")
        return e.answerer

    # -- reading (any granted user) ------------------------------------------

    def _kb(self, user: User, kb_name: str, need: str, source: str):
        try:
            return self.kbs.require(user, kb_name, need)
        except OfficeError as exc:
            self.audit.append(user.name, "refused", target=kb_name, detail=str(exc), source=source)
            raise

    def ask(self, user: User, kb_name: str, question: str, k: int = 5, source: str = ""):
        """``(history id, AskResult)`` from ``kb_name``'s index only."""
        kb = self._kb(user, kb_name, "read", source)
        result = self.answerer(kb).ask(question, k=k)
        self.audit.append(user.name, "ask", target=kb.name, detail=question, source=source)
        return self.history.record(user.name, kb.name, result), result

    def search(self, user: User, kb_name: str, query: str, k: int = 5, source: str = ""):
        kb = self._kb(user, kb_name, "read", source)
        hits = self.answerer(kb).searcher.search(query, k=k)
        self.audit.append(user.name, "search", target=kb.name, detail=query, source=source)
        return hits

    def documents(self, user: User, kb_name: str, source: str = "") -> dict[str, dict]:
        """The indexed documents of ``kb_name`` with their metadata."""
        kb = self._kb(user, kb_name, "read", source)
        manifest = self.engine(kb).store.current_manifest()
        self.audit.append(user.name, "documents", target=kb.name, source=source)
        return manifest.documents if manifest else {}

    # -- editing (editors with an edit grant, admins) -------------------------

    def upload(self, user: User, kb_name: str, filename: str, data: bytes, *, overwrite: bool = False,
               source: str = "") -> str:
        """Save a report into the knowledge base and bring its index up to date."""
        from .corpus import save_upload

        kb = self._kb(user, kb_name, "edit", source)
        path = save_upload(kb.corpus, filename, data, overwrite=overwrite, settings=self.settings)
        self.audit.append(user.name, "upload", target=f"{kb.name}/{path.name}", source=source)
        self.engine(kb).build_now()
        return path.name

    def delete(self, user: User, kb_name: str, doc: str, source: str = "") -> None:
        from .corpus import delete_document

        kb = self._kb(user, kb_name, "edit", source)
        delete_document(kb.corpus, doc, kb.recycle)
        self.audit.append(user.name, "delete", target=f"{kb.name}/{doc}", source=source)
        self.engine(kb).build_now()
