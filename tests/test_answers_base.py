"""What the answer kinds share, without a model or an index: sentence spans,
question words and their offsets in a passage, character bigrams, fuller
forms of a word, the item of a list a figure belongs to (、 and 分别), the
counted noun, asked editions, a qualified head, modifiers that make a figure
about something else, the words naming what is asked and their weights, the
defaults of a kind and the answer record (answers end to end:
test_answering.py and the test_answers_*.py goldens)."""

from __future__ import annotations

from types import SimpleNamespace

from indexer.answers.base import (LOOSE_SHARE, Answer, Kind, asked_editions, bigrams, counted_noun, edition_stated,
                                  list_item, mention_share, modifiers, object_weights, occurrences, qualified_head,
                                  query_terms, sentences, term_weights)
from indexer.quantities import quantities
from indexer.scope import Scope, ScopeMatch


def cut(text: str, spans) -> list[str]:
    return [text[s:e] for s, e in spans]


def items(sentence: str) -> list[tuple[str, str, bool]]:
    """Each figure of ``sentence`` with the list item it belongs to."""
    out = []
    for m in quantities(sentence):
        a, b, paired = list_item(sentence, (0, len(sentence)), m)
        out.append((m.group(0), sentence[a:b], paired))
    return out


def test_sentences_end_at_full_stops_semicolons_and_lines(gov_report):
    text = "  各位代表：\n现在，我代表市人民政府向大会报告工作！请予审议；并请提出意见。\n最后一句没有句号 "
    assert cut(text, sentences(text)) == ["各位代表：", "现在，我代表市人民政府向大会报告工作！", "请予审议；", "并请提出意见。",
                                          "最后一句没有句号"]
    assert sentences("") == [] and sentences(" \n ") == []
    report = gov_report("国务院_2024政府工作报告.txt")
    line = report[report.index("——经济总体回升向好"):].split("\n")[0]
    assert cut(line, sentences(line))[:3] == ["——经济总体回升向好。", "国内生产总值超过126万亿元，增长5.2%，增速居世界主要经济体前列。",
                                               "城镇新增就业1244万人，城镇调查失业率平均为5.2%。"]


def test_query_terms_leave_out_question_words_units_and_numerals():
    assert query_terms("开展了多少项科普活动") == ["开展", "科普", "活动", "科普活动"]
    assert query_terms("重庆2025年地区生产总值是多少亿元") == ["重庆", "2025", "地区", "生产", "总值", "生产总值"]
    assert query_terms("GDP增长多少") == ["gdp", "增长"]  # lower-cased, as keyword search has them


def test_occurrences_within_a_range_in_any_ascii_case():
    assert occurrences("GDP增长，gdp总量，Gdp", "gdp", 0, 18) == [0, 6, 12]
    assert occurrences("科普活动和科普讲座", "科普", 0, 9) == [0, 5]
    assert occurrences("科普活动和科普讲座", "科普", 1, 9) == [5]
    assert occurrences("科普活动和科普讲座", "科普", 0, 6) == [0]  # it must end inside the range
    assert occurrences("aaa", "aa", 0, 3) == [0, 1]  # overlapping ones count
    assert occurrences("科普活动", "讲座", 0, 4) == []


def test_bigrams_ignore_punctuation():
    assert bigrams("科普，活动") == {"科普", "普活", "活动"}
    assert bigrams("GDP增长") == {"GD", "DP", "P增", "增长"}
    assert bigrams("科") == set() and bigrams("") == set()


def test_a_fuller_form_counts_less_than_the_word_itself():
    assert mention_share("全年完成人工林50万亩", "人工林") == 1.0
    assert mention_share("全年完成人工造林50万亩", "人工林") == LOOSE_SHARE
    assert mention_share("服务科学考察船", "科考船") == LOOSE_SHARE
    assert mention_share("全年完成人工造林50万亩", "造林") == 1.0
    assert mention_share("国内生产总值超过126万亿元", "GDP") == 1.0  # another name of the indicator
    assert mention_share("全年完成植树造林50万亩", "人工林") == 0.0
    assert mention_share("人工智能产业林立", "人工林") == 0.0  # one character between, no more


