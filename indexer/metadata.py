"""What a document is: issuing body, place, year and kind, detected from its
text and file name; ``catalog.toml`` entries override any of them.

Reports of one genre repeat the same phrases every year and in every place,
so a question is answered from the document it names (see
:mod:`indexer.scope`). That needs, for every document:

* ``place``: the administrative division it is about (重庆市, 全国), from the
  title, file name or issuing body;
* ``year``: the year the report was made (a 2026 government work report
  reviews 2025 and sets 2026 targets), from the title, file name, the date
  line under the title, the 落款 date, or a review heading (一、2023年工作回顾
  means a report of 2024);
* ``body``: who issued it (重庆市人民政府, 市科协党组), from 我代表…, a
  signature line, or the catalog;
* ``kind``: 工作报告, 总结, 讲话, 要点, 通知 … from the title.

Usage::

    from indexer.metadata import detect
    meta = detect(text, "重庆市_2026政府工作报告.txt", title="2026年重庆市政府工作报告")
    meta.place, meta.year, meta.body, meta.kind   # ('重庆市', 2026, '重庆市人民政府', '工作报告')
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from .places import NATIONAL, find_places, place_of

YEAR = r"(?<![0-9A-Za-z])(?:19|20)\d{2}(?![0-9A-Za-z])"
KINDS = ("讲话", "总结", "汇报", "要点", "通知", "意见", "方案", "规划", "纪要", "报告")
_KIND_NAMES = {"报告": "工作报告", "汇报": "总结"}
# A date line under the title (——2026年1月28日在…, （2023年9月8日）, 时间：2026-02-03) or a 落款 date.
_DATE_LINE = re.compile(rf"^[—\-（(\s]*(?:时间[:：]\s*)?(?:({YEAR})\s*年\s*\d{{1,2}}\s*月|({YEAR})-\d{{1,2}}-\d{{1,2}})", re.M)
_REVIEW = re.compile(rf"^[一二三四五六七八九十]+、\s*({YEAR})年.{{0,20}}(?:回顾|总结)", re.M)
_ON_BEHALF = re.compile(r"我代表([\u4e00-\u9fff]{2,16}?)(?:[，,]|向|作|就)")
# The 版头 of a 公文 (武汉市科学技术协会文件) names the issuing body; the
# 发文字号 (武科协发〔2026〕3号) and 签发人 lines beside it are not the title.
MASTHEAD = re.compile(r"^\s*(?P<body>[\u4e00-\u9fff（）()]{2,30}?(?:委员会|协会|人民政府|政府|党组|党委|办公厅|办公室|"
                      r"局|厅|委|部|院|中心|小组))\s*文件\s*$")
DOC_NUMBER = re.compile(r"^\s*(?:[\u4e00-\u9fff]{1,12}\s*[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*\d+\s*号|签发人[:：].*)\s*$")
_NATIONAL_BODY = re.compile(r"^(?:中共)?(?:中国|中华|全国|国务院|中央)")
# Standard short forms of body names in 公文 (市科学技术协会 → 市科协).
ABBREVIATIONS = (("科学技术协会", "科协"), ("科学技术局", "科技局"), ("科学技术", "科技"), ("人民政府", "政府"))


@dataclass(frozen=True)
class DocMeta:
    title: str
    body: str = ""
    place: str = ""  # full name of an administrative division, or 全国
    year: int | None = None  # the year the report was made
    kind: str = ""
    date: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def label(self) -> str:
        """How an answer from this document is introduced: 2026年 重庆市人民政府."""
        who = self.body or self.place or self.title
        return f"{self.year}年 {who}" if self.year else who


def body_aliases(body: str) -> set[str]:
    """Ways a question may name an issuing body: 中共*市科学技术局党组 is also
    市科学技术局党组, 市科技局党组, 市科技局, 科技局."""
    out: set[str] = set()
    base = re.sub(r"[*＊]", "", body).strip()
    base = re.sub(r"^中共", "", base)
    base = re.sub(r"第[一二三四五六七八九十]+届委员会$", "", base)
    for form in {base, re.sub(r"(?:党组|机关党委|党委|委员会)$", "", base)}:
        variants = {form}
        for long, short in ABBREVIATIONS:
            variants |= {v.replace(long, short) for v in variants}
        out |= variants
    # Inside 淮北, 淮北市科协 is 市科协; and 市科技局 is also 科技局.
    # Asked from outside, 淮北市科协 is also 淮北科协 (the place's short name).
    for p in find_places(base)[:1]:
        if p.start == 0:
            full, short = p.place.name, p.place.short
            out |= {a[len(short):] for a in out if a.startswith(short)}
            if full != short:
                out |= {short + a[len(full):] for a in out if a.startswith(full) and len(a) > len(full)}
    out |= {re.sub(r"^[市省县区]", "", a) for a in out}
    # Two characters (科协, 政府) name a kind of body, not one body.
    return {a for a in out if len(a) >= 3}


# A draft's note (工作报告（征求意见稿）) says what stage the text is at, not its kind.
DRAFT_NOTE = re.compile(r"[（(](?:征求意见稿|讨论稿|送审稿|草案|初稿|修改稿|审议稿)[）)]\s*$")


def _kind(title: str) -> str:
    title = DRAFT_NOTE.sub("", title)
    found = [(title.rfind(k), k) for k in KINDS if k in title]
    if not found:
        return ""
    k = max(found)[1]
    return _KIND_NAMES.get(k, k)


def _year(title: str, stem: str, head: str, tail: str, date: str) -> int | None:
    for source in (title, stem):
        m = re.search(rf"({YEAR})", source)
        if m:
            return int(m.group(1))
    for source in (date, head, tail):
        m = _DATE_LINE.search(source)
        if m:
            return int(m.group(1) or m.group(2))
    return None


def detect(text: str, path: str, *, title: str, body: str = "", date: str = "",
           overrides: dict | None = None) -> DocMeta:
    """Metadata of one document; ``overrides`` (a catalog entry) wins field by field."""
    o = overrides or {}
    stem = re.sub(r"\.[A-Za-z0-9]+$", "", path.rsplit("/", 1)[-1])
    head = "\n".join(text[:1500].split("\n")[:25])
    tail = "\n".join(text[-400:].split("\n")[-8:])
    year = _year(title, stem, head, tail, date)
    review = _REVIEW.search(text[:20000])
    if year is None and review:
        year = int(review.group(1)) + 1
    body = str(o.get("body") or body)
    if not body:
        m = _ON_BEHALF.search(head)
        body = m.group(1) if m else ""
    if not body:
        top = [l for l in head.split("\n") if l.strip()][:3]
        body = next((m.group("body") for m in map(MASTHEAD.match, top) if m), "")
    place = ""
    for source in (title, stem, body):
        if _NATIONAL_BODY.search(source) or "国务院" in source[:40]:
            place = NATIONAL
            break
        found = find_places(source)
        if found:
            place = found[0].place.name
            break
    # 我代表市人民政府 names the body without its place.
    if body and place and place != NATIONAL and re.match(r"^[省市县区]", body):
        body = place + body[1:]
    if o.get("place"):
        p = place_of(str(o["place"]))
        place = p.name if p else str(o["place"])
    if o.get("year"):
        year = int(o["year"])
    elif o.get("date"):
        m = re.search(YEAR, str(o["date"]))
        year = int(m.group(0)) if m else year
    title = str(o.get("title") or title)
    return DocMeta(title=title, body=body, place=place, year=year, kind=str(o.get("kind") or _kind(title)),
                   date=str(o.get("date") or date))
