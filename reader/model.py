"""Typed articles: the one shape every other module agrees on.

No I/O here: the loader builds these, the store, query, links and UI read them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal, TypeVar

_T = TypeVar("_T")


class _Factory:
    """The default of a field that has a default factory (shown as dataclasses show it)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def _quick_init(cls: type[_T]) -> type[_T]:
    """Give a frozen, slotted dataclass an `__init__` that stores each field through its slot.

    A frozen dataclass's own `__init__` must get past the class's `__setattr__` (which refuses),
    so it calls `object.__setattr__` once per field; the slot descriptors store the same values
    in less time, and a warm start builds 100,000 articles. The signature and the
    defaults are the dataclass's; immutability, equality, hashing and `replace` are untouched.
    """
    names: list[str] = []
    params: list[str] = []
    body: list[str] = []
    closure: dict[str, Any] = {"_MISSING": _FACTORY}
    for index, spec in enumerate(dataclasses.fields(cls)):  # type: ignore[arg-type]
        name = spec.name
        names.append(name)
        closure[f"_set{index}"] = getattr(cls, name).__set__
        if spec.default is not dataclasses.MISSING:
            closure[f"_default{index}"] = spec.default
            params.append(f"{name}=_default{index}")
        elif spec.default_factory is not dataclasses.MISSING:
            closure[f"_factory{index}"] = spec.default_factory
            params.append(f"{name}=_MISSING")
            body.append(f"  if {name} is _MISSING: {name} = _factory{index}()")
        else:
            params.append(name)
        body.append(f"  _set{index}(self, {name})")
    source = (
        f"def make({', '.join(closure)}):\n"
        f" def __init__(self, {', '.join(params)}):\n"
        + "\n".join(" " + line for line in body)
        + "\n return __init__\n"
    )
    scope: dict[str, Any] = {}
    exec(source, scope)  # our own field names only, as dataclasses itself does
    init = scope["make"](**closure)
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    init.__annotations__ = {f.name: f.type for f in fields} | {"return": None}
    cls.__init__ = init  # type: ignore[misc]
    return cls


def iso_utc(moment: datetime | None) -> str | None:
    """`2023-08-30T20:54:00Z`: the one time format of machine-readable output and the state file.

    Years are zero-padded (`strftime("%Y")` is not, on glibc, below 1000: what it writes could
    not be read back). A naive time is taken as UTC.
    """
    if moment is None:
        return None
    m = moment.astimezone(UTC) if moment.tzinfo is not None else moment
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}Z"


class LinkKind(StrEnum):
    """Which of an article's URLs a link is; the order is the preference order for opening."""

    ORIGINAL = "original"
    WEB = "web"
    AMP = "amp"
    CDN_AMP = "cdn_amp"
    WEBSITE = "website"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    LinkKind.ORIGINAL: "Original",
    LinkKind.WEB: "Web",
    LinkKind.AMP: "AMP",
    LinkKind.CDN_AMP: "CDN AMP",
    LinkKind.WEBSITE: "Website",
}


@_quick_init
@dataclass(frozen=True, slots=True)
class Urls:
    original: str | None = None
    web: str | None = None
    amp: str | None = None
    cdn_amp: str | None = None
    website: str | None = None

    def items(self) -> list[tuple[LinkKind, str]]:
        """The URLs that are present, in preference order (original, web, AMP, CDN AMP, website)."""
        pairs = (
            (LinkKind.ORIGINAL, self.original),
            (LinkKind.WEB, self.web),
            (LinkKind.AMP, self.amp),
            (LinkKind.CDN_AMP, self.cdn_amp),
            (LinkKind.WEBSITE, self.website),
        )
        return [(kind, url) for kind, url in pairs if url]

    def get(self, kind: LinkKind) -> str | None:
        return getattr(self, kind.value)

    @property
    def canonical(self) -> str | None:
        """The URL that identifies the story: original, else web, else website."""
        return self.original or self.web or self.website


@_quick_init
@dataclass(frozen=True, slots=True)
class Provider:
    name: str = ""
    domain: str = ""
    logo: str | None = None


@_quick_init
@dataclass(frozen=True, slots=True)
class Image:
    url: str
    width: int | None = None
    height: int | None = None
    title: str | None = None


@_quick_init
@dataclass(frozen=True, slots=True)
class RelatedArticle:
    title: str
    excerpt: str = ""
    published: datetime | None = None
    urls: Urls = field(default_factory=Urls)
    provider: Provider = field(default_factory=Provider)
    quality: int | None = None
    type: str = ""


