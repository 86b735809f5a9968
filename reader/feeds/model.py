"""The records the feed modules pass each other: no I/O, no third-party import."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

__all__ = [
    "FeedEntry",
    "FeedParseError",
    "FetchRequest",
    "FetchResult",
    "FetchStatus",
    "ParsedFeed",
    "Subscription",
]

FetchStatus = Literal["ok", "not_modified", "error"]


@dataclass(frozen=True, slots=True)
class Subscription:
    url: str
    name: str = ""
    folder: str = ""
    etag: str | None = None
    last_modified: str | None = None
    """The server's validators from the last good fetch (sent back as If-None-Match /
    If-Modified-Since)."""
    last_fetched: datetime | None = None
    last_status: str | None = None
    """"ok", "not_modified" or "error" (None: never fetched)."""
    error: str | None = None


@dataclass(frozen=True, slots=True)
class FetchRequest:
    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(slots=True)
class FetchResult:
    url: str
    """The URL asked for (the subscription's), whatever the redirects."""
    status: FetchStatus
    body: bytes = b""
    content_type: str = ""
    final_url: str = ""
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    """One line: why it failed ("HTTP 404", "timed out after 10 s", "larger than 5 MB", ...)."""


@dataclass(frozen=True, slots=True)
class FeedEntry:
    key: str
    """What identifies the entry across fetches: its id / guid, else its link, else a hash of
    its title and date. The same key always maps to the same file."""
    title: str
    link: str
    summary: str = ""
    """HTML or text, as the feed gives it."""
    content: str = ""
    """The full content (HTML or text) when the feed has one, else empty."""
    published: datetime | None = None
    """UTC."""
    updated: datetime | None = None
    author: str = ""
    categories: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    """Image URLs: enclosures of image type, media:content / media:thumbnail, JSON Feed image."""


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str
    link: str
    author: str = ""
    entries: tuple[FeedEntry, ...] = field(default_factory=tuple)


class FeedParseError(Exception):
    """The bytes are not a feed reader understands (the message says why, in one line)."""
