"""Download feeds: concurrent, conditional, polite and capped, one `FetchResult` per request.

The rules (after reader/links.py, the house model for httpx):

- **Conditional GET.** A known ETag goes out as `If-None-Match`, a known Last-Modified as
  `If-Modified-Since`; a 304 is `not_modified` (the old validators are kept when the 304 sends
  none), so an unchanged feed costs the server one short answer.
- **Redirects** are followed (at most `MAX_REDIRECTS`); `final_url` says where the feed now is.
  Only http(s) URLs are requested, before and after a redirect.
- **Caps.** `timeout` bounds the whole request, body included (a server that trickles a byte a
  second never holds a slot for ever). A body is streamed and given up as soon as it passes
  `max_bytes` (or its Content-Length says it will): an error, and nothing of it is kept.
- **Limits.** At most `concurrency` feeds at once and at most `per_host` to one host name (the
  host asked for: a redirect to another host does not take a second slot).
- **No cookies** are kept: a feed fetch has no session to keep.
- **Never raises for one feed.** Every failure is an `error` result with a one-line reason
  ("HTTP 404 Not Found", "timed out after 20 s", "larger than 5 MB", "Name or service not known",
  "not an http(s) URL"), so one broken feed never stops the others.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from http import HTTPStatus

import httpx

from reader.feeds.model import FetchRequest, FetchResult
from reader.links import DEFAULT_USER_AGENT, _NoCookieJar, _short, _ssl_context, is_checkable_url
from reader.text import sanitize

__all__ = ["ACCEPT", "DEFAULT_USER_AGENT", "MAX_REDIRECTS", "fetch_feeds", "fetch_feeds_sync"]

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, */*;q=0.8"
)
MAX_REDIRECTS = 10
# The longest server-given text (a reason phrase) kept in an error.
_MAX_REASON = 200
_ERRNO_PREFIX = re.compile(r"^\[Errno -?\d+\]\s*")


async def fetch_feeds(
    requests: Sequence[FetchRequest],
    *,
    concurrency: int = 8,
    per_host: int = 2,
    timeout: float = 20.0,
    max_bytes: int = 5 * 1024 * 1024,
    progress: Callable[[FetchResult], None] | None = None,
    user_agent: str = DEFAULT_USER_AGENT,
) -> list[FetchResult]:
    """Fetch every request concurrently; the results come back in the order of `requests`.

    `progress` is called once per feed as it finishes (in the order they finish), from the event
    loop's thread; an exception it raises stops the whole fetch (it is the caller's bug, not a
    feed's failure).
    """
    if concurrency < 1 or per_host < 1:
        raise ValueError("concurrency and per_host must be at least 1")
    if timeout <= 0:
        raise ValueError("timeout must be positive")
    if max_bytes < 0:
        raise ValueError("max_bytes must not be negative")
    if not requests:
        return []
    gate = asyncio.Semaphore(concurrency)
    hosts: dict[str, asyncio.Semaphore] = {}
    async with httpx.AsyncClient(
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        cookies=_NoCookieJar(),
        verify=_ssl_context(),
        timeout=httpx.Timeout(timeout),
        limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        headers={"User-Agent": user_agent, "Accept": ACCEPT},
    ) as client:

        async def one(index: int, request: FetchRequest) -> tuple[int, FetchResult]:
            if not is_checkable_url(request.url):
                return index, _error(request, "not an http(s) URL")
            host = (httpx.URL(request.url).host or "").lower()
            limit = hosts.get(host)
            if limit is None:
                limit = hosts[host] = asyncio.Semaphore(per_host)
            async with limit, gate:
                return index, await _fetch_one(client, request, timeout, max_bytes)

        tasks = [asyncio.ensure_future(one(i, r)) for i, r in enumerate(requests)]
        results: list[FetchResult | None] = [None] * len(requests)
        try:
            for finished in asyncio.as_completed(tasks):
                index, result = await finished
                results[index] = result
                if progress is not None:
                    progress(result)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    return [r for r in results if r is not None]


def fetch_feeds_sync(
    requests: Sequence[FetchRequest],
    *,
    concurrency: int = 8,
    per_host: int = 2,
    timeout: float = 20.0,
    max_bytes: int = 5 * 1024 * 1024,
    progress: Callable[[FetchResult], None] | None = None,
    user_agent: str = DEFAULT_USER_AGENT,
) -> list[FetchResult]:
    """`fetch_feeds` for callers without an event loop (the CLI, the app's worker thread)."""
    return asyncio.run(
        fetch_feeds(
            requests,
            concurrency=concurrency,
            per_host=per_host,
            timeout=timeout,
            max_bytes=max_bytes,
            progress=progress,
            user_agent=user_agent,
        )
    )


async def _fetch_one(
    client: httpx.AsyncClient, request: FetchRequest, timeout: float, max_bytes: int
) -> FetchResult:
    """One feed, start to end within `timeout`; never raises (bar cancellation)."""
    try:
        async with asyncio.timeout(timeout):
            return await _download(client, request, max_bytes)
    except (TimeoutError, httpx.TimeoutException):
        return _error(request, f"timed out after {timeout:g} s")
    except httpx.TooManyRedirects:
        return _error(request, f"too many redirects (more than {MAX_REDIRECTS})")
    except httpx.UnsupportedProtocol:
        return _error(request, "redirected to a URL that is not http(s)")
    except httpx.InvalidURL:
        return _error(request, "redirected to a malformed URL")
    except httpx.ConnectError as exc:
        return _error(request, _reason(exc, "cannot connect"))
    except (httpx.ReadError, httpx.WriteError, httpx.CloseError) as exc:
        return _error(request, _reason(exc, "connection lost"))
    except httpx.RemoteProtocolError as exc:
        return _error(request, _reason(exc, "bad HTTP answer"))
    except httpx.HTTPError as exc:
        return _error(request, _reason(exc, type(exc).__name__))
    except Exception as exc:  # a feed's failure must never stop the others
        return _error(request, _reason(exc, type(exc).__name__))


async def _download(
    client: httpx.AsyncClient, request: FetchRequest, max_bytes: int
) -> FetchResult:
    headers = {}
    if request.etag:
        headers["If-None-Match"] = request.etag
    if request.last_modified:
        headers["If-Modified-Since"] = request.last_modified
    async with client.stream("GET", request.url, headers=headers) as response:
        code = response.status_code
        final_url = str(response.url)
        if code == 304:
            return FetchResult(
                request.url,
                "not_modified",
                final_url=final_url,
                http_status=code,
                etag=response.headers.get("etag") or request.etag,
                last_modified=response.headers.get("last-modified") or request.last_modified,
            )
        if not 200 <= code < 300:
            return _error(request, _http_reason(response), final_url=final_url, code=code)
        declared = response.headers.get("content-length", "")
        too_big = f"larger than {_size(max_bytes)}"
        if declared.strip().isdigit() and int(declared) > max_bytes:
            return _error(request, too_big, final_url=final_url, code=code)
        body = bytearray()
        async for chunk in response.aiter_bytes():  # decoded: a gzip bomb is counted unpacked
            body += chunk
            if len(body) > max_bytes:  # give up now; what came is dropped with `body`
                return _error(request, too_big, final_url=final_url, code=code)
        return FetchResult(
            request.url,
            "ok",
            body=bytes(body),
            content_type=response.headers.get("content-type", ""),
            final_url=final_url,
            http_status=code,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
        )


def _error(
    request: FetchRequest, reason: str, *, final_url: str = "", code: int | None = None
) -> FetchResult:
    return FetchResult(request.url, "error", final_url=final_url, http_status=code, error=reason)


def _http_reason(response: httpx.Response) -> str:
    """`HTTP 404 Not Found`: the server's reason phrase (cleaned), else the standard one."""
    phrase = sanitize(response.reason_phrase or "").strip()[:_MAX_REASON]
    if not phrase:
        try:
            phrase = HTTPStatus(response.status_code).phrase
        except ValueError:
            phrase = ""
    return f"HTTP {response.status_code} {phrase}".strip()


def _reason(exc: BaseException, fallback: str) -> str:
    """One clean line: `_short`'s text without the `[Errno -2]` prefix."""
    text = _ERRNO_PREFIX.sub("", _short(exc, fallback)).strip()
    return sanitize(text) or fallback


def _size(count: int) -> str:
    """`5 MB`, `64 KB`, `1000 bytes`: the cap as a person reads it."""
    mib, kib = 1024 * 1024, 1024
    if count >= mib and count % mib == 0:
        return f"{count // mib} MB"
    if count >= kib and count % kib == 0:
        return f"{count // kib} KB"
    return f"{count} bytes"
