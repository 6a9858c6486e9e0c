"""A cache of what is slow to derive from a file's bytes (LibreOffice
conversions, OCR text), keyed by the content hash and the deriving code's
version, like the embedding cache: a rebuild, a renamed file or an upload
checked once and then indexed never pays twice.

Entries live under the given folder (``Settings.derived``: the
``PARTYQA_DERIVED_CACHE`` variable, default ``<PARTYQA_CACHE or
~/.cache/partyqa>/derived``), one folder per kind, and are written
atomically; an unwritable cache only costs speed.

Usage::

    from indexer.derived import cached
    text = cached("ocr", "tesseract-5", page_png, lambda: run_ocr(page_png), root=settings.derived)
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from .config import Settings

log = logging.getLogger(__name__)


def cache_path(kind: str, version: str, data: bytes, root: Path | None = None) -> Path:
    """The entry's file under ``root`` (None: the default folder)."""
    key = hashlib.sha256(version.encode() + b"\0" + data).hexdigest()
    return Path(root or Settings().derived) / kind / key[:2] / key


def cached(kind: str, version: str, data: bytes, compute: Callable[[], bytes], root: Path | None = None) -> bytes:
    """``compute()``'s result for ``data``, from the cache under ``root`` when present."""
    path = cache_path(kind, version, data, root)
    try:
        return path.read_bytes()
    except OSError:
        pass
    value = compute()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(value)
        os.replace(tmp, path)
    except OSError as exc:  # a read-only or full cache is not an error
        log.warning("derived cache not written (%s): %s", path, exc)
    return value
