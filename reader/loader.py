"""Turn folders of article files into a :class:`~reader.model.Collection`.

Loading never aborts: each file becomes an :class:`Article` or an error-level :class:`Problem`, and
a field of the wrong type that the reader can live without is dropped with a warning-level problem.
Values from files are normalised here once (dates to aware UTC, numbers from strings, HTML entities
decoded, mojibake repaired, control characters removed), so everything above sees clean data.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Any

from reader.frontmatter import FrontMatterError, decode, parse_yaml, split
from reader.model import SLIM_EXTRA as SLIM_EXTRA  # re-exported: slim copies live in the model
from reader.model import Article, Collection, Image, Problem, Provider, RelatedArticle, Urls
from reader.model import slim_article as slim_article
from reader.text import preview, sanitize
from reader.walk import ARTICLE_SUFFIXES as ARTICLE_SUFFIXES  # re-exported: walking is there
from reader.walk import dedupe_ids
from reader.walk import iter_article_files as iter_article_files

_KNOWN_FIELDS = frozenset(
    {
        "title",
        "name",
        "excerpt",
        "publishedDateTime",
        "startDateTime",
        "category",
        "type",
        "quality",
        "heat",
        "published",
        "provider",
        "topics",
        "originalUrl",
        "webUrl",
        "ampWebUrl",
        "cdnAmpWebUrl",
        "website",
        "images",
        "related",
    }
)

# Runs of line breaks and tabs in a one-line field become one space (see `clean_text`).
_LINE_BREAKS = re.compile(r"[\t\n\u2028\u2029]+")

# Limits that keep one hostile file from costing more than a fraction of a second and a few MB.
# Real files are far below them (the largest seen: 21 kB, 21 related articles, 5 topics).
MAX_FILE_BYTES = 5 * 1024 * 1024
"""Article files larger than this are a problem (their size is checked before reading)."""
MAX_FRONT_MATTER_CHARS = 1_000_000
"""A longer front matter is a problem (parsing costs about a second per MB)."""
MAX_ITEMS = 200
"""Topics, images and related articles kept per article; the rest are dropped with a warning."""
MAX_TEXT = {"title": 2_000, "excerpt": 20_000}
"""Longest title and excerpt kept (other one-line fields: `MAX_SHORT_TEXT`); cut with a warning."""
MAX_SHORT_TEXT = 1_000
MAX_URL_LENGTH = 8_192
MAX_NUMBER = 10**15
"""Quality and heat beyond this (either sign) are dropped with a warning."""


class _FieldProblems:
    """Collects warning-level problems for one file, with the YAML line of the offending key.

    The YAML text is split into lines only when a problem needs a line number (rarely).
    """

    __slots__ = ("_lines", "first_line", "path", "problems", "yaml_text")

    def __init__(self, path: str, yaml_text: str | None, first_line: int) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.yaml_text = yaml_text
        self.first_line = first_line
        self._lines: list[str] | None = None

    def warn(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.path, self._line_of(key), message, "warning"))

    def _line_of(self, key: str) -> int | None:
        if not self.yaml_text:
            return None
        if self._lines is None:
            self._lines = self.yaml_text.split("\n")
        key = key.split(".", 1)[0]
        prefix = key + ":"
        for offset, line in enumerate(self._lines):
            if line.startswith(prefix) or line.startswith(f'"{key}":'):
                return self.first_line + offset
        return None


# ---------------------------------------------------------------------------------------------
# Text normalisation


# Characters that cannot take part in any pattern of ftfy's mojibake detector (`ftfy.badness`):
# ASCII, the curly quotes, dashes, ellipsis and no-break space of ordinary news text, CJK and
# Hangul. Text made only of these is returned unchanged by `ftfy.fix_encoding`, so the call (a
# large regex, ~40 us per excerpt) is skipped; tests/test_fastparse.py checks the claim.
_MOJIBAKE_FREE = re.compile(
    "[\\x00-\\x7f\\xa0\\u2013\\u2014\\u2018\\u2019\\u201c\\u201d\\u2026"
    "\\u3000-\\u9fff\\uac00-\\ud7a3]*+"
)


def clean_text(value: str, *, multiline: bool = False) -> str:
    """Decode HTML entities, repair mojibake, drop control and invisible characters (the rule of
    :func:`reader.text.sanitize`), join lines (unless `multiline`), trim whitespace."""
    if value.isascii() and value.isprintable() and "&" not in value:
        return value.strip()  # the common case: nothing to repair
    if "&" in value:
        value = html.unescape(value)
    if not value.isascii() and not _MOJIBAKE_FREE.fullmatch(value):
        import ftfy  # a tenth of a second to import: only for text that may be mojibake

        value = ftfy.fix_encoding(value)
    if value.isprintable():  # every character sanitize removes or replaces is unprintable
        return value.strip()
    if not multiline:
        value = _LINE_BREAKS.sub(" ", value)
    return sanitize(value, keep_newlines=multiline).strip()


def clean_body(body: str) -> str:
    """A body as kept: :func:`reader.text.sanitize` with newlines (and tabs) kept, blank lines
    around it dropped.

    Every character `sanitize` removes or replaces is unprintable, so a body that is printable
    apart from its newlines and tabs is already clean: that check costs a few microseconds,
    where the translation of a long body with non-ASCII text costs a millisecond (character by
    character, through a table).
    """
    if not body.replace("\n", "").replace("\t", "").isprintable():
        body = sanitize(body, keep_newlines=True)
    return body.strip("\n")


_MAX_DEPTH = 64


def _too_deep(value: Any) -> bool:
    """True for lists and mappings nested deeper than anyone writes by hand: such a value would
    only make every later step (caching, copying) recurse until it fails."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            if depth >= _MAX_DEPTH:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def _describe(value: Any) -> str:
    """A short name for a value's type, never the value itself (it may be huge)."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, (datetime, date)):
        return "a date"
    if isinstance(value, str):
        return "text"
    return "a " + type(value).__name__


def _capped(value: str, key: str, issues: _FieldProblems) -> str:
    """`value` cut to the longest text kept for `key` (a warning says so): the repairs of
    `clean_text` cost time in proportion to the length, and no real field comes near."""
    limit = MAX_TEXT.get(key.rpartition(".")[2], MAX_SHORT_TEXT)
    if len(value) <= limit:
        return value
    issues.warn(key, f"field '{key}': {len(value):,} characters, cut at {limit:,}")
    return value[:limit] + "…"


def _limited(items: list[Any], key: str, issues: _FieldProblems) -> list[Any]:
    """The first `MAX_ITEMS` entries of a list (a warning says how many were dropped)."""
    if len(items) <= MAX_ITEMS:
        return items
    issues.warn(key, f"field '{key}': {len(items):,} entries, the first {MAX_ITEMS} kept")
    return items[:MAX_ITEMS]


def _text(value: Any, key: str, issues: _FieldProblems, *, multiline: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return clean_text(_capped(value, key, issues), multiline=multiline)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    issues.warn(key, f"field '{key}': expected text, got {_describe(value)}; ignored")
    return ""


def _url(value: Any, key: str, issues: _FieldProblems) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        issues.warn(key, f"field '{key}': expected a URL, got {_describe(value)}; ignored")
        return None
    if len(value) > MAX_URL_LENGTH:
        issues.warn(key, f"field '{key}': a URL of {len(value):,} characters; ignored")
        return None
    url = clean_text(value)
    return url or None


def _int(value: Any, key: str, issues: _FieldProblems) -> int | None:
    if value is None or isinstance(value, bool):
        if isinstance(value, bool):
            issues.warn(key, f"field '{key}': expected a number, got a boolean; ignored")
        return None
    if isinstance(value, int):
        if abs(value) > MAX_NUMBER:
            issues.warn(key, f"field '{key}': a number out of range; ignored")
            return None
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            issues.warn(key, f"field '{key}': not a finite number; ignored")
            return None
        if abs(value) > MAX_NUMBER:
            issues.warn(key, f"field '{key}': a number out of range; ignored")
            return None
        return round(value)
    if isinstance(value, str):
        text = value.strip()
        number: float | None = None
        if len(text) <= 40:  # longer is no number anyone wrote (and int() of it is slow)
            try:
                number = int(text)
            except ValueError:
                try:
                    number = float(text)
                except ValueError:
                    number = None
        if number is not None and number == number and abs(number) <= MAX_NUMBER:
            return round(number)
        issues.warn(key, f"field '{key}': expected a number, got text; ignored")
        return None
    issues.warn(key, f"field '{key}': expected a number, got {_describe(value)}; ignored")
    return None


def _bool(value: Any, key: str, issues: _FieldProblems) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "false", "no"):
        return value.strip().lower() in ("true", "yes")
    if isinstance(value, int):
        return bool(value)
    issues.warn(key, f"field '{key}': expected true or false, got {_describe(value)}; ignored")
    return None


def parse_datetime(value: Any) -> datetime | None:
    """Any date the format allows -> aware UTC datetime. Naive times are taken as UTC.

    Raises ValueError for text that is not a date.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(0, 0))
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            moment = datetime.fromisoformat(text.replace(" ", "T", 1))
    else:
        raise ValueError(_describe(value))
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _datetime(value: Any, key: str, issues: _FieldProblems) -> datetime | None:
    try:
        return parse_datetime(value)
    except (ValueError, OverflowError):
        if isinstance(value, str):
            issues.warn(key, f"field '{key}': not a date ({_preview(value)}); ignored")
        else:
            issues.warn(key, f"field '{key}': expected a date, got {_describe(value)}; ignored")
        return None


