"""The query language's syntax: the tree, the parser and the renderer (see :mod:`reader.query`).

`parse_query(text)` turns a query into a `Query` (or raises `QueryError` naming the position and
what was expected); `str(query)` renders a normalised form that parses back to the same tree;
`quote_value` is the one way to put a value into a field term.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Literal

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
    "QueryError",
    "Text",
    "ends_in_field_name",
    "parse_query",
    "quote_value",
    "uses_links",
    "uses_state",
    "uses_time",
    "wanted_topics",
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
    """`topic:`, `provider:`, `category:`, `type:`, `tag:`, `cluster:` with its value as typed."""

    field: Literal["topic", "provider", "category", "type", "tag", "cluster"]
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

_MATCH_FIELDS = ("topic", "provider", "category", "type", "tag", "cluster")
_FLAG_VALUES: dict[str, tuple[str, ...]] = {
    "is": ("read", "unread", "starred", "archived"),
    "has": ("original", "amp", "image", "related", "body", "duplicates"),
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


def ends_in_field_name(text: str) -> bool:
    """Whether `text` ends in what may be the start of a field term (`qual`, `is`, `topic`)
    still being typed: searching for it as a word would empty the list for a keystroke."""
    if not text or text[-1].isspace():
        return False
    word = text.split()[-1].lstrip("-(").lower()
    return word.isalpha() and any(name.startswith(word) for name in FIELDS)


def wanted_topics(query: Query | None) -> list[str]:
    """The topics the query asks for (`topic:X` not under a negation), in order: what the
    list's Topic column shows for the articles that have one."""
    found: list[str] = []

    def visit(node: Node) -> None:
        if isinstance(node, Match) and node.field == "topic":
            found.append(node.value)
        elif isinstance(node, And | Or):
            for child in node.children:
                visit(child)

    if query is not None and query.root is not None:
        visit(query.root)
    return found


def uses_state(query: Query) -> bool:
    """True when triage state (`is:`, `tag:`) can change the result: re-filter on triage actions."""
    return any(
        (isinstance(n, Flag) and n.field == "is") or (isinstance(n, Match) and n.field == "tag")
        for n in query.nodes()
    )


def uses_links(query: Query) -> bool:
    """True when link-check results (`link:`) can change the result."""
    return any(isinstance(n, Flag) and n.field == "link" for n in query.nodes())


def uses_clusters(query: Query) -> bool:
    """True when story clusters (`has:duplicates`, `cluster:`) can change the result."""
    return any(
        (isinstance(n, Flag) and n.value == "duplicates")
        or (isinstance(n, Match) and n.field == "cluster")
        for n in query.nodes()
    )


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
