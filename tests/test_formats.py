"""The files offices keep: Word 97-2003 and WPS 文字 through LibreOffice,
tables kept with their headers, saved web pages, OFD, scans through OCR,
folders and zip archives. Every test file is made by a real tool here
(python-docx, LibreOffice, pypdfium2, Pillow) and read by the real loader;
the how-many questions go through a real index and the real model."""

from __future__ import annotations

import io
import subprocess
import tempfile
import stat
import zipfile
from dataclasses import replace
from pathlib import Path

import docx
import pytest

from bench import formats as format_bench
from indexer.chunking import chunk_document
from indexer.converting import convert, soffice
from indexer.archives import load_corpus_unpacked
from indexer.config import Settings
from indexer.loading import LoadError, load_corpus, load_document



@pytest.fixture(autouse=True)
def _converter_installed():
    if soffice() is None:
        pytest.fail("LibreOffice is not installed: run `make test`, which installs Debian's libreoffice-writer-nogui")


@pytest.fixture
def settings(tmp_path_factory):
    # Conversions and OCR are cached by content: a test must see them done, not remembered.
    return Settings(derived_cache=tmp_path_factory.mktemp("derived"))


def word_report(title: str, heading: str, body: str, table: list[list[str]] | None = None,
                caption: str | None = None) -> bytes:
    """A .docx written by python-docx: title, one heading, a paragraph and
    optionally a table with a caption paragraph above it."""
    d = docx.Document()
    d.add_heading(title, level=0)
    d.add_heading(heading, level=1)
    d.add_paragraph(body)
    if table:
        add_table(d, table, caption, "以上为主要指标完成情况。")
    return saved(d)


def add_table(d, rows: list[list[str]], caption: str | None, closing: str, style: str | None = None) -> None:
    """A caption paragraph (if any), the table in python-docx's ``style``, and a closing paragraph."""
    if caption:
        d.add_paragraph(caption)
    t = d.add_table(rows=len(rows), cols=len(rows[0]))
    if style:
        t.style = style
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            t.cell(r, c).text = value
    d.add_paragraph(closing)


def saved(d) -> bytes:
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


TABLE = [["指标", "单位", "2025年", "增长"],
         ["地区生产总值", "亿元", "31580.6", "5.4%"],
         ["一般公共预算收入", "亿元", "2796.3", "3.1%"]]


def exact_offsets(doc) -> None:
    for c in chunk_document(doc):
        assert c.text == doc.text[c.start:c.end]


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


SCIENCE_TABLE = [["指标", "单位", "2025年", "增长"],
                 ["科技馆接待观众", "万人次", "86.4", "9.7%"],
                 ["注册科普志愿者", "万人", "12.3", "4.1%"]]


def report_with_pdf_table(rows: list[list[str]], caption: str = "表3 科普工作主要指标完成情况表") -> bytes:
    """A two-page report printed to PDF by LibreOffice; page 2 holds a
    ruled table (the "Table Grid" style: rules on every cell, as 公文 tables
    are drawn) between a caption and a closing paragraph."""
    d = docx.Document()
    d.add_heading("市科协科普工作报告", level=0)
    d.add_heading("一、总体情况", level=1)
    d.add_paragraph(BODY * 2)
    d.add_page_break()
    d.add_heading("二、科普阵地建设", level=1)
    d.add_paragraph("全年科普工作稳步推进，主要指标如下。")
    add_table(d, rows, caption, "以上为科普工作主要指标完成情况。", style="Table Grid")
    return convert(saved(d), "docx", "pdf")


