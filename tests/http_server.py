"""A real HTTP server on 127.0.0.1 for link tests, with one path per behaviour.

Start it with `with LinkTestServer() as server:` (or the `link_server` / `server` fixtures below,
imported into a test module) and build URLs with `server.url("/status/404")`. Every request is
recorded, so tests can assert what reached the server (hits, methods, headers, concurrency, bytes
sent).

Paths (any query string is ignored by routing but kept in the recorded path, so `?case=x` makes a
URL distinct):

- `/ok` 200 with a small body; `/status/<code>` that status for every method.
- `/redirect/<n>`: 302 to `/redirect/<n-1>`; `/redirect/0` is 200 (so n hops).
- `/moved/<n>`: 301 to `/redirect/<n-1>` (a permanent redirect, then temporary ones).
- `/loop/a` <-> `/loop/b`: a redirect loop. `/self`: redirects to itself.
- `/location?to=<url>`: 302 to the given `Location` (e.g. `ftp://...`, `javascript:...`).
- `/no-head/<code>`: HEAD answers <code> (405, 501, 403...), GET answers 200.
- `/throttle/<code>/<retry_after>/<times>`: the first <times> requests to this exact path (with its
  query) answer <code> with `Retry-After: <retry_after>`, later ones 200.
- `/slow/<seconds>`: waits, then 200. `/hold/<seconds>`: the same; use it to measure concurrency.
- `/huge`: HEAD 405; GET streams 100 MB lazily, counting what it manages to send (`huge_sent`).
- `/drop-head`: HEAD closes the connection without an answer; GET answers 200.
- `/cookie-gate`: without the cookie `gate=open`, sets it and redirects to itself; with it, 200
  (the pattern of paywalls that loop forever for clients without cookies).
- `/hostile-reason`: 404 whose reason phrase holds C1 controls and a bidi override (what h11
  lets through), as a server that wants to write to the user's terminal would send.
- `/hostile-location`: 302 to a `javascript:` Location holding C1 controls.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self
from urllib.parse import parse_qs, urlsplit

import pytest

HUGE_SIZE = 100 * 1024 * 1024
# Latin-1 text as it goes on the wire: C1 CSI/OSC introducers, and U+202E's UTF-8 bytes.
HOSTILE_REASON = "Not Found \x9b2J\x9d0;pwned\x9c \xe2\x80\xae"
HOSTILE_LOCATION = "javascript:alert(1)\x9b2J\x9d0;title\x9c"
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    path: str
    """As requested, query string included."""
    headers: dict[str, str]
    """Header names in lower case."""


class ThreadedServer(ThreadingHTTPServer):
    """The test servers' HTTP server: a thread a request, daemons, a deep backlog."""

    daemon_threads = True
    # socketserver's default backlog of 5 makes bursts of connections wait for SYN retransmits.
    request_queue_size = 1024
    allow_reuse_address = True


class QuietHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 (keep-alive, as real servers), and nothing logged to the test output."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadedServer):
    owner: LinkTestServer


