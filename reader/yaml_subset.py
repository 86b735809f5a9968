"""The direct path for front matter: the plain block YAML that real article files are made of,
built in pure Python, with exactly the value PyYAML's safe loader gives.

The subset: block mappings and sequences of one-line scalars (`key: value`, `- item`, quoted or
plain), no anchors, tags, flow collections, block scalars or odd characters. `_SIMPLE_DOCUMENT`
is its specification as a regular expression; `fast_parse` checks it as it goes (one pass) and
returns `NOT_HANDLED` for anything it is not sure about, which the safe loader then decides
(:mod:`reader.frontmatter`). tests/test_fastparse.py holds the two to the same results.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import yaml

__all__ = ["NOT_HANDLED", "fast_parse"]


class _NotHandled:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_HANDLED"


#: What :func:`fast_parse` returns for text it leaves to the safe loader.
NOT_HANDLED: Any = _NotHandled()

# Characters the direct path refuses anywhere: what libyaml does not call printable, plus tab,
# CR, BOM, the YAML 1.1 line breaks (NEL, LS, PS) that YAML 1.2 reads as text, and U+E000.
_NO = "\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f\\ud800-\\udfff\\ue000\\ufeff\\ufffe\\uffff\\u2028\\u2029"
# A key: a plain word that YAML 1.1 does not read as a boolean or null (digits, signs and dots
# cannot start one, so ints, floats and dates are excluded already); `nan`, `inf` and `infinity`
# are left to the safe loader too.
_KEY = (
    r"(?!(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
    r"|null|Null|NULL|(?i:nan|inf|infinity)):)[A-Za-z_][A-Za-z0-9_-]*+"
)
_DQ = rf'"[^"\\\n{_NO}]*+(?:\\["\\/nt][^"\\\n{_NO}]*+)*+"'
_SQ = rf"'[^'\n{_NO}]*+(?:''[^'\n{_NO}]*+)*+'"
# A plain scalar on one line, in block context: no indicator first (`-?:` only before a non-space),
# no `: ` and no ` #` inside. `\s` is wider than YAML's space, which only makes this stricter.
_PLAIN = (
    rf"(?:[^\s\-?:,\[\]{{}}#&*!|>'\"%@`{_NO}]|[-?:](?=[^\s{_NO}]))"
    rf"[^\n:#{_NO}]*+(?:(?::(?=[^\s{_NO}])|(?<=[^\s{_NO}])\#)[^\n:#{_NO}]*+)*+"
)
_VALUE = rf"(?:{_DQ}|{_SQ}|{_PLAIN})"
# (The lookahead after a key: `- x:y` is the item "x:y", which the possessive repetition below
# would never find once `- x:` had matched as a key.)
_LINE = (
    rf"[ ]*+(?:(?:-[ ]+)*+{_KEY}:(?:[ ]+{_VALUE})?(?=[ ]*+(?:\n|\Z))"
    rf"|(?:-[ ]+)++{_VALUE}|\#[^\n{_NO}]*+)?[ ]*+"
)
# The whole front matter, line by line: the subset the direct path may take (it checks this as
# it goes; tests/test_fastparse.py holds it to this specification).
_SIMPLE_DOCUMENT = re.compile(rf"{_LINE}(?:\n{_LINE})*+")
_UTC_SECOND = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_STR_TAG = "tag:yaml.org,2002:str"
_CONVERTIBLE = frozenset(
    {
        _STR_TAG,
        "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:null",
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:timestamp",
    }
)


class _Unsure(Exception):
    """The fast result could differ from the safe loader's: use the safe loader."""


# ---------------------------------------------------------------------------------------------
# The direct path: the simple subset built in Python, no YAML library at all

_KEY_AT = re.compile(rf"({_KEY}):(?:[ ]+|$)")
_KEYS: dict[str, bool] = {}  # text before a line's first colon -> whether it is a key
# What `_SIMPLE_DOCUMENT` checks, taken apart so the direct path checks it as it goes (one pass
# over the text instead of two): no refused character anywhere, and each value one of these.
_REFUSED_CHARACTER = re.compile(f"[{_NO}]")
_DQ_VALUE = re.compile(_DQ)
_SQ_VALUE = re.compile(_SQ)
_PLAIN_VALUE = re.compile(_PLAIN)
# Characters a plain scalar cannot start with (`-?:` can, before a non-space; see `_PLAIN`).
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")


