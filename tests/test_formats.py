"""Every format at once: corrupt and password-protected files of each type
skipped with a reason while the rest indexes, and a corpus of every format
(Word, Word 97, WPS, a web page, a scanned PDF, a PDF table, OFD) answering
how-many questions through a real index and the real model, with citations.
Every test file is made by a real tool here (python-docx, LibreOffice,
pypdfium2, Pillow, easyofd) and read by the real loader."""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

import docx
import pytest

from bench import formats as format_bench
from documents import BODY, GOV_PAGE, SCIENCE_TABLE, TABLE, _zip, report_with_pdf_table, word_report
from indexer.archives import load_corpus_unpacked
from indexer.config import Settings
from indexer.converting import convert, soffice
from indexer.loading import LoadError, load_document

pytestmark = pytest.mark.usefixtures("converter_installed")  # LibreOffice, as `make test` installs it


def test_corrupt_or_locked_files_of_each_type_are_skipped_and_the_rest_indexes(tmp_path, settings):
    import msoffcrypto.format.ooxml
    import pypdf
    from PIL import Image

    good = word_report("好报告", "一、概况", "全年开展活动18项。")
    (tmp_path / "good.docx").write_bytes(good)
    locked = io.BytesIO()
    msoffcrypto.format.ooxml.OOXMLFile(io.BytesIO(good)).encrypt("密码", locked)
    (tmp_path / "locked.docx").write_bytes(locked.getvalue())
    (tmp_path / "locked.wps").write_bytes(locked.getvalue())
    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("密码")
    pdf = io.BytesIO()
    writer.write(pdf)
    (tmp_path / "locked.pdf").write_bytes(pdf.getvalue())
    (tmp_path / "cut.pdf").write_bytes(pdf.getvalue()[:300])
    png = io.BytesIO()
    Image.new("L", (300, 100), 255).save(png, "PNG")
    (tmp_path / "cut.png").write_bytes(png.getvalue()[:60])
    (tmp_path / "cut.ofd").write_bytes(_zip([("OFD.xml", b"<ofd:OFD xmlns:ofd='x'><ofd:DocBody>")]))
    (tmp_path / "cut.zip").write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    result = load_corpus_unpacked(tmp_path, settings)
    assert [d.path for d in result.documents] == ["good.docx"]
    reasons = {s.path: s.reason for s in result.skipped}
    assert "加密" in reasons["locked.docx"] and "加密" in reasons["locked.wps"] and "加密" in reasons["locked.pdf"]
    assert "损坏" in reasons["cut.pdf"] and "损坏" in reasons["cut.png"] and "损坏" in reasons["cut.ofd"]
    assert "损坏" in reasons["cut.zip"]


# A LibreOffice Basic macro that saves a document with an opening password:
# LibreOffice encrypts Word 97 files with RC4 (CryptoAPI), as Word does.
SAVE_LOCKED = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" script:language="StarBasic">
Sub SaveLocked(src As String, dst As String, password As String)
  Dim load(0) As New com.sun.star.beans.PropertyValue
  load(0).Name = &quot;Hidden&quot;
  load(0).Value = True
  doc = StarDesktop.loadComponentFromURL(ConvertToURL(src), &quot;_blank&quot;, 0, load())
  Dim save(1) As New com.sun.star.beans.PropertyValue
  save(0).Name = &quot;FilterName&quot;
  save(0).Value = &quot;MS Word 97&quot;
  save(1).Name = &quot;Password&quot;
  save(1).Value = password
  doc.storeToURL(ConvertToURL(dst), save())
  doc.close(True)
  StarDesktop.terminate()
