"""Scope, metadata, page residue and answer types on real government work
reports (../shared/corpora/gov): a question is answered from the document it
names, states what was asked, or is refused."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.answering import Answerer, asked_measure, passage_tense
from indexer.building import build_index
from indexer.chunking import chunk_document
from indexer.loading import load_corpus
from indexer.metadata import body_aliases
from indexer.places import find_places, place_of
from indexer.quantities import asked_unit, quantities
from indexer.residue import is_residue, residue_lines
from indexer.retrieval import Searcher
from indexer.scope import filter_documents, passage_period, resolve_scope

ROOT = Path(__file__).resolve().parent.parent
GOV = ROOT.parent / "shared" / "corpora" / "gov"
DOCS = ["重庆市_2026政府工作报告.txt", "浙江省_2026政府工作报告.txt", "国务院_2024政府工作报告.txt",
        "国务院_2026政府工作报告.txt"]
pytestmark = pytest.mark.skipif(not GOV.is_dir(), reason="../shared/corpora/gov is not beside the checkout")


@pytest.fixture(scope="module")
def gov_corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("gov")
    for name in DOCS:
        shutil.copy(GOV / name, root / name)
    return root


@pytest.fixture(scope="module")
def gov_answerer(gov_corpus, tmp_path_factory, embedder) -> Answerer:
    index = tmp_path_factory.mktemp("gov-index")
    build_index(gov_corpus, index, embedder=embedder)
    return Answerer(Searcher.open(index, embedder=embedder))


def test_places_come_from_the_division_list_with_short_names():
    assert [m.place.name for m in find_places("重庆2025年新能源汽车产量")] == ["重庆市"]
    assert [m.place.name for m in find_places("淮北有几个国家级科普示范社区")] == ["淮北市"]
    assert place_of("合肥市").within(place_of("安徽省"))
    assert not place_of("合肥市").within(place_of("浙江省"))
    # Two-character county names are ordinary words: no place in 中心城区.
    assert find_places("中心城区住房市场止跌回稳") == []


def test_metadata_is_detected_from_title_file_name_and_text(gov_corpus):
    docs = {d.path: d for d in load_corpus(gov_corpus).documents}
    cq = docs["重庆市_2026政府工作报告.txt"]
    assert (cq.place, cq.year, cq.body, cq.kind) == ("重庆市", 2026, "重庆市人民政府", "工作报告")
    assert cq.title == "2026年重庆市政府工作报告"  # not the toolbar lines above it
    national = docs["国务院_2024政府工作报告.txt"]
    assert (national.place, national.year, national.body) == ("全国", 2024, "国务院")


def test_a_draft_keeps_the_kind_of_what_it_drafts(tmp_path):
    """（征求意见稿） says the text is a draft; the report is still a 工作报告, not an 意见."""
    (tmp_path / "draft.txt").write_text("在淮北市科学技术协会第四次代表大会上的工作报告（征求意见稿）\n各位代表：\n正文。\n",
                                        encoding="utf-8")
    (tmp_path / "opinion.txt").write_text("关于加强新时代科普工作的意见\n正文。\n", encoding="utf-8")
    docs = {d.path: d for d in load_corpus(tmp_path).documents}
    assert (docs["draft.txt"].kind, docs["draft.txt"].place) == ("工作报告", "淮北市")
    assert docs["opinion.txt"].kind == "意见"


def test_catalog_overrides_detected_metadata(tmp_path):
    shutil.copy(GOV / DOCS[0], tmp_path / DOCS[0])
    (tmp_path / "catalog.toml").write_text(f'["{DOCS[0]}"]\nbody = "重庆市政府办公厅"\nyear = 2025\n', encoding="utf-8")
    doc = load_corpus(tmp_path).documents[0]
    assert (doc.body, doc.year, doc.place) == ("重庆市政府办公厅", 2025, "重庆市")


def test_body_aliases_cover_short_forms():
    assert {"市科技局", "科技局", "市科学技术局党组"} <= body_aliases("中共*市科学技术局党组")
    assert "市科协" in body_aliases("淮北市科协第三届委员会")
    assert "科协" not in body_aliases("市科协党组")  # two characters name a kind of body, not one
    assert {"淮北科协", "淮北市科协"} <= body_aliases("淮北市科学技术协会")  # the place's short name, from outside


def test_a_second_body_named_is_a_topic_not_a_conflicting_scope(searcher):
    """淮北科协 is the 淮北市科学技术协会 by its short name; 中国科协 and 全国代表大会
    named after it are what it studied. The question is asked of the 淮北 report,
    not refused as 语料中没有淮北市中国科协的报告."""
    docs = searcher.documents
    huaibei = [p for p, m in docs.items() if m.get("place") == "淮北市"]
    m = resolve_scope("淮北科协组织学习的是总书记在中国科协第几次全国代表大会上的讲话", docs)
    assert m.message == "" and huaibei and set(huaibei) <= set(m.docs or ())
    assert resolve_scope("淮北科协有多少个学会", docs).docs == huaibei


def test_page_residue_is_kept_out_of_passages_with_exact_offsets(gov_corpus):
    doc = next(d for d in load_corpus(gov_corpus).documents if d.path.startswith("重庆"))
    spans = residue_lines(doc.text)
    assert {doc.text[s:e] for s, e in spans} >= {"下载", "打印", "全屏", "收藏", "来源：重庆日报"}
    chunks = chunk_document(doc)
    for c in chunks:
        assert c.text == doc.text[c.start:c.end]
        assert not any(s < c.end and c.start < e for s, e in spans), c.text[:40]
    assert not is_residue("刚刚过去的2025年，是现代化新重庆建设纵深推进的关键之年。")


def test_units_are_read_as_written():
    found = lambda s: [m.group(0) for m in quantities(s)]
    assert found("全年新能源汽车产量达到129.6万辆") == ["129.6万辆"]
    assert found("粮食产量838.6亿斤") == ["838.6亿斤"]
    assert found("新增装机容量1200万千瓦") == ["1200万千瓦"]
    assert found("集装箱吞吐量达到500万标准箱") == ["500万标准箱"]
    assert found("城市低保标准提高到842元/月") == ["842元/月"]
    assert found("增长5.3个百分点") == ["5.3个百分点"]


def test_a_measure_word_the_question_names_is_read_even_when_no_list_has_it():
    assert asked_unit("南山港服务科考船多少航次") == "航次"
    found = lambda s, q: [m.group(0) for m in quantities(s, asked_unit(q))]
    assert found("南山港服务科考船2152航次。", "多少航次") == ["2152航次"]
    assert found("力争人均预期寿命达81.2岁。", "多少岁") == ["81.2岁"]


def test_paragraphs_opening_with_their_period_are_sections():
    doc = next(d for d in load_corpus(GOV).documents if d.path == "浙江省_2026政府工作报告.txt")
    ends = {c.section.rsplit(" > ", 1)[-1] for c in chunk_document(doc)}
    assert {"五年来", "过去一年"} <= ends
    assert passage_period("一、2025年主要工作 > 五年来") == "multi"
    assert passage_period("一、2025年主要工作 > 过去一年") == "single"
    assert passage_period("一、2025年主要工作") == ""


@pytest.mark.parametrize("question, answer", [
    # one year and five years in one review: the figure of the period asked
    ("重庆2025年新设民营经营主体多少户", "11.7万户"),
    ("重庆十四五期间新设民营经营主体多少户", "276.4万户"),
    # a level reached over five years is this year's level; 从…提升至… answers with where it got to
    ("浙江2025年人均预期寿命是多少岁", "82.5岁"),
    # an everyday name of a standard indicator (人均预期寿命)
    ("浙江老百姓平均寿命提高到多少岁", "82.5岁"),
    ("浙江研发投入强度原来是多少", "2.77%"),
    # each item of a list has its own object (新增2个国家区域医疗中心、40个国家临床重点专科)
    ("重庆新增了多少个国家临床重点专科", "40个"),
    # 分别: names and figures pair up in order
    ("重庆工业投资增长多少", "8.5%"),
    ("重庆基础设施投资增长多少", "3.2%"),
    # 完成 is said of targets too: the report's own year asks for its plan
    ("重庆2026年完成老旧小区改造多少个", "600个"),
    # words side by side look up a figure, not a sentence
    ("重庆 辐射全国 铁路站点", "164个"),
])
def test_answers_state_the_period_and_the_indicator_asked(gov_answerer, question, answer):
    r = gov_answerer.ask(question)
    assert r.found, r.message
    assert r.answers[0].text == answer


def test_questions_ask_for_a_rate_or_a_level():
    assert asked_measure("重庆2025年地区生产总值是多少") == "level"
    assert asked_measure("浙江省2026年固定资产投资预期增长多少？") == "rate"
    assert asked_measure("研发投入强度是多少") == "rate"
    assert asked_measure("城市低保标准提高到多少") == "level"


def test_report_sections_tell_review_from_plan():
    assert passage_tense("一、2025年和“十四五”时期工作回顾 > （二）着力推动科技创新", 2026) == "review"
    assert passage_tense("三、2026年工作安排", 2026) == "plan"
    assert passage_tense("二、2024年经济社会发展总体要求和政策取向", 2024) == "plan"
    assert passage_tense("一、主要做法", None) == ""


def test_scope_picks_the_named_document_or_says_none_matches(gov_answerer):
    docs = gov_answerer.searcher.documents
    assert resolve_scope("重庆2025年新能源汽车产量是多少？", docs).docs == ["重庆市_2026政府工作报告.txt"]
    assert resolve_scope("2024年国内生产总值增长预期目标是多少？", docs).docs == ["国务院_2024政府工作报告.txt"]
    assert resolve_scope("吉林省粮食产量是多少", docs).message == "语料中没有吉林省的报告，无法回答。"
    assert resolve_scope("浙江2023年地区生产总值", docs).docs == []
    m = resolve_scope("重庆去年新能源汽车产量", docs)
    assert m.tense("重庆市_2026政府工作报告.txt") == "review"
    # 全市 asks of a city's or a municipality's report, 全省 of a province's; with no report of
    # that kind in the corpus the word narrows nothing.
    assert resolve_scope("全市新能源汽车产量是多少", docs).docs == ["重庆市_2026政府工作报告.txt"]
    assert resolve_scope("去年全省粮食产量是多少", docs).docs == ["浙江省_2026政府工作报告.txt"]
    national = {p: m for p, m in docs.items() if p.startswith("国务院")}
    assert resolve_scope("全市新能源汽车产量是多少", national).docs is None
    assert filter_documents(docs, places=["浙江"]) == ["浙江省_2026政府工作报告.txt"]
    assert sorted(filter_documents(docs, years=[2024])) == ["国务院_2024政府工作报告.txt"]
    # A one-character abbreviation names a province only standing alone: 新 of 新纳入 is "new",
    # not 新疆; 吉 of 吉祥 is not 吉林.
    assert resolve_scope("渝 新能源汽车产量 2025", docs).docs == ["重庆市_2026政府工作报告.txt"]
    assert resolve_scope("浙2025年地区生产总值", docs).docs == ["浙江省_2026政府工作报告.txt"]
    assert resolve_scope("渝今年城镇新增就业目标", docs).docs == ["重庆市_2026政府工作报告.txt"]
    # The body a report went to (向市政府提交) is not the one that wrote it; 市政府工作报告 is.
    assert resolve_scope("市政府工作报告里新能源汽车产量是多少", docs).docs == ["重庆市_2026政府工作报告.txt"]
    for q in ("新纳入的科技创新智库有几个", "今年推进新成立了几个学会", "吉祥物发布了几款",
              "向市委市政府提交了多少篇专报"):
        assert resolve_scope(q, docs).message == "" and resolve_scope(q, docs).docs is None, q


@pytest.mark.parametrize("question, answer, doc", [
    ("重庆2025年新能源汽车产量是多少？", "129.6万辆", "重庆市_2026政府工作报告.txt"),
    ("2024年国内生产总值增长预期目标是多少？", "5%", "国务院_2024政府工作报告.txt"),
    ("浙江2025年宁波舟山港集装箱吞吐量是多少", "4387万标箱", "浙江省_2026政府工作报告.txt"),
    ("浙江 保税燃料油加注量 2025", "880万吨", "浙江省_2026政府工作报告.txt"),
    ("浙江今年城镇新增就业目标", "100万人", "浙江省_2026政府工作报告.txt"),
    ("重庆到2030年研发经费投入强度目标是多少", "3.25%", "重庆市_2026政府工作报告.txt"),  # the year stated
])
def test_scoped_questions_are_answered_from_the_named_document(gov_answerer, question, answer, doc):
    r = gov_answerer.ask(question)
    assert r.found, r.message
    first = r.answers[0]
    assert first.text == answer
    assert r.hits[first.hit].chunk.doc == doc
    assert first.sentence in first.citation


@pytest.mark.parametrize("question", [
    "吉林省2025年粮食产量是多少？",  # no such report
    "重庆2026年新能源汽车产量的目标是多少万辆？",  # only the 2025 result is stated
    "浙江2023年地区生产总值是多少",  # no report of that year
    "重庆2025年地区生产总值增长了多少个航次",  # no quantity of that kind
    "重庆2025年进出口总值是多少",  # only the five-year total (五年累计超过3.8万亿元) is stated
    "重庆全社会研发经费投入强度是多少",  # only a goal for 2030 is stated, and no time is asked
    "重庆2035年地区生产总值目标是多少",  # no figure names 2035
])
def test_questions_the_reports_do_not_answer_are_refused(gov_answerer, question):
    r = gov_answerer.ask(question)
    assert not r.found
    assert r.answers == []
    assert r.message


def test_level_questions_never_get_a_growth_rate(gov_answerer):
    r = gov_answerer.ask("重庆2025年地区生产总值是多少")
    assert r.found and r.answers[0].text == "33757.93亿元"


@pytest.mark.slow  # subprocesses that each load the model
def test_cli_filters_by_place_and_year(gov_answerer, gov_corpus, tmp_path):
    out_dir = tmp_path / "idx"
    subprocess.run([sys.executable, "-m", "indexer", "build", "--corpus", str(gov_corpus), "--index", str(out_dir),
                    "--quiet"], check=True, cwd=ROOT, capture_output=True)
    run = lambda *a: subprocess.run([sys.executable, "-m", "indexer", "ask", *a, "--index", str(out_dir), "--json"],
                                    cwd=ROOT, capture_output=True, text=True)
    r = json.loads(run("城镇新增就业目标是多少", "--place", "浙江").stdout)
    assert r["found"] and r["answers"][0]["text"] == "100万人"
    assert all(h["doc"] == "浙江省_2026政府工作报告.txt" for h in r["hits"])
    bad = run("城镇新增就业目标是多少", "--place", "吉林")
    assert bad.returncode == 2 and "没有符合" in bad.stderr


def one_report_answerer(tmp_path: Path, embedder, name: str, text: str) -> Answerer:
    """An answerer over a real index of one made-up report ``name`` holding ``text``."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / name).write_text(text, encoding="utf-8")
    index = tmp_path / "index"
    build_index(corpus, index, embedder=embedder)
    return Answerer(Searcher.open(index, embedder=embedder))


