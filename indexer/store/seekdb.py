"""A local seekdb server (OceanBase's single-node edition) from the
``pylibseekdb`` wheel on PyPI, for one machine or for tests.

It listens on 127.0.0.1 only and requires a password. seekdb 1.4 has no
listen-address option (its ``bind_address`` variable is accepted and
ignored; it binds every interface), so the server runs with a tiny
``LD_PRELOAD`` shim (``data/loopback_bind.c``, built with the system C
compiler) that turns its wildcard ``bind()`` into a loopback one.

Usage::

    from indexer.store.seekdb import start_server
    server = start_server("/var/lib/partyqa/seekdb", port=2881, password="…")
    print(server.url("partyqa"))   # oceanbase://root:…@127.0.0.1:2881/partyqa
    server.stop()

or from the command line (the password comes from the environment, never
from arguments that ``ps`` would show)::

    PARTYQA_SEEKDB_PASSWORD=… python -m indexer seekdb --dir /var/lib/partyqa/seekdb
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from ..config import PASSWORD_ENV, Settings
from ..errors import ServerError

log = logging.getLogger(__name__)

SHIM_SOURCE = Path(__file__).parent.parent / "data" / "loopback_bind.c"
# Small enough for a 2-core, shared machine; seekdb sizes its caches from these.
SERVER_PARAMETERS = ("memory_budget=2G", "log_disk_size=2G", "datafile_size=1G")


def binary() -> Path:
    try:
        import pylibseekdb
    except ImportError as exc:
        raise ServerError("未安装 seekdb。请运行 pip install 'pylibseekdb==1.4.0.post1'（或 pip install -e '.[oceanbase]'）。") from exc
    path = Path(pylibseekdb.__file__).parent / "seekdb"
    if not path.exists():
        raise ServerError(f"pylibseekdb 包中没有 seekdb 程序：{path}")
    return path


def loopback_shim(cache: Path | None = None) -> Path:
    """The compiled bind() shim, built once per source version into ``cache``."""
    digest = hashlib.sha256(SHIM_SOURCE.read_bytes()).hexdigest()[:12]
    cache = Path(cache or Settings().cache)
    out = cache / f"loopback_bind-{digest}.so"
    if out.exists():
        return out
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        raise ServerError("需要 C 编译器（cc/gcc）来让 seekdb 只监听 127.0.0.1。请安装 gcc 后重试。")
    cache.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".tmp{os.getpid()}")
    subprocess.run([cc, "-shared", "-fPIC", "-O2", "-o", str(tmp), str(SHIM_SOURCE), "-ldl"], check=True,
                   capture_output=True)
    os.replace(tmp, out)
    return out


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Server:
    base_dir: Path
    port: int
    password: str
    process: subprocess.Popen

    def url(self, database: str = "partyqa") -> str:
        return f"oceanbase://root:{quote(self.password, safe='')}@127.0.0.1:{self.port}/{database}"

    def stop(self, timeout: float = 60) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _secure_root(port: int, password: str) -> None:
    """Connect as root; on a fresh data folder root has no password yet, so set it."""
    import pymysql

    try:
        pymysql.connect(host="127.0.0.1", port=port, user="root", password=password, connect_timeout=5).close()
        return
    except pymysql.err.OperationalError as exc:
        if exc.args[0] != 1045:
            raise
    try:
        conn = pymysql.connect(host="127.0.0.1", port=port, user="root", password="", connect_timeout=5)
    except pymysql.err.OperationalError:
        raise ServerError("seekdb 已有 root 密码，且与所给密码不符。") from None
    with conn.cursor() as cur:
        cur.execute("ALTER USER root IDENTIFIED BY %s", (password,))
    conn.close()


def start_server(base_dir: str | Path, port: int = 2881, password: str = "",
                 timeout: float = 120, cache: Path | None = None) -> Server:
    """Start seekdb on 127.0.0.1:``port`` with its data in ``base_dir`` and
    wait until root can log in with ``password`` (``PARTYQA_SEEKDB_PASSWORD``
    from the CLI); the bind shim is kept in ``cache``."""
    if not password:
        raise ServerError(f"请设置 root 密码：环境变量 {PASSWORD_ENV}。")
    if _port_open(port):
        raise ServerError(f"端口 {port} 已被占用。")
    base = Path(base_dir).resolve()
    base.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "LD_PRELOAD": str(loopback_shim(cache))}
    cmd = [str(binary()), "--nodaemon", "--base-dir", str(base), "--port", str(port)]
    for p in SERVER_PARAMETERS:
        cmd += ["--parameter", p]
    out = open(base / "partyqa-server.out", "ab")
    proc = subprocess.Popen(cmd, cwd=base, env=env, stdout=out, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    out.close()
    server = Server(base, port, password, proc)
    deadline = time.monotonic() + timeout
    while not _port_open(port):
        if proc.poll() is not None:
            raise ServerError(f"seekdb 启动失败（退出码 {proc.returncode}），详见 {base / 'log' / 'seekdb.log'}")
        if time.monotonic() > deadline:
            server.stop()
            raise ServerError(f"seekdb 在 {timeout:.0f} 秒内没有启动，详见 {base / 'log' / 'seekdb.log'}")
        time.sleep(0.2)
    while True:
        try:
            _secure_root(port, password)
            break
        except ServerError:
            server.stop()
            raise
        except Exception:  # the port opens a moment before logins are accepted
            if time.monotonic() > deadline:
                server.stop()
                raise ServerError("seekdb 已启动但无法登录。") from None
            time.sleep(0.5)
    log.info("seekdb listening on 127.0.0.1:%d (data in %s)", port, base)
    return server
