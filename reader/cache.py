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
`extra` values that marshal cannot hold (YAML dates, sets) are pickled, field by field. Equal
providers are written once per segment and shared between articles. Checksums guard the payload.

The file is a list of segments, each a chunk of files parsed together. Cold loads of many files
are split over a pool of processes (`workers`) that claim chunks one at a time and send back
each chunk's segment: this process decodes it into articles (a warm load's cost) and writes it
to the cache as it came.
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

from reader.loader import (
    SLIM_EXTRA,
    _dedupe_ids,
    complete_article,
    iter_article_files,
    load_file,
    load_file_keyed,
    slim_article,
)
from reader.model import Article, Collection, Image, Problem, Provider, RelatedArticle, Urls
from reader.paths import default_cache_dir

#: Bump on any change to the model or to the record layout below.
CACHE_VERSION = 3
_MAGIC = b"RDRPARSE"
_HEADER = struct.Struct("<8sII")  # magic, version, number of segments
_SEGMENT = struct.Struct("<QIQI")  # list part: length, crc32; detail part: length, crc32
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
#  provider (name, domain, logo), topics, urls, images, related_count)
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
    use_cache: bool = True,
) -> Collection:
    """Like :func:`reader.loader.load_collection`, the same result, but through the parse cache.

    `workers`: processes for parsing when many files changed (None: one per CPU, at most 4;
    1: parse in this process only). `slim`: articles without body, related and extra fields
    (see :func:`reader.loader.slim_article`), for the app: faster to build, half the memory.
    `use_cache=False` (`--no-cache`): the cache is neither read nor written, but many files are
    still parsed over the pool.
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
            if not os.path.lexists(root_str):
                problems.append(Problem(root_str, None, "no such file or folder"))
                continue
            _load_root(root_str, cache_dir, workers, slim, use_cache, articles, problems)
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
    root: str,
    cache_dir: Path | None,
    workers: int | None,
    slim: bool,
    use_cache: bool,
    articles: list[Article],
    problems: list[Problem],
) -> None:
    """Append the articles and problems of one root, in walk order."""
    cache_file = cache_file_for(root, cache_dir=cache_dir)
    old_entries: dict[str, Entry] = {}
    old_details: dict[str, Detail | None] | None = None
    if use_cache:
        old_entries, old_details = _read_cache(cache_file, details=not slim)
    files = list(iter_article_files(root))

    # Only files the cache knows are stat'ed here; the others are parsed, and their key comes
    # from the open file (so a cold load makes one pass over the files, not two).
    hits = [False] * len(files)
    if old_entries:
        for index, (path, relative) in enumerate(files):
            entry = old_entries.get(relative)
            if entry is None:
                continue
            try:
                info = os.stat(path)
            except OSError:
                continue
            hits[index] = entry[0] == info.st_size and entry[1] == info.st_mtime_ns
    to_parse = [index for index, hit in enumerate(hits) if not hit]
    changed = bool(to_parse) or len(files) - len(to_parse) != len(old_entries)
    if changed and old_details is None and old_entries:
        # The cache is rewritten: the reused entries need their detail part too.
        old_entries, old_details = _read_cache(cache_file, details=True)
    details = old_details or {}

    segments: list[Segment] = []
    parsed: list[tuple[Article | None, list[Problem]]] = []
    if to_parse:
        parsed, segments = _parse_files([files[i] for i in to_parse], workers, slim, use_cache)
    next_parsed = iter(parsed).__next__
    decode = _Decoder(slim=slim).entry
    reused_relatives: list[str] = []
    reused_entries: list[Entry] = []
    reused_details: list[Detail | None] = []
    for index, (path, relative) in enumerate(files):
        if hits[index]:
            # Popped: each record is freed as its article is built, so a warm load of 100,000
            # articles never holds both (unless the cache is rewritten and needs them).
            entry = old_entries.pop(relative)
            detail = details.pop(relative, None)
            article, file_problems = decode(entry, detail, path)
            if changed:
                reused_relatives.append(relative)
                reused_entries.append(entry)
                reused_details.append(detail)
        else:
            article, file_problems = next_parsed()
        if article is not None:
            articles.append(article)
        if file_problems:
            problems.extend(file_problems)
    del parsed

    if changed and use_cache:
        if reused_relatives:
            segment = _segment(reused_relatives, reused_entries, reused_details)
            if segment is not None:
                segments.append(segment)
        _write_cache(cache_file, segments)


# A segment of the cache file: marshal bytes of `(relatives, entries)` and of the aligned
# details. Parsing produces them chunk by chunk (in worker processes too), and writing the cache
# is then only a matter of concatenating them.
Segment = tuple[bytes, bytes]


def _segment(
    relatives: list[str], entries: list[Entry], details: list[Detail | None]
) -> Segment | None:
    try:
        return marshal.dumps((relatives, entries)), marshal.dumps(details)
    except (ValueError, RecursionError):  # a value marshal refuses: those files are not cached
        return None


def _parse_chunk(
    files: list[tuple[str, str]],
    slim: bool,
    *,
    want_articles: bool = True,
    want_segment: bool = True,
) -> tuple[list[tuple[Article | None, list[Problem]]], Segment | None]:
    """Parse files here; their articles (unless not wanted: a worker sends only the segment),
    and the cache segment that holds them (unless not wanted: nothing is cached)."""
    encoder = _Encoder()
    now_ns = time.time_ns()
    results: list[tuple[Article | None, list[Problem]]] = []
    relatives: list[str] = []
    entries: list[Entry] = []
    details: list[Detail | None] = []
    for path, relative in files:
        article, problems, key = load_file_keyed(path, relative)
        if want_articles:
            results.append((_kept(article, slim), problems))
        if not want_segment:
            continue
        relatives.append(relative)
        try:
            record, detail, encoded_problems = encoder.article(article, problems)
        except Exception:  # a value the record format cannot hold: parse it every time
            entries.append(_UNUSABLE)
            details.append(None)
            continue
        if key is None or now_ns - key[1] < RACY_WINDOW_NS:
            key = (-1, -1)  # unreadable, or too fresh to trust its mtime: parsed next time
        entries.append((key[0], key[1], record, encoded_problems))
        details.append(detail)
    return results, _segment(relatives, entries, details) if want_segment else None


#: The entry of a file that could not be encoded: never a hit (size -1), and a worker's way
#: of saying "parse this one yourself" (problems None).
_UNUSABLE: Entry = (-1, -1, None, None)  # type: ignore[assignment]


def _parse_files(
    files: list[tuple[str, str]], workers: int | None, slim: bool = False, cache: bool = True
) -> tuple[list[tuple[Article | None, list[Problem]]], list[Segment]]:
    """Parse files, over several processes when there are many; `cache`: also give the cache
    segments that hold them."""
    count = _worker_count(workers, len(files))
    if count > 1:
        pooled = _parse_in_pool(files, count, slim, cache)
        if pooled is not None:
            return pooled
    results, segment = _parse_chunk(files, slim, want_segment=cache)
    return results, [segment] if segment is not None else []


def _worker_count(workers: int | None, files: int) -> int:
    if workers is None:
        workers = min(os.cpu_count() or 1, 4)
    if files < POOL_THRESHOLD:
        return 1
    return max(1, workers)


#: Files per chunk of a pooled parse (fewer when there are few files).
_CHUNK_MAX = 256


def _parse_in_pool(
    files: list[tuple[str, str]], count: int, slim: bool, cache: bool = True
) -> tuple[list[tuple[Article | None, list[Problem]]], list[Segment]] | None:
    """This process and `count - 1` worker processes parse chunks of files, each claiming the
    next chunk from a shared counter until none is left; None when no worker could start.

    Claiming balances the load by itself: a worker that started late (a spawned interpreter) or
    this process, which also decodes what the workers send, simply take fewer chunks. Workers
    send each chunk back as soon as it is parsed, as its cache segment (marshal bytes, which
    decode much faster than pickled dataclasses and are written to the cache as they are), and
    this process decodes them between its own chunks. A chunk that never comes back (a worker
    died) is parsed here.
    """
    import multiprocessing
    import queue as queue_module
    import threading

    size = max(16, min(_CHUNK_MAX, len(files) // (count * 8)))
    chunks = [files[start : start + size] for start in range(0, len(files), size)]
    done: list[list[tuple[Article | None, list[Problem]]] | None] = [None] * len(chunks)
    segments: list[Segment | None] = [None] * len(chunks)
    processes = []
    try:
        # `fork` starts a worker in milliseconds, but forking a process that runs threads (the
        # TUI's workers) can deadlock the child: then `spawn` (a fresh interpreter, ~0.3 s).
        method = "fork" if threading.active_count() == 1 and os.name == "posix" else "spawn"
        context = multiprocessing.get_context(method)
        counter = context.Value("l", 0)
        inbox = context.Queue()
        for _ in range(count - 1):
            process = context.Process(
                target=_pool_worker, args=(chunks, counter, inbox, os.getpid())
            )
            process.daemon = True
            process.start()
            processes.append(process)
    except (OSError, RuntimeError, ValueError):
        for process in processes:
            process.kill()
        return None
    decoder = _Decoder(slim=slim)

    def receive(timeout: float | None) -> bool:
        try:
            index, segment = inbox.get(timeout=timeout) if timeout else inbox.get_nowait()
        except (queue_module.Empty, OSError, EOFError, ValueError):
            return False
        if segment is None:  # the worker could not encode this chunk: parse it here
            parse_here(index)
        else:
            done[index] = _decode_segment(decoder, segment, chunks[index], slim)
            segments[index] = segment if cache else None
        return True

    def parse_here(index: int) -> None:
        done[index], segments[index] = _parse_chunk(chunks[index], slim, want_segment=cache)

    try:
        while (index := _claim(counter, len(chunks))) is not None:
            parse_here(index)
            while receive(None):
                pass
        while any(chunk is None for chunk in done):
            if not receive(0.05) and not any(process.is_alive() for process in processes):
                while receive(None):  # what a finished worker flushed before it exited
                    pass
                break
        for index, chunk in enumerate(done):
            if chunk is None:  # lost with a worker that died: parse it here
                parse_here(index)
    finally:
        for process in processes:
            process.join(timeout=1)
            if process.is_alive():
                process.kill()
    merged = [result for chunk in done for result in chunk]  # type: ignore[union-attr]
    return merged, [segment for segment in segments if segment is not None]


def _claim(counter: Any, total: int) -> int | None:
    """The next unclaimed chunk index, or None when every chunk is taken."""
    with counter.get_lock():
        index = counter.value
        if index >= total:
            return None
        counter.value = index + 1
    return index


def _pool_worker(
    chunks: list[list[tuple[str, str]]], counter: Any, inbox: Any, parent: int
) -> None:
    """In a worker process: parse claimed chunks until none is left, sending each back.

    A worker must not outlive the load that started it: if that process dies (killed mid-load),
    nothing reads the queue, and the worker would wait forever to flush it.
    """
    _exit_with_parent(parent)
    gc.disable()
    while (index := _claim(counter, len(chunks))) is not None:
        inbox.put((index, _parse_chunk(chunks[index], slim=False, want_articles=False)[1]))


PARENT_POLL_SECONDS = 0.2


def _exit_with_parent(parent: int) -> None:
    """Exit this process as soon as `parent` is no longer its parent (it died)."""
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="reader-parent-watch", daemon=True).start()


def _kept(article: Article | None, slim: bool) -> Article | None:
    return slim_article(article) if slim and article is not None else article


def _decode_segment(
    decoder: _Decoder, segment: Segment, files: list[tuple[str, str]], slim: bool
) -> list[tuple[Article | None, list[Problem]]]:
    _relatives, entries = marshal.loads(segment[0])
    details = marshal.loads(segment[1]) if not slim else [None] * len(entries)
    results = []
    for (path, relative), entry, detail in zip(files, entries, details, strict=True):
        if entry[3] is None:  # the worker could not encode it: parse it here
            article, problems = load_file(path, relative)
            results.append((_kept(article, slim), problems))
        else:
            results.append(decoder.entry(entry, detail, path))
    return results


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
    """Articles -> records. Equal providers become one tuple, which marshal writes once."""

    def __init__(self) -> None:
        self._providers: dict[tuple[str, str, str | None], tuple[str, str, str | None]] = {}
        # Equal small values (topics, category, type) as one object, which marshal writes
        # once: a record per file each would be decoded, only to be shared and freed again,
        # leaving a 100,000-article heap fragmented (20 MB more RSS).
        self._shared: dict[Any, Any] = {}

    def provider(self, provider: Provider) -> tuple[str, str, str | None]:
        key = (provider.name, provider.domain, provider.logo)
        return self._providers.setdefault(key, key)

    def article(
        self, article: Article | None, problems: list[Problem]
    ) -> tuple[Record | None, Detail | None, tuple[tuple[int | None, str, str], ...]]:
        encoded_problems = tuple((p.line, p.message, p.severity) for p in problems)
        if article is None:
            return None, None, encoded_problems
        extra = article.extra
        pickled = not _marshalable(extra)
        share = self._shared.setdefault
        record = (
            article.id,
            article.title,
            article.excerpt,
            article.has_body,
            _micros(article.published),
            share(article.category, article.category),
            share(article.type, article.type),
            article.quality,
            article.heat,
            article.published_flag,
            self.provider(article.provider),
            share(article.topics, article.topics),
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
                    share(r.type, r.type),
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

    def __init__(self, *, slim: bool = False) -> None:
        self._providers: dict[tuple[str, str, str | None], Provider] = {}
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
            self.provider(provider),
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

    def provider(self, key: tuple[str, str, str | None]) -> Provider:
        provider = self._providers.get(key)
        if provider is None:
            provider = self._providers[key] = Provider(*key)
        return provider

    def _related(self, r: tuple[Any, ...]) -> RelatedArticle:
        return RelatedArticle(
            r[0],
            r[1],
            None if r[2] is None else _EPOCH + r[2] * _MICROSECOND,
            Urls(*r[3]),
            self.provider(r[4]),
            r[5],
            r[6],
        )


# ---------------------------------------------------------------------------------------------
# The file
#
# header (magic, version, number of segments), then per segment the length and crc32 of its list
# part and of its detail part, then every list part, then every detail part. A slim load reads
# the header, the table and the list parts: one contiguous read.


def _read_cache(
    path: Path, *, details: bool
) -> tuple[dict[str, Entry], dict[str, Detail | None] | None]:
    """Entries of a cache file (and the detail records when asked for); empty when missing,
    foreign or corrupt. Entries that can never be hits (size -1) are left out."""
    empty: tuple[dict[str, Entry], None] = ({}, None)
    try:
        with open(path, "rb") as handle:
            magic, version, count = _HEADER.unpack(handle.read(_HEADER.size))
            if magic != _MAGIC or version != CACHE_VERSION or count > 1 << 20:
                return empty
            table_bytes = handle.read(_SEGMENT.size * count)
            if len(table_bytes) != _SEGMENT.size * count:
                return empty
            table = list(_SEGMENT.iter_unpack(table_bytes))
            list_length = sum(row[0] for row in table)
            list_area = handle.read(list_length)
            detail_length = sum(row[2] for row in table)
            detail_area = handle.read(detail_length) if details else None
        if len(list_area) != list_length:
            return empty
        if detail_area is not None and len(detail_area) != detail_length:
            return empty
        entries: dict[str, Entry] = {}
        detail_map: dict[str, Detail | None] | None = {} if detail_area is not None else None
        list_view = memoryview(list_area)
        detail_view = memoryview(detail_area) if detail_area is not None else None
        list_at = detail_at = 0
        for length, crc, length_detail, crc_detail in table:
            part = list_view[list_at : list_at + length]
            list_at += length
            if zlib.crc32(part) != crc:
                return empty
            relatives, segment_entries = marshal.loads(part)
            if len(relatives) != len(segment_entries):
                return empty
            usable = [entry[0] >= 0 for entry in segment_entries]
            if all(usable):
                entries.update(zip(relatives, segment_entries, strict=True))
            else:
                entries.update(
                    (relative, entry)
                    for relative, entry, ok in zip(relatives, segment_entries, usable, strict=True)
                    if ok
                )
            if detail_view is not None and detail_map is not None:
                part = detail_view[detail_at : detail_at + length_detail]
                detail_at += length_detail
                if zlib.crc32(part) != crc_detail:
                    return empty
                segment_details = marshal.loads(part)
                if len(segment_details) != len(relatives):
                    return empty
                detail_map.update(zip(relatives, segment_details, strict=True))
        return entries, detail_map
    except Exception:
        return empty


def _write_cache(path: Path, segments: list[Segment]) -> None:
    """Write atomically; failures (read-only folder, full disk) are ignored."""
    header = _HEADER.pack(_MAGIC, CACHE_VERSION, len(segments))
    table = b"".join(
        _SEGMENT.pack(len(lst), zlib.crc32(lst), len(det), zlib.crc32(det)) for lst, det in segments
    )
    tmp_name = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(header)
            handle.write(table)
            for list_part, _ in segments:
                handle.write(list_part)
            for _, detail_part in segments:
                handle.write(detail_part)
        os.replace(tmp_name, path)
        tmp_name = None
    except OSError:  # unwritable folder, full disk
        pass
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
