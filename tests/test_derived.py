"""The cache of slow derivations (conversions, OCR), on real files: computed
once per content and deriving code, one file per entry, nothing half-written
left behind, and an unwritable cache costing speed, not the result."""

from __future__ import annotations

import logging

from indexer.config import Settings
from indexer.derived import cache_path, cached


def test_computed_once_per_content_and_version(tmp_path):
    calls = []

    def compute(value: bytes):
        return lambda: calls.append(value) or value

    assert cached("ocr", "engine-1", b"page", compute(b"text-1"), root=tmp_path) == b"text-1"
    assert cached("ocr", "engine-1", b"page", compute(b"never"), root=tmp_path) == b"text-1"
    assert cached("ocr", "engine-2", b"page", compute(b"text-2"), root=tmp_path) == b"text-2"  # new code
    assert cached("ocr", "engine-1", b"other page", compute(b"text-3"), root=tmp_path) == b"text-3"
    assert cached("convert", "engine-1", b"page", compute(b"docx"), root=tmp_path) == b"docx"  # another kind
    assert calls == [b"text-1", b"text-2", b"text-3", b"docx"]
    entry = cache_path("ocr", "engine-1", b"page", tmp_path)
    assert entry.read_bytes() == b"text-1" and entry.parent.parent.parent == tmp_path
    assert entry.parent.name == entry.name[:2] and len(entry.name) == 64
    files = sorted(p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*") if p.is_file())
    assert files == ["convert", "ocr", "ocr", "ocr"]  # no .tmp- files left


def test_default_folder_is_the_settings_one(tmp_path):
    assert cache_path("ocr", "v", b"x").is_relative_to(Settings().derived)
    assert cache_path("ocr", "v", b"x", tmp_path) != cache_path("ocr", "v", b"y", tmp_path)


def test_an_unwritable_cache_still_gives_the_result(tmp_path, caplog):
    blocked = tmp_path / "file-not-folder"
    blocked.write_bytes(b"")  # the cache root cannot be a folder: every write fails
    calls = []
    with caplog.at_level(logging.WARNING, logger="indexer.derived"):
        for _ in range(2):
            assert cached("ocr", "v", b"page", lambda: calls.append(1) or b"text", root=blocked) == b"text"
    assert len(calls) == 2 and "derived cache not written" in caplog.text
