"""Document metadata: issuing body, place, year and kind detected from a
report's text, title and file name (我代表…, 版头, date lines, review
headings, 落款 dates), catalog overrides field by field, how an answer's
source is labelled, and the short forms a question may name a body by
(metadata through loading and scope: test_scope.py)."""

from __future__ import annotations

import pytest

from indexer.metadata import DocMeta, body_aliases, detect


def fields(meta: DocMeta) -> tuple:
    return meta.body, meta.place, meta.year, meta.kind


def test_a_provincial_report_from_its_title(gov_report):
    text = gov_report("重庆市_2026政府工作报告.txt")
    meta = detect(text, "重庆市_2026政府工作报告.txt", title="2026年重庆市政府工作报告")
    # 我代表市人民政府 names the body without its place: the place is put in.
    assert "我代表市人民政府" in text
    assert fields(meta) == ("重庆市人民政府", "重庆市", 2026, "工作报告")
    assert (meta.title, meta.date) == ("2026年重庆市政府工作报告", "")


def test_without_place_or_year_in_title_the_file_name_gives_them(gov_report):
    meta = detect(gov_report("贵州省_2026政府工作报告.txt"), "gov/贵州省_2026政府工作报告.txt", title="政府工作报告")
    assert fields(meta) == ("贵州省人民政府", "贵州省", 2026, "工作报告")
    # Without them in the file name either, the body stays as the text says it.
    meta = detect(gov_report("贵州省_2026政府工作报告.txt"), "report.txt", title="政府工作报告")
    assert fields(meta) == ("省人民政府", "", 2026, "工作报告")  # the year from the date line under the title


def test_the_year_from_the_date_line_under_the_title(gov_report):
    text = gov_report("海南省_2026政府工作报告.txt")
    assert text.startswith("政府工作报告\n——2026年1月27日在海南省第七届人民代表大会第五次会议上\n")
    meta = detect(text, "hainan.txt", title="政府工作报告")
    assert fields(meta) == ("海南省人民政府", "海南省", 2026, "工作报告")


def test_a_national_report_dated_by_its_review_heading(gov_report):
    """The 2024 national report has no title or date line: 一、2023年工作回顾
    says it was made in 2024, and 我代表国务院 that it is national."""
    text = gov_report("国务院_2024政府工作报告.txt")
    assert text.startswith("现在，我代表国务院，向大会报告政府工作") and "\n一、2023年工作回顾\n" in text[:100]
    meta = detect(text, "report.txt", title="政府工作报告")
    assert fields(meta) == ("国务院", "全国", 2024, "工作报告")


def test_a_national_body_makes_a_national_document():
    meta = detect("正文。", "004.txt", title="在中国科协党组主题教育总结会议上的讲话", body="中国科协党组", date="2023年9月8日")
    assert fields(meta) == ("中国科协党组", "全国", 2023, "讲话")
    assert meta.date == "2023年9月8日"


def test_the_masthead_names_the_body_and_the_document_number_is_no_year():
    text = "武汉市科学技术协会文件\n武科协发〔2026〕3号\n关于开展全国科普日活动的通知\n各区科协：\n正文。\n"
    meta = detect(text, "notice.txt", title="关于开展全国科普日活动的通知")
    # 全国 inside the title is a topic, not the national level.
    assert fields(meta) == ("武汉市科学技术协会", "武汉市", None, "通知")


def test_the_year_from_a_review_heading_or_a_signature_date():
    assert detect("正文第一段。\n一、2023年工作回顾\n正文。\n", "x.txt", title="市科协工作报告").year == 2024
    assert detect("正文。\n\n市科协\n2023年12月20日\n", "x.txt", title="市科协工作总结").year == 2023
    assert detect("正文。", "x.txt", title="工作要点", date="2025年3月").year == 2025
    # A year is four digits on their own: not part of a longer number or a hex name.
    assert detect("正文。", "2019/a2019b.txt", title="工作要点").year is None
    assert detect("正文。", "dir/a_2019.docx", title="工作要点").year == 2019
    assert detect("正文。", "x.txt", title="工作要点").year is None


