"""Story clusters: the same story from many outlets, found so it can be shown once.

No Textual and no network here: articles in, stories out.

- `canonical_url` turns the many addresses of one page into one key (AMP and CDN AMP copies,
  tracking parameters, `www.`, `http`/`https`, trailing slashes, locale paths, fragments).
- `cluster_articles` links articles that are one story and returns every story of two or more.
  Evidence, strongest first: the same canonical URL; the same title and excerpt; an excerpt
  mostly the same (a reprinted release, a wire story under another headline); a title nearly the
  same; titles and excerpts that share the same rare words. Text evidence only counts between
  articles published within `WINDOW_DAYS` of each other, never when their titles carry different
  numbers (part 1 and part 2, a 2019 and a 2020 report), and never to grow a story past
  `MAX_SPAN_DAYS`. A `related` entry pointing at the other article is a hint that lowers the bar a
  little, never a link on its own (related lists are mostly same-topic).
- Precise first: a false merge hides a different story, which is worse than a duplicate. Two
  stories are only joined when most sampled pairs across them are similar too (an average-linkage
  check), so A~B and B~C do not pull an unrelated C into A's story.
- Never all pairs: articles with the same text form one unit, units are paired only when they
  share one of their rarest words (an inverted index over each unit's few rarest title and
  excerpt words) and their dates overlap, so 100,000 articles cluster in about a second.
- `cluster_articles_cached` keeps the result in a cache folder under a hash of what clustering
  reads from each article, written atomically; a changed collection gets a new key and is
  clustered again, an unreadable cache file counts as missing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from rapidfuzz.fuzz import ratio as _fuzz_ratio

from reader.model import Article

__all__ = [
    "CACHE_VERSION",
    "MAX_SPAN_DAYS",
    "WINDOW_DAYS",
    "Clusters",
    "Story",
    "article_url_keys",
    "cached_clusters",
    "canonical_url",
    "cluster_articles",
    "cluster_articles_cached",
    "clustering_key",
]

WINDOW_DAYS = 4.0
"""Text evidence only links articles published at most this far apart (a story's news cycle)."""

MAX_SPAN_DAYS = 7.0
"""No story grows, through text evidence, to span more than this from first to last article."""

CACHE_VERSION = 1
"""Bumped whenever the method changes, so an old cached result is never reused."""

# Thresholds of the links (see `_link`). Round numbers with margins, not tuned to one data set.
EXCERPT_SAME = 0.5
"""Share of the smaller excerpt's word 3-grams found in the other: 'the same text'."""
TITLE_SAME = 0.9
"""Edit-distance ratio of two titles (rapidfuzz `ratio`): 'the same headline'."""
WORDS_LINK = 0.3
"""TF-IDF cosine of title and excerpt words (title words count twice) for a link from shared
rare words alone; only between different outlets (one outlet's second article on a subject is
a follow-up far more often than a copy, and a copy is caught by the rules above)."""
RELATED_EASING = 0.0
"""How much a `related` entry pointing at the other article lowers WORDS_LINK. Zero: measured on
the labelled set, easing adds no true pair, and on a small collection it merged a same-subject
pair; a related entry still makes the pair a candidate (it is compared even when blocking would
not pair it)."""
COHESION = 0.5
"""Share of sampled pairs across two stories that must be at least weakly similar to join them."""
WEAK_WORDS = 0.15
WEAK_TITLE = 0.25
WEAK_EXCERPT = 0.25
COHESION_SAMPLE = 6
"""Members sampled from each side for the cohesion check (bounds its cost on big stories)."""

KEYS_PER_UNIT = 6
"""Rarest words of each unit used as blocking keys."""
MAX_POSTING = 400
"""A word in more units than this is too common to block on (its rarer words are used instead)."""
MIN_WORDS_FOR_EXCERPT = 6
IDF_FLOOR = 1
"""Units counted at least this many in the IDF (1: none; words shared by all of a tiny collection
weigh little, so a small collection merges less, never more)."""
"""Excerpts shorter than this (in words) give no excerpt evidence."""

_DAY = 86400.0

# ---------------------------------------------------------------------------------------------
# Canonical URLs

_TRACKING_PARAMS = frozenset(
    {
        "source",
        "src",
        "ref",
        "ref_src",
        "ref_url",
        "referrer",
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "mkt_tok",
        "cmpid",
        "cmp",
        "mod",
        "ocid",
        "ncid",
        "smid",
        "sr_share",
        "share",
        "via",
        "amp",
        "amp_js_v",
        "usqp",
        "outputtype",
        "output",
        "platform",
        "_ga",
        "_gl",
        "guccounter",
        "spm",
        "feature",
        "cid",
        "s_cid",
        "ito",
        "__twitter_impression",
    }
)
"""Query parameters that never change which page is shown (lowercased names)."""

_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "_hs", "at_", "ga_", "oly_")

