"""partyqa's library: find, answer from and quote Party-building documents.

The public API, importable from the package itself (loaded on first use, so
that ``python -m indexer --help`` and the CLI's quick paths stay light)::

    from indexer import Settings, build_index, open_store, Searcher, Answerer
    settings = Settings.from_env()
    build_index(settings.corpus, settings.resolve_store())      # folder or oceanbase:// URL
    answerer = Answerer(Searcher.open(settings.resolve_store()))
    result = answerer.ask("全市开展了多少项科普活动？")
    result.answers[0].text, result.answers[0].citation

Errors meant for users are :class:`PartyQAError` (Chinese messages).
"""

from __future__ import annotations

import importlib

# name -> module that defines it
_API = {
    "Settings": "config",
    "PartyQAError": "errors",
    "load_corpus": "loading",
    "Document": "loading",
    "chunk_documents": "chunking",
    "ChunkParams": "chunking",
    "Chunk": "chunking",
    "Embedder": "embedding",
    "open_store": "store",
    "Store": "store",
    "Snapshot": "store",
    "build_index": "building",
    "BuildReport": "building",
    "Searcher": "retrieval",
    "FusionParams": "retrieval",
    "Hit": "retrieval",
    "Answerer": "answering",
    "AskResult": "answering",
    "Answer": "answering",
    "Quote": "exporting",
    "quotes_to_docx": "exporting",
    "quotes_to_markdown": "exporting",
    "Basket": "basket",
}
__all__ = sorted(_API)


def __getattr__(name: str):
    if name in _API:
        value = getattr(importlib.import_module(f".{_API[name]}", __name__), name)
        globals()[name] = value  # once loaded, a plain attribute
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
