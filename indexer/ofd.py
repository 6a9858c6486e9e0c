"""OFD (GB/T 33190-2016), the national format for electronic official
documents: text in reading order, page by page.

An OFD file is a zip of XML: ``OFD.xml`` names the document root, whose
``Document.xml`` lists the pages; each page's ``Content.xml`` holds
``TextObject`` elements (``Boundary="x y w h"``) whose ``TextCode`` gives
the characters, their start (``X``, ``Y``) and each glyph's advance
(``DeltaX``, with ``g N d`` for N equal advances), all in the object's own
space, which the object's ``CTM="a b c d e f"`` maps into its boundary
(writers scale a 版头 horizontally, or write the text at one size and
scale it to another, this way). Writers place quotation marks and the
like as objects of their own in the middle of a line, so the reader
positions every glyph, sorts each line by position and then joins lines
into paragraphs (:mod:`indexer.layout`). Namespaces are ignored: writers
differ in the one they declare.

A page may draw a template page (``<Template TemplateID>`` naming a
``TemplatePage`` of ``Document.xml``) under or over its own content; 公文
writers put the red 版头 (the issuing body's name, 发文字号) there. A
template's text is read on the first page that uses it, in place among the
page's own lines; on later pages it would only repeat page furniture.
Annotations and signatures are not body text and are left out.

Usage::

    from indexer.ofd import read_ofd
    ex = read_ofd(open("通知.ofd", "rb").read())
    print(ex.page_starts, ex.text[:80])
"""

from __future__ import annotations

import io
import math
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


def _matrix(spec: str | None) -> tuple[float, ...]:
    try:
        m = tuple(float(v) for v in (spec or "").split())
    except ValueError:
        m = ()
    return m if len(m) == 6 else (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _glyphs(page) -> list[tuple[float, float, float, float, str]]:
    """(baseline y, x, height, width, character) of every glyph on a page."""
    out = []
    for obj in page.iter("{*}TextObject"):
        try:
            bx, by, _, bh = (float(v) for v in (obj.get("Boundary") or "0 0 0 0").split()[:4])
        except ValueError:
            continue
        a, b, c, d, e, f = _matrix(obj.get("CTM"))
        size = float(obj.get("Size") or obj.get("size") or bh or 1.0)
        height, width = size * math.hypot(c, d), size * math.hypot(a, b)
        for code in obj.iter("{*}TextCode"):
            text = code.text or ""
            if not text:
                continue
            x, y = float(code.get("X") or 0), float(code.get("Y") or 0)
            for ch, dx in zip(text, [0.0] + _deltas(code.get("DeltaX"), len(text) - 1)):
                x += dx
                out.append((by + b * x + d * y + f, bx + a * x + c * y + e, height, width, ch))
    return out


def _page_text(glyphs: list[tuple[float, float, float, float, str]]) -> str:
    lines: list[list[tuple[float, float, float, float, str]]] = []
    for g in sorted(glyphs):
        if lines and abs(g[0] - lines[-1][0][0]) <= 0.5 * g[2]:
            lines[-1].append(g)
        else:
            lines.append([g])
    out = []
    for line in lines:
        line.sort(key=lambda g: g[1])
        size = max(g[2] for g in line)
        out.append(Line(line[0][0] - size, line[0][1], line[-1][1] + line[-1][3], size, "".join(g[4] for g in line)))
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


def _part(base: str, loc: str | None) -> str:
    """A ``BaseLoc`` as a name in the zip: absolute, or relative to the document's folder."""
    loc = (loc or "").strip()
    return loc.lstrip("/") if loc.startswith("/") else posixpath.normpath(posixpath.join(base, loc))


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
        templates = {t.get("ID"): _part(base, t.get("BaseLoc")) for t in document.iter("{*}TemplatePage")}
        used: set[str] = set()
        pages = []
        for page in document.iter("{*}Page"):
            content = _xml(z, _part(base, page.get("BaseLoc")))
            glyphs = _glyphs(content)
            for ref in content.iter("{*}Template"):
                tid = ref.get("TemplateID")
                if tid in templates and tid not in used:
                    used.add(tid)
                    glyphs += _glyphs(_xml(z, templates[tid]))
            pages.append(_page_text(glyphs))
    except LoadError:
        raise
    except (zipfile.BadZipFile, etree.XMLSyntaxError, ValueError, OSError, EOFError) as exc:
        raise LoadError("OFD 文件已损坏，无法读取，已跳过") from exc
    if not pages:
        raise LoadError("OFD 文件中没有页面，已跳过")
    if not any(re.sub(r"\s", "", p) for p in pages):
        raise LoadError("OFD 文件中没有文字（可能是扫描件转成的 OFD），已跳过")
    return paged(pages, title=title)
