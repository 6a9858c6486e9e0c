"""Knowledge bases and grants in a real SQLite file: names, folders and
order; what each role may do with each grant; an unknown knowledge base
refused in the same words as a forbidden one. (That a refused user gets
nothing of another knowledge base through the office: test_office.py.)"""

from __future__ import annotations

import pytest

from indexer.accounts import AccountError, User
from indexer.knowledge import DEFAULT_KB, Forbidden, KnowledgeBase, KnowledgeBases

ADMIN, EDITOR, READER = User("admin", "admin"), User("wang", "editor"), User("li", "reader")


@pytest.fixture
def kbs(tmp_path):
    data = tmp_path / "data"
    return KnowledgeBases(data / "office.sqlite", data, KnowledgeBase.default(tmp_path / "corpus", "index", data))


def test_a_knowledge_base_gets_its_own_folders_and_keeps_its_place(kbs, tmp_path):
    data = tmp_path / "data"
    assert [kb.name for kb in kbs.all()] == [DEFAULT_KB] and kbs.default.recycle == data / "recycle"
    jijian = kbs.add("纪检")
    assert jijian == KnowledgeBase("纪检", data / "kb" / "纪检" / "corpus", str(data / "kb" / "纪检" / "index"),
                                   data / "kb" / "纪检" / "recycle")
    assert jijian.corpus.is_dir()
    shared = kbs.add("science-2", corpus=tmp_path / "elsewhere", store="oceanbase://root@127.0.0.1:2881/kp")
    assert (shared.corpus, shared.store) == (tmp_path / "elsewhere", "oceanbase://root@127.0.0.1:2881/kp")
    assert shared.corpus.is_dir() and shared.recycle == data / "kb" / "science-2" / "recycle"
    # Another process opening the same file sees them, the default first, then in the order added.
    again = KnowledgeBases(data / "office.sqlite", data, kbs.default)
    assert [kb.name for kb in again.all()] == [DEFAULT_KB, "纪检", "science-2"]
    assert again.get("纪检") == jijian and again.get("人事") is None
    for name in (DEFAULT_KB, "纪检"):
        with pytest.raises(AccountError, match="已存在"):
            again.add(name)
    for name in ("", "..", "a/b", "有 空格", "x" * 33, "a.b"):
        with pytest.raises(AccountError, match="知识库名称只能"):
            again.add(name)
    assert not (data / "corpus").exists()  # "..": data/kb/../corpus


def test_what_each_role_may_do_with_each_grant(kbs):
    kbs.add("纪检")
    kbs.grant("li", "纪检", "edit")  # a reader's edit grant only reads
    kbs.grant("wang", "纪检", "edit")
    kbs.grant("wang", DEFAULT_KB, "read")
    assert kbs.grants("wang") == {"纪检": "edit", DEFAULT_KB: "read"}
    assert [kbs.level(u, "纪检") for u in (ADMIN, EDITOR, READER)] == ["edit", "edit", "read"]
    assert [kbs.level(u, DEFAULT_KB) for u in (ADMIN, EDITOR, READER)] == ["edit", "read", None]
    assert [kb.name for kb in kbs.readable(EDITOR)] == [DEFAULT_KB, "纪检"]
    assert [kb.name for kb in kbs.editable(EDITOR)] == ["纪检"] and kbs.editable(READER) == []
    assert [kb.name for kb in kbs.editable(ADMIN)] == [DEFAULT_KB, "纪检"]  # no grant needed
    kbs.grant("wang", "纪检", "read")  # a new grant replaces the old one
    assert kbs.level(EDITOR, "纪检") == "read"
    kbs.revoke("wang", "纪检")
    assert kbs.level(EDITOR, "纪检") is None and kbs.grants("wang") == {DEFAULT_KB: "read"}
    with pytest.raises(AccountError, match="权限应为"):
        kbs.grant("li", "纪检", "write")
    with pytest.raises(AccountError, match="没有知识库“人事”"):
        kbs.grant("li", "人事", "read")
    assert kbs.grants("li") == {"纪检": "edit"}


def test_require_refuses_unknown_and_forbidden_alike(kbs):
    jijian = kbs.add("纪检")
    kbs.grant("li", "纪检", "read")
    assert kbs.require(READER, "纪检") == jijian
    with pytest.raises(Forbidden, match="没有权限修改知识库“纪检”"):
        kbs.require(READER, "纪检", "edit")
    refusals = []
    for user, name in ((READER, DEFAULT_KB), (READER, "人事"), (ADMIN, "人事")):
        with pytest.raises(Forbidden) as err:
            kbs.require(user, name)
        refusals.append(str(err.value).replace(name, "…"))
    assert refusals == ["没有权限查看知识库“…”（或该知识库不存在）。"] * 3
    assert kbs.require(ADMIN, "纪检", "edit") == jijian
