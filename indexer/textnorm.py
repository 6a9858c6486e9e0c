"""Query text made safe before any work is done on it.

Command-line arguments that are not valid UTF-8 arrive as lone surrogates
(Python's surrogateescape), and pasted text can carry control characters;
either one crashed the tokenizers or the UTF-8 output. A megabyte of query
took 14 s in jieba. So every query is first cut to a bounded size, then
cleaned, then cut again by the number of word units a question can use.

Usage::

    from indexer.textnorm import normalize_query
    normalize_query("\\udcff\\udcfe三会一课\\x00")      # '三会一课'
"""

from __future__ import annotations

import re
import unicodedata

# The embedding model reads at most 512 tokens; a Chinese character is about
# one token, so longer questions cannot change the dense ranking anyway.
MAX_QUERY_CHARS = 512
MAX_QUERY_UNITS = 256  # Han characters, Latin words and numbers
# Cut the raw input before scanning it character by character, so a huge
# paste costs nothing; whatever cleaning removes is far less than this slack.
_RAW_SLACK = 4

_UNIT = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[A-Za-z]+|\d+")
_SPACES = re.compile(r"\s+")
# Bidirectional overrides and isolates reorder the text a user sees; they
# have no meaning in a question.
_BIDI = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"), None)


def _clean_char(ch: str) -> str:
    cat = unicodedata.category(ch)
    if cat == "Cs":  # a lone surrogate: an undecodable byte, not text
        return ""
    if cat == "Cc" or ch in "\u2028\u2029":
        return " "
    return ch


def normalize_query(text: str | None) -> str:
    """``text`` without surrogates, control characters or bidirectional
    overrides, whitespace collapsed, cut to :data:`MAX_QUERY_CHARS`
    characters and :data:`MAX_QUERY_UNITS` word units. Always encodable as UTF-8."""
    if not text:
        return ""
    text = str(text)[: MAX_QUERY_CHARS * _RAW_SLACK]
    text = "".join(_clean_char(ch) for ch in text).translate(_BIDI)
    text = _SPACES.sub(" ", text).strip()[:MAX_QUERY_CHARS]
    for n, m in enumerate(_UNIT.finditer(text)):
        if n == MAX_QUERY_UNITS:
            text = text[: m.start()].rstrip()
            break
    return text
