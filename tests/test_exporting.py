"""The export of quotes: citations with nested quotation marks, the Word
document laid out as an official document (GB/T 9704-2012) and read back
with python-docx, and Markdown."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from documents import quote
from indexer.exporting import Quote, chinese_date, nest_quotes, quotes_to_docx, quotes_to_markdown


def test_citation_nests_inner_quotation_marks():
    q = quote()
    assert nest_quotes("推广“学习强国”平台") == "推广‘学习强国’平台"
    assert q.citation == ("据《市科协年度工作报告》（二、推进全域科普）：“一是办好科普活动。带动全市3981个单位开展"
                          "18153项全域科普活动，推广‘学习强国’平台。”")
    from indexer.answering import citation

    plain = quote("带动全市3981个单位", start=12, body="市科协党组", date="2023年", page=2)
    assert plain.citation == citation(plain.title, plain.section, plain.text, "市科协党组", "2023年", 2)


def test_docx_is_an_official_document():
    import docx
    from docx.oxml.ns import qn

    now = dt.datetime(2026, 3, 5, 9, 30, tzinfo=dt.timezone.utc)
    quotes = [quote(body="市科协党组", date="2023年12月"), quote("一是办好科普活动。", start=3, doc="b.txt",
                                                           title="另一份报告")]
    data = quotes_to_docx(quotes, heading="科普工作摘录", author="市科协办公室", now=now)
    d = docx.Document(io.BytesIO(data))
    s = d.sections[0]
    assert (round(s.page_width.mm), round(s.page_height.mm)) == (210, 297)
    assert [round(x.mm) for x in (s.top_margin, s.bottom_margin, s.left_margin, s.right_margin)] == [37, 35, 28, 26]
    normal = d.styles["Normal"]
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312" and normal.font.size.pt == 16
    paras = [p.text for p in d.paragraphs]
    assert paras[0] == "科普工作摘录"
    assert d.paragraphs[0].runs[0].element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    assert any("‘学习强国’" in p and p.startswith("1．据《") for p in paras)
    assert "出处" in paras and "1．《市科协年度工作报告》（市科协党组，2023年12月）" in paras
    assert paras[-2:] == ["市科协办公室", "2026年3月5日"]
    cp = d.core_properties
    assert cp.author == "市科协办公室" and cp.title == "科普工作摘录" and cp.language == "zh-CN"
    assert cp.created.replace(tzinfo=None) == dt.datetime(2026, 3, 5, 9, 30)
    z = zipfile.ZipFile(io.BytesIO(data))
    fonts = z.read("word/fontTable.xml").decode()
    assert 'w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>' in fonts
    assert "PAGE" in z.read("word/footer1.xml").decode()


def test_markdown_keeps_citations_sources_and_date():
    md = quotes_to_markdown([quote(date="2023年")], heading="摘录", author="办公室", today=dt.date(2026, 1, 2))
    assert md.startswith("# 摘录\n") and "1. 据《市科协年度工作报告》" in md and "‘学习强国’" in md
    assert "- 《市科协年度工作报告》（2023年）" in md and md.rstrip().endswith("办公室\n2026年1月2日")


def test_citation_names_what_it_has_and_nests_both_levels():
    assert nest_quotes("‘甲’与“乙”") == "“甲”与‘乙’"
    bare = Quote("全年召开党组会议29次", "工作报告", "", "a.txt", 10, 20)
    assert bare.citation == "据《工作报告》：“全年召开党组会议29次”"
    paged = Quote("全年召开党组会议29次", "工作报告", "", "a.txt", 10, 20, page=3)
    assert paged.citation == "据《工作报告》（第3页）：“全年召开党组会议29次”"
    full = Quote("全年召开党组会议29次", "工作报告", "一、政治建设", "a.txt", 10, 20, body="市科协党组", page=3)
    assert full.citation == "据《工作报告》（一、政治建设，第3页）：“全年召开党组会议29次”（市科协党组）"
    assert full.key() == ("a.txt", 10, 20)
    assert full.to_dict() == {"text": "全年召开党组会议29次", "title": "工作报告", "section": "一、政治建设", "doc": "a.txt",
                              "start": 10, "end": 20, "body": "市科协党组", "date": "", "page": 3,
                              "citation": full.citation}


def test_markdown_lists_each_source_once_in_the_order_first_quoted():
    quotes = [quote(body="市科协党组", date="2023年"), quote("一是办好科普活动。", doc="b.txt", title="另一份报告"),
              quote("带动全市3981个单位", start=12, date="别的日期")]
    md = quotes_to_markdown(quotes, today=dt.date(2026, 10, 1))
    lines = md.split("\n")
    assert [lines[i].split("：")[0] for i in (2, 4, 6)] == [
        "1. 据《市科协年度工作报告》（二、推进全域科普）", "2. 据《另一份报告》（二、推进全域科普）",
        "3. 据《市科协年度工作报告》（二、推进全域科普）"]
    sources = lines[lines.index("## 出处") + 2:]
    # The first quote of a document gives its source line; no author leaves the date alone at the end.
    assert sources == ["- 《市科协年度工作报告》（市科协党组，2023年）", "- 《另一份报告》", "", "2026年10月1日", ""]
    assert chinese_date(dt.date(2026, 1, 2)) == "2026年1月2日"


def test_docx_without_quotes_or_author_dates_it_in_the_writers_time_zone():
    import docx

    # 07:00 in Beijing is the previous day in UTC: the document says the local day, its metadata the UTC time.
    now = dt.datetime(2026, 3, 5, 7, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    data = quotes_to_docx([], heading="空摘录", now=now)
    d = docx.Document(io.BytesIO(data))
    assert [p.text for p in d.paragraphs] == ["空摘录", "", "", "2026年3月5日"]
    assert "出处" not in [p.text for p in d.paragraphs]
    cp = d.core_properties
    assert cp.created.replace(tzinfo=None) == dt.datetime(2026, 3, 4, 23, 0) and cp.author == ""
    assert cp.last_modified_by == "" and cp.revision == 1
    footer = d.sections[0].footer.paragraphs[0]
    assert footer.text == "— 1 —" and footer.alignment == 1  # centred; the 1 is the PAGE field's shown value
    assert "PAGE" in zipfile.ZipFile(io.BytesIO(data)).read("word/footer1.xml").decode()
