"""Parse cache: an unchanged collection loads without parsing a single file.

One cache file per collection root (named after a hash of the resolved root) in
:func:`~reader.paths.default_cache_dir`. For each article file it keeps the size and `mtime_ns`
seen when the file was parsed, and what parsing gave: the article (as a compact tuple) and the
file's problems. A load stats every file, re-parses only the new and changed ones, drops the
removed ones, and rewrites the cache when anything changed.

The cache is never needed and never fatal: a missing, corrupt, truncated or foreign cache file is
ignored (and replaced), an unwritable cache folder only costs the next load its speed. Writes are
atomic (temporary file + `os.replace`). `CACHE_VERSION` is part of the file name and header: bump
it whenever the model or the record layout changes, and old caches are simply not read.

The file has two parts: what the list and search need for every article, and the rest (body,
related articles, extra fields). The app loads slim articles and reads only the first part, so a
warm start of 100,000 articles neither decodes nor holds the rest; the CLI reads both.

Records are tuples of plain values serialised with `marshal` (the fastest stdlib format for them);
`extra` values that marshal cannot hold (YAML dates, sets) are pickled, field by field. Providers
are stored once per cache and shared between articles. A checksum guards the payload.

Cold loads of many files are split over a pool of processes (`workers`), which send back the
same compact records the cache holds, so the transfer costs what a warm load costs.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import marshal
import os
import pickle
import struct
import tempfile
import time
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from reader.frontmatter import quiet_native_errors
from reader.loader import (
    SLIM_EXTRA,
    _dedupe_ids,
    complete_article,
    iter_article_files,
    load_file,
    slim_article,
)
from reader.model import Article, Collection, Image, Problem, Provider, RelatedArticle, Urls
from reader.paths import default_cache_dir

#: Bump on any change to the model or to the record layout below.
CACHE_VERSION = 2
_MAGIC = b"RDRPARSE"
# magic, version, then crc32 and length of each part: the list part, then the detail part.
_HEADER = struct.Struct("<8sIIQIQ")
#: A file modified this close to the moment it was parsed may change again within the same
#: mtime tick without changing size; such entries are not reused (they are parsed next time).
RACY_WINDOW_NS = 2_000_000_000
#: Below this many files to parse, a process pool costs more than it saves.
POOL_THRESHOLD = 4000

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NO_PROBLEMS: list[Problem] = []  # shared by every entry without problems: never mutated
_MICROSECOND = timedelta(microseconds=1)

# An article is two tuples (no path: it comes from the walk, so a moved root still hits).
# What the list and search need, read on every load:
# (id, title, excerpt, has_body, published_us, category, type, quality, heat, published_flag,
#  provider_index, topics, urls, images, related_count)
# and the rest, kept in a second part of the file that a slim (app) load never reads:
# (body, related, extra, extra_pickled)
Record = tuple[Any, ...]
Detail = tuple[Any, ...]
# A file's entry: (size, mtime_ns, record or None, ((line, message, severity), ...))
Entry = tuple[int, int, Record | None, tuple[tuple[int | None, str, str], ...]]


# ---------------------------------------------------------------------------------------------
# Public API


def cache_file_for(root: str | os.PathLike[str], *, cache_dir: Path | None = None) -> Path:
    """The cache file of one collection root (a hash of its resolved path, and the version)."""
    resolved = os.path.realpath(os.fspath(root))
    digest = hashlib.blake2b(
        resolved.encode("utf-8", "surrogateescape"), digest_size=10
    ).hexdigest()
    folder = cache_dir if cache_dir is not None else default_cache_dir()
    return Path(folder) / f"parse-v{CACHE_VERSION}-{digest}.bin"


def load_collection_cached(
    roots: Sequence[str],
    *,
    cache_dir: Path | None = None,
    workers: int | None = None,
    slim: bool = False,
) -> Collection:
    """Like :func:`reader.loader.load_collection`, the same result, but through the parse cache.

    `workers`: processes for parsing when many files changed (None: one per CPU, at most 4;
    1: parse in this process only). `slim`: articles without body, related and extra fields
    (see :func:`reader.loader.slim_article`), for the app: faster to build, half the memory.
    """
    if isinstance(roots, (str, os.PathLike)):
        roots = [roots]
    articles: list[Article] = []
    problems: list[Problem] = []
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of small tuples and objects, none cyclic: 2-3x faster without gc
    try:
        for root in roots:
            root_str = os.fspath(root)
            if not os.path.exists(root_str):
                problems.append(Problem(root_str, None, "no such file or folder"))
                continue
            for article, file_problems in _load_root(root_str, cache_dir, workers, slim):
                if article is not None:
                    articles.append(article)
                if file_problems:
                    problems.extend(file_problems)
        articles = _dedupe_ids(articles)
    finally:
        if gc_was_enabled:
            gc.enable()
    return Collection(
        articles=articles,
        problems=problems,
        roots=tuple(os.fspath(p) for p in roots),
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
    root: str, cache_dir: Path | None, workers: int | None, slim: bool = False
) -> list[tuple[Article | None, list[Problem]]]:
    cache_file = cache_file_for(root, cache_dir=cache_dir)
    old_entries, providers, old_details = _read_cache(cache_file, details=not slim)
    decoder = _Decoder(providers, slim=slim)
    files = list(iter_article_files(root))
    now_ns = time.time_ns()

    stats: list[tuple[int, int] | None] = []
    hits: list[bool] = []
    for path, relative in files:
        try:
            info = os.stat(path)
            key: tuple[int, int] | None = (info.st_size, info.st_mtime_ns)
        except OSError:
            key = None
        stats.append(key)
        entry = old_entries.get(relative) if key is not None else None
        hits.append(
            entry is not None and entry[0] == key[0] and entry[1] == key[1]  # type: ignore[index]
        )
    to_parse = [index for index, hit in enumerate(hits) if not hit]
    changed = bool(to_parse) or sum(hits) != len(old_entries)
    if changed and old_details is None:
        # The cache is rewritten: the reused entries need their detail part too.
        old_entries, providers, old_details = _read_cache(cache_file, details=True)
        decoder = _Decoder(providers, slim=slim)
    details = old_details or {}

    results: list[tuple[Article | None, list[Problem]] | None] = []
    new_entries: dict[str, Entry] = {}
    new_details: dict[str, Detail | None] = {}
    for index, (path, relative) in enumerate(files):
        if hits[index]:
            # Popped: each record is freed as its article is built, so a warm load of 100,000
            # articles never holds both (unless the cache is rewritten and needs them).
            entry = old_entries.pop(relative)
            detail = details.pop(relative, None)
            results.append(decoder.entry(entry, detail, path))
            if changed:
                new_entries[relative] = entry
                new_details[relative] = detail
        else:
            results.append(None)

    encoder = _Encoder(providers)
    if to_parse:
        parsed = _parse_files([files[i] for i in to_parse], workers)
        for index, (article, file_problems) in zip(to_parse, parsed, strict=True):
            kept = slim_article(article) if slim and article is not None else article
            results[index] = (kept, file_problems)
            key = stats[index]
            if key is None or now_ns - key[1] < RACY_WINDOW_NS:
                continue  # unreadable, or too fresh to trust its mtime
            try:
                record, detail, encoded_problems = encoder.article(article, file_problems)
            except Exception:  # a value the record format cannot hold: parse it every time
                continue
            relative = files[index][1]
            new_entries[relative] = (key[0], key[1], record, encoded_problems)
            new_details[relative] = detail

    if changed:
        _write_cache(cache_file, root, new_entries, new_details, encoder)
    return results  # type: ignore[return-value] - every slot is filled by now


def _parse_files(
    files: list[tuple[str, str]], workers: int | None
) -> list[tuple[Article | None, list[Problem]]]:
    """Parse files, over several processes when there are many."""
    count = _worker_count(workers, len(files))
    if count <= 1:
        with quiet_native_errors():
            return [load_file(path, relative) for path, relative in files]
    return _parse_in_pool(files, count)


def _worker_count(workers: int | None, files: int) -> int:
    if workers is None:
        workers = min(os.cpu_count() or 1, 4)
    if files < POOL_THRESHOLD:
        return 1
    return max(1, workers)


def _parse_in_pool(
    files: list[tuple[str, str]], count: int
) -> list[tuple[Article | None, list[Problem]]]:
    """This process parses one share, `count - 1` spawned processes the others.

    Workers return the compact cache records (marshal bytes), which decode much faster than
    pickled dataclasses. Any pool failure falls back to parsing here.
    """
    import concurrent.futures
    import multiprocessing

    shares = [files[i::count] for i in range(count)]  # interleaved: big and small files spread
    results: list[list[tuple[Article | None, list[Problem]]]] = [[] for _ in shares]
    try:
        # `fork` starts a worker in milliseconds, but forking a process that runs threads (the
        # TUI's workers) can deadlock the child: then `spawn` (a fresh interpreter, ~0.3 s).
        import threading

        method = "fork" if threading.active_count() == 1 and os.name == "posix" else "spawn"
        context = multiprocessing.get_context(method)
        with concurrent.futures.ProcessPoolExecutor(count - 1, mp_context=context) as pool:
            futures = {pool.submit(_parse_share, share): n for n, share in enumerate(shares[1:], 1)}
            with quiet_native_errors():
                results[0] = [load_file(path, relative) for path, relative in shares[0]]
            for future, n in futures.items():
                payload = future.result()
                results[n] = _decode_share(payload, shares[n])
    except (OSError, RuntimeError, concurrent.futures.process.BrokenProcessPool):
        with quiet_native_errors():
            return [load_file(path, relative) for path, relative in files]
    merged: list[tuple[Article | None, list[Problem]]] = [None] * len(files)  # type: ignore[list-item]
    for n, share_results in enumerate(results):
        merged[n::count] = share_results
    return merged


def _parse_share(files: list[tuple[str, str]]) -> bytes:
    """In a worker process: parse files, return their records and providers as marshal bytes."""
    encoder = _Encoder()
    entries = []
    gc.disable()
    with quiet_native_errors():
        for path, relative in files:
            try:
                entries.append(encoder.article(*load_file(path, relative)))
            except Exception:  # cannot travel as a record: the parent parses this one itself
                entries.append((None, None, None))
    return marshal.dumps((encoder.providers, entries))


def _decode_share(
    payload: bytes, files: list[tuple[str, str]]
) -> list[tuple[Article | None, list[Problem]]]:
    providers, entries = marshal.loads(payload)
    decoder = _Decoder(providers)
    return [
        decoder.entry((0, 0, record, problems), detail, path)
        if problems is not None
        else load_file(path, relative)
        for (path, relative), (record, detail, problems) in zip(files, entries, strict=True)
    ]


# ---------------------------------------------------------------------------------------------
# Encoding


_PLAIN_TYPES = (str, int, float, bool, type(None))


def _marshalable(value: Any) -> bool:
    """True for values marshal keeps exactly (no dates, sets or tuples, which YAML never gives)."""
    kind = type(value)
    if kind in _PLAIN_TYPES:
        return True
    if kind is list:
        return all(_marshalable(item) for item in value)
    if kind is dict:
        return all(type(key) is str and _marshalable(item) for key, item in value.items())
    return False


def _micros(moment: datetime | None) -> int | None:
    return None if moment is None else (moment - _EPOCH) // _MICROSECOND


class _Encoder:
    """Articles -> records; providers numbered once."""

    def __init__(self, providers: list[tuple[str, str, str | None]] | None = None) -> None:
        # Seeded with an old cache's table, so the records reused from it stay valid.
        self.providers: list[tuple[str, str, str | None]] = list(providers or ())
        self._provider_index = {tuple(p): i for i, p in enumerate(self.providers)}

    def provider(self, provider: Provider) -> int:
        key = (provider.name, provider.domain, provider.logo)
        index = self._provider_index.get(key)
        if index is None:
            index = self._provider_index[key] = len(self.providers)
            self.providers.append(key)
        return index

    def article(
        self, article: Article | None, problems: list[Problem]
    ) -> tuple[Record | None, Detail | None, tuple[tuple[int | None, str, str], ...]]:
        encoded_problems = tuple((p.line, p.message, p.severity) for p in problems)
        if article is None:
            return None, None, encoded_problems
        extra = article.extra
        pickled = not _marshalable(extra)
        record = (
            article.id,
            article.title,
            article.excerpt,
            article.has_body,
            _micros(article.published),
            article.category,
            article.type,
            article.quality,
            article.heat,
            article.published_flag,
            self.provider(article.provider),
            article.topics,
            _urls(article.urls),
            tuple((i.url, i.width, i.height, i.title) for i in article.images),
            article.related_count,
        )
        detail = (
            article.body,
            tuple(
                (
                    r.title,
                    r.excerpt,
                    _micros(r.published),
                    _urls(r.urls),
                    self.provider(r.provider),
                    r.quality,
                    r.type,
                )
                for r in article.related
            ),
            pickle.dumps(extra, protocol=pickle.HIGHEST_PROTOCOL) if pickled else extra,
            pickled,
        )
        return record, detail, encoded_problems


def _urls(urls: Urls) -> tuple[str | None, ...]:
    return (urls.original, urls.web, urls.amp, urls.cdn_amp, urls.website)


class _Decoder:
    """Records -> articles (providers shared)."""

    def __init__(self, providers: list[tuple[str, str, str | None]], *, slim: bool = False) -> None:
        self.providers = [Provider(*p) for p in providers]
        self.slim = slim
        # Equal small values shared by every article that has them (topics, category, type):
        # a large collection repeats a few dozen of them a hundred thousand times.
        self._shared: dict[Any, Any] = {}

    def entry(
        self, entry: Entry, detail: Detail | None, path: str
    ) -> tuple[Article | None, list[Problem]]:
        record = entry[2]
        problems = (
            [Problem(path, line, message, severity) for line, message, severity in entry[3]]
            if entry[3]
            else _NO_PROBLEMS
        )
        if record is None:
            return None, problems
        providers = self.providers
        (
            id_,
            title,
            excerpt,
            has_body,
            published,
            category,
            type_,
            quality,
            heat,
            published_flag,
            provider,
            topics,
            urls,
            images,
            related_count,
        ) = record
        shared = self._shared
        topics = shared.setdefault(topics, topics)
        category = shared.setdefault(category, category)
        type_ = shared.setdefault(type_, type_)
        published_at = None if published is None else _EPOCH + published * _MICROSECOND
        slim = self.slim or detail is None
        if slim:
            body, image_objects, related_objects, extra = "", (), (), SLIM_EXTRA
        else:
            body, related, extra, pickled = detail  # type: ignore[misc]
            image_objects = tuple([Image(*image) for image in images]) if images else ()
            related_objects = tuple([self._related(r) for r in related]) if related else ()
            extra = pickle.loads(extra) if pickled else extra
        article = Article(
            id_,
            path,
            title,
            excerpt,
            body,
            published_at,
            category,
            type_,
            quality,
            heat,
            published_flag,
            providers[provider],
            topics,
            Urls(*urls),
            image_objects,
            related_objects,
            extra,
            slim,
            has_body if slim else False,
            related_count if slim else 0,
            len(images) if slim else 0,
        )
        if slim and not self.slim:  # a full load, but this entry has no detail record
            article = complete_article(article)
        return article, problems

    def _related(self, r: tuple[Any, ...]) -> RelatedArticle:
        return RelatedArticle(
            r[0],
            r[1],
            None if r[2] is None else _EPOCH + r[2] * _MICROSECOND,
            Urls(*r[3]),
            self.providers[r[4]],
            r[5],
            r[6],
        )


# ---------------------------------------------------------------------------------------------
# The file


def _read_cache(
    path: Path, *, details: bool
) -> tuple[dict[str, Entry], list[tuple[str, str, str | None]], dict[str, Detail | None] | None]:
    """Entries and provider table of a cache file (and the detail part when asked for); empty
    when missing, foreign or corrupt. A slim load reads only the first part of the file."""
    empty: tuple[dict[str, Entry], list[tuple[str, str, str | None]], None] = ({}, [], None)
    try:
        with open(path, "rb") as handle:
            header = handle.read(_HEADER.size)
            magic, version, crc_list, length_list, crc_detail, length_detail = _HEADER.unpack(
                header
            )
            if magic != _MAGIC or version != CACHE_VERSION:
                return empty
            list_part = handle.read(length_list)
            detail_part = handle.read(length_detail) if details else None
        if len(list_part) != length_list or zlib.crc32(list_part) != crc_list:
            return empty
        _root, providers, relatives, entries = marshal.loads(list_part)
        if len(relatives) != len(entries):
            return empty
        detail_map: dict[str, Detail | None] | None = None
        if detail_part is not None:
            if len(detail_part) != length_detail or zlib.crc32(detail_part) != crc_detail:
                return empty
            detail_list = marshal.loads(detail_part)
            if len(detail_list) != len(relatives):
                return empty
            detail_map = dict(zip(relatives, detail_list, strict=True))
        return dict(zip(relatives, entries, strict=True)), providers, detail_map
    except Exception:
        return empty


def _write_cache(
    path: Path,
    root: str,
    entries: dict[str, Entry],
    details: dict[str, Detail | None],
    encoder: _Encoder,
) -> None:
    """Write atomically; failures (read-only folder, full disk) are ignored."""
    relatives = list(entries)
    list_part = marshal.dumps(
        (os.path.realpath(root), encoder.providers, relatives, list(entries.values()))
    )
    detail_part = marshal.dumps([details.get(relative) for relative in relatives])
    header = _HEADER.pack(
        _MAGIC,
        CACHE_VERSION,
        zlib.crc32(list_part),
        len(list_part),
        zlib.crc32(detail_part),
        len(detail_part),
    )
    tmp_name = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(header)
            handle.write(list_part)
            handle.write(detail_part)
        os.replace(tmp_name, path)
        tmp_name = None
    except (OSError, ValueError, RecursionError):  # unwritable, or a value marshal refuses
        pass
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
