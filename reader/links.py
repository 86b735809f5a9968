"""Check whether an article's URLs still work, politely and fast.

`LinkChecker` asks each URL once per checker lifetime and returns a `LinkResult` (alive, broken,
timeout, unreachable or invalid). The rules, chosen after lychee and muffet:

- **HEAD first, GET to confirm.** A 2xx or 3xx answer to HEAD is trusted. Any 4xx/5xx answer to
  HEAD (405 and 501 above all, but servers and CDNs also answer HEAD with 400, 403, 404 or 500
  while GET works), and a HEAD that fails on an open connection, are retried with GET, whose
  answer is the verdict. This costs one extra request per broken link only. A GET never reads
  the body: it is streamed and closed as soon as the headers are in. A HEAD timeout is not
  retried with GET (it would only double the wait).
- **Redirects** are followed by hand, up to `max_redirects`; a loop or one hop too many is
  `broken`. A redirect to a non-http(s) or malformed `Location` is never followed: `broken`, with
  the refused location as `final_url`. (`invalid` is kept for URLs that are malformed as written.)
- **Retries**: a connection error (refused, DNS, reset) is retried once after a short pause, then
  the link is `unreachable`. 429 and 503 with a `Retry-After` (seconds or an HTTP date) no longer
  than `retry_after_cap` are waited out and retried, at most twice; otherwise `broken`.
- **Limits**: at most `concurrency` requests at once, at most `per_host` to one host name. Slots
  are released while waiting (between redirect hops, during a `Retry-After`), so a slow host never
  holds the others back.

- **Cookies** set during one check's redirect chain are sent along that chain (cookie walls
  redirect to themselves until the cookie comes back), never kept across checks.

Speed: one `httpx.AsyncClient` slows down as its pool grows, because httpcore does work
proportional to requests x connections on every request (encode/httpx#3215). The checker spreads
its `concurrency` slots over several small clients (`_SLOTS_PER_CLIENT` each), all sharing one SSL
context, created once on first use, and builds its requests itself (bench/links_bench.py
measures it).
"""

from __future__ import annotations

import asyncio
import dataclasses
import email.utils
import functools
import http.cookiejar
import math
import re
import ssl
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from reader import __version__
from reader.model import LinkKind, LinkResult, LinkStatus
from reader.settings import DEFAULTS

__all__ = [
    "DEFAULT_USER_AGENT",
    "LinkChecker",
    "is_checkable_url",
    "parse_retry_after",
]

DEFAULT_USER_AGENT = f"reader/{__version__} (+terminal news reader)"

# Requests in flight per AsyncClient. httpcore's per-request pool bookkeeping grows with
# requests x connections (and checks every idle connection), so small pools stay cheap: 1, 2, 4
# and 8 measured alike on the loopback bench (1, 2 slightly cheaper); 2 keeps a spare connection.
_SLOTS_PER_CLIENT = 2
# The most requests in flight that a checker accepts (more only costs memory: one small client per
# two slots), and the longest server-given text (reason phrase, refused Location) kept.
MAX_CONCURRENCY = 256
_MAX_ERROR_TEXT = 300
# Pause before the one retry of a connection error.
_CONNECT_RETRY_DELAY = 0.3
# How many times a 429/503 with an acceptable Retry-After is retried.
_MAX_RATE_LIMIT_RETRIES = 2
# Characters that may not appear unescaped in a URL (RFC 3986): controls, space, and `<>"{}|\^``.
_FORBIDDEN_IN_URL = re.compile(r'[\x00-\x20\x7f<>"{}|\\^`]')
_CHECKABLE_SCHEMES = frozenset({"http", "https"})


def is_checkable_url(url: str) -> bool:
    """True for a well-formed http(s) URL with a host: the only kind the checker requests.

    `javascript:`, `file:`, `ftp:`, `mailto:`, unescaped spaces, broken IPv6 brackets and bad
    ports all give False.
    """
    return _checkable(url) is not None


