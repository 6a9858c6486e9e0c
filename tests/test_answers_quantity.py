"""The quantity answer kind (indexer.answers.quantity): how-many questions
and keyword queries naming an indicator, against golden answers from the
bundled reports (tests/data/answers/quantity.json)."""

from __future__ import annotations

from indexer.answers import INDICATOR_QUERY, QUANTITY, answer_kind, asked_measure

GOLDEN = "quantity"


def spans(query: str, sentence: str) -> list[str]:
    """The texts of the spans that could answer ``query`` in ``sentence``."""
    return [m.group(0) for m in QUANTITY.spans(query, sentence)]


def test_golden_answers(check_answer, golden):
    check_answer(golden)


def test_detection_and_spans():
    assert answer_kind("全市开展了多少项科普活动？") is QUANTITY and answer_kind("科普活动总数") is QUANTITY
    assert answer_kind("安徽 粮食产量 2025") is INDICATOR_QUERY
    assert INDICATOR_QUERY.falls_back and not QUANTITY.falls_back  # 多少 is answered by a figure or not at all
    sent = "带动全市3981个单位组织开展18153项全域科普活动"
    assert spans("开展了多少项科普活动", sent) == ["3981个", "18153项"]
    # A level question never takes the growth, nor a milestone passed, nor where a change started.
    assert spans("地区生产总值是多少", "地区生产总值增长5.3%，达到62661亿元") == ["62661亿元"]
    assert spans("地区生产总值是多少", "迈上6万亿元台阶，达到62661亿元") == ["62661亿元"]
    assert spans("低保标准是多少", "从796元/月提高至842元/月") == ["842元/月"]
    assert asked_measure("研发投入强度是多少") == "rate" and asked_measure("城市低保标准提高到多少") == "level"


def test_retrieval_prefers_passages_with_the_asked_unit():
    holds = QUANTITY.prefers("读书班一共办了几天")
    assert holds("集中8天举办读书班") and not holds("为期1周的读书班")
    assert QUANTITY.prefers("地区生产总值是多少") is None  # no unit named: no preference
    assert INDICATOR_QUERY.prefers("安徽 粮食产量 2025") is None


def test_latin_units_and_any_letter_case(city_answerer):
    """A unit in Latin letters is read as written, and a question word in
    lower case (pm2.5) finds the text's PM2.5."""
    for q, expected in [("江城市算力规模突破了多少？", "190Eflops"), ("江城骨干网带宽是多少", "400Gbps"),
                        ("江城 pm2.5 浓度 2025", "28.5微克每立方米"), ("江城建成了多少个5G基站", "3.2万个")]:
        r = city_answerer.ask(q)
        assert r.found and r.answers[0].text == expected, (q, r.message, [a.text for a in r.answers])


def test_a_share_is_answered_by_a_percentage_or_not_at_all(city_answerer):
    """覆盖率 asks a percentage: the concentration stated beside it
    (23微克/立方米) does not answer it; a 比率 that is stated is answered."""
    for q in ("江城到2030年森林覆盖率要达到多少", "江城森林覆盖率要达到多少"):
        r = city_answerer.ask(q)
        assert not r.found and r.answers == [], (q, [a.text for a in r.answers])
    assert city_answerer.ask("江城空气质量优良天数比率是多少").answers[0].text == "92.3%"


def test_a_figure_of_another_clause_does_not_answer(city_answerer):
    """The railway's figure is the five-year total of its own clause; the
    port's 8000万吨 beside it is not the railway's one-year figure."""
    r = city_answerer.ask("江城2025年中江铁路运输货物多少万吨")
    assert not r.found and r.answers == [], [a.text for a in r.answers]
    assert city_answerer.ask("江城口岸货运通关能力提升到了多少").answers[0].text == "8000万吨"
    assert city_answerer.ask("江城中江铁路这五年累计运输货物多少").answers[0].text == "超7400万吨"


def test_which_one_in_a_series_is_answered_by_its_ordinal(answerer):
    from indexer.answers.quantity import ordinal_pattern

    assert [m.group(0) for m in ordinal_pattern("获的是第几届科普讲解大赛的奖").finditer("获第九届*科普讲解大赛优秀组织奖")] == ["第九届"]
    assert [m.group(0) for m in ordinal_pattern("中央第几指导组").finditer("中央第三十八指导组")] == ["第三十八指导组"]
    assert ordinal_pattern("开展了多少次活动") is None and ordinal_pattern("第几") is None
    # End to end: the ordinal of the named series, not an amount of the passage.
    r = answerer.ask("淮北市科协上一届是第几届委员会")
    assert r.found and r.answers[0].text == "第三届"


def test_a_total_is_not_the_few_chosen_and_people_are_not_counted_in_homes(answerer):
    # 推荐3名科技工作者 answers how many were recommended, not how many there are.
    assert answerer.ask("市科协推荐了多少名科技工作者参评国家工程师奖").answers[0].text == "3名"
    assert "3名" not in [a.text for a in answerer.ask("全市科技工作者一共有多少名").answers]
    # 建成7家……科技工作者之家 counts homes: a question about people gets no figure from it.
    assert answerer.ask("市科协指导建成了多少个科技工作者之家").answers[0].text == "7家"
    r = answerer.ask("全市有多少人在科技工作者之家工作")
    assert "7家" not in [a.text for a in r.answers]


