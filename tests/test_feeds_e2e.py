"""Issue 16 end to end: `reader fetch` and the app's `F` against a feed server on 127.0.0.1:
files written, a second fetch idempotent (304), errors reported, the app's default collection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reader.cli import main
from reader.loader import load_collection
from tests.feed_server import FeedServer, feed_server  # noqa: F401
from tests.tui_fixtures import make_app, settle, wait_until

RSS = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Loopback News</title><link>http://127.0.0.1/</link>
<item><guid>one</guid><title>First [bold]story[/] \x1b[31mred</title>
<link>http://127.0.0.1/one</link><pubDate>Mon, 30 Nov 2026 10:00:00 GMT</pubDate>
<description>&lt;p&gt;The &lt;b&gt;first&lt;/b&gt; story.&lt;/p&gt;</description>
<category>Tech</category></item>
<item><guid>two</guid><title>Second story</title><link>http://127.0.0.1/two</link>
<pubDate>Tue, 01 Dec 2026 10:00:00 GMT</pubDate><description>Plain text.</description></item>
</channel></rss>
"""


@pytest.fixture
def server(feed_server: FeedServer) -> FeedServer:  # noqa: F811
    feed_server.route("/rss", body=RSS, content_type="application/rss+xml", etag='"v1"')
    return feed_server


def last_validator(server: FeedServer) -> str | None:
    return server.requests("/rss")[-1].headers.get("if-none-match")


def files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.md"))


