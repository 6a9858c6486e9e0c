"""The package's shape: imports run one way (no cycle among the project's
modules, function-level imports included), and the runtime library never
imports the benchmark."""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("indexer", "bench", "views")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The project modules ``path`` imports anywhere in its body (top level or
    inside functions), resolved to module names; ``from pkg import name``
    counts as importing ``pkg.name`` when that is a module."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{a.name}" for a in node.names] + [base]
        else:
            continue
        for t in targets:
            while t and t not in modules:
                t = t.rpartition(".")[0]
            if t and t != name:
                found.add(t)
    return found


@lru_cache(maxsize=1)
def import_graph() -> dict[str, set[str]]:
    files = [p for pkg in PACKAGES for p in (REPO / pkg).rglob("*.py")]
    modules = {module_name(p) for p in files}
    return {module_name(p): imports_of(p, modules) for p in files}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path (first module repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph.get(m, ())):
            if state.get(n) == 1:
                return stack[stack.index(n):] + [n]
            if n not in state and (cycle := visit(n)):
                return cycle
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (cycle := visit(m)):
            return cycle
    return None


def test_graph_sees_the_known_edges():
    """The graph builder itself: relative, absolute and function-level
    imports are all edges (so the cycle test below can fail)."""
    g = import_graph()
    assert "indexer.store.base" in g["indexer.store.embedded"]  # from .base import …
    assert "indexer.errors" in g["indexer.store.embedded"]  # from ..errors import …
    assert "indexer.building" in g["bench.browser"]  # from indexer.building import …
    assert "indexer.store" in g["indexer.building"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


@pytest.mark.parametrize("module", sorted(m for m in import_graph() if m.startswith("indexer")))
def test_runtime_library_does_not_import_bench_or_views(module):
    bad = {m for m in import_graph()[module] if m.split(".")[0] in ("bench", "views")}
    assert not bad, f"{module} imports {sorted(bad)}"


def test_public_api_names_what_it_exports():
    import indexer

    for name in indexer.__all__:
        obj = getattr(indexer, name)
        assert obj.__name__ == name and obj.__module__.startswith("indexer."), name
    from indexer import Answerer, Searcher, Settings, build_index, open_store  # noqa: F401 - the README's example


def test_readme_module_table_matches_the_package():
    """The README's table of modules lists every module of the library, and
    only modules that exist."""
    import re

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `(indexer/[\w/]+\.py)`", readme, flags=re.M))
    actual = {p.relative_to(REPO).as_posix() for p in (REPO / "indexer").rglob("*.py")
              if p.name not in ("__init__.py", "__main__.py") or p.parent.name == "store"}
    assert listed == actual, f"missing from README: {sorted(actual - listed)}; not in the package: {sorted(listed - actual)}"


# Library modules without a mirror test module, each with why. Everything
# else under indexer/ has tests/test_<name>.py (test_store_<name>.py for
# indexer/store, test_answers_<name>.py for indexer/answers).
EXEMPT = {
    "indexer/errors.py": "no behaviour of its own: exception classes, their messages checked where raised",
}


def mirror_of(path: Path) -> str:
    rel = path.relative_to(REPO / "indexer")
    prefix = "".join(f"{part}_" for part in rel.parts[:-1])
    return f"test_{prefix}{rel.stem}.py"


def library_modules() -> list[Path]:
    return sorted(p for p in (REPO / "indexer").rglob("*.py") if p.name not in ("__init__.py", "__main__.py"))


def test_every_library_module_has_a_mirror_test_module_or_a_reason():
    """Tests mirror the package: tests/test_<name>.py for each module of
    indexer/ (test_store_<name>.py, test_answers_<name>.py in the
    subpackages), or an entry in EXEMPT saying where it is tested instead.
    An exempt module that gains a mirror, or no longer exists, leaves EXEMPT."""
    tests = REPO / "tests"
    missing, stale = [], []
    for path in library_modules():
        rel = path.relative_to(REPO).as_posix()
        has = (tests / mirror_of(path)).exists()
        if not has and rel not in EXEMPT:
            missing.append(f"{rel} (expected tests/{mirror_of(path)})")
        if has and rel in EXEMPT:
            stale.append(rel)
    gone = [rel for rel in EXEMPT if not (REPO / rel).exists()]
    assert not missing, "library modules without a mirror test module: " + ", ".join(missing)
    assert not stale and not gone, f"EXEMPT entries to remove: {stale + gone}"
    assert mirror_of(REPO / "indexer" / "store" / "base.py") == "test_store_base.py"
    assert mirror_of(REPO / "indexer" / "answers" / "date.py") == "test_answers_date.py"


def test_test_modules_share_helpers_through_fixtures_or_helper_modules():
    """No test module imports another test module or conftest: shared set-up is
    a fixture (conftest.py) or a helper module (office_users.py, browser_pages.py)."""
    pattern = re.compile(r"^\s*(?:from|import)\s+(?:test_\w+|conftest)\b", re.M)
    offenders = [p.name for p in (REPO / "tests").glob("*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
