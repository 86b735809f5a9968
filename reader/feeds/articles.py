"""Feed entries -> article files in the collection's own format (front matter + Markdown), so
everything reader does with a collection applies to fetched news.

Writing is idempotent: a key -> file index (`.entries.json`, hidden, so the collection walker
skips it) keeps an entry in the same file whatever later happens to its title or date, an entry
whose text has not changed is not touched (its mtime stays), and every write is atomic.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from reader.feeds.model import FeedEntry, ParsedFeed
from reader.feeds.parse import html_to_text, looks_like_html, plain_line
from reader.model import iso_utc
from reader.text import char_escape, sanitize

__all__ = [
    "INDEX_NAME",
    "WriteCounts",
    "article_file_text",
    "entry_file_name",
    "feed_folder_name",
    "write_entries",
]

INDEX_NAME = ".entries.json"
"""The key -> file index inside a feed's folder (hidden: the collection walker skips it)."""
EXCERPT_LENGTH = 400
_SLUG_LENGTH = 80
_FOLDER_SLUG_LENGTH = 60


@dataclass(slots=True)
class WriteCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    paths: list[Path] = field(default_factory=list)
    """Every entry's file, in the feed's order (written or not)."""


# ---------------------------------------------------------------------------------------------
# Names


def _slug(text: str, limit: int) -> str:
    """Lowercase ASCII words joined by `-`, cut at a word under `limit` (like the real files:
    apostrophes vanish, `Intel's` -> `intels`)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    ascii_text = re.sub(r"['`]", "", ascii_text.lower())
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > limit:
        cut = slug[: limit + 1].rsplit("-", 1)[0] if "-" in slug[: limit + 1] else slug[:limit]
        slug = cut.strip("-")
    return slug


def _short_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def entry_file_name(entry: FeedEntry, *, published: datetime) -> str:
    """`YYYY-MM-DD-title-slug-1a2b3c4d.md`: the real collection's names, plus a hash of the key
    so two entries with the same title on the same day never share a file."""
    day = published.astimezone(UTC) if published.tzinfo else published
    slug = _slug(entry.title, _SLUG_LENGTH)
    middle = f"{slug}-" if slug else ""
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}-{middle}{_short_hash(entry.key)}.md"


def feed_folder_name(url: str, title: str = "") -> str:
    """A folder per feed: the slug of its title (else of host and path) and a hash of the URL,
    made of `[a-z0-9-]` only, so it is a safe name on every OS and two feeds never share it."""
    slug = _slug(plain_line(title), _FOLDER_SLUG_LENGTH) if title else ""
    if not slug:
        try:
            parts = urlsplit(url)
            slug = _slug(f"{parts.hostname or ''} {parts.path}", _FOLDER_SLUG_LENGTH)
        except ValueError:
            slug = ""
    return f"{slug or 'feed'}-{_short_hash(url)}"


# ---------------------------------------------------------------------------------------------
# The file's text

# What PyYAML reads raw inside a double-quoted scalar; everything else is written as an escape.
_YAML_PRINTABLE = re.compile("[\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _quote(text: str) -> str:
    """A YAML double-quoted scalar that reads back as exactly `text` (whatever it holds)."""
    out = ['"']
    for char in text:
        if char == '"' or char == "\\":
            out.append("\\" + char)
        elif char in "\ufeff\u2028\u2029" or not _YAML_PRINTABLE.match(char):
            out.append({"\n": "\\n", "\t": "\\t"}.get(char) or char_escape(char))
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _field_text(text: str) -> str:
    """A one-line field as the loader will show it: no controls; and since the loader decodes
    HTML entities, a text whose `&` would be decoded gets its `&` written as `&amp;`, so `&lt;`
    written as text stays `&lt;`."""
    text = plain_line(text)
    if "&" in text and html.unescape(text) != text:
        text = text.replace("&", "&amp;")
    return text


def _excerpt(entry: FeedEntry) -> str:
    source = entry.summary if entry.summary.strip() else entry.content
    text = html_to_text(source) if looks_like_html(source) else plain_line(source)
    if len(text) <= EXCERPT_LENGTH:
        return text
    cut = text[: EXCERPT_LENGTH + 1]
    space = cut.rfind(" ")
    cut = cut[:space] if space >= EXCERPT_LENGTH * 3 // 4 else text[:EXCERPT_LENGTH]
    return cut.rstrip(" ,;:-–—") + "…"


def _domain(link: str) -> str:
    try:
        host = urlsplit(link).hostname or ""
    except ValueError:
        return ""
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def _entry_date(entry: FeedEntry, fallback: datetime) -> datetime:
    moment = entry.published or entry.updated or fallback
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _markdown(fragment: str, base: str) -> str:
    """The body: HTML as Markdown (ATX headings; scripts, styles and data: images dropped,
    links made absolute), plain text as it is; no controls or escape sequences."""
    if not fragment.strip():
        return ""
    if not looks_like_html(fragment):
        return sanitize(fragment, keep_newlines=True).strip("\n")
    from markdownify import MarkdownConverter  # imported when an entry is written

    class _Converter(MarkdownConverter):  # type: ignore[misc]
        def convert_img(self, el: Any, text: str, *args: Any, **kwargs: Any) -> str:
            source = _safe_url(el.get("src") or "", base)
            if not source:
                return ""
            el["src"] = source
            return str(super().convert_img(el, text, *args, **kwargs))

        def convert_a(self, el: Any, text: str, *args: Any, **kwargs: Any) -> str:
            href = _safe_url(el.get("href") or "", base, mail=True)
            if not href:
                return text
            el["href"] = href
            return str(super().convert_a(el, text, *args, **kwargs))

        def convert_script(self, el: Any, text: str, *args: Any, **kwargs: Any) -> str:
            return ""

        def convert_style(self, el: Any, text: str, *args: Any, **kwargs: Any) -> str:
            return ""

    try:
        text = _Converter(heading_style="ATX", bullets="-").convert(fragment)
    except Exception:  # a fragment markdownify cannot take: its text, never a failed fetch
        text = html_to_text(fragment)
    text = re.sub(r"\n{3,}", "\n\n", sanitize(text, keep_newlines=True))
    return text.strip("\n")


def _safe_url(url: str, base: str, *, mail: bool = False) -> str:
    url = sanitize(url).strip()
    if not url:
        return ""
    try:
        absolute = urljoin(base, url) if base else url
        scheme = urlsplit(absolute).scheme.lower()
    except ValueError:
        return ""
    if scheme in ("http", "https") or (mail and scheme == "mailto"):
        return absolute
    return ""


def article_file_text(entry: FeedEntry, feed: ParsedFeed, *, fetched: datetime) -> str:
    """The article file for one entry: front matter in the real files' shape (every string
    double-quoted, so no title can break the YAML) and the content as Markdown."""
    title = _field_text(entry.title) or _field_text(entry.link) or "Untitled"
    lines = ["---", f"title: {_quote(title)}"]
    excerpt = _excerpt(entry)
    if excerpt:
        lines.append(f"excerpt: {_quote(_field_text(excerpt))}")
    lines.append(f"publishedDateTime: {iso_utc(_entry_date(entry, fetched))}")
    if entry.link:
        lines.append(f"originalUrl: {_quote(sanitize(entry.link).strip())}")
        lines.append(f"webUrl: {_quote(sanitize(entry.link).strip())}")
    lines.append('type: "article"')
    name = _field_text(feed.title) or _field_text(entry.author)
    domain = _domain(entry.link) or _domain(feed.link)
    if name or domain:
        lines.append("provider:")
        if name:
            lines.append(f"  name: {_quote(name)}")
        if domain:
            lines.append(f"  domain: {_quote(domain)}")
    topics = list(dict.fromkeys(t for t in (_field_text(c) for c in entry.categories) if t))
    if topics:
        lines.append("topics:")
        lines.extend(f"  - {_quote(topic)}" for topic in topics)
    images = list(dict.fromkeys(u for u in (_safe_url(i, "") for i in entry.images) if u))
    if images:
        lines.append("images:")
        lines.extend(f"  - url: {_quote(url)}" for url in images)
    lines.append(f"feedEntryId: {_quote(sanitize(entry.key))}")
    lines.append("---")
    body = _markdown(entry.content or entry.summary, entry.link or feed.link)
    text = "\n".join(lines) + "\n"
    return text + "\n" + body + "\n" if body else text


# ---------------------------------------------------------------------------------------------
# Writing


def _atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a hidden temporary file in the same folder and a rename:
    a reader (or a crash) never sees half a file."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(temporary, flags, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _load_index(folder: Path) -> dict[str, dict[str, str]]:
    """key -> {"file": name, "date": the date written}; rebuilt from the files' `feedEntryId`
    when the index is missing or unreadable, so a lost index makes no duplicates."""
    try:
        data = json.loads((folder / INDEX_NAME).read_text(encoding="utf-8"))
        entries = data.get("entries") if isinstance(data, dict) else None
        if isinstance(entries, dict):
            return {
                str(key): {"file": str(value["file"]), "date": str(value.get("date", ""))}
                for key, value in entries.items()
                if isinstance(value, dict) and isinstance(value.get("file"), str)
            }
    except (OSError, ValueError):
        pass
    return _rebuild_index(folder)


def _rebuild_index(folder: Path) -> dict[str, dict[str, str]]:
    from reader.frontmatter import FrontMatterError, decode, parse_yaml, split

    index: dict[str, dict[str, str]] = {}
    try:
        names = sorted(p.name for p in folder.iterdir() if p.suffix == ".md")
    except OSError:
        return index
    for name in names:
        try:
            parts = split(decode((folder / name).read_bytes()))
            data = parse_yaml(parts.yaml_text)
        except (OSError, FrontMatterError):
            continue
        if isinstance(data, dict) and isinstance(data.get("feedEntryId"), str):
            moment = data.get("publishedDateTime")
            date = iso_utc(moment) if isinstance(moment, datetime) else ""
            index.setdefault(data["feedEntryId"], {"file": name, "date": date or ""})
    return index


def _parse_iso(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def write_entries(folder: Path, feed: ParsedFeed, *, fetched: datetime) -> WriteCounts:
    """Write every entry of `feed` into `folder` (created): new files for new keys, the same
    file rewritten for a changed entry, nothing for an unchanged one. `fetched` dates an entry
    without a date the first time it is written; later fetches reuse that date."""
    folder.mkdir(parents=True, exist_ok=True)
    index = _load_index(folder)
    taken = {value["file"]: key for key, value in index.items()}
    counts = WriteCounts()
    seen: set[str] = set()
    index_changed = False
    for entry in feed.entries:
        if entry.key in seen:
            continue  # the same key twice in one feed: the first wins
        seen.add(entry.key)
        known = index.get(entry.key)
        fallback = fetched
        if known and not (entry.published or entry.updated):
            fallback = _parse_iso(known.get("date", "")) or fetched
        date = _entry_date(entry, fallback)
        text = article_file_text(entry, feed, fetched=fallback)
        if known:
            name = known["file"]
        else:
            name = entry_file_name(entry, published=date)
            stem, number = name[:-3], 2
            while name in taken or (folder / name).exists():
                name, number = f"{stem}-{number}.md", number + 1
        path = folder / name
        data = text.encode("utf-8")
        try:
            current = path.read_bytes()
        except OSError:
            current = None
        if current == data:
            counts.unchanged += 1
        else:
            _atomic_write(path, data)
            if known and current is not None:
                counts.updated += 1
            else:
                counts.new += 1
        record = {"file": name, "date": iso_utc(date) or ""}
        if index.get(entry.key) != record:
            index[entry.key] = record
            taken[name] = entry.key
            index_changed = True
        counts.paths.append(path)
    if index_changed or not (folder / INDEX_NAME).exists():
        payload = {"version": 1, "entries": index}
        text = json.dumps(payload, indent=1, sort_keys=True) + "\n"
        _atomic_write(folder / INDEX_NAME, text.encode("utf-8"))
    return counts
