"""Chunking: exact offsets, section paths, Chinese boundaries."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.chunking import ChunkParams, chunk_document, find_sections
from indexer.loading import Document, load_corpus

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"


def _docs():
    return load_corpus(CORPUS).documents


def test_offsets_are_exact_for_every_chunk_of_the_reports():
    for doc in _docs():
        chunks = chunk_document(doc)
        assert chunks
        for c in chunks:
            assert c.text == doc.text[c.start:c.end]
            assert c.text == c.text.strip() and len(c.text) <= ChunkParams().size
        # Nothing but whitespace and headings-only lines is left out.
        covered = set()
        for c in chunks:
            covered.update(range(c.start, c.end))
        missing = "".join(ch for i, ch in enumerate(doc.text) if i not in covered)
        assert not missing.strip()


def test_section_path_of_the_science_popularisation_passage():
    doc = next(d for d in _docs() if "18153项全域科普活动" in d.text)
    chunk = next(c for c in chunk_document(doc) if "18153项全域科普活动" in c.text)
    assert chunk.section == "五、全面加强作风建设，激发干事创业内生动力 > 三是在服务人民群众中展作风"


def test_book_titles_and_masked_numbers_survive():
    for doc in _docs():
        chunks = chunk_document(doc)
        for title in re.findall(r"《[^》]{1,60}》", doc.text):
            assert any(title in c.text for c in chunks), title
        for masked in re.findall(r"[^，。；\n]{0,8}\*+[^，。；\n]{0,4}", doc.text):
            assert any(masked.strip() in c.text for c in chunks), masked
    doc = next(d for d in _docs() if "开展谈心谈话*人次" in d.text)
    assert any("开展谈心谈话*人次" in c.text for c in chunk_document(doc))


def test_chunks_end_on_sentence_boundaries_where_possible():
    ends = [c.text[-1] for d in _docs() for c in chunk_document(d)]
    boundary = sum(e in "。！？；”）\n" or not re.match(r"[\u4e00-\u9fff]", e) for e in ends)
    assert boundary / len(ends) > 0.9


def test_heading_levels_nest_and_reset():
    text = ("第一部分 总体情况\n一、政治建设\n（一）理论学习\n一是学原著。内容。\n二是讲党课。内容。\n"
            "（二）组织建设\n1.支部建设。内容。\n二、作风建设\n正文内容。\n")
    doc = Document("t.txt", "t", text, "x")
    paths = [" > ".join(s.path) for s in find_sections(doc)]
    assert "第一部分 总体情况 > 一、政治建设 > （一）理论学习 > 二是讲党课" in paths
    assert "第一部分 总体情况 > 一、政治建设 > （二）组织建设 > 1.支部建设" in paths
    assert "第一部分 总体情况 > 二、作风建设" in paths


_piece = st.sampled_from(["一、总体要求", "（二）工作措施", "三是加强监督。", "1.", "第一部分 回顾", "\n", "\n\n", "。", "，",
                          "开展谈心谈话*人次", "《实施意见》", "18153项", " ", "\r\n", "全域科普活动", "a", "😀"])


@settings(max_examples=150, deadline=None)
@given(parts=st.lists(st.one_of(_piece, st.text(max_size=30)), max_size=60),
       size=st.integers(20, 400), overlap=st.integers(0, 19))
def test_offset_invariant_on_random_documents(parts, size, overlap):
    text = "".join(parts)
    doc = Document("r.txt", "r", text, "x")
    for c in chunk_document(doc, ChunkParams(size, overlap)):
        assert c.text == text[c.start:c.end]
        assert c.text.strip() == c.text and c.text
