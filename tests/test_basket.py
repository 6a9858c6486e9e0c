"""The quote basket in SQLite and the Word/Markdown export."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from indexer.basket import Basket, TrimError
from indexer.exporting import Quote, nest_quotes, quotes_to_docx, quotes_to_markdown

SOURCE = "一是办好科普活动。带动全市3981个单位开展18153项全域科普活动，推广“学习强国”平台。"
DOC = "前言\n" + SOURCE + "\n"


def quote(text=SOURCE, start=3, doc="a.txt", **kw) -> Quote:
    return Quote(text, kw.pop("title", "市科协年度工作报告"), kw.pop("section", "二、推进全域科普"), doc, start,
                 start + len(text), **kw)


def test_basket_survives_a_new_connection_and_is_per_user(tmp_path):
    db = tmp_path / "data" / "partyqa.sqlite"
    b = Basket(db, "u-alice")
    first = b.add(quote())
    assert b.add(quote()) is None  # the same span once
    b.add(quote("一是办好科普活动。", start=3, doc="b.txt"))
    # A restart: a new object on the same file sees the same quotes, in order.
    again = Basket(db, "u-alice")
    assert [q.doc for q in again.quotes()] == ["a.txt", "b.txt"]
    assert Basket(db, "u-bob").quotes() == []
    again.move(first, +1)
    assert [q.doc for q in Basket(db, "u-alice").quotes()] == ["b.txt", "a.txt"]
    again.delete(first)
    assert len(again) == 1 and again.clear() == 1 and len(again) == 0


def test_trim_keeps_an_exact_substring_with_its_own_offsets(tmp_path):
    b = Basket(tmp_path / "q.sqlite", "u-a")
    item = b.add(quote())
    q = b.trim(item, "  18153项全域科普活动 ")
    assert q.text == "18153项全域科普活动" and DOC[q.start:q.end] == q.text
    # A later trim may widen again within the original span, never beyond it.
    q = b.trim(item, "开展18153项全域科普活动，推广")
    assert DOC[q.start:q.end] == q.text
    with pytest.raises(TrimError, match="不能改动原文"):
        b.trim(item, "开展两万项全域科普活动")
    with pytest.raises(TrimError):
        b.trim(item, "前言")  # outside the span the quote was taken from
    with pytest.raises(TrimError, match="不能为空"):
        b.trim(item, "   ")
    b.untrim(item)
    assert b.quotes()[0].text == SOURCE


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
