"""Links in the app: statuses in the detail pane, o / a / O / y / c / C, against 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.tui.screens.link_chooser import LinkChooserScreen
from tests.http_server import LinkTestServer, closed_port, link_server  # noqa: F401
from tests.tui_fixtures import make_app, screen_text, settle, wait_until


def write(folder: Path, name: str, **urls: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f'title: "{name}"', "publishedDateTime: 2026-11-01T00:00:00Z"]
    lines += [f'{key}: "{value}"' for key, value in urls.items()]
    (folder / f"{name}.md").write_text("---\n" + "\n".join(lines) + "\n---\n")


@pytest.fixture
def link_feed(tmp_path: Path, link_server: LinkTestServer) -> Path:  # noqa: F811
    feed = tmp_path / "feed"
    write(
        feed,
        "dead-original",
        originalUrl=link_server.url("/status/404"),
        webUrl=link_server.url("/status/410"),
        ampWebUrl=link_server.url("/ok?amp"),
        cdnAmpWebUrl=link_server.url("/ok?cdn"),
    )
    return feed


class Recorder:
    def __init__(self, result: bool = True) -> None:
        self.urls: list[str] = []
        self.result = result

    def __call__(self, url: str) -> bool:
        self.urls.append(url)
        return self.result


async def test_detail_shows_statuses_and_o_opens_live_amp(link_feed, link_server):  # noqa: F811
    recorder = Recorder()
    app = make_app(link_feed, opener=recorder, check_links=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: len(app.session.link_results) == 4)
        await pilot.pause()
        text = screen_text(app)
        assert "✗ 404" in text and "✗ 410" in text and "✓ 200" in text
        # Original and web are dead, the AMP copies alive: the article has a live link.
        assert app.session.link_summary[app.main.article_list.cursor_id] == "alive"
        await pilot.press("o")
        await wait_until(pilot, lambda: recorder.urls)
        assert recorder.urls == [link_server.url("/ok?amp")]
        assert app.session.states[app.main.article_list.cursor_id].read


async def test_o_checks_first_when_unchecked(link_feed, link_server):  # noqa: F811
    recorder = Recorder()
    app = make_app(link_feed, opener=recorder, check_links=True)
    app.check_links = True
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("o")  # maybe before the background check finished
        await settle(pilot)
        await pilot.press("o")
        await wait_until(pilot, lambda: recorder.urls)
        assert recorder.urls[-1] == link_server.url("/ok?amp")


async def test_a_opens_amp_and_y_copies(link_feed, link_server):  # noqa: F811
    recorder = Recorder()
    app = make_app(link_feed, opener=recorder, check_links=True)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # the OSC 52 boundary
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: len(app.session.link_results) == 4)
        await pilot.press("a")
        await wait_until(pilot, lambda: recorder.urls)
        assert recorder.urls == [link_server.url("/ok?amp")]
        await pilot.press("y")
        assert copied == [link_server.url("/ok?amp")]


async def test_no_browser_copies_and_shows(link_feed, link_server):  # noqa: F811
    app = make_app(link_feed, opener=Recorder(result=False), check_links=True)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: len(app.session.link_results) == 4)
        await pilot.press("o")
        await wait_until(pilot, lambda: copied)
        assert copied == [link_server.url("/ok?amp")]


async def test_chooser_lists_all_and_opens_choice(link_feed, link_server):  # noqa: F811
    recorder = Recorder()
    app = make_app(link_feed, opener=recorder, check_links=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: len(app.session.link_results) == 4)
        await pilot.press("O")
        await pilot.pause()
        assert isinstance(app.screen, LinkChooserScreen)
        text = screen_text(app)
        assert "Original" in text and "CDN AMP" in text and "✗ 404" in text
        # Highlighted: what `o` would open (the live AMP copy), not the dead original.
        options = app.screen.query_one("#links-options")
        assert app.screen.urls[options.highlighted] == link_server.url("/ok?amp")
        await pilot.press("enter")
        await wait_until(pilot, lambda: recorder.urls)
        assert recorder.urls == [link_server.url("/ok?amp")]
        await pilot.press("O")
        await pilot.pause()
        await pilot.press("up", "enter")  # one up: the dead web link, dimmed but openable
        await wait_until(pilot, lambda: len(recorder.urls) == 2)
        assert recorder.urls[1] == link_server.url("/status/410")


async def test_a_with_nothing_alive_highlights_the_amp_link(tmp_path, link_server):  # noqa: F811
    feed = tmp_path / "feed"
    write(
        feed,
        "all-dead",
        originalUrl=link_server.url("/status/404?o"),
        ampWebUrl=link_server.url("/status/500?a"),
    )
    app = make_app(feed, opener=Recorder(), check_links=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: len(app.session.link_results) == 2)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, LinkChooserScreen)
        options = app.screen.query_one("#links-options")
        assert app.screen.urls[options.highlighted] == link_server.url("/status/500?a")


async def test_nothing_alive_offers_chooser_and_never_opens_non_http(tmp_path, link_server):  # noqa: F811
    feed = tmp_path / "feed"
    write(feed, "all-dead", webUrl=link_server.url("/status/500"), ampWebUrl="javascript:alert(1)")
    recorder = Recorder()
    app = make_app(feed, opener=recorder, check_links=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: len(app.session.link_results) == 2)
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, LinkChooserScreen)
        await pilot.press("down", "enter")  # the javascript: one
        await pilot.pause(0.2)
        assert recorder.urls == []


async def test_c_rechecks_and_C_checks_view(tmp_path, link_server):  # noqa: F811
    feed = tmp_path / "feed"
    for number in range(5):
        write(feed, f"story-{number}", webUrl=link_server.url(f"/ok?n={number}"))
    write(feed, "broken-one", webUrl=link_server.url("/status/404?b"))
    app = make_app(feed, check_links=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert app.session.link_summary == {}
        await pilot.press("C")
        await wait_until(pilot, lambda: len(app.session.link_summary) == 6)
        assert sorted(app.session.link_summary.values()).count("broken") == 1
        assert "✗" in screen_text(app) and "✓" in screen_text(app)
        await pilot.press("g")
        url = app.main.article_list.cursor_article.urls.web
        path = url.split(str(link_server.port), 1)[1]
        before = link_server.hits(path)
        assert before >= 1
        await pilot.press("c")
        await wait_until(pilot, lambda: link_server.hits(path) > before)


async def test_C_shows_the_progress_of_the_view_check_then_hides_it(tmp_path, link_server):  # noqa: F811
    feed = tmp_path / "feed"
    for number in range(3):
        write(feed, f"story-{number}", webUrl=link_server.url(f"/slow/0.6?n={number}"))
    app = make_app(feed, check_links=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert not app.main.query("#check-progress")  # mounted when a check first needs it
        await pilot.press("C")
        await pilot.pause()
        bar = app.main.query_one("#check-progress")
        assert bar.display and bar.total == 3
        await wait_until(pilot, lambda: len(app.session.link_summary) == 3)
        await wait_until(pilot, lambda: not bar.display)
        assert bar.progress == 3


async def test_c_says_checking_then_when_and_unreachable_shows_why(tmp_path, link_server):  # noqa: F811
    sock, port = closed_port()
    try:
        feed = tmp_path / "feed"
        write(
            feed,
            "mixed",
            originalUrl=f"http://127.0.0.1:{port}/refused",
            webUrl=link_server.url("/slow/1?c"),
        )
        app = make_app(feed, check_links=False)
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            detail = app.main.detail
            await pilot.press("c")
            await pilot.pause()
            assert detail.checking and "checking…" in screen_text(app)
            await wait_until(pilot, lambda: not detail.checking)
            await wait_until(
                pilot, lambda: any("Links checked" in n.message for n in app._notifications)
            )
            text = screen_text(app)
            assert "checked " in text and "checking…" not in text
            message = next(n.message for n in app._notifications if "Links checked" in n.message)
            assert "1 alive" in message and "1 unreachable" in message
            assert "⚠ unreachable" in text
            result = app.session.link_results[f"http://127.0.0.1:{port}/refused"]
            assert result.error and result.error in text  # on its own line, under the status
            assert app.session.link_summary[detail.article.id] == "alive"
    finally:
        sock.close()


async def test_a_redirected_link_shows_its_source_then_where_it_went(tmp_path, link_server):  # noqa: F811
    feed = tmp_path / "feed"
    write(feed, "moved", webUrl=link_server.url("/redirect/2?r"))
    app = make_app(feed, check_links=True)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: len(app.session.link_results) == 1)
        await pilot.pause()
        detail = app.main.detail
        lines = detail._link_lines(detail.article, app.session.link_results).plain.splitlines()
        line = next(line for line in lines if "Web" in line)
        # One line: the source's host, then where it went (the path: the host is the same).
        host = link_server.url("/").split("//")[1].rstrip("/")
        assert "↪" in line and f"{host} → /redirect/0" in line
        assert line.index("↪") < line.index(host)


async def test_each_url_takes_one_line_by_kind_status_and_host(tmp_path, link_server):  # noqa: F811
    """Four near-identical URLs were four wrapped full URLs: now one line each (kind, status,
    host) lined up, and the full URLs in the chooser only."""
    feed = tmp_path / "feed"
    base = link_server.url("/")
    host = base.split("//")[1].rstrip("/")
    write(
        feed,
        "four",
        originalUrl=f"{base}ok?story=original-story-with-a-long-path&utm_source=feed",
        webUrl=f"{base}status/404?story=web-copy-of-the-same-story",
        ampWebUrl=f"{base}ok?story=amp-copy-of-the-same-story",
        cdnAmpWebUrl=f"{base}ok?story=cdn-amp-copy-of-the-same-story",
    )
    app = make_app(feed, check_links=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await wait_until(pilot, lambda: len(app.session.link_results) == 4)
        await wait_until(pilot, lambda: not app.main.detail.checking)
        detail = app.main.detail
        lines = detail._link_lines(detail.article, app.session.link_results).plain.splitlines()
        rows = lines[1:]
        assert [row.split()[0] for row in rows] == ["Original", "Web", "AMP", "CDN"]
        assert not any("://" in row for row in rows)  # hosts, not URLs
        original = next(row for row in rows if row.split()[0] == "Original")
        web = next(row for row in rows if row.split()[0] == "Web")
        assert "✓ 200" in original and "✗ 404" in web
        assert original.index(host) == web.index(host)  # the hosts line up
        assert f"{base}ok?story" not in screen_text(app)
        await pilot.press("O")
        await pilot.pause()
        chooser = " ".join(screen_text(app).split())
        assert f"{base}status/404?story=web-copy-of-the-same-story" in chooser


async def test_the_links_heading_names_the_chooser_key_in_force(tmp_path):
    feed = tmp_path / "feed"
    write(feed, "one", webUrl="https://news.example/one")
    for keymap, shown in ((None, "O: full URLs"), ({"choose_link": "U,Y"}, "U: full URLs")):
        app = make_app(feed, keymap=keymap)
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(pilot)
            detail = app.main.detail
            heading = detail._link_lines(detail.article, {}).plain.splitlines()[0]
            assert shown in heading, heading


def test_an_image_is_named_by_its_host_and_file_name():
    from reader.tui.widgets.article_detail import _short_image_url

    url = "https://d29.cloudfront.net/f1f8/2023/09/05/featured-l-ml-1120x630.jpg?w=1"
    assert _short_image_url(url) == "d29.cloudfront.net/…/featured-l-ml-1120x630.jpg"
    assert _short_image_url("https://img.example/") == "img.example"
    assert _short_image_url("https://www.img.example/a.png") == "img.example/a.png"
    assert _short_image_url("https://img.example/x/y/b.png#f") == "img.example/…/b.png"
    assert "\x1b" not in _short_image_url("https://img.example/x/\x1b[2Jevil.png")
