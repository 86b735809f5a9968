"""Reading mode's core (reader.reading) against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import threading
import time
from datetime import UTC, datetime
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
from tests.reading_server import ReadingServer, article_html, server

__all__ = ["server"]  # fixtures

BENCH = Path(__file__).resolve().parents[2] / "shared" / "extraction-bench"


def make(article_id: str = "a1", **urls: str) -> Article:
    return Article(id=article_id, path=f"{article_id}.md", title="Feed title", urls=Urls(**urls))


def dead(url: str) -> LinkResult:
    return LinkResult(url, LinkKind.ORIGINAL, LinkStatus.BROKEN, 404, url, 0, "GET", 1, "Not Found",
                      datetime.now(UTC))  # fmt: skip


async def read_one(article: Article, tmp_path: Path, **kw: object) -> ReadResult:
    cache = ReadingCache(tmp_path / "reading")
    [result] = await read_articles([article], cache=cache, **kw)  # type: ignore[arg-type]
    return result


async def test_live_original(server: ReadingServer, tmp_path: Path) -> None:
    result = await read_one(make(original=server.url("/article/Park")), tmp_path)
    assert result.error is None
    assert result.kind is LinkKind.ORIGINAL
    assert result.url == server.url("/article/Park")
    assert result.title == "Park"
    assert "river park by twelve hectares" in result.text
    assert "Copyright 2023" not in result.text
    assert result.words == len(result.text.split()) > 50
    assert "- First point" in result.markdown or "* First point" in result.markdown


async def test_dead_original_falls_through_to_amp(server: ReadingServer, tmp_path: Path) -> None:
    article = make(original=server.url("/status/404"), amp=server.url("/article/Amp"))
    result = await read_one(article, tmp_path)
    assert result.error is None
    assert result.kind is LinkKind.AMP
    assert result.url == server.url("/article/Amp")
    assert server.hits == ["/status/404", "/article/Amp"]


@pytest.mark.parametrize("path", ["/status/500", "/status/304", "/status/204"])
async def test_non_2xx_answers_fall_through(server: ReadingServer, path: str) -> None:
    article = make(original=server.url(path), cdn_amp=server.url("/article/Cdn"))
    page = await fetch_page(article, timeout=5)
    assert page.kind is LinkKind.CDN_AMP


async def test_all_dead_gives_one_line_error(server: ReadingServer, tmp_path: Path) -> None:
    article = make(original=server.url("/status/404"), amp=server.url("/pdf"))
    result = await read_one(article, tmp_path)
    assert result.error is not None and "\n" not in result.error
    assert "404" in result.error and "application/pdf" in result.error
    assert result.url is None and result.kind is None


async def test_known_dead_link_is_not_requested(server: ReadingServer) -> None:
    article = make(original=server.url("/article/Dead"), web=server.url("/article/Web"))
    page = await fetch_page(article, results={article.urls.original: dead(article.urls.original)})
    assert page.kind is LinkKind.WEB
    assert server.hits == ["/article/Web"]


async def test_redirect_followed(server: ReadingServer, tmp_path: Path) -> None:
    result = await read_one(make(original=server.url("/redirect")), tmp_path)
    assert result.error is None
    assert result.url == server.url("/article/Redirected")
    assert result.kind is LinkKind.ORIGINAL


async def test_redirect_to_javascript_refused(server: ReadingServer, tmp_path: Path) -> None:
    result = await read_one(make(original=server.url("/js-redirect")), tmp_path)
    assert result.error is not None and "non-http(s)" in result.error
    assert result.url is None


async def test_huge_page_is_capped(server: ReadingServer, tmp_path: Path) -> None:
    started = time.monotonic()
    result = await read_one(make(original=server.url("/huge")), tmp_path, timeout=20)
    assert time.monotonic() - started < 15
    assert result.error is not None and "MB" in result.error
    await asyncio.sleep(0.2)
    assert MAX_BYTES <= server.huge_sent < 25 * 1024 * 1024


async def test_pdf_refused(server: ReadingServer, tmp_path: Path) -> None:
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


async def test_textless_page_falls_through(server: ReadingServer, tmp_path: Path) -> None:
    article = make(original=server.url("/empty"), amp=server.url("/article/Amp"))
    result = await read_one(article, tmp_path)
    assert result.error is None and result.kind is LinkKind.AMP


async def test_page_without_text(server: ReadingServer, tmp_path: Path) -> None:
    result = await read_one(make(original=server.url("/empty")), tmp_path)
    assert result.text == "" and result.words == 0
    assert result.error is not None and "\n" not in result.error


async def test_hostile_page_is_sanitized(server: ReadingServer, tmp_path: Path) -> None:
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
    srv = ReadingServer()
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


async def test_per_host_limit(server: ReadingServer, tmp_path: Path) -> None:
    articles = [make(f"a{i}", original=server.url(f"/article/P{i}")) for i in range(6)]
    results = await read_articles(articles, cache=ReadingCache(tmp_path), concurrency=4, per_host=1)
    assert [r.id for r in results] == [a.id for a in articles]
    assert all(r.error is None for r in results)


async def test_charset_from_meta(server: ReadingServer, tmp_path: Path) -> None:
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
