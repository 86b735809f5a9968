"""A loopback HTTP server for feed tests: routes set up by each test, every request recorded.

Use the `feed_server` fixture (function scoped: a fresh route table and record per test, over one
server per test process, so importing the fixture is all it takes)::

    from tests.feed_server import FeedServer, feed_server

    __all__ = ["feed_server"]  # fixtures (keeps ruff from calling the import unused)

    def test_it(feed_server: FeedServer) -> None:
        feed_server.route("/feed.xml", body=RSS, etag='"v1"', last_modified=DATE)
        feed_server.route("/old", redirect_to="/feed.xml", status=301)
        feed_server.route("/slow", body=RSS, delay=2.0)
        feed_server.route("/huge", size=50 * 1024 * 1024, content_length=False)
        url = feed_server.url("/feed.xml")
        ...
        assert feed_server.requests("/feed.xml")[1].headers["if-none-match"] == '"v1"'

`route(path, ...)` answers GET and HEAD on `path` (the query string is ignored for routing but
kept in the recorded path):

- `body` (bytes or str, UTF-8) with `content_type`, answered with `status` (200 unless said;
  404 and 500 answer the body too) and any extra `headers`.
- `etag` / `last_modified`: sent with a 2xx; a request whose `If-None-Match` matches the ETag (or
  is `*`), or, without `If-None-Match`, whose `If-Modified-Since` is not older than
  `last_modified`, gets a 304 with the validators and no body.
- `redirect_to` (a path or an absolute URL): a redirect (`status` 302 unless a 3xx is given).
  Chain routes to make a chain; `redirect_chain(first, hops, to)` does it in one call.
- `reason`: the status line's reason phrase instead of the standard one (hostile text).
- `delay`: seconds to wait before answering (a slow server); `chunk_delay`: seconds between the
  body's pieces, sent `chunk_size` bytes at a time (a server that trickles: each read is quick,
  the whole body is not).
- `size`: a generated body of that many bytes instead of `body`, streamed lazily (50 MB costs
  the server no memory); `content_length=False` sends it chunked, with no Content-Length.
  `sent(path)` says how many body bytes went out before the client hung up.

Unknown paths answer 404 "no such test path". `requests(path)` gives the recorded requests (all of
them with no path), `hits(path)` their count, `max_active` the most requests being answered at
once (`reset_counts()` zeroes it), and `closed_port()` a port on 127.0.0.1 that refuses
connections.
"""

from __future__ import annotations

import email.utils
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from tests.http_server import (
    LoopbackServer,
    QuietHandler,
    RecordedRequest,
    ThreadedServer,
    closed_port,
)

__all__ = [
    "FeedServer",
    "RecordedRequest",
    "Route",
    "closed_port",
    "feed_server",
    "shared_server",
]

_PIECE = 64 * 1024


@dataclass(slots=True)
class Route:
    body: bytes = b""
    content_type: str = "application/rss+xml; charset=utf-8"
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0
    redirect_to: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    size: int | None = None
    content_length: bool = True
    chunk_delay: float = 0.0
    chunk_size: int = _PIECE
    reason: str | None = None


class _Server(ThreadedServer):
    owner: FeedServer


