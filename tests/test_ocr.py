"""OCR of scanned pages: RapidOCR's lines joined into paragraphs with
full-width punctuation between Chinese characters; damaged images and PDFs
refused with a reason; and, with the real engine, a two-page TIFF and one
page of an image-only PDF read, reported page by page and cached. (A
scanned page answered through a whole index: test_formats.py.)"""

from __future__ import annotations

import io
import subprocess

import pytest

from indexer import ocr
from indexer.errors import LoadError
from indexer.ocr import lines_to_text, ocr_image, ocr_pdf_pages, tidy


def test_half_width_punctuation_becomes_full_width_only_beside_chinese():
    assert tidy("全年开展活动18项,覆盖3981个单位;成效显著!") == "全年开展活动18项，覆盖3981个单位；成效显著！"
    assert tidy("(一)加强政治建设:坚持") == "（一）加强政治建设：坚持"
    assert tidy("GDP,CPI (2025) 3.5,4.2") == "GDP,CPI (2025) 3.5,4.2"  # Latin text and figures keep theirs
    assert tidy('推广"学习强国"平台,用好"三会一课"') == "推广“学习强国”平台，用好“三会一课”"
    assert tidy("推广“学习强国”平台") == "推广“学习强国”平台"


def box(left: float, top: float, right: float, text: str, height: float = 20) -> list:
    """One line as RapidOCR gives it: four corners (clockwise from top left), text, score."""
    return [[[left, top], [right, top], [right, top + height], [left, top + height]], text, 0.98]


def test_lines_become_paragraphs_in_reading_order():
    # 公文 layout: each paragraph indented two characters, full lines to the right margin but its last.
    boxes = [box(140, 190, 560, "二是建强阵地,新建基地46个。"),
             box(100, 130, 660, "活动,受众736.5万人次,同比增长12.4%,群众满意度持续提升"),
             box(140, 100, 660, "一是办好科普活动。带动全市3981个单位开展18153项全域科普"),
             box(100, 160, 300, "。")]
    assert lines_to_text(boxes) == ("一是办好科普活动。带动全市3981个单位开展18153项全域科普活动，受众736.5万人次，"
                                    "同比增长12.4%，群众满意度持续提升。\n二是建强阵地，新建基地46个。")
    assert lines_to_text([]) == ""


def test_damaged_images_and_pdfs_are_refused_with_a_reason(tmp_path):
    from PIL import Image

    png = io.BytesIO()
    Image.new("L", (300, 100), 255).save(png, "PNG")
    for raw in (b"not an image", png.getvalue()[:60]):
        with pytest.raises(LoadError, match="图片已损坏"):
            ocr_image(raw, cache=tmp_path)
    with pytest.raises(LoadError, match="PDF 文件已损坏"):
        ocr_pdf_pages(b"%PDF-1.4 cut short", [0], cache=tmp_path)
    assert ocr_pdf_pages(b"%PDF-1.4 cut short", [], cache=tmp_path) == {}  # no page asked, nothing opened
    assert not list(tmp_path.rglob("*"))  # and nothing cached


def scan(lines: list[str]):
    """A white page with ``lines`` printed in a Chinese font, as a scanner gives it (grey, no text layer)."""
    from PIL import Image, ImageDraw, ImageFont

    found = subprocess.run(["fc-match", "-f", "%{file}", "WenQuanYi Micro Hei:lang=zh"], capture_output=True, text=True)
    if found.returncode != 0 or "wqy" not in found.stdout.lower():
        pytest.fail("no Chinese font: run `make test`, which installs fonts-wqy-microhei")
    font = ImageFont.truetype(found.stdout, 36)
    page = Image.new("L", (760, 60 + 60 * len(lines)), 255)
    draw = ImageDraw.Draw(page)
    for i, text in enumerate(lines):
        draw.text((40, 30 + 60 * i), text, font=font, fill=0)
    return page


@pytest.mark.slow  # the real OCR engine on three pages: seconds each on two cores
def test_scanned_pages_are_read_reported_and_cached(tmp_path):
    first, second = scan(["全年开展活动18项,覆盖3981个单位。"]), scan(["新建科普教育基地46个(区县)。"])
    tiff = io.BytesIO()
    first.save(tiff, "TIFF", save_all=True, append_images=[second])
    seen = []
    token = ocr.progress.set(lambda done, total: seen.append((done, total)))
    try:
        ex = ocr_image(tiff.getvalue(), cache=tmp_path)
    finally:
        ocr.progress.reset(token)
    assert ex.text == "全年开展活动18项，覆盖3981个单位。\n新建科普教育基地46个（区县）。"
    assert ex.page_starts == (0, 21) and ex.ocr_pages == (1, 2) and seen == [(1, 2), (2, 2)]
    # Read again, the pages come from the cache: what the cache holds is what is returned.
    entries = sorted(tmp_path.rglob("*/*/*"))
    assert len(entries) == 2
    for e in entries:
        e.write_text("缓存中的文字", encoding="utf-8")
    assert ocr_image(tiff.getvalue(), cache=tmp_path).text == "缓存中的文字\n缓存中的文字"

    pdf = io.BytesIO()
    first.save(pdf, "PDF", save_all=True, append_images=[second], resolution=200)
    assert ocr_pdf_pages(pdf.getvalue(), [1], cache=tmp_path) == {1: "新建科普教育基地46个（区县）。"}
    assert len(list(tmp_path.rglob("*/*/*"))) == 3  # the page asked for, not the other
