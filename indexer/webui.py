"""Pure helpers for the Streamlit pages (no Streamlit calls here, so that
they are tested directly): document text as inert HTML, highlighting,
merging overlapping passages, short section paths, the document filter, the
searching document picker and table pages, and the settings carried by a
share link.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from .config import MAX_QUESTION_CHARS

SECTION_CHARS = 24  # longer section paths are shortened on the page, full on hover
MODES = {"智能（推荐）": "hybrid", "按意思": "dense", "按字词": "keyword"}
DEFAULT_K = 5

# Every character that HTML or Streamlit's Markdown/LaTeX could act on becomes
# a numeric entity, so that document text (masked ** figures, <script>, 1.
# at a line start) is shown literally and never rendered.
_ENTITIES = {c: f"&#{ord(c)};" for c in "&<>\"'*_`[]#~|$\\{}!+-=:"}


def literal(text: str) -> str:
    """Document text as inert HTML for ``st.markdown(..., unsafe_allow_html=True)``."""
    out = "".join(_ENTITIES.get(ch, ch) for ch in text).replace("\n", "<br>")
    # Newlines become <br>, so only the very start could open a list ("1. …").
    return re.sub(r"^(\s*\d+)\.(?=\s|$)", r"\1&#46;", out)


def highlight(text: str, terms: list[str], spans: list[tuple[int, int]] = ()) -> str:
    """HTML for a passage: everything escaped, answer spans and question
    terms marked. Document text is never interpreted as HTML or Markdown."""
    marks = [0] * len(text)
    for s, e in spans:
        for i in range(max(0, s), min(len(text), e)):
            marks[i] = 2
    for t in sorted(set(terms), key=len, reverse=True):
        if len(t) < 2:
            continue
        for m in re.finditer(re.escape(t), text):
            for i in range(m.start(), m.end()):
                marks[i] = marks[i] or 1
    out, i = [], 0
    while i < len(text):
        j = i
        while j < len(text) and marks[j] == marks[i]:
            j += 1
        chunk = literal(text[i:j])
        style = {1: "background:#fff3b0", 2: "background:#ffd166;font-weight:600"}.get(marks[i])
        out.append(f'<mark style="{style}">{chunk}</mark>' if style else chunk)
        i = j
    return "".join(out)


def short_section(section: str, limit: int = SECTION_CHARS) -> str:
    """The last step of a long section path (``… > 三是……``), cut to ``limit``."""
    if len(section) <= limit:
        return section
    parts = section.split(" > ")
    if len(parts) == 1:
        return section[:limit - 1] + "…"
    last = parts[-1]
    return "… > " + (last if len(last) <= limit - 4 else last[:limit - 5] + "…")


def section_html(section: str) -> str:
    """A short section path with the full path on hover (``title``)."""
    short = short_section(section)
    return f'<span title="{html.escape(section, quote=True)}">{literal(short)}</span>'


@dataclass
class Passage:
    """One or more overlapping hits of a document shown as one stretch of text."""

    hits: list[int]  # indices into AskResult.hits, best first
    doc: str
    title: str
    section: str
    start: int
    end: int
    text: str  # exactly the source characters start:end
    page: int | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)  # answer spans, relative to start


def _join(a: Passage, start: int, end: int, text: str) -> None:
    """Extend ``a`` by an overlapping or touching source span."""
    if start < a.start:
        a.text = text[:a.start - start] + a.text
        a.start = start
    if end > a.end:
        a.text = a.text + text[a.end - start:]
        a.end = end


def merge_passages(hits) -> list[Passage]:
    """Hits of the same document whose spans overlap or touch become one
    passage (the sentence shared by two chunks is shown once), in the order
    of the best hit of each."""
    out: list[Passage] = []
    for i, h in enumerate(hits):
        c = h.chunk
        target = next((p for p in out if p.doc == c.doc and c.start <= p.end and c.end >= p.start), None)
        if target is None:
            out.append(Passage([i], c.doc, c.title, c.section, c.start, c.end, c.text, c.page))
        else:
            target.hits.append(i)
            _join(target, c.start, c.end, c.text)
    # A merge can make a passage reach one kept apart before it.
    merged = True
    while merged:
        merged = False
        for a in out:
            for b in out:
                if a is not b and a.doc == b.doc and b.start <= a.end and b.end >= a.start:
                    _join(a, b.start, b.end, b.text)
                    a.hits += b.hits
                    out.remove(b)
                    merged = True
                    break
            if merged:
                break
    return out


def place_answers(passages: list[Passage], answers, hits) -> dict[int, int]:
    """Mark each answer in the passage holding its hit; returns answer index -> passage index."""
    where = {}
    for ai, a in enumerate(answers):
        for pi, p in enumerate(passages):
            if a.hit in p.hits and p.start <= a.start and a.end <= p.end:
                p.spans.append((a.start - p.start, a.end - p.start))
                where[ai] = pi
                break
    return where


# --- document filter ---------------------------------------------------------

def doc_year(meta: dict) -> int | None:
    y = meta.get("year")
    if isinstance(y, int):
        return y
    m = re.search(r"(\d{4})\s*年", str(meta.get("date") or ""))
    return int(m.group(1)) if m else None


FACETS = {  # filter label -> how a document's value is read
    "年份": doc_year,
    "机关": lambda m: (m.get("body") or "").strip() or None,
    "地区": lambda m: (m.get("place") or "").strip() or None,
}


def facet_options(documents: dict) -> dict[str, list]:
    """The filters worth offering: those with at least two different values."""
    out = {}
    for label, read in FACETS.items():
        values = {read(m) for m in documents.values()} - {None}
        if len(values) >= 2:
            out[label] = sorted(values, reverse=label == "年份")
    return out


def filter_docs(documents: dict, facets: dict[str, list], chosen_docs: list[str]) -> list[str] | None:
    """The ``docs=`` list for ``Answerer.ask``: documents matching every chosen
    facet value and, if any are picked, among the picked documents. None
    means no restriction; an empty list means nothing matches."""
    if not chosen_docs and not any(facets.values()):
        return None
    keep = [d for d in documents if not chosen_docs or d in chosen_docs]
    for label, values in facets.items():
        if values:
            keep = [d for d in keep if FACETS[label](documents[d]) in values]
    return keep


def doc_label(path: str, meta: dict) -> str:
    """Tells apart documents with the same title: title · date · file name."""
    date = meta.get("date") or (f"{meta['year']}年" if isinstance(meta.get("year"), int) else "")
    return " · ".join(x for x in (meta.get("title") or path, date, path) if x)


# --- at size: a document picker that searches, a table in pages ---------------

PICKER_LIMIT = 50  # options a document picker lists at once; more are found by typing
PAGE_ROWS = 50     # rows of the corpus table per page


def _words(text: str) -> list[str]:
    return (text or "").lower().split()


def match_documents(documents: dict, text: str, limit: int = PICKER_LIMIT) -> tuple[list[str], int]:
    """Documents whose title, file name, issuing body, place, kind, date or
    year hold every word of ``text`` (all documents when it is blank), newest
    year first: the first ``limit`` of them and how many matched."""
    words = _words(text)
    found = []
    for d, m in documents.items():
        hay = " ".join(str(x) for x in (doc_label(d, m), m.get("body"), m.get("place"), m.get("kind"),
                                         doc_year(m)) if x).lower()
        if all(w in hay for w in words):
            found.append(d)
    found.sort(key=lambda d: (-(doc_year(documents[d]) or 0), doc_label(d, documents[d])))
    return found[:limit], len(found)


def match_rows(rows: list[dict], text: str) -> list[dict]:
    """Table rows with every word of ``text`` in one of their cells."""
    words = _words(text)
    if not words:
        return rows
    return [r for r in rows if all(w in " ".join(map(str, r.values())).lower() for w in words)]


def page_of(rows: list, page: int, size: int = PAGE_ROWS) -> tuple[list, int, int]:
    """Rows of page ``page`` (1-based, clamped into range), the page and the number of pages."""
    pages = max(1, -(-len(rows) // size))
    page = min(max(1, page), pages)
    return rows[(page - 1) * size:page * size], page, pages


# --- share links ---------------------------------------------------------------

def clip_question(q: str) -> tuple[str, bool]:
    q = " ".join((q or "").split())
    return (q[:MAX_QUESTION_CHARS], True) if len(q) > MAX_QUESTION_CHARS else (q, False)


def settings_to_params(query: str, k: int, mode: str, docs: list[str], facets: dict[str, list]) -> dict:
    """Query parameters for the settings that differ from the defaults."""
    params: dict = {}
    if query:
        params["q"] = query
    if k != DEFAULT_K:
        params["k"] = str(k)
    if mode != "hybrid":
        params["m"] = mode
    if docs:
        params["d"] = list(docs)
    for key, label in (("y", "年份"), ("o", "机关"), ("p", "地区")):
        if facets.get(label):
            params[key] = [str(v) for v in facets[label]]
    return params


def params_to_settings(get_all) -> dict:
    """The inverse of :func:`settings_to_params`; ``get_all(name)`` returns a
    list (``st.query_params.get_all``). Bad values fall back to defaults."""
    first = lambda n: (get_all(n) or [""])[0]  # noqa: E731
    q, clipped = clip_question(first("q"))
    try:
        k = max(1, min(20, int(first("k") or DEFAULT_K)))
    except ValueError:
        k = DEFAULT_K
    mode = first("m") if first("m") in MODES.values() else "hybrid"
    facets = {}
    for key, label in (("y", "年份"), ("o", "机关"), ("p", "地区")):
        vals = get_all(key)
        if vals:
            facets[label] = [int(v) for v in vals if v.isdigit()] if label == "年份" else list(vals)
    return {"q": q, "clipped": clipped, "k": k, "mode": mode, "docs": list(get_all("d")), "facets": facets}


# --- page chrome -------------------------------------------------------------

# Streamlit 1.67 has no setting for these built-in English strings: the
# "Press Enter to submit form" hint, the running/stop status widget, the
# keyboard users' "Skip to main content" link, and the file uploader's
# "Upload"/"50MB per file" texts. CSS hides them or shows Chinese instead
# (``::after``); the pages write their own hints.
CSS = """
<style>
[data-testid="InputInstructions"], [data-testid="stStatusWidget"],
[data-testid="stFileUploaderDropzoneInstructions"], [data-testid="stFileChipName"] + * {display: none !important;}
[data-testid="stFileUploaderDropzone"] button > * {display: none !important;}
[data-testid="stFileUploaderDropzone"] button::after {content: "选择文件";}
[data-testid="stSkipToContent"] {font-size: 0 !important;}
[data-testid="stSkipToContent"]::after {content: "跳到正文"; font-size: 1rem;}
.pq-meta {color: #555; font-size: 0.9rem;}
</style>
"""
