"""How link-check results read: one URL's status, and one article's.

The one source for the status glyphs: the detail pane, the link chooser, the list's link column
and `reader check`'s text all take them from here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from reader.model import Article, LinkResult, LinkStatus
from reader.text import sanitize

__all__ = [
    "ARTICLE_GLYPHS",
    "STATUS_SYMBOLS",
    "ArticleLinkStatus",
    "count_statuses",
    "failure_reason",
    "format_status",
    "redirect_target",
    "short_target",
    "summarize",
    "url_host",
]

STATUS_SYMBOLS: dict[LinkStatus | None, str] = {
    LinkStatus.ALIVE: "✓",
    LinkStatus.BROKEN: "✗",
    LinkStatus.TIMEOUT: "⏱",
    LinkStatus.UNREACHABLE: "⚠",
    LinkStatus.INVALID: "⊘",
    None: "…",
}
_REDIRECTED = "↪"

ArticleLinkStatus = str
"""`alive` (some checked URL is alive: the article can be read), `broken` (URLs were checked and
none is alive), or absent: unchecked."""

ARTICLE_GLYPHS: dict[ArticleLinkStatus | None, str] = {"alive": "✓", "broken": "✗", None: " "}
"""The list's link column, by the article's status: blank until something is checked."""


def summarize(
    articles: Iterable[Article], results: Mapping[str, LinkResult]
) -> dict[str, ArticleLinkStatus]:
    """article id -> "alive" | "broken" for articles with at least one checked URL: whether the
    article has a live link at all (a dead original beside a live AMP copy is still readable)."""
    summary: dict[str, str] = {}
    for article in articles:
        statuses = [results[url].status for _, url in article.urls.items() if url in results]
        if not statuses:
            continue
        alive = any(status is LinkStatus.ALIVE for status in statuses)
        summary[article.id] = "alive" if alive else "broken"
    return summary


_ERRNO = re.compile(r"^\[Errno -?\d+\]\s*")


def failure_reason(result: LinkResult | None) -> str:
    """Why a link is not alive, in a few words ("Name or service not known"), or ""."""
    if result is None or result.status is LinkStatus.ALIVE or not result.error:
        return ""
    if result.status is LinkStatus.BROKEN and result.code is not None and result.code >= 400:
        return ""  # the code says it
    return sanitize(_ERRNO.sub("", result.error.strip()))[:120]


def count_statuses(results: Iterable[LinkResult | None]) -> str:
    """`3 alive, 1 broken, 2 unreachable, 1 timed out` (each kind of failure apart)."""
    counts: dict[str, int] = {}
    for result in results:
        name = "unchecked" if result is None else result.status.value
        counts[name] = counts.get(name, 0) + 1
    words = {"timeout": "timed out"}
    order = ["alive", "broken", "unreachable", "timeout", "invalid", "unchecked"]
    parts = [f"{counts[k]:,} {words.get(k, k)}" for k in order if counts.get(k)]
    return ", ".join(parts) or "no links"


def format_status(result: LinkResult | None, *, target: bool = True) -> str:
    """A short status for display: `✓ 200`, `↪ 301 → final URL`, `✗ 404`, `⏱ timeout`, ...

    After redirects the code shown is the first redirect's (permanent or not), as link checkers
    show it; the final page's is what made the link alive. What came from the server (the final
    URL, a reason phrase) is sanitised: it is data, never terminal control.
    """
    return sanitize(_status_text(result, target))


def redirect_target(result: LinkResult | None) -> str | None:
    """Where a live link's redirects ended, when elsewhere (sanitised), else None."""
    if result is None or result.status is not LinkStatus.ALIVE or not result.redirects:
        return None
    if not result.final_url or result.final_url == result.url:
        return None
    return sanitize(result.final_url)


def url_host(url: str) -> str:
    """The host (and port) a URL points at, sanitised and without `www.`; the URL itself when
    it has none.

    The detail pane names links by host: an article's four URLs differ there, or not at all.
    """
    clean = sanitize(url)
    try:
        netloc = urlsplit(clean).netloc
    except ValueError:  # an unbalanced "[" in the host
        return clean
    host = netloc.rpartition("@")[2]  # never show credentials
    if host.startswith("www.") and host.count(".") >= 2:
        host = host[4:]  # says nothing, and costs four cells of a narrow pane
    return host or clean


def short_target(result: LinkResult | None) -> str | None:
    """Where a live link's redirects ended, short: the host when it changed, else the path
    (`/new`), or None when there was no redirect elsewhere."""
    final = redirect_target(result)
    if final is None or result is None:
        return None
    host = url_host(final)
    if host != url_host(result.url):
        return host
    try:
        parts = urlsplit(final)
    except ValueError:
        return final
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _status_text(result: LinkResult | None, target: bool = True) -> str:
    if result is None:
        return f"{STATUS_SYMBOLS[None]} unchecked"
    status = result.status
    symbol = STATUS_SYMBOLS[status]
    if status is LinkStatus.ALIVE:
        code = result.code if result.code is not None else ""
        if result.redirects and result.final_url and result.final_url != result.url:
            first = result.redirect_code if result.redirect_code is not None else code
            if not target:
                return f"{_REDIRECTED} {first}"
            return f"{_REDIRECTED} {first} → {result.final_url}"
        return f"{symbol} {code}".rstrip()
    if status is LinkStatus.BROKEN:
        if result.code is not None and result.code >= 400:
            return f"{symbol} {result.code}"
        detail = result.error or "broken"
        return (
            f"{symbol} {result.code} {detail}" if result.code is not None else f"{symbol} {detail}"
        )
    return f"{symbol} {status.value}"