def _has_refused_character(text: str) -> bool:
    # Printable ASCII (newlines aside) is the common case: `isprintable` checks it in C, and
    # every refused character is unprintable, so only other text needs the regex.
    return not text.replace("\n", " ").isprintable() and bool(_REFUSED_CHARACTER.search(text))


def _scalar(raw: str) -> Any:
    """One scalar of the subset -> what the safe loader gives for it; `_Unsure` for anything
    `_VALUE` would not match."""
    first = raw[0]
    if first == '"':
        body = raw[1:-1]
        if len(raw) < 2 or raw[-1] != '"':
            raise _Unsure
        if '"' in body or "\\" in body:
            if not _DQ_VALUE.fullmatch(raw):
                raise _Unsure
            return json.loads(raw)
        return body
    if first == "'":
        body = raw[1:-1]
        if len(raw) < 2 or raw[-1] != "'":
            raise _Unsure
        if "'" in body:
            if not _SQ_VALUE.fullmatch(raw):
                raise _Unsure
            return body.replace("''", "'")
        return body
    if (first in _INDICATORS or first.isspace()) and (
        first not in "-?:" or len(raw) < 2 or raw[1].isspace()
    ):
        raise _Unsure
    if ":" in raw or "#" in raw:
        if raw.isascii():  # the only whitespace left in ASCII is the space: no regex needed
            if ": " in raw or " #" in raw or raw[-1] == ":":
                raise _Unsure
        elif not _PLAIN_VALUE.fullmatch(raw):
            raise _Unsure
    if first not in _RESOLVED_FIRST:  # PyYAML's implicit resolvers key on the first character
        return raw
    if raw.isdigit() and (first != "0" or raw == "0") and raw.isascii():
        return int(raw)  # a plain decimal: what construct_yaml_int gives
    if _UTC_SECOND.fullmatch(raw):  # the common `2023-08-30T20:54:00Z`: a timestamp, always
        return datetime.fromisoformat(raw)
    tag = _TAGS.get(raw)
    if tag is None:
        tag = _RESOLVER.resolve(yaml.ScalarNode, raw, (True, False))
        if len(raw) <= 24 and len(_TAGS) < 4096:  # `news`, `true`: the same few words again
            _TAGS[raw] = tag
    if tag == _STR_TAG:
        return raw
    if tag not in _CONVERTIBLE:
        raise _Unsure
    return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, yaml.ScalarNode(tag, raw))


_TAGS: dict[str, str] = {}  # plain scalar -> the tag PyYAML's resolver gives it


# Every first character for which PyYAML has an implicit resolver (bool, float, int, merge, null,
# timestamp, value): a plain scalar starting otherwise is always text.
_RESOLVED_FIRST = frozenset(
    char for char, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items() if resolvers
) | {""}


class _Map:
    __slots__ = ("indent", "pending", "value")

    def __init__(self, indent: int) -> None:
        self.indent = indent
        self.value: dict[str, Any] = {}
        self.pending: str | None = None  # a key whose value is on the following lines


class _Seq:
    __slots__ = ("indent", "indentless", "value")

    def __init__(self, indent: int, *, indentless: bool = False) -> None:
        self.indent = indent
        self.value: list[Any] = []
        self.indentless = indentless  # `key:` then `- item` at the key's own column


def _attach(stack: list[Any], node: _Map | _Seq, column: int, *, after_dash: bool) -> None:
    """Make `node` (starting at `column`) the value its place on the line gives it."""
    if after_dash:  # `- key: v` or `- - v`: the content of the item the dash just opened
        stack[-1].value.append(node.value)
    elif not stack:
        pass  # the root
    else:
        top = stack[-1]
        if top.__class__ is not _Map or top.pending is None:
            raise _Unsure
        if node.__class__ is _Map and column <= top.indent:
            raise _Unsure
        top.value[top.pending] = node.value
        top.pending = None
    stack.append(node)


