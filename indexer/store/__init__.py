"""Where an index lives, behind one interface.

Two implementations, chosen by a *store spec*:

- a folder on this machine (``index``, the default): FAISS + bm25s files,
  versions switched atomically (:mod:`indexer.store.embedded`);
- an OceanBase or seekdb database (``oceanbase://user:password@host:2881/db``),
  shared by many app processes and machines (:mod:`indexer.store.oceanbase`).

The interfaces are in :mod:`indexer.store.base`; :mod:`indexer.store.seekdb`
starts a local seekdb server.

Usage::

    from indexer.store import open_store
    store = open_store("index")                      # or an oceanbase:// URL
    snap = store.current()                           # the live version
"""

from __future__ import annotations

import os

from ..config import Settings, is_url
from .base import Manifest, Ranking, Snapshot, Store, check_model, idf_from_df, text_key
from .embedded import EmbeddedStore, IndexStore
from .oceanbase import OceanBaseStore

__all__ = ["EmbeddedStore", "IndexStore", "Manifest", "OceanBaseStore", "Ranking", "Snapshot", "Store", "check_model",
           "idf_from_df", "is_url", "open_store", "resolve_spec", "text_key"]


def resolve_spec(spec: str | os.PathLike | None = None, default: str = "index",
                 settings: Settings | None = None) -> str:
    """The store to use: the explicit spec, else the settings' store
    (``PARTYQA_STORE`` when read from the environment), else ``default``."""
    return (settings or Settings()).resolve_store(spec, default)


def open_store(spec: "str | os.PathLike | Store | None" = None, settings: Settings | None = None) -> Store:
    """A :class:`Store` for a folder path or an ``oceanbase://`` / ``seekdb://``
    URL, keeping ``settings.keep_versions`` versions; a store that is already
    open is returned as it is."""
    if spec is not None and not isinstance(spec, (str, os.PathLike)):
        return spec
    settings = settings or Settings()
    spec = resolve_spec(spec, settings=settings)
    if is_url(spec):
        return OceanBaseStore(spec, settings.keep_versions)
    return EmbeddedStore(spec, settings.keep_versions)
