"""Reading mode without Textual: fetch an article's best live page and extract its main text.

- `fetch_page` tries the article's URLs in `ordered_links` order (original, web, AMP, CDN AMP,
  website), skipping those a link check already found dead, and falls through to the next on any
  failure. Redirects are followed by hand (at most `MAX_REDIRECTS`, http(s) only), only HTML is
  accepted, the body is streamed and never read past `MAX_BYTES`, and `timeout` bounds the whole
  fetch of one URL, so a hostile or stuck server can cost neither memory nor an endless wait.
- `extract` turns HTML into a title, plain text and Markdown. trafilatura (precision mode) does
  the work; when it keeps less than half of what readability-lxml finds, it probably dropped the
  article, and readability's text is used instead (bench/reading_bench.py measures both). Every
  string returned has been through `reader.text.sanitize`: page text is data, never terminal
  control.
- `ReadingCache` keeps one JSON file per article in the cache dir, so reading again is offline.
- `read_articles` reads many articles concurrently, politely per host.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import hashlib
import json
import os
import re
import tempfile
import warnings
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx

from reader.browser import ordered_links
from reader.links import DEFAULT_USER_AGENT, is_checkable_url
from reader.model import Article, LinkKind, LinkResult, LinkStatus, iso_utc
from reader.text import sanitize

__all__ = [
    "MAX_BYTES",
    "MAX_REDIRECTS",
    "Extracted",
    "FetchError",
    "Page",
    "ReadResult",
    "ReadingCache",
    "extract",
    "fetch_page",
    "read_article",
    "read_articles",
    "readable_links",
]

MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 10
DEFAULT_TIMEOUT = 15.0
# Browsers' own Accept: some servers answer a bare `*/*` with an API or a consent page.
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_MAX_ERROR = 300
# readability-lxml replaces trafilatura's text when trafilatura keeps less than this share of it.
_FALLBACK_RATIO = 0.5
# ... and only when readability's text is this long: on a page without an article it returns
# whatever block is left (a menu, a footer), which is no article either.
_FALLBACK_MIN_WORDS = 30
# PDF, PNG, GIF, JPEG, ZIP, gzip: what a server that sends no Content-Type may still send.
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)


class FetchError(Exception):
    """No page could be read; the message is one line, safe to show."""


@dataclass(frozen=True, slots=True)
class Page:
    """A fetched HTML page: `url` is where it was read (after redirects), `kind` the link used."""

    url: str
    kind: LinkKind
    html: str
    content_type: str


@dataclass(frozen=True, slots=True)
class Extracted:
    """The main text of a page; all empty when there is none (or the HTML is unusable)."""

    title: str = ""
    text: str = ""
    markdown: str = ""
    words: int = 0


@dataclass(frozen=True, slots=True)
class ReadResult:
    """One article read (or not: `error` says why in one line). `fetched_at` is aware UTC."""

    id: str
    url: str | None
    kind: LinkKind | None
    title: str
    text: str
    markdown: str
    words: int
    fetched_at: datetime
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The public JSON shape (and the cache file's)."""
        return {
            "id": self.id,
            "url": self.url,
            "kind": self.kind.value if self.kind is not None else None,
            "title": self.title,
            "text": self.text,
            "markdown": self.markdown,
            "words": self.words,
            "fetched_at": iso_utc(self.fetched_at),
            "error": self.error,
        }

    @classmethod
    def failed(cls, article: Article, error: str) -> ReadResult:
        """No text for `article`: `error` (clipped to one safe line) says why."""
        return cls.without_text(article.id, _clip(error))

    @classmethod
    def unknown(cls, article_id: str) -> ReadResult:
        """The result for an id that names no article of the collection."""
        return cls.without_text(article_id, "unknown article id")

    @classmethod
    def without_text(cls, article_id: str, error: str) -> ReadResult:
        return cls(
            id=article_id,
            url=None,
            kind=None,
            title="",
            text="",
            markdown="",
            words=0,
            fetched_at=_now(),
            error=error,
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReadResult:
        """Inverse of `to_json`; raises KeyError / ValueError / TypeError on a bad shape."""
        kind = data["kind"]
        fetched = datetime.fromisoformat(str(data["fetched_at"]).replace("Z", "+00:00"))
        if fetched.tzinfo is None:
            fetched = fetched.replace(tzinfo=UTC)
        error = data["error"]
        url = data["url"]
        return cls(
            id=str(data["id"]),
            url=None if url is None else str(url),
            kind=None if kind is None else LinkKind(kind),
            title=sanitize(str(data["title"])),
            text=sanitize(str(data["text"]), keep_newlines=True),
            markdown=sanitize(str(data["markdown"]), keep_newlines=True),
            words=int(data["words"]),
            fetched_at=fetched.astimezone(UTC),
            error=None if error is None else sanitize(str(error)),
        )


# -- fetching ----------------------------------------------------------------------------------


class _Redirect(Exception):
    """Raised by a response hook so httpx never parses a `Location` itself (see reader.links)."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


async def _stop_at_redirect(response: httpx.Response) -> None:
    if response.has_redirect_location:
        raise _Redirect(response)


def make_client(*, timeout: float = DEFAULT_TIMEOUT, connections: int = 8) -> httpx.AsyncClient:
    """A client fit for `fetch_page`: no automatic redirects, a Location is judged by us."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout),
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        follow_redirects=False,
        headers={"User-Agent": DEFAULT_USER_AGENT, "Accept": ACCEPT},
        event_hooks={"response": [_stop_at_redirect]},
    )


