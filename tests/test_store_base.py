"""The typed index manifest (indexer.store.base.Manifest): an index written
while the manifest was a plain dict still opens, and a manifest read and
written again is the same JSON, key for key and in the same order.

``tests/data/index-dict-manifest`` was built by the code just before the
dataclass (two versions of three small reports: one with a replaced byte,
one skipped, a catalog entry), so it holds every key a build writes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from indexer.embedding import ModelInfo
from indexer.store import EmbeddedStore, IndexStore, Manifest

OLD_INDEX = Path(__file__).resolve().parent / "data" / "index-dict-manifest"
OLD_MANIFESTS = sorted(OLD_INDEX.glob("versions/*/manifest.json"))


@pytest.fixture
def old_index(tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(OLD_INDEX, copy)
    return copy


def test_an_index_written_with_the_dict_manifest_opens(old_index):
    version = IndexStore(old_index).current(verify=True)  # every file checked against the manifest
    m = version.manifest
    assert isinstance(m, Manifest) and m.schema_version == 1
    assert m.model == ModelInfo("builtin:multilingual-e5-small", 384, "8656719562d1781b", "query: ", "passage: ",
                                "bf16")
    assert m.chunking == {"size": 300, "overlap": 60} and m.counts == {"documents": 2, "chunks": 4}
    assert set(m.documents) == {"a.txt", "b.txt"} and m.documents["a.txt"]["title"] == "科协报告"
    assert m.skipped == {"c.txt": "文件不是文本（含有二进制内容或空字符），已跳过"}
    assert m.repaired == {"b.txt": {"count": 1, "lines": [3]}} and m.catalog_sha256 and m.pipeline
    assert m.previous == OLD_MANIFESTS[0].parent.name and m.extra == {}
    snap = EmbeddedStore(old_index).current()  # FAISS and bm25 load by what the manifest says
    assert snap.count() == 4 and snap.manifest.vector_index == m.vector_index
    assert "党组会议" in snap.chunks([int(snap.keyword("党组会议", 1)["words"].ids[0])])[0].text


@pytest.mark.parametrize("path", OLD_MANIFESTS, ids=lambda p: p.parent.name)
def test_reading_and_writing_gives_the_same_json(path):
    text = path.read_text(encoding="utf-8")
    assert Manifest.from_json(text).to_json(indent=1) == text
    assert list(Manifest.from_json(text).to_dict()) == list(json.loads(text))


def test_the_first_version_keeps_its_null_previous():
    first = json.loads(OLD_MANIFESTS[0].read_text(encoding="utf-8"))
    assert first["previous"] is None and Manifest.from_dict(first).to_dict()["previous"] is None


def test_an_oceanbase_row_round_trips():
    """OceanBase stores the build's keys plus its label and HNSW parameters,
    without the folder version's files, schema or previous."""
    base = json.loads(OLD_MANIFESTS[1].read_text(encoding="utf-8"))
    for key in ("vector_index", "schema_version", "files", "previous"):
        base.pop(key)
    row = {**base, "store": "oceanbase://root@127.0.0.1:2881/partyqa",
           "vector_index": {"type": "hnsw", "engine": "OceanBase vsag", "distance": "cosine", "ef_search": 64, "n": 4}}
    text = json.dumps(row, ensure_ascii=False)
    m = Manifest.from_json(text)
    assert m.store.startswith("oceanbase://") and m.files is None and m.previous is None
    assert m.to_json() == text


def test_unknown_keys_are_kept_and_damage_is_an_error():
    m = Manifest.from_dict({"created": "x", "later_key": {"a": 1}})
    assert m.extra == {"later_key": {"a": 1}} and list(m.to_dict().items())[-1] == ("later_key", {"a": 1})
    for bad in ("[1, 2]", '{"model": "e5"}', "{"):
        with pytest.raises(ValueError):
            Manifest.from_json(bad)


def test_a_damaged_manifest_is_reported_in_chinese(old_index):
    from indexer.errors import IndexCorrupt

    live = old_index / "versions" / OLD_MANIFESTS[1].parent.name / "manifest.json"
    live.write_text('{"schema_version": 1, "model": [1]}', encoding="utf-8")
    with pytest.raises(IndexCorrupt, match="清单文件已损坏"):
        IndexStore(old_index).current(verify=False)
    live.write_text('{"schema_version": 0}', encoding="utf-8")
    with pytest.raises(IndexCorrupt, match="索引格式版本为 0"):
        IndexStore(old_index).current(verify=False)


def test_a_new_build_writes_the_keys_the_dict_manifest_wrote(small_corpus, tmp_path, embedder):
    from indexer.building import build_index

    build_index(small_corpus, tmp_path / "index", embedder=embedder)
    new = json.loads(next((tmp_path / "index" / "versions").glob("*/manifest.json")).read_text(encoding="utf-8"))
    old = json.loads(OLD_MANIFESTS[0].read_text(encoding="utf-8"))
    assert list(new) == [k for k in old if k != "catalog_sha256"]  # this corpus has no catalog
    assert list(new["model"]) == list(old["model"]) and list(new["documents"]["a.txt"]) == list(old["documents"]["a.txt"])
