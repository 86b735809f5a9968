"""Choosing the URL to open, opening it safely, status text."""

from __future__ import annotations

import stat
import sys
import webbrowser
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reader.browser import (
    LinkChoice,
    UnsafeURLError,
    choose_link,
    open_in_browser,
    ordered_links,
)
from reader.link_status import format_status
from reader.model import LinkKind, LinkResult, LinkStatus, Urls

ORIGINAL = "https://news.example/story"
WEB = "https://web.example/story"
AMP = "https://news.example/amp/story"
CDN = "https://news-example.cdn.ampproject.org/c/s/news.example/amp/story"
SITE = "https://news.example/"
URLS = Urls(original=ORIGINAL, web=WEB, amp=AMP, cdn_amp=CDN, website=SITE)
ALL = (ORIGINAL, WEB, AMP, CDN, SITE)


def result(url: str, status: LinkStatus, code: int | None = 200, **extra: object) -> LinkResult:
    base = LinkResult(
        url=url,
        kind=LinkKind.WEB,
        status=status,
        code=code,
        final_url=url,
        redirects=0,
        method="HEAD",
        elapsed_ms=12,
        error=None,
        checked_at=datetime(2025, 1, 1, tzinfo=UTC),
    )
    return replace(base, **extra)  # type: ignore[arg-type]


def statuses(**by_url: LinkStatus) -> dict[str, LinkResult]:
    names = {"original": ORIGINAL, "web": WEB, "amp": AMP, "cdn": CDN, "site": SITE}
    return {names[key]: result(names[key], status) for key, status in by_url.items()}


ALIVE, BROKEN, TIMEOUT = LinkStatus.ALIVE, LinkStatus.BROKEN, LinkStatus.TIMEOUT


def test_everything_alive_opens_the_original() -> None:
    results = {url: result(url, ALIVE) for url in ALL}
    assert choose_link(URLS, results) == LinkChoice(ORIGINAL, LinkKind.ORIGINAL, ALIVE)


def test_prefer_amp_opens_amp_then_cdn_amp_then_the_others() -> None:
    results = {url: result(url, ALIVE) for url in ALL}
    assert choose_link(URLS, results, prefer_amp=True) == LinkChoice(AMP, LinkKind.AMP, ALIVE)
    results[AMP] = result(AMP, BROKEN, 404)
    assert choose_link(URLS, results, prefer_amp=True) == LinkChoice(CDN, LinkKind.CDN_AMP, ALIVE)
    results[CDN] = result(CDN, TIMEOUT, None)
    choice = choose_link(URLS, results, prefer_amp=True)
    assert choice == LinkChoice(ORIGINAL, LinkKind.ORIGINAL, ALIVE)
    only_original = Urls(original=ORIGINAL)
    choice = choose_link(only_original, {}, prefer_amp=True)
    assert choice == LinkChoice(ORIGINAL, LinkKind.ORIGINAL, None)


def test_dead_original_opens_the_live_amp_copy() -> None:
    urls = Urls(original=ORIGINAL, amp=AMP)
    results = statuses(original=BROKEN, amp=ALIVE)
    assert choose_link(urls, results) == LinkChoice(AMP, LinkKind.AMP, ALIVE)


def test_order_is_original_web_amp_cdn_amp_website() -> None:
    results = statuses(original=BROKEN, web=BROKEN, amp=BROKEN, cdn=ALIVE, site=ALIVE)
    assert choose_link(URLS, results) == LinkChoice(CDN, LinkKind.CDN_AMP, ALIVE)
    results = statuses(original=BROKEN, web=ALIVE, amp=ALIVE, cdn=ALIVE, site=ALIVE)
    assert choose_link(URLS, results) == LinkChoice(WEB, LinkKind.WEB, ALIVE)
    results = statuses(original=BROKEN, web=TIMEOUT, amp=BROKEN, cdn=BROKEN, site=ALIVE)
    assert choose_link(URLS, results) == LinkChoice(SITE, LinkKind.WEBSITE, ALIVE)


def test_checked_alive_beats_unchecked_and_unchecked_beats_dead() -> None:
    # The original is not checked yet; the AMP copy is known alive: open the live one.
    assert choose_link(URLS, statuses(amp=ALIVE)) == LinkChoice(AMP, LinkKind.AMP, ALIVE)
    # Nothing alive yet: the first unchecked URL, skipping the dead original.
    choice = choose_link(URLS, statuses(original=BROKEN))
    assert choice == LinkChoice(WEB, LinkKind.WEB, None)
    # Nothing checked at all: the original, unverified.
    assert choose_link(URLS, {}) == LinkChoice(ORIGINAL, LinkKind.ORIGINAL, None)


def test_nothing_alive_is_none() -> None:
    dead = {
        ORIGINAL: result(ORIGINAL, BROKEN, 404),
        WEB: result(WEB, TIMEOUT, None),
        AMP: result(AMP, LinkStatus.UNREACHABLE, None),
        CDN: result(CDN, BROKEN, 500),
        SITE: result(SITE, LinkStatus.INVALID, None),
    }
    assert choose_link(URLS, dead) is None
    assert choose_link(URLS, dead, prefer_amp=True) is None
    assert choose_link(Urls(), {}) is None


