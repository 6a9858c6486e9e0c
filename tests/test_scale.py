"""The generated scale corpus (bench/scale_corpus.py), and incremental
builds at 1,000 documents with the real model and a real index."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from bench.scale_corpus import Shape, document, generate

# Two to four passages a document (title, one or two sections): 1,000 documents embed in minutes on 2 cores.
SMALL = Shape(sections=(1, 2), max_chars=100)


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_files_and_one_more_is_one_more(tmp_path):
    a, b, c = generate(60, tmp_path / "a", seed=7), generate(60, tmp_path / "b", seed=7), generate(60, tmp_path / "c", seed=8)
    assert len(a) == len(b) == 60
    assert files(tmp_path / "a") == files(tmp_path / "b")
    assert files(tmp_path / "a") != files(tmp_path / "c")
    # Document i depends on the seed and i only: growing the corpus adds, never rewrites.
    [extra] = generate(61, tmp_path / "a", seed=7, start=60)
    after = files(tmp_path / "a")
    assert len(after) == 61 and after[extra.relative_to(tmp_path / "a").as_posix()] == document(60, seed=7)[1].encode()


def test_documents_look_like_reports_and_their_metadata_is_detected(tmp_path):
    from indexer.loading import load_corpus

    generate(40, tmp_path, seed=0)
    loaded = load_corpus(tmp_path)
    assert len(loaded.documents) == 40 and not loaded.skipped
    for d in loaded.documents:
        lines = d.text.splitlines()
        m = re.fullmatch(r"(\w+?[市县])\w+?((?:19|20)\d\d)年\w+?(（\w+稿）)?", lines[0])
        assert m, lines[0]
        assert lines[1].startswith("一、") and re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", lines[-1])
        # The place and year a question may name are found in what was generated.
        assert (d.title, d.place, d.year) == (lines[0], m.group(1), int(m.group(2)))


def test_figures_differ_across_documents_and_drafts_are_near_duplicates():
    skeletons: dict[str, set[str]] = defaultdict(set)
    texts = {}
    for i in range(300):
        path, text = document(i, seed=0)
        texts[path] = text
        for line in text.splitlines()[1:-2]:
            if not line.startswith(("一、", "二、", "三、")) and re.search(r"\d", line):
                skeletons[re.sub(r"\d+(?:\.\d+)?", "#", line)].add(line)
    reused = [v for v in skeletons.values() if len(v) > 1]
    assert reused, "no source paragraph was used twice in 300 documents"
    drafts = {p: t for p, t in texts.items() if "稿）" in p}
    assert drafts
    for text in drafts.values():
        title, rest = text.split("\n", 1)
        base = [t for t in texts.values() if t.split("\n", 1)[0] == re.sub(r"（\w+稿）$", "", title)]
        # The same body text as an earlier report, at most one figure changed.
        assert any(sum(a != b for a, b in zip(re.findall(r"\d+(?:\.\d+)?", rest),
                                              re.findall(r"\d+(?:\.\d+)?", t.split("\n", 1)[1]))) <= 1
                   and re.sub(r"\d", "", rest) == re.sub(r"\d", "", t.split("\n", 1)[1]) for t in base)


@pytest.mark.slow
def test_adding_one_report_to_1000_embeds_only_its_passages(tmp_path, embedder, monkeypatch):
    import indexer.loading
    from indexer.building import build_index
    from indexer.retrieval import Searcher
    from indexer.store import open_store

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    generate(1000, corpus, seed=0, shape=SMALL)
    first = build_index(corpus, index, embedder=embedder)
    assert first.documents == 1000 and first.embedded + first.reused == first.chunks >= 2000

    [new] = generate(1001, corpus, seed=0, shape=SMALL, start=1000)
    rel = new.relative_to(corpus).as_posix()
    read, real = [], indexer.loading.load_document
    monkeypatch.setattr(indexer.loading, "load_document", lambda path, *a, **k: read.append(path) or real(path, *a, **k))
    second = build_index(corpus, index, embedder=embedder)
    assert read == [new]  # the 1,000 unchanged files are not read again
    manifest = open_store(index).current_manifest()
    assert second.added == [rel] and not second.changed and not second.removed
    assert len(second.unchanged) == 1000 and second.version != first.version
    assert second.embedded == manifest.documents[rel]["chunks"] > 0
    assert second.reused == first.chunks and second.chunks == first.chunks + second.embedded
    assert f"新计算向量 {second.embedded} 个，复用 {first.chunks} 个" in second.summary()

    # Search sees it: a sentence of its own, with its own figures, finds it first.
    text = new.read_text(encoding="utf-8")
    sentence = re.search(r"[^。\n]*\d[^。\n]*。", text.split("\n", 2)[2]).group()
    hits = Searcher.open(index, embedder=embedder).search(sentence, k=5)
    assert hits[0].chunk.doc == rel, (sentence, [h.chunk.doc for h in hits])

    # Nothing changed since: nothing embedded, no version written.
    versions = sorted(p.name for p in (index / "versions").iterdir())
    third = build_index(corpus, index, embedder=embedder)
    assert third.no_change and third.embedded == 0 and third.version == second.version
    assert sorted(p.name for p in (index / "versions").iterdir()) == versions


@pytest.mark.slow
def test_an_index_copied_into_oceanbase_searches_alike_and_adds_one(tmp_path, embedder, seekdb_url):
    from bench.scale_corpus import copy_into
    from indexer.building import build_index
    from indexer.retrieval import Searcher
    from indexer.store import open_store

    corpus, index, url = tmp_path / "corpus", tmp_path / "index", seekdb_url["url"]("scalecopy")
    generate(40, corpus, seed=3, shape=SMALL)
    built = build_index(corpus, index, embedder=embedder)
    assert copy_into(index, url) == built.chunks
    folder, ob = Searcher.open(index, embedder=embedder), Searcher.open(url, embedder=embedder)
    assert ob.snapshot.count() == built.chunks
    asked = 0
    for doc in sorted({c.doc for c in folder.snapshot.all_chunks()}):
        found = re.search(r"[^。\n]*\d[^。\n]*。", (corpus / doc).read_text(encoding="utf-8").split("\n", 2)[2])
        if found and asked < 5:
            asked += 1
            assert ob.search(found.group(), k=1)[0].chunk.doc == folder.search(found.group(), k=1)[0].chunk.doc
    assert asked == 5

    # The copy carries the vectors: adding one report there embeds only its passages.
    [new] = generate(41, corpus, seed=3, shape=SMALL, start=40)
    added = build_index(corpus, url, embedder=embedder)
    assert added.added == [new.relative_to(corpus).as_posix()] and added.reused == built.chunks
    assert added.embedded == open_store(url).current_manifest().documents[added.added[0]]["chunks"]
