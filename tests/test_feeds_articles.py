"""Feed entries written as article files: they load with reader's own loader, exactly; names are
stable; writing twice writes nothing; an entry keeps its file whatever happens to it."""

from __future__ import annotations

import dataclasses
import html
import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from reader.feeds.articles import (
    INDEX_NAME,
    article_file_text,
    entry_file_name,
    feed_folder_name,
    write_entries,
)
from reader.feeds.model import FeedEntry, ParsedFeed
from reader.feeds.parse import parse_feed
from reader.loader import load_collection, load_file
from reader.text import sanitize

FETCHED = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
LATER = datetime(2024, 7, 9, 8, 30, tzinfo=UTC)
FEED = ParsedFeed(title="Example News", link="https://www.example.com/", author="Desk")


def entry(**fields) -> FeedEntry:
    values = {
        "key": "urn:example:1",
        "title": "A story: with a colon",
        "link": "https://www.example.com/news/1",
        "summary": "<p>The <b>summary</b> &amp; more.</p>",
        "content": "<h2>Head</h2><p>Full <em>text</em> with a <a href='/more'>link</a>.</p>"
        "<script>alert(1)</script><style>p{}</style>"
        "<img src='data:image/png;base64,AAAA'><img src='https://img.example.com/x.png' alt='x'>",
        "published": datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC),
        "author": "Ann",
        "categories": ("AI", "Robots"),
        "images": ("https://img.example.com/a.jpg", "https://img.example.com/b.jpg"),
    }
    values.update(fields)
    return FeedEntry(**values)