def test_each_figure_of_a_list_belongs_to_its_own_item():
    assert items("新增55个扩面试点项目、30个城市更新重点片区") == [
        ("55个", "新增55个扩面试点项目", False), ("30个", "30个城市更新重点片区", False)]
    # An item without a subject continues the one before it.
    assert items("地区生产总值突破2万亿元、达到23562亿元") == [
        ("2万亿元", "地区生产总值突破2万亿元", False), ("23562亿元", "地区生产总值突破2万亿元、达到23562亿元", False)]
    # After 分别, a figure belongs to the name in the same place.
    assert items("供电可靠率、自来水普及率分别达99.9%、94.5%") == [
        ("99.9%", "供电可靠率", True), ("94.5%", "自来水普及率", True)]


def test_items_of_a_real_sentence_paired_by_respectively(gov_report):
    report = gov_report("重庆市_2026政府工作报告.txt")
    at = report.index("现代农业产业集群体系加快构建")
    sentence = report[at:report.index("。", at) + 1]
    assert sentence == "现代农业产业集群体系加快构建，农产品网络零售额、乡村旅游经营收入分别增长6.5%、10.1%。"
    clause = (sentence.index("农产品"), sentence.index("。"))
    found = [(m.group(0), list_item(sentence, clause, m)) for m in quantities(sentence)]
    assert [(figure, sentence[a:b], paired) for figure, (a, b, paired) in found] == [
        ("6.5%", "农产品网络零售额", True), ("10.1%", "乡村旅游经营收入", True)]


def test_the_counted_noun_follows_the_question_word():
    objects = {"省级": 1.0, "示范": 1.0, "农村": 1.0, "专业技术": 1.0, "专业": 1.0, "协会": 1.0}
    assert counted_noun("有几个省级示范农村专业技术协会", objects) == "协会"
    assert counted_noun("开展了多少项科普活动", {"科普活动": 1.0, "开展": 1.0}) == "科普活动"
    assert counted_noun("地区生产总值是多少", {"地区生产总值": 1.0}) == ""  # nothing after 多少
    assert counted_noun("地区生产总值", {"地区生产总值": 1.0}) == ""  # no question word


def test_editions_asked_and_stated():
    objects = {"青年": 1.0, "人才": 1.0, "托举": 1.0, "工程": 1.0, "青年人才": 1.0}
    assert asked_editions("第七届青年人才托举工程入选多少人", objects) == [("第七届", "青年人才", (0, 3))]
    assert asked_editions("第二届全国创新争先奖有多少人获奖", {"创新": 1.0, "争先奖": 1.0}) == [("第二届", "创新", (0, 3))]
    assert asked_editions("地区生产总值是多少", {"地区生产总值": 1.0}) == []
    assert edition_stated("第七届青年人才托举工程入选5人", "第七届", "青年") is True
    assert edition_stated("第八届青年人才托举工程入选5人", "第七届", "青年") is False
    assert edition_stated("青年人才托举工程入选5人", "第七届", "青年") is None


def test_a_qualified_head_is_two_object_words_side_by_side():
    assert qualified_head("接待入境游客多少人次", {"接待": 1.0, "入境": 1.0, "游客": 1.0}) == ("入境", "游客")
    assert qualified_head("接待游客多少人次", {"游客": 1.0}) == ("", "")
    assert qualified_head("入境的游客多少人次", {"入境": 1.0, "游客": 1.0}) == ("", "")  # not side by side


def test_modifiers_make_a_figure_about_something_else(gov_report):
    objects = {"地区生产总值": 1.0}
    report = gov_report("重庆市_2026政府工作报告.txt")
    assert "人均地区生产总值达到14万元" in report
    sent = "人均地区生产总值达到14万元"
    assert modifiers(sent, objects, 0, sent.index("14")) == {"人均"}
    sent = "全市地区生产总值达到33757.93亿元"
    assert modifiers(sent, objects, 0, sent.index("33757")) == set()
    sent = "单位国内生产总值二氧化碳排放降低3.8%"
    assert {"单位", "排放"} <= modifiers(sent, {"国内生产总值": 1.0}, 0, sent.index("3.8"))
    assert modifiers("粮食产量达到732.5亿斤", objects, 0, 8) == set()  # the object not named: nothing to qualify


