"""Build throughput per file format, and OCR character accuracy on a real
scanned page, for ``python -m indexer bench`` (or alone:
``python -m bench.formats [--gov DIR] [--json FILE]``).

Every sample holds the same real text (a government work report from
``shared/corpora/gov``) written by real tools: python-docx, LibreOffice
(.doc, .wps, .pdf, and a .pdf with a 60-row ruled table across a page
break), pypdfium2 + Pillow (a scan: pages rendered to 200 dpi images in an
image-only PDF), easyofd (.ofd, when installed), an HTML page
with navigation residue, its MHTML archive, and a zip of them.

Usage::

    from bench.formats import format_throughput, ocr_accuracy
    print(format_throughput(Path("shared/corpora/gov"), Path("/tmp/w"), embedder))
    print(ocr_accuracy(Path("shared/corpora/gov")))
"""

from __future__ import annotations

import argparse
import contextlib
import email.mime.multipart
import email.mime.text
import html
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

SOURCE = "湖北省_2026政府工作报告.txt"
OCR_SOURCE = "湖南省_2026政府工作报告.txt"


def body_paragraphs(path: Path, chars: int) -> list[str]:
    """Whole paragraphs of the report's body (after its title block), about ``chars`` long."""
    paras = [p.strip() for p in path.read_text(encoding="utf-8").split("\n") if p.strip()]
    start = next(i for i, p in enumerate(paras) if len(p) > 100)
    out, n = [], 0
    for p in paras[start:]:
        if n + len(p) > chars and out:
            break
        out.append(p)
        n += len(p)
    return out


def docx_of(paragraphs: list[str], table: list[list[str]] | None = None, ruled: bool = False) -> bytes:
    """The paragraphs and a captioned table; ``ruled`` draws every cell's
    rules (Word's "Table Grid"), as tables in 公文 are drawn and as the PDF
    table finder needs them."""
    import docx

    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    if table:
        d.add_paragraph("表1 主要指标")
        t = d.add_table(rows=len(table), cols=len(table[0]))
        if ruled:
            t.style = "Table Grid"
        for r, row in enumerate(table):
            for c, v in enumerate(row):
                t.cell(r, c).text = v
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def make_scanned_pdf(pdf: bytes, pages: set[int] | None = None, dpi: int = 200) -> bytes:
    """``pdf`` with the 0-based ``pages`` (all when None) replaced by images
    of themselves at ``dpi``, as a scanner gives them: no text layer."""
    import pypdf
    import pypdfium2 as pdfium

    rendered = pdfium.PdfDocument(pdf)
    writer = pypdf.PdfWriter()
    try:
        for i, page in enumerate(pypdf.PdfReader(io.BytesIO(pdf)).pages):
            if pages is None or i in pages:
                image = rendered[i].render(scale=dpi / 72).to_pil().convert("L")
                buf = io.BytesIO()
                image.save(buf, "PDF", resolution=dpi)
                page = pypdf.PdfReader(buf).pages[0]
            writer.add_page(page)
    finally:
        rendered.close()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def web_page(title: str, paragraphs: list[str], table: list[list[str]]) -> str:
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in table)
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}_政府网</title>"
            "<meta name='PubDate' content='2026-01-27'></head><body><div class='nav'>首页 &gt; 要闻</div>"
            "<div>下载 打印 全屏 收藏 【字号：大 中 小】</div>"
            f"<article><h1>{html.escape(title)}</h1>{body}<table>{rows}</table></article>"
            "<div class='footer'>版权所有 网站地图 联系我们</div></body></html>")


def mhtml_of(page: str) -> bytes:
    msg = email.mime.multipart.MIMEMultipart("related")
    msg.attach(email.mime.text.MIMEText(page, "html", "utf-8"))
    return msg.as_bytes()


def ofd_of(pdf: bytes) -> bytes | None:
    """easyofd's OFD of a PDF (text objects kept), or None when not installed."""
    try:
        from easyofd.ofd import OFD
    except ImportError:
        return None
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):  # it writes scratch files into ./test
        return OFD().pdf2ofd(pdf, optional_text=True)


TABLE = [["指标", "单位", "2025年", "增长"], ["地区生产总值", "亿元", "62661", "5.5%"],
         ["一般公共预算收入", "亿元", "3729.5", "3.6%"]]
# A ruled table long enough to cross a page break, for the PDF table finder's cost (generated figures).
LONG_TABLE = TABLE + [[f"分项指标{i}", "亿元", f"{1000 + 37.5 * i:.1f}", f"{i % 9 + 1}.{i % 10}%"] for i in range(1, 58)]


def sample_files(gov: Path, out: Path, chars: int = 3000) -> dict[str, Path]:
    """One file per format, all holding the same paragraphs of a real report."""
    from indexer.converting import convert

    out.mkdir(parents=True, exist_ok=True)
    paras = body_paragraphs(gov / SOURCE, chars)
    text = "\n".join(paras)
    word = docx_of(paras, TABLE)
    pdf = convert(word, "docx", "pdf")
    doc = convert(word, "docx", "doc")
    page = web_page("2026年湖北省政府工作报告", paras, TABLE)
    files = {
        "txt": ("r.txt", text.encode("utf-8")), "docx": ("r.docx", word), "doc": ("r.doc", doc),
        "wps": ("r.wps", doc), "pdf": ("r.pdf", pdf), "pdf-scan": ("scan.pdf", make_scanned_pdf(pdf)),
        "pdf-table": ("table.pdf", convert(docx_of(paras, LONG_TABLE, ruled=True), "docx", "pdf")),
        "html": ("r.html", page.encode("utf-8")), "mhtml": ("r.mhtml", mhtml_of(page)),
    }
    ofd = ofd_of(pdf)
    if ofd is not None:
        files["ofd"] = ("r.ofd", ofd)
    paths = {}
    for kind, (name, data) in files.items():
        (out / kind).mkdir(exist_ok=True)
        paths[kind] = out / kind / name
        paths[kind].write_bytes(data)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for kind in ("docx", "doc", "html"):
            z.write(paths[kind], f"{kind}/{paths[kind].name}")
    (out / "zip").mkdir(exist_ok=True)
    paths["zip"] = out / "zip" / "r.zip"
    paths["zip"].write_bytes(archive.getvalue())
    return paths


