"""The app's shared engine: the model, the live index's answerer and the
corpus status, loaded and kept up to date in a background thread so that
a page can paint (and take a question) before any of them is ready.

One :class:`Engine` serves every browser session of a Streamlit process
(``st.cache_resource``). A page calls :meth:`Engine.refresh` on each run,
which costs a few ``stat`` calls unless something changed; the work itself
(an incremental build, loading a new index version) runs in the thread,
while sessions keep answering from the previous version until they need
the new one (:meth:`Engine.wait`).

Usage::

    engine = Engine("corpus", "index")
    engine.refresh()                 # returns at once
    if engine.wait(timeout=30):      # ready, or an error in engine.error
        engine.answerer.ask("全市开展了多少项科普活动？")
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from .building import BuildReport, build_index
from .corpus import CorpusStatus, StatusCache
from .config import Settings
from .errors import PartyQAError
from .store import open_store

log = logging.getLogger(__name__)
RETRY_AFTER_S = 30  # after a failure, reruns do not restart the same failing work at once
WARMUP_QUESTION = "全面从严治党"  # loads jieba's dictionary and the rankers before the first real question


class Engine:
    def __init__(self, corpus_dir: str | Path, spec: str, *, model: str | None = None, auto_build: bool = True,
                 embedders: dict | None = None, settings: Settings | None = None):
        self.settings = settings or Settings()
        self.query_threads = self.settings.query_threads
        self.corpus_dir = Path(corpus_dir)
        self.spec = spec
        self.model = model
        self.auto_build = auto_build
        self.store = open_store(spec, self.settings)
        self.status_cache = StatusCache(self.corpus_dir, self.store)
        self.answerer = None
        self.version: str | None = None
        self.error = ""  # for users, Chinese
        self.stage = "正在启动……"  # what the thread is doing, for users
        self.last_report: BuildReport | None = None
        self.started = time.monotonic()
        self.ready_at: float | None = None
        self.failed_at = 0.0
        # Engines of several knowledge bases pass one dict, so the model loads once.
        self._embedders: dict = {} if embedders is None else embedders
        self._work = threading.Lock()  # one build or load at a time
        self._idle = threading.Event()
        self._idle.set()
        self._thread: threading.Thread | None = None
        self.refresh()

    # -- state ------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return not self._idle.is_set()

    @property
    def ready(self) -> bool:
        return self.answerer is not None and not self.busy

    def status(self) -> CorpusStatus:
        return self.status_cache.get()

    def _needs_work(self) -> bool:
        if self.answerer is None and not self.error:
            return True
        current = self.store.current_name()
        if current is not None and current != self.version:
            return True  # rebuilt elsewhere (the CLI, another app process)
        status = self.status()
        return status.stale and (self.auto_build or not status.has_index)

    def refresh(self) -> None:
        """Start bringing the answerer up to date if anything changed; never blocks."""
        if self.busy or (self.error and time.monotonic() - self.failed_at < RETRY_AFTER_S):
            return
        try:
            needed = self._needs_work()
        except Exception:  # noqa: BLE001 - an unreadable index is reported by the worker
            needed = True
        if not needed:
            return
        self._idle.clear()
        self._thread = threading.Thread(target=self._run, name="partyqa-engine", daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Until the thread is idle; True when an answerer is ready."""
        self._idle.wait(timeout)
        return self.ready

    # -- work -------------------------------------------------------------

    def embedder(self, name: str | None):
        from .builtin_model import BUILTIN_NAME
        from .embedding import Embedder

        name = name or BUILTIN_NAME
        if name not in self._embedders:
            self.stage = "正在加载语言模型……"
            self._embedders[name] = Embedder(name, settings=self.settings)
        return self._embedders[name]

    def _run(self) -> None:
        try:
            with self._work:
                self._sync()
            self.error = ""
        except Exception as exc:  # noqa: BLE001 - shown to users in Chinese, details in the log
            log.exception("engine")
            self.error = user_message(exc)
            self.failed_at = time.monotonic()
        finally:
            self.stage = ""
            self._idle.set()

    def _sync(self, rebuild: bool = False, progress=None) -> BuildReport | None:
        report = None
        status = self.status()
        if rebuild or (status.stale and (self.auto_build or not status.has_index)):
            report = self._build(rebuild, progress)
        current = self.store.current_name()
        if current is not None and current != self.version:
            self._load(current)
        return report

    def _build(self, rebuild: bool, progress) -> BuildReport:
        prev = self.store.current_manifest()
        name = self.model or (prev.model_name if prev else None)
        embedder = self.embedder(name)
        self.stage = "正在更新索引……"

        def step(stage: str, done: int, total: int) -> None:
            self.stage = {"embed": f"正在计算向量：{done}/{total} 段",
                          "ocr": f"正在识别扫描页（OCR）：{done}/{total} 页"}.get(stage, "正在写入索引……")
            if progress:
                progress(stage, done, total)

        import torch

        torch.set_num_threads(os.cpu_count() or 1)
        try:
            report = build_index(self.corpus_dir, self.store, embedder=embedder, rebuild=rebuild, progress=step,
                                 settings=self.settings)
        finally:
            torch.set_num_threads(self.query_threads)
            self.status_cache.invalidate()
        self.last_report = report
        return report

    def _load(self, version: str) -> None:
        from .answering import Answerer
        from .retrieval import Searcher

        import torch

        self.stage = "正在加载索引……"
        torch.set_num_threads(self.query_threads)
        snapshot = self.store.current()
        answerer = Answerer(Searcher(snapshot, self.embedder(snapshot.manifest.model_name)))
        answerer.ask(WARMUP_QUESTION, k=1)
        self.answerer, self.version = answerer, getattr(snapshot, "name", version)
        if self.ready_at is None:
            self.ready_at = time.monotonic()

    def build_now(self, rebuild: bool = False, progress=None) -> BuildReport | None:
        """Rebuild now, in the caller's thread (the corpus page shows the
        progress), after any background work; the answerer follows."""
        self._idle.wait()
        self._idle.clear()
        try:
            with self._work:
                self.status_cache.invalidate()
                report = self._sync(rebuild=rebuild, progress=progress) if (rebuild or self.auto_build) else None
            self.error = ""
            return report
        finally:
            self.stage = ""
            self._idle.set()


def user_message(exc: BaseException) -> str:
    """A Chinese message for users: the library's own errors are written for
    them; anything else is summarised, with the details left to the log."""
    if isinstance(exc, PartyQAError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "内存不足，无法完成操作。请关闭其他程序后重试。"
    if isinstance(exc, OSError):
        return "读写文件时出错（磁盘已满或没有权限？）。详细信息已记入服务器日志。"
    return "操作未能完成，出现了意外错误。详细信息已记入服务器日志，请联系管理员。"
