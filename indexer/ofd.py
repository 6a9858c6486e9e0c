"""OFD (GB/T 33190-2016), the national format for electronic official
documents: text in reading order, page by page.

An OFD file is a zip of XML: ``OFD.xml`` names the document root, whose
``Document.xml`` lists the pages; each page's ``Content.xml`` holds
``TextObject`` elements (``Boundary="x y w h"``) whose ``TextCode`` gives
the characters, their start (``X``, ``Y``) and each glyph's advance
(``DeltaX``, with ``g N d`` for N equal advances). Writers place quotation
marks and the like as objects of their own in the middle of a line, so
the reader positions every glyph, sorts each line by position and then
joins lines into paragraphs (:mod:`indexer.layout`). Namespaces are
ignored: writers differ in the one they declare. Templates (repeated page
furniture), annotations and signatures are not body text and are left out.

Usage::

    from indexer.ofd import read_ofd
    ex = read_ofd(open("通知.ofd", "rb").read())
    print(ex.page_starts, ex.text[:80])
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile

from .layout import Line, paragraphs
from .errors import LoadError
from .extraction import Extracted, paged

MAX_XML_BYTES = 20 * 1024 * 1024  # per part: a zip bomb stops here


def _deltas(spec: str | None, count: int) -> list[float]:
    """Advance of each glyph after the first, from a DeltaX/DeltaY list."""
    out: list[float] = []
    tokens = (spec or "").split()
    i = 0
    while i < len(tokens) and len(out) < count:
        if tokens[i] == "g" and i + 2 < len(tokens):
            out.extend([float(tokens[i + 2])] * int(float(tokens[i + 1])))
            i += 3
        else:
            out.append(float(tokens[i]))
            i += 1
    last = out[-1] if out else 0.0
    return (out + [last] * count)[:count]


def _glyphs(page) -> list[tuple[float, float, float, str]]:
    """(baseline y, x, size, character) of every glyph on a page."""
    out = []
    for obj in page.iter("{*}TextObject"):
        try:
            bx, by, _, bh = (float(v) for v in (obj.get("Boundary") or "0 0 0 0").split()[:4])
        except ValueError:
            continue
        size = float(obj.get("Size") or obj.get("size") or bh or 1.0)
        for code in obj.iter("{*}TextCode"):
            text = code.text or ""
            if not text:
                continue
            x = bx + float(code.get("X") or 0)
            y = by + float(code.get("Y") or 0)
            for ch, dx in zip(text, [0.0] + _deltas(code.get("DeltaX"), len(text) - 1)):
                x += dx
                out.append((y, x, size, ch))
    return out


def _page_text(page) -> str:
    glyphs = sorted(_glyphs(page))
    lines: list[list[tuple[float, float, float, str]]] = []
    for g in glyphs:
        if lines and abs(g[0] - lines[-1][0][0]) <= 0.5 * g[2]:
            lines[-1].append(g)
        else:
            lines.append([g])
    out = []
    for line in lines:
        line.sort(key=lambda g: g[1])
        size = max(g[2] for g in line)
        out.append(Line(line[0][0] - size, line[0][1], line[-1][1] + line[-1][2], size, "".join(g[3] for g in line)))
    return "\n".join(paragraphs(out))


def _xml(z: zipfile.ZipFile, name: str):
    from lxml import etree

    name = name.lstrip("/")
    try:
        info = z.getinfo(name)
    except KeyError as exc:
        raise LoadError(f"OFD 文件不完整（缺少 {name}），已跳过") from exc
    if info.flag_bits & 0x1:
        raise LoadError("OFD 文件已加密，无法读取，已跳过")
    with z.open(info) as f:
        data = f.read(MAX_XML_BYTES + 1)
    if len(data) > MAX_XML_BYTES:
        raise LoadError("OFD 文件中的页面过大，已跳过")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(data, parser)


def read_ofd(raw: bytes) -> Extracted:
    from lxml import etree

    try:
        z = zipfile.ZipFile(io.BytesIO(raw))
        root = _xml(z, "OFD.xml")
        doc_root = next((e.text.strip() for e in root.iter("{*}DocRoot") if e.text), None)
        if not doc_root:
            raise LoadError("OFD 文件不完整（没有 DocRoot），已跳过")
        document = _xml(z, doc_root)
        base = posixpath.dirname(doc_root.lstrip("/"))
        title = next((e.text.strip() for e in root.iter("{*}Title") if e.text and e.text.strip()), "")
        pages = []
        for page in document.iter("{*}Page"):
            loc = (page.get("BaseLoc") or "").strip()
            path = loc.lstrip("/") if loc.startswith("/") else posixpath.normpath(posixpath.join(base, loc))
            pages.append(_page_text(_xml(z, path)))
    except LoadError:
        raise
    except (zipfile.BadZipFile, etree.XMLSyntaxError, ValueError, OSError, EOFError) as exc:
        raise LoadError("OFD 文件已损坏，无法读取，已跳过") from exc
    if not pages:
        raise LoadError("OFD 文件中没有页面，已跳过")
    if not any(re.sub(r"\s", "", p) for p in pages):
        raise LoadError("OFD 文件中没有文字（可能是扫描件转成的 OFD），已跳过")
    return paged(pages, title=title)
