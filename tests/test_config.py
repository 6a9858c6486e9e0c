"""Settings: every PARTYQA_* variable read in one place, bad values refused
in Chinese (exit status 2 from the CLI), passed down to the library (which
reads no variable itself), and no import that changes the environment."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from indexer import cli
from indexer.config import MAX_FILE_BYTES, MAX_UPLOAD_BYTES, Settings
from indexer.errors import PartyQAError, SettingsError

REPO = Path(__file__).resolve().parent.parent


def test_defaults_without_any_variable(tmp_path):
    s = Settings.from_env({"HOME": str(tmp_path)})
    assert (s.corpus, s.data, s.store, s.index, s.model) == (Path("corpus"), Path("data"), None, "index", None)
    assert s.auto_build and s.keep_versions == 2 and s.query_threads == 1 and s.precision is None
    assert s.resolve_store() == "index" and s.app_store == "index"
    assert s.log == s.cache / "partyqa.log" and s.derived == s.cache / "derived"
    assert (s.session_minutes, s.audit_days, s.convert_timeout) == (30, 180, 60)
    assert s == Settings(cache=s.cache, log=s.log)  # from_env with nothing set: the plain defaults
    assert MAX_UPLOAD_BYTES == MAX_FILE_BYTES  # one cap for reading and uploading


def test_every_variable_is_read():
    env = {"PARTYQA_CORPUS": "/c", "PARTYQA_DATA": "/d", "PARTYQA_INDEX": "/i", "PARTYQA_MODEL": "m",
           "PARTYQA_PRECISION": "int8", "PARTYQA_CACHE": "/cache", "PARTYQA_LOG": "/l.log",
           "PARTYQA_KEEP_VERSIONS": "3", "PARTYQA_QUERY_THREADS": "2", "PARTYQA_SEEKDB_PASSWORD": "pw",
           "PARTYQA_AUTO_BUILD": "0", "PARTYQA_SESSION_MINUTES": "0.5", "PARTYQA_AUDIT_DAYS": "0",
           "PARTYQA_CONVERT_TIMEOUT": "120", "PARTYQA_DERIVED_CACHE": "/derived", "PARTYQA_STORE": "/s",
           "PARTYQA_DEVICE": "cuda:1"}
    s = Settings.from_env(env)
    assert (s.corpus, s.data, s.index, s.model, s.precision) == (Path("/c"), Path("/d"), "/i", "m", "int8")
    assert s.device == "cuda:1" and Settings.from_env({}).device == "auto"
    assert (s.cache, s.log, s.keep_versions, s.query_threads) == (Path("/cache"), Path("/l.log"), 3, 2)
    assert s.seekdb_password == "pw" and "pw" not in repr(s)  # never in logs
    assert not s.auto_build and s.app_store == "/s" and s.store == "/s"
    assert (s.session_minutes, s.audit_days, s.convert_timeout, s.derived) == (0.5, 0, 120, Path("/derived"))
    assert set(env) <= {n for n in _documented()}  # each one in config.py's table


def _documented() -> set[str]:
    import re

    from indexer import config

    return set(re.findall(r"``(PARTYQA_[A-Z_]+)``", config.__doc__))


def test_every_variable_the_code_names_is_a_setting():
    """The library and the app name no PARTYQA_* variable that Settings
    does not read (a new one must go through config.py)."""
    import re

    names = set()
    for path in [*(REPO / "indexer").rglob("*.py"), *(REPO / "views").glob("*.py"), REPO / "app.py"]:
        names |= set(re.findall(r"PARTYQA_[A-Z_]*[A-Z]", path.read_text(encoding="utf-8")))
    assert names - {"PARTYQA_"} <= _documented()


def test_store_precedence_and_shared_index_is_read_only_by_default():
    s = Settings.from_env({"PARTYQA_STORE": "oceanbase://root@h:2881/db", "PARTYQA_INDEX": "/i"})
    assert s.app_store == "oceanbase://root@h:2881/db"  # the app: STORE before INDEX
    assert s.resolve_store() == "oceanbase://root@h:2881/db"
    assert s.resolve_store("/explicit") == "/explicit"  # a CLI option wins
    assert not s.auto_build  # a shared database is not this machine's to sync
    assert Settings.from_env({"PARTYQA_STORE": "oceanbase://x", "PARTYQA_AUTO_BUILD": "1"}).auto_build


BAD = [("PARTYQA_KEEP_VERSIONS", "0"), ("PARTYQA_QUERY_THREADS", "两"), ("PARTYQA_PRECISION", "fp64"),
       ("PARTYQA_SESSION_MINUTES", "0"), ("PARTYQA_SESSION_MINUTES", "半小时"), ("PARTYQA_AUDIT_DAYS", "-1"),
       ("PARTYQA_AUDIT_DAYS", "180天"), ("PARTYQA_CONVERT_TIMEOUT", "0"), ("PARTYQA_CONVERT_TIMEOUT", "nan"),
       ("PARTYQA_AUTO_BUILD", "yes")]


@pytest.mark.parametrize("name, value", BAD)
def test_bad_values_are_refused_in_chinese(name, value):
    with pytest.raises(SettingsError, match=name) as err:
        Settings.from_env({name: value})
    assert isinstance(err.value, PartyQAError) and "当前为" in str(err.value)
    assert not str(err.value).isascii()  # a sentence for users, in Chinese


@pytest.mark.parametrize("name, value", BAD)
def test_cli_exits_2_on_each_bad_value(name, value, small_corpus, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PARTYQA_LOG", str(tmp_path / "log"))
    monkeypatch.setenv(name, value)
    assert cli.main(["chunks", "--corpus", str(small_corpus)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：环境变量 " + name) and "Traceback" not in err


def test_the_plain_defaults_read_no_variable(monkeypatch, tmp_path):
    """Settings() is the defaults: what a library caller gets without
    passing settings, whatever the environment says."""
    for name in _documented():
        monkeypatch.setenv(name, "0")
    monkeypatch.setenv("PARTYQA_CACHE", str(tmp_path / "elsewhere"))
    s = Settings()
    assert s.cache != tmp_path / "elsewhere" and s.keep_versions == 2 and s.auto_build_set is None
    assert (s.session_minutes, s.audit_days, s.convert_timeout, s.derived_cache) == (30, 180, 60, None)


def test_settings_reach_the_library(tmp_path):
    """Each setting arrives where it acts, passed down, not read there."""
    from indexer.office import Office
    from indexer.store import open_store

    s = Settings(data=tmp_path / "data", corpus=tmp_path / "corpus", keep_versions=4, session_minutes=5,
                 auto_build_set=None)
    office = Office.from_settings(s)
    assert office.accounts.session_minutes == 5 and office.settings is s
    assert open_store(tmp_path / "index", s).files.keep_versions == 4
    assert open_store("oceanbase://u:p@h:1/db", s).keep_versions == 4  # no connection until used
    assert s.auto_build_for(str(tmp_path / "index")) and not s.auto_build_for("oceanbase://u:p@h:1/db")
    assert Settings(auto_build_set=True).auto_build_for("oceanbase://h/db")
    assert not Settings(auto_build_set=False).auto_build_for("index")


ENTRY_POINTS = {"cli.py"}  # the app (views/common.py) and the benchmark read settings outside indexer/


def test_the_library_reads_no_variable_itself():
    """Only config.py reads PARTYQA_* variables and only the entry points
    call Settings.from_env; everything else is given its settings."""
    for path in sorted((REPO / "indexer").rglob("*.py")):
        rel = path.relative_to(REPO / "indexer").as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "from_env":
                assert rel in ENTRY_POINTS, f"{rel}:{node.lineno} reads the environment"
            if rel != "config.py" and isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and node.value.startswith("PARTYQA_") and not node.value.endswith(("_", " ")):
                pytest.fail(f"{rel}:{node.lineno} names {node.value} outside config.py")


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


@pytest.mark.parametrize("device", ["gpu", "cuda:", "CPU", "cuda:x"])
def test_a_device_that_is_no_device_is_refused(device):
    with pytest.raises(SettingsError, match="PARTYQA_DEVICE"):
        Settings.from_env({"PARTYQA_DEVICE": device})