def test_non_http_urls_are_never_chosen() -> None:
    urls = Urls(
        original="javascript:alert(1)", web="file:///etc/passwd", amp="ftp://x/y", cdn_amp=CDN
    )
    # Even a (bogus) "alive" result for a non-http URL does not make it openable.
    results = {"javascript:alert(1)": result("javascript:alert(1)", ALIVE)}
    assert choose_link(urls, results) == LinkChoice(CDN, LinkKind.CDN_AMP, None)
    assert ordered_links(urls) == [(LinkKind.CDN_AMP, CDN)]
    assert choose_link(Urls(original="mailto:a@b.c", web="http://[::1"), {}) is None


def test_open_in_browser_passes_the_url_to_the_opener() -> None:
    opened: list[str] = []

    def opener(url: str) -> bool:
        opened.append(url)
        return True

    assert open_in_browser(AMP, opener=opener) is True
    assert opened == [AMP]


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "file:///etc/passwd", "ftp://a/b", "http://[::1", "", " http://a"],
)
def test_open_in_browser_refuses_non_http(url: str) -> None:
    opened: list[str] = []
    with pytest.raises(UnsafeURLError):
        open_in_browser(url, opener=lambda u: bool(opened.append(u)) or True)
    assert opened == []


def test_open_in_browser_without_a_browser_is_false() -> None:
    assert open_in_browser(ORIGINAL, opener=lambda url: False) is False

    def broken(url: str) -> bool:
        raise webbrowser.Error("could not locate runnable browser")

    assert open_in_browser(ORIGINAL, opener=broken) is False


@pytest.mark.skipif(sys.platform == "win32", reason="uses a shell script as $BROWSER")
def test_default_opener_honours_browser_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "opened.txt"
    script = tmp_path / "fake-browser"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{log}"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("BROWSER", str(script))
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    # webbrowser reads $BROWSER once per process: make it read it again (restored afterwards).
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    monkeypatch.setattr(webbrowser, "_browsers", {})
    assert open_in_browser(ORIGINAL) is True
    assert log.read_text().splitlines() == [ORIGINAL]


def test_default_opener_with_no_browser_is_false(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webbrowser, "_tryorder", [])  # nothing registered, nothing found
    monkeypatch.setattr(webbrowser, "_browsers", {})
    assert open_in_browser(ORIGINAL) is False


def test_format_status() -> None:
    assert format_status(None) == "… unchecked"
    assert format_status(result(ORIGINAL, ALIVE)) == "✓ 200"
    redirected = result(ORIGINAL, ALIVE, final_url="https://news.example/new", redirects=2)
    assert format_status(redirected) == "↪ 200 → https://news.example/new"
    moved = replace(redirected, redirect_code=301)
    assert format_status(moved) == "↪ 301 → https://news.example/new"
    assert format_status(result(ORIGINAL, BROKEN, 404, error="Not Found")) == "✗ 404"
    assert format_status(result(ORIGINAL, BROKEN, 410)) == "✗ 410"
    loop = result(ORIGINAL, BROKEN, 302, error="redirect loop back to x")
    assert format_status(loop) == "✗ 302 redirect loop back to x"
    assert format_status(result(ORIGINAL, TIMEOUT, None)) == "⏱ timeout"
    assert format_status(result("javascript:x", LinkStatus.INVALID, None)) == "⊘ invalid"
    assert format_status(result(ORIGINAL, LinkStatus.UNREACHABLE, None)) == "⚠ unreachable"


def test_article_with_any_live_link_is_alive_and_failures_are_counted_apart() -> None:
    from reader.link_status import count_statuses, failure_reason, summarize
    from reader.model import Article, Urls

    article = Article(
        id="a", path="a.md", title="t", urls=Urls(original=ORIGINAL, amp="https://amp.example/a")
    )
    dead = result(ORIGINAL, BROKEN, 404)
    live = result("https://amp.example/a", ALIVE)
    assert summarize([article], {ORIGINAL: dead, live.url: live}) == {"a": "alive"}
    assert summarize([article], {ORIGINAL: dead}) == {"a": "broken"}
    assert summarize([article], {}) == {}
    gone = result(
        ORIGINAL, LinkStatus.UNREACHABLE, None, error="[Errno -2] Name or service not known"
    )
    slow = result(ORIGINAL, TIMEOUT, None)
    assert failure_reason(gone) == "Name or service not known"
    assert failure_reason(dead) == "" and failure_reason(live) == "" and failure_reason(None) == ""
    assert count_statuses([live, dead, gone, gone, slow, None]) == (
        "1 alive, 1 broken, 2 unreachable, 1 timed out, 1 unchecked"
    )


def test_url_host_names_a_link_by_its_host() -> None:
    from reader.link_status import url_host

    assert url_host("https://www.news.example/a/b?c=d") == "news.example"
    assert url_host("https://www.example/x") == "www.example"  # a host called www: kept
    assert url_host("http://user:secret@127.0.0.1:8080/x") == "127.0.0.1:8080"
    assert url_host("https://amp.news.example/\x1b[2Jx") == "amp.news.example"
    assert url_host("https://[::1/broken") == "https://[::1/broken"
    assert url_host("not a url") == "not a url"
