"""The question sets: CMRC 2018 dev (from the shared folder), the
questions over the bundled reports, and the government work report sets
(questions here, reports in the shared folder).

Nothing here reaches outside the repository on its own: the shared folder
(``../shared`` in CI) is given by ``--shared`` or ``$PARTYQA_SHARED``.

Usage::

    from bench.datasets import load_report_questions, REPORT_QUESTIONS
    qs, items = load_report_questions(CORPUS)       # QuestionSet, raw items
    qs.questions[0], qs.is_hit[0](chunk)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from indexer.loading import Document, load_corpus

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
DATA = Path(__file__).resolve().parent / "data"
REPORT_QUESTIONS = DATA / "report_questions.jsonl"
# Written from the reports on 2026-11-23 and committed before anything was run
# on them; the first set had shaped the fusion weights, refusal threshold and
# answer rules. Retrieval was first measured on it unchanged (see README).
HELDOUT_QUESTIONS = DATA / "report_questions_heldout.jsonl"
# Written on 2026-11-24 by a helper who saw no code, committed before any run.
HELDOUT2_QUESTIONS = DATA / "report_questions_heldout2.jsonl"
# The third, the same way (2026-11-24, later); first run before any change made that day.
HELDOUT3_QUESTIONS = DATA / "report_questions_heldout3.jsonl"
# The fourth (2026-11-24, third session), the same way; first run recorded in the README.
HELDOUT4_QUESTIONS = DATA / "report_questions_heldout4.jsonl"
# The fifth (2026-11-24, fifth session), the same way, 36 questions: the bundled reports' plain
# figures are used up, so most ask a named set (几个服务) or an ordinal; looked at after its first run.
HELDOUT5_QUESTIONS = DATA / "report_questions_heldout5.jsonl"
# The sixth (2026-11-25, ninth session), the same way, 44 questions on facts no earlier set asks
# (mostly numerals of set phrases: 八项, 四个, 首批); committed before its first run.
HELDOUT6_QUESTIONS = DATA / "report_questions_heldout6.jsonl"
REPORT_HELDOUT_SETS = (("reports-heldout", HELDOUT_QUESTIONS), ("reports-heldout2", HELDOUT2_QUESTIONS),
                       ("reports-heldout3", HELDOUT3_QUESTIONS), ("reports-heldout4", HELDOUT4_QUESTIONS),
                       ("reports-heldout5", HELDOUT5_QUESTIONS), ("reports-heldout6", HELDOUT6_QUESTIONS))
# Government work reports (<shared>/corpora/gov): many documents of one genre.
# Questions written by a helper who saw no code, committed before any run,
# split by document: dev over 8 reports, held-out over the other 5.
GOV_DEV = DATA / "gov_questions_dev.jsonl"
GOV_HELDOUT = DATA / "gov_questions_heldout.jsonl"  # looked at since: development now
GOV_HELDOUT2 = DATA / "gov_questions_heldout2.jsonl"  # written after; its failures seen in a benchmark log since
# The third set: its 湖北/湖南/贵州 questions were looked at after its first run, the
# 云南/四川 ones never (README: held-out history).
GOV_HELDOUT3 = DATA / "gov_questions_heldout3.jsonl"
# The fourth: 100 questions on facts no earlier set asks, its failures not looked at (README).
GOV_HELDOUT4 = DATA / "gov_questions_heldout4.jsonl"
# The fifth: 100 more, written the same way; only its 湖北/湖南/贵州 failures were looked at (README).
GOV_HELDOUT5 = DATA / "gov_questions_heldout5.jsonl"
# The sixth: 60 questions over 云南 and 四川 only; its 云南 failures were looked at, the 四川 and
# no-report ones never (README).
GOV_HELDOUT6 = DATA / "gov_questions_heldout6.jsonl"
# The seventh: 105 questions over 湖北/湖南/贵州 written by a helper that saw neither the code
# nor the other sets, committed before its first run (2026-11-24, eighth session).
GOV_HELDOUT7 = DATA / "gov_questions_heldout7.jsonl"
# The eighth: 90 questions over 四川/湖北/湖南/贵州 (14 each of paraphrase, keyword, relative year,
# unusual unit, quote; 20 unanswerable), by a helper that saw no code, committed before its
# first run (2026-11-25, tenth session).
GOV_HELDOUT8 = DATA / "gov_questions_heldout8.jsonl"
GOV_SETS = (("gov-dev", GOV_DEV), ("gov-heldout", GOV_HELDOUT), ("gov-heldout2", GOV_HELDOUT2),
            ("gov-heldout3", GOV_HELDOUT3), ("gov-heldout4", GOV_HELDOUT4), ("gov-heldout5", GOV_HELDOUT5),
            ("gov-heldout6", GOV_HELDOUT6), ("gov-heldout7", GOV_HELDOUT7),
            ("gov-heldout8", GOV_HELDOUT8))


SHARED_ENV = "PARTYQA_SHARED"  # the shared data folder when --shared is not given


def cmrc_path(shared: Path) -> Path:
    return Path(shared) / "bench" / "cmrc2018_dev.json"


def gov_path(shared: Path) -> Path:
    return Path(shared) / "corpora" / "gov"


def read_items(path: Path) -> list[dict]:
    """A JSON-lines question file."""
    return [json.loads(l) for l in Path(path).read_text(encoding="utf-8").splitlines() if l.strip()]


@dataclass
class QuestionSet:
    name: str
    docs: list[Document]
    questions: list[str]
    is_hit: list  # per question: callable(Chunk) -> bool

def load_cmrc(path: Path, limit_paragraphs: int | None = None) -> QuestionSet:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    docs, questions, golds = [], [], []
    for art in data["data"]:
        for p in art["paragraphs"]:
            if limit_paragraphs is not None and len(docs) >= limit_paragraphs:
                break
            rel = f"{p['id']}.txt"
            docs.append(Document(path=rel, title=art["title"], text=p["context"], sha256=p["id"]))
            for qa in p["qas"]:
                questions.append(qa["question"])
                golds.append(rel)
    return QuestionSet("cmrc2018-dev", docs, questions, [lambda c, g=g: c.doc == g for g in golds])

def load_report_questions(corpus: Path, path: Path = REPORT_QUESTIONS,
                          name: str = "reports") -> tuple[QuestionSet, list[dict]]:
    items = read_items(path)
    docs = load_corpus(corpus).documents
    answerable = [d for d in items if d["type"] != "unanswerable"]
    qs = QuestionSet(name, docs, [d["q"] for d in answerable],
                     [lambda c, e=d["evidence"]: e in c.text for d in answerable])
    return qs, items

def load_gov_questions(corpus: Path, path: Path, name: str,
                       docs: list[Document] | None = None) -> tuple[QuestionSet, list[dict]]:
    """A gov question set; a hit is a passage of the named document covering
    at least half of the evidence."""
    items = read_items(path)
    docs = docs if docs is not None else load_gov_corpus(corpus)
    text = {d.path: d.text for d in docs}
    answerable = [d for d in items if d["type"] != "unanswerable"]

    def hit_fn(d):
        at = text[d["doc"]].find(d["evidence"])
        s, e = at, at + len(d["evidence"])
        return lambda c: c.doc == d["doc"] and min(c.end, e) - max(c.start, s) >= (e - s) / 2

    return QuestionSet(name, docs, [d["q"] for d in answerable], [hit_fn(d) for d in answerable]), items

def load_gov_corpus(corpus: Path) -> list[Document]:
    """The reports of the gov folder (its README is not one)."""
    return [d for d in load_corpus(corpus).documents if d.path.endswith(".txt")]

def mixed_sets(gov_path: Path, gov_docs: list[Document], mixed_docs: list[Document],
               report_sets: list[tuple[str, list[dict]]]):
    """The report and gov question sets over one index holding both kinds of
    documents (the reports under ``reports/``); ``report_sets`` are (name, items)."""
    for key, qpath in ((f"mixed-{key}", qpath) for key, qpath in GOV_SETS):
        qs, its = load_gov_questions(gov_path, qpath, key, gov_docs)
        yield key, qs, its
    for name, items in report_sets:
        key = f"mixed-{name}"
        its = [{**d, "doc": f"reports/{d['doc']}"} if d.get("doc") else d for d in items]
        answerable = [d for d in its if d["type"] != "unanswerable"]
        qs = QuestionSet(key, mixed_docs, [d["q"] for d in answerable],
                         [lambda c, e=d["evidence"]: c.doc.startswith("reports/") and e in c.text for d in answerable])
        yield key, qs, its