class _Handler(QuietHandler):
    server: _Server

    def do_GET(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def _handle(self) -> None:
        owner = self.server.owner
        headers = {k.lower(): v for k, v in self.headers.items()}
        owner._record(RecordedRequest(self.command, self.path, headers))
        generation = owner._enter()
        try:
            route = owner._route(urlsplit(self.path).path)
            if route is None:
                self._send(404, {"Content-Type": "text/plain"}, b"no such test path\n")
                return
            if route.delay:
                time.sleep(route.delay)
            self._answer(route, owner)
        except OSError:  # the client hung up (a timeout, a size cap): nothing to do
            self.close_connection = True
        finally:
            owner._leave(generation)

    def _send(
        self, code: int, headers: dict[str, str], body: bytes = b"", reason: str | None = None
    ) -> None:
        self.send_response(code, reason)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def _answer(self, route: Route, owner: FeedServer) -> None:
        if route.redirect_to is not None:
            code = route.status if 300 <= route.status < 400 else 302
            self._send(code, {"Location": route.redirect_to, **route.headers})
            return
        validators = {}
        if route.etag is not None:
            validators["ETag"] = route.etag
        if route.last_modified is not None:
            validators["Last-Modified"] = route.last_modified
        if 200 <= route.status < 300 and _not_modified(route, self.headers):
            self._send(304, {**validators, **route.headers})
            return
        headers = {"Content-Type": route.content_type, **validators, **route.headers}
        if route.size is None and not route.chunk_delay:
            self._send(route.status, headers, route.body, route.reason)
            return
        self._stream(route, headers, owner)

    def _stream(self, route: Route, headers: dict[str, str], owner: FeedServer) -> None:
        """The body in pieces: generated (`size`) or given, with or without Content-Length."""
        total = route.size if route.size is not None else len(route.body)
        self.send_response(route.status, route.reason)
        for name, value in headers.items():
            self.send_header(name, value)
        if route.content_length:
            self.send_header("Content-Length", str(total))
        else:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if self.command == "HEAD":
            return
        path = urlsplit(self.path).path
        filler = b"x" * route.chunk_size
        sent = 0
        while sent < total:
            if route.size is None:
                piece = route.body[sent : sent + route.chunk_size]
            else:
                piece = filler[: min(route.chunk_size, total - sent)]
            if route.content_length:
                self.wfile.write(piece)
            else:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            sent += len(piece)
            owner._sent_bytes(path, len(piece))
            if route.chunk_delay:
                self.wfile.flush()
                time.sleep(route.chunk_delay)
        if not route.content_length:
            self.wfile.write(b"0\r\n\r\n")


def _not_modified(route: Route, headers: object) -> bool:
    """RFC 9110 13.2.2: If-None-Match wins; If-Modified-Since only without it."""
    get = headers.get  # type: ignore[attr-defined]
    if_none_match = get("If-None-Match")
    if if_none_match is not None:
        if route.etag is None:
            return False
        tags = [t.strip() for t in if_none_match.split(",")]
        return "*" in tags or route.etag in tags
    since = get("If-Modified-Since")
    if since is None or route.last_modified is None:
        return False
    try:
        asked = email.utils.parsedate_to_datetime(since)
        changed = email.utils.parsedate_to_datetime(route.last_modified)
    except (TypeError, ValueError, IndexError):
        return since == route.last_modified
    return changed <= asked


class FeedServer(LoopbackServer):
    """The server, in a daemon thread on 127.0.0.1 (a free port); routes are set per test."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.host = "127.0.0.1"
        self.port: int = self._server.server_address[1]
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._routes: dict[str, Route] = {}
        self._requests: list[RecordedRequest] = []
        self._sent: dict[str, int] = {}
        self._reset_active()

    # -- for tests --
    def route(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        content_type: str = "application/rss+xml; charset=utf-8",
        status: int = 200,
        etag: str | None = None,
        last_modified: str | None = None,
        delay: float = 0.0,
        redirect_to: str | None = None,
        headers: dict[str, str] | None = None,
        size: int | None = None,
        content_length: bool = True,
        chunk_delay: float = 0.0,
        chunk_size: int = _PIECE,
        reason: str | None = None,
    ) -> str:
        """Serve `path` as described (module docstring); returns its full URL."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        route = Route(
            data,
            content_type,
            status,
            etag,
            last_modified,
            delay,
            redirect_to,
            dict(headers or {}),
            size,
            content_length,
            chunk_delay,
            chunk_size,
            reason,
        )
        with self._lock:
            self._routes[path] = route
        return self.url(path)

    def redirect_chain(self, first: str, hops: int, to: str, *, status: int = 302) -> str:
        """`first` -> `first/1` -> ... -> `to` in `hops` redirects; returns the first URL."""
        paths = [first] + [f"{first}/{i}" for i in range(1, hops)]
        for here, there in zip(paths, [*paths[1:], to], strict=True):
            self.route(here, redirect_to=there, status=status)
        return self.url(first)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def requests(self, path: str | None = None) -> list[RecordedRequest]:
        """Recorded requests in arrival order: all, or those for `path` (query not compared)."""
        with self._lock:
            if path is None:
                return list(self._requests)
            return [r for r in self._requests if urlsplit(r.path).path == path]

    def hits(self, path: str) -> int:
        return len(self.requests(path))

    def sent(self, path: str) -> int:
        """Body bytes written for `path` by streamed answers (`size` / `chunk_delay` routes)."""
        with self._lock:
            return self._sent.get(path, 0)

    def reset_counts(self) -> None:
        """Forget recorded requests, bytes sent and `max_active`; keep the routes."""
        with self._lock:
            self._requests.clear()
            self._sent.clear()
            self._reset_active()

    def reset(self) -> None:
        """Forget routes too (the fixture does this before each test)."""
        self.reset_counts()
        with self._lock:
            self._routes.clear()

    # -- called by handler threads --
    def _route(self, path: str) -> Route | None:
        with self._lock:
            return self._routes.get(path)

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _sent_bytes(self, path: str, count: int) -> None:
        with self._lock:
            self._sent[path] = self._sent.get(path, 0) + count


_shared: FeedServer | None = None
_shared_lock = threading.Lock()


def shared_server() -> FeedServer:
    """One server per test process, started on first use (its thread is a daemon)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = FeedServer().start()
        return _shared


@pytest.fixture
def feed_server() -> FeedServer:
    """The process's server with no routes and nothing recorded (one import is enough)."""
    server = shared_server()
    server.reset()
    return server
