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
import math
import re
import threading
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp

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


def is_word(text: str) -> bool:
    """Whether jieba's dictionary (with the user dictionary) has ``text`` as a word."""
    return _jieba().FREQ.get(text, 0) > 0


def word_spans(text: str) -> list[tuple[str, int, int]]:
    """jieba's precise-mode words of ``text`` with their offsets."""
    return list(_jieba().tokenize(text))


@lru_cache(maxsize=1)
def _tagger():
    import jieba.posseg

    return jieba.posseg.POSTokenizer(_jieba())


def noun_tags(text: str) -> list[tuple[str, str]]:
    """jieba's words of ``text`` with their part-of-speech tags (n… for nouns)."""
    return [(p.word, p.flag) for p in _tagger().lcut(text)]


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


def _drop_unused(tf: sp.csr_matrix, vocab: dict[str, int]) -> tuple[sp.csr_matrix, dict[str, int]]:
    """Terms of removed passages leave the vocabulary (the empty term stays, as in bm25s)."""
    used = np.diff(tf.tocsc().indptr) > 0
    used[vocab[""]] = True
    if used.all():
        return tf, vocab
    new_id = np.cumsum(used) - 1
    words = sorted(vocab, key=vocab.get)
    tf = sp.csr_matrix((tf.data, new_id[tf.indices], tf.indptr), shape=(tf.shape[0], int(used.sum())))
    return tf, {w: int(new_id[i]) for i, w in enumerate(words) if used[i]}


# bm25s's defaults (method "lucene"), which both building paths below must share.
K1, B = 1.5, 0.75
LENGTHS = "lengths.npy"  # tokens per passage, beside each bm25s folder: what an update needs


def _idf32(df: np.ndarray, n: int) -> np.ndarray:
    """bm25s's Lucene IDF, computed as bm25s does (``math.log`` per value, then float32)."""
    values = {int(v): math.log(1 + (n - v + 0.5) / (v + 0.5)) for v in np.unique(df) if v}
    return np.array([values.get(int(v), 0.0) for v in df], dtype=np.float32)


def _length_norm(dl: np.ndarray) -> np.ndarray:
    """BM25's k of each passage, k1 * (1 - b + b * length / mean length), in float64 as bm25s computes it."""
    dl = dl.astype(np.int64)
    return K1 * ((1 - B) + B * dl / (dl.mean() if len(dl) else 1.0))


def _saturation(tf: sp.csr_matrix) -> np.ndarray:
    """BM25's term-frequency part of every stored (passage, term) entry, in float64 as bm25s computes it."""
    norm = _length_norm(np.asarray(tf.sum(axis=1)).ravel())
    rows = np.repeat(np.arange(tf.shape[0]), np.diff(tf.indptr))
    return tf.data / (norm[rows] + tf.data)


def bm25_from_counts(tf: sp.csr_matrix, vocab: dict[str, int]):
    """A :class:`bm25s.BM25` over term counts (passages x terms): the same
    scores, entry for entry, as ``bm25s.BM25().index(tokens)``, but computed
    with array operations instead of a Python loop over passages, so that
    an update costs seconds at tens of thousands of passages."""
    import bm25s

    n = tf.shape[0]
    df = np.diff(tf.tocsc().indptr)
    idf = _idf32(df, n)
    tfc = _saturation(tf)
    scores = sp.csr_matrix(((idf[tf.indices] * tfc).astype(np.float32), tf.indices, tf.indptr),
                           shape=tf.shape).tocsc()
    r = bm25s.BM25(k1=K1, b=B)
    r.scores = {"data": scores.data, "indices": scores.indices.astype(np.int32),
                "indptr": scores.indptr.astype(np.int32), "num_docs": n}
    r.vocab_dict = dict(vocab)
    r.unique_token_ids_set = set(vocab.values())
    r.nonoccurrence_array = None  # Lucene BM25 has none
    return r


def _counts(token_lists: list[list[str]], vocab: dict[str, int]) -> sp.csr_matrix:
    """Term counts of tokenized passages; new terms are added to ``vocab``."""
    indptr, ids, tfs = [0], [], []
    for tokens in token_lists:
        counted = Counter(tokens or [""])
        for word, c in counted.items():
            ids.append(vocab.setdefault(word, len(vocab)))
            tfs.append(c)
        indptr.append(len(ids))
    return sp.csr_matrix((np.array(tfs, dtype=np.float64), np.array(ids, dtype=np.int64), np.array(indptr)),
                         shape=(len(token_lists), max(len(vocab), 1)))


