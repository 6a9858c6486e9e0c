"""What a file is, judged from its bytes rather than its name.

A report renamed from ``.doc`` to ``.docx``, or a binary saved as ``.txt``,
is read (or refused) for what it is. The kinds are coarse on purpose: they
decide which reader opens the file.

Usage::

    from indexer.sniffing import sniff
    sniff(open("报告.wps", "rb").read())   # -> "ole" (WPS 文字 and Word 97-2003)
"""

from __future__ import annotations

import io
import zipfile

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Shown in errors: what the content turned out to be.
KIND_NAMES = {
    "pdf": "PDF", "ole": "Word 97-2003/WPS 文字（.doc/.wps）", "docx": "Word（.docx）", "ofd": "OFD 版式文件",
    "zip": "zip 压缩包", "png": "PNG 图片", "jpeg": "JPEG 图片", "tiff": "TIFF 图片", "html": "网页（HTML）",
    "mhtml": "单文件网页（MHTML）", "text": "文本", "encrypted-office": "加密的 Office 文件",
}


def _zip_kind(raw: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return "zip"  # a damaged zip: its own reader reports the damage
    if "word/document.xml" in names:
        return "docx"
    if "OFD.xml" in names or any(n.lower() == "ofd.xml" for n in names):
        return "ofd"
    return "zip"


def _word97_locked(raw: bytes) -> bool:
    """A Word 97-2003 (or WPS 文字) file with an opening password: its FIB
    says so (RC4 or XOR encryption). LibreOffice would only report a failed
    conversion; this says why."""
    import msoffcrypto
    from msoffcrypto.format.doc97 import Doc97File

    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(raw))
        return isinstance(office, Doc97File) and office.is_encrypted()
    except Exception:  # a damaged container: the converter reports the damage
        return False


def sniff(raw: bytes) -> str:
    """One of :data:`KIND_NAMES`' keys. Text is the fallback: whether it
    really decodes is for the text reader to say."""
    head = raw[:2048]
    if b"%PDF-" in raw[:1024]:
        return "pdf"
    if head.startswith(OLE_MAGIC):
        # Office 2007+ files with a password are OLE containers holding the
        # encrypted package, not Word 97 documents.
        if "EncryptedPackage".encode("utf-16-le") in raw[:1 << 20] or _word97_locked(raw):
            return "encrypted-office"
        return "ole"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(raw)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    lowered = head.lower().lstrip(b"\xef\xbb\xbf \t\r\n")
    if lowered.startswith(b"mime-version:") or (b"multipart/related" in lowered and b"content-type:" in lowered):
        return "mhtml"
    if lowered.startswith((b"<!doctype html", b"<html")) or b"<html" in lowered[:1024]:
        return "html"
    return "text"
