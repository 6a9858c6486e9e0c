"""Export a collection of quotes (摘录) as .docx or Markdown, each quote with
its pasteable citation and a list of sources at the end.

Usage::

    from indexer.exporting import Quote, quotes_to_docx, quotes_to_markdown
    q = Quote(text="……", citation="据《…》（…）：“……”", title="…", section="…", doc="a.txt")
    open("摘录.docx", "wb").write(quotes_to_docx([q]))
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Quote:
    text: str
    citation: str
    title: str
    section: str
    doc: str
    start: int = 0
    end: int = 0
    body: str = ""
    date: str = ""

    def key(self) -> tuple:
        return (self.doc, self.start, self.end)

    def to_dict(self) -> dict:
        return asdict(self)


def _sources(quotes: list[Quote]) -> list[str]:
    seen: dict[str, str] = {}
    for q in quotes:
        extra = "，".join(x for x in (q.body, q.date) if x)
        seen.setdefault(q.doc, f"《{q.title}》" + (f"（{extra}）" if extra else ""))
    return list(seen.values())


def quotes_to_markdown(quotes: list[Quote], heading: str = "摘录") -> str:
    lines = [f"# {heading}", ""]
    for i, q in enumerate(quotes, 1):
        lines += [f"{i}. {q.citation}", ""]
    lines += ["## 出处", ""] + [f"- {s}" for s in _sources(quotes)] + [""]
    return "\n".join(lines)


def quotes_to_docx(quotes: list[Quote], heading: str = "摘录") -> bytes:
    import docx

    d = docx.Document()
    d.add_heading(heading, level=1)
    for i, q in enumerate(quotes, 1):
        d.add_paragraph(q.citation, style="List Number")
    d.add_heading("出处", level=2)
    for s in _sources(quotes):
        d.add_paragraph(s, style="List Bullet")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()