def _direct_parse(yaml_text: str) -> Any:
    """Build the value of a simple document (see `_SIMPLE_DOCUMENT`) line by line.

    Only block mappings, block sequences and one-line scalars occur in the subset; anything this
    builder is not sure about raises `_Unsure`, and the document goes to the other paths. It
    takes nothing `_SIMPLE_DOCUMENT` refuses (tests/test_fastparse.py checks it), but checks
    that as it goes rather than with the whole-document regex first.
    """
    if _has_refused_character(yaml_text):
        raise _Unsure
    stack: list[Any] = []
    root: Any = None
    for raw_line in yaml_text.split("\n"):
        line = raw_line.rstrip(" ")
        content = line.lstrip(" ")
        if not content or content[0] == "#":
            continue
        column = len(line) - len(content)
        after_dash = False
        while content[0] == "-" and content[1:2] in (" ", ""):
            if len(content) == 1:
                raise _Unsure
            # Close what is deeper, then: a new item of this sequence, or a new sequence.
            while stack and stack[-1].indent > column:
                stack.pop()
            if after_dash:
                seq = _Seq(column)
                _attach(stack, seq, column, after_dash=True)
            else:
                top = stack[-1] if stack else None
                if top.__class__ is _Seq and top.indent == column:
                    seq = top
                elif top.__class__ is _Map and top.indent == column and top.pending is not None:
                    seq = _Seq(column, indentless=True)
                    _attach(stack, seq, column, after_dash=False)
                elif top is None and root is None:
                    seq = _Seq(column)
                    root = seq.value
                    stack.append(seq)
                elif top.__class__ is _Map and top.indent < column and top.pending is not None:
                    seq = _Seq(column)
                    _attach(stack, seq, column, after_dash=False)
                else:
                    raise _Unsure
            rest = content[1:]
            stripped = rest.lstrip(" ")
            column += 1 + len(rest) - len(stripped)
            content = stripped
            after_dash = True
        # `key:` then the end of the line or spaces and a value; what `_KEY_AT` matches, with a
        # dictionary of keys already checked instead of a regex on every line.
        colon = content.find(":")
        key = content[:colon] if colon > 0 else ""
        valid = _KEYS.get(key)
        if valid is None:
            valid = bool(key) and _KEY_AT.fullmatch(key + ":") is not None
            if len(_KEYS) < 4096:
                _KEYS[key] = valid
        if valid:
            value_text = content[colon + 1 :]
            if value_text:
                if value_text[0] != " ":
                    valid = False
                else:
                    value_text = value_text.lstrip(" ")
        if not valid:  # a scalar item: `- value`
            if not after_dash:
                raise _Unsure
            stack[-1].value.append(_scalar(content))
            continue
        if after_dash:
            node = _Map(column)
            _attach(stack, node, column, after_dash=True)
        else:
            while stack and stack[-1].indent > column:
                stack.pop()
            top = stack[-1] if stack else None
            if top.__class__ is _Seq and top.indent == column and top.indentless:
                stack.pop()
                top = stack[-1]
            if top.__class__ is _Map and top.indent == column:
                node = top
                if node.pending is not None:
                    node.pending = None  # `key:` with nothing below: null (already set)
            elif top is None and root is None:
                node = _Map(column)
                root = node.value
                stack.append(node)
            elif top.__class__ is _Map and top.indent < column and top.pending is not None:
                node = _Map(column)
                _attach(stack, node, column, after_dash=False)
            else:
                raise _Unsure
        if value_text:
            node.value[key] = _scalar(value_text)
            node.pending = None
        else:
            node.value[key] = None
            node.pending = key
    if root is None:
        raise _Unsure
    return root


def fast_parse(yaml_text: str) -> Any:
    """The value of `yaml_text` exactly as the safe loader would give it, built directly; or
    :data:`NOT_HANDLED` when the text is outside the subset proven equal (the caller then uses
    the safe loader)."""
    try:
        return _direct_parse(yaml_text)
    except Exception:  # _Unsure, or a value PyYAML's constructor refuses: the safe loader decides
        return NOT_HANDLED
