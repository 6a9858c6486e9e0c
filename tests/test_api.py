"""The HTTP API over real HTTP against ``python -m indexer serve`` (uvicorn):
anonymous requests get 401, a reader of one knowledge base cannot search,
ask or list the other's documents, answers carry citations, feedback and
history work, and concurrent users lose nothing in the audit log."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.office import api_server, call, concurrent_asks
from office_users import PASSWORDS, SECRET_Q, staff

REPO = Path(__file__).resolve().parent.parent

SMALL = ("市科协年度工作报告\n一、加强政治建设\n一是坚持党的全面领导。全年召开党组会议29次，研究重大事项92项。\n"
         "二、推进全域科普\n一是办好科普活动。带动全市3981个单位开展18153项全域科普活动。\n")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from indexer.office import Office

    root = tmp_path_factory.mktemp("site")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(SMALL, encoding="utf-8")
    office = staff(Office(root / "data", corpus, str(root / "index")), editor=False)
    with api_server(root / "data", corpus, str(root / "index"), log=root / "serve.log") as url:
        yield {"url": url, "office": office, "root": root}


def login(url: str, name: str) -> str:
    status, body = call(url, "/api/login", {"name": name, "password": PASSWORDS[name]})
    assert status == 200, body
    return body["token"]


@pytest.mark.slow  # the API server: a process that loads the model
def test_anonymous_requests_get_401_and_openapi_describes_ask(site):
    url = site["url"]
    for path, body in (("/api/kbs", None), ("/api/kbs/默认/ask", {"q": SECRET_Q}), ("/api/kbs/默认/search", {"q": "科普"}),
                       ("/api/kbs/默认/documents", None), ("/api/history", None)):
        status, reply = call(url, path, body)
        assert status == 401 and "需要登录" in reply["detail"], path
    assert call(url, "/api/kbs", token="not-a-token")[0] == 401
    assert call(url, "/api/login", {"name": "li", "password": "wrong-password"})[0] == 401
    assert call(url, "/api/health") == (200, {"status": "ok"})
    status, spec = call(url, "/openapi.json")
    assert status == 200 and any("ask" in p for p in spec["paths"])
    assert "bearer" in str(spec["components"]["securitySchemes"]).lower()


@pytest.mark.slow  # the API server: a process that loads the model
def test_reader_of_one_knowledge_base_sees_nothing_of_the_other(site):
    url = site["url"]
    li, zhao = login(url, "li"), login(url, "zhao")
    status, body = call(url, "/api/kbs/纪检/ask", {"q": SECRET_Q}, zhao)
    assert status == 200 and body["found"] and body["answers"][0]["text"] == "137件"
    assert body["answers"][0]["citation"].startswith("据《市纪委监委2023年工作报告》")
    for path, req in (("/api/kbs/纪检/ask", {"q": SECRET_Q}), ("/api/kbs/纪检/search", {"q": SECRET_Q}),
                      ("/api/kbs/纪检/documents", None)):
        status, reply = call(url, path, req, li)
        assert status == 403 and "没有权限" in reply["detail"], path
    status, body = call(url, "/api/kbs/默认/ask", {"q": SECRET_Q, "k": 10}, li)
    assert status == 200 and "137件" not in str(body) and "jijian" not in str(body)
    status, body = call(url, "/api/kbs/默认/search", {"q": "立案审查调查 违纪违法案件", "k": 20}, li)
    assert status == 200 and all(h["doc"] == "a.txt" for h in body["hits"])
    assert call(url, "/api/kbs", token=li)[1] == {"kbs": [{"name": "默认", "level": "read"}]}
    assert [d["doc"] for d in call(url, "/api/kbs/默认/documents", token=li)[1]["documents"]] == ["a.txt"]
    assert call(url, "/api/kbs/默认/ask", {"q": "   "}, li)[0] == 400
    assert call(url, "/api/kbs/默认/ask", {"q": "科普", "k": 0}, li)[0] == 422


@pytest.mark.slow  # the API server: a process that loads the model
def test_history_feedback_and_logout(site):
    url = site["url"]
    token = login(url, "zhao")
    status, body = call(url, "/api/kbs/纪检/ask", {"q": "给予党纪政务处分多少人"}, token)
    qid = body["id"]
    assert call(url, "/api/feedback", {"id": qid, "verdict": "useful", "comment": "准确"}, token) == (200, {"ok": True})
    assert call(url, "/api/feedback", {"id": qid, "verdict": "maybe"}, token)[0] == 422
    history = call(url, "/api/history", token=token)[1]["history"]
    assert history[0]["q"] == "给予党纪政务处分多少人" and history[0]["verdict"] == "useful"
    assert call(url, "/api/feedback", {"id": qid, "verdict": "wrong"}, login(url, "li"))[0] == 400  # not li's question
    assert call(url, "/api/logout", {}, token)[0] == 200
    assert call(url, "/api/history", token=token)[0] == 401
    actions = {(e.user, e.action) for e in site["office"].audit.entries()}
    assert {("zhao", "login"), ("zhao", "ask"), ("zhao", "feedback"), ("zhao", "logout"), ("li", "refused"),
            ("li", "login.failed")} <= actions
    assert site["office"].audit.verify().ok


@pytest.mark.slow  # six user processes, each loading the model
def test_concurrent_users_lose_nothing_in_the_audit_log(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(SMALL, encoding="utf-8")
    result = concurrent_asks(tmp_path / "data", corpus, str(tmp_path / "index"), users=6,
                             questions=["全市开展了多少项科普活动？", "召开党组会议几次"])
    assert result["asks"] == 12 and result["errors"] == 0
    assert result["audit_asks"] == 12 and result["audit_chain_ok"]


def test_serve_refuses_a_public_address_without_an_admin(tmp_path):
    env = {**os.environ, "PARTYQA_DATA": str(tmp_path / "data")}
    r = subprocess.run([sys.executable, "-m", "indexer", "serve", "--host", "0.0.0.0", "--port", "1"], cwd=REPO,
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "拒绝在 0.0.0.0 上监听" in r.stderr
