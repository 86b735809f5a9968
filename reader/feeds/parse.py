"""Feed bytes -> :class:`~reader.feeds.model.ParsedFeed`: RSS 0.9x / 1.0 / 2.0 and Atom through
feedparser (lenient: a slightly broken feed that still has entries is kept), JSON Feed 1.0 / 1.1
by hand.

Everything that leaves here is normalised once: titles are plain one-line text with no control
characters, links are absolute http(s) URLs, dates are aware UTC datetimes. Markup written as
text in a title (`[bold]`, `<script>` as characters) stays as text: nothing here renders it.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from reader.feeds.model import FeedEntry, FeedParseError, ParsedFeed
from reader.text import sanitize

__all__ = ["html_to_text", "looks_like_html", "parse_feed", "plain_line"]

_JSON_TYPES = ("application/feed+json", "application/json")
_JSON_VERSION = "https://jsonfeed.org/version/"
_WHITESPACE = re.compile(r"\s+")
# A tag (`<p>`, `</b>`, `<br/>`, `<a href=...>`: no space after `<`, as HTML parsers require),
# a comment, or an entity: what makes text HTML rather than plain text with a `<` or `&`.
_TAG = re.compile(
    r"</?[a-zA-Z][a-zA-Z0-9:-]*(?:\s[^<>]*)?/?>|<!--|&(?:#\d+|#[xX][0-9a-fA-F]+|[a-zA-Z]+\d*);"
)
_BLOCK_TAGS = frozenset(
    {"p", "br", "div", "li", "ul", "ol", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
     "blockquote", "pre", "hr", "section", "article", "figure", "figcaption", "table", "dd", "dt"}
)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Text


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment; scripts and styles are no text a reader wants."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style", "template"):
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def looks_like_html(text: str) -> bool:
    """True when `text` holds a tag or an entity: feeds do not say reliably whether a summary
    is HTML or plain text, and plain text must not lose its `<` and `&`."""
    return ("<" in text or "&" in text) and _TAG.search(text) is not None


def html_to_text(fragment: str) -> str:
    """The text of an HTML fragment on one line: tags out, entities decoded, whitespace collapsed,
    control characters and escape sequences removed."""
    if not looks_like_html(fragment):
        return plain_line(fragment)
    parser = _TextExtractor()
    try:
        parser.feed(fragment)
        parser.close()
    except Exception:  # html.parser is lenient; never let a hostile fragment stop a fetch
        return plain_line(re.sub(r"<[^>]*>", " ", fragment))
    return plain_line("".join(parser.parts))


def plain_line(text: str) -> str:
    """Plain text made fit for a one-line field: no escape sequences or controls, whitespace
    collapsed (markup written as text is left exactly as written)."""
    return _WHITESPACE.sub(" ", sanitize(text)).strip()


def _absolute(link: Any, base: str) -> str:
    """`link` made absolute against `base`; "" unless it is an http(s) URL with a host."""
    if not isinstance(link, str):
        return ""
    link = sanitize(link).strip()
    if not link:
        return ""
    try:
        url = urljoin(base, link) if base else link
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    return url


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item for item in items if item))


def _fallback_title(title: str, summary: str, link: str) -> str:
    """A title for an entry that has none: the start of its summary, else its link."""
    if title:
        return title
    text = html_to_text(summary) if summary else ""
    if text:
        return text if len(text) <= 80 else text[:79].rsplit(" ", 1)[0] + "…"
    return link or "Untitled"


def _key(key: Any, link: str, title: str, published: str) -> str:
    if isinstance(key, (str, int)) and not isinstance(key, bool) and str(key).strip():
        return sanitize(str(key)).strip()
    if link:
        return link
    return "sha1:" + hashlib.sha1((title + published).encode("utf-8", "replace")).hexdigest()


# ---------------------------------------------------------------------------------------------
# Entry point


def parse_feed(body: bytes, *, url: str, content_type: str = "") -> ParsedFeed:
    """Parse a downloaded feed. Raises FeedParseError (one line) when the bytes are no feed."""
    kind = content_type.split(";", 1)[0].strip().lower()
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    # A body that starts like XML is parsed as XML whatever the server calls it.
    if head.startswith(b"{") or (kind in _JSON_TYPES and not head.startswith(b"<")):
        return _parse_json_feed(body, url=url)
    return _parse_xml_feed(body, url=url, content_type=content_type, head=head)


# ---------------------------------------------------------------------------------------------
# RSS and Atom


def _parse_xml_feed(body: bytes, *, url: str, content_type: str, head: bytes) -> ParsedFeed:
    import feedparser  # imported when a feed is parsed: headless commands start without it

    if not body.strip():
        raise FeedParseError("empty response")
    result = feedparser.parse(
        body, response_headers={"content-location": url, "content-type": content_type}
    )
    info = result.get("feed", {}) or {}
    entries = result.get("entries", []) or []
    title = _title(info)
    if not entries and (not result.get("version") or (result.get("bozo") and not title)):
        lowered = head[:200].lower()
        if lowered.startswith((b"<!doctype html", b"<html")) or b"<html" in lowered:
            raise FeedParseError("an HTML page, not a feed")
        reason = result.get("bozo_exception")
        detail = plain_line(str(reason))[:120] if reason else "no feed elements"
        raise FeedParseError(f"not RSS, Atom or JSON Feed ({detail})")
    link = _absolute(info.get("link"), url) or _absolute(url, "")
    author = _author(info)
    parsed = tuple(_xml_entry(entry, base=url, feed_author=author) for entry in entries)
    return ParsedFeed(title=title, link=link, author=author, entries=parsed)


def _title(item: Mapping[str, Any]) -> str:
    """feedparser decodes a text title and keeps an HTML one as HTML: either way, plain text."""
    value = item.get("title")
    if not isinstance(value, str):
        return ""
    detail = item.get("title_detail") or {}
    if "html" in str(detail.get("type", "")).lower():
        return html_to_text(value)
    return plain_line(value)


def _author(item: Mapping[str, Any]) -> str:
    detail = item.get("author_detail") or {}
    name = detail.get("name") if isinstance(detail, Mapping) else None
    value = name or item.get("author") or ""
    return plain_line(value) if isinstance(value, str) else ""


def _struct_time(value: Any) -> datetime | None:
    """feedparser's `*_parsed` (a UTC struct_time) -> aware UTC datetime."""
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _content(entry: Mapping[str, Any]) -> str:
    parts = entry.get("content") or []
    values = [p.get("value", "") for p in parts if isinstance(p, Mapping)]
    # Prefer an HTML version when the feed gives several.
    for part in parts:
        if isinstance(part, Mapping) and "html" in str(part.get("type", "")):
            return str(part.get("value", ""))
    return str(values[0]) if values else ""


