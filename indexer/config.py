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
``PARTYQA_PRECISION``      what ``auto`` precision means (bf16 where native)
``PARTYQA_CACHE``          converted models, seekdb's shim, the log
``PARTYQA_LOG``            the log file
``PARTYQA_KEEP_VERSIONS``  index versions a build keeps (2)
``PARTYQA_QUERY_THREADS``  torch threads while answering (1)
``PARTYQA_SEEKDB_PASSWORD``  root password of ``python -m indexer seekdb``
``PARTYQA_AUDIT_DAYS``     days the audit log keeps (180; 0 keeps everything)
=========================  ==================================================
"""

from __future__ import annotations

import os
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

STORE_ENV = "PARTYQA_STORE"
PASSWORD_ENV = "PARTYQA_SEEKDB_PASSWORD"
KEEP_ENV = "PARTYQA_KEEP_VERSIONS"
PRECISIONS = ("auto", "fp32", "bf16", "int8")


def is_url(spec: str | os.PathLike) -> bool:
    return "://" in str(spec)


def _positive_int(env: Mapping[str, str], name: str, default: int, what: str) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SettingsError(f"环境变量 {name} 应为不小于 1 的整数（{what}），当前为“{raw}”")
    return int(raw)


def _audit_days(env: Mapping[str, str]) -> int:
    raw = env.get("PARTYQA_AUDIT_DAYS", "").strip()
    if not raw:
        return AUDIT_DAYS
    if not raw.isdigit():
        raise SettingsError("环境变量 PARTYQA_AUDIT_DAYS 应为不小于 0 的整数（审计日志保留天数，0 为永久保留），"
                            f"当前为“{raw}”")
    return int(raw)


def default_cache(env: Mapping[str, str]) -> Path:
    if env.get("PARTYQA_CACHE"):
        return Path(env["PARTYQA_CACHE"])
    return Path(env.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "partyqa"


@dataclass(frozen=True)
class Settings:
    corpus: Path = Path("corpus")
    store: str | None = None  # PARTYQA_STORE: wins over every default, not over an explicit option
    index: str = "index"  # PARTYQA_INDEX: the app's folder when no store is set
    data: Path = Path("data")
    model: str | None = None
    auto_build: bool = True
    precision: str | None = None  # what ``auto`` resolves to; None: by the CPU
    cache: Path = field(default_factory=lambda: default_cache(os.environ))
    log: Path = field(default_factory=lambda: log_file(os.environ))
    keep_versions: int = KEEP_VERSIONS
    query_threads: int = QUERY_THREADS
    seekdb_password: str = field(default="", repr=False)  # never in logs or messages
    audit_days: int = AUDIT_DAYS  # 0: the audit log is never pruned

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        """All settings from ``env`` (default ``os.environ``); a bad value raises
        :class:`SettingsError` with a Chinese message naming the variable."""
        env = os.environ if env is None else env
        store = env.get(STORE_ENV) or None
        index = env.get("PARTYQA_INDEX", "index")
        # A shared database index is not this machine's to sync: a machine with a
        # partial corpus would delete every document for everyone. =1 opts in.
        auto = env.get("PARTYQA_AUTO_BUILD", "0" if is_url(store or index) else "1") == "1"
        precision = env.get("PARTYQA_PRECISION") or None
        precision = None if precision == "auto" else precision
        if precision is not None and precision not in PRECISIONS[1:]:
            raise SettingsError(f"环境变量 PARTYQA_PRECISION 应为 {'、'.join(PRECISIONS[1:])} 之一，当前为“{precision}”")
        return cls(
            corpus=Path(env.get("PARTYQA_CORPUS", "corpus")),
            store=store,
            index=index,
            data=Path(env.get("PARTYQA_DATA", "data")),
            model=env.get("PARTYQA_MODEL") or None,
            auto_build=auto,
            precision=precision,
            cache=default_cache(env),
            log=log_file(env),
            keep_versions=_positive_int(env, KEEP_ENV, KEEP_VERSIONS, "保留的索引版本数"),
            query_threads=_positive_int(env, "PARTYQA_QUERY_THREADS", QUERY_THREADS, "回答问题时的计算线程数"),
            seekdb_password=env.get(PASSWORD_ENV, ""),
            audit_days=_audit_days(env),
        )

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


def keep_versions() -> int:
    """Index versions a build keeps, the live one included; read when a build
    writes, so a bad value is reported before anything is written."""
    return Settings.from_env().keep_versions
