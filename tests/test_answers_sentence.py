"""The sentence answer kind (indexer.answers.sentence): what, how and why
questions, and the fallback of the date and indicator kinds, against golden
answers from the bundled reports (tests/data/answers/passage.json)."""

from __future__ import annotations

from indexer.answers import KINDS, SENTENCE_KIND, answer_kind

GOLDEN = "passage"


def test_golden_answers(check_answer, golden):
    check_answer(golden)


def test_every_question_gets_a_kind_and_the_sentence_comes_last():
    assert KINDS[-1] is SENTENCE_KIND and SENTENCE_KIND.detect("") and not SENTENCE_KIND.falls_back
    assert answer_kind("如何加强对科技工作者的思想政治引领？") is SENTENCE_KIND
    assert answer_kind("") is SENTENCE_KIND and SENTENCE_KIND.prefers("怎样防止四风反弹") is None
    assert [m.group(0) for m in SENTENCE_KIND.spans("", "一是坚持党的全面领导。")] == ["一是坚持党的全面领导。"]


def test_a_quote_request_gets_the_sentence_not_the_dateline(city_answerer):
    """The dateline shares the question's scope words (江城市, 政府工作报告) and
    outscores every sentence on them, but names nothing asked."""
    r = city_answerer.ask("江城市政府工作报告怎么讲旅居江城")
    assert r.found and r.answers[0].text.startswith("文旅融合发展，旅居江城成为城市名片"), (r.message, r.answers)


def test_which_ones_is_not_how_many(city_answerer):
    """哪几种 asks which, not how many; and the question word is not what is asked about."""
    assert answer_kind("学校要开展哪几种教育") is SENTENCE_KIND
    r = city_answerer.ask("江城报告里推进城市更新要做哪几件事")
    assert r.found and "改造老旧小区120个" in r.answers[0].text, (r.message, r.answers)