End Sub
</script:module>
"""


def locked_word97(source_docx: bytes, password: str) -> bytes:
    """A Word 97 .doc with an opening password, saved by LibreOffice (a macro
    in a fresh profile: the command line has no password option)."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "src.docx").write_bytes(source_docx)
        base = [soffice(), "--headless", "--norestore", "--nologo",
                f"-env:UserInstallation={(work / 'profile').as_uri()}"]
        run = dict(cwd=tmp, env={"HOME": tmp, "PATH": "/usr/bin:/bin"}, stdin=subprocess.DEVNULL,
                   capture_output=True, timeout=120)
        subprocess.run(base + ["--terminate_after_init"], **run)
        (work / "profile" / "user" / "basic" / "Standard" / "Module1.xba").write_text(SAVE_LOCKED, encoding="utf-8")
        subprocess.run(base + [f'macro:///Standard.Module1.SaveLocked("{work / "src.docx"}",'
                               f'"{work / "locked.doc"}","{password}")'], **run)
        return (work / "locked.doc").read_bytes()


def zip_locked(entries: dict[str, bytes], password: str) -> bytes:
    """A zip whose members are encrypted (ZipCrypto), written by Info-ZIP's zip."""
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in entries.items():
            (Path(tmp) / name).parent.mkdir(parents=True, exist_ok=True)
            (Path(tmp) / name).write_bytes(data)
        subprocess.run(["zip", "-q", "-r", "-P", password, "out.zip", *entries], cwd=tmp, check=True, timeout=60)
        return (Path(tmp) / "out.zip").read_bytes()


