"""Saved web pages (``.html``/``.htm``, single-file ``.mhtml``): the main
text only, through trafilatura, with the page's title and date.

Navigation, toolbars (下载 打印 【字号】), footers and share buttons are
dropped by the extractor; headings (``<h1>``–``<h6>``) keep their level,
tables become header-keeping rows (see :mod:`indexer.tables`).

Usage::

    from indexer.webpages import read_webpage
    ex = read_webpage(open("报告.mhtml", "rb").read(), mhtml=True)
    print(ex.title, ex.date, ex.text[:80])
"""

from __future__ import annotations

import email
import email.policy
import logging
import re

from .errors import LoadError
from .extraction import Extracted, TextBuilder
from .tables import Table

log = logging.getLogger(__name__)
_SPACE = re.compile(r"[ \t\u3000]+")


def html_of_mhtml(raw: bytes) -> bytes | str:
    """The page itself from a single-file web archive (its first HTML part)."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    for part in msg.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            if not payload:
                continue
            charset = part.get_content_charset()
            if charset:
                try:
                    return payload.decode(charset)
                except (LookupError, UnicodeDecodeError):
                    pass
            return payload  # trafilatura detects the encoding itself
    raise LoadError("单文件网页（MHTML）中没有网页正文，已跳过")


def _chinese_date(iso: str) -> str:
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", iso or "")
    return f"{m.group(1)}年{int(m.group(2))}月{int(m.group(3))}日" if m else ""


def _line(el) -> str:
    return _SPACE.sub(" ", "".join(el.itertext())).strip()


def read_webpage(raw: bytes, mhtml: bool = False) -> Extracted:
    import trafilatura
    from lxml import etree

    page = html_of_mhtml(raw) if mhtml else raw
    try:
        xml = trafilatura.extract(page, output_format="xml", include_tables=True, include_comments=False,
                                  include_formatting=False, include_links=False, include_images=False,
                                  with_metadata=True, favor_recall=True)
    except Exception as exc:  # the extractor's own parse errors
        log.info("trafilatura failed: %r", exc)
        raise LoadError("网页无法解析，可能已损坏，已跳过") from exc
    if not xml:
        raise LoadError("网页中没有找到正文，已跳过")
    root = etree.fromstring(xml.encode("utf-8"))
    main = root.find("main")
    title = (root.get("title") or "").strip()
    out = TextBuilder()
    n_tables = 0
    for el in (main if main is not None else root):
        if el.tag == "table":
            n_tables += 1
            rows = [[_line(c) for c in row.iter("cell")] for row in el.iter("row")]
            out.add_table(Table(out.table_name(n_tables), rows))
        elif el.tag == "list":
            for item in el.iter("item"):
                out.add(_line(item))
        else:
            level = None
            if el.tag == "head":
                m = re.fullmatch(r"h(\d)", el.get("rend") or "")
                level = int(m.group(1)) if m else 2
                if _line(el) == title:  # the page's own title, as Word's Title style
                    level = 0
            for line in "\n".join(t.strip() for t in el.itertext()).split("\n"):
                if line.strip():
                    out.add(_SPACE.sub(" ", line.strip()), level)
    return out.result(title=title, date=_chinese_date(root.get("date") or ""))