_AMP_VALUE_PARAMS = frozenset({"output", "outputtype", "platform"})
"""Parameters dropped only when they ask for the AMP copy (`output=amp`); kept otherwise."""

_HOST_PREFIXES = ("www.", "amp.", "m.", "mobile.")

_LANG_CODES = "en fr de es it pt nl ja zh ko ru pl sv da no nb fi tr ar he cs hu ro el id th vi uk"
_LANGS = frozenset(_LANG_CODES.split())
_LOCALE = re.compile(r"^([a-z]{2})(?:[-_]([a-z]{2}|[a-z]{4}|\d{3}))?$")
_AMP_SEGMENTS = frozenset({"amp", "google-amp", "amp-page", "amphtml"})
_CDN_AMP = re.compile(r"^/[cvi]/(s/)?", re.IGNORECASE)
_INDEX_PAGES = ("index.html", "index.htm", "index.php", "index.asp", "index.aspx")


def canonical_url(url: str | None) -> str | None:
    """One key for every address of the same page, or None for what is not a web page URL.

    Unwraps CDN AMP addresses (`https://www-example-com.cdn.ampproject.org/c/s/www.example.com/x`)
    and drops `/amp/` segments, `.amp` suffixes, `amp.` and `www.` hosts, `?amp`, `output=amp`,
    tracking parameters (`utm_*`, `source=`, ...), the scheme (`http` and `https` are one page),
    default ports, locale path prefixes (`/en-us/`), `index.html`, trailing slashes and fragments.
    The key is not a URL to open, only to compare: `example.com/a/b?x=1`.
    """
    if not url:
        return None
    text = url.strip()
    scheme, sep, rest = text.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        return None
    rest = rest.split("#", 1)[0]
    for _ in range(3):  # a CDN AMP address wraps the page's own address (at most a few deep)
        host, _slash, path_query = rest.partition("/")
        host = host.rpartition("@")[2].lower()
        if not host.endswith(".cdn.ampproject.org"):
            break
        match = _CDN_AMP.match("/" + path_query)
        if match is None:
            break
        rest = ("/" + path_query)[match.end() :]
    host, _slash, path_query = rest.partition("/")
    host = host.rpartition("@")[2].lower().rstrip(".")
    if host.endswith((":80", ":443")):
        host = host.rpartition(":")[0]
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix) :]
            break
    if not host:
        return None
    path, _q, query = path_query.partition("?")
    if "%" in path:
        path = unquote(path)
    segments = [s for s in path.split("/") if s]
    if len(segments) > 1 and len(segments[0]) in (2, 5, 6, 7):
        match = _LOCALE.match(segments[0].lower())
        if match is not None and (match.group(2) or match.group(1) in _LANGS):
            segments = segments[1:]
    if "amp" in path.lower():
        segments = [_drop_amp(segment) for segment in segments]
        segments = [segment for segment in segments if segment]
    if segments and segments[-1].lower() in _INDEX_PAGES:
        segments.pop()
    key = host + ("/" + "/".join(segments) if segments else "")
    if query:
        params = [p for p in query.split("&") if p and _kept_param(p)]
        if params:
            params.sort()
            key += "?" + "&".join(params)
    return key


def _drop_amp(segment: str) -> str:
    """A path segment without its AMP marking ('' for a segment that is only that)."""
    low = segment.lower()
    if low in _AMP_SEGMENTS:
        return ""
    if low.startswith("amp_") and len(low) > 4:  # `.../amp_articleshow/123.cms`
        return segment[4:]
    if low.startswith("amp-") and low[4:5].isdigit():  # `.../title/amp-11577375858037.html`
        return segment[4:]
    if low.endswith(".amp.html") and len(low) > 9:
        return segment[:-9] + ".html"
    if low.endswith(".amp") and len(low) > 4:
        return segment[:-4]
    return segment


