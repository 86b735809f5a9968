"""Split an article file into its YAML front matter and Markdown body, and parse the YAML.

Only safe loaders are used: PyYAML's C one (libyaml) whenever it exists, the pure-Python one
otherwise. Before them comes the direct path (:mod:`reader.yaml_subset`): a small builder in
pure Python for the plain block YAML that real article files are made of, which gives exactly the
value the safe loader gives and steps aside for anything it is not sure about; the safe loader
then decides, and words every error.

The safe loader shares an anchor's value between its aliases, so a small file can describe a
huge or recursive value (an "alias bomb"): such values are refused here, in time linear in the
size of the file.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

import yaml

from reader.yaml_subset import NOT_HANDLED, fast_parse

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


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
