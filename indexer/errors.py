"""Every error the library raises for users, under one base.

``str(exc)`` of a :class:`PartyQAError` is a complete Chinese sentence that
can be shown as it is; the CLI prints it and exits with status 2, the app
shows it on the page. Anything that is not a ``PartyQAError`` is a bug (or
the operating system's error) and is reported as such.

Usage::

    from indexer.errors import PartyQAError
    try:
        build_index("corpus", "index")
    except PartyQAError as exc:
        print(f"错误：{exc}")
"""

from __future__ import annotations


class PartyQAError(Exception):
    """Base of the library's errors; the message is for users (Chinese)."""


class SettingsError(PartyQAError, ValueError):
    """An environment variable or option has a value the tool cannot use."""


class UsageError(PartyQAError, ValueError):
    """A command was given something it cannot work with (an empty query, a missing file)."""


class LoadError(PartyQAError):
    """A corpus file cannot be read as a document."""


class UploadError(PartyQAError):
    """An uploaded file is refused; nothing was written."""


class ModelUnavailable(PartyQAError):
    """The embedding model cannot be found or loaded offline."""


class ModelMismatch(PartyQAError):
    """The index was built with another model."""


class StoreError(PartyQAError):
    """Base for index problems (missing, damaged, locked, unwritable, unreachable)."""


class IndexMissing(StoreError):
    pass


class IndexCorrupt(StoreError):
    pass


class BuildLocked(StoreError):
    pass


class IndexNotWritable(StoreError):
    """No permission to write the index folder, or a read-only file system."""


class DiskFull(StoreError):
    """Not enough space for the new version; the old one stays live."""


class StoreUnavailable(StoreError):
    """The database cannot be reached or refused us."""


class ServerError(PartyQAError, RuntimeError):
    """The local seekdb server could not be started."""


class TrimError(PartyQAError, ValueError):
    """A quote cannot be trimmed that way (only its ends may go)."""
