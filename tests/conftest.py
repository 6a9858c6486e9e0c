"""Shared fixtures: the real built-in model and a real index of the five
reports, built once per session; small corpora where the model is not the point;
LibreOffice required and a fresh conversion cache for the format tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
GOV = REPO.parent / "shared" / "corpora" / "gov"


@pytest.fixture(scope="session")
def embedder():
    from indexer.embedding import Embedder

    return Embedder()


@pytest.fixture(scope="session")
def reports_index(tmp_path_factory, embedder):
    """An index over the five bundled reports, built with the shipped pipeline."""
    from indexer.building import build_index

    corpus = tmp_path_factory.mktemp("corpus")
    for p in CORPUS.iterdir():
        shutil.copy(p, corpus / p.name)
    index = tmp_path_factory.mktemp("index")
    build_index(corpus, index, embedder=embedder)
    return corpus, index


@pytest.fixture(scope="session")
def searcher(reports_index, embedder):
    from indexer.retrieval import Searcher

    return Searcher.open(reports_index[1], embedder=embedder)


@pytest.fixture(scope="session")
def answerer(searcher):
    from indexer.answering import Answerer

    return Answerer(searcher)


def _answer_goldens(kind: str) -> list[dict]:
    import json

    return json.loads((REPO / "tests" / "data" / "answers" / f"{kind}.json").read_text(encoding="utf-8"))


def pytest_generate_tests(metafunc):
    """A test taking ``golden`` runs once per entry of its module's golden
    file (``GOLDEN = "quantity"`` reads tests/data/answers/quantity.json)."""
    if "golden" in metafunc.fixturenames:
        items = _answer_goldens(metafunc.module.GOLDEN)
        metafunc.parametrize("golden", items, ids=[i["q"] for i in items])


@pytest.fixture(scope="session")
def check_answer(answerer):
    """Checks one golden entry, written by the code before the answer kinds
    became plug-ins: the question asked in full (kind, answers, where they
    stand), and the kind alone on the passage its first answer came from."""
    from indexer.answers import answer_kind
    from indexer.retrieval import Hit

    chunks = {(c.doc, c.start): c for c in answerer.searcher.snapshot.all_chunks()}

    def check(item: dict) -> None:
        q = item["q"]
        kind = answer_kind(q)
        assert kind.name == item["detected"]
        r = answerer.ask(q)
        assert (r.kind, r.found) == (item["kind"], item["found"])
        got = [{"text": a.text, "doc": r.hits[a.hit].chunk.doc, "start": a.start, "end": a.end, "masked": a.masked,
                "sentence": a.sentence} for a in r.answers]
        assert got == item["answers"]
        if "passage" in item:
            p = item["passage"]
            chunk = chunks[(p["doc"], p["start"])]
            assert chunk.text == p["text"]  # the bundled report as it was
            one = kind.answer(answerer, q, [Hit(chunk, 0.0)], answerer.searcher.resolve(q))
            assert ([one[0].text, one[0].start] if one else [None, None]) == [p["answer"], p["answer_start"]]

    return check


@pytest.fixture(scope="session")
def gov_report():
    """The text of a government work report of ../shared/corpora/gov, by file
    name (``gov_report("重庆市_2026政府工作报告.txt")``); the test skips where
    that folder is not beside the checkout, as test_scope.py does."""
    if not GOV.is_dir():
        pytest.skip("../shared/corpora/gov is not beside the checkout")
    return lambda name: (GOV / name).read_text(encoding="utf-8")


@pytest.fixture
def converter_installed():
    """Requested by the tests that need LibreOffice (the format tests, with
    ``pytest.mark.usefixtures``): without it they fail, they do not skip."""
    from indexer.converting import soffice

    if soffice() is None:
        pytest.fail("LibreOffice is not installed: run `make test`, which installs Debian's libreoffice-writer-nogui")


@pytest.fixture
def settings(tmp_path_factory):
    from indexer.config import Settings

    # Conversions and OCR are cached by content: a test must see them done, not remembered.
    return Settings(derived_cache=tmp_path_factory.mktemp("derived"))


@pytest.fixture
def small_corpus(tmp_path):
    """Two short reports: enough for index mechanics, fast to embed."""
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "a.txt").write_text(
        "市科协年度工作报告\n一、加强政治建设\n一是坚持党的全面领导。全年召开党组会议29次，研究重大事项92项。\n"
        "二、推进全域科普\n一是办好科普活动。带动全市3981个单位开展18153项全域科普活动。\n", encoding="utf-8")
    (root / "b.txt").write_text(
        "市科技局党组工作报告\n（一）强化理论学习\n一是深入学习党的二十大精神。开展谈心谈话*人次，专题研究意识形态工作4次。\n",
        encoding="utf-8")
    return root


@pytest.fixture
def office(small_corpus, tmp_path, embedder):
    """An office server over small_corpus (data in tmp_path/data) on the
    session's model, with the staff of office_users.py: an admin; li reads
    默认; zhao reads and wang edits 纪检, which holds the secret report."""
    from office_users import make_office, staff

    return staff(make_office(small_corpus, tmp_path / "data", embedder))


@pytest.fixture(scope="session")
def city_answerer(tmp_path_factory, embedder):
    """A made-up city's work report in the 公文 form (web-page dateline, figures
    with units in Latin letters), indexed with the shipped pipeline."""
    from indexer.answering import Answerer
    from indexer.building import build_index
    from indexer.retrieval import Searcher

    root = tmp_path_factory.mktemp("city")
    (root / "corpus").mkdir()
    (root / "corpus" / "江城市_2026政府工作报告.txt").write_text(
        "2026年江城市政府工作报告\n——2026年1月20日在江城市第十届人民代表大会第五次会议上\n"
        "一、2025年工作回顾\n数字经济提速。全市算力规模突破190Eflops，骨干网带宽达到400Gbps，建成5G基站3.2万个。\n"
        "生态环境持续改善，PM2.5平均浓度降至28.5微克每立方米，空气质量优良天数比率达到92.3%。\n"
        "五年来，开放通道拓展，口岸货运通关能力从3800万吨提升至8000万吨，中江铁路累计运输货物超7400万吨。\n"
        "文旅融合发展，旅居江城成为城市名片，全年接待游客6200万人次。\n"
        "民生保障加强，婴幼儿托位增至2.6万个。新上线重点事项办理平均减时间62%、减材料40%。\n"
        "科技工作者队伍壮大，3人当选两院院士，12人入选国家级人才计划。\n"
        "二、2026年主要任务\n推进城市更新，改造老旧小区120个。\n"
        "到2030年，森林覆盖率保持稳定，细颗粒物年平均浓度不高于23微克/立方米。\n", encoding="utf-8")
    build_index(root / "corpus", root / "index", embedder=embedder)
    return Answerer(Searcher.open(root / "index", embedder=embedder))


@pytest.fixture(scope="session")
def seekdb_url(tmp_path_factory):
    """A real seekdb server from the pylibseekdb wheel, started the way the
    README says (``python -m indexer seekdb``), on 127.0.0.1 with a password."""
    import secrets
    import signal
    import socket
    import subprocess
    import sys
    import time

    from indexer.config import PASSWORD_ENV

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    password = "Pq-" + secrets.token_urlsafe(12)
    base = tmp_path_factory.mktemp("seekdb")
    log = open(base / "cli.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "indexer", "seekdb", "--dir", str(base / "data"), "--port", str(port)],
                            cwd=REPO, env={**os.environ, PASSWORD_ENV: password}, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    while "已在" not in (base / "cli.log").read_text(encoding="utf-8"):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("seekdb did not start: " + (base / "cli.log").read_text(encoding="utf-8"))
        time.sleep(0.3)
    yield {"port": port, "password": password,
           "url": lambda db: f"oceanbase://root:{password}@127.0.0.1:{port}/{db}", "log": base / "cli.log"}
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(90)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(params=["embedded", "oceanbase"])
def store_spec(request, tmp_path):
    """A fresh, empty store of each kind: the same test runs against both."""
    if request.param == "embedded":
        return str(tmp_path / "index")
    server = request.getfixturevalue("seekdb_url")
    return server["url"](f"t_{request.node.name.split('[')[0][-20:]}_{os.urandom(3).hex()}")


@pytest.fixture(scope="session", params=["embedded", "oceanbase"])
def reports_store(request, reports_index, embedder):
    """The five reports indexed in each kind of store."""
    from indexer.building import build_index

    corpus, index = reports_index
    if request.param == "embedded":
        return str(index)
    url = request.getfixturevalue("seekdb_url")["url"]("reports")
    build_index(corpus, url, embedder=embedder, rebuild=True)
    return url


def _uses_seekdb(item) -> bool:
    if "seekdb_url" in item.fixturenames:
        return True
    spec = getattr(item, "callspec", None)
    return spec is not None and any(v == "oceanbase" for v in spec.params.values())


def pytest_collection_modifyitems(config, items):
    """Markers for the slow tiers, from what a test needs: a seekdb server
    (directly or through the store fixtures' OceanBase case) or a browser."""
    for item in items:
        if _uses_seekdb(item):
            item.add_marker(pytest.mark.seekdb)
        if item.get_closest_marker("seekdb") or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)
