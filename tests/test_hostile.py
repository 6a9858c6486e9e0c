"""Hostile and odd queries: any Unicode returns results or a clear message, in bounded time."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(max_size=200))
def test_any_unicode_query(answerer, q):
    t = time.monotonic()
    r = answerer.ask(q)
    assert time.monotonic() - t < 10
    assert r.found or r.message
    for h in r.hits:
        assert h.chunk.text


def test_extreme_queries(answerer):
    for q in ["", "   ", "\x00\x01\x02", "😀" * 50, "科普" * 5000, "<script>alert(1)</script>", "' OR 1=1 --", "\u202e反转"]:
        t = time.monotonic()
        r = answerer.ask(q)
        assert time.monotonic() - t < 10
        assert r.found or r.message
