"""Keyword side of retrieval: jieba words (with a Party-building user
dictionary) and character uni+bigrams, each scored with BM25 by bm25s.

Words catch exact terms (两个确立, 三会一课) that must not be split; character
n-grams catch names and numbers that jieba splits differently in the query
and the document. Both are fused with the dense ranking in
:mod:`indexer.retrieval`.

Usage::

    from indexer.keywords import KeywordIndex, word_tokens
    kw = KeywordIndex.build(["市科协开展全域科普活动", "三会一课制度"])
    kw.scores("全域科普")["words"]          # BM25 score per passage
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

USER_DICT = Path(__file__).parent / "data" / "userdict.txt"
# Question words and particles carry no topic; dropping them keeps BM25 on
# the question's object ("科普活动") rather than on "多少".
STOPWORDS = frozenset("""
的 了 是 在 和 与 及 或 等 对 把 被 将 为 以 于 中 上 下 有 也 都 就 又 并 而 之 其 这 那 此 该
多少 几 几个 几项 什么 哪些 哪个 哪里 哪儿 怎么 怎样 如何 为什么 吗 呢 吧 啊 请问 一下 请 问
哪天 哪年 哪一年 何时 什么时候 时候 几月 几号
""".split())
_TOKEN_OK = re.compile(r"[\w\u4e00-\u9fff]")
_CJK_OR_ALNUM = re.compile(r"[\u4e00-\u9fff]|[A-Za-z]+|\d+(?:\.\d+)?")

_jieba_lock = threading.Lock()


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    with _jieba_lock:
        tok.initialize()
        tok.load_userdict(str(USER_DICT))
    return tok


def precise_words(text: str) -> set[str]:
    """jieba's precise-mode words of ``text``: 办公厅 is one word, not 办公 and 办公厅."""
    return {w.lower() for w in _jieba().lcut(text) if w.strip()}


def word_tokens(text: str, drop_stopwords: bool = True) -> list[str]:
    """jieba search-mode words, lower-cased, punctuation and stopwords dropped."""
    out = []
    for w in _jieba().lcut_for_search(text):
        w = w.strip().lower()
        if not w or not _TOKEN_OK.search(w):
            continue
        if drop_stopwords and w in STOPWORDS:
            continue
        out.append(w)
    return out


def char_tokens(text: str) -> list[str]:
    """Character unigrams and bigrams of Han characters; Latin words and
    numbers stay whole so that 18153 is one token."""
    units = [m.group(0).lower() for m in _CJK_OR_ALNUM.finditer(text)]
    grams = [u for u in units if u not in STOPWORDS]
    grams += [a + b for a, b in zip(units, units[1:])]
    return grams


TOKENIZERS = {"words": word_tokens, "chars": char_tokens}


@dataclass
class KeywordIndex:
    """BM25 over each tokenization of the same passages."""

    retrievers: dict  # name -> bm25s.BM25

    @classmethod
    def build(cls, texts: list[str]) -> "KeywordIndex":
        import bm25s

        retrievers = {}
        for name, fn in TOKENIZERS.items():
            r = bm25s.BM25()
            r.index([fn(t) or [""] for t in texts], show_progress=False)
            retrievers[name] = r
        return cls(retrievers)

    def save(self, folder: Path) -> None:
        for name, r in self.retrievers.items():
            r.save(str(folder / f"bm25_{name}"))

    @classmethod
    def load(cls, folder: Path) -> "KeywordIndex":
        import bm25s

        return cls({name: bm25s.BM25.load(str(folder / f"bm25_{name}")) for name in TOKENIZERS})

    def idf(self, word: str) -> float:
        """Inverse document frequency of a jieba word among the passages; a
        word that occurs nowhere gets the highest value, since it is what
        makes a question about something the reports do not cover."""
        r = self.retrievers["words"]
        n = int(r.scores["num_docs"])
        tid = r.vocab_dict.get(word)
        indptr = r.scores["indptr"]
        df = 0 if tid is None else int(indptr[tid + 1] - indptr[tid])
        return float(np.log((n - df + 0.5) / (df + 0.5) + 1.0))

    def scores(self, query: str) -> dict[str, np.ndarray]:
        out = {}
        for name, r in self.retrievers.items():
            toks = [t for t in TOKENIZERS[name](query) if t in r.vocab_dict]
            n = int(r.scores["num_docs"])
            out[name] = r.get_scores(toks) if toks else np.zeros(n, np.float32)
        return out
