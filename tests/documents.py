"""The documents the format tests make (a module of helpers, not of tests):
Word reports written by python-docx, a report with a ruled table printed to
PDF by LibreOffice, a saved government web page, zips, the check that
every passage's offsets are exact, a quote of a report sentence (the
basket and export tests), and the two short reports small indexes are built
from (the store and failure tests)."""

from __future__ import annotations

import io
import zipfile

import docx

from indexer.chunking import chunk_document
from indexer.converting import convert
from indexer.exporting import Quote

TWO_REPORTS = {
    "a.txt": "市科协年度工作报告\n一、推进全域科普\n带动全市3981个单位开展18153项全域科普活动。\n",
    "b.txt": "市科技局党组工作报告\n（一）强化理论学习\n专题研究意识形态工作4次。\n",
}


def two_reports(corpus) -> None:
    """Write :data:`TWO_REPORTS` into the folder ``corpus`` (made if missing)."""
    corpus.mkdir(parents=True, exist_ok=True)
    for name, text in TWO_REPORTS.items():
        (corpus / name).write_text(text, encoding="utf-8")


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


def _zip(entries: list[tuple[str | zipfile.ZipInfo, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(name, data)
    return out.getvalue()


BODY = "全市科协系统坚持以习近平新时代中国特色社会主义思想为指导，深入贯彻落实党的二十大精神，团结引领广大科技工作者建功立业。"


QUOTED = "一是办好科普活动。带动全市3981个单位开展18153项全域科普活动，推广“学习强国”平台。"


def quote(text: str = QUOTED, start: int = 3, doc: str = "a.txt", **kw) -> Quote:
    """A quote of ``text`` at ``start`` of ``doc`` (QUOTED stands at 3, after "前言\\n"), from the
    science association's report unless ``title``/``section`` say otherwise."""
    return Quote(text, kw.pop("title", "市科协年度工作报告"), kw.pop("section", "二、推进全域科普"), doc, start,
                 start + len(text), **kw)
