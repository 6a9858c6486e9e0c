"""The office the office, API and app-account tests share (a module of
helpers, not of tests): the 纪检 knowledge base's secret report, the staff's
passwords, and :func:`staff`, which sets them up in an office."""

from __future__ import annotations

SECRET = ("市纪委监委2023年工作报告\n一、监督执纪\n一是严肃查处违纪违法案件。全年立案审查调查违纪违法案件137件，"
          "给予党纪政务处分142人。\n")
SECRET_Q = "立案审查调查违纪违法案件多少件"
UPLOADED = "市纪委监委巡察工作报告\n一、巡察全覆盖\n一是完成巡察任务。全年对23个党组织开展常规巡察，发现问题316个。\n"
PASSWORDS = {"admin": "admin-pass-0001", "li": "li-pass-00001", "wang": "wang-pass-0001", "zhao": "zhao-pass-0001"}


def make_office(small_corpus, data, embedder=None):
    from indexer.office import Office

    office = Office(data, small_corpus, str(data.parent / "index"))
    if embedder is not None:
        office._embedders[embedder.name] = embedder  # the session's model; the office would load the same one
    return office


def staff(office, editor: bool = True):
    """The office the tests share: an admin; li reads 默认; zhao reads 纪检, a
    knowledge base holding SECRET; with ``editor``, wang edits 纪检."""
    users = (("admin", "admin"), ("li", "reader"), *((("wang", "editor"),) if editor else ()), ("zhao", "reader"))
    for name, role in users:
        office.accounts.add(name, role, PASSWORDS[name])
    kb = office.kbs.add("纪检")
    (kb.corpus / "jijian.txt").write_text(SECRET, encoding="utf-8")
    office.kbs.grant("li", "默认", "read")
    if editor:
        office.kbs.grant("wang", "纪检", "edit")
    office.kbs.grant("zhao", "纪检", "read")
    return office
