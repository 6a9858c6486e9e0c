"""The date answer kind (indexer.answers.date): when questions, against
golden answers from the bundled reports (tests/data/answers/date.json)."""

from __future__ import annotations

from indexer.answers import DATE_KIND, QUANTITY, answer_kind

GOLDEN = "date"


def test_golden_answers(check_answer, golden):
    check_answer(golden)


def test_detection_and_spans():
    assert answer_kind("主题教育总结会议是哪天召开的？") is DATE_KIND and DATE_KIND.falls_back
    assert answer_kind("每年几月份召开几次会议") is QUANTITY  # 几次 asks how many first
    spans = DATE_KIND.spans("", "按：9月8日，中国科协党组召开总结会议（2023年9月8日），印发于2023年*月*日")
    assert [m.group(0) for m in spans] == ["9月8日", "2023年9月8日", "2023年*月*日"]
    assert DATE_KIND.spans("", "召开二十三次会议") == [] and DATE_KIND.prefers("哪天召开的") is None