def _kept_param(param: str) -> bool:
    """False for a query parameter that never changes which page is shown."""
    name, _eq, value = param.partition("=")
    low = name.lower()
    if low in _AMP_VALUE_PARAMS:
        return value.lower() not in ("amp", "1", "true", "")
    return not (low in _TRACKING_PARAMS or low.startswith(_TRACKING_PREFIXES))


def article_url_keys(article: Article) -> frozenset[str]:
    """The canonical keys of an article's own page URLs (not its `website`, a site's home page).

    A key without a path (a bare host) identifies a site, not a story, and is left out.
    """
    urls = article.urls
    # A CDN AMP address unwraps to the AMP address: only read when there is no AMP address.
    found = {urls.original, urls.web, urls.amp if urls.amp else urls.cdn_amp}
    keys = set()
    for url in found:
        key = canonical_url(url)
        if key is not None and "/" in key:
            keys.add(key)
    return frozenset(keys)


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True, slots=True)
class Story:
    """Articles that report one story. `id` is the lead's article id (stable across runs while
    the lead stays the lead); `members` are article ids, the lead first, then by date;
    `reasons` say in words why the articles were joined ("same URL", "title 92% similar")."""

    id: str
    lead: str
    members: tuple[str, ...]
    reasons: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.members)

    def to_json(self) -> dict[str, Any]:
        """The public JSON shape (`reader clusters --format json`)."""
        return {
            "id": self.id,
            "size": self.size,
            "lead": self.lead,
            "members": list(self.members),
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True, slots=True)
class Clusters:
    """Every story of two or more articles, and which story each such article is in.

    An article in no story is a story of its own: `story_id` gives its own id for it, so grouped
    views and `cluster:ID` work the same for every article.
    """

    stories: tuple[Story, ...] = ()
    _by_article: dict[str, Story] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, stories: Iterable[Story]) -> Clusters:
        ordered = tuple(stories)
        index = {member: story for story in ordered for member in story.members}
        return cls(ordered, index)

    def story_of(self, article_id: str) -> Story | None:
        """The story of two or more articles that `article_id` is in, or None."""
        return self._by_article.get(article_id)

    def story_id(self, article_id: str) -> str:
        """The id of the story `article_id` is in (its own id when it is alone)."""
        story = self._by_article.get(article_id)
        return story.id if story is not None else article_id

    def by_id(self) -> dict[str, Story]:
        return {story.id: story for story in self.stories}

    def __len__(self) -> int:
        return len(self.stories)


# ---------------------------------------------------------------------------------------------
# Text features

_PUNCTUATION = str.maketrans(
    dict.fromkeys(
        "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
        "\u2018\u2019\u201a\u201c\u201d\u201e\u2013\u2014\u2026"
        "\u00ab\u00bb\u00b7\u2022\u00a0\u2032\u2033",
        " ",
    )
)
_DIGITS = re.compile(r"\d+")
_STOP_WORDS = (
    "a an the and or but of to in on at for from by with as is are was were be been being it "
    "its this that these those there here what which who whom whose how why when where will "
    "would can could should may might must do does did has have had not no yes so than then "
    "too very just about into over under after before up down out off new now more most also "
    "via vs says said say you your we our us they their them he his she her i my me s t ll re "
    "ve d"
)
_STOP = frozenset(_STOP_WORDS.split()) | frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_NONE: frozenset[str] = frozenset()
_STEMS: dict[str, str] = {}
"""Word -> light stem, filled as words are met (shared by every run: words repeat)."""


def _words(text: str) -> list[str]:
    """Lowercased words, compatibility forms folded (NFKC), punctuation dropped.

    `str.translate` and `split` rather than a regular expression: both run in C, and 100,000
    titles and excerpts are split in a fraction of the time."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return text.lower().translate(_PUNCTUATION).split()


def _stem(word: str) -> str:
    """A light stem: plural `s` dropped (`chips` and `chip` are one word), nothing more."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _content(words: list[str]) -> frozenset[str]:
    """The stems of the words that carry meaning (no stop words, no single characters)."""
    distinct = set(words)
    distinct -= _STOP
    stems = _STEMS
    for word in distinct:
        if word not in stems:
            stems[word] = _stem(word)
    return frozenset(map(stems.__getitem__, distinct))


def _shingles(words: Sequence[str]) -> frozenset[int]:
    return frozenset(hash((words[i], words[i + 1], words[i + 2])) for i in range(len(words) - 2))


