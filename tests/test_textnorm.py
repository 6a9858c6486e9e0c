"""Query text made safe: undecodable bytes, control characters and
bidirectional overrides removed, and the length bounded (hostile queries
end to end: test_hostile.py)."""

from __future__ import annotations

from indexer.textnorm import MAX_QUERY_CHARS, MAX_QUERY_UNITS, normalize_query


def test_surrogates_controls_and_overrides_are_removed():
    assert normalize_query("\udcff\udcfe三会一课\x00") == "三会一课"
    assert normalize_query("科普\t\n活动\u2028数量\u202e") == "科普 活动 数量"
    assert normalize_query(None) == normalize_query("") == normalize_query(" \x01 ") == ""
    normalize_query("\udcff科普\x7f").encode("utf-8")  # always encodable


def test_length_is_bounded_in_characters_and_word_units():
    assert len(normalize_query("，" * 100_000)) == MAX_QUERY_CHARS  # punctuation is no word unit
    assert normalize_query("科" * 100_000) == "科" * MAX_QUERY_UNITS  # each Han character is one
    assert normalize_query("a1" * 1000) == "a1" * (MAX_QUERY_UNITS // 2)  # a Latin word and a number: two units
