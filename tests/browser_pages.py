"""What the browser tests share (a module of helpers, not of tests): the
Latin words a user may see, and waiting for the app's script run."""

from __future__ import annotations

import re
from pathlib import Path

# Names that stay as they are in Chinese software, and file-name suffixes.
SUFFIXES = ("txt", "md", "docx", "doc", "wps", "pdf", "ofd", "html", "htm", "mhtml", "png", "jpg", "tif", "zip")
ALLOWED = {"Word", "Markdown", "MB", *SUFFIXES}

VISIBLE_TEXT = """() => {
  const out = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walk.nextNode())) {
    const el = n.parentElement;
    if (!el || !n.textContent.trim()) continue;
    // Icons are drawn from ligature names (expand_more) and hidden from screen readers.
    if (el.closest('[aria-hidden="true"], [data-testid="stIconMaterial"], script, style, noscript')) continue;
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    if (parseFloat(getComputedStyle(el).fontSize) === 0) continue;
    // Screen-reader-only live regions (react-aria's "N options available") are clipped to 1 px.
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;
    out.push(n.textContent);
  }
  document.querySelectorAll('input[placeholder], textarea[placeholder]').forEach(e => out.push(e.placeholder));
  document.querySelectorAll('*').forEach(e => {
    const c = getComputedStyle(e, '::after').content;
    if (c && c !== 'none' && c !== 'normal') out.push(c);
  });
  return out.join('\\n');
}"""


def english_words(page, corpus: Path) -> set[str]:
    """Latin words the user can see that are not document text, file names or allowed names."""
    text = page.evaluate(VISIBLE_TEXT)
    text = re.sub(rf"[\w.-]+\.(?:{'|'.join(SUFFIXES)})\b", " ", text)  # file names are the users' own
    in_documents = set()
    for p in corpus.glob("*.txt"):
        in_documents |= set(re.findall(r"[A-Za-z]{2,}", p.read_text(encoding="utf-8")))
    return set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED - in_documents


def idle(page, timeout_ms: int = 120_000) -> None:
    """Until the app's script run has finished."""
    page.wait_for_timeout(150)
    page.wait_for_function("() => document.querySelector('[data-test-script-state]')?.getAttribute("
                           "'data-test-script-state') !== 'running'", timeout=timeout_ms, polling=50)
