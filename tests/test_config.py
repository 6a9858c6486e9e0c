"""Settings: every PARTYQA_* variable read in one place, bad values refused
in Chinese (exit status 2 from the CLI), and no import that changes the
environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.config import MAX_FILE_BYTES, MAX_UPLOAD_BYTES, Settings, keep_versions
from indexer.errors import PartyQAError, SettingsError

REPO = Path(__file__).resolve().parent.parent


def test_defaults_without_any_variable(tmp_path):
    s = Settings.from_env({"HOME": str(tmp_path)})
    assert (s.corpus, s.data, s.store, s.index, s.model) == (Path("corpus"), Path("data"), None, "index", None)
    assert s.auto_build and s.keep_versions == 2 and s.query_threads == 1 and s.precision is None
    assert s.audit_days == 180
    assert s.resolve_store() == "index" and s.app_store == "index"
    assert s.log == s.cache / "partyqa.log"
    assert MAX_UPLOAD_BYTES == MAX_FILE_BYTES  # one cap for reading and uploading


def test_every_variable_is_read():
    env = {"PARTYQA_CORPUS": "/c", "PARTYQA_DATA": "/d", "PARTYQA_INDEX": "/i", "PARTYQA_MODEL": "m",
           "PARTYQA_PRECISION": "int8", "PARTYQA_CACHE": "/cache", "PARTYQA_LOG": "/l.log",
           "PARTYQA_KEEP_VERSIONS": "3", "PARTYQA_QUERY_THREADS": "2", "PARTYQA_SEEKDB_PASSWORD": "pw",
           "PARTYQA_AUTO_BUILD": "0", "PARTYQA_AUDIT_DAYS": "0"}
    s = Settings.from_env(env)
    assert (s.corpus, s.data, s.index, s.model, s.precision) == (Path("/c"), Path("/d"), "/i", "m", "int8")
    assert (s.cache, s.log, s.keep_versions, s.query_threads) == (Path("/cache"), Path("/l.log"), 3, 2)
    assert s.seekdb_password == "pw" and "pw" not in repr(s)  # never in logs
    assert not s.auto_build and s.app_store == "/i"
    assert s.audit_days == 0  # keep the audit log for ever


def test_store_precedence_and_shared_index_is_read_only_by_default():
    s = Settings.from_env({"PARTYQA_STORE": "oceanbase://root@h:2881/db", "PARTYQA_INDEX": "/i"})
    assert s.app_store == "oceanbase://root@h:2881/db"  # the app: STORE before INDEX
    assert s.resolve_store() == "oceanbase://root@h:2881/db"
    assert s.resolve_store("/explicit") == "/explicit"  # a CLI option wins
    assert not s.auto_build  # a shared database is not this machine's to sync
    assert Settings.from_env({"PARTYQA_STORE": "oceanbase://x", "PARTYQA_AUTO_BUILD": "1"}).auto_build


@pytest.mark.parametrize("name, value", [("PARTYQA_KEEP_VERSIONS", "0"), ("PARTYQA_QUERY_THREADS", "两"),
                                         ("PARTYQA_PRECISION", "fp64"), ("PARTYQA_AUDIT_DAYS", "-1")])
def test_bad_values_are_refused_in_chinese(name, value):
    with pytest.raises(SettingsError, match=name) as err:
        Settings.from_env({name: value})
    assert isinstance(err.value, PartyQAError) and "当前为" in str(err.value)


def test_keep_versions_follows_the_environment(monkeypatch):
    monkeypatch.setenv("PARTYQA_KEEP_VERSIONS", "5")
    assert keep_versions() == 5


def test_cli_refuses_a_bad_setting_with_status_2(small_corpus):
    env = {**os.environ, "PARTYQA_QUERY_THREADS": "many"}
    r = subprocess.run([sys.executable, "-m", "indexer", "chunks", "--corpus", str(small_corpus)], cwd=REPO,
                       env=env, capture_output=True, text=True)
    assert r.returncode == 2 and "PARTYQA_QUERY_THREADS" in r.stderr and "Traceback" not in r.stderr


def test_importing_the_library_leaves_the_environment_alone():
    """Every module of indexer imported in a fresh process: the environment
    is exactly as before (the offline switches are set when a model loads)."""
    code = ("import json, os, pkgutil, importlib, indexer; before = dict(os.environ)\n"
            "names = [m.name for m in pkgutil.walk_packages(indexer.__path__, 'indexer.') if m.name != 'indexer.__main__']\n"
            "[importlib.import_module(n) for n in names]\n"
            "print(json.dumps({'same': dict(os.environ) == before, 'modules': len(names)}))")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["same"] and out["modules"] > 25
