"""parse_feed: RSS 0.91 / 1.0 / 2.0, Atom and JSON Feed bytes -> ParsedFeed, never a crash."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest

from reader.feeds.model import FeedParseError
from reader.feeds.parse import html_to_text, parse_feed

URL = "https://www.example.com/feed.xml"

RSS2 = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"
     xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>Example News</title>
  <link>https://www.example.com/</link>
  <managingEditor>desk@example.com (The Desk)</managingEditor>
  <item>
    <title>First story</title>
    <link>https://www.example.com/first</link>
    <guid isPermaLink="false">urn:example:1</guid>
    <description>&lt;p&gt;The &lt;b&gt;summary&lt;/b&gt;.&lt;/p&gt;</description>
    <content:encoded><![CDATA[<h2>Head</h2><p>Full <em>text</em>.</p>]]></content:encoded>
    <pubDate>Tue, 10 Jun 2003 04:00:00 +0200</pubDate>
    <dc:creator>Ann Author</dc:creator>
    <category>AI</category>
    <category> AI </category>
    <category>Robots</category>
    <enclosure url="/img/a.jpg" type="image/jpeg" length="10"/>
    <enclosure url="https://www.example.com/a.mp3" type="audio/mpeg" length="10"/>
    <media:thumbnail url="https://cdn.example.com/t.png"/>
    <media:content url="https://cdn.example.com/m.jpg" medium="image"/>
    <media:content url="https://cdn.example.com/v.mp4" medium="video" type="video/mp4"/>
  </item>
  <item>
    <title>Second</title>
    <link>relative/second</link>
  </item>
</channel>
</rss>
"""

RSS1 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.example.org/">
    <title>RDF Site</title>
    <link>https://rdf.example.org/</link>
    <description>d</description>
  </channel>
  <item rdf:about="https://rdf.example.org/one">
    <title>One in RDF</title>
    <link>https://rdf.example.org/one</link>
    <description>Plain summary</description>
    <dc:date>2021-03-04T05:06:07Z</dc:date>
    <dc:subject>Topic</dc:subject>
  </item>
</rdf:RDF>
"""

RSS091 = b"""<?xml version="1.0"?>
<rss version="0.91"><channel>
  <title>Old School</title><link>http://old.example.net/</link><description>x</description>
  <language>en-us</language>
  <item><title>Ancient item</title><link>http://old.example.net/a</link>
        <description>Hello from 1999</description></item>
</channel></rss>
"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://atom.example.com/blog/">
  <title type="text">Atom Blog</title>
  <link href="/" rel="alternate"/>
  <author><name>Feed Writer</name></author>
  <updated>2024-05-01T10:00:00Z</updated>
  <id>urn:uuid:feed</id>
  <entry>
    <title type="html">&lt;i&gt;Relative&lt;/i&gt; links &amp;amp; bases</title>
    <link href="posts/1" rel="alternate"/>
    <id>tag:atom.example.com,2024:1</id>
    <updated>2024-05-01T10:00:00Z</updated>
    <published>2024-04-30T23:30:00-02:00</published>
    <summary type="html">&lt;p&gt;See &lt;a href="../about"&gt;about&lt;/a&gt;&lt;/p&gt;</summary>
    <category term="Python"/>
    <category term="Feeds" label="Feeds!"/>
  </entry>
  <entry xml:base="https://other.example.com/x/">
    <title>Second entry</title>
    <link href="y"/>
    <id>tag:atom.example.com,2024:2</id>
    <updated>2024-05-02T10:00:00Z</updated>
    <author><name>Guest</name></author>
    <content type="html">&lt;p&gt;Body&lt;/p&gt;</content>
  </entry>
