"""OPML import and export (reader/feeds/opml.py): folders, names, problems, safety, round trip."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from reader.feeds.model import Subscription
from reader.feeds.opml import OpmlFeed, export_opml, parse_opml

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My feeds</title></head>
  <body>
    <outline type="rss" text="Top text" title="Top title" xmlUrl="https://top.example/rss"/>
    <outline text="News">
      <outline text="Only text" xmlUrl="https://a.example/feed"/>
      <outline title="Tech" text="">
        <outline xmlurl="https://b.example/atom" title="B"/>
        <outline XMLURL="http://c.example/feed.json" text="C"/>
      </outline>
    </outline>
    <outline text="Empty folder"></outline>
    <outline title="Bare" xmlUrl="https://d.example/rss"></outline>
  </body>
</opml>
"""


def test_feeds_names_and_nested_folders() -> None:
    result = parse_opml(OPML)
    assert result.problems == []
    assert result.feeds == [
        OpmlFeed("https://top.example/rss", "Top title", ""),
        OpmlFeed("https://a.example/feed", "Only text", "News"),
        OpmlFeed("https://b.example/atom", "B", "News/Tech"),
        OpmlFeed("http://c.example/feed.json", "C", "News/Tech"),
        OpmlFeed("https://d.example/rss", "Bare", ""),
    ]
    assert parse_opml(OPML.encode("utf-8")) == result


def test_duplicates_are_skipped_with_their_line() -> None:
    text = (
        '<opml version="2.0"><body>\n'
        '<outline text="A" xmlUrl="https://a.example/f"/>\n'
        '<outline text="F">\n'
        '  <outline text="A again" xmlUrl="https://a.example/f"/>\n'
        "</outline></body></opml>"
    )
    result = parse_opml(text)
    assert result.feeds == [OpmlFeed("https://a.example/f", "A", "")]
    [problem] = result.problems
    assert problem.startswith("line 4: duplicate") and "line 2" in problem


def test_non_http_urls_are_refused_with_their_line() -> None:
    text = (
        '<opml version="2.0">\n'
        "<body>\n"
        '<outline text="ok" xmlUrl="https://ok.example/rss"/>\n'
        '<outline text="file" xmlUrl="file:///etc/passwd"/>\n'
        '<outline text="js"\n'
        '   xmlUrl="javascript:alert(1)"/>\n'
        '<outline text="esc" xmlUrl="https://x.example/&#x9b;31m"/>\n'
        "</body></opml>"
    )
    result = parse_opml(text)
    assert [f.url for f in result.feeds] == ["https://ok.example/rss"]
    assert len(result.problems) == 3
    assert result.problems[0].startswith("line 4: not an http(s) URL: ")
    assert "file:///etc/passwd" in result.problems[0]
    assert result.problems[1].startswith("line 5: not an http(s) URL: ")
    assert result.problems[2].startswith("line 7: not an http(s) URL: ")
    assert all("\x9b" not in p for p in result.problems)


def test_malformed_xml_is_a_problem_not_an_exception() -> None:
    text = '<opml version="2.0"><body>\n<outline text="A" xmlUrl="https://a.example/f"/>\n<oops>'
    result = parse_opml(text)
    assert result.feeds == [OpmlFeed("https://a.example/f", "A", "")]  # what came before stays
    [problem] = result.problems
    assert problem.startswith("line 3: malformed XML: ")
    for bad in ("", "not xml at all", b"\xff\xfe\x00garbage", '<opml><body a="1" a="2"/></opml>'):
        result = parse_opml(bad)
        assert result.feeds == [] and len(result.problems) == 1, bad
        assert result.problems[0].startswith("line "), result.problems


def test_a_doctype_is_refused() -> None:
    laughs = (
        '<?xml version="1.0"?>\n'
        '<!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>\n'
        '<opml version="2.0"><body><outline text="&c;" xmlUrl="https://a.example/f"/></body>'
        "</opml>"
    )
    result = parse_opml(laughs)
    assert result.feeds == []
    [problem] = result.problems
    assert problem.startswith("line 2: refused: the document has a DOCTYPE")
    external = (
        '<!DOCTYPE opml SYSTEM "http://127.0.0.1:9/evil.dtd">\n<opml version="2.0"><body/></opml>'
    )
    assert parse_opml(external).problems[0].startswith("line 1: refused")