def format_throughput(gov: Path, work: Path, embedder, log=print, skip: tuple[str, ...] = (),
                      settings=None) -> dict:
    """Per format: extraction time with an empty derived cache (the first
    file of a format also pays for importing its reader) and with a warm
    one, characters and pages read, and a whole build (extract, chunk,
    embed, write) of a corpus holding that one file."""
    from dataclasses import replace

    from indexer.building import build_index
    from indexer.config import Settings
    from indexer.loading import load_corpus

    work.mkdir(parents=True, exist_ok=True)
    samples = sample_files(gov, work / "samples")
    res = {}
    for kind, path in samples.items():
        if kind in skip:
            continue
        # A derived cache per format, empty at first: the first load is measured cold.
        s = replace(settings or Settings(), derived_cache=work / "derived" / kind)
        corpus = path.parent
        t = time.perf_counter()
        loaded = load_corpus(corpus, s)
        cold = time.perf_counter() - t
        t = time.perf_counter()
        load_corpus(corpus, s)
        warm = time.perf_counter() - t
        chars = sum(len(d.text) for d in loaded.documents)
        pages = sum(max(1, len(d.page_starts)) for d in loaded.documents)
        t = time.perf_counter()
        report = build_index(corpus, work / "index" / kind, embedder=embedder, settings=s)
        build = time.perf_counter() - t
        res[kind] = {"bytes": path.stat().st_size, "documents": len(loaded.documents), "pages": pages,
                     "chars": chars, "skipped": len(loaded.skipped), "first_load_s": round(cold, 2),
                     "load_cached_s": round(warm, 3), "chars_per_s": round(chars / cold) if cold else None,
                     "build_s": round(build, 2), "chunks": report.chunks,
                     "table_rows": sum(d.text.count("\n", t.start, t.end) + 1
                                       for d in loaded.documents for t in d.tables)}
        log(f"  {kind}: {res[kind]}")
    return res


def char_accuracy(ocr: str, truth: str) -> float:
    """1 − edit distance / length, whitespace ignored (line breaks differ by layout)."""
    from rapidfuzz.distance import Levenshtein

    a, b = re.sub(r"\s", "", ocr), re.sub(r"\s", "", truth)
    return 1 - Levenshtein.distance(a, b) / len(b)


def ocr_accuracy(gov: Path, chars: int = 1300, settings=None) -> dict:
    """A page of a real report printed by LibreOffice, scanned at 200 dpi
    into an image-only PDF and read back by the loader (RapidOCR), against
    its known text; Debian's Tesseract ``chi_sim`` on the same page for
    comparison when it is installed."""
    from dataclasses import replace

    from indexer.config import Settings
    from indexer.converting import convert
    from indexer.loading import extract

    paras = body_paragraphs(gov / OCR_SOURCE, chars)
    truth = "\n".join(paras)
    pdf = convert(docx_of(paras), "docx", "pdf")
    scan = make_scanned_pdf(pdf, {0})
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        # An empty derived cache: the OCR is measured, not remembered.
        ex = extract(scan, ".pdf", replace(settings or Settings(), derived_cache=Path(tmp)))
        seconds = time.perf_counter() - t
        first = ex.text[: ex.page_starts[1] if len(ex.page_starts) > 1 else None]
        res = {"source": OCR_SOURCE, "chars": len(re.sub(r"\s", "", truth)), "dpi": 200,
               "rapidocr": {"accuracy": round(char_accuracy(first, truth), 4), "seconds": round(seconds, 1)}}
        if shutil.which("tesseract"):
            import pypdfium2 as pdfium

            doc = pdfium.PdfDocument(scan)
            png = Path(tmp) / "page.png"
            doc[0].render(scale=300 / 72).to_pil().convert("L").save(png)
            doc.close()
            t = time.perf_counter()
            out = subprocess.run(["tesseract", str(png), "-", "-l", "chi_sim"], capture_output=True, text=True,
                                 timeout=600).stdout
            res["tesseract_chi_sim"] = {"accuracy": round(char_accuracy(out, truth), 4),
                                        "seconds": round(time.perf_counter() - t, 1)}
    return res


def main(argv: list[str] | None = None) -> int:
    from indexer.config import Settings
    from indexer.embedding import Embedder

    from .datasets import SHARED_ENV, gov_path

    ap = argparse.ArgumentParser(description="各格式的建索引吞吐量与 OCR 准确率")
    ap.add_argument("--gov", default=os.environ.get("PARTYQA_GOV")
                    or str(gov_path(Path(os.environ.get(SHARED_ENV, "../shared")))))
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args(argv)
    gov = Path(args.gov)
    with tempfile.TemporaryDirectory(prefix="partyqa-formats-") as work:
        settings = Settings.from_env()
        res = {"ocr": ocr_accuracy(gov, settings=settings)}
        print(f"ocr {res['ocr']}", file=sys.stderr)
        res["formats"] = format_throughput(gov, Path(work), Embedder(settings=settings),
                                           log=lambda m: print(m, file=sys.stderr), settings=settings)
    text = json.dumps(res, ensure_ascii=False, indent=1)
    print(text)
    if args.json_out:
        Path(args.json_out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