class _HostLimits:
    """At most `concurrency` requests at once and `per_host` to one host name."""

    def __init__(self, concurrency: int, per_host: int) -> None:
        self._all = asyncio.Semaphore(max(1, concurrency))
        self._per_host = max(1, per_host)
        self._hosts: dict[str, asyncio.Semaphore] = {}

    @contextlib.asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        limit = self._hosts.get(host)
        if limit is None:
            limit = self._hosts[host] = asyncio.Semaphore(self._per_host)
        async with limit, self._all:
            yield


def _clip(text: str) -> str:
    text = " ".join(sanitize(text).split())
    return text if len(text) <= _MAX_ERROR else text[: _MAX_ERROR - 1] + "…"


def _short(exc: BaseException, fallback: str) -> str:
    lines = str(exc).strip().splitlines()
    return lines[-1].strip()[:200] if lines and lines[-1].strip() else fallback


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _charset(content_type: str) -> str | None:
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def decode_html(body: bytes, content_type: str = "") -> str:
    """Text of an HTML body: a BOM, else the header's charset, else `<meta charset>`, else UTF-8.

    An unknown charset name falls through to the next source; bytes that do not decode become
    U+FFFD rather than an error (a page is worth reading with a few broken characters).
    """
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", errors="replace")
    candidates = [_charset(content_type)]
    match = _META_CHARSET.search(body[:4096])
    if match:
        candidates.append(match.group(1).decode("ascii", "replace"))
    for name in candidates:
        if not name:
            continue
        try:
            codec = codecs.lookup(name)
        except LookupError:
            continue
        if codec.name in ("utf-16", "utf-32") and not body.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue  # a <meta> that says utf-16 in an ASCII-compatible file is a lie
        return body.decode(codec.name, errors="replace")
    return body.decode("utf-8", errors="replace")


async def _fetch_one(
    client: httpx.AsyncClient,
    url: str,
    kind: LinkKind,
    *,
    timeout: float,
    limits: _HostLimits | None,
) -> Page:
    """One URL, its redirects followed by hand, within `timeout` in all; raises FetchError."""
    try:
        async with asyncio.timeout(timeout):
            return await _fetch_chain(client, url, kind, limits)
    except TimeoutError:
        raise FetchError(f"no answer within {timeout:g} s") from None
    except httpx.TimeoutException:
        raise FetchError(f"no answer within {timeout:g} s") from None
    except httpx.ConnectError as exc:
        raise FetchError("cannot connect: " + _short(exc, "no answer")) from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise FetchError(_short(exc, "invalid URL")) from None
    except httpx.HTTPError as exc:
        raise FetchError(_short(exc, type(exc).__name__)) from None


