"""Reading mode's core (reader.reading) against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from reader.model import Article, LinkKind, LinkResult, LinkStatus, Urls
from reader.reading import (
    MAX_BYTES,
    ReadingCache,
    ReadResult,
    decode_html,
    extract,
    fetch_page,
    read_articles,
)

HUGE = 60 * 1024 * 1024
BENCH = Path(__file__).resolve().parents[2] / "shared" / "extraction-bench"

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
    server: _Server

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
        if path.startswith("/article/"):
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


class _Server(ThreadingHTTPServer):
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
def server() -> Iterator[_Server]:
    srv = _Server()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def make(article_id: str = "a1", **urls: str) -> Article:
    return Article(id=article_id, path=f"{article_id}.md", title="Feed title", urls=Urls(**urls))


def dead(url: str) -> LinkResult:
    return LinkResult(url, LinkKind.ORIGINAL, LinkStatus.BROKEN, 404, url, 0, "GET", 1, "Not Found",
                      datetime.now(UTC))  # fmt: skip


async def read_one(article: Article, tmp_path: Path, **kw: object) -> ReadResult:
    cache = ReadingCache(tmp_path / "reading")
    [result] = await read_articles([article], cache=cache, **kw)  # type: ignore[arg-type]
    return result


async def test_live_original(server: _Server, tmp_path: Path) -> None:
    result = await read_one(make(original=server.url("/article/Park")), tmp_path)
    assert result.error is None
    assert result.kind is LinkKind.ORIGINAL
    assert result.url == server.url("/article/Park")
    assert result.title == "Park"
    assert "river park by twelve hectares" in result.text
    assert "Copyright 2023" not in result.text
    assert result.words == len(result.text.split()) > 50
    assert "- First point" in result.markdown or "* First point" in result.markdown


async def test_dead_original_falls_through_to_amp(server: _Server, tmp_path: Path) -> None:
    article = make(original=server.url("/status/404"), amp=server.url("/article/Amp"))
    result = await read_one(article, tmp_path)
    assert result.error is None
    assert result.kind is LinkKind.AMP
    assert result.url == server.url("/article/Amp")
    assert server.hits == ["/status/404", "/article/Amp"]


@pytest.mark.parametrize("path", ["/status/500", "/status/304", "/status/204"])
async def test_non_2xx_answers_fall_through(server: _Server, path: str) -> None:
    article = make(original=server.url(path), cdn_amp=server.url("/article/Cdn"))
    page = await fetch_page(article, timeout=5)
    assert page.kind is LinkKind.CDN_AMP


async def test_all_dead_gives_one_line_error(server: _Server, tmp_path: Path) -> None:
    article = make(original=server.url("/status/404"), amp=server.url("/pdf"))
    result = await read_one(article, tmp_path)
    assert result.error is not None and "\n" not in result.error
    assert "404" in result.error and "application/pdf" in result.error
    assert result.url is None and result.kind is None


async def test_known_dead_link_is_not_requested(server: _Server) -> None:
    article = make(original=server.url("/article/Dead"), web=server.url("/article/Web"))
    page = await fetch_page(article, results={article.urls.original: dead(article.urls.original)})
    assert page.kind is LinkKind.WEB
    assert server.hits == ["/article/Web"]


async def test_redirect_followed(server: _Server, tmp_path: Path) -> None:
    result = await read_one(make(original=server.url("/redirect")), tmp_path)
    assert result.error is None
    assert result.url == server.url("/article/Redirected")
    assert result.kind is LinkKind.ORIGINAL


async def test_redirect_to_javascript_refused(server: _Server, tmp_path: Path) -> None:
    result = await read_one(make(original=server.url("/js-redirect")), tmp_path)
    assert result.error is not None and "non-http(s)" in result.error
    assert result.url is None


async def test_huge_page_is_capped(server: _Server, tmp_path: Path) -> None:
    started = time.monotonic()
    result = await read_one(make(original=server.url("/huge")), tmp_path, timeout=20)
    assert time.monotonic() - started < 15
    assert result.error is not None and "MB" in result.error
    await asyncio.sleep(0.2)
    assert MAX_BYTES <= server.huge_sent < 25 * 1024 * 1024


async def test_pdf_refused(server: _Server, tmp_path: Path) -> None:
    result = await read_one(make(original=server.url("/pdf")), tmp_path)
    assert result.error is not None and "application/pdf" in result.error
    assert "\n" not in result.error


async def test_silent_server_times_out(tmp_path: Path) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)  # never accepted, never answered
    try:
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/article"
        started = time.monotonic()
        result = await read_one(make(original=url), tmp_path, timeout=1)
        assert time.monotonic() - started < 4
        assert result.error is not None and "1 s" in result.error
    finally:
        sock.close()


async def test_textless_page_falls_through(server: _Server, tmp_path: Path) -> None:
    article = make(original=server.url("/empty"), amp=server.url("/article/Amp"))
    result = await read_one(article, tmp_path)
    assert result.error is None and result.kind is LinkKind.AMP


async def test_page_without_text(server: _Server, tmp_path: Path) -> None:
    result = await read_one(make(original=server.url("/empty")), tmp_path)
    assert result.text == "" and result.words == 0
    assert result.error is not None and "\n" not in result.error


async def test_hostile_page_is_sanitized(server: _Server, tmp_path: Path) -> None:
    result = await read_one(make(original=server.url("/hostile")), tmp_path)
    assert result.error is None
    for text in (result.text, result.markdown, result.title):
        assert "\x1b" not in text and "[2J" not in text
        assert "EVIL_SCRIPT_TEXT" not in text
        assert all(ch.isprintable() or ch in "\n\t" for ch in text)
    assert "[bold]stays[/bold]" in result.text
    assert "Clear the screen  now" in result.text or "Clear the screen now" in result.text
    assert "the <script> tag as words" in result.text  # page text, shown as text


async def test_second_read_comes_from_cache(tmp_path: Path) -> None:
    srv = _Server()
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    article = make(original=srv.url("/article/Cached"))
    cache = ReadingCache(tmp_path / "reading")
    try:
        [first] = await read_articles([article], cache=cache)
    finally:
        srv.shutdown()
        srv.server_close()
    assert first.error is None
    seen: list[ReadResult] = []
    [again] = await read_articles([article], cache=cache, timeout=1, on_result=seen.append)
    assert again == first and seen == [first]
    [refreshed] = await read_articles([article], cache=cache, timeout=1, refresh=True)
    assert refreshed.error is not None  # the server is gone: refresh really asked it
    assert cache.get(article.id) == first  # and a failure does not replace a good entry


def test_corrupt_cache_reads_as_missing(tmp_path: Path) -> None:
    cache = ReadingCache(tmp_path)
    result = ReadResult("x/../y", "http://e.test/a", LinkKind.WEB, "T", "t", "t", 1,
                        datetime(2023, 8, 30, 20, 54, tzinfo=UTC))  # fmt: skip
    cache.put(result)
    assert cache.get("x/../y") == result
    [path] = [p for p in tmp_path.iterdir() if p.suffix == ".json"]
    assert json.loads(path.read_text())["url"] == "http://e.test/a"
    path.write_text("{not json")
    assert cache.get("x/../y") is None
    path.write_text('{"id": "x/../y"}')
    assert cache.get("x/../y") is None
    assert cache.get("never") is None


def test_to_json_shape() -> None:
    result = ReadResult("id1", None, None, "", "", "", 0,
                        datetime(2023, 8, 30, 20, 54, tzinfo=UTC), "boom")  # fmt: skip
    data = result.to_json()
    assert list(data) == [
        "id", "url", "kind", "title", "text", "markdown", "words", "fetched_at", "error",
    ]  # fmt: skip
    assert data["fetched_at"] == "2023-08-30T20:54:00Z"
    assert ReadResult.from_json(data) == result


async def test_per_host_limit(server: _Server, tmp_path: Path) -> None:
    articles = [make(f"a{i}", original=server.url(f"/article/P{i}")) for i in range(6)]
    results = await read_articles(articles, cache=ReadingCache(tmp_path), concurrency=4, per_host=1)
    assert [r.id for r in results] == [a.id for a in articles]
    assert all(r.error is None for r in results)


async def test_charset_from_meta(server: _Server, tmp_path: Path) -> None:
    result = await read_one(make(original=server.url("/latin1")), tmp_path)
    assert result.title == "Café crème"


def test_decode_html_fallbacks() -> None:
    assert decode_html(b"<meta charset=bogus>caf\xc3\xa9") == "<meta charset=bogus>café"
    assert decode_html(b"caf\xff", "text/html") == "caf\ufffd"
    assert decode_html("café".encode("cp1252"), "text/html; charset=windows-1252") == "café"


@pytest.mark.parametrize(
    "html", ["", "   ", "<<<>>>", "\x00\x01<html", "<html><body></body></html>", "<p>" * 5000]
)
def test_extract_bad_html_never_raises(html: str) -> None:
    got = extract(html, None)
    assert isinstance(got.text, str) and isinstance(got.markdown, str)


def test_extract_markdown_structure() -> None:
    html = article_html(
        "Structure",
        extra=(
            "<h2>A subheading for the section</h2>"
            "<blockquote><p>A quoted remark from the mayor about the park.</p></blockquote>"
            "<p>Read <a href='https://example.org/report'>the full report</a> online today.</p>"
        ),
    )
    got = extract(html, "https://news.example/story")
    assert "## A subheading" in got.markdown or "# A subheading" in got.markdown
    assert "> A quoted remark" in got.markdown
    assert "[the full report](https://example.org/report)" in got.markdown
    assert "[the full report]" not in got.text


@pytest.mark.skipif(not (BENCH / "ground-truth.json").exists(), reason="no extraction bench")
def test_extract_bench_pages() -> None:
    truth = json.loads((BENCH / "ground-truth.json").read_text(encoding="utf-8"))
    for key in sorted(truth)[:3]:
        html = gzip.decompress((BENCH / "html" / f"{key}.html.gz").read_bytes()).decode()
        got = extract(html, truth[key]["url"])
        expected = truth[key]["articleBody"].split()
        assert got.words > 0.5 * len(expected)
        # The first few words of the article are in the text.
        assert " ".join(expected[:5]) in " ".join(got.text.split())
