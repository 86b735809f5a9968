"""The query language shared by the search bar, the CLI (`--query`) and saved searches.

`parse_query(text)` turns a query into a `Query` (or raises `QueryError` naming the position and
what was expected); `QueryIndex(articles).select(query, context)` evaluates it over a whole
collection fast enough to run on every keystroke; `matches(...)` is the slow, obviously correct
evaluator over one article that the tests hold `select` to.

Grammar (case-insensitive everywhere except the keywords `OR` and `AND`, which are upper case):

- **Free words** match as substrings of the title, excerpt, provider name or any topic (a word never
  matches across two of those fields). Every word must match. `"quoted phrases"` match as a whole;
  inside quotes `\\"` is a quote and `\\\\` a backslash.
- **Field terms**: `topic:X` (a topic equal to X), `provider:X` (substring of provider name or
  domain), `category:X`, `type:X` (equal), `tag:X` (a user tag equal to X), `is:read|unread|starred|
  archived`, `has:original|amp|image|related|body` (`amp`: an AMP or a CDN AMP URL; `body`: a body
  that is not blank), `link:alive|broken|unchecked`. Values with spaces are quoted:
  `topic:"AI Ethics"`. Field names are case-insensitive (`Topic:AI`).
- **Comparisons**: `quality` and `heat` with `>`, `>=`, `<`, `<=`, `=` and a whole number
  (`quality>80`, `heat>=-1`); `quality:>80` is the same as `quality>80` and `quality:80` the same
  as `quality=80`. `after:YYYY-MM-DD` and `before:YYYY-MM-DD` are inclusive, on the UTC date.
  `age<3d`, `age>12h`, `age<=2w` (units m minutes, h hours, d days, w weeks; `age:<3d` works too).
  An article without the value (no quality, no date) never satisfies a comparison, so
  `-quality>80` selects it (it is "not known to be above 80").
- **Operators**: a leading `-` negates a term or a group (`-topic:ai`, `-(a OR b)`); terms side by
  side are ANDed (an explicit `AND` is allowed); `OR` goes between terms; parentheses group.
  Precedence: `-` binds tightest, then AND, then OR: `a b OR c` is `(a b) OR c`.
- **Unknown fields**: `foo:bar` where `foo` is a plain word that is not a field is an error naming
  the known fields (a typo such as `topci:ai` should not silently search text). A URL-ish word
  whose value starts with `//` (`http://x`) is free text, as is a word ending in a colon
  (`Breaking:`) and anything quoted (`"foo:bar"`).
- The empty query (or only spaces) matches everything.

Link status comes from the caller as a mapping article id -> "alive" | "broken"; an id that is
missing is "unchecked" (any other value matches none of the three).
"""

from __future__ import annotations

import operator
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from reader.model import UNTOUCHED, Article, TriageState

__all__ = [
    "FIELDS",
    "Age",
    "And",
    "Compare",
    "DateBound",
    "Flag",
    "Match",
    "Node",
    "Not",
    "Or",
    "Query",
    "QueryContext",
    "QueryError",
    "QueryIndex",
    "Text",
    "matches",
    "parse_query",
    "quote_value",
    "uses_links",
    "uses_state",
    "uses_time",
]


class QueryError(ValueError):
    """A malformed query: `position` is a 0-based character offset into the query text."""

    def __init__(self, position: int, expected: str) -> None:
        super().__init__(f"position {position}: expected {expected}")
        self.position = position
        self.expected = expected


# --------------------------------------------------------------------------------------------
# Syntax tree


@dataclass(frozen=True, slots=True)
class Text:
    """A free word or quoted phrase: a case-insensitive substring of the searchable fields."""

    value: str


@dataclass(frozen=True, slots=True)
class Match:
    """`topic:`, `provider:`, `category:`, `type:`, `tag:` with its value as typed."""

    field: Literal["topic", "provider", "category", "type", "tag"]
    value: str


@dataclass(frozen=True, slots=True)
class Flag:
    """`is:`, `has:`, `link:` with its (lower-case) value."""

    field: Literal["is", "has", "link"]
    value: str


@dataclass(frozen=True, slots=True)
class Compare:
    """`quality` or `heat` compared with a whole number."""

    field: Literal["quality", "heat"]
    op: str
    value: int


@dataclass(frozen=True, slots=True)
class DateBound:
    """`after:` (published on or after the UTC date) or `before:` (on or before it)."""

    field: Literal["after", "before"]
    value: date