async def _fetch_chain(
    client: httpx.AsyncClient, url: str, kind: LinkKind, limits: _HostLimits | None
) -> Page:
    current = url
    seen = {url}
    for _hop in range(MAX_REDIRECTS + 1):
        request = client.build_request("GET", current)
        host = request.url.host
        slot = limits.slot(host) if limits is not None else contextlib.nullcontext()
        async with slot:
            try:
                response = await client.send(request, stream=True)
            except _Redirect as redirect:
                response = redirect.response
                await response.aclose()
            else:
                try:
                    return await _read_body(response, current, kind)
                finally:
                    await response.aclose()
        location = response.headers.get("location", "").strip()
        if not location:
            raise FetchError(f"{response.status_code} redirect without a Location")
        target = urljoin(current, location)
        if not is_checkable_url(target):
            raise FetchError("redirect to a non-http(s) URL not followed: " + target)
        if target in seen:
            raise FetchError("redirect loop back to " + target)
        seen.add(target)
        current = target
    raise FetchError(f"too many redirects (more than {MAX_REDIRECTS})")


async def _read_body(response: httpx.Response, url: str, kind: LinkKind) -> Page:
    if not 200 <= response.status_code < 300:  # a 3xx here has no usable Location
        reason = response.reason_phrase or ""
        raise FetchError(f"HTTP {response.status_code} {reason}".strip())
    content_type = response.headers.get("content-type", "")
    media = _media_type(content_type)
    if media and media not in _HTML_TYPES:
        raise FetchError(f"not an HTML page ({media})")
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BYTES:
        raise FetchError(f"page larger than {MAX_BYTES // (1024 * 1024)} MB, not read")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        if not chunks and not media and chunk.startswith(_BINARY_MAGIC):
            raise FetchError("not an HTML page (a binary file without a Content-Type)")
        size += len(chunk)
        if size > MAX_BYTES:
            raise FetchError(f"page larger than {MAX_BYTES // (1024 * 1024)} MB, not read")
        chunks.append(chunk)
    if not any(chunk.strip() for chunk in chunks):
        raise FetchError("empty page")
    return Page(
        url=url, kind=kind, html=decode_html(b"".join(chunks), content_type), content_type=media
    )


def readable_links(
    article: Article, results: Mapping[str, LinkResult] | None = None, prefer_amp: bool = False
) -> list[tuple[LinkKind, str]]:
    """The URLs reading tries, in order: `ordered_links` without those known to be dead."""
    known = results or {}
    return [
        (kind, url)
        for kind, url in ordered_links(article.urls, prefer_amp=prefer_amp)
        if url not in known or known[url].status is LinkStatus.ALIVE
    ]


async def _live_pages(
    links: list[tuple[LinkKind, str]],
    reasons: list[str],
    *,
    timeout: float,
    client: httpx.AsyncClient | None,
    limits: _HostLimits | None,
) -> AsyncIterator[Page]:
    """Each link's page in turn, as far as the caller asks; failures are added to `reasons`."""
    own = client is None
    http = make_client(timeout=timeout) if client is None else client
    try:
        for kind, url in links:
            try:
                page = await _fetch_one(http, url, kind, timeout=timeout, limits=limits)
            except FetchError as exc:
                reasons.append(f"{kind.value}: {exc}")
                continue
            yield page
    finally:
        if own:
            await http.aclose()


async def fetch_page(
    article: Article,
    *,
    results: Mapping[str, LinkResult] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    client: httpx.AsyncClient | None = None,
    prefer_amp: bool = False,
) -> Page:
    """The article's first live HTML page, in `ordered_links` order; raises FetchError.

    URLs that a link check found dead (any status but alive) are skipped, not retried: the user
    already knows, and a dead host would cost a whole timeout. Any failure falls through to the
    next URL; the error, when none works, names each URL's reason. Pass `client` (from
    `make_client`) to reuse connections.
    """
    links = readable_links(article, results, prefer_amp)
    if not links:
        raise FetchError("no link to read (none, or all known dead)")
    reasons: list[str] = []
    pages = _live_pages(links, reasons, timeout=timeout, client=client, limits=None)
    try:
        async for page in pages:
            return page
    finally:
        await pages.aclose()
    raise FetchError(_clip("; ".join(reasons)))