@_quick_init
@dataclass(frozen=True, slots=True)
class Article:
    """One article (or event) of a collection.

    `published` is timezone-aware UTC or None. `extra` keeps front-matter keys the model does not
    know, so nothing in the file is lost.
    """

    id: str
    path: str
    title: str
    excerpt: str = ""
    body: str = ""
    published: datetime | None = None
    category: str = ""
    type: str = ""
    quality: int | None = None
    heat: int | None = None
    published_flag: bool | None = None
    provider: Provider = field(default_factory=Provider)
    topics: tuple[str, ...] = ()
    urls: Urls = field(default_factory=Urls)
    images: tuple[Image, ...] = ()
    related: tuple[RelatedArticle, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    slim: bool = False
    """True for the copy kept in memory by the app: `body`, `images`, `related` and `extra` were
    left out (100,000 articles would not fit in a few hundred MB otherwise); `slim_body`,
    `slim_images` and `slim_related` still say what the file holds, and
    `reader.loader.complete_article()` reads the rest back."""
    slim_body: bool = False
    slim_related: int = 0
    slim_images: int = 0

    @property
    def has_body(self) -> bool:
        return self.slim_body if self.slim else bool(self.body.strip())

    @property
    def related_count(self) -> int:
        return self.slim_related if self.slim else len(self.related)

    @property
    def image_count(self) -> int:
        return self.slim_images if self.slim else len(self.images)


SLIM_EXTRA: dict[str, Any] = {}
"""The one (never mutated) empty `extra` of every slim article: 64 bytes each add up."""


def slim_article(article: Article) -> Article:
    """The copy of an article the app keeps in memory: no body, related articles or extra fields
    (about half the memory of a full article), but what the list, search and links need."""
    if article.slim:
        return article
    # Built directly, not with `dataclasses.replace` (which costs three times as much): a cold
    # load of the app slims every article it parses.
    return Article(
        id=article.id,
        path=article.path,
        title=article.title,
        excerpt=article.excerpt,
        published=article.published,
        category=article.category,
        type=article.type,
        quality=article.quality,
        heat=article.heat,
        published_flag=article.published_flag,
        provider=article.provider,
        topics=article.topics,
        urls=article.urls,
        extra=SLIM_EXTRA,
        slim=True,
        slim_body=article.has_body,
        slim_related=len(article.related),
        slim_images=len(article.images),
    )


UNKNOWN_HEAT = -1
"""What real collections write as the heat of an article they could not rate: shown as "—"."""

Severity = Literal["error", "warning"]


@_quick_init
@dataclass(frozen=True, slots=True)
class Problem:
    """Why a file (or one field of it) could not be used. `line` is 1-based, or None."""

    path: str
    line: int | None
    message: str
    severity: Severity = "error"


@dataclass(frozen=True, slots=True)
class TriageState:
    """What the user has done with one article (kept by the store, keyed by article id)."""

    read: bool = False
    starred: bool = False
    archived: bool = False
    tags: tuple[str, ...] = ()
    first_seen: datetime | None = None
    read_at: datetime | None = None


UNTOUCHED = TriageState()


class LinkStatus(StrEnum):
    """The verdict of one link check."""

    ALIVE = "alive"
    BROKEN = "broken"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class LinkResult:
    """What checking one URL found. `checked_at` is timezone-aware UTC."""

    url: str
    kind: LinkKind
    status: LinkStatus
    code: int | None
    final_url: str | None
    redirects: int
    method: str | None
    elapsed_ms: int
    error: str | None
    checked_at: datetime
    redirect_code: int | None = None
    """The status of the first redirect followed (301, 302, ...): `code` is the last one's."""

    def to_json(self) -> dict[str, Any]:
        """The public JSON shape (`reader check --format json`, store rows)."""
        return {
            "url": self.url,
            "kind": self.kind.value,
            "status": self.status.value,
            "code": self.code,
            "final_url": self.final_url,
            "redirects": self.redirects,
            "method": self.method,
            "elapsed_ms": self.elapsed_ms,
            "error": self.error,
            "checked_at": iso_utc(self.checked_at),
            "redirect_code": self.redirect_code,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LinkResult:
        return cls(
            url=data["url"],
            kind=LinkKind(data["kind"]),
            status=LinkStatus(data["status"]),
            code=data.get("code"),
            final_url=data.get("final_url"),
            redirects=int(data.get("redirects") or 0),
            method=data.get("method"),
            elapsed_ms=int(data.get("elapsed_ms") or 0),
            error=data.get("error"),
            checked_at=datetime.fromisoformat(data["checked_at"]).astimezone(UTC),
            redirect_code=data.get("redirect_code"),
        )


@dataclass(slots=True)
class Collection:
    """The result of a load: every article that could be read, and a problem for what could not."""

    articles: list[Article] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    roots: tuple[str, ...] = ()
    fingerprint: str | None = None
    """Names these exact files cheaply (from the parse cache, when every file was a cache hit);
    what depends only on the files (story clusters) is cached under it. None: unknown."""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def by_id(self) -> dict[str, Article]:
        return {article.id: article for article in self.articles}