class _Handler(QuietHandler):
    server: _Server

    def do_HEAD(self) -> None:
        self._handle("HEAD")

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        owner = self.server.owner
        owner._record(
            RecordedRequest(method, self.path, {k.lower(): v for k, v in self.headers.items()})
        )
        generation = owner._enter()
        try:
            self._route(method, owner)
        finally:
            owner._leave(generation)

    def _send(self, code: int, headers: dict[str, str] | None = None, body: bytes = b"") -> None:
        self.send_response(code)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def _route(self, method: str, owner: LinkTestServer) -> None:
        split = urlsplit(self.path)
        parts = [p for p in split.path.split("/") if p]
        head = parts[0] if parts else ""
        args = parts[1:]
        if head == "ok":
            self._send(200, {"Content-Type": "text/plain"}, b"ok\n")
        elif head == "status" and args:
            code = int(args[0])
            self._send(code, {"Content-Type": "text/plain"}, f"status {code}\n".encode())
        elif head == "redirect" and args:
            hops = int(args[0])
            if hops <= 0:
                self._send(200, body=b"arrived\n")
            else:
                self._send(302, {"Location": f"/redirect/{hops - 1}"})
        elif head == "moved" and args:
            self._send(301, {"Location": f"/redirect/{int(args[0]) - 1}"})
        elif head == "loop" and args:
            self._send(302, {"Location": "/loop/b" if args[0] == "a" else "/loop/a"})
        elif head == "self":
            self._send(302, {"Location": self.path})
        elif head == "location":
            target = parse_qs(split.query).get("to", [""])[0]
            self._send(302, {"Location": target})
        elif head == "no-head":
            code = int(args[0]) if args else 405
            if method == "HEAD":
                self._send(code, {"Allow": "GET"})
            else:
                self._send(200, body=b"got it\n")
        elif head == "throttle" and len(args) == 3:
            code, retry_after, times = int(args[0]), args[1], int(args[2])
            if owner.hits(self.path) <= times:
                self._send(code, {"Retry-After": retry_after})
            else:
                self._send(200, body=b"finally\n")
        elif head in ("slow", "hold") and args:
            time.sleep(float(args[0]))
            self._send(200, body=b"slowly\n")
        elif head == "huge":
            if method == "HEAD":
                self._send(405, {"Allow": "GET"})
            else:
                self._stream_huge(owner)
        elif head == "cookie-gate":
            if "gate=open" in self.headers.get("Cookie", ""):
                self._send(200, body=b"welcome\n")
            else:
                self._send(302, {"Location": self.path, "Set-Cookie": "gate=open; Path=/"})
        elif head == "hostile-reason":
            self.send_response(404, HOSTILE_REASON)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif head == "hostile-location":
            self._send(302, {"Location": HOSTILE_LOCATION})
        elif head == "drop-head":
            if method == "HEAD":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
            else:
                self._send(200, body=b"fine\n")
        else:
            self._send(404, body=b"no such test path\n")

    def _stream_huge(self, owner: LinkTestServer) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(HUGE_SIZE))
        self.end_headers()
        chunk = b"x" * _CHUNK
        sent = 0
        try:
            while sent < HUGE_SIZE:
                self.wfile.write(chunk)
                sent += len(chunk)
                owner.huge_sent = sent
        except OSError:
            self.close_connection = True
        finally:
            owner.huge_sent = sent
            owner.huge_done.set()


class LoopbackServer:
    """Start and stop a `ThreadingHTTPServer` (`self._server`) on a daemon thread; usable as a
    context manager. The link and the feed test servers share it."""

    _server: ThreadingHTTPServer
    _thread: threading.Thread | None
    _lock: threading.Lock
    _active: int
    max_active: int
    """The most requests being answered at once (handlers call `_enter` and `_leave`)."""

    _generation: int = 0

    def _reset_active(self) -> None:
        """Count from zero (the caller holds `_lock`, or no handler runs yet). A handler of an
        earlier test still running (a slow route its client gave up on) must not leave this
        count: it took part in an earlier generation, and leaving would make it -1."""
        self._active = 0
        self.max_active = 0
        self._generation += 1

    def _enter(self) -> int:
        with self._lock:
            self._active += 1
            self.max_active = max(self.max_active, self._active)
            return self._generation

    def _leave(self, generation: int) -> None:
        with self._lock:
            if generation == self._generation:
                self._active -= 1

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class LinkTestServer(LoopbackServer):
    """The server, running in a daemon thread on 127.0.0.1 (random free port)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._server = _Server((host, 0), _Handler)
        self._server.owner = self
        self.host = host
        self.port: int = self._server.server_address[1]
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.requests: list[RecordedRequest] = []
        self._hits: Counter[str] = Counter()
        self._reset_active()
        self.huge_sent = 0
        self.huge_done = threading.Event()

    # -- for tests --
    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def hits(self, path: str) -> int:
        """Requests (any method) for this exact path, query included."""
        with self._lock:
            return self._hits[path]

    def methods(self, path: str) -> list[str]:
        with self._lock:
            return [r.method for r in self.requests if r.path == path]

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._hits.clear()
            self._reset_active()
            self.huge_sent = 0
            self.huge_done.clear()

    # -- called by the handler threads --
    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)
            self._hits[request.path] += 1


def closed_port() -> tuple[socket.socket, int]:
    """A bound but not listening socket: connecting to its port is refused while it stays open."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock, sock.getsockname()[1]


@pytest.fixture(scope="module")
def link_server() -> Iterator[LinkTestServer]:
    """One server per test module; counters are reset before each test that uses `server`."""
    with LinkTestServer() as server:
        yield server


@pytest.fixture
def server(link_server: LinkTestServer) -> LinkTestServer:
    link_server.reset()
    return link_server