def test_totals_increments_and_the_asked_noun(tmp_path, embedder):
    answerer = one_report_answerer(
        tmp_path, embedder, "市科协2025年工作总结.txt",
        "市科协2025年工作总结\n\n一、主要工作\n\n"
        "科普阵地持续扩容，新增国家级科普教育基地3个，总数达到15个；科普大篷车巡展覆盖全部乡镇。\n\n"
        "联合金融机构设立科技创新基金4只、总规模2.6亿元，支持科技型企业126家。\n\n"
        "近几年，全市累计培训基层科普骨干2.3万人次。\n")
    assert answerer.ask("国家级科普教育基地总数是多少个").answers[0].text == "15个"
    assert answerer.ask("新增了多少个国家级科普教育基地").answers[0].text == "3个"
    assert answerer.ask("科技创新基金的总规模是多少").answers[0].text == "2.6亿元"
    assert answerer.ask("设立了多少只科技创新基金").answers[0].text == "4只"


def test_these_years_say_when_and_bracketed_measure_words_are_kept():
    # 这几年 is a time, not a question of how many years
    assert asked_unit("这几年关停或搬走了多少家化工企业") == "家"
    assert asked_unit("近几年开展了哪些活动") is None
    assert [m.group(0) for m in quantities("累计完成棚户区改造47.63万户（套）、老旧小区改造68.56万户")] == [
        "47.63万户（套）", "68.56万户"]
