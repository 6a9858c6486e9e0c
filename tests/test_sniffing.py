"""Files read for what their content is: an upload whose content does not
match its suffix is refused, a WPS 文字 file is recognised."""

from __future__ import annotations

import pytest

from documents import word_report
from indexer.converting import convert

pytestmark = pytest.mark.usefixtures("converter_installed")  # LibreOffice, as `make test` installs it


def test_upload_sniffs_the_new_types_from_content(tmp_path, settings):
    from indexer.corpus import UploadError, save_upload

    corpus = tmp_path / "corpus"
    with pytest.raises(UploadError, match="与扩展名 .doc 不符"):
        save_upload(corpus, "改了扩展名.doc", "一份文本报告，改名为 .doc。".encode() * 20, settings=settings)
    with pytest.raises(UploadError, match="与扩展名 .ofd 不符"):
        save_upload(corpus, "假的.ofd", word_report("报告", "一、概况", "正文。"), settings=settings)
    saved = save_upload(corpus, "文字处理.wps", convert(word_report("市科协报告", "一、概况", "开展活动3项。"), "docx", "doc"),
                        settings=settings)
    assert [p.name for p in corpus.iterdir()] == [saved.name] == ["文字处理.wps"]
