"""Opening a collection: the paths a user gave (or the bundled sample), through the parse cache.

The one way the CLI and the app load articles: `open_collection(paths)`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from reader.model import Collection
from reader.settings import DEFAULTS, Settings
from reader.text import escape_path

__all__ = ["PathError", "collection_name", "open_collection", "resolve_paths"]


class PathError(Exception):
    """A path that cannot be a collection. `usage`: the path does not exist (a mistake on the
    command line) rather than being something that is not a file or folder (a FIFO, a device)."""

    def __init__(self, message: str, *, usage: bool) -> None:
        super().__init__(message)
        self.usage = usage


def resolve_paths(paths: Sequence[str] | None) -> list[str]:
    """The folders to load: as given (each a folder or a regular file), or the bundled sample."""
    if not paths:
        from reader.paths import sample_feed_dir

        return [str(sample_feed_dir())]
    for path in paths:
        try:
            mode = os.stat(path).st_mode
        except OSError:
            raise PathError(f"no such file or folder: {escape_path(path)}", usage=True) from None
        if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
            from reader.loader import file_kind

            raise PathError(
                f"not a file or folder: {escape_path(path)} ({file_kind(mode)})", usage=False
            )
    return list(paths)


def open_collection(
    paths: Sequence[str] | None,
    *,
    use_cache: bool = True,
    slim: bool = False,
    settings: Settings = DEFAULTS,
    progress: Callable[[int, int], None] | None = None,
) -> Collection:
    """Load the collection at `paths` (default: the sample), through the parse cache unless told
    not to. Raises `PathError` for a path that cannot be one.

    `slim`: keep articles without body, related and extra fields (the app reads them back from
    the file when it shows one), to hold 100,000 articles in a few hundred MB. `progress`
    hears (files parsed, files to parse) as files that the cache does not know are parsed.
    """
    from reader.cache import load_collection_cached

    return load_collection_cached(
        resolve_paths(paths),
        slim=slim,
        use_cache=use_cache,
        pool_threshold=settings.pool_threshold,
        progress=progress,
    )


def collection_name(roots: Iterable[str]) -> str:
    """What the header calls a collection: the folder's name, or a count of folders."""
    names = [Path(root).resolve().name or str(root) for root in roots]
    if not names:
        return "(empty)"
    if len(names) == 1:
        return names[0]
    return f"{names[0]} +{len(names) - 1}"