# -- extraction --------------------------------------------------------------------------------


def _meta_title(tree: Any) -> str:
    for xpath in ('//meta[@property="og:title"]/@content', "//title//text()", "//h1//text()"):
        try:
            found = tree.xpath(xpath)
        except Exception:
            continue
        text = " ".join(" ".join(str(x) for x in found[:1]).split())
        if text:
            return text
    return ""


_BLOCKS = {"p", "div", "section", "article", "pre", "table", "tr", "figure", "figcaption"}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}


def _html_to_markdown(root: Any, base: str | None) -> tuple[str, str]:
    """(plain text, Markdown) of an HTML fragment (readability's summary): blocks as paragraphs."""
    plain: list[str] = []
    marked: list[str] = []

    def inline(el: Any, links: bool) -> str:
        parts = [el.text or ""]
        for child in el:
            tag = child.tag if isinstance(child.tag, str) else ""
            inner = inline(child, links)
            if links and tag == "a" and child.get("href") and inner.strip():
                href = urljoin(base or "", child.get("href"))
                if is_checkable_url(href):
                    inner = f"[{inner.strip()}]({href})"
            elif tag == "br":
                inner = "\n"
            parts.append(inner)
            parts.append(child.tail or "")
        return "".join(parts)

    def walk(el: Any, quote: bool) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _HEADINGS or tag == "li" or (tag in _BLOCKS and not _has_blocks(el)):
            text = " ".join(inline(el, False).split())
            md = " ".join(inline(el, True).split())
            if not text:
                return
            if tag in _HEADINGS:
                md = "#" * _HEADINGS[tag] + " " + md
            elif tag == "li":
                md = "- " + md
            if quote:
                md = "> " + md
            plain.append(text)
            marked.append(md)
            return
        if el.text and el.text.strip() and tag not in ("html", "body"):
            plain.append(" ".join(el.text.split()))
            marked.append(("> " if quote else "") + plain[-1])
        for child in el:
            walk(child, quote or tag == "blockquote")
            if child.tail and child.tail.strip():
                plain.append(" ".join(child.tail.split()))
                marked.append(plain[-1])

    walk(root, False)
    return "\n\n".join(plain), "\n\n".join(marked)


def _has_blocks(el: Any) -> bool:
    return any(
        isinstance(c.tag, str) and (c.tag in _BLOCKS or c.tag in _HEADINGS or c.tag in ("ul", "ol"))
        for c in el.iterdescendants()
    )


def _trafilatura(html: str, url: str | None) -> tuple[str, str]:
    """(plain text, Markdown) from trafilatura; empty when all it kept is link text (a menu).

    The plain text is trafilatura's own (the one the bench scores); the Markdown is rendered here
    from its XML, because its Markdown output drops quotes.
    """
    import trafilatura
    from lxml import etree

    common: dict[str, Any] = {"url": url, "favor_precision": True, "include_comments": False}
    text = trafilatura.extract(html, output_format="txt", **common) or ""
    if not text.strip():
        return "", ""
    xml = trafilatura.extract(
        html, output_format="xml", include_links=True, include_formatting=True, **common
    )
    if not xml:
        return text, text
    root = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(recover=True, no_network=True))
    main = root.find("main") if root is not None else None
    if main is None:
        return text, text
    linked = sum(len("".join(ref.itertext()).split()) for ref in main.iter("ref"))
    if linked >= len(" ".join(main.itertext()).split()):
        return "", ""  # only links: navigation, not an article
    return text, _tei_markdown(main)


def _tei_inline(el: Any) -> str:
    parts = [el.text or ""]
    for child in el:
        inner = _tei_inline(child)
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "ref" and inner.strip() and is_checkable_url(child.get("target") or ""):
            inner = f"[{inner.strip()}]({child.get('target')})"
        elif tag == "hi" and inner.strip():
            rend = child.get("rend") or ""
            mark = "**" if "b" in rend else "*" if "i" in rend else "`" if "t" in rend else ""
            inner = f"{mark}{inner.strip()}{mark}"
        elif tag == "lb":
            inner = "\n"
        parts.append(inner)
        parts.append(child.tail or "")
    return "".join(parts)


