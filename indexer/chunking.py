"""Structure-aware chunking of Chinese official documents.

Headings (第一部分, 一、, （一）, 一是, 1., （1）, short title lines, and
``.docx`` heading styles) give every chunk a section path such as
``五、全面加强作风建设，激发干事创业内生动力 > 三是在服务人民群众中展作风``;
a paragraph opening with its period (五年来，… / 这一年，…) adds that period
(``一、2025年和“十四五”时期工作回顾 > 五年来``), so that a figure is read as a
five-year or a one-year one.
Sections are split with langchain-text-splitters on Chinese boundaries
(paragraph, 。！？；, then ，). Every chunk satisfies
``chunk.text == document.text[chunk.start:chunk.end]``.

Usage::

    from indexer.chunking import ChunkParams, chunk_document
    for chunk in chunk_document(doc, ChunkParams(size=300, overlap=60)):
        print(chunk.section, chunk.start, chunk.end)
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from .config import CHUNK_OVERLAP, CHUNK_SIZE
from .errors import SettingsError
from .loading import Document
from .residue import residue_lines

CN_NUM = "一二三四五六七八九十百零〇两"

# (rank, pattern): a lower rank is a higher heading level.
HEADING_PATTERNS: list[tuple[int, re.Pattern]] = [
    (1, re.compile(rf"^第[{CN_NUM}]+(部分|章|篇)")),
    (2, re.compile(rf"^[{CN_NUM}]+、")),
    (3, re.compile(rf"^[（(][{CN_NUM}]+[）)]")),
    (4, re.compile(rf"^[{CN_NUM}]+是")),
    (5, re.compile(r"^\d{1,2}[.．、](?!\d)")),
    (6, re.compile(r"^[（(]\d{1,2}[）)]")),
]
SHORT_TITLE_RANK = 7
# A paragraph that opens with its period (五年来，… / 这一年，… / “十四五”时期，…) sets
# the time of what follows until the next such paragraph or heading: reports
# review the last year and the last five years under one heading, and a figure
# means one or the other. The period word alone becomes the last section label.
PERIOD_LEAD_RANK = 8
PERIOD_LEAD = re.compile(
    r"^(?P<lead>(?:这|过去|近)[一两二三四五十]年(?:来|间|里|中)?|[一两二三四五十]年来|"
    r"“?十[三四五六]五”?(?:时期|期间|以来)|(?:19|20)\d{2}年(?:以来)?)[，,]")
INNER_PERIOD_LEAD = re.compile(r"(?<=[。！？])" + PERIOD_LEAD.pattern[1:])
SHORT_TITLE_MIN, SHORT_TITLE_MAX = 6, 30
INNER_PUNCT = re.compile(r"[，。；：！？,;:]")
# A run-in heading is the line's first clause when the line goes on with body text.
RUN_IN_END = re.compile(r"[。；：！？]")
SENTENCE_END = re.compile(r"[。；：！？，、,.;:!?）)”」]$")
SEPARATORS = ["\n\n", "\n", "。", "！", "？", "；", "，", ""]


@dataclass(frozen=True)
class ChunkParams:
    """Chunk size and overlap in characters (chosen on CMRC 2018, see bench/)."""

    size: int = CHUNK_SIZE
    overlap: int = CHUNK_OVERLAP

    def __post_init__(self) -> None:
        if self.size < 1 or not 0 <= self.overlap < self.size:
            raise SettingsError(f"段落长度应为正整数，重叠应小于段落长度且不为负数（收到长度 {self.size}、重叠 {self.overlap}）")


@dataclass(frozen=True)
class Chunk:
    doc: str
    title: str
    section: str
    start: int
    end: int
    text: str
    page: int | None = None

    def embedding_text(self) -> str:
        """What the models see: title and section give context to a passage
        that may not repeat them; ``text`` itself stays the exact source."""
        head = self.title if not self.section else f"{self.title} {self.section}"
        return f"{head}\n{self.text}"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Section:
    path: tuple[str, ...]
    start: int
    end: int


def heading_rank(line: str) -> int | None:
    for rank, pat in HEADING_PATTERNS:
        if pat.match(line):
            return rank
    return None


def period_lead(line: str) -> str | None:
    """The period a body paragraph opens with (``五年来``), if any."""
    m = PERIOD_LEAD.match(line)
    return m.group("lead") if m else None


def _heading_label(line: str) -> str:
    """The heading's own words: the whole line, or for a run-in heading
    (``一是坚持…。正文…``) the clause before the first full stop."""
    m = RUN_IN_END.search(line)
    if m and m.end() < len(line):
        return line[: m.start()].strip()
    return line.rstrip("。；：").strip()


def find_sections(doc: Document) -> list[Section]:
    """Split a document into sections, each with its heading path."""
    text = doc.text
    # Level 0 is the document's own title (Word "Title" style): the citation
    # already names it, so it is not part of any section path.
    style_levels = {h.start: h.level for h in doc.headings}
    lines: list[tuple[int, str]] = []
    pos = 0
    for raw in text.split("\n"):
        lines.append((pos, raw))
        pos += len(raw) + 1

    # Page residue (下载 打印 …) is neither a heading nor body text.
    residue = {s for s, _ in residue_lines(text)}
    lines = [(start, "" if start in residue else raw) for start, raw in lines]
    stack: list[tuple[int, str]] = []
    sections: list[Section] = []
    cur_start = 0
    seen_body = False
    for i, (start, raw) in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        lead = start + (len(raw) - len(raw.lstrip()))
        rank = None
        if start in style_levels or lead in style_levels:
            level = style_levels.get(start, style_levels.get(lead))
            if level == 0:
                continue
            rank = -10 + level  # format headings outrank textual patterns
        else:
            rank = heading_rank(line)
            if rank is None and seen_body and _is_short_title(lines, i):
                rank = SHORT_TITLE_RANK
        label = None
        if rank is None and seen_body and (label := period_lead(line)):
            rank = PERIOD_LEAD_RANK
        if rank is None:
            seen_body = seen_body or len(line) > SHORT_TITLE_MAX or bool(SENTENCE_END.search(line))
            if seen_body:
                # A paragraph may turn to another period mid-way (…这五年…。一年来，…).
                for m in INNER_PERIOD_LEAD.finditer(raw):
                    at = start + m.start("lead")
                    if at > cur_start:
                        sections.append(Section(tuple(lbl for _, lbl in stack), cur_start, at))
                    cur_start = at
                    while stack and stack[-1][0] >= PERIOD_LEAD_RANK:
                        stack.pop()
                    stack.append((PERIOD_LEAD_RANK, m.group("lead")))
            continue
        seen_body = True
        if lead > cur_start:
            sections.append(Section(tuple(lbl for _, lbl in stack), cur_start, lead))
        cur_start = lead
        while stack and stack[-1][0] >= rank:
            stack.pop()
        stack.append((rank, label or _heading_label(line)))
    sections.append(Section(tuple(lbl for _, lbl in stack), cur_start, len(text)))
    sections = _cut_at_tables(sections, doc)
    return [s for s in sections if text[s.start:s.end].strip()]


def _cut_at_tables(sections: list[Section], doc: Document) -> list[Section]:
    """Each table's rows become a section of their own, named after the
    table under the section holding it, so its citation names the table."""
    for table in doc.tables:
        out = []
        for s in sections:
            if s.end <= table.start or s.start >= table.end:
                out.append(s)
                continue
            # A caption line above the table may itself have been taken for a heading.
            base = s.path[:-1] if s.path and s.path[-1] == table.name else s.path
            if s.start < table.start:
                out.append(Section(s.path, s.start, table.start))
            out.append(Section(base + (table.name,), max(s.start, table.start), min(s.end, table.end)))
            if s.end > table.end:
                out.append(Section(base, table.end, s.end))
        sections = out
    return sections


def _is_table_row(doc: Document, start: int) -> bool:
    return any(t.start <= start < t.end for t in doc.tables)


# Put before the section path of text read by OCR, so every citation of it
# tells the reader to check it against the paper.
OCR_LABEL = "OCR识别文字，请核对原件"


def _is_short_title(lines: list[tuple[int, str]], i: int) -> bool:
    """An unnumbered title line: short, no inner punctuation (a hard-wrapped
    sentence has commas), and followed by body text rather than by another
    short line (which would make it part of a title block or a wrapped line)."""
    line = lines[i][1].strip()
    if not SHORT_TITLE_MIN <= len(line) <= SHORT_TITLE_MAX or INNER_PUNCT.search(line):
        return False
    prev = next((l.strip() for _, l in reversed(lines[:i]) if l.strip()), "")
    if prev and len(prev) <= SHORT_TITLE_MAX and not SENTENCE_END.search(prev) and heading_rank(prev) is None:
        return False
    nxt = next((l.strip() for _, l in lines[i + 1:] if l.strip()), "")
    return len(nxt) > SHORT_TITLE_MAX or bool(SENTENCE_END.search(nxt))


def _splitter(params: ChunkParams) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        separators=SEPARATORS, keep_separator="end", chunk_size=params.size,
        chunk_overlap=params.overlap, length_function=len, strip_whitespace=False,
    )


def _content_runs(start: int, end: int, residue: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``[start, end)`` minus the residue lines inside it."""
    runs, at = [], start
    for s, e in residue:
        if e <= at or s >= end:
            continue
        if s > at:
            runs.append((at, s))
        at = max(at, e)
    if at < end:
        runs.append((at, end))
    return runs


