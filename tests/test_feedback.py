"""Question history and feedback in a real SQLite file, from real answers
of the real model: what each kind of answer records, who may give feedback,
a second verdict replacing the first, and the export as a question set in
the benchmark's format."""

from __future__ import annotations

import dataclasses
import json
import time

import pytest

from indexer.feedback import MAX_COMMENT, FeedbackError, History, summary
from office_users import PASSWORDS, SECRET, SECRET_Q

QUANTITY = "全市开展了多少项科普活动？"
MASKED = "市科技局开展谈心谈话多少人次？"
DATE = "什么时候召开党组会议"
SENTENCE = "如何加强作风建设"
ABSENT = "全市新建了多少座5G基站？"


def test_history_and_feedback_export_as_a_question_set(office):
    from indexer.feedback import FeedbackError

    zhao, _ = office.login("zhao", PASSWORDS["zhao"])
    li, _ = office.login("li", PASSWORDS["li"])
    good, _ = office.ask(zhao, "纪检", SECRET_Q)
    bad, _ = office.ask(zhao, "纪检", "给予党纪政务处分多少人")
    office.ask(zhao, "纪检", "没有反馈的问题")
    assert [a.q for a in office.history.recent("zhao")] == ["没有反馈的问题", "给予党纪政务处分多少人", SECRET_Q]
    assert office.history.recent("li") == []
    with pytest.raises(FeedbackError):
        office.history.feedback(good, "li", "useful")  # not li's question
    office.history.feedback(good, "zhao", "useful", "正是要找的数字")
    office.history.feedback(bad, "zhao", "wrong", "应该是\n142人")
    lines = [json.loads(line) for line in office.history.export_jsonl().splitlines()]
    assert len(lines) == 2
    first, second = lines
    # The benchmark's fields, from real answers: the evidence is the report's own sentence.
    assert {k: first[k] for k in ("q", "doc", "type", "answer")} == {
        "q": SECRET_Q, "doc": "jijian.txt", "type": "quantity", "answer": "137件"}
    assert first["evidence"] in SECRET and "137件" in first["evidence"] and first["verdict"] == "有用"
    assert second["review"] is True and second["answer"] == "" and second["comment"] == "应该是 142人"
    assert [json.loads(x)["q"] for x in office.history.export_jsonl("wrong").splitlines()] == ["给予党纪政务处分多少人"]


def test_each_kind_of_answer_is_summarised_for_the_record(answerer):
    quantity, masked, date, sentence, absent = (answerer.ask(q) for q in (QUANTITY, MASKED, DATE, SENTENCE, ABSENT))
    for result, kind in ((quantity, "quantity"), (masked, "masked"), (date, "date"), (sentence, "passage")):
        a = result.answers[0]
        assert summary(result) == (a.text, result.hits[a.hit].chunk.doc, a.sentence, kind), result.query
    assert summary(quantity)[0] == "18153项" and summary(masked)[0].startswith("*")
    assert summary(absent) == ("", "", "", "unanswerable")
    # Found, but no answer span: the best passage stands for the answer.
    passage_only = dataclasses.replace(sentence, answers=[])
    chunk = passage_only.hits[0].chunk
    assert summary(passage_only) == (chunk.text[:200], chunk.doc, chunk.text, "passage")


def test_feedback_is_the_askers_own_the_last_verdict_counts_and_the_export_says_what_was_answered(tmp_path, answerer):
    history = History(tmp_path / "data" / "office.sqlite")
    assert history.export_jsonl() == ""
    masked, absent, _ = (history.record("zhao", "默认", answerer.ask(q)) for q in (MASKED, ABSENT, QUANTITY))
    history.record("li", "纪检", answerer.ask(DATE))
    with pytest.raises(FeedbackError, match="有用"):
        history.feedback(masked, "zhao", "excellent")
    with pytest.raises(FeedbackError, match="自己"):
        history.feedback(999, "zhao", "useful")  # no such question
    history.feedback(masked, "zhao", "useful", "先说有用")
    history.feedback(masked, "zhao", "wrong", "  数字被\t隐去了\n" + "长" * 600)
    history.feedback(absent, "zhao", "useful")
    recent = history.recent("zhao", limit=2)
    assert [(a.q, a.found, a.verdict) for a in recent] == [(QUANTITY, True, None), (ABSENT, False, "useful")]
    assert history.recent("zhao")[-1].comment.startswith("数字被 隐去了 长")
    lines = [json.loads(line) for line in history.export_jsonl().splitlines()]
    assert [line["q"] for line in lines] == [MASKED, ABSENT]  # by question, feedback-less ones left out
    wrong, useful = lines
    assert wrong["type"] == "masked" and wrong["answer"] == "" and wrong["got"].startswith("*") and wrong["review"]
    assert wrong["verdict"] == "不对" and len(wrong["comment"]) == MAX_COMMENT and "\n" not in wrong["comment"]
    assert useful == {"q": ABSENT, "doc": "", "type": "unanswerable", "answer": "", "evidence": "", "kb": "默认",
                      "verdict": "有用", "comment": "", "asked": time.strftime("%Y-%m-%d")}
    assert [json.loads(x)["q"] for x in history.export_jsonl("useful").splitlines()] == [ABSENT]
    assert [(a.q, a.kb) for a in history.recent("li")] == [(DATE, "纪检")] and history.recent("nobody") == []
