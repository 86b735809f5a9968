"""Parsing many files: in this process, or over a pool of processes that claim chunks.

This process and `count - 1` workers claim chunks of files from a shared counter until none is
left; each chunk comes back as its cache segment (marshal bytes, which decode much faster than
pickled dataclasses and are written to the cache as they came). A chunk lost with a worker is
parsed here; a worker exits as soon as the process that started it is gone.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from reader.cache.records import (
    UNUSABLE,
    Decoder,
    Encoder,
    Entry,
    RawDetail,
    RawEntry,
    Segment,
    decode_segment,
    kept,
    segment,
)
from reader.loader import load_file_keyed
from reader.model import Article, Problem

__all__ = ["parse_chunk", "parse_files", "release_standby", "start_standby"]

#: A file modified this close to the moment it was parsed may change again within the same
#: mtime tick without changing size; such entries are not reused (they are parsed next time).
RACY_WINDOW_NS = 2_000_000_000


def parse_chunk(
    files: list[tuple[str, str]],
    slim: bool,
    *,
    want_articles: bool = True,
    want_segment: bool = True,
    parsed: Callable[[int], None] | None = None,
) -> tuple[list[tuple[Article | None, list[Problem]]], Segment | None]:
    """Parse files here; their articles (unless not wanted: a worker sends only the segment),
    and the cache segment that holds them (unless not wanted: nothing is cached)."""
    encoder = Encoder()
    now_ns = time.time_ns()
    results: list[tuple[Article | None, list[Problem]]] = []
    relatives: list[str] = []
    entries: list[RawEntry] = []
    details: list[RawDetail | None] = []
    reported = 0
    for count, (path, relative) in enumerate(files):
        if parsed is not None and count - reported >= _REPORT_EVERY:  # `count` files parsed
            parsed(count - reported)
            reported = count
        article, problems, key = load_file_keyed(path, relative)
        if want_articles:
            results.append((kept(article, slim), problems))
        if not want_segment:
            continue
        relatives.append(relative)
        try:
            record, detail, encoded_problems = encoder.article(article, problems)
        except Exception:  # a value the record format cannot hold: parse it every time
            entries.append(UNUSABLE)
            details.append(None)
            continue
        size, mtime_ns = key if key is not None else (-1, -1)
        if now_ns - mtime_ns < RACY_WINDOW_NS:
            size, mtime_ns = -1, -1  # too fresh to trust its mtime: parsed next time
        entries.append(tuple(Entry(size, mtime_ns, record, encoded_problems)))
        details.append(detail)
    if parsed is not None and len(files) > reported:
        parsed(len(files) - reported)
    return results, segment(relatives, entries, details) if want_segment else None


_REPORT_EVERY = 64
"""Files between two reports of a parse in this process."""


def parse_files(
    files: list[tuple[str, str]],
    workers: int | None,
    slim: bool = False,
    cache: bool = True,
    *,
    threshold: int,
    parsed: Callable[[int], None] | None = None,
) -> tuple[list[tuple[Article | None, list[Problem]]], list[Segment]]:
    """Parse files, over several processes from `threshold` files on; `cache`: also give the
    cache segments that hold them. `parsed` hears how many more files are parsed, as they are."""
    count = _worker_count(workers, len(files), threshold)
    if count > 1:
        pooled = _parse_in_pool(files, count, slim, cache, parsed)
        if pooled is not None:
            return pooled
    results, one = parse_chunk(files, slim, want_segment=cache, parsed=parsed)
    return results, [one] if one is not None else []


def _worker_count(workers: int | None, files: int, threshold: int) -> int:
    if workers is None:
        workers = min(os.cpu_count() or 1, 4)
    if files < threshold:
        return 1
    return max(1, workers)


#: Files per chunk of a pooled parse (fewer when there are few files).
_CHUNK_MAX = 256


def _parse_in_pool(
    files: list[tuple[str, str]],
    count: int,
    slim: bool,
    cache: bool = True,
    parsed: Callable[[int], None] | None = None,
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
    standby = _take_standby()
    if standby is not None:  # forked before the app's threads: they only wait for the chunks
        counter, inbox, processes = standby.counter, standby.inbox, standby.processes
        for _ in processes:
            standby.tasks.put(chunks)
    else:
        try:
            # `fork` starts a worker in milliseconds, but forking a process that runs threads
            # (the TUI's) can deadlock the child: then `spawn` (a fresh interpreter, slower).
            method = "fork" if threading.active_count() == 1 and os.name == "posix" else "spawn"
            context = multiprocessing.get_context(method)
            with _real_std_streams():
                counter = context.Value("l", 0)
                inbox = context.Queue()
                arguments = (chunks, counter, inbox, os.getpid())
                processes = _start_workers(context, count - 1, _pool_worker, arguments)
        except (OSError, RuntimeError, ValueError):
            return None
    decoder = Decoder(slim=slim)

    def receive(timeout: float | None) -> bool:
        try:
            index, sent = inbox.get(timeout=timeout) if timeout else inbox.get_nowait()
        except (queue_module.Empty, OSError, EOFError, ValueError):
            return False
        if sent is None:  # the worker could not encode this chunk: parse it here
            parse_here(index)
        else:
            done[index] = decode_segment(decoder, sent, chunks[index], slim)
            segments[index] = sent if cache else None
            if parsed is not None:
                parsed(len(chunks[index]))
        return True

    def parse_here(index: int) -> None:
        done[index], segments[index] = parse_chunk(
            chunks[index], slim, want_segment=cache, parsed=parsed
        )

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


@contextlib.contextmanager
def _real_std_streams() -> Iterator[None]:
    """The interpreter's own stdout and stderr while the pool starts.

    Textual replaces `sys.stdout` and `sys.stderr` with objects that have no usable file
    descriptor; multiprocessing's resource tracker hands stderr's descriptor to its process and
    failed ("bad value(s) in fds_to_keep"), so in the app the pool never started and a cold load
    parsed in one process, at half the speed of `reader list`."""
    saved = sys.stdout, sys.stderr
    try:
        for name in ("stdout", "stderr"):
            if not _has_descriptor(getattr(sys, name)):
                real = getattr(sys, f"__{name}__")
                if _has_descriptor(real):
                    setattr(sys, name, real)
        yield
    finally:
        sys.stdout, sys.stderr = saved


def _has_descriptor(stream: Any) -> bool:
    try:
        return stream is not None and stream.fileno() >= 0
    except (AttributeError, OSError, ValueError):
        return False


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
    _work(chunks, counter, inbox)


def _start_workers(
    context: Any, count: int, target: Callable[..., None], arguments: tuple[Any, ...]
) -> list[Any]:
    """`count` daemon processes running `target(*arguments)`; if one cannot start, those that
    did are killed and the error raised."""
    processes: list[Any] = []
    try:
        for _ in range(count):
            process = context.Process(target=target, args=arguments, daemon=True)
            process.start()
            processes.append(process)
    except BaseException:
        for process in processes:
            process.kill()
        raise
    return processes


def _work(chunks: list[list[tuple[str, str]]], counter: Any, inbox: Any) -> None:
    gc.disable()
    while (index := _claim(counter, len(chunks))) is not None:
        inbox.put((index, parse_chunk(chunks[index], slim=False, want_articles=False)[1]))


# ---------------------------------------------------------------------------------------------
# Standby workers: forked before the app's threads exist


@dataclass
class _Standby:
    processes: list[Any]
    tasks: Any
    counter: Any
    inbox: Any


_standby: _Standby | None = None


def start_standby(workers: int | None = None) -> bool:
    """Fork the pool's workers now, to wait for the next pooled parse's chunks.

    The app parses a cold collection on a thread, and a process that runs threads may only
    `spawn` its workers: fresh interpreters that take a third of a second to import the parser,
    while this process parses alone. Forked here, before any thread (the caller's duty: False
    when there is one already, or no `fork`), they start in milliseconds with the parser
    imported. Unused, they exit with :func:`release_standby` or with this process.
    """
    global _standby
    import multiprocessing
    import threading

    count = workers if workers is not None else min(os.cpu_count() or 1, 4)
    if _standby is not None or count < 2 or os.name != "posix":
        return False
    if threading.active_count() != 1:
        return False
    try:
        context = multiprocessing.get_context("fork")
        counter = context.Value("l", 0)
        tasks = context.Queue()
        inbox = context.Queue()
        arguments = (tasks, counter, inbox, os.getpid())
        processes = _start_workers(context, count - 1, _standby_worker, arguments)
    except (OSError, RuntimeError, ValueError):
        return False
    _standby = _Standby(processes, tasks, counter, inbox)
    return True


def release_standby() -> None:
    """Let standby workers that no parse took exit (a warm load, or too few files)."""
    standby = _take_standby()
    if standby is not None:
        for _ in standby.processes:
            with contextlib.suppress(OSError, ValueError):
                standby.tasks.put(None)
    # (a standby with a dead worker was released by `_take_standby` itself)


def _take_standby() -> _Standby | None:
    """The standby workers, for one parse only; None when there are none (or they died)."""
    global _standby
    standby, _standby = _standby, None
    if standby is None:
        return None
    if not all(process.is_alive() for process in standby.processes):
        for _ in standby.processes:  # the ones left have nothing to wait for
            with contextlib.suppress(OSError, ValueError):
                standby.tasks.put(None)
        return None
    return standby


def _standby_worker(tasks: Any, counter: Any, inbox: Any, parent: int) -> None:
    _exit_with_parent(parent)
    chunks = tasks.get()
    if chunks is not None:
        _work(chunks, counter, inbox)


PARENT_POLL_SECONDS = 0.2


def _exit_with_parent(parent: int) -> None:
    """Exit this process as soon as `parent` is no longer its parent (it died)."""
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="reader-parent-watch", daemon=True).start()