@dataclass(slots=True)
class _Unit:
    """Articles with the same title and excerpt (and body), compared once."""

    title: str
    title_words: frozenset[str]
    text_words: frozenset[str]
    excerpt: str
    numbers: frozenset[str]
    members: list[int]
    providers: set[str]
    first: float = math.inf
    last: float = -math.inf
    keys: tuple[str, ...] = ()
    norm: float = 0.0
    """Length of the unit's TF-IDF vector (0: not computed yet)."""
    _shingles: frozenset[int] | None = None

    @property
    def shingles(self) -> frozenset[int]:
        """The excerpt's word 3-grams (hashed), computed when first compared."""
        if self._shingles is None:
            words = _words(self.excerpt)
            self._shingles = (
                _shingles(words) if len(words) >= MIN_WORDS_FOR_EXCERPT else frozenset()
            )
        return self._shingles


# ---------------------------------------------------------------------------------------------
# Union-find with story bookkeeping


class _Stories:
    """Union-find over article indices that keeps each root's members, dates and reasons."""

    def __init__(self, times: list[float | None]) -> None:
        n = len(times)
        self.parent = list(range(n))
        self.members: dict[int, list[int]] = {}
        self.first = [t if t is not None else math.inf for t in times]
        self.last = [t if t is not None else -math.inf for t in times]
        self.reasons: dict[int, dict[str, None]] = {}
        self.outlets: dict[int, dict[str, set[int]]] = {}
        """Per root with more than one member: outlet -> the units it has in the story."""
        self.outlet_of: list[str] = [""] * n
        self.unit_of: list[int] = [0] * n

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    def group(self, root: int) -> list[int]:
        return self.members.get(root) or [root]

    def _outlets(self, root: int) -> dict[str, set[int]]:
        found = self.outlets.get(root)
        if found is None:
            outlet = self.outlet_of[root]
            found = {outlet: {self.unit_of[root]}} if outlet else {}
        return found

    def outlet_twice(self, a: int, b: int) -> bool:
        """Would joining roots `a` and `b` give one outlet two different texts in one story?

        An outlet's second article on a subject is a follow-up far more often than a copy (and a
        copy has the same URL or text, caught by stronger links)."""
        outlets_a, outlets_b = self._outlets(a), self._outlets(b)
        if len(outlets_a) > len(outlets_b):
            outlets_a, outlets_b = outlets_b, outlets_a
        for outlet, units in outlets_a.items():
            other = outlets_b.get(outlet)
            if other is not None and not units & other:
                return True
        return False

    def span_after(self, a: int, b: int) -> float:
        first = min(self.first[a], self.first[b])
        last = max(self.last[a], self.last[b])
        return 0.0 if last < first else last - first

    def union(self, a: int, b: int, reason: str) -> None:
        """Join the stories of roots `a` and `b` (the bigger one keeps its root)."""
        if a == b:
            return
        ga, gb = self.group(a), self.group(b)
        if len(ga) < len(gb):
            a, b, ga, gb = b, a, gb, ga
        self.parent[b] = a
        self.members[a] = ga + gb
        self.members.pop(b, None)
        self.first[a] = min(self.first[a], self.first[b])
        self.last[a] = max(self.last[a], self.last[b])
        outlets = self._outlets(a)
        for outlet, units in self._outlets(b).items():
            outlets.setdefault(outlet, set()).update(units)
        self.outlets[a] = outlets
        self.outlets.pop(b, None)
        reasons = self.reasons.setdefault(a, {})
        reasons.update(self.reasons.pop(b, {}))
        reasons[reason] = None


# ---------------------------------------------------------------------------------------------
# Clustering