def _preview(text: str, limit: int = 40) -> str:
    return preview(" ".join(text[: limit * 4].split()), limit)


def _topics(value: Any, key: str, issues: _FieldProblems) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        issues.warn(key, f"field '{key}': expected a list of text, got {_describe(value)}; ignored")
        return ()
    topics: list[str] = []
    seen: set[str] = set()
    dropped = 0
    for item in _limited(value, key, issues):
        if isinstance(item, str) or (isinstance(item, (int, float)) and not isinstance(item, bool)):
            text = clean_text(_capped(str(item), key, issues))
            if text and text not in seen:
                seen.add(text)
                topics.append(text)
        elif item is not None:
            dropped += 1
    if dropped:
        issues.warn(key, f"field '{key}': {dropped} item(s) that are not text ignored")
    return tuple(topics)


def _provider(value: Any, key: str, issues: _FieldProblems) -> Provider:
    if value is None:
        return Provider()
    if isinstance(value, str):
        return Provider(name=_text(value, f"{key}.name", issues))
    if not isinstance(value, dict):
        issues.warn(key, f"field '{key}': expected a mapping, got {_describe(value)}; ignored")
        return Provider()
    name = _text(value.get("name"), f"{key}.name", issues)
    domain = _text(value.get("domain"), f"{key}.domain", issues)
    logo = None
    images = value.get("images")
    if isinstance(images, list):
        for image in images:
            if isinstance(image, dict) and isinstance(image.get("url"), str):
                logo = _url(image["url"], f"{key}.images", issues)
                break
    elif isinstance(images, str):
        logo = _url(images, f"{key}.images", issues)
    return Provider(name=name or domain, domain=domain, logo=logo)