def test_the_title_year_wins_over_the_file_name_and_the_text():
    meta = detect("——2026年1月20日在大会上\n正文。", "江城_2025.txt", title="2024年江城市政府工作报告")
    assert (meta.year, meta.place) == (2024, "")  # 江城市 is no administrative division


def test_a_draft_of_a_report_is_a_report_with_its_place_from_the_title():
    text = "各位代表：\n现在，我代表市科协第三届委员会向大会报告工作。\n"
    meta = detect(text, "003.txt", title="在淮北市科学技术协会第四次代表大会上的工作报告（征求意见稿）")
    assert fields(meta) == ("淮北市科协第三届委员会", "淮北市", None, "工作报告")


@pytest.mark.parametrize("title, kind", [
    ("关于加强新时代科普工作的意见", "意见"),
    ("市科协2024年工作要点", "要点"),
    ("市科协主题教育总结评估汇报", "总结"),      # 汇报 is a 总结
    ("在全市科普工作会议上的讲话", "讲话"),
    ("关于报送总结材料的通知", "通知"),           # the last kind word is what the text is
    ("某区科普行动实施方案（讨论稿）", "方案"),
    ("座谈会纪要", "纪要"),
    ("科普大楼", ""),
])
def test_kind_from_the_title(title, kind):
    assert detect("", "x.txt", title=title).kind == kind


def test_catalog_overrides_win_field_by_field():
    o = {"place": "淮北", "year": 2022, "title": "淮北市科协2022年工作要点", "kind": "方案", "body": "淮北市科协",
         "date": "2022年1月"}
    meta = detect("正文。", "x.txt", title="工作要点", overrides=o)
    assert meta == DocMeta(title="淮北市科协2022年工作要点", body="淮北市科协", place="淮北市", year=2022, kind="方案",
                           date="2022年1月")
    # A date alone gives the year; a place no list has is kept as written.
    assert detect("正文。", "x.txt", title="工作要点", overrides={"date": "2021年5月"}).year == 2021
    assert detect("正文。", "x.txt", title="工作要点", overrides={"place": "某地"}).place == "某地"
    # Only the fields given are replaced.
    meta = detect("我代表市人民政府，向大会报告工作。", "a.txt", title="2026年重庆市政府工作报告", overrides={"year": 2025})
    assert fields(meta) == ("重庆市人民政府", "重庆市", 2025, "工作报告")


def test_label_and_dict():
    meta = DocMeta(title="2026年重庆市政府工作报告", body="重庆市人民政府", place="重庆市", year=2026, kind="工作报告")
    assert meta.label == "2026年 重庆市人民政府"
    assert DocMeta(title="T", place="全国").label == "全国"
    assert DocMeta(title="T", year=2023).label == "2023年 T"
    assert meta.to_dict() == {"title": "2026年重庆市政府工作报告", "body": "重庆市人民政府", "place": "重庆市",
                              "year": 2026, "kind": "工作报告", "date": ""}


@pytest.mark.parametrize("body, aliases", [
    ("重庆市人民政府", {"重庆市人民政府", "重庆市政府", "市人民政府", "市政府"}),
    ("国务院", {"国务院"}),
    ("淮北市科协第三届委员会", {"淮北市科协", "市科协"}),
    ("淮北市科学技术协会", {"淮北市科学技术协会", "淮北市科协", "市科协", "市科学技术协会"}),
    ("中国科协党组", {"中国科协党组", "中国科协"}),
    ("中共*市科学技术局党组", {"市科学技术局党组", "市科技局党组", "市科技局", "科技局", "科技局党组"}),
])
def test_body_aliases(body, aliases):
    found = body_aliases(body)
    assert aliases <= found
    assert all(len(a) >= 3 for a in found)  # 科协, 政府 name kinds of bodies
    assert not {a for a in found if "第三届" in a or "中共" in a or "*" in a}
