"""The article files of a collection, and ids unique across them.

`iter_article_files` walks a folder (sorted, hidden entries skipped, each folder entered once);
`dedupe_ids` keeps ids unique when two files tell the same story. Both are on the path of every
load, warm ones too, so this module imports nothing that parsing needs (no YAML, no ftfy).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace

from reader.model import Article

__all__ = ["ARTICLE_SUFFIXES", "dedupe_ids", "iter_article_files"]

ARTICLE_SUFFIXES = frozenset({".md", ".markdown", ".txt"})
_SUFFIX_NAMES = frozenset(suffix[1:] for suffix in ARTICLE_SUFFIXES) | {
    suffix[1:].upper() for suffix in ARTICLE_SUFFIXES
}


def _suffix_of(name: str) -> str:
    """`a.md` -> `md` (case kept: `_SUFFIX_NAMES` holds both cases; mixed case falls back)."""
    suffix = name.rpartition(".")[2]
    return suffix if suffix in _SUFFIX_NAMES else suffix.lower()


def iter_article_files(root: str | os.PathLike[str]) -> Iterator[tuple[str, str]]:
    """Yield (path, path relative to root) for article files, sorted, hidden entries skipped.

    Symlinked folders are followed once: a (device, inode) seen before is not entered again, so a
    symlink loop cannot hang the walk. Entries with an article suffix that are not regular files
    (a FIFO, a device, a dangling symlink) are yielded too, so that loading lists them as
    problems; so is a root that is not a folder.
    """
    root_str = os.fspath(root)
    if not os.path.isdir(root_str):
        yield root_str, os.path.basename(root_str)
        return
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[str, str]] = [(root_str, "")]
    while stack:
        folder, relative = stack.pop()
        try:
            info = os.stat(folder)
        except OSError:
            continue
        key = (info.st_dev, info.st_ino)
        if key in seen:
            continue
        seen.add(key)
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError:
            continue
        subfolders: list[tuple[str, str]] = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            child_relative = f"{relative}{entry.name}"
            try:
                is_dir = entry.is_dir()
            except OSError:
                continue
            if is_dir:
                subfolders.append((entry.path, child_relative + "/"))
            elif _suffix_of(entry.name) in _SUFFIX_NAMES:
                yield entry.path, child_relative
        stack.extend(reversed(subfolders))


def dedupe_ids(articles: list[Article]) -> list[Article]:
    """Two files with the same id both load; the later ones get `-2`, `-3`, ... appended."""
    if len({article.id for article in articles}) == len(articles):
        return articles  # the common case, in a third of the time
    seen: dict[str, int] = {}
    result: list[Article] = []
    for article in articles:
        count = seen.get(article.id, 0) + 1
        seen[article.id] = count
        if count > 1:
            new_id = f"{article.id}-{count}"
            while new_id in seen:
                count += 1
                new_id = f"{article.id}-{count}"
            seen[new_id] = 1
            article = replace(article, id=new_id)
        result.append(article)
    return result
