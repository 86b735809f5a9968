"""Link checks over articles: reuse fresh cached results, check the rest, store them.

`check_articles` is shared by `reader check` and the app, which runs it through
`LinkCheckService` (one background thread, loop and store connection); the network part is
:mod:`reader.links`, how results read :mod:`reader.link_status`.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from typing import Any

from reader.model import Article, LinkKind, LinkResult
from reader.settings import DEFAULTS, Settings
from reader.text import sanitize


def article_links(articles: Iterable[Article]) -> list[tuple[Article, LinkKind, str]]:
    """Every (article, kind, URL) to check, in article order."""
    return [(article, kind, url) for article in articles for kind, url in article.urls.items()]


async def check_articles(
    articles: Sequence[Article],
    store: Any,
    *,
    concurrency: int = DEFAULTS.link_concurrency,
    per_host: int = DEFAULTS.link_per_host,
    timeout: float = DEFAULTS.link_timeout,
    recheck: bool = False,
    max_age: timedelta = DEFAULTS.link_max_age,
    on_result: Callable[[LinkResult], None] | None = None,
) -> dict[str, LinkResult]:
    """Results for every URL of `articles`: fresh cached ones reused unless `recheck`."""
    from reader.links import LinkChecker

    links = article_links(articles)
    urls = list(dict.fromkeys(url for _, _, url in links))
    cached: dict[str, LinkResult] = {} if recheck else store.link_results(urls, max_age=max_age)
    results: dict[str, LinkResult] = dict(cached)
    if on_result is not None:
        for result in cached.values():
            on_result(result)
    kinds: dict[str, LinkKind] = {}
    for _, kind, url in links:
        kinds.setdefault(url, kind)
    todo = [(url, kinds[url]) for url in urls if url not in cached]
    if todo:
        fresh: list[LinkResult] = []

        def collect(result: LinkResult) -> None:
            fresh.append(result)
            results[result.url] = result
            if on_result is not None:
                on_result(result)
            if len(fresh) >= 200:
                store.save_link_results(list(fresh))
                fresh.clear()

        # No more slots than URLs: each pair of slots costs a client.
        slots = max(1, min(concurrency, len(todo)))
        async with LinkChecker(timeout=timeout, concurrency=slots, per_host=per_host) as c:
            await c.check_many(todo, on_result=collect)
        if fresh:
            store.save_link_results(fresh)
    return results


class LinkCheckService:
    """Link checks for a long-running program (the app), off its thread.

    One background thread runs one event loop and holds one store connection, opened once on
    that thread (never a connection per check). `submit` queues a job; its results come back in
    batches, at least every `flush_seconds`, through `on_batch`, and `on_done` says when it ended
    (with an error text, or None). Callbacks run on the service's thread: the caller hands them
    to its own loop (the app posts messages). `close` cancels everything and returns at once:
    it never waits for a socket, a timeout or a `Retry-After` pause, so quitting is immediate.
    """

    def __init__(
        self,
        store_path: str | os.PathLike[str],
        *,
        settings: Settings = DEFAULTS,
        flush_seconds: float = 0.25,
    ) -> None:
        self.store_path = store_path
        self.settings = settings
        self.flush_seconds = flush_seconds
        self._store: Any = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="reader-link-checks", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        loop = self._loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
            pending = [task for task in self._tasks if not task.done()]
            for task in pending:
                task.cancel()
            if pending:  # let cancelled checks close their connections, briefly
                loop.run_until_complete(asyncio.wait(pending, timeout=0.3))
        finally:
            if self._store is not None:
                self._store.close()
            loop.close()

    def submit(
        self,
        articles: Sequence[Article],
        *,
        recheck: bool = False,
        on_batch: Callable[[list[LinkResult]], None] | None = None,
        on_done: Callable[[str | None], None] | None = None,
    ) -> None:
        """Check the URLs of `articles` (fresh cached results are reused unless `recheck`)."""
        if self._closed:
            return
        job = list(articles)

        def start() -> None:
            task = self._loop.create_task(self._job(job, recheck, on_batch, on_done))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        self._loop.call_soon_threadsafe(start)

    async def _job(
        self,
        articles: list[Article],
        recheck: bool,
        on_batch: Callable[[list[LinkResult]], None] | None,
        on_done: Callable[[str | None], None] | None,
    ) -> None:
        pending: list[LinkResult] = []

        def flush() -> None:
            if pending and on_batch is not None:
                batch = list(pending)
                pending.clear()
                on_batch(batch)

        async def flusher() -> None:
            while True:
                await asyncio.sleep(self.flush_seconds)
                flush()

        ticker = asyncio.create_task(flusher())
        error: str | None = None
        try:
            if self._store is None:
                from reader.store import Store

                self._store = Store.open(self.store_path, retry_seconds=30.0)
            settings = self.settings
            await check_articles(
                articles,
                self._store,
                concurrency=settings.link_concurrency,
                per_host=settings.link_per_host,
                timeout=settings.link_timeout,
                recheck=recheck,
                max_age=settings.link_max_age,
                on_result=pending.append,
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # network stacks and a failing state file raise many kinds
            error = sanitize(str(exc)) or type(exc).__name__
        finally:
            ticker.cancel()
        flush()
        if on_done is not None:
            on_done(error)

    def close(self) -> None:
        """Cancel every job and stop the thread, without waiting for the network."""
        if self._closed:
            return
        self._closed = True

        def stop() -> None:
            for task in list(self._tasks):
                task.cancel()
            self._loop.stop()

        try:
            self._loop.call_soon_threadsafe(stop)
        except RuntimeError:  # the loop is already closed
            return
        self._thread.join(timeout=0.5)