def _xml_images(entry: Mapping[str, Any], base: str) -> tuple[str, ...]:
    found: list[str] = []
    for enclosure in entry.get("enclosures") or []:
        if str(enclosure.get("type", "")).lower().startswith("image/"):
            found.append(_absolute(enclosure.get("href") or enclosure.get("url"), base))
    for media in entry.get("media_content") or []:
        medium = str(media.get("medium", "")).lower()
        if medium == "image" or str(media.get("type", "")).lower().startswith("image/"):
            found.append(_absolute(media.get("url"), base))
    for thumbnail in entry.get("media_thumbnail") or []:
        found.append(_absolute(thumbnail.get("url"), base))
    image = entry.get("image")
    if isinstance(image, Mapping):  # itunes:image
        found.append(_absolute(image.get("href") or image.get("url"), base))
    return _unique(found)


def _xml_entry(entry: Mapping[str, Any], *, base: str, feed_author: str) -> FeedEntry:
    link = _absolute(entry.get("link"), base)
    if not link:
        for candidate in entry.get("links") or []:
            if candidate.get("rel", "alternate") == "alternate":
                link = _absolute(candidate.get("href"), base)
                if link:
                    break
    summary = str(entry.get("summary") or "")
    content = _content(entry)
    if content and content.strip() == summary.strip():
        summary = ""  # feedparser repeats the content as the summary when there is none
    published = _struct_time(entry.get("published_parsed")) or _struct_time(
        entry.get("created_parsed")
    )
    # dict.get: feedparser's own `get` maps a missing `updated_parsed` to `published_parsed`
    # (with a DeprecationWarning).
    updated = _struct_time(dict.get(entry, "updated_parsed"))
    title = _title(entry)
    raw_date = str(entry.get("published") or entry.get("updated") or "")
    categories = _unique(
        plain_line(tag.get("term") or tag.get("label") or "")
        for tag in entry.get("tags") or []
        if isinstance(tag, Mapping)
    )
    return FeedEntry(
        key=_key(entry.get("id"), link, title, raw_date),
        title=_fallback_title(title, summary or content, link),
        link=link,
        summary=summary,
        content=content,
        published=published,
        updated=updated,
        author=_author(entry) or feed_author,
        categories=categories,
        images=_xml_images(entry, base),
    )


