"""Loading: encodings, formats, titles, catalogue, bad files."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from documents import TABLE, exact_offsets, word_report
from indexer.chunking import chunk_document
from indexer.loading import LoadError, decode_bytes, detect_title, load_corpus, load_document

TEXT = "市科协主题教育总结评估汇报\n\n一、坚持政治导向\n开展谈心谈话*人次，举办活动50余场。\r\n《市科学技术协会党组关于加强自身建设的实施意见》\r\n"


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "utf-8"])
def test_encodings_decode_to_the_same_text(tmp_path, encoding):
    (tmp_path / "r.txt").write_bytes(TEXT.encode(encoding))
    doc = load_document(tmp_path / "r.txt", tmp_path)
    assert doc.text == TEXT.replace("\r\n", "\n")
    assert doc.title == "市科协主题教育总结评估汇报"


def test_binary_renamed_txt_is_refused():
    with pytest.raises(LoadError, match="二进制"):
        decode_bytes(bytes(range(256)) * 40)


def _minimal_pdf(pages: list[str]) -> bytes:
    """A valid PDF with one line of Latin text per page (Helvetica)."""
    objs = ["<< /Type /Catalog /Pages 2 0 R >>", None,
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for text in pages:
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
        objs.append(f"<< /Length {len(stream)} >>\nstream\n{stream.decode()}\nendstream")
        content = len(objs)
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content} 0 R "
                    "/Resources << /Font << /F1 3 0 R >> >> >>")
        kids.append(f"{len(objs)} 0 R")
    objs[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n{body}\nendobj\n".encode())
    xref = out.tell()
    out.write(f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def test_pdf_keeps_page_numbers(tmp_path):
    (tmp_path / "r.pdf").write_bytes(_minimal_pdf(["First page report", "Second page numbers 18153"]))
    doc = load_document(tmp_path / "r.pdf", tmp_path)
    at = doc.text.index("18153")
    assert doc.page_at(at) == 2
    assert doc.page_at(doc.text.index("First")) == 1


def test_docx_keeps_headings_and_title(tmp_path):
    import docx

    d = docx.Document()
    d.add_heading("市科协2023年工作总结", level=0)
    d.add_heading("一、加强党的建设", level=1)
    d.add_paragraph("全年召开党组会议29次。")
    d.add_heading("（一）理论学习", level=2)
    d.add_paragraph("开展集体学习11次。")
    d.save(tmp_path / "r.docx")
    doc = load_document(tmp_path / "r.docx", tmp_path)
    assert doc.title == "市科协2023年工作总结"
    assert [doc.text[h.start:h.end] for h in doc.headings] == ["市科协2023年工作总结", "一、加强党的建设", "（一）理论学习"]
    assert "全年召开党组会议29次。" in doc.text

    from indexer.chunking import chunk_document

    chunk = next(c for c in chunk_document(doc) if "11次" in c.text)
    assert chunk.section == "一、加强党的建设 > （一）理论学习"


def test_corrupt_docx_and_pdf_are_skipped_with_reasons(tmp_path):
    (tmp_path / "bad.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4 garbage")
    (tmp_path / "ok.txt").write_text("正常的报告内容。", encoding="utf-8")
    result = load_corpus(tmp_path)
    assert [d.path for d in result.documents] == ["ok.txt"]
    reasons = {s.path: s.reason for s in result.skipped}
    assert "Word" in reasons["bad.docx"] and "PDF" in reasons["bad.pdf"]


def test_bad_files_each_get_one_clear_reason(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.md").write_text(" \n\t\n", encoding="utf-8")
    (tmp_path / "nul.txt").write_bytes("文字\x00文字".encode("utf-8") + b"\x00" * 3)
    (tmp_path / "slides.pptx").write_bytes(b"whatever")
    (tmp_path / "good.txt").write_text("报告正文。", encoding="utf-8")
    (tmp_path / "copy.txt").write_text("报告正文。", encoding="utf-8")
    result = load_corpus(tmp_path)
    assert len(result.documents) == 1
    reasons = {s.path: s.reason for s in result.skipped}
    assert set(reasons) == {"empty.txt", "blank.md", "nul.txt", "slides.pptx", "good.txt"} - {result.documents[0].path} | (
        {"copy.txt"} if result.documents[0].path == "good.txt" else {"good.txt"})
    assert "空" in reasons["empty.txt"] and "空" in reasons["blank.md"]
    assert "不支持" in reasons["slides.pptx"]
    assert all(r for r in reasons.values())


def test_catalog_wins_over_detection(tmp_path):
    (tmp_path / "x_9f3a.txt").write_text("今年以来，市科协党组坚持以习近平新时代中国特色社会主义思想为指导。正文。", encoding="utf-8")
    (tmp_path / "catalog.toml").write_text('["x_9f3a.txt"]\ntitle = "市科协党组工作报告"\nbody = "市科协党组"\ndate = "2023年"\n',
                                           encoding="utf-8")
    doc = load_corpus(tmp_path).documents[0]
    assert (doc.title, doc.body, doc.date) == ("市科协党组工作报告", "市科协党组", "2023年")


def test_title_without_a_title_line_is_not_a_hash(tmp_path):
    title = detect_title("今年以来，市科协党组坚持以习近平新时代中国特色社会主义思想为指导，全面加强党的建设。", tmp_path / "000_6a8f6741938fcbcf.txt")
    assert title.startswith("今年以来") and "6a8f" not in title


def test_speech_title_block(tmp_path):
    text = "提升“四服务”水平\n\n——在淮北市科学技术协会第四次代表大会上的工作报告（征求意见稿）\n\n各位代表：\n正文很长很长。" * 1
    assert detect_title(text, tmp_path / "a.txt") == "在淮北市科学技术协会第四次代表大会上的工作报告"


def test_bundled_corpus_loads_with_catalog_titles():
    CORPUS = Path(__file__).resolve().parent.parent / "corpus"

    result = load_corpus(CORPUS)
    assert len(result.documents) == 5 and not result.skipped
    titles = {d.title for d in result.documents}
    assert "市科协主题教育总结评估汇报" in titles
    assert all(not d.title[:3].isdigit() for d in result.documents)


def test_file_vanishing_during_the_build(tmp_path):
    (tmp_path / "gone.txt").write_text("内容。", encoding="utf-8")
    path = tmp_path / "gone.txt"
    path.unlink()
    with pytest.raises(LoadError, match="已不存在"):
        load_document(path, tmp_path)


def test_a_single_50mb_line_is_refused_quickly(tmp_path):
    (tmp_path / "huge.txt").write_bytes(("科" * (50 * 1024 * 1024 // 3 + 1)).encode("utf-8"))
    (tmp_path / "ok.txt").write_text("正常报告。", encoding="utf-8")
    t = time.monotonic()
    result = load_corpus(tmp_path)
    assert time.monotonic() - t < 10
    assert [d.path for d in result.documents] == ["ok.txt"]
    assert "文件过大" in result.skipped[0].reason


@pytest.mark.usefixtures("converter_installed")
def test_docx_table_rows_keep_headers_and_units(tmp_path, settings):
    (tmp_path / "t.docx").write_bytes(word_report("某市统计公报", "一、经济运行", "全年经济运行平稳。", TABLE,
                                                 "表1 主要指标完成情况表"))
    doc = load_document(tmp_path / "t.docx", tmp_path, settings=settings)
    row = "指标：地区生产总值，2025年：31580.6亿元，增长：5.4%"
    assert row in doc.text.split("\n")
    chunks = chunk_document(doc)
    exact_offsets(doc)
    hit = next(c for c in chunks if c.text == row)
    assert hit.section == "一、经济运行 > 表1 主要指标完成情况表"
    after = next(c for c in chunks if "以上为主要指标" in c.text)
    assert after.section == "一、经济运行"
