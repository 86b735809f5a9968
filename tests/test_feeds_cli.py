"""Issue 16 headless: `reader feeds add/remove/list/import/export`, the subscriptions table."""

from __future__ import annotations

import json
import sqlite3

from reader.cli import main
from reader.feeds.model import FetchResult
from reader.feeds.subscriptions import Subscriptions, check_feed_url, has_subscriptions
from reader.store import Store


def test_add_list_remove(tmp_path, capsys):
    state = str(tmp_path / "s.sqlite3")
    assert main(["feeds", "add", "https://a.example/feed.xml", "--state", state]) == 0
    assert (
        main(
            [
                "feeds",
                "add",
                "https://b.example/rss",
                "--name",
                "B",
                "--folder",
                "News/Tech",
                "--state",
                state,
            ]
        )
        == 0
    )
    assert main(["feeds", "add", "https://a.example/feed.xml", "--state", state]) == 0
    assert "already subscribed" in capsys.readouterr().err
    assert main(["feeds", "list", "--format", "json", "--state", state]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["url"], r["name"], r["folder"]) for r in rows] == [
        ("https://a.example/feed.xml", "", ""),
        ("https://b.example/rss", "B", "News/Tech"),
    ]
    assert set(rows[0]) == {"url", "name", "folder", "last_fetched", "last_status", "error"}
    assert rows[0]["last_fetched"] is None and rows[0]["last_status"] is None
    assert main(["feeds", "remove", "https://a.example/feed.xml", "--state", state]) == 0
    assert main(["feeds", "remove", "https://a.example/feed.xml", "--state", state]) == 1
    assert main(["feeds", "list", "--state", state]) == 0
    out = capsys.readouterr().out
    assert "https://b.example/rss" in out and "a.example" not in out


def test_non_http_urls_are_refused(tmp_path, capsys):
    state = str(tmp_path / "s.sqlite3")
    for url in (
        "file:///etc/passwd",
        "javascript:alert(1)",
        "ftp://x.example/f",
        "http://",
        "https://a.example/\x1b[31m",
    ):
        assert main(["feeds", "add", url, "--state", state]) == 2, url
        assert "not an http(s) URL" in capsys.readouterr().err
    assert check_feed_url("HTTPS://A.example/x") is None


def test_a_fetch_is_recorded_and_validators_kept_on_304(tmp_path):
    store = Store.open(tmp_path / "s.sqlite3")
    feeds = Subscriptions(store)
    assert feeds.add("https://a.example/f")
    feeds.record(
        FetchResult("https://a.example/f", "ok", etag='"v1"', last_modified="Mon"),
        title="Feed A \x1b[31m",
    )
    got = feeds.get("https://a.example/f")
    assert (got.etag, got.last_modified, got.last_status, got.name) == (
        '"v1"',
        "Mon",
        "ok",
        "Feed A",
    )
    feeds.record(FetchResult("https://a.example/f", "not_modified"))
    got = feeds.get("https://a.example/f")
    assert (got.etag, got.last_status) == ('"v1"', "not_modified")
    feeds.record(FetchResult("https://a.example/f", "ok", etag='"v2"'), error="not a feed: x")
    got = feeds.get("https://a.example/f")
    assert (got.etag, got.last_status, got.error) == ('"v1"', "error", "not a feed: x")
    assert feeds.folder_of("https://a.example/f", "first") == "first"
    assert feeds.folder_of("https://a.example/f", "second") == "first"
    store.close()
    assert has_subscriptions(tmp_path / "s.sqlite3")
    assert not has_subscriptions(tmp_path / "missing.sqlite3")


def test_an_older_state_file_gains_the_feeds_table(tmp_path):
    path = tmp_path / "old.sqlite3"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE feeds")
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    assert not has_subscriptions(path)  # read-only: no table yet, no error
    store = Store.open(path)
    assert Subscriptions(store).add("https://a.example/f")
    store.close()
    assert has_subscriptions(path)


def test_no_subscriptions_fetch_says_how(tmp_path, capsys):
    assert main(["fetch", "--state", str(tmp_path / "s.sqlite3")]) == 0
    assert "reader feeds add" in capsys.readouterr().err
    assert main(["fetch", "file:///x", "--state", str(tmp_path / "s.sqlite3")]) == 2


OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>mine</title></head>
  <body>
    <outline text="News">
      <outline text="Tech">
        <outline type="rss" text="A feed" xmlUrl="https://a.example/feed.xml"/>
      </outline>
      <outline type="rss" text="B" title="B feed" xmlUrl="https://b.example/rss"/>
    </outline>
    <outline type="rss" text="again" xmlUrl="https://a.example/feed.xml"/>
    <outline type="rss" text="local" xmlUrl="file:///etc/passwd"/>
  </body>
</opml>
"""


def test_opml_import_then_export_round_trips(tmp_path, capsys):
    state = str(tmp_path / "s.sqlite3")
    opml = tmp_path / "in.opml"
    opml.write_text(OPML, encoding="utf-8")
    assert main(["feeds", "import", str(opml), "--state", state]) == 0
    err = capsys.readouterr().err
    assert "line 12" in err and "not an http(s) URL" in err  # the file:// one, by its line
    assert "duplicate" in err and "subscribed to 2 feed(s)" in err
    assert main(["feeds", "import", str(opml), "--state", state]) == 0  # again: nothing new
    assert "subscribed to 0 feed(s), 2 already there" in capsys.readouterr().err
    assert main(["feeds", "list", "--format", "json", "--state", state]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["url"], r["name"], r["folder"]) for r in rows] == [
        ("https://a.example/feed.xml", "A feed", "News/Tech"),
        ("https://b.example/rss", "B feed", "News"),
    ]
    assert main(["feeds", "export", "--state", state]) == 0
    exported = tmp_path / "out.opml"
    exported.write_text(capsys.readouterr().out, encoding="utf-8")
    other = str(tmp_path / "other.sqlite3")
    assert main(["feeds", "import", str(exported), "--state", other]) == 0
    capsys.readouterr()
    assert main(["feeds", "list", "--format", "json", "--state", other]) == 0
    again = json.loads(capsys.readouterr().out)
    assert [(r["url"], r["name"], r["folder"]) for r in again] == [
        (r["url"], r["name"], r["folder"]) for r in rows
    ]


def test_a_missing_opml_file_is_one_line(tmp_path, capsys):
    assert main(["feeds", "import", str(tmp_path / "nope.opml")]) == 1
    assert "cannot read" in capsys.readouterr().err
