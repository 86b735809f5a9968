"""The query language's evaluation: `QueryIndex` (fast, over a whole collection) and `matches`
(the plain reference evaluator for one article that the tests hold `QueryIndex` to).

`QueryIndex(articles).select(query, context)` evaluates a query fast enough to run on every
keystroke. Link status comes from the caller as a mapping article id -> "alive" | "broken"; an id
that is missing is "unchecked" (any other value matches none of the three). `now()` is the one
clock of `age:` terms, for the CLI and the app alike.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from reader.model import UNTOUCHED, Article, TriageState
from reader.query.syntax import (
    Age,
    And,
    Compare,
    DateBound,
    Flag,
    Match,
    Node,
    Not,
    Or,
    Query,
    Text,
)

if TYPE_CHECKING:  # reader.clusters is imported only when stories are asked for
    from reader.clusters import Clusters

__all__ = ["QueryContext", "QueryIndex", "matches", "now"]

_OPS: dict[str, Callable[[object, object], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "=": operator.eq,
}


def now() -> datetime:
    """The time `age:` terms count from (tests replace it to fix the clock)."""
    return datetime.now(UTC)


def _now() -> datetime:
    return now()  # looked up when called (where a parameter named `now` hides the function)


_SEP = "\x00"  # joins searchable fields: a needle without it cannot match across two fields
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = _EPOCH.toordinal()
_US_PER_DAY = 86_400 * 1_000_000
_MISSING = float("nan")  # compares False with every number: missing values never match
_TEXT_CACHE_SIZE = 64


def _fold(value: str) -> str:
    return value.casefold()


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _micros(moment: datetime) -> int:
    """Exact microseconds since the epoch (floats would blur boundaries such as age<3d)."""
    return (_utc(moment) - _EPOCH) // timedelta(microseconds=1)


def _day_start_micros(day: date) -> int:
    return (day.toordinal() - _EPOCH_ORDINAL) * _US_PER_DAY


@dataclass(frozen=True, slots=True)
class QueryContext:
    """What a query needs besides the articles: triage state by article id (missing: untouched),
    link status by article id ("alive" | "broken"; missing: unchecked), and the time for `age`.
    """

    states: Mapping[str, TriageState] = field(default_factory=dict)
    link_status: Mapping[str, str] = field(default_factory=dict)
    now: datetime = field(default_factory=_now)
    clusters: Clusters | None = None
    """Story clusters for `has:duplicates` and `cluster:` (None: no article has duplicates)."""


def matches(
    query: Query,
    article: Article,
    state: TriageState | None = None,
    link_status: str | None = None,
    now: datetime | None = None,
    story: str | None = None,
) -> bool:
    """The reference evaluator: does one article match? Slow and plain, for tests and one-offs.
    `story`: the id of the story of two or more articles that the article is in, if any."""
    if query.root is None:
        return True
    moment = _utc(now) if now is not None else _now()
    return _match_node(
        query.root, article, state or UNTOUCHED, link_status or "unchecked", moment, story
    )


def _match_node(
    node: Node, a: Article, state: TriageState, link: str, now: datetime, story: str | None
) -> bool:
    if isinstance(node, And):
        return all(_match_node(c, a, state, link, now, story) for c in node.children)
    if isinstance(node, Or):
        return any(_match_node(c, a, state, link, now, story) for c in node.children)
    if isinstance(node, Not):
        return not _match_node(node.child, a, state, link, now, story)
    if isinstance(node, Text):
        needle = _fold(node.value)
        fields = (a.title, a.excerpt, a.provider.name, *a.topics)
        return any(needle in _fold(f) for f in fields)
    if isinstance(node, Match):
        value = _fold(node.value)
        if node.field == "topic":
            return value in {_fold(t) for t in a.topics}
        if node.field == "provider":
            return value in _fold(a.provider.name) or value in _fold(a.provider.domain)
        if node.field == "category":
            return value == _fold(a.category)
        if node.field == "type":
            return value == _fold(a.type)
        if node.field == "cluster":
            return value == _fold(story or a.id)
        return value in {_fold(t) for t in state.tags}
    if isinstance(node, Flag):
        if node.field == "is":
            return {
                "read": state.read,
                "unread": not state.read,
                "starred": state.starred,
                "archived": state.archived,
            }[node.value]
        if node.field == "has":
            return {
                "original": bool(a.urls.original),
                "amp": bool(a.urls.amp or a.urls.cdn_amp),
                "image": a.image_count > 0,
                "related": a.related_count > 0,
                "body": a.has_body,
                "duplicates": story is not None,
            }[node.value]
        return link == node.value
    if isinstance(node, Compare):
        number = a.quality if node.field == "quality" else a.heat
        return number is not None and _OPS[node.op](number, node.value)
    if a.published is None:
        return False
    published = _utc(a.published)
    if isinstance(node, DateBound):
        day = published.astimezone(UTC).date()
        return day >= node.value if node.field == "after" else day <= node.value
    age_us = (now - published) // timedelta(microseconds=1)
    return _OPS[node.op](age_us, node.seconds * 1_000_000)


class QueryIndex:
    """Per-article search data computed once per collection, so that `select` costs a few list
    comprehensions over precomputed strings, sets and numbers instead of walking Articles.

    `select` narrows set-at-a-time: an AND filters the candidates of one child through the next
    (cheap, selective terms first), OR unions its children over the same candidates, NOT removes
    its child's matches. Results keep the original (or `within`'s) order.
    """

    def __init__(self, articles: Sequence[Article]) -> None:
        self.articles = articles
        fold = str.casefold
        folded: dict[str, str] = {}  # topics, providers, categories, types repeat: fold each once

        def fold_short(value: str) -> str:
            result = folded.get(value)
            if result is None:
                result = folded[value] = fold(value)
            return result

        self.ids: list[str] = []
        self._text: list[str] = []  # see _compact
        self._provider: list[str] = []
        self._topics: list[frozenset[str]] = []
        self._category: list[str] = []
        self._type: list[str] = []
        self._rows_by: dict[str, dict[str, list[int]]] = {"topic": {}, "category": {}, "type": {}}
        self._has: dict[str, list[int]] = {
            "original": [],
            "amp": [],
            "image": [],
            "related": [],
            "body": [],
        }
        quality: list[int | float] = []
        heat: list[int | float] = []
        self._published: list[int | float] = []
        by_topic = self._rows_by["topic"]
        by_category = self._rows_by["category"]
        by_type = self._rows_by["type"]
        has_original, has_amp, has_image, has_related, has_body = self._has.values()
        epoch = _EPOCH
        micro = timedelta(microseconds=1)
        # Articles share providers and topic lists: one folded copy of each, not one per article
        # (at 100,000 articles that adds up).
        provider_keys: dict[tuple[str, str], str] = {}
        topic_sets: dict[tuple[str, ...], frozenset[str]] = {}
        for i, a in enumerate(articles):
            provider = a.provider
            topics = topic_sets.get(a.topics)
            if topics is None:
                topics = topic_sets[a.topics] = frozenset([fold_short(t) for t in a.topics])
            self.ids.append(a.id)
            fields = [fold(a.title), fold(a.excerpt), fold_short(provider.name)]
            fields.extend([fold_short(t) for t in a.topics])
            self._text.append(_compact(_SEP.join(fields)))
            provider_pair = (provider.name, provider.domain)
            provider_key = provider_keys.get(provider_pair)
            if provider_key is None:
                provider_key = provider_keys[provider_pair] = (
                    fold_short(provider.name) + _SEP + fold_short(provider.domain)
                )
            self._provider.append(provider_key)
            self._topics.append(topics)
            for topic in topics:
                rows = by_topic.get(topic)
                if rows is None:
                    by_topic[topic] = [i]
                else:
                    rows.append(i)
            category = fold_short(a.category)
            kind = fold_short(a.type)
            self._category.append(category)
            self._type.append(kind)
            by_category.setdefault(category, []).append(i)
            by_type.setdefault(kind, []).append(i)
            urls = a.urls
            if urls.original:
                has_original.append(i)
            if urls.amp or urls.cdn_amp:
                has_amp.append(i)
            if a.image_count:
                has_image.append(i)
            if a.related_count:
                has_related.append(i)
            if a.has_body:
                has_body.append(i)
            quality.append(_MISSING if a.quality is None else a.quality)
            heat.append(_MISSING if a.heat is None else a.heat)
            published = a.published
            if published is None:
                self._published.append(_MISSING)
            else:
                if published.tzinfo is None:
                    published = published.replace(tzinfo=UTC)
                self._published.append((published - epoch) // micro)
        self._has_flags: dict[str, bytearray] = {}  # one byte per row: far less than a set
        for name, rows in self._has.items():
            flags = self._has_flags[name] = bytearray(len(articles))
            for row in rows:
                flags[row] = 1
        self._numbers: dict[str, list[int | float]] = {"quality": quality, "heat": heat}
        self._all = range(len(articles))
        # Rows of recent free-text needles over the whole collection: typing "rob", "robo",
        # "robot" searches only the rows the shorter needle matched (a superset).
        self._text_cache: dict[str, list[int]] = {}
        self._lock = threading.Lock()  # select() may run in worker threads

    def __len__(self) -> int:
        return len(self.articles)

    def clear_cache(self) -> None:
        """Forget cached free-text results (for benchmarks; results never go stale otherwise)."""
        with self._lock:
            self._text_cache.clear()

    def select(
        self, query: Query, context: QueryContext, *, within: Sequence[int] | None = None
    ) -> list[int]:
        """Indices of the matching articles, in the original order (or in `within`'s order)."""
        candidates: Sequence[int] = self._all if within is None else within
        if query.root is None:
            return list(candidates)
        return self._eval(query.root, candidates, context)

    # Each _eval returns the members of `cand` that match, in `cand`'s order.
    def _eval(self, node: Node, cand: Sequence[int], ctx: QueryContext) -> list[int]:
        if isinstance(node, And):
            rows: Sequence[int] = cand
            for child in sorted(node.children, key=_cost):
                if not rows:
                    break
                rows = self._eval(child, rows, ctx)
            return list(rows)
        if isinstance(node, Or):
            found: set[int] = set()
            rest: Sequence[int] = cand
            for child in node.children:
                found.update(self._eval(child, rest, ctx))
                if len(found) * 4 > len(rest):
                    rest = [i for i in rest if i not in found]
            return [i for i in cand if i in found]
        if isinstance(node, Not):
            excluded = set(self._eval(node.child, cand, ctx))
            return [i for i in cand if i not in excluded]
        return self._leaf(node, cand, ctx)

    def _leaf(self, node: Node, cand: Sequence[int], ctx: QueryContext) -> list[int]:
        full = cand is self._all
        if isinstance(node, Text):
            folded = _fold(node.value)
            if _SEP in folded:
                return self._slow(node, cand)
            needle = _compact(folded)
            if full:
                return list(self._text_rows(needle))
            text = self._text
            return [i for i in cand if needle in text[i]]
        if isinstance(node, Match):
            value = _fold(node.value)
            if node.field == "provider":
                if _SEP in value:
                    return self._slow(node, cand)
                prov = self._provider
                return [i for i in cand if value in prov[i]]
            if node.field == "cluster":
                story_id = ctx.clusters.story_id if ctx.clusters is not None else str
                ids = self.ids
                return [i for i in cand if _fold(story_id(ids[i])) == value]
            if node.field == "tag":
                states = ctx.states
                ids = self.ids
                return [
                    i
                    for i in cand
                    if (s := states.get(ids[i])) is not None and value in {_fold(t) for t in s.tags}
                ]
            if full:
                return list(self._rows_by[node.field].get(value, ()))
            if node.field == "topic":
                topics = self._topics
                return [i for i in cand if value in topics[i]]
            column = self._category if node.field == "category" else self._type
            return [i for i in cand if column[i] == value]
        if isinstance(node, Flag):
            return self._flag(node, cand, ctx, full=full)
        if isinstance(node, Compare):
            return _compare(self._numbers[node.field], node.op, node.value, cand)
        now = _micros(ctx.now)
        if isinstance(node, DateBound):
            if node.field == "after":
                return _compare(self._published, ">=", _day_start_micros(node.value), cand)
            end = _day_start_micros(node.value) + _US_PER_DAY
            return _compare(self._published, "<", end, cand)
        assert isinstance(node, Age)
        # age < s  <=>  now - published < s  <=>  published > now - s (exact integers)
        flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}[node.op]
        return _compare(self._published, flipped, now - node.seconds * 1_000_000, cand)

    def _text_rows(self, needle: str) -> list[int]:
        """All rows whose searchable text holds `needle`, refined from the best cached superset."""
        with self._lock:
            rows = self._text_cache.get(needle)
            if rows is not None:
                return rows
            base = max((k for k in self._text_cache if k in needle), key=len, default=None)
            base_rows = None if base is None else self._text_cache[base]
        text = self._text
        if base_rows is None:
            rows = [i for i, t in enumerate(text) if needle in t]
        else:
            rows = [i for i in base_rows if needle in text[i]]
        with self._lock:
            self._text_cache[needle] = rows
            if len(self._text_cache) > _TEXT_CACHE_SIZE:
                del self._text_cache[next(iter(self._text_cache))]
        return rows

    def _slow(self, node: Node, cand: Sequence[int]) -> list[int]:
        """The reference evaluator per row: for needles holding the field separator."""
        articles = self.articles
        return [i for i in cand if _match_node(node, articles[i], UNTOUCHED, "", _EPOCH, None)]

    def _flag(self, node: Flag, cand: Sequence[int], ctx: QueryContext, *, full: bool) -> list[int]:
        if node.value == "duplicates":
            clusters = ctx.clusters
            if clusters is None:
                return []
            ids = self.ids
            return [i for i in cand if clusters.story_of(ids[i]) is not None]
        if node.field == "has":
            if full:
                return list(self._has[node.value])
            flags = self._has_flags[node.value]
            return [i for i in cand if flags[i]]
        ids = self.ids
        if node.field == "link":
            links = ctx.link_status
            if node.value == "unchecked":
                return [i for i in cand if (links.get(ids[i]) or "unchecked") == "unchecked"]
            value = node.value
            return [i for i in cand if links.get(ids[i]) == value]
        states = ctx.states
        if node.value == "unread":
            return [i for i in cand if not ((s := states.get(ids[i])) is not None and s.read)]
        attr = {"read": "read", "starred": "starred", "archived": "archived"}[node.value]
        return [i for i in cand if (s := states.get(ids[i])) is not None and getattr(s, attr)]


def _compact(text: str) -> str:
    """Text to search in, one byte per character: its UTF-8 bytes, each read as a Latin-1
    character (ASCII stays as it is).

    One curly quote makes a Python string two bytes per character (an emoji, four); searched
    the same way, the needle matches exactly where it matches the text (UTF-8 is
    self-synchronising), and large collections take much less memory. (Bytes would too, but
    `in` on bytes is slower.)
    """
    return text if text.isascii() else text.encode("utf-8", "surrogatepass").decode("latin-1")


def _compare(column: list[int | float], op: str, value: int, cand: Sequence[int]) -> list[int]:
    """Rows whose column value satisfies `op value`; NaN (missing) satisfies nothing."""
    if op == ">":
        return [i for i in cand if column[i] > value]
    if op == ">=":
        return [i for i in cand if column[i] >= value]
    if op == "<":
        return [i for i in cand if column[i] < value]
    if op == "<=":
        return [i for i in cand if column[i] <= value]
    return [i for i in cand if column[i] == value]


def _cost(node: Node) -> int:
    """Rough cost of evaluating `node` per candidate, so an AND runs cheap filters first."""
    if isinstance(node, Flag | Match | Compare | DateBound | Age):
        return 0
    if isinstance(node, Text):
        return 1
    return 2