def _tei_markdown(main: Any) -> str:
    """Markdown of trafilatura's XML: `#` headings, paragraphs, `-`/`1.` lists, `>` quotes."""
    blocks: list[str] = []

    def line(text: str) -> str:
        return " ".join(text.split())

    def walk(el: Any, prefix: str) -> None:
        for child in el:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag == "head":
                rend = child.get("rend") or "h2"
                level = int(rend[1]) if len(rend) == 2 and rend[1] in "123456" else 2
                blocks.append(prefix + "#" * level + " " + line(_tei_inline(child)))
            elif tag == "list":
                ordered = (child.get("rend") or "").startswith("o")
                items = [line(_tei_inline(i)) for i in child if i.tag == "item"]
                blocks.append(
                    "\n".join(
                        prefix + (f"{n}. " if ordered else "- ") + item
                        for n, item in enumerate(items, 1)
                        if item
                    )
                )
            elif tag == "quote":
                if any(isinstance(c.tag, str) and c.tag in ("p", "list", "head") for c in child):
                    walk(child, prefix + "> ")
                else:
                    blocks.append(prefix + "> " + line(_tei_inline(child)))
            elif tag in ("code", "pre"):
                blocks.append("```\n" + "".join(child.itertext()).strip("\n") + "\n```")
            elif tag == "table":
                for row in child.iter("row"):
                    cells = [line(_tei_inline(c)) for c in row if c.tag == "cell"]
                    blocks.append(prefix + " | ".join(cells))
            elif tag in ("div", "main"):
                walk(child, prefix)
            elif tag != "graphic":
                text = "\n".join(line(part) for part in _tei_inline(child).split("\n"))
                blocks.append(prefix + text.replace("\n", "\n" + prefix))
        return None

    walk(main, "")
    return "\n\n".join(b for b in blocks if b.strip(" >#-"))


def _readability(html: str, url: str | None) -> tuple[str, str]:
    import lxml.html
    from readability import Document

    summary = Document(html, url=url).summary(html_partial=True)
    return _html_to_markdown(lxml.html.fromstring(summary), url)


def _word_count(text: str) -> int:
    return len(text.split())


def extract(html: str, url: str | None = None, *, method: str = "auto") -> Extracted:
    """The page's title and main text (plain and Markdown); empty, never an exception, on bad HTML.

    `method` is "auto" (trafilatura, readability-lxml when trafilatura keeps under half its
    words, and readability found at least `_FALLBACK_MIN_WORDS`), "trafilatura" or "readability"
    (the last two for the bench).
    """
    if not html or not html.strip():
        return Extracted()
    # Escape sequences go whole before parsing: the parser drops the lone ESC, and "[2J" debris
    # would be left in the text for `sanitize` to miss.
    html = sanitize(html, keep_newlines=True)
    title = ""
    try:
        import lxml.html

        title = _meta_title(lxml.html.fromstring(html))
    except Exception:
        pass
    text = markdown = ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method in ("auto", "trafilatura"):
            try:
                text, markdown = _trafilatura(html, url)
            except Exception:
                text = markdown = ""
        if method in ("auto", "readability"):
            try:
                other, other_md = _readability(html, url)
            except Exception:
                other = other_md = ""
            found = _word_count(other)
            if method == "readability" or (
                found >= _FALLBACK_MIN_WORDS and _word_count(text) < _FALLBACK_RATIO * found
            ):
                text, markdown = other, other_md
    text = sanitize(text, keep_newlines=True).strip()
    markdown = sanitize(markdown, keep_newlines=True).strip()
    return Extracted(
        title=" ".join(sanitize(title).split()),
        text=text,
        markdown=markdown,
        words=_word_count(text),
    )


# -- cache -------------------------------------------------------------------------------------