def _images(value: Any, key: str, issues: _FieldProblems) -> tuple[Image, ...]:
    if value is None:
        return ()
    if isinstance(value, (dict, str)):
        value = [value]
    if not isinstance(value, list):
        issues.warn(key, f"field '{key}': expected a list, got {_describe(value)}; ignored")
        return ()
    images: list[Image] = []
    dropped = 0
    for item in _limited(value, key, issues):
        if isinstance(item, str):
            item = {"url": item}
        if not isinstance(item, dict) or not isinstance(item.get("url"), str):
            dropped += 1
            continue
        url = _url(item["url"], f"{key}.url", issues)
        if not url:
            dropped += 1
            continue
        title = item.get("title")
        images.append(
            Image(
                url=url,
                width=_int(item.get("width"), f"{key}.width", issues),
                height=_int(item.get("height"), f"{key}.height", issues),
                title=_text(title, f"{key}.title", issues) or None
                if isinstance(title, str)
                else None,
            )
        )
    if dropped:
        issues.warn(key, f"field '{key}': {dropped} entry(ies) without a URL ignored")
    return tuple(images)


def _urls(data: dict[str, Any], issues: _FieldProblems) -> Urls:
    return Urls(
        original=_url(data.get("originalUrl"), "originalUrl", issues),
        web=_url(data.get("webUrl"), "webUrl", issues),
        amp=_url(data.get("ampWebUrl"), "ampWebUrl", issues),
        cdn_amp=_url(data.get("cdnAmpWebUrl"), "cdnAmpWebUrl", issues),
        website=_url(data.get("website"), "website", issues),
    )


