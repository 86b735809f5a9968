"""A loopback HTTP server of article pages for reading-mode tests (library, CLI and app).

Paths: `/article/<title>` an article page; `/slow/<seconds>/<title>` the same, late; `/latin1`
one in Latin-1 declared by `<meta>`; `/status/<code>`; `/redirect` (302 to an article);
`/js-redirect` (302 to `javascript:`); `/pdf`; `/empty` (a page without article text);
`/hostile` (escape sequences, markup, a script); `/huge` (60 MB streamed without a
Content-Length, `huge_sent` counts what went out). Every path is recorded in `hits`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

HUGE = 60 * 1024 * 1024

_SENTENCES = [
    "The city council voted on Tuesday to expand the river park by twelve hectares.",
    "Residents had campaigned for the change for more than a decade, citing flooding.",
    "Engineers say the new wetlands will absorb storm water that now floods the streets.",
    "The project is expected to cost about forty million euros over the next five years.",
    "Critics argue that the money would be better spent on housing and public transport.",
    "The mayor said construction would begin in the spring and finish before the election.",
]


def article_html(title: str, extra: str = "", paragraphs: int = 6) -> str:
    body = "\n".join(
        f"<p>{' '.join(_SENTENCES[(i + j) % len(_SENTENCES)] for j in range(3))}</p>"
        for i in range(paragraphs)
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article><h1>{title}</h1>{extra}{body}"
        "<ul><li>First point of the plan is a new bridge.</li>"
        "<li>Second point of the plan is more trees.</li></ul>"
        "</article><footer>Copyright 2023</footer></body></html>"
    )


HOSTILE = article_html(
    "Hostile",
    extra=(
        "<p>Clear the screen \x1b[2J now, and markup [bold]stays[/bold] literal in this page "
        "text, which also mentions the &lt;script&gt; tag as words.</p>"
        "<script>document.write('EVIL_SCRIPT_TEXT')</script>"
    ),
)
EMPTY = (
    "<html><head><title>Nothing</title></head><body><nav><a href='/'>Home</a></nav></body></html>"
)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ReadingServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, code: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8") -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        with self.server.lock:
            self.server.hits.append(path)
        if path.startswith("/slow/"):  # /slow/<seconds>/<title>: an article page, late
            _, _, seconds, title = path.split("/", 3)
            time.sleep(float(seconds))
            self._send(200, article_html(title).encode())
        elif path.startswith("/article/"):
            self._send(200, article_html(path.rsplit("/", 1)[1]).encode())
        elif path == "/latin1":
            html = article_html("Caf\xe9 cr\xe8me").replace("charset='utf-8'", "charset='latin-1'")
            self._send(200, html.encode("latin-1"), "text/html")
        elif path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1])
            self._send(code, b"" if code in (204, 304) else b"<html>gone</html>")
        elif path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/article/Redirected")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/js-redirect":
            self.send_response(302)
            self.send_header("Location", "javascript:alert(1)")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/pdf":
            self._send(200, b"%PDF-1.4 fake", "application/pdf")
        elif path == "/empty":
            self._send(200, EMPTY.encode())
        elif path == "/hostile":
            self._send(200, HOSTILE.encode())
        elif path == "/huge":
            self._stream_huge()
        else:
            self._send(404)

    def _stream_huge(self) -> None:
        # No Content-Length: the client can only stop by counting what it reads.
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Connection", "close")
        self.end_headers()
        chunk = b"<p>" + b"word " * 13106 + b"</p>"  # ~64 KB
        try:
            self.wfile.write(b"<html><body>")
            while self.server.huge_sent < HUGE:
                self.wfile.write(chunk)
                self.server.huge_sent += len(chunk)
        except OSError:
            pass
        self.close_connection = True


class ReadingServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.hits: list[str] = []
        self.huge_sent = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


@pytest.fixture
def server() -> Iterator[ReadingServer]:
    srv = ReadingServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