def test_a_named_set_is_answered_by_its_numeral(answerer):
    """几个服务 asks how many a named set holds: the text's 四个服务, though a
    Chinese numeral alone is no count; the numeral with its measure word, or
    with the noun when it has none, up to a closing quote."""
    from indexer.answers.quantity import named_set_spans

    assert spans("几个服务", "坚持“四个服务”职责定位") == ["四个"]
    assert spans("几张清单", "制定“两清单”") == ["两清单"]
    assert spans("几强党支部", "涌现出新一批“四强”党支部和优秀党员") == ["四强"]
    assert spans("几个坚持", "阐明党的建设“十三个坚持”重要思想") == ["十三个"]
    # Another noun, or only one character of a longer one, names another set.
    assert spans("几个服务", "落实“两个维护”") == [] and spans("几个服务", "统一服务标准") == []
    assert named_set_spans("开展了多少次活动", "开展三次活动") == []  # 多少 asks an amount, not a set
    # End to end on the bundled reports: the set the question names, in the report that names it.
    r = answerer.ask("中国科协直属机关主题教育中涌现出的是几强党支部")
    assert r.found and r.answers[0].text == "四强"
    r = answerer.ask("中国科协党组认为全面从严治党的几个责任还需要不断强化")
    assert r.found and r.answers[0].text == "两个" and "“两个责任”" in r.answers[0].sentence


def test_a_goal_answers_a_question_that_asks_for_a_goal(city_answerer):
    """到2030年…不高于23微克/立方米 answers a question naming that horizon or
    asking for the bound, but not one asking what the level is."""
    for q in ("细颗粒物年平均浓度不高于多少", "江城到2030年细颗粒物年平均浓度是多少", "细颗粒物年平均浓度目标是多少"):
        r = city_answerer.ask(q)
        assert r.found and r.answers[0].text == "23微克/立方米", (q, r.message, [a.text for a in r.answers])
    assert not city_answerer.ask("细颗粒物年平均浓度是多少").found


def test_a_paraphrase_in_the_askers_own_words_is_answered(city_answerer):
    """托育位子 and 小宝宝 are words the report never uses: the figure of exactly
    the asked unit whose own clause means what was asked (婴幼儿托位增至2.6万个)
    answers, though the passage as a whole is not close; a figure of that unit
    in an unrelated clause does not."""
    r = city_answerer.ask("江城现在能给小宝宝提供多少个托育位子")
    assert r.found and r.answers[0].text == "2.6万个", (r.message, [a.text for a in r.answers])
    r = city_answerer.ask("江城有多少个公共图书馆")
    assert not r.found, [a.text for a in r.answers]


def test_a_decrease_is_answered_by_its_percentage(city_answerer):
    """减时间多少 asks for a change, which the report states as a percentage."""
    r = city_answerer.ask("江城新上线重点事项办理平均减时间多少")
    assert r.found and r.answers[0].text == "62%", (r.message, [a.text for a in r.answers])


def test_the_asked_measure_word_is_not_glued_to_the_noun_after_it():
    """jieba cuts 多少套保交房 into 套保 and 交房: the noun asked about is 保交房."""
    from indexer.answers import query_terms

    assert "套保" not in query_terms("多少套保交房交到了买房人手里")
    assert "托育" in query_terms("能提供多少个托育位子")
    assert "家庭" in query_terms("有多少家庭领到补贴")  # 家庭 is a word: 家 is not a measure word here


def test_a_change_asked_is_not_answered_by_the_level_reached(city_answerer):
    """增长了多少 asks for a change: 全年接待游客6200万人次 is the level, and the
    report states no growth for it."""
    r = city_answerer.ask("江城全年接待游客增长了多少")
    assert not r.found, [a.text for a in r.answers]
    r = city_answerer.ask("江城全年接待游客多少人次")
    assert r.found and r.answers[0].text == "6200万人次"


def test_people_are_never_counted_in_places(city_answerer):
    """婴幼儿人口 asks how many people: 婴幼儿托位增至2.6万个 counts places, not children."""
    r = city_answerer.ask("江城婴幼儿人口有多少")
    assert not r.found, [a.text for a in r.answers]


def test_a_paraphrase_must_count_the_noun_the_question_names_before_its_question_word(answerer):
    """个人会员 is a word the reports use: 11名在职党员干部, though its clause is close in
    meaning, does not count them. The bundled reports state no number of 个人会员."""
    from indexer.answers.base import counted_before

    assert counted_before("淮北市科协现有个人会员多少名") == "会员"
    assert counted_before("湖北现在能给小宝宝提供多少个托育位子") == ""  # a verb there: the noun comes after
    r = answerer.ask("淮北市科协现有个人会员多少名")
    assert not r.found, [a.text for a in r.answers]


