"""The quote basket in SQLite: per user, kept across connections, ordered,
trimmed only to an exact part of the quoted span (the export of its quotes:
test_exporting.py)."""

from __future__ import annotations

import pytest

from documents import QUOTED as SOURCE, quote
from indexer.basket import Basket, TrimError

DOC = "前言\n" + SOURCE + "\n"


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
