"""OPML: the file every feed reader imports and exports its subscriptions as.

Import (`parse_opml`) is lenient about what readers write and strict about what is safe:

- A feed is an `<outline>` with an `xmlUrl` attribute (in any case: `xmlurl`, `XMLURL` are seen
  in the wild); its name is its `title`, else its `text`. An outline without `xmlUrl` that holds
  others is a folder, named by its `text` (else `title`); nested folders are joined with "/".
- Problems never raise: each is one line in `OpmlResult.problems`, with the line of the outline
  (or the parser's line for malformed XML): non-http(s) URLs and duplicates are skipped, and the
  feeds read before a syntax error are kept (a truncated export still gives most of its feeds).
- **No DOCTYPE.** defusedxml is not a dependency, so this parses with the standard library's
  expat, whose guard against entity expansion (billion laughs) depends on the libexpat a Python
  is built with (2.4.1 and later; older system copies expand without limit). Entities can only be
  declared inside a DOCTYPE, and OPML never needs one, so a document with a DOCTYPE is refused
  outright: no entity is ever expanded, and no external entity or DTD is fetched.

Export (`export_opml`) writes OPML 2.0 with one `type="rss"` outline per feed, grouped under an
outline per folder ("News/Tech" nests Tech inside News); attributes are escaped, and characters
XML cannot hold (and terminal controls) are removed, so any name makes a well-formed file.
"""

from __future__ import annotations

import email.utils
import re
import xml.parsers.expat
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from reader.feeds.model import Subscription
from reader.feeds.subscriptions import check_feed_url
from reader.text import sanitize

__all__ = ["OpmlFeed", "OpmlResult", "export_opml", "parse_opml"]

# Characters XML 1.0 cannot hold at all (not even as character references).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_MAX_SHOWN = 200


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    url: str
    name: str = ""
    folder: str = ""
    """Nested folders joined with "/" ("" at the top)."""


@dataclass(slots=True)
class OpmlResult:
    feeds: list[OpmlFeed] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """One line each, "line N: why"; safe to print (no control characters)."""


class _Refused(Exception):
    """Internal: stop parsing (the message is the problem line)."""


def parse_opml(text: str | bytes) -> OpmlResult:
    """The feeds of an OPML document, with a line per problem; never raises for bad input."""
    result = OpmlResult()
    parser = xml.parsers.expat.ParserCreate()
    stack: list[str | None] = []  # per open <outline>: its folder name, or None (no folder)
    seen: dict[str, int] = {}
    root_checked = False

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal root_checked
        line = parser.CurrentLineNumber
        if not root_checked:
            root_checked = True
            if name.lower() != "opml":
                raise _Refused(f"line {line}: not an OPML document (its root is <{_shown(name)}>)")
        if name.lower() != "outline":
            return
        attrs = {key.lower(): value for key, value in attributes.items()}
        url = attrs.get("xmlurl", "").strip()
        if not url:
            stack.append(_clean(attrs.get("text", "")) or _clean(attrs.get("title", "")) or None)
            return
        stack.append(None)
        problem = check_feed_url(url)
        if problem is not None:
            result.problems.append(f"line {line}: {problem}")
            return
        if url in seen:
            result.problems.append(
                f"line {line}: duplicate of line {seen[url]}, skipped: {_shown(url)}"
            )
            return
        seen[url] = line
        name_ = _clean(attrs.get("title", "")) or _clean(attrs.get("text", ""))
        folder = "/".join(part for part in stack[:-1] if part)
        result.feeds.append(OpmlFeed(url, name_, folder))

    def end(name: str) -> None:
        if name.lower() == "outline" and stack:
            stack.pop()

    def doctype(*_: Any) -> None:
        raise _Refused(
            f"line {parser.CurrentLineNumber}: refused: the document has a DOCTYPE "
            "(OPML needs none, and its entities could expand without bound)"
        )

    def entity(*_: Any) -> None:  # unreachable without a DOCTYPE; a second guard
        raise _Refused(f"line {parser.CurrentLineNumber}: refused: an entity declaration")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    if isinstance(text, str):
        text = text.removeprefix("\ufeff")
    try:
        parser.Parse(text, True)
    except _Refused as refused:
        result.problems.append(str(refused))
    except xml.parsers.expat.ExpatError as exc:
        reason = xml.parsers.expat.ErrorString(exc.code) if exc.code else str(exc)
        result.problems.append(f"line {exc.lineno}: malformed XML: {reason}")
    except (ValueError, UnicodeError) as exc:  # e.g. an unknown encoding in the declaration
        result.problems.append(f"line {parser.CurrentLineNumber}: cannot read: {_shown(str(exc))}")
    return result


def export_opml(
    feeds: Sequence[Subscription],
    *,
    title: str = "reader subscriptions",
    now: datetime | None = None,
) -> str:
    """OPML 2.0 for `feeds`, folders as nested outlines, in the order the feeds come."""
    root = _Folder()
    for feed in feeds:
        node = root
        for part in _folder_parts(feed.folder):
            node = node.child(part)
        node.items.append(feed)
    created = email.utils.format_datetime((now or datetime.now(UTC)).astimezone(UTC), True)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head>",
        f"    <title>{_text(title)}</title>",
        f"    <dateCreated>{created}</dateCreated>",
        "  </head>",
        "  <body>",
    ]
    root.write(lines, 2)
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


@dataclass(slots=True)
class _Folder:
    """A folder while exporting: its feeds and subfolders, in the order they first came."""

    items: list[Subscription | tuple[str, _Folder]] = field(default_factory=list)
    folders: dict[str, _Folder] = field(default_factory=dict)

    def child(self, name: str) -> _Folder:
        folder = self.folders.get(name)
        if folder is None:
            folder = self.folders[name] = _Folder()
            self.items.append((name, folder))
        return folder

    def write(self, lines: list[str], level: int) -> None:
        pad = "  " * level
        for item in self.items:
            if isinstance(item, tuple):
                name, folder = item
                lines.append(f"{pad}<outline text={_attr(name)}>")
                folder.write(lines, level + 1)
                lines.append(f"{pad}</outline>")
            else:
                name = _clean(item.name) or _clean(item.url)
                lines.append(
                    f'{pad}<outline type="rss" text={_attr(name)} title={_attr(name)}'
                    f" xmlUrl={_attr(_NOT_XML.sub('', item.url))}/>"
                )


def _folder_parts(folder: str) -> list[str]:
    return [part for part in (_clean(p) for p in folder.split("/")) if part]


def _clean(text: str) -> str:
    """One line of plain text: no controls, invisible characters or runs of spaces."""
    return " ".join(_NOT_XML.sub("", sanitize(text)).split())


def _text(value: str) -> str:
    """Element text: cleaned, then `&`, `<` and `>` escaped."""
    value = _clean(value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(value: str) -> str:
    """A double-quoted attribute value; the caller has removed what XML cannot hold.

    Whitespace characters become references, or a parser would read them back as spaces.
    """
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = escaped.replace('"', "&quot;")
    for char, ref in (("\t", "&#9;"), ("\n", "&#10;"), ("\r", "&#13;")):
        escaped = escaped.replace(char, ref)
    return f'"{escaped}"'


def _shown(text: str) -> str:
    text = sanitize(text)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"