def test_password_protected_word97_ofd_and_zip_are_skipped_and_the_rest_indexes(tmp_path, settings):
    import msoffcrypto

    good = word_report("好报告", "一、概况", "全年开展活动18项。")
    locked = locked_word97(word_report("机密报告", "一、概况", "全年开展活动27项。"), "mima2026")
    assert msoffcrypto.OfficeFile(io.BytesIO(locked)).is_encrypted()  # really encrypted, not just damaged
    # LibreOffice headless has no one to ask for the password: it refuses at once (no timeout).
    with pytest.raises(LoadError, match="无法转换"):
        convert(locked, "doc", "docx")
    (tmp_path / "good.docx").write_bytes(good)
    (tmp_path / "locked.doc").write_bytes(locked)
    (tmp_path / "locked.wps").write_bytes(locked)  # WPS 文字 saves the same encrypted OLE format
    (tmp_path / "locked.ofd").write_bytes(zip_locked({
        "OFD.xml": b"<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'><ofd:DocBody>"
                   b"<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        "Doc_0/Document.xml": b"<ofd:Document xmlns:ofd='http://www.ofdspec.org/2016'/>"}, "mima2026"))
    (tmp_path / "locked.zip").write_bytes(zip_locked({"a.txt": "全年开展活动36项。".encode()}, "mima2026"))
    result = load_corpus_unpacked(tmp_path, settings)
    assert [d.path for d in result.documents] == ["good.docx"]
    reasons = {s.path: s.reason for s in result.skipped}
    assert reasons["locked.doc"] == reasons["locked.wps"] == "文件设有打开密码（已加密），无法读取，已跳过"
    assert reasons["locked.ofd"] == "OFD 文件已加密，无法读取，已跳过"
    assert reasons["locked.zip/a.txt"] == "已加密，无法解压"


# --- the whole path: a corpus of every format, a real index, how-many questions ---

def _single_font(d) -> None:
    # One font for Chinese, digits and quotes: the PDF then holds one text run per line
    # (easyofd's writer spaces a run's glyphs evenly, so mixed-font lines would interleave).
    from docx.oxml.ns import qn

    font = d.styles["Normal"].font
    font.name = "WenQuanYi Micro Hei"
    d.styles["Normal"].element.rPr.rFonts.set(qn("w:eastAsia"), "WenQuanYi Micro Hei")


def _docx_pages(pages: list[list[str]], single_font: bool = False) -> bytes:
    d = docx.Document()
    if single_font:
        _single_font(d)
    for n, paras in enumerate(pages):
        if n:
            d.add_page_break()
        for p in paras:
            d.add_paragraph(p)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def ofd_of(paragraphs: list[str]) -> bytes:
    """An OFD written by easyofd (a real OFD writer) from LibreOffice's PDF."""
    ofd = format_bench.ofd_of(convert(_docx_pages([paragraphs], single_font=True), "docx", "pdf"))
    assert ofd is not None, "easyofd is not installed: `pip install -e '.[test]'`"
    return ofd


@pytest.fixture(scope="module")
def formats_index(tmp_path_factory, embedder):
    from indexer.answering import Answerer
    from indexer.building import build_index
    from indexer.retrieval import Searcher

    corpus = tmp_path_factory.mktemp("formats")
    (corpus / "统计").mkdir()
    (corpus / "统计" / "指标.docx").write_bytes(word_report(
        "市统计局经济运行报告", "一、经济运行", BODY, TABLE, "表1 主要指标完成情况表"))
    (corpus / "党组.doc").write_bytes(convert(word_report(
        "市科协党组工作总结", "一、加强政治建设", BODY + "全年召开党组会议29次，研究重大事项。"), "docx", "doc"))
    (corpus / "科普.wps").write_bytes(convert(word_report(
        "市科普工作总结", "一、科普阵地建设", BODY + "全市建成科普教育基地46个，覆盖各区县。"), "docx", "doc"))
    (corpus / "网页.html").write_bytes(GOV_PAGE.encode("gbk"))
    # Page 2 scanned at 200 dpi, as a scanner gives it: no text layer.
    (corpus / "扫描件.pdf").write_bytes(format_bench.make_scanned_pdf(convert(_docx_pages(
        [["市科协人才工作报告", BODY * 3], ["二、人才培养", "全年培训基层科普骨干5280人次，人才队伍不断壮大。" + BODY]]),
        "docx", "pdf"), {1}))
    (corpus / "科普指标.pdf").write_bytes(report_with_pdf_table(SCIENCE_TABLE))
    (corpus / "公文.ofd").write_bytes(ofd_of(
        ["市科协关于院士专家工作站建设情况的报告", BODY, "全年新建院士专家工作站17家，引进高层次人才团队。"]))
    index = tmp_path_factory.mktemp("formats-index")
    own = Settings(derived_cache=tmp_path_factory.mktemp("derived"))  # conversions and OCR done, not remembered
    report = build_index(corpus, index, embedder=embedder, settings=own)
    return report, Answerer(Searcher.open(index, embedder=embedder)), corpus


@pytest.mark.parametrize("question, figure, doc, where", [
    ("一般公共预算收入是多少亿元？", "2796.3亿元", "统计/指标.docx", "表1 主要指标完成情况表"),
    ("全年召开党组会议多少次？", "29次", "党组.doc", "一、加强政治建设"),
    ("全市建成科普教育基地多少个？", "46个", "科普.wps", "一、科普阵地建设"),
    ("计划举办科技周活动多少场？", "120场", "网页.html", "二、今年安排"),
    ("科普受众有多少万人次？", "736.5万人次", "网页.html", "表2 科普指标完成情况表"),
    ("全年培训基层科普骨干多少人次？", "5280人次", "扫描件.pdf", "第2页"),
    ("科技馆接待观众多少万人次？", "86.4万人次", "科普指标.pdf", "表3 科普工作主要指标完成情况表，第2页"),
    ("新建院士专家工作站多少家？", "17家", "公文.ofd", "第1页"),
])
def test_each_format_answers_how_many_with_a_citation(formats_index, question, figure, doc, where):
    report, answerer, corpus = formats_index
    assert not report.skipped
    result = answerer.ask(question)
    assert result.found, question
    best = result.answers[0]
    hit = result.hits[best.hit]
    assert best.text == figure and hit.chunk.doc == doc
    source = load_document(corpus / doc, corpus).text  # read again: the quote is the extracted text itself
    assert source[best.start:best.end] == figure and source[hit.chunk.start:hit.chunk.end] == hit.chunk.text
    assert where in best.citation
    assert ("OCR识别文字" in best.citation) == (doc == "扫描件.pdf")
