"""fetch_feeds against a real HTTP server on 127.0.0.1 (tests/feed_server.py)."""

from __future__ import annotations

import asyncio
import threading
import time
import tracemalloc

import httpx
import pytest

from reader.feeds.fetch import ACCEPT, fetch_feeds, fetch_feeds_sync
from reader.feeds.model import FetchRequest, FetchResult
from tests.feed_server import FeedServer, closed_port, feed_server

__all__ = ["feed_server"]  # fixtures

RSS = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>T</title><link>http://127.0.0.1/</link>
<item><title>One</title><link>http://127.0.0.1/1</link></item></channel></rss>
"""
DATE = "Mon, 30 Nov 2026 10:00:00 GMT"
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx honours proxy variables: keep every request on the loopback."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("all_proxy", raising=False)


def test_ok_keeps_body_type_and_validators(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed.xml", RSS, etag='"v1"', last_modified=DATE)
    [result] = fetch_feeds_sync([FetchRequest(url)])
    assert result.status == "ok"
    assert result.body == RSS
    assert result.content_type == "application/rss+xml; charset=utf-8"
    assert (result.http_status, result.final_url, result.url) == (200, url, url)
    assert (result.etag, result.last_modified, result.error) == ('"v1"', DATE, None)
    [sent] = feed_server.requests("/feed.xml")
    assert sent.method == "GET"
    assert sent.headers["accept"] == ACCEPT
    assert sent.headers["user-agent"].startswith("reader/")
    assert "if-none-match" not in sent.headers and "if-modified-since" not in sent.headers
    assert "cookie" not in sent.headers


def test_second_fetch_with_validators_is_not_modified(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed.xml", RSS, etag='"v1"', last_modified=DATE)
    [first] = fetch_feeds_sync([FetchRequest(url)])
    [second] = fetch_feeds_sync([FetchRequest(url, first.etag, first.last_modified)])
    assert second.status == "not_modified"
    assert (second.http_status, second.body, second.error) == (304, b"", None)
    assert (second.etag, second.last_modified) == ('"v1"', DATE)
    again = feed_server.requests("/feed.xml")[1].headers
    assert again["if-none-match"] == '"v1"'
    assert again["if-modified-since"] == DATE


def test_last_modified_alone_gives_304_and_old_validators_are_kept(
    feed_server: FeedServer,
) -> None:
    # The 304 carries Last-Modified but no ETag: the ETag asked with is kept.
    url = feed_server.route("/feed.xml", RSS, last_modified=DATE)
    [result] = fetch_feeds_sync([FetchRequest(url, etag='"old"', last_modified=DATE)])
    assert result.status == "ok"  # If-None-Match wins and does not match: a full answer
    [result] = fetch_feeds_sync([FetchRequest(url, last_modified=DATE)])
    assert (result.status, result.etag, result.last_modified) == ("not_modified", None, DATE)
    # The 304 carries an ETag but no Last-Modified: the Last-Modified asked with is kept.
    feed_server.route("/bare", RSS, etag='"e"')
    [result] = fetch_feeds_sync([FetchRequest(feed_server.url("/bare"), '"e"', DATE)])
    assert (result.status, result.etag, result.last_modified) == ("not_modified", '"e"', DATE)


def test_a_changed_feed_is_fetched_again(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed.xml", RSS, etag='"v2"')
    [result] = fetch_feeds_sync([FetchRequest(url, etag='"v1"')])
    assert (result.status, result.etag, result.body) == ("ok", '"v2"', RSS)


@pytest.mark.parametrize(("code", "reason"), [(404, "HTTP 404 Not Found"), (500, "HTTP 500")])
def test_http_errors_have_a_reason(feed_server: FeedServer, code: int, reason: str) -> None:
    url = feed_server.route("/broken", b"oops", status=code, content_type="text/plain")
    [result] = fetch_feeds_sync([FetchRequest(url)])
    assert result.status == "error"
    assert result.error is not None and result.error.startswith(reason)
    assert (result.http_status, result.body) == (code, b"")


def test_unknown_path_is_404(feed_server: FeedServer) -> None:
    [result] = fetch_feeds_sync([FetchRequest(feed_server.url("/nothing"))])
    assert (result.status, result.error) == ("error", "HTTP 404 Not Found")


def test_redirects_are_followed_to_the_final_url(feed_server: FeedServer) -> None:
    final = feed_server.route("/new/feed.xml", RSS, etag='"r"')
    first = feed_server.redirect_chain("/old", 3, "/new/feed.xml", status=301)
    [result] = fetch_feeds_sync([FetchRequest(first)])
    assert (result.status, result.url, result.final_url) == ("ok", first, final)
    assert (result.body, result.etag) == (RSS, '"r"')
    assert feed_server.hits("/old") == 1 and feed_server.hits("/new/feed.xml") == 1


def test_a_redirect_loop_or_too_long_a_chain_is_an_error(feed_server: FeedServer) -> None:
    feed_server.route("/feed.xml", RSS)
    long_chain = feed_server.redirect_chain("/long", 11, "/feed.xml")
    ten = feed_server.redirect_chain("/ten", 10, "/feed.xml")
    feed_server.route("/loop/a", redirect_to="/loop/b")
    feed_server.route("/loop/b", redirect_to="/loop/a")
    results = fetch_feeds_sync(
        [FetchRequest(long_chain), FetchRequest(ten), FetchRequest(feed_server.url("/loop/a"))]
    )
    assert [r.status for r in results] == ["error", "ok", "error"]
    assert results[0].error == "too many redirects (more than 10)"
    assert results[2].error == "too many redirects (more than 10)"


def test_a_redirect_to_a_non_http_url_is_not_followed(feed_server: FeedServer) -> None:
    url = feed_server.route("/to-file", redirect_to="file:///etc/passwd")
    [result] = fetch_feeds_sync([FetchRequest(url)])
    assert result.status == "error"
    assert result.error == "redirected to a URL that is not http(s)"


def test_slow_answer_times_out(feed_server: FeedServer) -> None:
    url = feed_server.route("/slow", RSS, delay=3.0)
    started = time.monotonic()
    [result] = fetch_feeds_sync([FetchRequest(url)], timeout=0.5)
    assert time.monotonic() - started < 2.5
    assert (result.status, result.error) == ("error", "timed out after 0.5 s")


def test_the_timeout_covers_the_whole_body(feed_server: FeedServer) -> None:
    # Each piece comes well within the timeout; the whole body does not.
    url = feed_server.route("/trickle", RSS * 20, chunk_size=64, chunk_delay=0.1)
    started = time.monotonic()
    [result] = fetch_feeds_sync([FetchRequest(url)], timeout=0.5)
    assert time.monotonic() - started < 2.0
    assert (result.status, result.error, result.body) == ("error", "timed out after 0.5 s", b"")


@pytest.mark.parametrize("content_length", [True, False], ids=["length", "chunked"])
def test_huge_body_is_refused_without_being_kept(
    feed_server: FeedServer, content_length: bool
) -> None:
    url = feed_server.route(
        "/huge", size=50 * MB, content_type="application/xml", content_length=content_length
    )
    tracemalloc.start()
    try:
        [result] = fetch_feeds_sync([FetchRequest(url)], max_bytes=1 * MB, timeout=10)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (result.status, result.error, result.body) == ("error", "larger than 1 MB", b"")
    assert peak < 8 * MB  # at most the cap and a piece, never the 50 MB
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and feed_server.sent("/huge") == 0 and content_length:
        time.sleep(0.05)
    assert feed_server.sent("/huge") < 50 * MB  # the client hung up early


def test_default_cap_message(feed_server: FeedServer) -> None:
    url = feed_server.route("/big", size=6 * MB)
    [result] = fetch_feeds_sync([FetchRequest(url)])
    assert (result.status, result.error) == ("error", "larger than 5 MB")
    url = feed_server.route("/exact", size=1000)
    [result] = fetch_feeds_sync([FetchRequest(url)], max_bytes=1000)
    assert (result.status, len(result.body)) == ("ok", 1000)
    [result] = fetch_feeds_sync([FetchRequest(url)], max_bytes=999)
    assert (result.status, result.error) == ("error", "larger than 999 bytes")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://127.0.0.1/feed",
        "javascript:alert(1)",
        "http://",
        "not a url",
        "",
        "http://127.0.0.1/\x1b[31m",
    ],
)
def test_non_http_urls_are_refused_without_a_request(feed_server: FeedServer, url: str) -> None:
    [result] = fetch_feeds_sync([FetchRequest(url)])
    assert (result.status, result.error, result.url) == ("error", "not an http(s) URL", url)
    assert feed_server.requests() == []


def test_connection_refused_is_an_error() -> None:
    sock, port = closed_port()
    try:
        [result] = fetch_feeds_sync([FetchRequest(f"http://127.0.0.1:{port}/feed.xml")])
    finally:
        sock.close()
    assert result.status == "error"
    assert result.error and "\n" not in result.error
    assert not result.error.startswith("[Errno")
    assert "refused" in result.error.lower() or "connect" in result.error.lower()


def test_per_host_limit_is_respected(feed_server: FeedServer) -> None:
    urls = [feed_server.route(f"/hold/{i}", RSS, delay=0.2) for i in range(4)]
    results = fetch_feeds_sync([FetchRequest(u) for u in urls], concurrency=8, per_host=1)
    assert [r.status for r in results] == ["ok"] * 4
    assert feed_server.max_active == 1
    feed_server.reset_counts()
    results = fetch_feeds_sync([FetchRequest(u) for u in urls], concurrency=8, per_host=4)
    assert feed_server.max_active > 1  # the count does see parallel requests


def test_concurrency_limit_is_respected(feed_server: FeedServer) -> None:
    urls = [feed_server.route(f"/hold/{i}", RSS, delay=0.2) for i in range(6)]
    fetch_feeds_sync([FetchRequest(u) for u in urls], concurrency=2, per_host=6)
    assert 1 <= feed_server.max_active <= 2


def test_results_in_request_order_and_progress_once_per_feed(feed_server: FeedServer) -> None:
    slow = feed_server.route("/slow", RSS, delay=0.4)
    fast = feed_server.route("/fast", RSS)
    missing = feed_server.url("/missing")
    requests = [
        FetchRequest(slow),
        FetchRequest("ftp://x.example/f"),
        FetchRequest(fast),
        FetchRequest(missing),
    ]
    heard: list[FetchResult] = []
    threads: set[int] = set()

    def progress(result: FetchResult) -> None:
        heard.append(result)
        threads.add(threading.get_ident())

    results = fetch_feeds_sync(requests, progress=progress)
    assert [r.url for r in results] == [r.url for r in requests]
    assert [r.status for r in results] == ["ok", "error", "ok", "error"]
    assert sorted(r.url for r in heard) == sorted(r.url for r in requests)
    assert heard[-1].url == slow  # called as each finished, the slow one last
    assert threads == {threading.get_ident()}


def test_the_async_api_and_no_requests() -> None:
    assert asyncio.run(fetch_feeds([])) == []
    assert fetch_feeds_sync([]) == []


async def test_fetch_feeds_inside_a_running_loop(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed.xml", RSS)
    results = await fetch_feeds([FetchRequest(url), FetchRequest(url)], user_agent="test/1")
    assert [r.status for r in results] == ["ok", "ok"]
    assert {r.headers["user-agent"] for r in feed_server.requests("/feed.xml")} == {"test/1"}


def test_hostile_reason_phrase_is_cleaned(feed_server: FeedServer) -> None:
    # Latin-1 on the wire: C1 CSI / OSC introducers, as a server that writes to terminals sends.
    url = feed_server.route("/hostile", status=404, reason="Gone \x9b2J\x9d0;pwned\x9c away")
    [result] = fetch_feeds_sync([FetchRequest(url)])
    assert result.error is not None and result.error.startswith("HTTP 404 Gone")
    assert not any(0x80 <= ord(c) < 0xA0 or c == "\x1b" for c in result.error)


def test_cookies_are_not_kept(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed.xml", RSS, headers={"Set-Cookie": "id=1; Path=/"})
    fetch_feeds_sync([FetchRequest(url), FetchRequest(url)], per_host=1, concurrency=1)
    assert [r.headers.get("cookie") for r in feed_server.requests("/feed.xml")] == [None, None]


def test_bad_arguments_raise() -> None:
    with pytest.raises(ValueError):
        fetch_feeds_sync([], concurrency=0)
    with pytest.raises(ValueError):
        fetch_feeds_sync([], timeout=0)


def test_connection_error_reasons_are_short() -> None:
    # A DNS failure cannot be provoked without a resolver; its httpx text is this.
    from reader.feeds.fetch import _reason

    error = httpx.ConnectError("[Errno -2] Name or service not known")
    assert _reason(error, "cannot connect") == "Name or service not known"
    assert _reason(httpx.ConnectError(""), "cannot connect") == "cannot connect"
    assert _reason(httpx.ConnectError("a\nb\x1b[31m"), "x") == "b"