</feed>
"""


def _json_feed(version: str, **extra) -> bytes:
    return json.dumps(
        {
            "version": f"https://jsonfeed.org/version/{version}",
            "title": "JSON Things",
            "home_page_url": "https://json.example.com/",
            "feed_url": "https://json.example.com/feed.json",
            **extra,
        }
    ).encode()


JSON11 = _json_feed(
    "1.1",
    authors=[{"name": "Jay Son"}],
    items=[
        {
            "id": "1",
            "url": "/items/1",
            "title": "JSON item",
            "content_html": "<p>Hi <b>there</b></p>",
            "summary": "Short",
            "image": "https://json.example.com/i.png",
            "banner_image": "/b.png",
            "date_published": "2024-02-03T04:05:06+01:00",
            "date_modified": "2024-02-04T00:00:00Z",
            "tags": ["x", " x", "y"],
            "authors": [{"name": "Item Author"}],
        },
        {"id": 2, "content_text": "Only text < here & there", "external_url": "https://else.org/"},
        "not an item",
    ],
)
JSON10 = _json_feed(
    "1",
    author={"name": "Old Author"},
    items=[{"id": "a", "url": "https://json.example.com/a", "title": "Ten", "content_text": "t"}],
)


def test_rss2_entry_fields():
    feed = parse_feed(RSS2, url=URL, content_type="application/rss+xml; charset=utf-8")
    assert feed.title == "Example News"
    assert feed.link == "https://www.example.com/"
    first, second = feed.entries
    assert first.key == "urn:example:1"
    assert first.title == "First story"
    assert first.link == "https://www.example.com/first"
    assert "<b>summary</b>" in first.summary
    assert "<h2>Head</h2>" in first.content
    assert first.published == datetime(2003, 6, 10, 2, 0, tzinfo=UTC)
    assert first.published.tzinfo is not None
    assert first.author == "Ann Author"
    assert first.categories == ("AI", "Robots")
    assert first.images == (
        "https://www.example.com/img/a.jpg",
        "https://cdn.example.com/m.jpg",
        "https://cdn.example.com/t.png",
    )
    # No guid: the link is the key; a relative link is resolved against the feed URL.
    assert second.link == "https://www.example.com/relative/second"
    assert second.key == second.link
    assert second.published is None and second.images == ()


def test_rss1_rdf():
    feed = parse_feed(RSS1, url="https://rdf.example.org/index.rdf")
    assert feed.title == "RDF Site"
    (entry,) = feed.entries
    assert entry.title == "One in RDF"
    assert entry.link == "https://rdf.example.org/one"
    assert entry.key == "https://rdf.example.org/one"
    # feedparser reads dc:date as the updated date
    assert (entry.published or entry.updated) == datetime(2021, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert entry.categories == ("Topic",)
    assert entry.summary == "Plain summary"


def test_rss091():
    feed = parse_feed(RSS091, url="http://old.example.net/rss.xml")
    assert feed.title == "Old School"
    (entry,) = feed.entries
    assert (entry.title, entry.link, entry.summary) == (
        "Ancient item",
        "http://old.example.net/a",
        "Hello from 1999",
    )


def test_atom_relative_links_and_xml_base():
    feed = parse_feed(ATOM, url="https://atom.example.com/feed.atom")
    assert feed.title == "Atom Blog"
    assert feed.author == "Feed Writer"
    first, second = feed.entries
    assert first.title == "Relative links & bases"  # HTML title: markup out, entities decoded
    assert first.link == "https://atom.example.com/blog/posts/1"
    assert first.key == "tag:atom.example.com,2024:1"
    assert first.published == datetime(2024, 5, 1, 1, 30, tzinfo=UTC)
    assert first.updated == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert 'href="https://atom.example.com/about"' in first.summary
    assert first.author == "Feed Writer"  # the feed's author when the entry has none
    assert first.categories == ("Python", "Feeds")
    assert second.link == "https://other.example.com/x/y"
    assert second.author == "Guest"
    assert second.content == "<p>Body</p>"


def test_json_feed_11():
    feed = parse_feed(
        JSON11, url="https://json.example.com/feed.json", content_type="application/feed+json"
    )
    assert (feed.title, feed.link, feed.author) == (
        "JSON Things",
        "https://json.example.com/",
        "Jay Son",
    )
    first, second = feed.entries  # the item that is not an object is skipped
    assert first.key == "1"
    assert first.link == "https://json.example.com/items/1"
    assert first.content == "<p>Hi <b>there</b></p>"
    assert first.summary == "Short"
    assert first.published == datetime(2024, 2, 3, 3, 5, 6, tzinfo=UTC)
    assert first.updated == datetime(2024, 2, 4, tzinfo=UTC)
    assert first.categories == ("x", "y")
    assert first.author == "Item Author"
    assert first.images == ("https://json.example.com/i.png", "https://json.example.com/b.png")
    assert second.key == "2"
    assert second.link == "https://else.org/"
    assert second.content == "Only text < here & there"
    assert second.author == "Jay Son"
    assert second.title  # a title is made up when the item has none


def test_mislabelled_xml_is_still_parsed_as_xml():
    feed = parse_feed(RSS091, url="http://old.example.net/rss.xml", content_type="application/json")
    assert feed.title == "Old School"


def test_an_empty_but_valid_feed_has_no_entries():
    body = b'<rss version="2.0"><channel><title>Quiet</title><link>https://q.example/</link>'
    feed = parse_feed(body + b"</channel></rss>", url="https://q.example/rss")
    assert (feed.title, feed.entries) == ("Quiet", ())


def test_json_feed_10_detected_by_body():
    feed = parse_feed(JSON10, url="https://json.example.com/feed.json", content_type="text/plain")
    (entry,) = feed.entries
    assert (entry.title, entry.author, entry.content) == ("Ten", "Old Author", "t")


HOSTILE = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Hostile</title><link>https://h.example/</link>
<item><title>[bold]x[/] &amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;</title>
      <link>https://h.example/1</link></item>
<item><title>&lt;b&gt;Bold&lt;/b&gt; &amp;amp;   entities&lt;br/&gt;
   here</title><link>https://h.example/2</link></item>
<item><title>Red \x1b[31mALERT\x1b[0m\x07 done</title><link>https://h.example/3</link></item>
<item><title>Safe</title><link>javascript:alert(1)</link><guid isPermaLink="false">js</guid></item>
</channel></rss>
"""