def test_an_undeclared_entity_is_malformed() -> None:
    result = parse_opml(
        '<opml><body><outline text="&x;" xmlUrl="https://a.example/f"/></body></opml>'
    )
    assert result.feeds == [] and "malformed XML" in result.problems[0]


def test_a_document_that_is_not_opml_is_refused() -> None:
    result = parse_opml('<rss version="2.0"><channel><title>T</title></channel></rss>')
    assert result.feeds == []
    assert result.problems == ["line 1: not an OPML document (its root is <rss>)"]


def test_names_are_cleaned_of_controls() -> None:
    text = (
        '<opml><body><outline text="F&#x9b;2J  older" title=" Name&#x9b;31m &#10; &#x202e;here "'
        ' xmlUrl="https://a.example/f"/></body></opml>'
    )
    [feed] = parse_opml(text).feeds
    assert feed.name == "Name here"


def test_export_is_opml_2_with_folders() -> None:
    feeds = [
        Subscription("https://a.example/f", "A", ""),
        Subscription("https://b.example/f", "B", "News/Tech"),
        Subscription("https://c.example/f", "", "News"),
        Subscription("https://d.example/f", "D", "News/Tech"),
    ]
    when = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    text = export_opml(feeds, title="Mine", now=when)
    root = ET.fromstring(text)
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == "Mine"
    assert root.findtext("head/dateCreated") == "Wed, 02 Dec 2026 15:00:00 GMT"
    body = root.find("body")
    assert body is not None
    top = list(body)
    assert [o.get("text") for o in top] == ["A", "News"]
    assert top[0].attrib == {
        "type": "rss",
        "text": "A",
        "title": "A",
        "xmlUrl": "https://a.example/f",
    }
    news = list(top[1])
    assert [o.get("text") for o in news] == ["Tech", "https://c.example/f"]  # no name: the URL
    assert [o.get("xmlUrl") for o in news[0]] == ["https://b.example/f", "https://d.example/f"]
    assert export_opml([]).count("<outline") == 0
    assert ET.fromstring(export_opml([])).findtext("head/title") == "reader subscriptions"


def test_round_trip_keeps_url_name_and_folder() -> None:
    feeds = [
        Subscription("https://a.example/f", "A", ""),
        Subscription("https://b.example/f?x=1&y=2", "B & <b> \"quoted\" 'single'", "News/Tech"),
        Subscription("https://c.example/f", "Ça va — 日本語", "Ünïcode/Sub/Deep"),
        Subscription("https://d.example/f", "D", "News"),
        Subscription("http://e.example/f", "E", "News/Tech"),
    ]
    result = parse_opml(export_opml(feeds))
    assert result.problems == []
    assert {(f.url, f.name, f.folder) for f in result.feeds} == {
        (s.url, s.name, s.folder) for s in feeds
    }


def test_hostile_names_are_escaped_and_cleaned() -> None:
    hostile = 'x"/><outline xmlUrl="https://evil.example/"/><!-- & \x1b[2J\x00\x07\x9b\ud800 end'
    feeds = [Subscription("https://a.example/f", hostile, 'F"<&>\x1b]0;t\x07/Sub')]
    text = export_opml(feeds)
    assert "\x1b" not in text and "\x00" not in text and "\x9b" not in text
    ET.fromstring(text)  # well-formed
    result = parse_opml(text)
    assert result.problems == []
    [feed] = result.feeds
    assert feed.url == "https://a.example/f"
    assert feed.name.startswith('x"/><outline xmlUrl="https://evil.example/"/><!-- & ')
    assert feed.name.endswith("end")
    assert feed.folder.endswith("/Sub") and feed.folder.startswith('F"<&>')