class ReadingCache:
    """One JSON file per article id in `folder` (the cache dir, never the state file).

    File names are a hash of the id (ids may hold any character). Writes are atomic (a temp file,
    then `os.replace`), so a crash leaves the old entry or the new one; an unreadable or corrupt
    file reads as missing. Only successful reads are stored: a failure is worth retrying.
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def _path(self, article_id: str) -> Path:
        digest = hashlib.sha256(article_id.encode("utf-8", "surrogatepass")).hexdigest()
        return self.folder / f"{digest[:32]}.json"

    def get(self, article_id: str) -> ReadResult | None:
        try:
            data = json.loads(self._path(article_id).read_text(encoding="utf-8"))
            result = ReadResult.from_json(data)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        return result if result.id == article_id and result.error is None else None

    def put(self, result: ReadResult) -> None:
        if result.error is not None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self._path(result.id)
        fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(result.to_json(), handle, ensure_ascii=False)
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise


# -- reading -----------------------------------------------------------------------------------


def _now() -> datetime:
    """Now, to the second: what the JSON keeps, so a cached result equals the fresh one."""
    return datetime.now(UTC).replace(microsecond=0)


async def read_article(
    article: Article,
    *,
    results: Mapping[str, LinkResult] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    client: httpx.AsyncClient | None = None,
    prefer_amp: bool = False,
    _limits: _HostLimits | None = None,
) -> ReadResult:
    """Fetch and extract one article; never raises for a network or page problem (see `error`).

    A live page without article text (a consent wall, a script-only shell) falls through to the
    next URL like a dead one; only when no URL gives text is the first such page reported.
    Extraction runs in a thread: it is CPU work that would stall the event loop (and the UI).
    """
    links = readable_links(article, results, prefer_amp)
    if not links:
        return ReadResult.failed(article, "no link to read (none, or all known dead)")
    reasons: list[str] = []
    textless: ReadResult | None = None
    pages = _live_pages(links, reasons, timeout=timeout, client=client, limits=_limits)
    try:
        async for page in pages:
            got = await asyncio.to_thread(extract, page.html, page.url)
            result = ReadResult(
                id=article.id,
                url=page.url,
                kind=page.kind,
                title=got.title or sanitize(article.title),
                text=got.text,
                markdown=got.markdown,
                words=got.words,
                fetched_at=_now(),
                error=None if got.text else "no article text found on the page",
            )
            if got.text:
                return result
            reasons.append(f"{page.kind.value}: no article text")
            textless = textless or result
    finally:
        await pages.aclose()
    return textless if textless is not None else ReadResult.failed(article, "; ".join(reasons))


async def read_articles(
    articles: Iterable[Article],
    *,
    cache: ReadingCache | None,
    results: Mapping[str, LinkResult] | None = None,
    refresh: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    concurrency: int = 8,
    per_host: int = 2,
    on_result: Callable[[ReadResult], None] | None = None,
) -> list[ReadResult]:
    """Read several articles concurrently; one result per article, in input order.

    At most `concurrency` requests at once and `per_host` to one host name (as the link checker).
    A cached result is returned without any network unless `refresh`. `on_result` is called as
    each result lands (cached ones included).
    """
    items = list(articles)
    out: list[ReadResult | None] = [None] * len(items)
    limits = _HostLimits(concurrency, per_host)
    client: httpx.AsyncClient | None = None

    async def one(index: int, article: Article) -> None:
        nonlocal client
        result = None if refresh or cache is None else cache.get(article.id)
        if result is None:
            if client is None:
                client = make_client(timeout=timeout, connections=max(1, concurrency))
            result = await read_article(
                article, results=results, timeout=timeout, client=client, _limits=limits
            )
            if cache is not None:
                with contextlib.suppress(OSError):  # a read-only cache dir must not lose it
                    cache.put(result)
        out[index] = result
        if on_result is not None:
            on_result(result)

    try:
        async with asyncio.TaskGroup() as group:
            for index, article in enumerate(items):
                group.create_task(one(index, article))
    finally:
        if client is not None:
            await client.aclose()
    return [r for r in out if r is not None]
