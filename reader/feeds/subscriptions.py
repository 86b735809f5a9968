"""Feed subscriptions, kept in the state file (its `feeds` table) beside the triage state.

The state file is the one place a user's reading life lives: it is already backed up, exported
and shared between processes, so subscriptions go there rather than in a file of their own.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reader.feeds.model import FetchResult, Subscription
from reader.text import sanitize

__all__ = ["Subscriptions", "check_feed_url", "has_subscriptions"]

_COLUMNS = "url, name, folder, etag, last_modified, last_fetched, last_status, error"


def check_feed_url(url: str) -> str | None:
    """Why `url` cannot be a subscription (None: it can): only http(s) URLs with a host."""
    from urllib.parse import urlsplit

    if not url or sanitize(url) != url or any(c.isspace() for c in url):
        return f"not an http(s) URL: {sanitize(url)[:200]!r}"
    try:
        parts = urlsplit(url)
    except ValueError:
        return f"not an http(s) URL: {url[:200]!r}"
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return f"not an http(s) URL: {url[:200]!r}"
    return None


def _clean(text: str) -> str:
    return " ".join(sanitize(text).split())


class Subscriptions:
    """The `feeds` table of a `reader.store.Store`."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def add(self, url: str, *, name: str = "", folder: str = "") -> bool:
        """Subscribe; False when `url` was subscribed already (its name and folder stay).
        ValueError for a URL that is not http(s)."""
        problem = check_feed_url(url)
        if problem:
            raise ValueError(problem)
        folder = "/".join(part for part in (_clean(p) for p in folder.split("/")) if part)
        with self.store.writing() as conn:
            cursor = conn.execute(
                "INSERT INTO feeds (url, name, folder, added) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (url) DO NOTHING",
                (url, _clean(name), folder, time.time()),
            )
            return cursor.rowcount > 0

    def remove(self, url: str) -> bool:
        with self.store.writing() as conn:
            return conn.execute("DELETE FROM feeds WHERE url = ?", (url,)).rowcount > 0

    def all(self) -> list[Subscription]:
        """In the order they were added."""
        with self.store.reading() as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM feeds ORDER BY added, url").fetchall()
        return [_subscription(row) for row in rows]

    def get(self, url: str) -> Subscription | None:
        with self.store.reading() as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM feeds WHERE url = ?", (url,)).fetchone()
        return _subscription(row) if row else None

    def __len__(self) -> int:
        with self.store.reading() as conn:
            return int(conn.execute("SELECT count(*) FROM feeds").fetchone()[0])

    def folder_of(self, url: str, choose: str) -> str:
        """The folder this feed's files go to: fixed the first time (`choose`), so a feed
        that renames itself keeps writing where it wrote before."""
        with self.store.writing() as conn:
            row = conn.execute("SELECT dir FROM feeds WHERE url = ?", (url,)).fetchone()
            if row is None:
                return choose
            if row[0]:
                return str(row[0])
            conn.execute("UPDATE feeds SET dir = ? WHERE url = ?", (choose, url))
            return choose

    def record(self, result: FetchResult, *, title: str = "", error: str | None = None) -> None:
        """What a fetch gave: validators (kept on 304), status, the error, and the feed's own
        title as its name when the user gave none."""
        status = "error" if error else result.status
        # A feed that did not parse keeps its old validators: the next fetch must not get a 304
        # for the bytes that failed.
        new_etag = error is None and (result.status == "ok" or result.etag is not None)
        new_modified = error is None and (result.status == "ok" or result.last_modified is not None)
        with self.store.writing() as conn:
            conn.execute(
                "UPDATE feeds SET last_fetched = ?, last_status = ?, error = ?, "
                "etag = CASE WHEN ? THEN ? ELSE etag END, "
                "last_modified = CASE WHEN ? THEN ? ELSE last_modified END, "
                "name = CASE WHEN name = '' THEN ? ELSE name END "
                "WHERE url = ?",
                (
                    time.time(),
                    status,
                    error or result.error,
                    new_etag,
                    result.etag,
                    new_modified,
                    result.last_modified,
                    _clean(title),
                    result.url,
                ),
            )


def _subscription(row: tuple[Any, ...]) -> Subscription:
    url, name, folder, etag, last_modified, last_fetched, last_status, error = row
    return Subscription(
        url=url,
        name=name,
        folder=folder,
        etag=etag,
        last_modified=last_modified,
        last_fetched=datetime.fromtimestamp(last_fetched, UTC) if last_fetched else None,
        last_status=last_status,
        error=error,
    )


def has_subscriptions(state_path: Path) -> bool:
    """Whether the state file holds any subscription: read-only, without migrating or creating
    it (`reader` with no path opens the fetched feeds then; this runs before the app starts)."""
    import sqlite3

    if not state_path.is_file():
        return False
    try:
        conn = sqlite3.connect(f"{state_path.resolve().as_uri()}?mode=ro", uri=True, timeout=1)
        try:
            return conn.execute("SELECT 1 FROM feeds LIMIT 1").fetchone() is not None
        finally:
            conn.close()
    except sqlite3.Error:  # no feeds table yet (an older file), busy, damaged: the sample
        return False
