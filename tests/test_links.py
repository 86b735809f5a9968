"""LinkChecker against a real HTTP server on 127.0.0.1 (tests/http_server.py)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from reader import __version__
from reader.links import LinkChecker, is_checkable_url, parse_retry_after
from reader.model import LinkKind, LinkResult, LinkStatus
from tests.http_server import LinkTestServer, closed_port, link_server, server

__all__ = ["link_server", "server"]  # fixtures


async def check(url: str, **options: float) -> LinkResult:
    async with LinkChecker(**options) as checker:  # type: ignore[arg-type]
        return await checker.check(url)


async def test_ok_is_alive_with_head(server: LinkTestServer) -> None:
    result = await check(server.url("/ok"))
    assert result.status is LinkStatus.ALIVE
    assert result.code == 200
    assert result.method == "HEAD"
    assert result.redirects == 0
    assert result.final_url == server.url("/ok")
    assert result.error is None
    assert result.kind is LinkKind.WEB
    assert result.checked_at.tzinfo is UTC
    assert server.methods("/ok") == ["HEAD"]


async def test_redirect_chain_is_followed(server: LinkTestServer) -> None:
    result = await check(server.url("/redirect/3"))
    assert result.status is LinkStatus.ALIVE
    assert result.code == 200
    assert result.redirects == 3
    assert result.final_url == server.url("/redirect/0")
    assert [server.hits(f"/redirect/{n}") for n in (3, 2, 1, 0)] == [1, 1, 1, 1]
    assert result.redirect_code == 302


async def test_first_redirect_code_is_kept(server: LinkTestServer) -> None:
    result = await check(server.url("/moved/2"))  # 301, then 302, then 200
    assert (result.status, result.redirects) == (LinkStatus.ALIVE, 2)
    assert (result.redirect_code, result.code) == (301, 200)
    assert result.to_json()["redirect_code"] == 301
    assert LinkResult.from_json(result.to_json()).to_json() == result.to_json()
    plain = await check(server.url("/ok"))
    assert plain.redirect_code is None


async def test_redirect_loop_is_broken(server: LinkTestServer) -> None:
    result = await check(server.url("/loop/a"))
    assert result.status is LinkStatus.BROKEN
    assert result.code == 302
    assert "loop" in (result.error or "")
    assert server.hits("/loop/a") == 1
    assert server.hits("/loop/b") == 1


async def test_self_redirect_is_a_loop(server: LinkTestServer) -> None:
    result = await check(server.url("/self?x=1"))
    assert result.status is LinkStatus.BROKEN
    assert "loop" in (result.error or "")


async def test_cookies_live_along_one_redirect_chain_only(server: LinkTestServer) -> None:
    async with LinkChecker() as checker:
        first = await checker.check(server.url("/cookie-gate?a"))
        second = await checker.check(server.url("/cookie-gate?b"))
    assert first.status is LinkStatus.ALIVE and first.redirects == 1
    assert second.status is LinkStatus.ALIVE and second.redirects == 1
    cookies = [r.headers.get("cookie") for r in server.requests]
    assert cookies == [None, "gate=open", None, "gate=open"]


async def test_too_many_redirects_is_broken(server: LinkTestServer) -> None:
    result = await check(server.url("/redirect/4"), max_redirects=3)
    assert result.status is LinkStatus.BROKEN
    assert "too many redirects" in (result.error or "")
    assert result.redirects == 3
    assert server.hits("/redirect/0") == 0  # the fourth hop is never requested
    # ... while exactly max_redirects hops is fine.
    assert (await check(server.url("/redirect/3"), max_redirects=3)).status is LinkStatus.ALIVE


@pytest.mark.parametrize(
    "target", ["ftp://files.example.com/a.txt", "javascript:alert(1)", "file:///etc/passwd"]
)
async def test_redirect_to_non_http_is_not_followed(server: LinkTestServer, target: str) -> None:
    path = f"/location?to={target}"
    result = await check(server.url(path))
    assert result.status is LinkStatus.BROKEN
    assert result.code == 302
    assert result.final_url == target
    assert "not followed" in (result.error or "")
    assert [r.path for r in server.requests] == [path]


@pytest.mark.parametrize("code", [404, 410, 500])
async def test_error_codes_are_broken_and_confirmed_with_get(
    server: LinkTestServer, code: int
) -> None:
    result = await check(server.url(f"/status/{code}"))
    assert result.status is LinkStatus.BROKEN
    assert result.code == code
    assert result.method == "GET"
    assert result.error  # the reason phrase, e.g. "Not Found"
    assert server.methods(f"/status/{code}") == ["HEAD", "GET"]


@pytest.mark.parametrize("code", [405, 501, 403, 404, 400])
async def test_head_refused_then_get_ok_is_alive(server: LinkTestServer, code: int) -> None:
    result = await check(server.url(f"/no-head/{code}"))
    assert result.status is LinkStatus.ALIVE
    assert result.code == 200
    assert result.method == "GET"
    assert server.methods(f"/no-head/{code}") == ["HEAD", "GET"]


async def test_head_dropped_connection_falls_back_to_get(server: LinkTestServer) -> None:
    result = await check(server.url("/drop-head"))
    assert result.status is LinkStatus.ALIVE
    assert result.method == "GET"


async def test_429_with_retry_after_is_waited_out(server: LinkTestServer) -> None:
    started = time.monotonic()
    result = await check(server.url("/throttle/429/1/1?t=a"))
    assert result.status is LinkStatus.ALIVE
    assert result.code == 200
    assert time.monotonic() - started >= 0.95
    assert server.hits("/throttle/429/1/1?t=a") == 2


async def test_503_with_retry_after_beyond_cap_is_broken_without_waiting(
    server: LinkTestServer,
) -> None:
    started = time.monotonic()
    result = await check(server.url("/throttle/503/120/9"), retry_after_cap=30.0)
    assert result.status is LinkStatus.BROKEN
    assert result.code == 503
    assert "Retry-After" in (result.error or "")
    assert time.monotonic() - started < 2
    assert server.hits("/throttle/503/120/9") == 1


async def test_429_retried_at_most_twice(server: LinkTestServer) -> None:
    result = await check(server.url("/throttle/429/0/5"))
    assert result.status is LinkStatus.BROKEN
    assert result.code == 429
    assert server.hits("/throttle/429/0/5") == 3  # first try + two retries, no GET after a 429


async def test_slow_beyond_timeout_is_timeout(server: LinkTestServer) -> None:
    started = time.monotonic()
    result = await check(server.url("/slow/3"), timeout=0.5)
    elapsed = time.monotonic() - started
    assert result.status is LinkStatus.TIMEOUT
    assert result.code is None
    assert "0.5" in (result.error or "")
    assert elapsed < 1.5  # no GET after a HEAD timeout
    assert 400 <= result.elapsed_ms < 1500


async def test_huge_body_is_not_downloaded(server: LinkTestServer) -> None:
    started = time.monotonic()
    result = await check(server.url("/huge"))
    assert result.status is LinkStatus.ALIVE
    assert result.method == "GET"
    assert time.monotonic() - started < 2
    assert server.huge_done.wait(5), "the server kept sending: the client still reads the body"
    # Socket buffers can hold a few MB; reading the body would mean all 100 MB.
    assert server.huge_sent < 32 * 1024 * 1024


async def test_closed_port_is_unreachable_after_one_retry() -> None:
    sock, port = closed_port()
    try:
        result = await check(f"http://127.0.0.1:{port}/x")
    finally:
        sock.close()
    assert result.status is LinkStatus.UNREACHABLE
    assert result.code is None
    assert result.error
    assert result.elapsed_ms >= 250  # waited for the retry


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "ftp://127.0.0.1/x",
        "mailto:someone@example.com",
        "http://[::1",
        "https://exa mple.com/",
        "http://",
        "http:///nohost",
        "http://127.0.0.1:99999/",
        "not a url",
        "",
    ],
)
async def test_invalid_urls_are_never_requested(server: LinkTestServer, url: str) -> None:
    result = await check(url)
    assert result.status is LinkStatus.INVALID
    assert result.method is None and result.code is None
    assert result.error
    assert server.requests == []


def test_is_checkable_url() -> None:
    assert is_checkable_url("https://example.com")
    assert is_checkable_url("HTTP://Example.COM:8080/a?b=c#d")
    assert is_checkable_url("https://[::1]:8080/")
    assert is_checkable_url("https://例え.jp/パス")
    for bad in ("javascript:void(0)", "file:///x", "ftp://a/b", "mailto:a@b", "http://[::1"):
        assert not is_checkable_url(bad)
    assert not is_checkable_url("https://exa mple.com")
    assert not is_checkable_url("https://example.com/a b")
    assert not is_checkable_url("https://exa%20mple.com/")
    assert not is_checkable_url("//example.com/x")


def test_parse_retry_after() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("1") == 1.0
    assert parse_retry_after(" 120 ") == 120.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=5), usegmt=True), now=now) == 5
    assert parse_retry_after(format_datetime(now - timedelta(seconds=5), usegmt=True), now=now) == 0
    for bad in (None, "", "soon", "-1", "1.5e3"):
        assert parse_retry_after(bad) is None


async def test_same_url_is_requested_once(server: LinkTestServer) -> None:
    url = server.url("/ok?once")
    seen: list[LinkResult] = []
    async with LinkChecker() as checker:
        results = await checker.check_many(
            [
                (url, LinkKind.ORIGINAL),
                (url, LinkKind.AMP),
                (server.url("/status/404"), LinkKind.WEB),
            ],
            on_result=seen.append,
        )
        again = await checker.check(url, LinkKind.WEBSITE)
    assert server.hits("/ok?once") == 1
    assert [r.kind for r in results] == [LinkKind.ORIGINAL, LinkKind.AMP, LinkKind.WEB]
    assert [r.status for r in results] == [LinkStatus.ALIVE, LinkStatus.ALIVE, LinkStatus.BROKEN]
    assert sorted(r.kind for r in seen) == sorted(r.kind for r in results)
    assert again.kind is LinkKind.WEBSITE and again.status is LinkStatus.ALIVE


async def test_forget_makes_the_next_check_ask_again(server: LinkTestServer) -> None:
    url = server.url("/ok?forget")
    async with LinkChecker() as checker:
        await checker.check(url)
        checker.forget([url])
        await checker.check(url)
    assert server.hits("/ok?forget") == 2


async def test_results_come_in_input_order_as_they_finish(server: LinkTestServer) -> None:
    urls = [server.url("/slow/0.4?a"), server.url("/ok?b"), server.url("/slow/0.2?c")]
    finished: list[str] = []
    async with LinkChecker() as checker:
        results = await checker.check_many(
            [(u, LinkKind.WEB) for u in urls], on_result=lambda r: finished.append(r.url)
        )
    assert [r.url for r in results] == urls
    assert finished == [urls[1], urls[2], urls[0]]


async def test_per_host_concurrency_is_respected(server: LinkTestServer) -> None:
    # Held long enough that two requests overlap even on a loaded machine (at 0.15 s a slow
    # client sometimes finished one before it started the next: max_active was 1).
    urls = [(server.url(f"/hold/0.4?i={i}"), LinkKind.WEB) for i in range(6)]
    async with LinkChecker(per_host=2, concurrency=32) as checker:
        results = await checker.check_many(urls)
    assert all(r.status is LinkStatus.ALIVE for r in results)
    assert server.max_active == 2


async def test_global_concurrency_is_respected(server: LinkTestServer) -> None:
    urls = [(server.url(f"/hold/0.4?g={i}"), LinkKind.WEB) for i in range(9)]
    async with LinkChecker(per_host=100, concurrency=3) as checker:
        await checker.check_many(urls)
    assert server.max_active == 3


async def test_user_agent_names_reader_and_version(server: LinkTestServer) -> None:
    await check(server.url("/ok?ua"))
    (request,) = server.requests
    assert request.headers["user-agent"] == f"reader/{__version__} (+terminal news reader)"
    async with LinkChecker(user_agent="custom/1") as checker:
        await checker.check(server.url("/ok?ua2"))
    assert server.requests[-1].headers["user-agent"] == "custom/1"


async def test_cancelling_the_only_caller_cancels_the_request(server: LinkTestServer) -> None:
    url = server.url("/slow/0.5?cancel")
    async with LinkChecker() as checker:
        task = asyncio.create_task(checker.check(url))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(0)
        assert url not in checker.cached
        # The next check asks again (nothing half-finished was cached).
        result = await checker.check(url)
    assert result.status is LinkStatus.ALIVE


async def test_closed_checker_refuses_work() -> None:
    checker = LinkChecker()
    await checker.aclose()
    with pytest.raises(RuntimeError):
        await checker.check("http://127.0.0.1:9/")
