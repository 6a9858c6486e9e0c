"""Visual lines back into paragraphs, for formats that place text on a page
(OCR output, OFD text objects) rather than storing paragraphs.

A paragraph ends where a line stops well short of the right margin, or
where the next line is indented (公文 indent each paragraph by two
characters). Lines are taken top to bottom. Spaces between Chinese
characters and figures (``17 家``), which writers leave where the font
changes, are dropped: the text reads as the paper does.

Usage::

    from indexer.layout import Line, paragraphs
    text = paragraphs([Line(10, 40, 500, 14, "第一行……"), Line(30, 20, 500, 14, "第二行")])
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
# Writers put a space glyph where the font changes (17 家); Chinese text has none there.
_LOOSE = re.compile(rf"(?<=[{_CJK}0-9%])[ \u00a0]+(?=[{_CJK}])|(?<=[{_CJK}])[ \u00a0]+(?=[0-9])")


@dataclass(frozen=True)
class Line:
    top: float
    left: float
    right: float
    height: float
    text: str


def paragraphs(lines: list[Line]) -> list[str]:
    """The paragraphs the lines make, in reading order."""
    lines = sorted((l for l in lines if l.text.strip()), key=lambda l: (l.top, l.left))
    if not lines:
        return []
    left = min(l.left for l in lines)
    right = max(l.right for l in lines)
    height = sorted(l.height for l in lines)[len(lines) // 2] or 1.0
    paras: list[str] = []
    prev_short = True
    for line in lines:
        text = _LOOSE.sub("", line.text.strip())
        indented = line.left - left > 1.2 * height
        if prev_short or indented:
            paras.append(text)
        else:
            paras[-1] += text
        prev_short = right - line.right > 2 * height
    return paras
