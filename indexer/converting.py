"""Word 97-2003 (``.doc``) and WPS 文字 (``.wps``) files to ``.docx`` through
LibreOffice headless, so that they are read like any ``.docx`` (heading
styles, tables).

WPS Office's ``.wps`` is the same OLE container as Word's ``.doc``, and
LibreOffice recognises it by content. The converter runs with its own fresh
profile folder (a shared one would serialise or corrupt concurrent runs),
in its own process group, and is killed with its children when it takes
longer than ``timeout`` seconds (``PARTYQA_CONVERT_TIMEOUT``, default 60):
a hung converter never hangs a build. Results are cached by content hash.

Usage::

    from indexer.converting import convert, doc_to_docx
    docx_bytes = doc_to_docx(open("报告.wps", "rb").read())
    pdf_bytes = convert(docx_bytes, "docx", "pdf")
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from .config import CONVERT_TIMEOUT
from .derived import cached
from .errors import LoadError

log = logging.getLogger(__name__)
CONVERTER_VERSION = "lo-docx-1"


def soffice() -> str | None:
    """The LibreOffice program, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(raw: bytes, source: str, target: str, timeout: float = CONVERT_TIMEOUT) -> bytes:
    """LibreOffice's conversion of ``raw`` (a ``source`` file such as
    ``"doc"``) to ``target`` (``"docx"``, ``"doc"``, ``"pdf"`` or a full
    ``"ext:Filter"``); :class:`LoadError` when it fails or times out."""
    program = soffice()
    if program is None:
        raise LoadError("未安装 LibreOffice，无法读取 .doc/.wps 文件；请运行 make setup"
                        "（或 apt-get install libreoffice-writer-nogui）")
    return _run(program, raw, source, target, max(0.1, timeout))


def _run(program: str, raw: bytes, source: str, target: str, timeout: float) -> bytes:
    with tempfile.TemporaryDirectory(prefix="partyqa-convert-") as tmp:
        work = Path(tmp)
        src = work / f"source.{source}"
        src.write_bytes(raw)
        cmd = [program, "--headless", "--norestore", "--nolockcheck", "--nodefault", "--nologo",
               f"-env:UserInstallation={(work / 'profile').as_uri()}",
               "--convert-to", target, "--outdir", str(work / "out"), str(src)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, env={**os.environ, "HOME": tmp})
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise LoadError(f"转换超时（超过 {timeout:.0f} 秒），文件可能已损坏，已跳过") from None
        finally:
            if proc.poll() is None:  # pragma: no cover - interrupted while waiting
                os.killpg(proc.pid, signal.SIGKILL)
        result = work / "out" / f"source.{target.split(':')[0]}"
        log.info("soffice exit %s: %s", proc.returncode, out.decode("utf-8", "replace")[-500:])
        if proc.returncode != 0 or not result.is_file() or result.stat().st_size == 0:
            raise LoadError("文件已损坏、加密或无法转换，已跳过")
        return result.read_bytes()


def doc_to_docx(raw: bytes, timeout: float = CONVERT_TIMEOUT, cache: Path | None = None) -> bytes:
    """The ``.docx`` LibreOffice makes of a ``.doc``/``.wps`` file's bytes
    (cached under ``cache``, see :mod:`indexer.derived`)."""
    # The .doc name makes LibreOffice take the Word filter; content
    # detection still tells Word's and WPS's flavours apart.
    return cached("convert", CONVERTER_VERSION, raw, lambda: convert(raw, "doc", "docx:MS Word 2007 XML", timeout),
                  root=cache)