def cluster_articles(
    articles: Sequence[Article], *, use_related: bool = True, use_body: bool = True
) -> Clusters:
    """Find the stories of two or more articles among `articles` (see the module docstring).

    `use_related`: take `related` entries as a hint; `use_body`: compare bodies where present.
    Slim articles (the app's) have neither, so for the same ids in the CLI and the app, pass the
    same flags or the same kind of article to both.
    """
    n = len(articles)
    if n < 2:
        return Clusters()
    times: list[float | None] = [
        a.published.timestamp() if a.published is not None else None for a in articles
    ]
    stories = _Stories(times)

    # 1. Units: articles with the same text are featurised and compared once.
    units, unit_of = _build_units(articles, times, use_body)
    numbers = [
        frozenset(_DIGITS.findall(a.title)) if units[unit_of[i]].numbers else _NONE
        for i, a in enumerate(articles)
    ]
    stories.unit_of = unit_of
    stories.outlet_of = [_outlet(a) for a in articles]
    # 2. The same page: an exact match of canonical URLs is the strongest evidence.
    url_keys = [article_url_keys(a) for a in articles]
    owner: dict[str, int] = {}
    for index, keys in enumerate(url_keys):
        for key in keys:
            other = owner.setdefault(key, index)
            if other != index:
                stories.union(stories.find(other), stories.find(index), "same URL")

    for unit in units:
        _link_within(unit, times, numbers, stories)

    # 3. Candidate pairs of units: blocking on rare words, dates overlapping.
    idf, df = _idf(units)
    for unit in units:
        unit.keys = _blocking_keys(unit, df)
    candidates = _candidates(units)
    hints = _related_hints(articles, url_keys, unit_of) if use_related else set()
    candidates |= {pair for pair in hints if pair[0] != pair[1]}

    # 4. Score every candidate once; link the strongest first, each through the checks.
    scored: list[tuple[float, int, int, str]] = []
    for u, v in candidates:
        strength, reason = _link(units[u], units[v], idf, (u, v) in hints)
        if strength > 0.0:
            scored.append((strength, u, v, reason))
    scored.sort(key=lambda item: (-item[0], item[1], item[2]))
    scores: dict[tuple[int, int], bool] = {}
    for strength, u, v, reason in scored:
        weak_link = strength < 1.5  # shared words only, no copied text or headline
        for a, b in _member_pairs(units[u], units[v], times):
            ra, rb = stories.find(a), stories.find(b)
            if ra == rb:
                continue
            if stories.span_after(ra, rb) > MAX_SPAN_DAYS * _DAY:
                continue
            if weak_link and stories.outlet_twice(ra, rb):
                continue
            if _numbers_conflict(numbers[a], numbers[b]):
                continue
            if not _cohesive(stories.group(ra), stories.group(rb), unit_of, units, idf, scores):
                continue
            stories.union(ra, rb, reason)
    return _result(articles, stories)


def _build_units(
    articles: Sequence[Article], times: list[float | None], use_body: bool
) -> tuple[list[_Unit], list[int]]:
    units: list[_Unit] = []
    unit_of = [0] * len(articles)
    by_text: dict[tuple[str, str], int] = {}
    for index, article in enumerate(articles):
        excerpt = article.excerpt
        if use_body and article.body:
            excerpt = f"{excerpt}\n{article.body[:2000]}"
        title = _DIGITS.sub("#", article.title)  # numbers are compared per article
        text_key = (title, excerpt)
        unit_index = by_text.get(text_key)
        if unit_index is None:
            unit_index = len(units)
            by_text[text_key] = unit_index
            title_words = _words(title)
            title_content = _content(title_words)
            units.append(
                _Unit(
                    title=" ".join(title_words),
                    title_words=title_content,
                    text_words=title_content | _content(_words(excerpt)),
                    excerpt=excerpt,
                    numbers=frozenset(_DIGITS.findall(article.title)),
                    members=[],
                    providers=set(),
                )
            )
        unit = units[unit_index]
        unit.members.append(index)
        unit_of[index] = unit_index
        provider = _outlet(article)
        if provider:
            unit.providers.add(provider)
        moment = times[index]
        if moment is not None:
            if moment < unit.first:
                unit.first = moment
            if moment > unit.last:
                unit.last = moment
    for unit in units:
        if len(unit.members) > 1:
            unit.members.sort(key=lambda i: (times[i] is None, times[i] or 0.0, i))
    return units, unit_of


def _outlet(article: Article) -> str:
    return (article.provider.domain or article.provider.name).casefold()


def _link_within(
    unit: _Unit, times: list[float | None], numbers: list[frozenset[str]], stories: _Stories
) -> None:
    """Articles with the same title and excerpt, published close together, are one story
    (unless their titles differ in a number: part 1 and part 2 may share an excerpt)."""
    if len(unit.members) < 2 or not unit.text_words:
        return
    previous: int | None = None
    for index in unit.members:
        moment = times[index]
        if moment is None:
            break
        if (
            previous is not None
            and moment - (times[previous] or 0.0) <= WINDOW_DAYS * _DAY
            and not _numbers_conflict(numbers[previous], numbers[index])
        ):
            ra, rb = stories.find(previous), stories.find(index)
            if ra != rb and stories.span_after(ra, rb) <= MAX_SPAN_DAYS * _DAY:
                stories.union(ra, rb, "same title and excerpt")
        previous = index