def test_a_place_inside_a_longer_word_scopes_but_stays_asked_about(gov_answerer):
    """重庆火锅 is a dish: it narrows the documents to 重庆's, but remains what is
    asked about, so 产量 alone (新能源汽车产量) does not answer it."""
    docs = gov_answerer.searcher.documents
    m = resolve_scope("重庆火锅产量是多少吨", docs)
    assert m.docs == ["重庆市_2026政府工作报告.txt"]
    assert not any(s < 4 and e > 0 for s, e in m.scope.spans)  # 重庆火锅 is not masked as scope
    assert resolve_scope("重庆2025年汽车产量是多少", docs).scope.spans[0] == (0, 2)
    r = gov_answerer.ask("重庆火锅2025年产量是多少")
    assert not r.found, [a.text for a in r.answers]


def test_a_figure_answers_only_the_measure_and_the_total_asked(tmp_path, embedder):
    """The object's own clause stating another kind of figure (社零 增长5.1%)
    leaves its level unstated; a share is no growth; 总里程 is a total, not the
    year's increment; 提升至多少 takes the value reached, in percent too."""
    answerer = one_report_answerer(
        tmp_path, embedder, "江城市_2026政府工作报告.txt",
        "江城市2026年政府工作报告\n\n一、2025年工作回顾\n\n"
        "提振消费促增长，兑现以旧换新补贴16亿元，发放“江城安逸”消费券超7亿元，全市社会消费品零售总额增长5.1%。\n\n"
        "交通网加密提质，新增高速公路通车里程152公里、总里程达867公里。\n\n"
        "工业投资占固定资产投资比重从17.9%提升到35.5%。\n\n"
        "全市综合科技创新水平指数提升至54.6%。\n")

    def first(q):
        r = answerer.ask(q)
        return r.answers[0].text if r.found else None

    assert first("2025年全市社会消费品零售总额是多少亿元") is None
    assert first("2025年社会消费品零售总额增长了多少") == "5.1%"
    assert first("江城高速公路总里程达到多少公里") == "867公里"
    assert first("去年新增高速公路通车里程多少公里") == "152公里"
    assert first("2025年固定资产投资增长了多少") is None
    assert first("工业投资占固定资产投资比重提升到多少") == "35.5%"
    assert first("江城综合科技创新水平指数提升至多少") == "54.6%"


def test_a_one_character_short_name_before_a_period_scopes(gov_answerer):
    """渝 (重庆) standing first, before 这五年 or 近三年, names the place; inside a word it does not."""
    docs = gov_answerer.searcher.documents
    assert resolve_scope("渝这五年改造了多少个老旧小区", docs).docs == ["重庆市_2026政府工作报告.txt"]
    assert resolve_scope("渝近三年新增多少就业", docs).docs == ["重庆市_2026政府工作报告.txt"]