# ---------------------------------------------------------------------------------------------
# JSON Feed


def _parse_json_feed(body: bytes, *, url: str) -> ParsedFeed:
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FeedParseError(f"invalid JSON ({plain_line(str(exc))[:120]})") from None
    if not isinstance(data, dict):
        raise FeedParseError("JSON that is not a JSON Feed (not an object)")
    version = data.get("version")
    if not isinstance(version, str) or not version.startswith(_JSON_VERSION):
        raise FeedParseError("JSON that is not a JSON Feed (no jsonfeed.org version)")
    items = data.get("items")
    if not isinstance(items, list):
        raise FeedParseError("a JSON Feed without an items list")
    base = _absolute(data.get("feed_url"), url) or url
    title = plain_line(data["title"]) if isinstance(data.get("title"), str) else ""
    author = _json_author(data)
    link = _absolute(data.get("home_page_url"), base) or _absolute(url, "")
    entries = tuple(
        _json_entry(item, base=base, feed_author=author) for item in items if isinstance(item, dict)
    )
    return ParsedFeed(title=title, link=link, author=author, entries=entries)


def _json_author(item: Mapping[str, Any]) -> str:
    """JSON Feed 1.1 `authors` (a list), 1.0 `author` (one)."""
    candidates = item.get("authors")
    if not isinstance(candidates, list):
        candidates = [item.get("author")]
    for candidate in candidates:
        if isinstance(candidate, Mapping) and isinstance(candidate.get("name"), str):
            name = plain_line(candidate["name"])
            if name:
                return name
    return ""


def _json_date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _json_entry(item: Mapping[str, Any], *, base: str, feed_author: str) -> FeedEntry:
    link = _absolute(item.get("url"), base) or _absolute(item.get("external_url"), base)
    title = plain_line(item["title"]) if isinstance(item.get("title"), str) else ""
    content_html = item.get("content_html")
    content_text = item.get("content_text")
    content = (
        content_html
        if isinstance(content_html, str) and content_html
        else (content_text if isinstance(content_text, str) else "")
    )
    summary = item.get("summary") if isinstance(item.get("summary"), str) else ""
    tags = item.get("tags") if isinstance(item.get("tags"), list) else []
    raw_date = item.get("date_published") if isinstance(item.get("date_published"), str) else ""
    return FeedEntry(
        key=_key(item.get("id"), link, title, raw_date or ""),
        title=_fallback_title(title, summary or content, link),
        link=link,
        summary=summary or "",
        content=content,
        published=_json_date(item.get("date_published")),
        updated=_json_date(item.get("date_modified")),
        author=_json_author(item) or feed_author,
        categories=_unique(plain_line(tag) for tag in tags if isinstance(tag, str)),
        images=_unique(_absolute(item.get(name), base) for name in ("image", "banner_image")),
    )
