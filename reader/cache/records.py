"""Cache records: an article as plain tuples that `marshal` writes and reads fast, and back.

An article is two tuples (no path: it comes from the walk, so a moved root still hits): a
`Record`, what the list and search need, read on every load; and a `Detail` (body, related
articles, extra fields), kept in a second part of the file that a slim (app) load never reads.
A file's `Entry` holds its size and `mtime_ns` when parsed, its record and its problems. The
named tuples say what each position holds; the file holds plain tuples (all marshal writes).
Equal providers (and topics, categories, types) are written once per segment and shared again
when decoded. `extra` values that marshal cannot hold (YAML dates, sets) are pickled.
"""

from __future__ import annotations

import marshal
import pickle
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from reader.model import (
    SLIM_EXTRA,
    Article,
    Image,
    Problem,
    Provider,
    RelatedArticle,
    Urls,
    slim_article,
)

__all__ = [
    "UNUSABLE",
    "Decoder",
    "Detail",
    "Encoder",
    "Entry",
    "Record",
    "Segment",
    "decode_segment",
    "kept",
    "segment",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NO_PROBLEMS: list[Problem] = []  # shared by every entry without problems: never mutated
_MICROSECOND = timedelta(microseconds=1)


class Record(NamedTuple):
    """What the list and search need of an article."""

    id: str
    title: str
    excerpt: str
    has_body: bool
    published_us: int | None  # microseconds since the epoch, UTC
    category: str
    type: str
    quality: int | None
    heat: int | None
    published_flag: bool | None
    provider: tuple[str, str, str | None]  # name, domain, logo
    topics: tuple[str, ...]
    urls: tuple[str | None, ...]  # original, web, amp, cdn_amp, website
    images: tuple[tuple[str, int | None, int | None, str | None], ...]
    related_count: int


class Detail(NamedTuple):
    """The rest of an article, which a slim load never reads."""

    body: str
    related: tuple[tuple[Any, ...], ...]
    extra: Any  # the mapping, or its pickle when `extra_pickled`
    extra_pickled: bool


EncodedProblems = tuple[tuple[int | None, str, str], ...]  # (line, message, severity) each


class Entry(NamedTuple):
    """One file's entry."""

    size: int
    mtime_ns: int
    record: tuple[Any, ...] | None  # a Record, or None for a file that is no article
    problems: EncodedProblems | None  # None: "parse this file yourself" (see UNUSABLE)


RawRecord = tuple[Any, ...]
RawDetail = tuple[Any, ...]
RawEntry = tuple[Any, ...]

#: The entry of a file that could not be encoded: never a hit (size -1), and a worker's way
#: of saying "parse this one yourself" (problems None).
UNUSABLE: RawEntry = tuple(Entry(-1, -1, None, None))


# A segment of the cache file: marshal bytes of `(relatives, entries)` and of the aligned
# details. Parsing produces them chunk by chunk (in worker processes too), and writing the cache
# is then only a matter of concatenating them.
Segment = tuple[bytes, bytes]


def segment(
    relatives: list[str], entries: list[RawEntry], details: list[RawDetail | None]
) -> Segment | None:
    try:
        return marshal.dumps((relatives, entries)), marshal.dumps(details)
    except (ValueError, RecursionError):  # a value marshal refuses: those files are not cached
        return None


_PLAIN_TYPES = (str, int, float, bool, type(None))


def _marshalable(value: Any) -> bool:
    """True for values marshal keeps exactly (no dates, sets or tuples, which YAML never gives)."""
    kind = type(value)
    if kind in _PLAIN_TYPES:
        return True
    if kind is list:
        return all(_marshalable(item) for item in value)
    if kind is dict:
        return all(type(key) is str and _marshalable(item) for key, item in value.items())
    return False


def _micros(moment: datetime | None) -> int | None:
    return None if moment is None else (moment - _EPOCH) // _MICROSECOND


class Encoder:
    """Articles -> records. Equal providers become one tuple, which marshal writes once."""

    def __init__(self) -> None:
        self._providers: dict[tuple[str, str, str | None], tuple[str, str, str | None]] = {}
        # Equal small values (topics, category, type) as one object, which marshal writes
        # once: a record per file each would be decoded, only to be shared and freed again,
        # leaving a 100,000-article heap fragmented.
        self._shared: dict[Any, Any] = {}

    def provider(self, provider: Provider) -> tuple[str, str, str | None]:
        key = (provider.name, provider.domain, provider.logo)
        return self._providers.setdefault(key, key)

    def article(
        self, article: Article | None, problems: list[Problem]
    ) -> tuple[RawRecord | None, RawDetail | None, EncodedProblems]:
        encoded_problems = tuple((p.line, p.message, p.severity) for p in problems)
        if article is None:
            return None, None, encoded_problems
        extra = article.extra
        pickled = not _marshalable(extra)
        share = self._shared.setdefault
        record = Record(
            id=article.id,
            title=article.title,
            excerpt=article.excerpt,
            has_body=article.has_body,
            published_us=_micros(article.published),
            category=share(article.category, article.category),
            type=share(article.type, article.type),
            quality=article.quality,
            heat=article.heat,
            published_flag=article.published_flag,
            provider=self.provider(article.provider),
            topics=share(article.topics, article.topics),
            urls=_urls(article.urls),
            images=tuple((i.url, i.width, i.height, i.title) for i in article.images),
            related_count=article.related_count,
        )
        detail = Detail(
            body=article.body,
            related=tuple(
                (
                    r.title,
                    r.excerpt,
                    _micros(r.published),
                    _urls(r.urls),
                    self.provider(r.provider),
                    r.quality,
                    share(r.type, r.type),
                )
                for r in article.related
            ),
            extra=pickle.dumps(extra, protocol=pickle.HIGHEST_PROTOCOL) if pickled else extra,
            extra_pickled=pickled,
        )
        # marshal writes plain tuples only: the names are for this code, not the file.
        return tuple(record), tuple(detail), encoded_problems


def _urls(urls: Urls) -> tuple[str | None, ...]:
    return (urls.original, urls.web, urls.amp, urls.cdn_amp, urls.website)


class Decoder:
    """Records -> articles (providers shared)."""

    def __init__(self, *, slim: bool = False) -> None:
        self._providers: dict[tuple[str, str, str | None], Provider] = {}
        self.slim = slim
        # Equal small values shared by every article that has them (topics, category, type):
        # a large collection repeats a few dozen of them a hundred thousand times.
        self._shared: dict[Any, Any] = {}

    def entry(
        self, entry: RawEntry, detail: RawDetail | None, path: str
    ) -> tuple[Article | None, list[Problem]]:
        """The article and problems of one file (`entry` an Entry, `detail` a Detail)."""
        _size, _mtime_ns, record, encoded = entry
        problems = (
            [Problem(path, line, message, severity) for line, message, severity in encoded]
            if encoded
            else _NO_PROBLEMS
        )
        if record is None:
            return None, problems
        (
            id_,
            title,
            excerpt,
            has_body,
            published,
            category,
            type_,
            quality,
            heat,
            published_flag,
            provider,
            topics,
            urls,
            images,
            related_count,
        ) = record
        shared = self._shared
        topics = shared.setdefault(topics, topics)
        category = shared.setdefault(category, category)
        type_ = shared.setdefault(type_, type_)
        published_at = None if published is None else _EPOCH + published * _MICROSECOND
        slim = self.slim or detail is None
        if slim:
            body, image_objects, related_objects, extra = "", (), (), SLIM_EXTRA
        else:
            body, related, extra, pickled = detail  # type: ignore[misc]
            image_objects = tuple([Image(*image) for image in images]) if images else ()
            related_objects = tuple([self._related(r) for r in related]) if related else ()
            extra = pickle.loads(extra) if pickled else extra
        article = Article(
            id_,
            path,
            title,
            excerpt,
            body,
            published_at,
            category,
            type_,
            quality,
            heat,
            published_flag,
            self.provider(provider),
            topics,
            Urls(*urls),
            image_objects,
            related_objects,
            extra,
            slim,
            has_body if slim else False,
            related_count if slim else 0,
            len(images) if slim else 0,
        )
        if slim and not self.slim:  # a full load, but this entry has no detail record
            from reader.loader import complete_article

            article = complete_article(article)
        return article, problems

    def provider(self, key: tuple[str, str, str | None]) -> Provider:
        provider = self._providers.get(key)
        if provider is None:
            provider = self._providers[key] = Provider(*key)
        return provider

    def _related(self, fields: tuple[Any, ...]) -> RelatedArticle:
        title, excerpt, published_us, urls, provider, quality, type_ = fields
        return RelatedArticle(
            title,
            excerpt,
            None if published_us is None else _EPOCH + published_us * _MICROSECOND,
            Urls(*urls),
            self.provider(provider),
            quality,
            type_,
        )


def kept(article: Article | None, slim: bool) -> Article | None:
    """The article as a load keeps it (slim for the app)."""
    return slim_article(article) if slim and article is not None else article


def decode_segment(
    decoder: Decoder, segment: Segment, files: list[tuple[str, str]], slim: bool
) -> list[tuple[Article | None, list[Problem]]]:
    """The articles of a segment a worker sent, in the order of `files`."""
    list_part, detail_part = segment
    _relatives, entries = marshal.loads(list_part)
    details = marshal.loads(detail_part) if not slim else [None] * len(entries)
    results = []
    for (path, relative), entry, detail in zip(files, entries, details, strict=True):
        if Entry(*entry).problems is None:  # the worker could not encode it: parse it here
            from reader.loader import load_file  # imported already by whoever parsed the rest

            article, problems = load_file(path, relative)
            results.append((kept(article, slim), problems))
        else:
            results.append(decoder.entry(entry, detail, path))
    return results
