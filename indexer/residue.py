"""Page residue: the toolbar and navigation lines a report carries when it is
copied from a government web page (下载 打印 全屏 收藏 【字号：加大 还原 减小】,
来源：…, 当前位置：…, 分享到, 相关报道：).

Such lines hold the page title but no content, so a passage made of them
ranks high for any question naming the place and answers nothing. They are
kept out of titles, section detection and passages; the document text itself
is untouched, so every offset stays exact.

Usage::

    from indexer.residue import residue_lines
    text = "下载\\n打印\\n2026年重庆市政府工作报告\\n来源：重庆日报\\n各位代表：…"
    [text[s:e] for s, e in residue_lines(text)]    # ['下载', '打印', '来源：重庆日报']
"""

from __future__ import annotations

import re

# Words of page toolbars; a short line made of nothing else is residue.
TOOLBAR_WORDS = (
    "下载", "打印", "全屏", "收藏", "关闭", "关闭窗口", "打印本页", "分享", "分享到", "字号", "加大", "还原", "减小",
    "默认", "大", "中", "小", "字体", "首页", "扫一扫", "返回顶部", "返回", "纠错", "我要纠错", "微信", "微博", "QQ空间", "朋友圈",
)
# Page metadata and navigation lines: a label, a colon, a short value.
LABELS = ("来源", "信息来源", "文章来源", "发布时间", "发布日期", "作者", "编辑", "责任编辑", "浏览次数",
          "点击数", "阅读", "当前位置", "您当前的位置", "您的位置", "当前位置是", "相关报道", "相关链接", "相关新闻", "字号")
# 时间：/日期： also open a notice's own lines (时间：2024年3月1日上午9时): residue only
# as a bare machine stamp (时间：2026-02-10 07:41) or beside another page label.
STAMP_LABELS = ("时间", "日期")
_TOOLBAR = re.compile(
    r"^(?:[\s【】\[\]（）()|｜:：/·•>＞»]*(?:" + "|".join(sorted(map(re.escape, TOOLBAR_WORDS), key=len, reverse=True))
    + r"))*[\s【】\[\]（）()|｜:：/·•>＞»]*$")
_LABEL = re.compile(r"^[【\[]?(?:" + "|".join(LABELS) + r")[】\]]?\s*[:：]")
_STAMP_LABEL = re.compile(
    r"^[【\[]?(?:" + "|".join(STAMP_LABELS) + r")[】\]]?\s*[:：]\s*"
    r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*$"
    r"|.*(?:" + "|".join(LABELS) + r")\s*[:：])")
# Breadcrumbs (首页>要闻), publication stamps (2026年02月10日 07时41分), photo credits (记者 李森 摄).
_NAVIGATION = re.compile(
    r"^(?:首页|主页|当前位置|位置)\s*[>＞»/]"
    r"|^\d{4}(?:年\d{1,2}月\d{1,2}日|-\d{1,2}-\d{1,2})\s*\d{1,2}(?:时\d{1,2}分|:\d{2})"
    r"|记者\s*\S{1,8}\s*摄$"
    r"|^[\u4e00-\u9fff]{2,8}(?:日报|晚报|新闻网|新华网|人民网)$")
MAX_RESIDUE_LINE = 60


def is_residue(line: str) -> bool:
    """Whether one line (without its newline) is page residue."""
    s = line.strip()
    if not s or len(s) > MAX_RESIDUE_LINE:
        return False
    return bool(_TOOLBAR.match(s) or _LABEL.match(s) or _STAMP_LABEL.match(s) or _NAVIGATION.search(s))


def residue_lines(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every residue line in ``text``, newline excluded.
    Besides :func:`is_residue` lines, a crumb after a breadcrumb separator line
    (首页 / > / 要闻) and a short line repeating the one before it are residue."""
    out, pos, prev = [], 0, ""
    for line in text.split("\n"):
        s = line.strip()
        crumb = bool(re.fullmatch(r"[>＞»/]", prev)) and 0 < len(s) <= 12
        repeat = bool(s) and s == prev and len(s) <= 12
        if is_residue(line) or crumb or repeat:
            out.append((pos, pos + len(line)))
        pos += len(line) + 1
        prev = s or prev
    return out
