"""Shared fixtures: the real built-in model and a real index of the five
reports, built once per session; small corpora where the model is not the point."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"


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