@dataclass(frozen=True, slots=True)
class Age:
    """`age<3d` and friends: `seconds` is the duration, `text` the duration as typed (`3d`)."""

    op: str
    seconds: int
    text: str


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


Node = Text | Match | Flag | Compare | DateBound | Age | Not | And | Or

_MATCH_FIELDS = ("topic", "provider", "category", "type", "tag")
_FLAG_VALUES: dict[str, tuple[str, ...]] = {
    "is": ("read", "unread", "starred", "archived"),
    "has": ("original", "amp", "image", "related", "body"),
    "link": ("alive", "broken", "unchecked"),
}
FIELDS: tuple[str, ...] = (
    *_MATCH_FIELDS,
    *_FLAG_VALUES,
    "quality",
    "heat",
    "after",
    "before",
    "age",
)
_FIELD_LIST = ", ".join(FIELDS)
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}
_COMPARE_OPS = (">=", "<=", ">", "<", "=")
_OPS: dict[str, Callable[[object, object], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "=": operator.eq,
}


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query. `text` is what was typed; `str(query)` a normalised form that re-parses to
    the same tree (fit for saving); `root` is None for the empty query, which matches everything.
    """

    text: str
    root: Node | None

    @property
    def is_empty(self) -> bool:
        return self.root is None

    def __str__(self) -> str:
        return "" if self.root is None else _render(self.root)

    def nodes(self) -> Iterator[Node]:
        """Every node of the tree, parents before children."""
        if self.root is not None:
            yield from _walk(self.root)


def _walk(node: Node) -> Iterator[Node]:
    yield node
    if isinstance(node, Not):
        yield from _walk(node.child)
    elif isinstance(node, And | Or):
        for child in node.children:
            yield from _walk(child)


def uses_state(query: Query) -> bool:
    """True when triage state (`is:`, `tag:`) can change the result: re-filter on triage actions."""
    return any(
        (isinstance(n, Flag) and n.field == "is") or (isinstance(n, Match) and n.field == "tag")
        for n in query.nodes()
    )


def uses_links(query: Query) -> bool:
    """True when link-check results (`link:`) can change the result."""
    return any(isinstance(n, Flag) and n.field == "link" for n in query.nodes())


def uses_time(query: Query) -> bool:
    """True when the passing of time (`age`) can change the result."""
    return any(isinstance(n, Age) for n in query.nodes())


# --------------------------------------------------------------------------------------------
# Rendering (str(query))

_FIELD_WORD = re.compile(r"([A-Za-z_]+)(>=|<=|:|>|<|=)")


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def quote_value(value: str) -> str:
    """`value` as a field term's value (`topic:<value>`): bare when it reads back as itself,
    else quoted with `\\` and `\"` escaped. Whatever it holds, the term matches exactly it."""
    return _bare_or_quoted(value, free=False)


def _bare_or_quoted(value: str, *, free: bool) -> str:
    """`value` as a single token: bare when it would lex back to exactly itself, else quoted."""
    if (
        value
        and value not in ("OR", "AND")
        and not value.startswith("-")
        and not any(c.isspace() or c in '()"' for c in value)
        and not (free and _FIELD_WORD.match(value))
    ):
        return value
    return _quote(value)


def _render(node: Node) -> str:
    if isinstance(node, Text):
        return _bare_or_quoted(node.value, free=True)
    if isinstance(node, Match):
        return f"{node.field}:{_bare_or_quoted(node.value, free=False)}"
    if isinstance(node, Flag):
        return f"{node.field}:{node.value}"
    if isinstance(node, Compare):
        return f"{node.field}{node.op}{node.value}"
    if isinstance(node, DateBound):
        return f"{node.field}:{node.value.isoformat()}"
    if isinstance(node, Age):
        return f"age{node.op}{node.text}"
    if isinstance(node, Not):
        inner = _render(node.child)
        return f"-({inner})" if isinstance(node.child, And | Or) else f"-{inner}"
    if isinstance(node, And):
        return " ".join(
            f"({_render(c)})" if isinstance(c, Or | And) else _render(c) for c in node.children
        )
    return " OR ".join(
        f"({_render(c)})" if isinstance(c, Or) else _render(c) for c in node.children
    )


# --------------------------------------------------------------------------------------------
# Lexer

_LPAREN, _RPAREN, _OR, _AND, _NEG, _TERM, _END = "(", ")", "OR", "AND", "-", "term", "end"


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    pos: int
    node: Node | None = None


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    """The unescaped content of the quoted string opening at `start`, and the index after it."""
    out: list[str] = []
    i = start + 1
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in '"\\':
            out.append(text[i + 1])
            i += 2
        elif c == '"':
            return "".join(out), i + 1
        else:
            out.append(c)
            i += 1
    raise QueryError(start, "a closing '\"' for the quote")


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "(":
            tokens.append(_Token(_LPAREN, i))
            i += 1
        elif c == ")":
            tokens.append(_Token(_RPAREN, i))
            i += 1
        elif c == "-":
            if i + 1 >= n or text[i + 1].isspace() or text[i + 1] == ")":
                raise QueryError(i + 1, "a term after '-'")
            tokens.append(_Token(_NEG, i))
            i += 1
        elif c == '"':
            value, i_next = _read_quoted(text, i)
            tokens.append(_Token(_TERM, i, Text(value)))
            i = i_next
        else:
            start = i
            while i < n and not (text[i].isspace() or text[i] in '()"'):
                i += 1
            word = text[start:i]
            quoted = False
            m = _FIELD_WORD.fullmatch(word)
            if i < n and text[i] == '"' and m and (m[1].lower() in FIELDS or m[2] == ":"):
                value, i = _read_quoted(text, i)
                word += value
                quoted = True
            tokens.append(_word_token(word, start, quoted=quoted))
    return tokens


def _word_token(word: str, pos: int, *, quoted: bool) -> _Token:
    if not quoted and word == "OR":
        return _Token(_OR, pos)
    if not quoted and word == "AND":
        return _Token(_AND, pos)
    m = _FIELD_WORD.match(word)
    if m:
        name = m[1].lower()
        value = word[m.end() :]
        if name in FIELDS:
            return _Token(_TERM, pos, _field_term(name, m[2], value, pos, m.end(), quoted=quoted))
        if m[2] == ":" and (value or quoted) and not value.startswith("//"):
            raise QueryError(
                pos,
                f"a known field before ':' ({_FIELD_LIST}), not {m[1]!r};"
                f' quote text to search for it: "{m[1]}:..."',
            )
    return _Token(_TERM, pos, Text(word))


_INT = re.compile(r"-?[0-9]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DURATION = re.compile(r"([0-9]+)([mhdwMHDW])")


def _split_op(op: str, value: str, vpos: int) -> tuple[str, str, int]:
    """`quality:>80` -> ('>', '80'); `quality:80` -> ('=', '80')."""
    if op != ":":
        return op, value, vpos
    for cand in _COMPARE_OPS:
        if value.startswith(cand):
            return cand, value[len(cand) :], vpos + len(cand)
    return "=", value, vpos


def _field_term(name: str, op: str, value: str, pos: int, vstart: int, *, quoted: bool) -> Node:
    """The node for `name<op>value`; `vstart` is the offset of the value within the word (which
    a quoted value follows after its opening quote)."""
    vpos = pos + vstart + (1 if quoted else 0)
    if name in _MATCH_FIELDS or name in _FLAG_VALUES or name in ("after", "before"):
        if op != ":":
            raise QueryError(pos + len(name), f"':' after {name!r}")
        if not value:
            raise QueryError(vpos, f"a value after '{name}:'")
        if name in _MATCH_FIELDS:
            return Match(name, value)  # type: ignore[arg-type]
        if name in _FLAG_VALUES:
            allowed = _FLAG_VALUES[name]
            if value.lower() not in allowed:
                raise QueryError(vpos, f"one of {', '.join(allowed)} after '{name}:'")
            return Flag(name, value.lower())  # type: ignore[arg-type]
        if not _DATE.fullmatch(value):
            raise QueryError(vpos, f"a date YYYY-MM-DD after '{name}:'")
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise QueryError(vpos, f"a valid date YYYY-MM-DD after '{name}:'") from None
        return DateBound(name, day)  # type: ignore[arg-type]
    cmp_op, value, vpos = _split_op(op, value, vpos)
    shown = f"{name}{cmp_op if op != ':' or cmp_op != '=' else ':'}"
    if name == "age":
        if cmp_op == "=":
            raise QueryError(pos + len(name), "'<', '<=', '>' or '>=' after 'age'")
        if not value:
            raise QueryError(vpos, f"a value after '{shown}'")
        m = _DURATION.fullmatch(value)
        if not m:
            raise QueryError(vpos, f"a duration like 3d or 12h (units m, h, d, w) after '{shown}'")
        return Age(cmp_op, int(m[1]) * _UNITS[m[2].lower()], value)
    if not value:
        raise QueryError(vpos, f"a value after '{shown}'")
    if not _INT.fullmatch(value):
        raise QueryError(vpos, f"a whole number after '{shown}'")
    try:
        number = int(value)
    except ValueError:  # more digits than int() accepts
        raise QueryError(vpos, f"a shorter number after '{shown}'") from None
    return Compare(name, cmp_op, number)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Parser: or := and (OR and)* ; and := unary ([AND] unary)* ; unary := '-' unary | primary ;
# primary := term | '(' or ')'


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = [*_tokens(text), _Token(_END, len(text))]
        self.i = 0

    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def parse(self) -> Node | None:
        if self.peek().kind == _END:
            return None
        node = self.parse_or(after=None)
        token = self.peek()
        if token.kind == _RPAREN:
            raise QueryError(token.pos, "a term, 'OR' or the end of the query: ')' has no '('")
        return node

    def parse_or(self, after: str | None) -> Node:
        children = [self.parse_and(after)]
        while self.peek().kind == _OR:
            self.take()
            children.append(self.parse_and("OR"))
        return children[0] if len(children) == 1 else Or(_flatten(Or, children))

    def parse_and(self, after: str | None) -> Node:
        children = [self.parse_unary(after)]
        while self.peek().kind in (_AND, _NEG, _TERM, _LPAREN):
            if self.peek().kind == _AND:
                self.take()
                children.append(self.parse_unary("AND"))
            else:
                children.append(self.parse_unary(None))
        return children[0] if len(children) == 1 else And(_flatten(And, children))

    def parse_unary(self, after: str | None) -> Node:
        token = self.peek()
        if token.kind == _NEG:
            self.take()
            return Not(self.parse_unary("-"))
        return self.parse_primary(after)

    def parse_primary(self, after: str | None) -> Node:
        token = self.take()
        if token.kind == _TERM:
            assert token.node is not None
            return token.node
        if token.kind == _LPAREN:
            node = self.parse_or(after="(")
            close = self.peek()
            if close.kind != _RPAREN:
                raise QueryError(close.pos, f"')' to close the '(' at position {token.pos}")
            self.take()
            return node
        if after is not None:
            raise QueryError(token.pos, f"a term after '{after}'")
        if token.kind in (_OR, _AND):
            raise QueryError(token.pos, f"a term before '{token.kind}'")
        # Only a ')' opening the query gets here: everywhere else `after` names what came before.
        raise QueryError(token.pos, "a term, not ')': it has no '('")


def _flatten(kind: type[And] | type[Or], children: list[Node]) -> tuple[Node, ...]:
    out: list[Node] = []
    for child in children:
        if isinstance(child, kind):
            out.extend(child.children)
        else:
            out.append(child)
    return tuple(out)


def parse_query(text: str) -> Query:
    """Parse a query; raises `QueryError` (a ValueError) and nothing else on malformed input."""
    return Query(text, _Parser(text).parse())


# --------------------------------------------------------------------------------------------
# Evaluation

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
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


def matches(
    query: Query,
    article: Article,
    state: TriageState | None = None,
    link_status: str | None = None,
    now: datetime | None = None,
) -> bool:
    """The reference evaluator: does one article match? Slow and plain, for tests and one-offs."""
    if query.root is None:
        return True
    moment = _utc(now) if now is not None else datetime.now(UTC)
    return _match_node(query.root, article, state or UNTOUCHED, link_status or "unchecked", moment)


def _match_node(node: Node, a: Article, state: TriageState, link: str, now: datetime) -> bool:
    if isinstance(node, And):
        return all(_match_node(c, a, state, link, now) for c in node.children)
    if isinstance(node, Or):
        return any(_match_node(c, a, state, link, now) for c in node.children)
    if isinstance(node, Not):
        return not _match_node(node.child, a, state, link, now)
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
        # (at 100,000 articles that is some 30 MB).
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
        self._has_flags: dict[str, bytearray] = {}  # one byte per row: a set of ints is 40x more
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
        return [i for i in cand if _match_node(node, articles[i], UNTOUCHED, "", _EPOCH)]

    def _flag(self, node: Flag, cand: Sequence[int], ctx: QueryContext, *, full: bool) -> list[int]:
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
    self-synchronising), and 100,000 haystacks take 16 MB less. (Bytes would too, but `in` on
    bytes costs 50% more per test.)
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