def test_pdf_table_rows_keep_headers_and_name_the_table_and_page(tmp_path, settings):
    import pypdf

    pdf = report_with_pdf_table(SCIENCE_TABLE)
    (tmp_path / "t.pdf").write_bytes(pdf)
    doc = load_document(tmp_path / "t.pdf", tmp_path, settings=settings)
    lines = doc.text.split("\n")
    row = "指标：科技馆接待观众，2025年：86.4万人次，增长：9.7%"
    assert row in lines and "指标：注册科普志愿者，2025年：12.3万人，增长：4.1%" in lines
    assert doc.text.count("86.4") == 1  # the table is read once, as rows, not also as loose text
    # Text outside the table is pypdf's own reading, line for line; its table lines give way to the rows.
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert doc.text[:doc.page_starts[1]] == reader.pages[0].extract_text() + "\n"
    page2 = reader.pages[1].extract_text().split("\n")
    at = next(i for i, l in enumerate(page2) if l.startswith("指标"))
    assert page2[at - 1].endswith("科普工作主要指标完成情况表")  # the caption stays a line of text
    assert doc.text[doc.page_starts[1]:].split("\n") == page2[:at] + lines[lines.index(row):lines.index(row) + 2] + \
        page2[at + len(SCIENCE_TABLE):]
    exact_offsets(doc)
    hit = next(c for c in chunk_document(doc) if c.text == row)
    assert hit.section == "二、科普阵地建设 > 表3 科普工作主要指标完成情况表" and hit.page == 2
    after = next(c for c in chunk_document(doc) if "以上为科普工作" in c.text)
    assert after.section == "二、科普阵地建设"


def test_pdf_table_across_a_page_break_keeps_its_name_and_header(tmp_path, settings):
    rows = [["区县", "科普基地（个）", "科普活动（场）"]] + [[f"第{i}区", str(10 + i), str(100 + i)] for i in range(1, 71)]
    (tmp_path / "t.pdf").write_bytes(report_with_pdf_table(rows, "表4 各区县科普阵地一览"))
    doc = load_document(tmp_path / "t.pdf", tmp_path, settings=settings)
    assert len(doc.page_starts) == 3 and len(doc.tables) == 2  # one table, cut by the page break
    assert {t.name for t in doc.tables} == {"表4 各区县科普阵地一览"}
    last = "区县：第70区，科普基地（个）：80个，科普活动（场）：170场"
    assert last in doc.text.split("\n")
    exact_offsets(doc)
    hit = next(c for c in chunk_document(doc) if c.text == last)
    assert hit.page == 3 and hit.section.endswith("表4 各区县科普阵地一览")


@pytest.mark.parametrize("suffix", [".doc", ".wps"])
def test_word97_and_wps_keep_headings_and_tables(tmp_path, suffix, settings):
    # LibreOffice writes the Word 97 binary; WPS 文字 saves the same OLE format under .wps.
    source = word_report("市科协党组工作报告", "一、加强政治建设", "全年召开党组会议29次。", TABLE, "表1 主要指标")
    (tmp_path / f"r{suffix}").write_bytes(convert(source, "docx", "doc"))
    doc = load_document(tmp_path / f"r{suffix}", tmp_path, settings=settings)
    assert doc.title == "市科协党组工作报告"
    lines = doc.text.split("\n")
    assert "全年召开党组会议29次。" in lines
    assert "指标：一般公共预算收入，2025年：2796.3亿元，增长：3.1%" in lines
    heading = next(h for h in doc.headings if h.level == 1)
    assert doc.text[heading.start:heading.end] == "一、加强政治建设"
    exact_offsets(doc)