def _related(value: Any, key: str, issues: _FieldProblems) -> tuple[RelatedArticle, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        issues.warn(key, f"field '{key}': expected a list, got {_describe(value)}; ignored")
        return ()
    related: list[RelatedArticle] = []
    dropped = 0
    for item in _limited(value, key, issues):
        if not isinstance(item, dict):
            dropped += 1
            continue
        title = _text(item.get("title") or item.get("name"), f"{key}.title", issues)
        if not title:
            dropped += 1
            continue
        related.append(
            RelatedArticle(
                title=title,
                excerpt=_text(item.get("excerpt"), f"{key}.excerpt", issues),
                published=_datetime(
                    item.get("publishedDateTime"), f"{key}.publishedDateTime", issues
                ),
                urls=_urls(item, issues),
                provider=_provider(item.get("provider"), f"{key}.provider", issues),
                quality=_int(item.get("quality"), f"{key}.quality", issues),
                type=_text(item.get("type"), f"{key}.type", issues),
            )
        )
    if dropped:
        issues.warn(key, f"field '{key}': {dropped} entry(ies) without a title ignored")
    return tuple(related)


# ---------------------------------------------------------------------------------------------
# Ids


def canonical_url_key(url: str) -> str:
    """The part of a URL that identifies a story: scheme and host lowercased, no fragment."""
    url = url.strip()
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    host, slash, path = rest.partition("/")
    path = path.split("#", 1)[0]
    return f"{scheme.lower()}://{host.lower()}{slash}{path}"


def article_id(canonical_url: str | None, relative_path: str) -> str:
    """A short id, stable across renames: from the canonical URL, else the path in the folder."""
    source = canonical_url_key(canonical_url) if canonical_url else "path:" + relative_path
    # surrogateescape: a file name that is not UTF-8 keeps its bytes (and so its id).
    return hashlib.blake2b(source.encode("utf-8", "surrogateescape"), digest_size=6).hexdigest()


# ---------------------------------------------------------------------------------------------
# One file


def build_article(
    data: dict[str, Any],
    body: str,
    *,
    path: str,
    relative_path: str,
    yaml_text: str | None = None,
    yaml_line: int = 2,
) -> tuple[Article | None, list[Problem]]:
    """A parsed front-matter mapping -> an Article (or None) and the problems found on the way."""
    issues = _FieldProblems(path, yaml_text, yaml_line)
    title_key = "title" if "title" in data else "name"
    raw_title = data.get(title_key)
    if raw_title is None:
        return None, [Problem(path, 2, "no title: the front matter has no 'title' (or 'name')")]
    if not isinstance(raw_title, (str, int, float)) or isinstance(raw_title, bool):
        line = issues._line_of(title_key)
        message = f"field '{title_key}' must be text, got {_describe(raw_title)}"
        return None, [Problem(path, line, message)]
    if not isinstance(raw_title, str):
        issues.warn(title_key, f"field '{title_key}': a number, taken as text")
    title = clean_text(_capped(str(raw_title), "title", issues))
    if not title:
        return None, [Problem(path, issues._line_of(title_key), f"field '{title_key}' is empty")]

    date_key = "publishedDateTime" if "publishedDateTime" in data else "startDateTime"
    urls = _urls(data, issues)
    extra = {}
    for key, value in data.items():
        if key in _KNOWN_FIELDS:
            continue
        if _too_deep(value):
            issues.warn(key, f"field '{key}': nested more than {_MAX_DEPTH} levels deep; ignored")
            continue
        extra[key] = value
    article = Article(
        id=article_id(urls.canonical, relative_path),
        path=path,
        title=title,
        excerpt=_text(data.get("excerpt"), "excerpt", issues),
        body=clean_body(body) if body else "",
        published=_datetime(data.get(date_key), date_key, issues),
        category=_text(data.get("category"), "category", issues),
        type=_text(data.get("type"), "type", issues),
        quality=_int(data.get("quality"), "quality", issues),
        heat=_int(data.get("heat"), "heat", issues),
        published_flag=_bool(data.get("published"), "published", issues),
        provider=_provider(data.get("provider"), "provider", issues),
        topics=_topics(data.get("topics"), "topics", issues),
        urls=urls,
        images=_images(data.get("images"), "images", issues),
        related=_related(data.get("related"), "related", issues),
        extra=extra,
    )
    # In the order of the file's lines (fields are read in the model's order).
    problems = sorted(issues.problems, key=lambda p: (p.line is not None, p.line or 0))
    return article, problems


def load_file(path: str, relative_path: str) -> tuple[Article | None, list[Problem]]:
    """Read and parse one file; any failure becomes a Problem, never an exception."""
    article, problems, _key = load_file_keyed(path, relative_path)
    return article, problems


def load_file_keyed(
    path: str, relative_path: str
) -> tuple[Article | None, list[Problem], tuple[int, int] | None]:
    """:func:`load_file`, plus the size and `mtime_ns` of the file as it was read (None when it
    could not be read): the parse cache's key, without a separate `stat` of every file."""
    try:
        data, info = read_article_bytes(path)
    except UnreadableFile as exc:
        return None, [Problem(path, None, str(exc))], None
    article, problems = _load_data(data, path, relative_path)
    return article, problems, (info.st_size, info.st_mtime_ns)


class UnreadableFile(Exception):
    """A file that is not read: missing, unreadable, not a regular file, or too large."""


_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO opens at once instead of waiting for a writer
    | getattr(os, "O_NOCTTY", 0)  # a terminal device never becomes ours
    | getattr(os, "O_CLOEXEC", 0)
)


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words ("a named pipe", ...)."""
    for test, name in _SPECIAL_KINDS:
        if test(mode):
            return name
    return "not a regular file"


def _size_text(size: int) -> str:
    if size >= 1 << 30:
        return f"{size / (1 << 30):.1f} GB"
    if size >= 1 << 20:
        return f"{size / (1 << 20):.1f} MB"
    return f"{size / 1024:.0f} kB"


def read_article_bytes(path: str) -> tuple[bytes, os.stat_result]:
    """The bytes of an article file and its `fstat`, never blocking and never unbounded.

    Only regular files are read (a FIFO, a device such as `/dev/zero`, a socket is refused
    without a read), and only up to `MAX_FILE_BYTES` (checked on the size before reading, and
    again while reading, for a file that grows). Raises `UnreadableFile` with the reason.
    """
    return read_regular_file(path, limit=MAX_FILE_BYTES)


def read_regular_file(path: str, *, limit: int) -> tuple[bytes, os.stat_result]:
    """:func:`read_article_bytes` with another size limit."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise UnreadableFile(f"cannot read file: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile(f"not a regular file ({file_kind(info.st_mode)}); not read")
        if info.st_size > limit:
            raise UnreadableFile(
                f"file is {_size_text(info.st_size)}; files of at most {_size_text(limit)} are read"
            )
        # One read of size + 1 bytes: a short read is the end of a regular file.
        wanted = info.st_size + 1
        data = os.read(fd, wanted)
        if len(data) == wanted:  # it grew since fstat: read on, up to the limit
            chunks = [data]
            total = len(data)
            while total <= limit:
                chunk = os.read(fd, min(1 << 20, limit + 1 - total))
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
            if total > limit:
                raise UnreadableFile(f"file grew beyond {_size_text(limit)} while it was read")
            data = b"".join(chunks)
        return data, info
    except OSError as exc:
        raise UnreadableFile(f"cannot read file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _load_data(data: bytes, path: str, relative_path: str) -> tuple[Article | None, list[Problem]]:
    try:
        parts = split(decode(data))
        if len(parts.yaml_text) > MAX_FRONT_MATTER_CHARS:
            raise FrontMatterError(
                f"front matter of {len(parts.yaml_text):,} characters; at most "
                f"{MAX_FRONT_MATTER_CHARS:,} are read",
                parts.yaml_line,
            )
        mapping = parse_yaml(parts.yaml_text, first_line=parts.yaml_line)
        if mapping is None:
            raise FrontMatterError("empty front matter", parts.yaml_line)
        if not isinstance(mapping, dict):
            raise FrontMatterError(
                f"front matter is {_describe(mapping)}, not a mapping of fields", parts.yaml_line
            )
    except FrontMatterError as exc:
        return None, [Problem(path, exc.line, exc.message)]
    mapping = {str(key): value for key, value in mapping.items()}
    try:
        return build_article(
            mapping,
            parts.body,
            path=path,
            relative_path=relative_path,
            yaml_text=parts.yaml_text,
            yaml_line=parts.yaml_line,
        )
    except RecursionError:
        return None, [Problem(path, None, "front matter nested too deeply")]


# ---------------------------------------------------------------------------------------------
# Folders (walking them: reader.walk)


def complete_article(article: Article) -> Article:
    """The full article behind a slim one, read again from its file (the id is kept).

    When the file changed so that it no longer parses, the slim article comes back as it is.
    """
    if not article.slim:
        return article
    full, _ = load_file(article.path, os.path.basename(article.path))
    if full is None:
        return article
    return replace(full, id=article.id)


def load_collection(paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str]) -> Collection:
    """Load every article file under `paths` (folders walked recursively, or single files)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    articles: list[Article] = []
    problems: list[Problem] = []
    for root in paths:
        root_str = os.fspath(root)
        if not os.path.lexists(root_str):
            problems.append(Problem(root_str, None, "no such file or folder"))
            continue
        for path, relative in iter_article_files(root_str):
            article, file_problems = load_file(path, relative)
            if article is not None:
                articles.append(article)
            problems.extend(file_problems)
    return Collection(
        articles=dedupe_ids(articles),
        problems=problems,
        roots=tuple(os.fspath(p) for p in paths),
    )
