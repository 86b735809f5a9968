"""Split an article file into its YAML front matter and Markdown body, and parse the YAML.

Only safe loaders are used: PyYAML's C one (libyaml) whenever it exists, the pure-Python one
otherwise. Before them comes a small builder in pure Python for the plain block YAML that real
article files are made of (`key: value`, `- item`, one-line quoted or plain scalars): it gives
exactly the value the safe loader gives, and for anything it is not sure about (anchors, tags,
flow collections, block scalars, odd characters) it steps aside and the safe loader decides,
which also words every error. tests/test_fastparse.py holds the two to the same results.

The safe loader shares an anchor's value between its aliases, so a small file can describe a
huge or recursive value (an "alias bomb"): such values are refused here, in time linear in the
size of the file.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml

try:
    _SafeLoader: type = yaml.CSafeLoader
    HAVE_LIBYAML = True
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _SafeLoader = yaml.SafeLoader
    HAVE_LIBYAML = False

_FENCE = "---"
# The closing fence, as a regex: the specification `_closing_fence` implements faster (and is
# tested against). `[^\S\n]` is whitespace other than a newline.
_CLOSING_FENCE = re.compile(r"^(?:---|\.\.\.)[^\S\n]*$", re.MULTILINE)


class FrontMatterError(ValueError):
    """A file that cannot be an article. `line` is 1-based in the file, or None."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True, slots=True)
class SplitFile:
    """The two parts of an article file.

    `yaml_line` is the file line on which the YAML text starts, so YAML error marks can be mapped
    back to lines of the file the user can open.
    """

    yaml_text: str
    body: str
    yaml_line: int


def decode(data: bytes) -> str:
    """UTF-8 with or without a BOM; CRLF and lone CR become LF."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FrontMatterError(
            f"not UTF-8 text (undecodable byte 0x{data[exc.start]:02x})", line
        ) from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def split(text: str) -> SplitFile:
    """Find the `---` fences. The closing fence may end the file without a newline."""
    if not text.strip():
        raise FrontMatterError("empty file", None)
    first_end = text.find("\n")
    first_line = text if first_end == -1 else text[:first_end]
    if first_line.rstrip() != _FENCE:
        raise FrontMatterError("no front matter: the file must start with a line '---'", 1)
    if first_end == -1:
        raise FrontMatterError("unterminated front matter: no closing '---' line", 1)
    start = first_end + 1
    fence = _closing_fence(text, start)
    if fence is None:
        raise FrontMatterError(
            "unterminated front matter: no closing '---' line", text.count("\n", start) + 1
        )
    fence_start, fence_end = fence
    body = "" if fence_end == len(text) else text[fence_end + 1 :]
    return SplitFile(text[start:fence_start], body, 2)


def _closing_fence(text: str, start: int) -> tuple[int, int] | None:
    """Start and end of the first line from `start` on that is `---` or `...` (trailing
    whitespace allowed): the YAML cannot legally contain such a line.

    What `_CLOSING_FENCE.search` finds, but with `str.find` jumping from candidate to candidate:
    a regex trying every position of a 3 kB header costs ten times more.
    """
    for marker in ("---", "..."):
        if text.startswith(marker, start):
            end = text.find("\n", start)
            end = len(text) if end == -1 else end
            if text[start + 3 : end].isspace() or end == start + 3:
                return start, end
    found: tuple[int, int] | None = None
    for marker in ("\n---", "\n..."):
        position = text.find(marker, start)
        while position != -1 and (found is None or position + 1 < found[0]):
            line_start = position + 1
            end = text.find("\n", line_start)
            end = len(text) if end == -1 else end
            if end == line_start + 3 or text[line_start + 3 : end].isspace():
                found = (line_start, end)
                break
            position = text.find(marker, end)
    return found


def parse_yaml(yaml_text: str, *, first_line: int = 2) -> Any:
    """Parse front matter: the direct builder when it is sure, else the safe (C) loader.

    Errors always come from the safe loader and carry the file line of the problem.
    """
    if FAST_PARSER_ENABLED:
        value = fast_parse(yaml_text)
        if value is not NOT_HANDLED:
            return value
    return safe_parse_yaml(yaml_text, first_line=first_line)


def safe_parse_yaml(yaml_text: str, *, first_line: int = 2) -> Any:
    """Parse with PyYAML's safe loader (libyaml when present), the reference for every value."""
    try:
        value = yaml.load(yaml_text, Loader=_SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark is not None else None
        problem = exc.problem or "invalid YAML"
        raise FrontMatterError(f"YAML error: {problem}", line) from None
    except yaml.YAMLError as exc:
        raise FrontMatterError(f"YAML error: {_short(str(exc))}", None) from None
    except (RecursionError, MemoryError):
        raise FrontMatterError("YAML error: structure too deep or too large", None) from None
    except (ValueError, OverflowError) as exc:  # PyYAML's constructors: `2023-02-30`, ...
        raise FrontMatterError(f"YAML error: invalid value ({_short(str(exc))})", None) from None
    if "*" in yaml_text:  # only aliases can share (or loop) a value: nothing to check otherwise
        problem = _alias_problem(value)
        if problem is not None:
            raise FrontMatterError(f"YAML error: {problem}", None)
    return value


MAX_EXPANDED_VALUES = 100_000
"""The most values a front matter may hold once its aliases are expanded (real files: < 2,000)."""


def _alias_problem(value: Any) -> str | None:
    """Why a parsed value is unusable (it contains itself, or its aliases expand to more than
    `MAX_EXPANDED_VALUES` values), or None. Linear in the distinct containers: each one's
    expanded size is counted once however many aliases share it."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(value, False)]
    while stack:
        node, done = stack.pop()
        if not isinstance(node, (list, dict)):
            continue
        key = id(node)
        children = list(node.values()) if isinstance(node, dict) else node
        if done:
            on_path.discard(key)
            total = 1
            for child in children:
                total += sizes.get(id(child), 1) if isinstance(child, (list, dict)) else 1
                if total > MAX_EXPANDED_VALUES:
                    return (
                        f"aliases expand to more than {MAX_EXPANDED_VALUES:,} values "
                        "(an alias bomb?)"
                    )
            sizes[key] = total
            continue
        if key in on_path:
            return "a recursive alias (a value that contains itself)"
        if key in sizes:
            continue
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in children if isinstance(child, (list, dict)))
    return None


#: False with `READER_FAST_YAML=0`; tests may flip it.
FAST_PARSER_ENABLED = os.environ.get("READER_FAST_YAML", "1") != "0"


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


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