def load_text(tmp_path: Path, text: str, name: str = "a.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    article, problems = load_file(str(path), name)
    assert article is not None, problems
    assert problems == [], problems
    return article


def test_written_file_loads_with_every_field(tmp_path):
    text = article_file_text(entry(), FEED, fetched=FETCHED)
    article = load_text(tmp_path, text)
    assert article.title == "A story: with a colon"
    assert article.excerpt == "The summary & more."
    assert article.published == datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert article.urls.original == article.urls.web == "https://www.example.com/news/1"
    assert article.type == "article"
    assert (article.provider.name, article.provider.domain) == ("Example News", "example.com")
    assert article.topics == ("AI", "Robots")
    assert [image.url for image in article.images] == [
        "https://img.example.com/a.jpg",
        "https://img.example.com/b.jpg",
    ]
    assert article.extra["feedEntryId"] == "urn:example:1"  # an unknown field is kept
    body = article.body
    assert body.startswith("## Head")
    assert "Full *text*" in body
    assert "[link](https://www.example.com/more)" in body  # relative link made absolute
    assert "![x](https://img.example.com/x.png)" in body
    assert "alert" not in body and "p{}" not in body and "data:" not in body


def test_front_matter_matches_the_real_shape():
    text = article_file_text(entry(), FEED, fetched=FETCHED)
    assert text.startswith("---\n")
    assert "\npublishedDateTime: 2024-05-06T07:08:09Z\n" in text  # unquoted: YAML reads a date
    front = yaml.safe_load(text.split("\n---\n", 1)[0][4:])
    assert front["provider"] == {"name": "Example News", "domain": "example.com"}
    assert front["images"] == [
        {"url": "https://img.example.com/a.jpg"},
        {"url": "https://img.example.com/b.jpg"},
    ]
    assert front["feedEntryId"] == "urn:example:1"


def test_optional_fields_and_fallbacks(tmp_path):
    bare = entry(
        link="",
        summary="",
        content="Plain *text* body\n\nsecond paragraph",
        published=None,
        updated=datetime(2023, 1, 2, 3, 4, 5, tzinfo=UTC),
        categories=(),
        images=(),
    )
    nameless_feed = ParsedFeed(title="", link="")
    text = article_file_text(bare, nameless_feed, fetched=FETCHED)
    assert "originalUrl" not in text and "webUrl" not in text
    assert "topics" not in text and "images:" not in text
    article = load_text(tmp_path, text)
    assert article.published == datetime(2023, 1, 2, 3, 4, 5, tzinfo=UTC)  # else updated
    assert article.provider.name == "Ann"  # the entry's author when the feed has no title
    assert article.body == "Plain *text* body\n\nsecond paragraph"  # plain text as it is
    assert article.excerpt == "Plain *text* body second paragraph"  # excerpt from the content
    undated = article_file_text(entry(published=None, updated=None), FEED, fetched=FETCHED)
    assert load_text(tmp_path, undated, "b.md").published == FETCHED


HOSTILE_TITLES = [
    "---",
    "...",
    ": x",
    "# not a comment",
    "- a list?",
    "[bold]x[/]",
    "[link=https://evil]click[/link]",
    "<script>alert(1)</script>",
    "&lt;b&gt; written as text",
    "AT&T &amp; friends",
    "yes",
    "null",
    "2024-01-01",
    "123",
    "'single' \"double\" \\back\\slash",
    "{flow: map}",
    "*alias &anchor !tag %directive @at `tick`",
    "emoji 🎉 and 中文 and עברית",
]


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_hostile_titles_round_trip_literally(tmp_path, title):
    # The summary is HTML: the title written as text in it is escaped.
    summary = html.escape(title)
    hostile = entry(title=title, categories=(title, "ok"), author=title, summary=summary)
    text = article_file_text(hostile, dataclasses.replace(FEED, title=title), fetched=FETCHED)
    article = load_text(tmp_path, text)
    assert article.title == title
    assert article.excerpt == title
    assert article.provider.name == title
    assert article.topics == (title, "ok")
    assert article.extra["feedEntryId"] == "urn:example:1"


def test_control_characters_and_escapes_are_removed(tmp_path):
    dirty = "Red \x1b[31mALERT\x1b[0m\x07 \x9b2J line\nbreak\u202eevil\x00 end"
    hostile = entry(
        title=dirty,
        summary=dirty,
        categories=(dirty,),
        content="<p>one\x1b]8;;https://evil\x07two</p>",
        key="key\x1b[2J",
    )
    text = article_file_text(hostile, dataclasses.replace(FEED, title=dirty), fetched=FETCHED)
    assert "\x1b" not in text and "\x07" not in text and "\x00" not in text
    article = load_text(tmp_path, text)
    expected = "Red ALERT line breakevil end"
    assert article.title == expected
    assert article.excerpt == expected
    assert article.provider.name == expected
    assert article.topics == (expected,)
    assert article.body == "onetwo"


def test_odd_characters_are_escaped_in_the_yaml(tmp_path):
    odd = 'nel\x85 ls\u2028 bom\ufeff nonchar\ufffe\uffff private\ue000 tab\t astral\U0001f600 \\ "'
    text = article_file_text(entry(title=odd, key=odd), FEED, fetched=FETCHED)
    front = yaml.safe_load(text.split("\n---\n", 1)[0][4:])
    assert front["feedEntryId"] == sanitize(odd)  # what the key holds, read back exactly
    assert front["title"] == " ".join(sanitize(odd).split())
    assert "\ufffe" in front["title"] and "\U0001f600" in front["title"]
    article = load_text(tmp_path, text)
    assert "\U0001f600" in article.title and "\ufeff" not in article.title


def test_plain_summary_keeps_its_characters_and_rules_do_not_break_the_fences(tmp_path):
    plain = entry(
        summary="a < b && c > d",
        content="<p>above</p><hr><p>---</p><hr>",
        title="Title\nwith a newline",
    )
    text = article_file_text(plain, FEED, fetched=FETCHED)
    article = load_text(tmp_path, text)
    assert article.title == "Title with a newline"
    assert article.excerpt == "a < b && c > d"
    assert article.body.startswith("above")
    assert article.extra == {"feedEntryId": "urn:example:1"}


def test_excerpt_is_cut_at_a_word_near_400(tmp_path):
    words = " ".join(f"word{i:03d}" for i in range(200))  # 1,599 characters
    text = article_file_text(entry(summary=words), FEED, fetched=FETCHED)
    excerpt = load_text(tmp_path, text).excerpt
    assert excerpt.endswith("…")
    assert 300 <= len(excerpt) <= 402
    assert excerpt[:-1] == words[: len(excerpt) - 1]
    assert re.fullmatch(r"(word\d{3} )*word\d{3}…", excerpt)
    short = article_file_text(entry(summary="Just short."), FEED, fetched=FETCHED)
    assert load_text(tmp_path, short, "b.md").excerpt == "Just short."


def test_entry_file_names():
    day = datetime(2024, 5, 6, 23, 59, tzinfo=UTC)
    name = entry_file_name(entry(title="Intel's AI: “Big” News!"), published=day)
    assert re.fullmatch(r"2024-05-06-intels-ai-big-news-[0-9a-f]{8}\.md", name)
    assert name == entry_file_name(entry(title="Intel's AI: “Big” News!"), published=day)
    other = entry_file_name(entry(title="Intel's AI: “Big” News!", key="other"), published=day)
    assert other != name
    long_name = entry_file_name(entry(title="word " * 60), published=day)
    assert len(long_name) <= len("2024-05-06-") + 80 + len("-12345678.md")
    assert not re.search(r"--|-\.", long_name)
    assert re.fullmatch(
        r"2024-05-06-[0-9a-f]{8}\.md",
        entry_file_name(entry(title="日本語のニュース"), published=day),
    )
    assert re.fullmatch(
        r"[a-z0-9.-]+", entry_file_name(entry(title="../../etc/passwd"), published=day)
    )


def test_feed_folder_names():
    a = feed_folder_name("https://www.example.com/feed.xml", "Example News: Daily!")
    assert re.fullmatch(r"example-news-daily-[0-9a-f]{8}", a)
    assert a != feed_folder_name("https://other.example.com/feed.xml", "Example News: Daily!")
    b = feed_folder_name("https://www.example.com/blog/rss")
    assert re.fullmatch(r"www-example-com-blog-rss-[0-9a-f]{8}", b)
    for title in ("CON", "../..", "日本語", "a/b\\c:d*e?f", " . "):
        name = feed_folder_name("https://x.example/", title)
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*[0-9a-f]{8}", name), name


def _feed(*entries: FeedEntry) -> ParsedFeed:
    return dataclasses.replace(FEED, entries=entries)


def _article_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def test_write_then_write_again_writes_nothing(tmp_path):
    folder = tmp_path / "feeds" / "example"
    feed = _feed(entry(), entry(key="urn:2", title="Second", published=None, link=""))
    first = write_entries(folder, feed, fetched=FETCHED)
    assert (first.new, first.updated, first.unchanged) == (2, 0, 0)
    assert len(first.paths) == 2 and all(p.exists() for p in first.paths)
    mtimes = {p: p.stat().st_mtime_ns for p in first.paths}
    index_mtime = (folder / INDEX_NAME).stat().st_mtime_ns
    second = write_entries(folder, feed, fetched=LATER)  # the undated entry keeps its date
    assert (second.new, second.updated, second.unchanged) == (0, 0, 2)
    assert second.paths == first.paths
    assert {p: p.stat().st_mtime_ns for p in second.paths} == mtimes
    assert (folder / INDEX_NAME).stat().st_mtime_ns == index_mtime
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    collection = load_collection([folder])
    assert collection.problems == []
    assert sorted(a.title for a in collection.articles) == ["A story: with a colon", "Second"]
    undated = next(a for a in collection.articles if a.title == "Second")
    assert undated.published == FETCHED


def test_an_updated_entry_rewrites_its_file(tmp_path):
    folder = tmp_path / "f"
    (path,) = write_entries(folder, _feed(entry()), fetched=FETCHED).paths
    changed = entry(summary="<p>A corrected summary.</p>")
    counts = write_entries(folder, _feed(changed), fetched=FETCHED)
    assert (counts.new, counts.updated, counts.unchanged) == (0, 1, 0)
    assert counts.paths == [path]
    assert load_text(folder, path.read_text(encoding="utf-8"), path.name).excerpt == (
        "A corrected summary."
    )
    assert _article_files(folder) == [path.name]


def test_a_retitled_and_redated_entry_keeps_its_file(tmp_path):
    folder = tmp_path / "f"
    (path,) = write_entries(folder, _feed(entry()), fetched=FETCHED).paths
    moved = entry(title="A whole new title", published=datetime(2025, 1, 1, tzinfo=UTC))
    counts = write_entries(folder, _feed(moved), fetched=FETCHED)
    assert (counts.new, counts.updated) == (0, 1)
    assert counts.paths == [path]
    assert _article_files(folder) == [path.name]
    article = load_text(folder, path.read_text(encoding="utf-8"), path.name)
    assert article.title == "A whole new title"
    assert article.published == datetime(2025, 1, 1, tzinfo=UTC)


def test_duplicates_and_collisions(tmp_path):
    folder = tmp_path / "f"
    twin = entry(key="urn:twin", summary="The twin")
    again = entry(summary="Same key again: ignored")
    counts = write_entries(folder, _feed(entry(), twin, again), fetched=FETCHED)
    assert counts.new == 2  # same key twice in one feed: the first wins
    assert len(_article_files(folder)) == 2  # same title, same day: two files
    excerpts = sorted(a.excerpt for a in load_collection([folder]).articles)
    assert excerpts == ["The summary & more.", "The twin"]


def test_a_lost_index_is_rebuilt_from_the_files(tmp_path):
    folder = tmp_path / "f"
    undated = entry(published=None)
    write_entries(folder, _feed(undated), fetched=FETCHED)
    (folder / INDEX_NAME).unlink()
    counts = write_entries(folder, _feed(undated), fetched=LATER)
    assert (counts.new, counts.updated, counts.unchanged) == (0, 0, 1)
    assert len(_article_files(folder)) == 1
    index = json.loads((folder / INDEX_NAME).read_text(encoding="utf-8"))
    assert list(index["entries"]) == ["urn:example:1"]


def test_a_real_feed_end_to_end(tmp_path):
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Real-ish</title>
    <link>https://news.example.org/</link>
    <item><title>[bold]Tagged[/] &amp;lt;b&amp;gt; title</title><link>/a</link>
      <description>&lt;p&gt;Hello&lt;/p&gt;</description>
      <pubDate>Wed, 02 Oct 2002 13:00:00 GMT</pubDate><category>News</category></item>
    </channel></rss>"""
    feed = parse_feed(body, url="https://news.example.org/rss")
    folder = tmp_path / feed_folder_name("https://news.example.org/rss", feed.title)
    counts = write_entries(folder, feed, fetched=FETCHED)
    (path,) = counts.paths
    assert path.name.startswith("2002-10-02-bold-tagged-b-title-")
    (article,) = load_collection([tmp_path]).articles
    assert article.title == "[bold]Tagged[/] <b> title"
    assert article.urls.original == "https://news.example.org/a"
    assert article.provider.domain == "news.example.org"
    assert article.topics == ("News",)
    assert os.path.basename(article.path) == path.name
