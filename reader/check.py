"""Link checks over articles: reuse fresh cached results, check the rest, store and report them.

`check_articles` is shared by `reader check` and the app, which runs it through
`LinkCheckService` (one background thread, loop and store connection); the network part is
:mod:`reader.links`.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any, TextIO

from reader.model import Article, LinkKind, LinkResult, LinkStatus
from reader.text import dump_json, sanitize

ArticleLinkStatus = str
"""`alive` (every checked URL alive), `broken` (some checked URL is not), or absent: unchecked."""


def article_links(articles: Iterable[Article]) -> list[tuple[Article, LinkKind, str]]:
    """Every (article, kind, URL) to check, in article order."""
    return [(article, kind, url) for article in articles for kind, url in article.urls.items()]


def summarize(
    articles: Iterable[Article], results: Mapping[str, LinkResult]
) -> dict[str, ArticleLinkStatus]:
    """article id -> "alive" | "broken" for articles with at least one checked URL."""
    summary: dict[str, str] = {}
    for article in articles:
        statuses = [results[url].status for _, url in article.urls.items() if url in results]
        if not statuses:
            continue
        alive = all(status is LinkStatus.ALIVE for status in statuses)
        summary[article.id] = "alive" if alive else "broken"
    return summary


def article_status(article: Article, results: Mapping[str, LinkResult]) -> str | None:
    return summarize([article], results).get(article.id)


async def check_articles(
    articles: Sequence[Article],
    store: Any,
    *,
    concurrency: int = 32,
    per_host: int = 4,
    timeout: float = 10.0,
    recheck: bool = False,
    max_age: timedelta = timedelta(hours=24),
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


class _Progress:
    """A one-line progress bar on a terminal's stderr; silent when stderr is not a terminal."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.done = 0
        self.broken = 0
        self.stream = stream
        self.enabled = stream.isatty() and total > 0

    def step(self, result: LinkResult) -> None:
        self.done += 1
        if result.status is not LinkStatus.ALIVE:
            self.broken += 1
        if not self.enabled:
            return
        width = 30
        filled = int(width * self.done / self.total)
        bar = "█" * filled + "·" * (width - filled)
        self.stream.write(
            f"\rchecking {bar} {self.done}/{self.total} links, {self.broken} not alive"
        )
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def run_check(
    articles: Sequence[Article],
    store: Any,
    *,
    output: str = "text",
    concurrency: int = 32,
    per_host: int = 4,
    timeout: float = 10.0,
    recheck: bool = False,
    max_age_hours: float = 24.0,
    out: TextIO | None = None,
) -> int:
    """`reader check`: exit 0 when every URL is alive, else 1."""
    out = out or sys.stdout
    links = article_links(articles)
    progress = _Progress(len({url for _, _, url in links}), sys.stderr)
    results = asyncio.run(
        check_articles(
            articles,
            store,
            concurrency=concurrency,
            per_host=per_host,
            timeout=timeout,
            recheck=recheck,
            max_age=timedelta(hours=max_age_hours),
            on_result=progress.step,
        )
    )
    progress.finish()
    if output == "json":
        payload = []
        for article, kind, url in links:
            row = {"id": article.id, **results[url].to_json()}
            row["kind"] = kind.value
            payload.append(row)
        out.write(dump_json(payload) + "\n")
    else:
        out.write(format_check_text(links, results))
    all_alive = all(results[url].status is LinkStatus.ALIVE for _, _, url in links)
    return 0 if all_alive else 1


def format_check_text(
    links: Sequence[tuple[Article, LinkKind, str]], results: Mapping[str, LinkResult]
) -> str:
    """Broken links grouped by article, then a summary line."""
    from reader.browser import format_status

    lines: list[str] = []
    current: str | None = None
    counts: dict[str, int] = {}
    seen: set[str] = set()
    for article, kind, url in links:
        result = results[url]
        if url not in seen:
            seen.add(url)
            counts[result.status.value] = counts.get(result.status.value, 0) + 1
        if result.status is LinkStatus.ALIVE:
            continue
        if current != article.id:
            current = article.id
            lines.append(f"{sanitize(article.title)}  [{article.id}]")
        detail = f" ({sanitize(result.error)})" if result.error else ""
        lines.append(f"  {kind.label:<8} {format_status(result)}  {sanitize(url)}{detail}")
    total = len(seen)
    alive = counts.get("alive", 0)
    parts = [
        f"{counts[s]} {s}" for s in ("broken", "timeout", "unreachable", "invalid") if s in counts
    ]
    if lines:
        lines.append("")
    articles_with_links = len({a.id for a, _, _ in links})
    summary = f"{total} link(s) in {articles_with_links} article(s): {alive} alive"
    if parts:
        summary += ", " + ", ".join(parts)
    lines.append(summary)
    return "\n".join(lines) + "\n"


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
        max_age: timedelta = timedelta(hours=24),
        concurrency: int = 32,
        per_host: int = 4,
        timeout: float = 10.0,
        flush_seconds: float = 0.25,
    ) -> None:
        self.store_path = store_path
        self.max_age = max_age
        self.concurrency = concurrency
        self.per_host = per_host
        self.timeout = timeout
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

    @property
    def busy(self) -> bool:
        """Whether a job is running or queued."""
        return bool(self._tasks)

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
            await check_articles(
                articles,
                self._store,
                concurrency=self.concurrency,
                per_host=self.per_host,
                timeout=self.timeout,
                recheck=recheck,
                max_age=self.max_age,
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