def test_object_words_without_scope_words_and_indicators_as_one_word():
    ctx = SimpleNamespace(searcher=SimpleNamespace(idf=lambda term: 1.0))
    chongqing = ScopeMatch(Scope(places=("重庆市",), spans=((0, 2),)), None)
    assert object_weights(ctx, "重庆地区生产总值是多少", chongqing) == {"地区生产总值": 6.0}
    assert object_weights(ctx, "重庆GDP是多少", chongqing) == {"GDP": 3.0}
    assert object_weights(ctx, "重庆2025年新能源汽车产量是多少", ScopeMatch(Scope(spans=((0, 2), (2, 7))), None)) == {
        "新能源": 3.0, "能源": 2.0, "汽车": 2.0, "产量": 2.0, "汽车产量": 4.0}  # no 重庆, 2025, 年 or 多少
    # Words of time and manner are not the object.
    assert object_weights(ctx, "去年全年城镇新增就业一共多少人", ScopeMatch(Scope(), None)) == {"城镇新增就业": 6.0}
    # Rarer words weigh more.
    rare = SimpleNamespace(searcher=SimpleNamespace(idf=lambda term: 3.0 if term == "托育" else 1.0))
    assert term_weights(rare, "托育机构多少家") == {"托育": 6.0, "机构": 2.0}


def test_kind_defaults_and_the_answer_record():
    kind = Kind()
    assert (kind.name, kind.falls_back, kind.detect("多少"), kind.spans("多少", "3个"), kind.prefers("多少"),
            kind.result_kind([])) == ("passage", True, False, [], None, "passage")
    a = Answer("33757.93亿元", 0, 120, 130, False, "全市地区生产总值达到33757.93亿元、增长5.3%", "〔1〕", "2026年 重庆市人民政府")
    assert a.to_dict() == {"text": "33757.93亿元", "hit": 0, "start": 120, "end": 130, "masked": False,
                           "sentence": "全市地区生产总值达到33757.93亿元、增长5.3%", "citation": "〔1〕",
                           "label": "2026年 重庆市人民政府"}


def test_a_year_beyond_the_report_must_be_named_by_the_passage():
    from indexer.answers.base import far_years, states_year
    from indexer.scope import ScopeMatch, Vocabulary, parse_scope

    vocab = Vocabulary.of({"r.txt": {"place": "重庆市", "year": 2026}})
    ask = lambda q: ScopeMatch(parse_scope(q, vocab), None)
    assert far_years(ask("重庆到2030年研发经费投入强度目标是多少"), 2026) == [2030]
    assert far_years(ask("重庆2023年地区生产总值是多少"), 2026) == [2023]
    assert far_years(ask("重庆2025年地区生产总值是多少"), 2026) == []  # the year the report reviews
    assert far_years(ask("重庆今年地区生产总值增长目标"), 2026) == []
    assert far_years(ask("截至2025年底累计建成多少个"), 2026) == []
    assert states_year("力争到2030年，全市地区生产总值迈上4万亿元新台阶", 2030)
    assert states_year("“十五五”时期主要目标 > 经济增长", 2030) and not states_year("“十四五”时期", 2030)
    assert not states_year("2026年主要预期目标", 2030)


def test_a_respective_list_answers_for_the_name_the_question_covers(gov_report):
    """生产安全事故起数、死亡人数分别下降10.9%、7%: the deaths are the second
    name (起数 is not asked), though the question shares more words with the
    first; 城镇、农村… the reverse, the shared words standing last."""
    from indexer.answers.base import best_paired, paired_names

    report = gov_report("云南省_2026政府工作报告.txt")
    at = report.index("纵深推进安全生产治本攻坚")
    sentence = report[at:report.index("。", at) + 1]
    clause = (sentence.index("生产安全事故"), sentence.index("。"))
    last = quantities(sentence)[-1]
    names, at = paired_names(sentence, clause, last)
    assert [sentence[a:b] for a, b in names] == ["生产安全事故起数", "死亡人数"] and at == 1
    assert best_paired("云南去年生产安全事故死亡人数下降了多少", sentence, names) == {1}
    assert best_paired("云南去年生产安全事故起数下降了多少", sentence, names) == {0}
    sent = "城镇、农村居民人均可支配收入分别增长4.5%、6.5%"
    names, _ = paired_names(sent, (0, len(sent)), quantities(sent)[0])
    assert best_paired("城镇居民人均可支配收入增长多少", sent, names) == {0}
    assert best_paired("农村居民人均可支配收入增长多少", sent, names) == {1}
