"""Parse cache: an unchanged collection loads without parsing a single file.

One cache file per collection root (named after a hash of the resolved root and the version) in
:func:`~reader.paths.default_cache_dir`. For each article file it keeps the size and `mtime_ns`
seen when the file was parsed, and what parsing gave (:mod:`reader.cache.records`). A load stats
every file the cache knows, re-parses only new and changed ones (over a pool of processes when
there are many: :mod:`reader.cache.pool`), drops the removed ones, and rewrites the cache when
anything changed (:mod:`reader.cache.fileformat`).

The cache is never needed and never fatal: a missing, corrupt, truncated or foreign cache file is
ignored (and replaced), an unwritable cache folder only costs the next load its speed. The app
(and `reader list`, but for JSON) loads slim articles and reads only the first part of the file,
so a warm start of 100,000 articles neither decodes nor holds bodies, related articles and extra
fields; and a warm load imports nothing of the parser (`reader.loader`, YAML, ftfy): the pool,
and with it the parser, is imported only when a file has to be parsed.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from reader.cache import fileformat
from reader.cache.fileformat import CACHE_VERSION, read_cache, write_cache
from reader.cache.records import Decoder, RawDetail, RawEntry, Segment, segment
from reader.model import Article, Collection, Problem
from reader.paths import default_cache_dir
from reader.settings import DEFAULTS
from reader.walk import dedupe_ids, iter_article_files

__all__ = ["CACHE_VERSION", "cache_file_for", "clear_cache", "load_collection_cached"]


def cache_file_for(root: str | os.PathLike[str], *, cache_dir: Path | None = None) -> Path:
    """The cache file of one collection root (a hash of its resolved path, and the version)."""
    resolved = os.path.realpath(os.fspath(root))
    digest = hashlib.blake2b(
        resolved.encode("utf-8", "surrogateescape"), digest_size=10
    ).hexdigest()
    folder = cache_dir if cache_dir is not None else default_cache_dir()
    return Path(folder) / f"parse-v{fileformat.CACHE_VERSION}-{digest}.bin"


def load_collection_cached(
    roots: Sequence[str],
    *,
    cache_dir: Path | None = None,
    workers: int | None = None,
    slim: bool = False,
    use_cache: bool = True,
    pool_threshold: int = DEFAULTS.pool_threshold,
    progress: Callable[[int, int], None] | None = None,
) -> Collection:
    """Like :func:`reader.loader.load_collection`, the same result, but through the parse cache.

    `workers`: processes for parsing when many files changed (None: one per CPU, at most 4;
    1: parse in this process only). `slim`: articles without body, related and extra fields
    (see :func:`reader.model.slim_article`), for the app: faster to build, half the memory.
    `use_cache=False` (`--no-cache`): the cache is neither read nor written, but many files are
    still parsed over the pool (from `pool_threshold` files to parse on).
    """
    if isinstance(roots, (str, os.PathLike)):
        roots = [roots]
    articles: list[Article] = []
    problems: list[Problem] = []
    stamps: list[str] | None = [] if use_cache else None
    counted = _Counter(progress) if progress is not None else None
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of small tuples and objects, none cyclic: far faster without gc
    try:
        for root in roots:
            root_str = os.fspath(root)
            if not os.path.lexists(root_str):
                problems.append(Problem(root_str, None, "no such file or folder"))
                continue
            stamp = _load_root(
                root_str,
                cache_dir,
                workers,
                slim,
                use_cache,
                pool_threshold,
                articles,
                problems,
                counted,
            )
            if stamps is not None:
                stamps = None if stamp is None else [*stamps, stamp]
        articles = dedupe_ids(articles)
    finally:
        if gc_was_enabled:
            gc.enable()
    fingerprint = None
    if stamps:
        digest = hashlib.blake2b("\n".join(stamps).encode("utf-8", "surrogateescape"))
        fingerprint = digest.hexdigest()[:32]
    return Collection(
        articles=articles,
        problems=problems,
        roots=tuple(os.fspath(p) for p in roots),
        fingerprint=fingerprint,
    )


def clear_cache(*, cache_dir: Path | None = None) -> int:
    """Remove every parse cache file (of any version); returns how many were removed."""
    folder = Path(cache_dir if cache_dir is not None else default_cache_dir())
    removed = 0
    for path in folder.glob("parse-v*.bin"):
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    return removed


# ---------------------------------------------------------------------------------------------
# One root


def _load_root(
    root: str,
    cache_dir: Path | None,
    workers: int | None,
    slim: bool,
    use_cache: bool,
    pool_threshold: int,
    articles: list[Article],
    problems: list[Problem],
    counted: _Counter | None = None,
) -> str | None:
    """Append the articles and problems of one root, in walk order. Returns a stamp of the
    cache file when every file was a hit and the cache file did not change meanwhile (the same
    stamp: the same files), else None."""
    cache_file = cache_file_for(root, cache_dir=cache_dir)
    entries: dict[str, RawEntry] = {}
    details: dict[str, RawDetail | None] | None = None
    before = _stamp(cache_file) if use_cache else None
    if use_cache:
        entries, details = read_cache(cache_file, details=not slim)
    files = list(iter_article_files(root))

    # One pass: a file the cache knows is stat'ed and, when unchanged, decoded at once (its
    # record popped, so a warm load of 100,000 articles never holds both). The others are
    # parsed afterwards, their key taken from the open file (a cold load reads each file once).
    results: list[tuple[Article | None, list[Problem]] | None] = []
    to_parse: list[int] = []
    reused: list[str] = []
    decode = Decoder(slim=slim).entry
    pop_entry = entries.pop
    pop_detail = details.pop if details else _no_detail
    stat = os.stat
    for path, relative in files:
        entry = pop_entry(relative, None)
        if entry is not None:
            try:
                info = stat(path)
            except OSError:
                entry = None
            else:
                if entry[0] != info.st_size or entry[1] != info.st_mtime_ns:
                    entry = None
        if entry is None:
            to_parse.append(len(results))
            results.append(None)
        else:
            results.append(decode(entry, pop_detail(relative, None), path))
            reused.append(relative)
    changed = bool(to_parse or entries)  # entries left: files removed since
    del entries, details

    segments: list[Segment] = []
    if to_parse:
        from reader.cache.pool import parse_files  # the parser: not imported by a warm load

        if counted is not None:
            counted.expect(len(to_parse))
        parsed, segments = parse_files(
            [files[i] for i in to_parse],
            workers,
            slim,
            use_cache,
            threshold=pool_threshold,
            parsed=counted.add if counted is not None else None,
        )
        for index, result in zip(to_parse, parsed, strict=True):
            results[index] = result
        del parsed
    for article, file_problems in results:  # type: ignore[misc]
        if article is not None:
            articles.append(article)
        if file_problems:
            problems.extend(file_problems)
    del results

    if changed and use_cache:
        if reused:
            segments.append(_reused_segment(cache_file, reused))
        write_cache(cache_file, [part for part in segments if part is not None])
        return None
    if before is None or _stamp(cache_file) != before:
        return None
    return f"{os.path.realpath(root)}\0{before}"


class _Counter:
    """Files parsed of files to parse, over every root, for a progress callback."""

    def __init__(self, report: Callable[[int, int], None]) -> None:
        self.report = report
        self.done = 0
        self.total = 0

    def expect(self, files: int) -> None:
        self.total += files
        self.report(self.done, self.total)

    def add(self, files: int) -> None:
        self.done += files
        self.report(self.done, self.total)


def _no_detail(_relative: str, _default: None) -> None:
    return None


def _reused_segment(cache_file: Path, relatives: list[str]) -> Segment | None:
    """The cache entries (with their detail records) of the files that were hits, read again
    for the rewrite: a load keeps no record it has decoded, so that a warm one never holds the
    records and the articles at once (a rewrite happens only when files changed, and writes the
    whole file anyway)."""
    entries, details = read_cache(cache_file, details=True)
    details = details or {}
    known = [relative for relative in relatives if relative in entries]
    return segment(known, [entries[r] for r in known], [details.get(r) for r in known])


def _stamp(path: Path) -> str | None:
    """Which version of a cache file is there (it is only ever replaced, never edited)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return f"{info.st_dev}:{info.st_ino}:{info.st_size}:{info.st_mtime_ns}"
