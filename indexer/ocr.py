"""Chinese OCR for scanned PDF pages and images, offline, with RapidOCR
(PaddleOCR's Chinese detection and recognition models run by ONNX Runtime;
the weights ship inside the ``rapidocr-onnxruntime`` wheel).

Chosen over Debian's Tesseract ``chi_sim`` on a real scanned page of a
government work report (``python -m indexer bench`` → ``ocr``): character
accuracy 0.995 against 0.972; Tesseract misread place names (荆→章, 襄→圳).

Only pages without a text layer are read (see
:func:`indexer.pdf.needs_ocr`). Each page's text is cached by the file's
content hash and page number, so a rebuild or an upload checked and then
indexed reads each page once. Visual lines are joined back into
paragraphs (:mod:`indexer.layout`) and half-width punctuation between Chinese
characters becomes full-width, as in the paper document.

Usage::

    from indexer.ocr import ocr_image, ocr_pdf_pages
    pages = ocr_pdf_pages(pdf_bytes, [0, 2])      # {0: "……", 2: "……"}
    ex = ocr_image(open("扫描件.png", "rb").read())
"""

from __future__ import annotations

import contextvars
import io
import logging
import re
import threading
from collections.abc import Callable
from pathlib import Path

from .derived import cached
from .layout import Line, paragraphs
from .errors import LoadError
from .extraction import Extracted, paged

log = logging.getLogger(__name__)
DPI = 200  # 150-300 dpi read the same (0.997-0.998) on a real page; 300 took 1.5x as long
ENGINE = "rapidocr-onnxruntime-1.4.4"
VERSION = f"{ENGINE}/{DPI}dpi/paragraphs-1"
# Called as progress(done, total) while pages are read; the build sets it.
progress: contextvars.ContextVar[Callable[[int, int], None] | None] = contextvars.ContextVar("ocr_progress",
                                                                                              default=None)
_engine = None
_engine_lock = threading.Lock()


def _ocr_engine():
    global _engine
    with _engine_lock:
        if _engine is None:
            try:
                from rapidocr_onnxruntime import RapidOCR
            except ImportError as exc:
                raise LoadError("未安装 OCR 组件（rapidocr-onnxruntime），无法识别扫描件；请运行 make setup") from exc
            _engine = RapidOCR()
        return _engine


_HALF = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_CJK = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”]"
_HALF_BETWEEN = re.compile(rf"(?<={_CJK})([,;:?!()])|([,;:?!()])(?={_CJK})")


def tidy(text: str) -> str:
    """Full-width punctuation in Chinese text; straight quotes as “…”."""
    text = _HALF_BETWEEN.sub(lambda m: _HALF[m.group(0)], text)
    out, open_ = [], False
    for ch in text:
        if ch in "“”\"":
            ch = "”" if (open_ if ch == '"' else ch == "”") else "“"
            open_ = ch == "“"
        out.append(ch)
    return "".join(out)


def lines_to_text(boxes: list) -> str:
    """RapidOCR's ``[box, text, score]`` lines as paragraphs."""
    lines = [Line(min(p[1] for p in b), min(p[0] for p in b), max(p[0] for p in b),
                  max(p[1] for p in b) - min(p[1] for p in b), t) for b, t, _ in boxes]
    return "\n".join(tidy(p) for p in paragraphs(lines))


def _read_png(png: bytes) -> str:
    import numpy as np
    from PIL import Image

    img = np.array(Image.open(io.BytesIO(png)).convert("RGB"))
    result, _ = _ocr_engine()(img)
    return lines_to_text(result or [])


def _page_png(image) -> bytes:
    out = io.BytesIO()
    image.convert("L").save(out, "PNG")
    return out.getvalue()


def _report(done: int, total: int) -> None:
    log.info("OCR %d/%d pages", done, total)
    cb = progress.get()
    if cb:
        cb(done, total)


def ocr_pdf_pages(raw: bytes, pages: list[int], cache: Path | None = None) -> dict[int, str]:
    """OCR text of the 0-based ``pages`` of the PDF ``raw`` (cached under ``cache``)."""
    import pypdfium2 as pdfium

    out: dict[int, str] = {}
    pdf = None
    try:
        for n, i in enumerate(pages):
            def read(i=i) -> bytes:
                nonlocal pdf
                if pdf is None:
                    pdf = pdfium.PdfDocument(raw)
                page = pdf[i]
                try:
                    png = _page_png(page.render(scale=DPI / 72).to_pil())
                finally:
                    page.close()
                return _read_png(png).encode("utf-8")
            try:
                out[i] = cached("ocr", f"{VERSION}/page{i}", raw, read, cache).decode("utf-8")
            except pdfium.PdfiumError as exc:
                raise LoadError("PDF 文件已损坏，无法识别扫描页，已跳过") from exc
            _report(n + 1, len(pages))
    finally:
        if pdf is not None:
            pdf.close()
    return out


def ocr_image(raw: bytes, cache: Path | None = None) -> Extracted:
    """The text of a scanned image (every frame of a multi-page TIFF is a page)."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        img = Image.open(io.BytesIO(raw))
        frames = [_page_png(f) for f in ImageSequence.Iterator(img)]
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise LoadError("图片已损坏或无法识别，已跳过") from exc
    pages = []
    for n, png in enumerate(frames):
        pages.append(cached("ocr", f"{VERSION}/image", png, lambda png=png: _read_png(png).encode(), cache).decode())
        _report(n + 1, len(frames))
    return paged(pages, ocr_pages=tuple(range(1, len(pages) + 1)))
