"""Fetch feeds into a folder of article files: what `reader fetch` and the app's `F` run.

Fetching is concurrent (fetch.py); parsing and writing run after, one feed at a time, so a
broken feed is one report and never stops the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reader.feeds.model import FetchRequest, FetchResult, FetchStatus
from reader.feeds.subscriptions import Subscriptions
from reader.settings import Settings

__all__ = ["FeedReport", "FetchOptions", "fetch_into"]


@dataclass(frozen=True, slots=True)
class FetchOptions:
    concurrency: int = 8
    per_host: int = 2
    timeout: float = 20.0
    max_bytes: int = 5 * 1024 * 1024

    @classmethod
    def from_settings(
        cls, settings: Settings, *, concurrency: int | None = None, timeout: float | None = None
    ) -> FetchOptions:
        """The config's `[feeds]` table, with what a command line gave over it; never fewer
        than one request at once (0 in a config would fetch nothing, forever)."""
        return cls(
            concurrency=max(1, concurrency or settings.feed_concurrency),
            per_host=max(1, settings.feed_per_host),
            timeout=timeout or settings.feed_timeout,
        )


@dataclass(slots=True)
class FeedReport:
    url: str
    status: FetchStatus
    name: str = ""
    new: int = 0
    updated: int = 0
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The public JSON shape (`reader fetch --format json`)."""
        return {
            "url": self.url,
            "status": self.status,
            "new": self.new,
            "updated": self.updated,
            "error": self.error,
        }


def fetch_into(
    store: Any,
    into: Path,
    urls: Sequence[str] = (),
    *,
    options: FetchOptions = FetchOptions(),
    fetched: Callable[[FetchResult], None] | None = None,
    now: datetime | None = None,
) -> list[FeedReport]:
    """Fetch every subscription (or `urls`) and write their entries under `into`, a folder
    per feed. `fetched` hears of each download as it ends (a progress bar)."""
    from reader.feeds.fetch import fetch_feeds_sync

    subscriptions = Subscriptions(store)
    known = {s.url: s for s in subscriptions.all()}
    wanted = list(dict.fromkeys(urls)) if urls else list(known)
    requests = [
        FetchRequest(url, known[url].etag, known[url].last_modified)
        if url in known
        else FetchRequest(url)
        for url in wanted
    ]
    results = fetch_feeds_sync(
        requests,
        concurrency=options.concurrency,
        per_host=options.per_host,
        timeout=options.timeout,
        max_bytes=options.max_bytes,
        progress=fetched,
    )
    when = now or datetime.now(UTC)
    reports = []
    for result in results:
        subscription = known.get(result.url)
        report = _store(result, into, subscriptions if subscription else None, when)
        report.name = (subscription.name if subscription else "") or report.name
        reports.append(report)
    return reports


def _store(
    result: FetchResult, into: Path, subscriptions: Subscriptions | None, when: datetime
) -> FeedReport:
    from reader.feeds.articles import feed_folder_name, write_entries
    from reader.feeds.model import FeedParseError
    from reader.feeds.parse import parse_feed

    def failed(error: str) -> FeedReport:
        if subscriptions is not None:
            subscriptions.record(result, error=error)
        return FeedReport(result.url, "error", error=error)

    if result.status != "ok":
        if subscriptions is not None:
            subscriptions.record(result)
        return FeedReport(result.url, result.status, error=result.error)
    try:
        feed = parse_feed(
            result.body, url=result.final_url or result.url, content_type=result.content_type
        )
    except FeedParseError as exc:
        return failed(f"not a feed: {exc}")
    folder = feed_folder_name(result.url, feed.title)
    if subscriptions is not None:
        folder = subscriptions.folder_of(result.url, folder)
    try:
        counts = write_entries(into / folder, feed, fetched=when)
    except OSError as exc:
        return failed(f"cannot write {into / folder}: {exc.strerror or exc}")
    if subscriptions is not None:
        subscriptions.record(result, title=feed.title)
    return FeedReport(result.url, "ok", feed.title, counts.new, counts.updated)