def _checkable(url: str) -> httpx.URL | None:
    """The parsed URL when `is_checkable_url(url)`, else None (parsed once, reused per request)."""
    if not isinstance(url, str) or not url or _FORBIDDEN_IN_URL.search(url):
        return None
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a port that is not a number in range
    except ValueError:
        return None
    if parts.scheme.lower() not in _CHECKABLE_SCHEMES or not parts.hostname:
        return None
    if "%" in parts.hostname:
        return None
    try:
        return httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        return None


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delay-seconds or an HTTP date), or None."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return float(int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One verified SSL context for every client of every checker (loading CAs is slow)."""
    return httpx.create_ssl_context()


@dataclasses.dataclass(slots=True)
class _Flight:
    """A check in progress, shared by every caller that asked for the same URL."""

    task: asyncio.Task[LinkResult]
    waiters: int = 0


class _Failure(Exception):
    """Internal: a request ended without a usable response."""

    def __init__(self, status: LinkStatus, error: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error


class _Retryable(_Failure):
    """Internal: a failure on an open connection, worth one GET (after HEAD) or one retry."""


class _RedirectAnswer(Exception):
    """Internal: raised by a response hook so httpx never parses a redirect's `Location` itself.

    Even with `follow_redirects=False`, httpx builds the next request from `Location` and raises
    `InvalidURL` for one like `javascript:alert(1)`, losing the answer; the checker judges the
    `Location` on its own instead.
    """

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


async def _stop_at_redirect(response: httpx.Response) -> None:
    if response.has_redirect_location:
        if response.request.method == "HEAD":
            await response.aread()  # empty; lets the connection be reused
        raise _RedirectAnswer(response)


class _NoCookieJar(http.cookiejar.CookieJar):
    """The clients' own jar: keeps nothing.

    A shared jar would collect every site's cookies, and httpx copies the client's whole jar into
    every request it builds. Cookies live in one check's redirect chain instead (see `_request`).
    """

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None


class _Shards:
    """`concurrency` request slots spread over several small `AsyncClient`s.

    Each client holds at most `_SLOTS_PER_CLIENT` requests, so no pool grows large enough for
    httpcore's per-request bookkeeping (requests x connections) to dominate. A request goes to the
    client that last served its host when that one has a free slot (its connection is likely still
    open), else to the first client with a free slot (so a light load stays on warm connections).
    """

    def __init__(self, concurrency: int, *, timeout: httpx.Timeout) -> None:
        count = math.ceil(concurrency / _SLOTS_PER_CLIENT)
        base, extra = divmod(concurrency, count)
        self.free = [base + (1 if i < extra else 0) for i in range(count)]
        self.clients = [
            httpx.AsyncClient(
                timeout=timeout,
                # keep-alive == max: httpcore closes idle connections once the pool holds more
                # than max_keepalive_connections in total, idle or not.
                limits=httpx.Limits(max_connections=slots, max_keepalive_connections=slots),
                follow_redirects=False,
                verify=_ssl_context(),
                cookies=_NoCookieJar(),
                event_hooks={"response": [_stop_at_redirect]},
            )
            for slots in self.free
        ]
        self._gate = asyncio.Semaphore(concurrency)
        self._affinity: dict[str, int] = {}

    async def acquire(self, host: str) -> int:
        """Wait for a slot; return the index of the client to use (give it back with `release`)."""
        await self._gate.acquire()
        index = self._affinity.get(host)
        if index is None or self.free[index] == 0:
            # The gate guarantees a free slot somewhere.
            index = next(i for i, free in enumerate(self.free) if free)
        self.free[index] -= 1
        return index

    def release(self, index: int, host: str) -> None:
        self.free[index] += 1
        self._affinity[host] = index
        self._gate.release()

    async def aclose(self) -> None:
        for client in self.clients:
            await client.aclose()


class LinkChecker:
    """Checks URLs over a few shared `httpx.AsyncClient`s; use as `async with LinkChecker() as c`.

    Results are cached for the checker's lifetime, so one URL is requested at most once per run
    (`forget()` drops cached results for a recheck). A checker belongs to the event loop that first
    uses it.
    """

    def __init__(
        self,
        *,
        timeout: float = DEFAULTS.link_timeout,
        concurrency: int = DEFAULTS.link_concurrency,
        per_host: int = DEFAULTS.link_per_host,
        max_redirects: int = DEFAULTS.max_redirects,
        retry_after_cap: float = DEFAULTS.retry_after_cap,
        user_agent: str | None = None,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if concurrency < 1 or per_host < 1:
            raise ValueError("concurrency and per_host must be at least 1")
        concurrency = min(concurrency, MAX_CONCURRENCY)
        per_host = min(per_host, concurrency)
        if max_redirects < 0:
            raise ValueError("max_redirects must not be negative")
        self.timeout = timeout
        self.concurrency = concurrency
        self.per_host = per_host
        self.max_redirects = max_redirects
        self.retry_after_cap = retry_after_cap
        self.user_agent = user_agent or DEFAULT_USER_AGENT
        self._headers = httpx.Headers(
            {"User-Agent": self.user_agent, "Accept": "*/*", "Accept-Encoding": "gzip, deflate"}
        )
        self._extensions = {"timeout": httpx.Timeout(timeout).as_dict()}
        self._shards: _Shards | None = None
        self._host_limits: dict[str, asyncio.Semaphore] = {}
        self._results: dict[str, LinkResult] = {}
        self._flights: dict[str, _Flight] = {}
        self._tasks: set[asyncio.Task[LinkResult]] = set()
        self._closed = False

    async def __aenter__(self) -> LinkChecker:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Cancel checks in progress and close every connection."""
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        shards, self._shards = self._shards, None
        if shards is not None:
            await shards.aclose()

    @property
    def cached(self) -> dict[str, LinkResult]:
        """Results found so far by this checker, by URL (a copy)."""
        return dict(self._results)

    def forget(self, urls: Iterable[str] | None = None) -> None:
        """Drop cached results (all, or those of `urls`) so the next check asks the server again."""
        if urls is None:
            self._results.clear()
        else:
            for url in urls:
                self._results.pop(url, None)

    async def check(self, url: str, kind: LinkKind = LinkKind.WEB) -> LinkResult:
        """Check one URL (or reuse this checker's earlier result for it)."""
        if self._closed:
            raise RuntimeError("LinkChecker is closed")
        cached = self._results.get(url)
        if cached is not None:
            return cached if cached.kind == kind else dataclasses.replace(cached, kind=kind)
        parsed = _checkable(url)
        if parsed is None:
            result = _result(url, kind, LinkStatus.INVALID, error=_invalid_reason(url))
            self._results[url] = result
            return result
        flight = self._flights.get(url)
        if flight is None:
            flight = _Flight(asyncio.create_task(self._check_uncached(url, parsed, kind)))
            self._flights[url] = flight
            self._tasks.add(flight.task)
            flight.task.add_done_callback(functools.partial(self._landed, url, flight))
        flight.waiters += 1
        try:
            result = await asyncio.shield(flight.task)
        finally:
            flight.waiters -= 1
            # The last caller gave up (was cancelled): stop the request too.
            if flight.waiters == 0 and not flight.task.done():
                flight.task.cancel()
                if self._flights.get(url) is flight:
                    del self._flights[url]
        return result if result.kind == kind else dataclasses.replace(result, kind=kind)

    async def check_many(
        self,
        items: Iterable[tuple[str, LinkKind]],
        *,
        on_result: Callable[[LinkResult], None] | None = None,
    ) -> list[LinkResult]:
        """Check many URLs concurrently; a result per item, in input order.

        `on_result` is called with each item's result as it finishes (so a progress bar or a list
        column can fill in); a URL listed twice is still requested once.
        """
        pairs = list(items)
        results: list[LinkResult | None] = [None] * len(pairs)

        async def one(index: int, url: str, kind: LinkKind) -> None:
            result = await self.check(url, kind)
            results[index] = result
            if on_result is not None:
                on_result(result)

        async with asyncio.TaskGroup() as group:
            for index, (url, kind) in enumerate(pairs):
                group.create_task(one(index, url, kind))
        return [r for r in results if r is not None]

    # -- internals -----------------------------------------------------------------------------

    def _landed(self, url: str, flight: _Flight, task: asyncio.Task[LinkResult]) -> None:
        self._tasks.discard(task)
        if self._flights.get(url) is flight:
            del self._flights[url]
        if not task.cancelled() and task.exception() is None:
            self._results[url] = task.result()

    def _ensure_shards(self) -> _Shards:
        if self._shards is None:
            self._shards = _Shards(self.concurrency, timeout=httpx.Timeout(self.timeout))
        return self._shards

    def _host_limit(self, host: str) -> asyncio.Semaphore:
        limit = self._host_limits.get(host)
        if limit is None:
            limit = self._host_limits[host] = asyncio.Semaphore(self.per_host)
        return limit

    async def _check_uncached(self, url: str, parsed: httpx.URL, kind: LinkKind) -> LinkResult:
        started = time.monotonic()
        method = "HEAD"
        current = url
        current_url = parsed
        redirects = 0
        seen = {(url, _cookie_state(None))}
        rate_limit_retries = 0
        connect_retried = False
        code: int | None = None
        redirect_code: int | None = None  # the first redirect's status: 301 and 302 differ
        cookies = httpx.Cookies()  # set along this redirect chain only (paywalls rely on it)

        def done(
            status: LinkStatus, error: str | None = None, final: str | None = None
        ) -> LinkResult:
            return _result(
                url,
                kind,
                status,
                code=code,
                final_url=final if final is not None else current,
                redirects=redirects,
                method=method,
                error=error,
                started=started,
                redirect_code=redirect_code,
            )

        while True:
            try:
                status_code, headers, reason = await self._request(method, current_url, cookies)
            except _Retryable as failure:
                if method == "HEAD":
                    method = "GET"  # some servers drop or garble HEAD: ask with GET
                    continue
                if failure.status is LinkStatus.UNREACHABLE and not connect_retried:
                    connect_retried = True
                    await asyncio.sleep(_CONNECT_RETRY_DELAY)
                    continue
                return done(failure.status, failure.error)
            except _Failure as failure:
                if failure.status is LinkStatus.UNREACHABLE and not connect_retried:
                    connect_retried = True
                    await asyncio.sleep(_CONNECT_RETRY_DELAY)
                    continue
                return done(failure.status, failure.error)
            code = status_code

            if 200 <= status_code < 300:
                return done(LinkStatus.ALIVE)

            if 300 <= status_code < 400:
                if redirect_code is None:
                    redirect_code = status_code
                location = headers.get("location")
                if not location:
                    return done(LinkStatus.BROKEN, f"{status_code} redirect without a Location")
                target = urljoin(current, location.strip())
                target_url = _checkable(target)
                if target_url is None:
                    return done(
                        LinkStatus.BROKEN,
                        "redirect to a non-http(s) or malformed URL not followed: " + _clip(target),
                        final=target,
                    )
                # Coming back to a URL with new cookies is progress, not a loop (cookie walls).
                state = (target, _cookie_state(cookies))
                if state in seen:
                    redirects += 1
                    return done(
                        LinkStatus.BROKEN, f"redirect loop back to {_clip(target)}", final=target
                    )
                if redirects >= self.max_redirects:
                    return done(
                        LinkStatus.BROKEN, f"too many redirects (more than {self.max_redirects})"
                    )
                redirects += 1
                seen.add(state)
                current, current_url = target, target_url
                connect_retried = False
                continue

            if status_code in (429, 503):
                wait = parse_retry_after(headers.get("retry-after"))
                if wait is not None and rate_limit_retries < _MAX_RATE_LIMIT_RETRIES:
                    if wait <= self.retry_after_cap:
                        rate_limit_retries += 1
                        await asyncio.sleep(wait)
                        continue
                    return done(
                        LinkStatus.BROKEN,
                        f"{reason or status_code}: Retry-After {wait:g} s is over the "
                        f"{self.retry_after_cap:g} s cap",
                    )
                if status_code == 429:
                    return done(LinkStatus.BROKEN, reason or "Too Many Requests")

            if method == "HEAD" and status_code >= 400:
                method = "GET"  # HEAD answers are not trusted to say "broken"
                continue
            return done(LinkStatus.BROKEN, reason or None)

    async def _request(
        self, method: str, url: httpx.URL, cookies: httpx.Cookies
    ) -> tuple[int, httpx.Headers, str]:
        """One request, headers only: (status code, headers, reason phrase); raises `_Failure`.

        The request is built here rather than by `client.build_request`, which re-parses the URL
        and copies the client's headers and whole cookie jar for every request (a tenth of the
        CPU per check with an empty jar, more as the jar grows). Headers are set per request.
        """
        shards = self._ensure_shards()
        host = url.host
        async with self._host_limit(host):
            index = await shards.acquire(host)
            client = shards.clients[index]
            try:
                async with asyncio.timeout(self.timeout):
                    request = httpx.Request(
                        method, url, headers=self._headers, extensions=self._extensions
                    )
                    if cookies:
                        cookies.set_cookie_header(request)
                    response = await client.send(request, stream=True)
                    try:
                        if method == "HEAD":
                            await response.aread()  # empty; lets the connection be reused
                    finally:
                        await response.aclose()  # a GET body is never read
                    return response.status_code, response.headers, _clip(response.reason_phrase)
            except _RedirectAnswer as redirect:
                answer = redirect.response
                if "set-cookie" in answer.headers:
                    cookies.extract_cookies(answer)
                return answer.status_code, answer.headers, _clip(answer.reason_phrase)
            except (TimeoutError, httpx.TimeoutException):
                raise _Failure(LinkStatus.TIMEOUT, f"no answer within {self.timeout:g} s") from None
            except httpx.ConnectError as exc:
                raise _Failure(LinkStatus.UNREACHABLE, _short(exc, "cannot connect")) from None
            except (httpx.ReadError, httpx.WriteError, httpx.CloseError) as exc:
                raise _Retryable(LinkStatus.UNREACHABLE, _short(exc, "connection lost")) from None
            except httpx.RemoteProtocolError as exc:
                raise _Retryable(LinkStatus.BROKEN, _short(exc, "bad HTTP answer")) from None
            except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
                raise _Failure(LinkStatus.INVALID, _short(exc, "invalid URL")) from None
            except httpx.HTTPError as exc:
                raise _Failure(LinkStatus.BROKEN, _short(exc, type(exc).__name__)) from None
            finally:
                shards.release(index, host)


def _clip(text: str) -> str:
    """Server-given text for an error message: at most `_MAX_ERROR_TEXT` characters."""
    return text if len(text) <= _MAX_ERROR_TEXT else text[: _MAX_ERROR_TEXT - 1] + "…"


def _cookie_state(cookies: httpx.Cookies | None) -> frozenset[tuple[str, str, str]]:
    if not cookies:
        return frozenset()
    return frozenset((c.name, c.value or "", c.domain) for c in cookies.jar)


def _short(exc: BaseException, fallback: str) -> str:
    """A one-line error text for a result (httpx messages can be empty or multi-line)."""
    text = str(exc).strip().splitlines()
    message = text[-1].strip() if text else ""
    return message[:200] if message else fallback


def _invalid_reason(url: str) -> str:
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme and scheme not in _CHECKABLE_SCHEMES and scheme.isalpha():
        return f"not an http(s) URL ({scheme}:)"
    return "malformed URL"


def _result(
    url: str,
    kind: LinkKind,
    status: LinkStatus,
    *,
    code: int | None = None,
    final_url: str | None = None,
    redirects: int = 0,
    method: str | None = None,
    error: str | None = None,
    started: float | None = None,
    redirect_code: int | None = None,
) -> LinkResult:
    elapsed = 0 if started is None else round((time.monotonic() - started) * 1000)
    return LinkResult(
        url=url,
        kind=kind,
        status=status,
        code=code,
        final_url=final_url,
        redirects=redirects,
        method=method,
        elapsed_ms=elapsed,
        error=error,
        checked_at=datetime.now(UTC),
        redirect_code=redirect_code,
    )
