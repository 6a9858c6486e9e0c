"""Every setting in one place: the ``PARTYQA_*`` environment variables, the
size limits and the defaults, read into one frozen :class:`Settings`.

The CLI and the app call :meth:`Settings.from_env` once per command or page
run and pass what they need down; library functions take plain arguments.
Reading the environment never changes it.

Usage::

    from indexer.config import Settings
    settings = Settings.from_env()          # raises SettingsError on a bad value
    settings.store                          # the index folder or oceanbase:// URL
    settings.keep_versions                  # 2 unless PARTYQA_KEEP_VERSIONS says otherwise

Variables (README, 部署 and 模型):

=========================  ==================================================
``PARTYQA_STORE``          index location (folder or ``oceanbase://`` URL)
``PARTYQA_INDEX``          the app's index folder when ``PARTYQA_STORE`` is unset
``PARTYQA_CORPUS``         the app's corpus folder (``corpus``)
``PARTYQA_DATA``           quote baskets, settings, recycle bin (``data``)
``PARTYQA_MODEL``          the app's model (the built-in one when unset)
``PARTYQA_AUTO_BUILD``     1: the app keeps the index up with its corpus
``PARTYQA_PRECISION``      what ``auto`` precision means (measured once per machine)
``PARTYQA_DEVICE``         where the model runs: ``auto`` (a GPU when torch sees one), ``cpu``, ``cuda``
``PARTYQA_CACHE``          converted models, seekdb's shim, the log
``PARTYQA_LOG``            the log file
``PARTYQA_KEEP_VERSIONS``  index versions a build keeps (2)
``PARTYQA_QUERY_THREADS``  torch threads while answering (1)
``PARTYQA_SEEKDB_PASSWORD``  root password of ``python -m indexer seekdb``
``PARTYQA_SESSION_MINUTES``  idle minutes before a login expires (30)
``PARTYQA_AUDIT_DAYS``     days the audit log keeps (180; 0 keeps everything)
``PARTYQA_CONVERT_TIMEOUT``  seconds a .doc/.wps conversion may take (60)
``PARTYQA_DERIVED_CACHE``  conversions and OCR text (``<cache>/derived``)
=========================  ==================================================
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from .errors import SettingsError

# A single huge file would stall a build for everyone; reports are far smaller.
# One cap for reading and uploading (Streamlit's own cap in .streamlit/config.toml
# is larger so that the page, not the browser, says why a file is refused).
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_BYTES = MAX_FILE_BYTES
MAX_QUESTION_CHARS = 200  # a question, not a document: keeps share links short
# Chunking defaults (chosen on CMRC 2018, see bench/): the CLI's options default to these.
CHUNK_SIZE = 300
CHUNK_OVERLAP = 60
KEEP_VERSIONS = 2  # the live index version and its predecessor, for readers mid-switch
# China's Cybersecurity Law asks for at least six months of network logs.
AUDIT_DAYS = 180
# A one-sentence question is too small to split across threads: with several,
# each query waits for the slowest core, and on a busy machine that is most of
# its time (2 shared cores, load 6: ask p50 47 -> 20 ms, max 759 -> 80 ms with
# one thread). Builds embed many passages and get every core back.
QUERY_THREADS = 1

SESSION_MINUTES = 30.0
CONVERT_TIMEOUT = 60.0  # a hung converter never hangs a build

STORE_ENV = "PARTYQA_STORE"
PASSWORD_ENV = "PARTYQA_SEEKDB_PASSWORD"
KEEP_ENV = "PARTYQA_KEEP_VERSIONS"
PRECISIONS = ("auto", "fp32", "bf16", "int8", "onnx", "onnx-int8")
DEVICE = re.compile(r"auto|cpu|cuda(:\d+)?")


def is_url(spec: str | os.PathLike) -> bool:
    return "://" in str(spec)


def _positive_int(env: Mapping[str, str], name: str, default: int, what: str) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SettingsError(f"环境变量 {name} 应为不小于 1 的整数（{what}），当前为“{raw}”")
    return int(raw)


def _positive_number(env: Mapping[str, str], name: str, default: float, what: str) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise SettingsError(f"环境变量 {name} 应为大于 0 的数（{what}），当前为“{raw}”")
    return value


def _days(env: Mapping[str, str], name: str, default: int, what: str) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise SettingsError(f"环境变量 {name} 应为不小于 0 的整数（{what}），当前为“{raw}”")
    return int(raw)


def _switch(env: Mapping[str, str], name: str, what: str) -> bool | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if raw not in ("0", "1"):
        raise SettingsError(f"环境变量 {name} 应为 1 或 0（{what}），当前为“{raw}”")
    return raw == "1"


def default_cache(env: Mapping[str, str]) -> Path:
    if env.get("PARTYQA_CACHE"):
        return Path(env["PARTYQA_CACHE"])
    return Path(env.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "partyqa"


def _os_cache() -> Path:
    # Settings() without from_env reads no PARTYQA_* variable, only the
    # operating system's own cache convention.
    return default_cache({k: v for k, v in os.environ.items() if k == "XDG_CACHE_HOME"})


@dataclass(frozen=True)
class Settings:
    corpus: Path = Path("corpus")
    store: str | None = None  # PARTYQA_STORE: wins over every default, not over an explicit option
    index: str = "index"  # PARTYQA_INDEX: the app's folder when no store is set
    data: Path = Path("data")
    model: str | None = None
    auto_build_set: bool | None = None  # PARTYQA_AUTO_BUILD as given; None: by the kind of store
    precision: str | None = None  # what ``auto`` resolves to; None: measured (indexer.precision)
    device: str = "auto"  # where the model runs; auto: the first GPU torch sees, else the CPU
    cache: Path = field(default_factory=_os_cache)
    log: Path = field(default_factory=lambda: _os_cache() / "partyqa.log")
    derived_cache: Path | None = None  # None: ``<cache>/derived``
    keep_versions: int = KEEP_VERSIONS
    query_threads: int = QUERY_THREADS
    session_minutes: float = SESSION_MINUTES
    audit_days: int = AUDIT_DAYS  # 0: never pruned
    convert_timeout: float = CONVERT_TIMEOUT
    seekdb_password: str = field(default="", repr=False)  # never in logs or messages

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        """All settings from ``env`` (default ``os.environ``); a bad value raises
        :class:`SettingsError` with a Chinese message naming the variable."""
        env = os.environ if env is None else env
        store = env.get(STORE_ENV) or None
        index = env.get("PARTYQA_INDEX", "index")
        auto = _switch(env, "PARTYQA_AUTO_BUILD", "应用是否随语料自动更新索引")
        precision = env.get("PARTYQA_PRECISION") or None
        precision = None if precision == "auto" else precision
        if precision is not None and precision not in PRECISIONS[1:]:
            raise SettingsError(f"环境变量 PARTYQA_PRECISION 应为 {'、'.join(PRECISIONS[1:])} 之一，当前为“{precision}”")
        device = env.get("PARTYQA_DEVICE", "").strip() or "auto"
        if not DEVICE.fullmatch(device):
            raise SettingsError(f"环境变量 PARTYQA_DEVICE 应为 auto、cpu、cuda 或 cuda:编号，当前为“{device}”")
        return cls(
            corpus=Path(env.get("PARTYQA_CORPUS", "corpus")),
            store=store,
            index=index,
            data=Path(env.get("PARTYQA_DATA", "data")),
            model=env.get("PARTYQA_MODEL") or None,
            auto_build_set=auto,
            precision=precision,
            device=device,
            cache=default_cache(env),
            log=log_file(env),
            derived_cache=Path(env["PARTYQA_DERIVED_CACHE"]) if env.get("PARTYQA_DERIVED_CACHE") else None,
            keep_versions=_positive_int(env, KEEP_ENV, KEEP_VERSIONS, "保留的索引版本数"),
            query_threads=_positive_int(env, "PARTYQA_QUERY_THREADS", QUERY_THREADS, "回答问题时的计算线程数"),
            session_minutes=_positive_number(env, "PARTYQA_SESSION_MINUTES", SESSION_MINUTES, "登录闲置多少分钟后失效"),
            audit_days=_days(env, "PARTYQA_AUDIT_DAYS", AUDIT_DAYS, "审计日志保留天数，0 为永久保留"),
            convert_timeout=_positive_number(env, "PARTYQA_CONVERT_TIMEOUT", CONVERT_TIMEOUT,
                                             "转换 .doc/.wps 文件最多等待的秒数"),
            seekdb_password=env.get(PASSWORD_ENV, ""),
        )

    def auto_build_for(self, store: str) -> bool:
        """Whether an app engine keeps ``store`` up with its corpus: as
        PARTYQA_AUTO_BUILD says, else a folder yes and a shared database no
        (a machine with a partial corpus would delete every document for
        everyone)."""
        return (not is_url(store)) if self.auto_build_set is None else self.auto_build_set

    @property
    def auto_build(self) -> bool:
        """Whether the app keeps its own index (:attr:`app_store`) up."""
        return self.auto_build_for(self.app_store)

    @property
    def derived(self) -> Path:
        """Where conversions and OCR text are cached."""
        return self.derived_cache or self.cache / "derived"

    @property
    def app_store(self) -> str:
        """The app's index: ``PARTYQA_STORE``, else ``PARTYQA_INDEX``, else ``index``."""
        return self.store or self.index

    def resolve_store(self, spec: str | os.PathLike | None = None, default: str = "index") -> str:
        """The store to use: an explicit spec (a CLI option), else
        ``PARTYQA_STORE``, else ``default``."""
        return str(spec) if spec else (self.store or default)


def log_file(env: Mapping[str, str] | None = None) -> Path:
    """The log file ($PARTYQA_LOG, else ``partyqa.log`` in the cache folder);
    never raises, so that errors about other settings can still be logged."""
    env = os.environ if env is None else env
    return Path(env["PARTYQA_LOG"]) if env.get("PARTYQA_LOG") else default_cache(env) / "partyqa.log"