def test_hostile_titles_are_plain_text():
    feed = parse_feed(HOSTILE, url="https://h.example/feed")
    titles = [entry.title for entry in feed.entries]
    assert titles[0] == "[bold]x[/] <script>alert(1)</script>"  # text written literally stays
    assert titles[1] == "Bold & entities here"
    assert titles[2] == "Red ALERT done"
    assert all("\x1b" not in t and "\x07" not in t for t in titles)
    assert feed.entries[3].link == ""  # only http(s) links are kept


def test_malformed_but_recoverable_rss_is_kept():
    body = b"""<rss version="2.0"><channel><title>Broken & co</title>
    <item><title>Still here</title><link>https://b.example/1</link>
      <description>a <b>b</description></item>
    <item><title>Second</title><link>https://b.example/2</link>
    </channel>"""
    feed = parse_feed(body, url="https://b.example/feed")
    assert [e.title for e in feed.entries][:1] == ["Still here"]
    assert feed.entries[0].link == "https://b.example/1"


@pytest.mark.parametrize(
    ("body", "content_type", "words"),
    [
        (b"<!DOCTYPE html><html><head><title>Home</title></head><body><p>Hi</p></body></html>",
         "text/html; charset=utf-8", "HTML"),
        (b"<html><body><a href='/feed'>feed</a></body></html>", "", "HTML"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "application/json",
         "invalid JSON"),
        (b"{not json", "", "invalid JSON"),
        (b'{"hello": "world"}', "application/json", "JSON Feed"),
        (b"", "", "empty"),
        (b"just some words", "text/plain", "not RSS"),
    ],
)  # fmt: skip
def test_not_a_feed(body, content_type, words):
    with pytest.raises(FeedParseError) as caught:
        parse_feed(body, url="https://x.example/", content_type=content_type)
    message = str(caught.value)
    assert words in message
    assert "\n" not in message


def test_entries_without_guid_or_link_get_a_stable_hash_key():
    body = b"""<rss version="2.0"><channel><title>T</title>
    <item><title>Nameless</title><pubDate>Mon, 01 Jan 2024 00:00:00 GMT</pubDate></item>
    <item><description>No title at all, only words in a description</description></item>
    </channel></rss>"""
    first = parse_feed(body, url="https://n.example/feed")
    again = parse_feed(body, url="https://n.example/feed")
    assert [e.key for e in first.entries] == [e.key for e in again.entries]
    expected = hashlib.sha1(b"NamelessMon, 01 Jan 2024 00:00:00 GMT").hexdigest()
    assert first.entries[0].key == "sha1:" + expected
    assert first.entries[0].link == ""
    assert first.entries[1].title.startswith("No title at all")
    assert first.entries[0].key != first.entries[1].key


def test_image_enclosures_and_thumbnails_are_deduplicated_and_absolute():
    body = b"""<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>T</title>
    <item><title>Pics</title><link>https://p.example/1</link>
      <enclosure url="https://p.example/a.png" type="image/png" length="1"/>
      <enclosure url="https://p.example/a.png" type="image/png" length="1"/>
      <enclosure url="ftp://p.example/b.png" type="image/png" length="1"/>
      <media:thumbnail url="thumb.jpg"/>
      <media:content url="https://p.example/c.webp" type="image/webp"/>
    </item></channel></rss>"""
    (entry,) = parse_feed(body, url="https://p.example/feeds/main.xml").entries
    assert entry.images == (
        "https://p.example/a.png",
        "https://p.example/c.webp",
        "https://p.example/feeds/thumb.jpg",
    )


def test_html_to_text():
    assert html_to_text("<p>a &amp; b</p><script>bad()</script><p>c</p>") == "a & b c"
    assert html_to_text("a < b and [bold]") == "a < b and [bold]"