def test_bad_word_files_are_skipped_with_a_reason_and_the_rest_indexes(tmp_path, settings):
    good = word_report("好报告", "一、概况", "全年开展活动18项。")
    (tmp_path / "good.docx").write_bytes(good)
    (tmp_path / "cut.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    (tmp_path / "fake.wps").write_bytes("这不是WPS文件".encode() * 50)
    (tmp_path / "broken.docx").write_bytes(good[: len(good) // 2])
    result = load_corpus(tmp_path, settings)
    assert [d.path for d in result.documents] == ["good.docx"]
    reasons = {s.path: s.reason for s in result.skipped}
    assert "与扩展名 .wps 不符" in reasons["fake.wps"]
    assert "已损坏" in reasons["broken.docx"]
    assert "损坏" in reasons["cut.doc"]



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


def test_a_converter_that_overruns_is_killed_and_the_file_skipped(tmp_path, settings):
    hasty = replace(settings, convert_timeout=0.1)  # LibreOffice cannot even start in that time
    (tmp_path / "r.doc").write_bytes(convert(word_report("报告", "一、概况", "正文。"), "docx", "doc", timeout=120))
    with pytest.raises(LoadError, match="转换超时"):
        load_document(tmp_path / "r.doc", tmp_path, settings=hasty)
    assert not list(Path(tempfile.gettempdir()).glob("partyqa-convert-*"))


GOV_PAGE = """<!DOCTYPE html><html><head><meta charset="gbk"><title>2026年某市科协工作报告_某市人民政府网</title>
<meta name="PubDate" content="2026-02-03 09:30"></head><body>
<div class="nav">首页 &gt; 要闻 &gt; 通知公告</div><div class="toolbar">下载 打印 全屏 收藏 【字号：大 中 小】</div>
<ul class="menu"><li><a href="/">首页</a></li><li><a href="/zw">政务公开</a></li><li><a href="/hd">互动交流</a></li></ul>
<article><h1>2026年某市科协工作报告</h1>
<h2>一、工作回顾</h2><p>全年开展全域科普活动18153项，带动3981个单位参与，科普工作取得显著成效，群众满意度持续提升。</p>
<p>表2 科普指标完成情况表</p>
<table><tr><th>指标</th><th>2025年（万人次）</th><th>增长</th></tr><tr><td>科普受众</td><td>736.5</td><td>12.4%</td></tr></table>
<h2>二、今年安排</h2><p>今年计划举办科技周活动120场，进一步扩大科普覆盖面，推动全民科学素质提升，服务高质量发展。</p></article>
<div class="footer">版权所有 某市人民政府 ICP备案 联系我们 网站地图</div></body></html>"""


def test_saved_web_page_keeps_main_text_title_date_and_table(tmp_path, settings):
    (tmp_path / "page.html").write_bytes(GOV_PAGE.encode("gbk"))
    doc = load_document(tmp_path / "page.html", tmp_path, settings=settings)
    assert doc.title == "2026年某市科协工作报告"
    assert doc.date == "2026年2月3日" and doc.year == 2026
    lines = doc.text.split("\n")
    assert "指标：科普受众，2025年（万人次）：736.5万人次，增长：12.4%" in lines
    for residue in ("首页", "打印", "版权所有", "政务公开"):
        assert residue not in doc.text
    exact_offsets(doc)
    row = next(c for c in chunk_document(doc) if "科普受众" in c.text)
    assert row.section == "一、工作回顾 > 表2 科普指标完成情况表"


def test_mhtml_archive_reads_as_its_page(tmp_path, settings):
    (tmp_path / "page.html").write_bytes(GOV_PAGE.encode("gbk"))
    page = load_document(tmp_path / "page.html", tmp_path, settings=settings)
    (tmp_path / "page.mhtml").write_bytes(format_bench.mhtml_of(GOV_PAGE))
    archived = load_document(tmp_path / "page.mhtml", tmp_path, settings=settings)
    assert (archived.text, archived.title, archived.date) == (page.text, page.title, page.date)


def test_bad_web_pages_are_skipped(tmp_path, settings):
    (tmp_path / "empty.html").write_text("<html><body><script>var 首页 = 1;</script></body></html>", encoding="utf-8")
    (tmp_path / "nopage.mhtml").write_bytes(b"MIME-Version: 1.0\nContent-Type: multipart/related; boundary=x\n\n--x--\n")
    result = load_corpus(tmp_path, settings)
    assert not result.documents
    assert {s.path for s in result.skipped} == {"empty.html", "nopage.mhtml"}
    assert all("正文" in s.reason for s in result.skipped)


def _zip(entries: list[tuple[str | zipfile.ZipInfo, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(name, data)
    return out.getvalue()


def _link(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


def test_subfolders_and_a_dropped_zip_are_read_with_relative_ids(tmp_path, settings):
    (tmp_path / "2024" / "科协").mkdir(parents=True)
    (tmp_path / "2024" / "科协" / "a.txt").write_text("市科协工作报告\n全年开展活动18项。\n", encoding="utf-8")
    (tmp_path / "报告集.zip").write_bytes(_zip([
        ("子目录/b.docx", word_report("市科技局工作报告", "一、概况", "全年开展活动27项。")),
        ("../../escape.txt", "越界".encode()), ("/etc/cron.d/x.txt", b"abs"), _link("link.txt", "/etc/passwd"),
        ("tool.exe", b"MZ"), ("inner.zip", _zip([("c.txt", b"x")])),
    ]))
    from indexer.archives import pending_archives

    assert pending_archives(tmp_path) == ["报告集.zip"]  # the app's status shows it waiting
    result = load_corpus_unpacked(tmp_path, settings)
    assert pending_archives(tmp_path) == []
    assert sorted(d.path for d in result.documents) == ["2024/科协/a.txt", "报告集/子目录/b.docx"]
    reasons = {s.path: s.reason for s in result.skipped}
    assert "路径不安全" in reasons["报告集.zip/../../escape.txt"]
    assert "路径不安全" in reasons["报告集.zip//etc/cron.d/x.txt"]
    assert "链接" in reasons["报告集.zip/link.txt"]
    assert "不支持" in reasons["报告集.zip/tool.exe"] and "压缩包" in reasons["报告集.zip/inner.zip"]
    assert not (tmp_path.parent / "escape.txt").exists() and not (tmp_path / "link.txt").exists()
    # A second load neither unpacks again nor forgets what was left out.
    mtime = (tmp_path / "报告集" / "子目录" / "b.docx").stat().st_mtime_ns
    again = load_corpus_unpacked(tmp_path, settings)
    assert (tmp_path / "报告集" / "子目录" / "b.docx").stat().st_mtime_ns == mtime
    assert {s.path for s in again.skipped} == set(reasons)


def test_zip_bomb_and_broken_archives_leave_nothing(tmp_path):
    from indexer.archives import unpack_zip

    bomb = _zip([("bomb.txt", b"0" * (10 * 1024 * 1024))])  # ~10 KB that expand a thousandfold
    with pytest.raises(LoadError, match="压缩炸弹|过大"):
        unpack_zip(bomb, tmp_path / "bomb")
    with pytest.raises(LoadError, match="损坏"):
        unpack_zip(b"PK\x03\x04" + b"\x00" * 100, tmp_path / "broken")
    assert [p.name for p in tmp_path.iterdir()] == []


def test_uploaded_zip_is_checked_and_unpacked_into_a_folder(tmp_path, settings):
    from indexer.corpus import UploadError, save_upload

    corpus = tmp_path / "corpus"
    good = _zip([("一/a.docx", word_report("市科协报告", "一、概况", "开展活动3项。")),
                 ("b.html", GOV_PAGE.encode("gbk"))])
    folder = save_upload(corpus, "上传的报告.zip", good, settings=settings)
    assert folder == (corpus / "上传的报告").resolve()
    assert sorted(d.path for d in load_corpus(corpus, settings).documents) == ["上传的报告/b.html",
                                                                               "上传的报告/一/a.docx"]
    bad = _zip([("ok.txt", "正常的报告内容。".encode()), ("bad.docx", b"PK\x03\x04broken")])
    with pytest.raises(UploadError, match="bad.docx"):
        save_upload(corpus, "坏.zip", bad, settings=settings)
    with pytest.raises(UploadError, match="同名文件夹"):
        save_upload(corpus, "上传的报告.zip", good, settings=settings)
    with pytest.raises(UploadError, match="不是 zip"):
        save_upload(corpus, "假.zip", "文本".encode() * 10, settings=settings)
    assert sorted(p.name for p in corpus.iterdir()) == ["上传的报告"]


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


OFD_NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'


def ofd_text_object(id_: int, x: float, y: float, size: float, text: str, ctm: str = "") -> str:
    """A GB/T 33190 TextObject: glyphs ``size`` apart from (0, size) in the object's space."""
    ctm = f' CTM="{ctm}"' if ctm else ""
    return (f'<ofd:TextObject ID="{id_}" Boundary="{x} {y} 170 {size * 2}" Font="1" Size="{size}"{ctm}>'
            f'<ofd:FillColor Value="0 0 0"/><ofd:TextCode X="0" Y="{size}" DeltaX="g {len(text) - 1} {size}">'
            f'{text}</ofd:TextCode></ofd:TextObject>')


def ofd_page(objects: list[str], template: str = "") -> str:
    ref = f'<ofd:Template TemplateID="{template}" ZOrder="Background"/>' if template else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {OFD_NS}>{ref}<ofd:Content>'
            f'<ofd:Layer ID="90" Type="Body">{"".join(objects)}</ofd:Layer></ofd:Content></ofd:Page>')


def test_ofd_template_page_and_scaled_text_objects(tmp_path):
    # Built by hand to GB/T 33190-2016 (no installable writer makes templates
    # or CTMs): the red 版头 and 发文字号 live in a template page that both
    # pages use; one line is written at twice its size and scaled by a CTM,
    # and the 版头 is condensed horizontally, as 公文 writers do.
    o = ofd_text_object
    files = {
        "OFD.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {OFD_NS} Version="1.0" DocType="OFD"><ofd:DocBody>'
                   '<ofd:DocInfo><ofd:DocID>6c3c2d5e0b1a4f7e9d8c7b6a5f4e3d2c</ofd:DocID></ofd:DocInfo>'
                   '<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>',
        "Doc_0/Document.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {OFD_NS}><ofd:CommonData>'
                              '<ofd:MaxUnitID>99</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox>'
                              '</ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>'
                              '<ofd:TemplatePage ID="2" BaseLoc="Tpls/Tpl_0/Content.xml" ZOrder="Background"/>'
                              '</ofd:CommonData><ofd:Pages><ofd:Page ID="3" BaseLoc="Pages/Page_0/Content.xml"/>'
                              '<ofd:Page ID="4" BaseLoc="Pages/Page_1/Content.xml"/></ofd:Pages></ofd:Document>',
        "Doc_0/PublicRes.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res {OFD_NS} BaseLoc="Res"><ofd:Fonts>'
                               '<ofd:Font ID="1" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>',
        "Doc_0/Tpls/Tpl_0/Content.xml": ofd_page([o(10, 39, 30, 15, "武汉市科学技术协会文件", ctm="0.8 0 0 1 0 0"),
                                                   o(11, 77, 60, 5.6, "武科协发〔2026〕3号")]),
        "Doc_0/Pages/Page_0/Content.xml": ofd_page([
            o(20, 42.6, 80, 7.8, "关于院士专家工作站建设情况的报告"),
            o(21, 37.2, 100, 5.6, "全市科协系统坚持以习近平新时代中国特色社会主义思"),
            o(22, 26, 108, 5.6, "想为指导，全年新建院士专家工作站17家，引进高层次人"),
            o(23, 26, 116, 5.6, "才团队。"),
            # Read without its CTM this object would sit 5.6 lower and run over "46个。".
            o(24, 37.2, 124, 11.2, "全市共有科普基地", ctm="0.5 0 0 0.5 0 0"),
            o(25, 82, 124, 5.6, "46个。")], template="2"),
        "Doc_0/Pages/Page_1/Content.xml": ofd_page([o(30, 37.2, 40, 5.6, "特此报告。")], template="2"),
    }
    (tmp_path / "通知.ofd").write_bytes(_zip(list(files.items())))
    doc = load_document(tmp_path / "通知.ofd", tmp_path)
    assert doc.text.split("\n") == [
        "武汉市科学技术协会文件", "武科协发〔2026〕3号", "关于院士专家工作站建设情况的报告",
        "全市科协系统坚持以习近平新时代中国特色社会主义思想为指导，全年新建院士专家工作站17家，引进高层次人才团队。",
        "全市共有科普基地46个。", "特此报告。"]
    assert doc.text[doc.page_starts[1]:] == "特此报告。"  # the template's text once, where it is first used
    assert (doc.title, doc.body) == ("关于院士专家工作站建设情况的报告", "武汉市科学技术协会")
    exact_offsets(doc)


BODY = "全市科协系统坚持以习近平新时代中国特色社会主义思想为指导，深入贯彻落实党的二十大精神，团结引领广大科技工作者建功立业。"


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


def test_upload_sniffs_the_new_types_from_content(tmp_path, settings):
    from indexer.corpus import UploadError, save_upload

    corpus = tmp_path / "corpus"
    with pytest.raises(UploadError, match="与扩展名 .doc 不符"):
        save_upload(corpus, "改了扩展名.doc", "一份文本报告，改名为 .doc。".encode() * 20, settings=settings)
    with pytest.raises(UploadError, match="与扩展名 .ofd 不符"):
        save_upload(corpus, "假的.ofd", word_report("报告", "一、概况", "正文。"), settings=settings)
    saved = save_upload(corpus, "文字处理.wps", convert(word_report("市科协报告", "一、概况", "开展活动3项。"), "docx", "doc"),
                        settings=settings)
    assert [p.name for p in corpus.iterdir()] == [saved.name] == ["文字处理.wps"]