def _recovered_counts(r, lengths: np.ndarray) -> sp.csr_matrix | None:
    """The term counts behind a saved bm25s index, from its scores and the
    passage lengths: score = idf * tf / (k + tf) solved for tf. None when
    the result is not whole numbers (an index built some other way)."""
    sc = r.scores
    n = int(sc["num_docs"])
    if len(lengths) != n or n == 0:
        return None
    csc = sp.csc_matrix((sc["data"].astype(np.float64), sc["indices"], sc["indptr"]), shape=(n, len(sc["indptr"]) - 1))
    idf = _idf32(np.diff(sc["indptr"]), n).astype(np.float64)
    cols = np.repeat(np.arange(csc.shape[1]), np.diff(csc.indptr))
    k = _length_norm(lengths)
    s = csc.data
    with np.errstate(divide="ignore", invalid="ignore"):
        tf = s * k[csc.indices] / (idf[cols] - s)
    whole = np.rint(tf)
    if not np.all(np.isfinite(tf)) or np.abs(tf - whole).max(initial=0) > 0.01 or whole.min(initial=1) < 1:
        return None
    out = sp.csc_matrix((whole, csc.indices, csc.indptr), shape=csc.shape).tocsr()
    if not np.array_equal(np.asarray(out.sum(axis=1)).ravel(), lengths):
        return None
    return out


@dataclass
class KeywordIndex:
    """BM25 over each tokenization of the same passages."""

    retrievers: dict  # name -> bm25s.BM25
    lengths: dict | None = None  # name -> tokens per passage (build side only)

    @classmethod
    def build(cls, texts: list[str], previous: "KeywordIndex | None" = None,
              carried: list[int | None] | None = None) -> "KeywordIndex":
        """BM25 over ``texts``. With ``previous`` (loaded ``with_lengths``)
        and ``carried`` (for each text, its row in ``previous`` when the text
        is the same, else None), carried passages are not tokenized again:
        their counts are read back from the previous index."""
        retrievers, lengths = {}, {}
        for name, fn in TOKENIZERS.items():
            old = None
            if previous is not None and carried is not None and previous.lengths:
                r0 = previous.retrievers[name]
                old = _recovered_counts(r0, previous.lengths[name])
            if old is None:
                vocab: dict[str, int] = {}
                tf = _counts([fn(t) for t in texts], vocab)
            else:
                vocab = dict(r0.vocab_dict)
                rows = [i for i, c in enumerate(carried) if c is None]
                fresh = _counts([fn(texts[i]) for i in rows], vocab)
                kept = old[[c for c in carried if c is not None]]
                kept.resize(kept.shape[0], len(vocab))
                fresh.resize(fresh.shape[0], len(vocab))
                stacked = sp.vstack([kept, fresh], format="csr")
                # Row i of the result: carried rows come first in ``stacked``, fresh ones after.
                where = np.empty(len(texts), dtype=np.int64)
                carried_at = [i for i, c in enumerate(carried) if c is not None]
                where[carried_at] = np.arange(len(carried_at))
                where[rows] = len(carried_at) + np.arange(len(rows))
                tf = stacked[where]
            vocab.setdefault("", len(vocab))  # as bm25s does: the empty query still has a column
            tf.resize(len(texts), len(vocab))
            tf, vocab = _drop_unused(tf, vocab)
            retrievers[name] = bm25_from_counts(tf, vocab)
            lengths[name] = np.asarray(tf.sum(axis=1)).ravel().astype(np.int64)
        return cls(retrievers, lengths)

    def save(self, folder: Path) -> None:
        for name, r in self.retrievers.items():
            r.save(str(folder / f"bm25_{name}"), show_progress=False)
            if self.lengths:
                np.save(folder / f"bm25_{name}" / LENGTHS, self.lengths[name])

    @classmethod
    def load(cls, folder: Path, with_lengths: bool = False) -> "KeywordIndex":
        import bm25s

        retrievers = {name: bm25s.BM25.load(str(folder / f"bm25_{name}")) for name in TOKENIZERS}
        lengths = None
        if with_lengths and all((folder / f"bm25_{n}" / LENGTHS).exists() for n in TOKENIZERS):
            lengths = {n: np.load(folder / f"bm25_{n}" / LENGTHS) for n in TOKENIZERS}
        return cls(retrievers, lengths)

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
