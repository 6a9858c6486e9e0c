"""The local seekdb server: the bind() shim, compiled with the system cc and
preloaded into a real process, turns wildcard binds into loopback ones;
start_server refuses to run without a password or on a taken port; a
server that ignores SIGTERM is killed; and the real server (the seekdb_url
fixture) listens on loopback only and wants its password."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.errors import ServerError, StoreUnavailable
from indexer.store.oceanbase import OceanBaseStore
from indexer.store.seekdb import SHIM_SOURCE, Server, binary, loopback_shim, start_server

BIND = """
import socket, sys
for family, host in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET, "127.0.0.2"), (socket.AF_INET6, "::")):
    s = socket.socket(family)
    try:
        s.bind((host, 0))
    except OSError:  # no IPv6 here
        print(host, "-")
        continue
    print(host, s.getsockname()[0])
"""


def bound(preload: Path | None) -> dict[str, str]:
    """Where a real process's binds land, with or without the shim preloaded."""
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    if preload:
        env["LD_PRELOAD"] = str(preload)
    out = subprocess.run([sys.executable, "-I", "-c", BIND], env=env, capture_output=True, text=True, check=True)
    return dict(line.split() for line in out.stdout.splitlines())


def test_the_shim_turns_wildcard_binds_into_loopback_ones(tmp_path):
    shim = loopback_shim(cache=tmp_path)
    assert shim.parent == tmp_path and shim.suffix == ".so"
    plain, shimmed = bound(None), bound(shim)
    assert plain["0.0.0.0"] == "0.0.0.0"  # without it, every interface
    assert shimmed["0.0.0.0"] == "127.0.0.1" and shimmed["127.0.0.2"] == "127.0.0.2"  # a named address stays
    assert shimmed["::"] in ("::1", "-") and plain["::"] in ("::", "-")
    # Built once per version of its source: the next start reuses the file.
    built = shim.stat().st_mtime_ns
    assert loopback_shim(cache=tmp_path) == shim and shim.stat().st_mtime_ns == built
    assert SHIM_SOURCE.is_file() and os.access(binary(), os.X_OK)


def test_no_start_without_a_password_or_on_a_taken_port(tmp_path):
    with pytest.raises(ServerError, match="请设置 root 密码"):
        start_server(tmp_path / "seekdb", port=2881, password="", cache=tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ServerError, match=f"端口 {port} 已被占用"):
            start_server(tmp_path / "seekdb", port=port, password="Pq-secret-01", cache=tmp_path)
    assert not (tmp_path / "seekdb").exists()  # refused before anything was made


def test_the_url_quotes_the_password_and_stop_kills_what_ignores_sigterm(tmp_path):
    stubborn = subprocess.Popen([sys.executable, "-I", "-c", "import signal, sys, time\n"
                                 "signal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('ready', flush=True)\ntime.sleep(60)"],
                                stdout=subprocess.PIPE, text=True)
    assert stubborn.stdout.readline() == "ready\n"
    server = Server(tmp_path, 2881, "p@ss:/word 1", stubborn)
    assert server.url("kb_1") == "oceanbase://root:p%40ss%3A%2Fword%201@127.0.0.1:2881/kb_1"
    server.stop(timeout=0.2)
    assert stubborn.returncode == -9
    server.stop()  # already gone: nothing to do
    stubborn.stdout.close()


def test_server_listens_on_loopback_only_and_needs_the_password(seekdb_url):
    port = seekdb_url["port"]
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, hexport = local.rsplit(":", 1)
            if state == "0A" and int(hexport, 16) == port:
                listening.append(addr)
    assert listening and all(a in ("0100007F", "00000000000000000000000001000000") for a in listening), listening

    wrong = seekdb_url["url"]("reports").replace(seekdb_url["password"], "not-the-password")
    with pytest.raises(StoreUnavailable, match="用户名或密码错误") as err:
        OceanBaseStore(wrong).current()
    assert "not-the-password" not in str(err.value)