def chunk_document(doc: Document, params: ChunkParams = ChunkParams()) -> list[Chunk]:
    """Chunks of one document, in order, never crossing a section boundary
    and never holding page residue."""
    splitter = _splitter(params)
    residue = residue_lines(doc.text)
    chunks: list[Chunk] = []
    for sec in find_sections(doc):
        for run_start, run_end in _content_runs(sec.start, sec.end, residue):
            body = doc.text[run_start:run_end]
            search_from = 0
            # A table row is a passage of its own: it holds its headers and one figure set.
            rows = _is_table_row(doc, run_start) and all(len(r) <= params.size for r in body.split("\n"))
            for piece in (body.split("\n") if rows else splitter.split_text(body)):
                # strip_whitespace=False keeps pieces verbatim, so find() locates them.
                at = body.find(piece, search_from)
                if at < 0:  # pragma: no cover - would mean the splitter altered text
                    raise AssertionError("splitter changed the text")
                search_from = at + 1
                lstrip = len(piece) - len(piece.lstrip())
                core = piece.strip()
                if not core:
                    continue
                start = run_start + at + lstrip
                end = start + len(core)
                page = doc.page_at(start)
                path = ((OCR_LABEL,) if page in doc.ocr_pages else ()) + sec.path
                chunks.append(Chunk(
                    doc=doc.path, title=doc.title, section=" > ".join(path),
                    start=start, end=end, text=doc.text[start:end], page=page,
                ))
    return chunks


def chunk_documents(docs: list[Document], params: ChunkParams = ChunkParams()) -> list[Chunk]:
    return [c for d in docs for c in chunk_document(d, params)]