def test_a_total_is_not_answered_by_those_chosen_for_something_else(city_answerer, answerer):
    """3人当选两院院士 and 12人入选国家级人才计划 say how many were chosen, not how many
    科技工作者 there are; asked as such (几人当选) they answer. Chosen for what the
    question asks (8家入选国家级基地), the figure counts it."""
    r = city_answerer.ask("江城科技工作者总数有多少人")
    assert not r.found and r.answers == [], [a.text for a in r.answers]
    assert city_answerer.ask("江城有几人当选两院院士").answers[0].text == "3人"
    assert answerer.ask("国家级科学家精神教育基地总数是多少个").answers[0].text == "8家"


def test_a_figure_counts_the_noun_right_after_it(answerer):
    """班子成员确定6个调研课题和15项调研专题: 多少项调研专题 is the 15项, the figure
    right before the noun the question counts; the other figure of the clause counts
    its own noun."""
    r = answerer.ask("班子成员定了多少项调研专题")
    assert r.found and r.answers[0].text == "15项", [a.text for a in r.answers]


def test_a_named_set_asked_without_a_measure_word_is_answered_only_by_one():
    """几大 (五大重点人群) asks how many a set named by a numeral holds: 18153项 in the
    same passage is no answer to it."""
    assert spans("全域科普 重点人群 几大", "带动全市3981个单位组织开展18153项全域科普活动") == []
    sent = "大力实施青少年、产业工人、农民、老年人、领导干部和公务员五大重点人群科学素质提升工程"
    assert spans("全域科普 重点人群 几大", sent) == ["五大"]
    # 方面 is a measure word: 几方面经验 is counted in it, not a named set of 方.
    from indexer.answers.quantity import _named_set

    assert _named_set("总结了几方面经验") == ("方面", "经验")


def test_a_name_made_of_numbers_is_answered_whole(answerer):
    """Party texts name rules and campaigns by the numbers in them (四不两直,
    一岗双责, 四史, 双减, 五位一体); a question puts 几 where each number stands.
    The answer is the whole name, and the sentence that holds it names what
    the question's 几 word names."""
    assert spans("调研坚持几不几直", "坚持“四不两直”和“一线工作法”") == ["四不两直"]
    assert spans("落实一岗几责", "领导班子成员严格落实“一岗双责”，定期听取") == ["双责"]
    assert spans("教育几减", "青少中心在教育“双减”中做好科学教育加法") == ["双减"]
    assert spans("总体布局是几位一体", "“四个全面”战略布局和“五位一体”总体布局") == ["五位一体"]
    # 几个一 asks with a measure word: the sentence's counts stay candidates, after the name.
    assert spans("进校园是几个一活动", "开展科学家精神进校园“六个一”活动21场") == ["六个一", "21场"]
    # A count is still a count (四个, not 四个服务), and another name is no answer.
    assert spans("几个服务", "坚持“四个服务”职责定位") == ["四个"]
    assert spans("调研坚持几不几直", "坚持“四下基层”") == []
    for q, want in (("市科协调查研究坚持几不几直", "四不两直"), ("科技局领导班子落实一岗几责", "双责"),
                    ("建党百年开展了几史宣讲活动", "四史")):
        r = answerer.ask(q)
        assert r.found and r.answers[0].text == want, (q, [a.text for a in r.answers])


def test_a_name_the_reports_quote_must_be_named_where_the_figure_stands(answerer):
    """The reports put names in quotation marks (“天开创新沙龙”): a figure in a
    sentence that names neither it nor, before it in the paragraph, anything
    quoted by that name is about something else (组织35人次参加市委党校调训).
    A period in quotation marks (“十四五”) is scope, not a name."""
    from indexer.answers.base import asked_names

    r = answerer.ask("天开创新沙龙一共有多少人参加")
    assert not r.found and r.answers == [], [a.text for a in r.answers]
    r = answerer.ask("天开创新沙龙举办了几期")
    assert r.found and r.answers[0].text == "四期", [a.text for a in r.answers]
    assert asked_names("天开创新沙龙举办了几期", r.hits, answerer.searcher.resolve("天开创新沙龙举办了几期")) == {"天开创新沙龙"}


def test_a_paraphrase_does_not_drop_a_qualifier(answerer):
    """高风险点 is narrower than the 廉政风险点147个 the sentence counts: a paraphrase
    replaces the question's words, it does not drop a qualifier of them."""
    r = answerer.ask("市科协党组排查出的廉政风险点里高风险点有多少个？")
    assert not r.found and r.answers == [], [a.text for a in r.answers]
    assert answerer.ask("市科协党组排查出多少个廉政风险点").answers[0].text == "147个"


def test_the_first_of_a_series_answers_which_one():
    """首批, 首家 are the first: they answer 第几批, 第几家 as 第三批 does."""
    from indexer.answers.quantity import ordinal_pattern

    batch = ordinal_pattern("职称评审专项服务是第几批")
    assert [m.group(0) for m in batch.finditer("组织2023年首批民营企业工程技术系列高级职称评审专项服务，第三批")] == \
        ["首批", "第三批"]
    assert [m.group(0) for m in ordinal_pattern("是淮北第几家").finditer("成立淮北市首家省级学会服务站")] == ["首家"]