def test_fetch_writes_articles_then_a_second_fetch_is_not_modified(tmp_path, server, capsys):
    state, into = str(tmp_path / "s.sqlite3"), tmp_path / "feeds"
    assert main(["feeds", "add", server.url("/rss"), "--state", state]) == 0
    assert main(["feeds", "add", server.url("/missing"), "--state", state]) == 0
    capsys.readouterr()
    code = main(["fetch", "--into", str(into), "--format", "json", "--state", state])
    assert code == 1  # one feed failed
    reports = {r["url"]: r for r in json.loads(capsys.readouterr().out)}
    assert reports[server.url("/rss")] == {
        "url": server.url("/rss"),
        "status": "ok",
        "new": 2,
        "updated": 0,
        "error": None,
    }
    assert reports[server.url("/missing")]["status"] == "error"
    assert "404" in reports[server.url("/missing")]["error"]
    written = files(into)
    assert len(written) == 2
    collection = load_collection([str(into)])
    assert not collection.problems
    titles = sorted(a.title for a in collection.articles)
    assert titles == ["First [bold]story[/] red", "Second story"]
    first = next(a for a in collection.articles if a.title.startswith("First"))
    assert first.urls.original == "http://127.0.0.1/one" and first.topics == ("Tech",)
    mtimes = [p.stat().st_mtime_ns for p in written]

    assert main(["fetch", "--into", str(into), "--state", state, server.url("/rss")]) == 0
    assert "unchanged (not modified)" in capsys.readouterr().out
    assert last_validator(server) == '"v1"'  # the validator went back
    assert [p.stat().st_mtime_ns for p in files(into)] == mtimes

    server.route(  # the feed changed: one entry retitled, nothing duplicated
        "/rss",
        body=RSS.replace("Second story", "Second story, updated"),
        content_type="application/rss+xml",
        etag='"v2"',
    )
    assert main(["fetch", "--into", str(into), "--state", state, server.url("/rss")]) == 0
    assert "0 new, 1 updated" in capsys.readouterr().out
    assert len(files(into)) == 2
    assert main(["feeds", "list", "--format", "json", "--state", state]) == 0
    rows = {r["url"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows[server.url("/rss")]["last_status"] == "ok"
    assert rows[server.url("/rss")]["name"] == "Loopback News"
    assert rows[server.url("/missing")]["last_status"] == "error"


def test_a_broken_feed_is_an_error_and_the_others_are_fetched(tmp_path, server, capsys):
    server.route("/rss", body="<html><body>not a feed</body></html>", content_type="text/html")
    state, into = str(tmp_path / "s.sqlite3"), tmp_path / "feeds"
    assert main(["fetch", server.url("/rss"), "--into", str(into), "--state", state]) == 1
    assert "error" in capsys.readouterr().out
    assert files(into) == []


async def test_F_fetches_in_the_app_and_the_new_articles_appear(tmp_path, server, monkeypatch):
    from reader.feeds.subscriptions import Subscriptions
    from reader.store import Store

    state, into = tmp_path / "s.sqlite3", tmp_path / "feeds"
    into.mkdir()
    store = Store.open(state)
    Subscriptions(store).add(server.url("/rss"))
    store.close()
    from reader.cli.commands import _fetched_feeds

    assert _fetched_feeds(str(state)) == []  # READER_FEEDS_DIR (conftest) has no folder yet
    monkeypatch.setenv("READER_FEEDS_DIR", str(into))
    assert _fetched_feeds(str(state)) == [str(into)]  # `reader` with no path opens the feeds

    app = make_app(into, state=state, feeds_dir=into)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert app.session.articles == [] or len(app.session.articles) == 0
        await pilot.press("F")
        await wait_until(pilot, lambda: len(app.session.articles) == 2)
        assert app.feed_work.reports[0].new == 2
        assert any("2 new" in n.message for n in app._notifications)
        await pilot.press("F")  # again: nothing new, nothing moves
        await wait_until(pilot, lambda: len(server.requests("/rss")) == 2)
        assert last_validator(server) == '"v1"'
        await wait_until(pilot, lambda: not app.feed_work.running)
        assert len(app.session.articles) == 2
        await pilot.press("j")
        on = app.main.article_list.cursor_id
        newer = RSS.replace(
            "<item><guid>one</guid>",
            "<item><guid>zero</guid><title>Newest story</title><link>http://127.0.0.1/z</link>"
            "<pubDate>Wed, 02 Dec 2026 10:00:00 GMT</pubDate></item><item><guid>one</guid>",
        )
        server.route("/rss", body=newer, content_type="application/rss+xml", etag='"v3"')
        await pilot.press("F")  # a new article on top: the cursor stays on its article
        await wait_until(pilot, lambda: len(app.session.articles) == 3)
        await settle(pilot)
        assert app.main.article_list.cursor_id == on


async def test_F_without_subscriptions_says_how(tmp_path):
    from tests.tui_fixtures import write_feed

    app = make_app(write_feed(tmp_path / "feed"))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("F")
        await pilot.pause()
        assert any("reader feeds add" in n.message for n in app._notifications)


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://127.0.0.1/blog/">
  <title>Atom Loopback</title><id>urn:x</id><updated>2026-12-01T10:00:00Z</updated>
  <entry><id>urn:a1</id><title type="html">&lt;b&gt;Atom&lt;/b&gt; entry</title>
    <link href="posts/1"/><updated>2026-12-01T10:00:00Z</updated>
    <content type="html">&lt;h2&gt;Head&lt;/h2&gt;&lt;p&gt;Body text.&lt;/p&gt;</content></entry>
</feed>
"""

JSON_FEED = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "JSON Loopback",
        "items": [
            {
                "id": "j1",
                "url": "http://127.0.0.1/j1",
                "title": "JSON entry",
                "content_html": "<p>Hello</p>",
                "date_published": "2026-12-01T09:00:00Z",
                "tags": ["Tag"],
                "image": "http://127.0.0.1/j1.png",
            }
        ],
    }
)


@pytest.mark.parametrize(
    ("body", "content_type", "title", "url"),
    [
        (ATOM, "application/atom+xml", "Atom entry", "http://127.0.0.1/blog/posts/1"),
        (JSON_FEED, "application/feed+json", "JSON entry", "http://127.0.0.1/j1"),
    ],
)
def test_atom_and_json_feed_are_fetched_into_articles(
    tmp_path,
    feed_server,  # noqa: F811
    capsys,
    body,
    content_type,
    title,
    url,
):
    feed_server.route("/feed", body=body, content_type=content_type)
    into = tmp_path / "feeds"
    args = ["fetch", feed_server.url("/feed"), "--into", str(into)]
    assert main([*args, "--state", str(tmp_path / "s.sqlite3")]) == 0
    assert "1 new, 0 updated" in capsys.readouterr().out
    collection = load_collection([str(into)])
    assert not collection.problems
    (article,) = collection.articles
    assert article.title == title and article.urls.original == url


def test_headless_commands_with_no_path_read_what_reader_opens(
    tmp_path, server, monkeypatch, capsys
):
    """`reader` with no path opened the fetched feeds, while `reader list` still listed the
    sample: both now read the feeds once there is a subscription."""
    state, into = str(tmp_path / "s.sqlite3"), tmp_path / "feeds"
    monkeypatch.setenv("READER_FEEDS_DIR", str(into))
    assert main(["list", "--format", "ids", "--state", state]) == 0
    sample_ids = capsys.readouterr().out.split()
    assert len(sample_ids) > 10  # no subscription: the bundled sample
    assert main(["feeds", "add", server.url("/rss"), "--state", state]) == 0
    assert main(["fetch", "--into", str(into), "--state", state]) == 0
    capsys.readouterr()
    assert main(["list", "--format", "ids", "--state", state]) == 0
    feed_ids = capsys.readouterr().out.split()
    assert len(feed_ids) == 2 and not set(feed_ids) & set(sample_ids)
    assert main(["mark", feed_ids[0], "--star", "--state", state]) == 0
    capsys.readouterr()
    assert main(["list", "--format", "ids", "--state", state, "--query", "is:starred"]) == 0
    assert capsys.readouterr().out.split() == [feed_ids[0]]


def test_the_feeds_table_of_the_config_sets_how_reader_fetch_fetches(tmp_path, server, capsys):
    """`[feeds]`: how many feeds at once and the timeout, for `reader fetch` and `F`; the
    command line's options win over it."""
    for n in range(4):
        server.route(f"/held/{n}", body=RSS, content_type="application/rss+xml", delay=0.3)
    server.route("/stuck", body=RSS, content_type="application/rss+xml", delay=3.0)
    config = tmp_path / "config.toml"
    config.write_text("[feeds]\nfeed_concurrency = 1\nfeed_timeout = 1.0\n")
    state, into = str(tmp_path / "s.sqlite3"), str(tmp_path / "feeds")
    held = [server.url(f"/held/{n}") for n in range(4)]
    args = ["--config", str(config), "fetch", *held, "--into", into, "--state", state]
    assert main(args) == 0
    assert server.max_active == 1  # one at a time, as the config says
    server.reset_counts()
    assert main([*args[:3], *held, "--concurrency", "4", *args[-4:]]) == 0
    assert server.max_active > 1  # the option wins
    stuck = ["--config", str(config), "fetch", server.url("/stuck"), "--format", "json"]
    capsys.readouterr()
    assert main([*stuck, "--into", into, "--state", state]) == 1
    [report] = json.loads(capsys.readouterr().out)
    assert report["error"] == "timed out after 1 s"  # the config's timeout, not 20 s
    assert main(["--config", str(config), "config", "--check"]) == 0


def test_fetch_options_come_from_settings_and_never_go_below_one():
    from reader.feeds.service import FetchOptions
    from reader.settings import DEFAULTS, Settings

    assert FetchOptions.from_settings(DEFAULTS) == FetchOptions()
    zero = Settings(feed_concurrency=0, feed_per_host=0, feed_timeout=5.0)
    options = FetchOptions.from_settings(zero, timeout=2.0)
    assert (options.concurrency, options.per_host, options.timeout) == (1, 1, 2.0)