def _idf(units: Sequence[_Unit]) -> tuple[dict[str, float], Counter[str]]:
    """Inverse document frequency over units (see IDF_FLOOR), and the counts."""
    df = Counter(chain.from_iterable(unit.text_words for unit in units))
    total = max(len(units), IDF_FLOOR) + 1
    log = math.log
    return {word: log(total / (count + 0.5)) for word, count in df.items()}, df


def _blocking_keys(unit: _Unit, df: Counter[str]) -> tuple[str, ...]:
    """The unit's rarest title and excerpt words (seen in at least one other unit)."""
    if unit.first == math.inf:
        return ()
    count = df.__getitem__
    title = sorted(sorted(unit.title_words), key=count)
    title = [w for w in title if count(w) > 1][: KEYS_PER_UNIT // 2]
    rest = sorted(sorted(unit.text_words - unit.title_words), key=count)
    rest = [w for w in rest if count(w) > 1][: KEYS_PER_UNIT - len(title)]
    return (*title, *rest)


def _candidates(units: Sequence[_Unit]) -> set[tuple[int, int]]:
    """Pairs of units that share a blocking key and whose dates come within the window."""
    postings: dict[str, list[int]] = {}
    for index, unit in enumerate(units):
        for key in unit.keys:
            postings.setdefault(key, []).append(index)
    window = WINDOW_DAYS * _DAY
    pairs: set[tuple[int, int]] = set()
    for posting in postings.values():
        if len(posting) < 2 or len(posting) > MAX_POSTING:
            continue
        posting.sort(key=lambda i: units[i].first)
        for position, u in enumerate(posting):
            reach = units[u].last + window
            for v in posting[position + 1 :]:
                if units[v].first > reach:
                    break
                pairs.add((u, v) if u < v else (v, u))
    return pairs


def _related_hints(
    articles: Sequence[Article], url_keys: list[frozenset[str]], unit_of: list[int]
) -> set[tuple[int, int]]:
    """Pairs of units where an article lists the other as related (a hint, never a link)."""
    owner: dict[str, int] = {}
    for index, keys in enumerate(url_keys):
        for key in keys:
            owner.setdefault(key, index)
    hints: set[tuple[int, int]] = set()
    for index, article in enumerate(articles):
        for entry in article.related:
            key = canonical_url(entry.urls.canonical)
            other = owner.get(key) if key is not None else None
            if other is not None:
                u, v = unit_of[index], unit_of[other]
                hints.add((u, v) if u < v else (v, u))
    return hints


def _weighted_overlap(a: frozenset[str], b: frozenset[str], idf: dict[str, float]) -> float:
    """IDF-weighted Jaccard: the weight of the shared words over the weight of all words."""
    if not a or not b:
        return 0.0
    shared = sum(idf[w] for w in a & b)
    if not shared:
        return 0.0
    total = sum(idf[w] for w in a) + sum(idf[w] for w in b) - shared
    return shared / total if total else 0.0


def _excerpt_overlap(a: _Unit, b: _Unit) -> float:
    if not a.shingles or not b.shingles:
        return 0.0
    return len(a.shingles & b.shingles) / min(len(a.shingles), len(b.shingles))


def _numbers_conflict(a: frozenset[str], b: frozenset[str]) -> bool:
    """Titles with different numbers (part 1 and part 2, 2019 and 2020) are different stories."""
    return bool(a and b) and not (a <= b or b <= a)


def _norm(unit: _Unit, idf: dict[str, float]) -> float:
    if not unit.norm:
        title = unit.title_words
        unit.norm = math.sqrt(
            sum((idf[w] * (2.0 if w in title else 1.0)) ** 2 for w in unit.text_words)
        )
    return unit.norm


def _cosine(a: _Unit, b: _Unit, idf: dict[str, float]) -> float:
    """TF-IDF cosine of the units' title and excerpt words, title words weighing twice."""
    shared = a.text_words & b.text_words
    if not shared:
        return 0.0
    ta, tb = a.title_words, b.title_words
    dot = 0.0
    for w in shared:
        weight = idf[w]
        dot += weight * weight * (2.0 if w in ta else 1.0) * (2.0 if w in tb else 1.0)
    return dot / (_norm(a, idf) * _norm(b, idf))


def _link(a: _Unit, b: _Unit, idf: dict[str, float], hinted: bool) -> tuple[float, str]:
    """How strongly two units are one story (0: not at all), and why, in words."""
    if _numbers_conflict(a.numbers, b.numbers):
        return 0.0, ""
    excerpt = _excerpt_overlap(a, b)
    words = _cosine(a, b, idf)
    title = _fuzz_ratio(a.title, b.title) / 100.0 if a.title and b.title else 0.0
    if excerpt >= EXCERPT_SAME and (words >= WEAK_WORDS or title >= 0.6):
        return 2.0 + excerpt, f"excerpt {round(excerpt * 100)}% the same"
    if title >= TITLE_SAME and (words >= WEAK_WORDS or not (a.shingles and b.shingles)):
        return 1.5 + title, f"title {round(title * 100)}% similar"
    if a.providers & b.providers:
        return 0.0, ""
    if words >= WORDS_LINK - (RELATED_EASING if hinted else 0.0):
        shared = sorted(a.text_words & b.text_words, key=lambda w: (-idf[w], w))[:3]
        reason = f"same rare words ({', '.join(shared)}), {round(words * 100)}% similar text"
        if hinted:
            reason += "; listed as related"
        return 1.0 + words, reason
    return 0.0, ""


def _weakly_similar(a: _Unit, b: _Unit, idf: dict[str, float]) -> bool:
    if a is b:
        return True
    if _numbers_conflict(a.numbers, b.numbers):
        return False
    return (
        _cosine(a, b, idf) >= WEAK_WORDS
        or _excerpt_overlap(a, b) >= WEAK_EXCERPT
        or _weighted_overlap(a.title_words, b.title_words, idf) >= WEAK_TITLE
    )


def _cohesive(
    group_a: list[int],
    group_b: list[int],
    unit_of: list[int],
    units: list[_Unit],
    idf: dict[str, float],
    memo: dict[tuple[int, int], bool],
) -> bool:
    """An average-linkage check: most sampled pairs across the two stories are similar too."""
    if len(group_a) == 1 and len(group_b) == 1:
        return True
    sample_a = {unit_of[i] for i in group_a[:COHESION_SAMPLE]}
    sample_b = {unit_of[i] for i in group_b[:COHESION_SAMPLE]}
    good = total = 0
    for u in sample_a:
        for v in sample_b:
            key = (u, v) if u < v else (v, u)
            verdict = memo.get(key)
            if verdict is None:
                verdict = memo[key] = _weakly_similar(units[u], units[v], idf)
            good += verdict
            total += 1
    return good >= COHESION * total


def _member_pairs(a: _Unit, b: _Unit, times: list[float | None]) -> list[tuple[int, int]]:
    """For each article of `a`, the article of `b` nearest in time within the window (and the
    other way round), so two big units are linked in O(size), not O(size squared)."""
    window = WINDOW_DAYS * _DAY
    pairs: list[tuple[int, int]] = []
    for source, target in ((a, b), (b, a)):
        dated = [i for i in target.members if times[i] is not None]
        if not dated:
            continue
        position = 0
        for i in source.members:
            moment = times[i]
            if moment is None:
                continue
            while position + 1 < len(dated) and (times[dated[position + 1]] or 0.0) <= moment:
                position += 1
            best = None
            for j in (dated[position], dated[min(position + 1, len(dated) - 1)]):
                gap = abs((times[j] or 0.0) - moment)
                if gap <= window and (best is None or gap < best[0]):
                    best = (gap, j)
            if best is not None:
                pairs.append((i, best[1]))
        if len(a.members) == 1 and len(b.members) == 1:
            break
    return pairs


def _lead_order(article: Article) -> tuple[int, float, str]:
    """Highest quality first, then the earliest published, then the id."""
    quality = article.quality if article.quality is not None else -1
    moment = article.published.timestamp() if article.published is not None else math.inf
    return (-quality, moment, article.id)


def _result(articles: Sequence[Article], stories: _Stories) -> Clusters:
    found: list[Story] = []
    for root, members in stories.members.items():
        if len(members) < 2:
            continue
        ordered = sorted(members, key=lambda i: _lead_order(articles[i]))
        lead = articles[ordered[0]]
        rest = sorted(ordered[1:], key=lambda i: _date_order(articles[i]))
        ids = (lead.id, *(articles[i].id for i in rest))
        found.append(Story(lead.id, lead.id, ids, tuple(stories.reasons.get(root, {}))))
    found.sort(key=lambda story: story.id)
    return Clusters.of(found)


def _date_order(article: Article) -> tuple[float, str]:
    moment = article.published.timestamp() if article.published is not None else math.inf
    return (moment, article.id)


# ---------------------------------------------------------------------------------------------
# Cache


def clustering_key(
    articles: Sequence[Article], *, use_related: bool = True, use_body: bool = True
) -> str:
    """A hash of everything clustering reads from `articles` (and the method's version): the
    same key means the same stories, a file added, removed or edited means a new key."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"clusters v{CACHE_VERSION} {use_related} {use_body}\n".encode())
    parts: list[str] = []
    for article in articles:
        urls = article.urls
        parts.append(
            "\x1f".join(
                (
                    article.id,
                    article.title,
                    article.excerpt,
                    article.published.isoformat() if article.published is not None else "",
                    str(article.quality),
                    urls.original or "",
                    urls.web or "",
                    urls.amp or "",
                    urls.cdn_amp or "",
                    article.body[:2000] if use_body else "",
                    "\x1e".join(r.urls.canonical or "" for r in article.related)
                    if use_related
                    else "",
                )
            )
        )
    digest.update("\x1d".join(parts).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


_CACHE_PREFIX = f"clusters-v{CACHE_VERSION}-"
_CACHE_KEEP = 4
"""Cached results kept (one per recent collection); older ones are removed."""


def cluster_articles_cached(
    articles: Sequence[Article],
    cache_dir: str | os.PathLike[str],
    *,
    use_related: bool = True,
    use_body: bool = True,
    fingerprint: str | None = None,
) -> Clusters:
    """`cluster_articles`, through a cache in `cache_dir` keyed by `clustering_key`, or by the
    collection's `fingerprint` when it has one (the parse cache's stamp of the very files: no
    hash over 100,000 articles' fields on a hit).

    A hit costs the key (one hash over the articles' fields) and a small JSON read. The result is
    written atomically (a temp file, then `os.replace`); a missing, corrupt or foreign cache file
    is clustered again, an unwritable folder only costs the next call its speed.
    """
    if fingerprint is not None:
        key = _fingerprint_key(fingerprint, use_related, use_body)
    else:
        key = clustering_key(articles, use_related=use_related, use_body=use_body)
    folder = Path(cache_dir)
    path = folder / f"{_CACHE_PREFIX}{key}.json"
    cached = _read_cache(path, key)
    if cached is not None:
        return cached
    result = cluster_articles(articles, use_related=use_related, use_body=use_body)
    with contextlib.suppress(OSError):
        _write_cache(folder, path, key, result)
    return result


def cached_clusters(
    cache_dir: str | os.PathLike[str],
    fingerprint: str,
    *,
    use_related: bool = True,
    use_body: bool = True,
) -> Clusters | None:
    """The stories cached for a collection's `fingerprint`, without its articles (None: not
    cached): what lets the app group a warm collection without loading it in full."""
    key = _fingerprint_key(fingerprint, use_related, use_body)
    return _read_cache(Path(cache_dir) / f"{_CACHE_PREFIX}{key}.json", key)


def _fingerprint_key(fingerprint: str, use_related: bool, use_body: bool) -> str:
    return f"f{fingerprint}{int(use_related)}{int(use_body)}"


def _read_cache(path: Path, key: str) -> Clusters | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["key"] != key:
            return None
        stories = [
            Story(str(s[0]), str(s[1]), tuple(map(str, s[2])), tuple(map(str, s[3])))
            for s in data["stories"]
        ]
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # most recently used: kept when older results are pruned
    return Clusters.of(stories)


def _write_cache(folder: Path, path: Path, key: str, result: Clusters) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    payload = {
        "key": key,
        "stories": [[s.id, s.lead, list(s.members), list(s.reasons)] for s in result.stories],
    }
    handle, temp = tempfile.mkstemp(dir=folder, prefix=".clusters-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(payload, out, ensure_ascii=False, separators=(",", ":"))
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    old = sorted(
        folder.glob(f"{_CACHE_PREFIX}*.json"),
        key=lambda p: p.stat().st_mtime if p.exists() else 0.0,
        reverse=True,
    )
    for stale in old[_CACHE_KEEP:]:
        with contextlib.suppress(OSError):
            stale.unlink()
