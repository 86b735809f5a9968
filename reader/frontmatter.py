"""Split an article file into its YAML front matter and Markdown body, and parse the YAML.

The YAML parser sits behind :func:`parse_yaml` alone, so a faster one can be swapped in without
touching the loader. Only safe loaders are used, the C one (libyaml) whenever it exists: the
pure-Python loader is about eight times slower on real files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

try:
    _SafeLoader: type = yaml.CSafeLoader
    HAVE_LIBYAML = True
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _SafeLoader = yaml.SafeLoader
    HAVE_LIBYAML = False

_FENCE = "---"


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
    # Scan line by line for the closing fence; the YAML cannot legally contain a bare `---` line.
    pos = start
    line_no = 2
    length = len(text)
    while pos <= length:
        end = text.find("\n", pos)
        line = text[pos:] if end == -1 else text[pos:end]
        if line.rstrip() in (_FENCE, "..."):
            body = "" if end == -1 else text[end + 1 :]
            return SplitFile(text[start:pos], body, 2)
        if end == -1:
            break
        pos = end + 1
        line_no += 1
    raise FrontMatterError("unterminated front matter: no closing '---' line", line_no - 1)


def parse_yaml(yaml_text: str, *, first_line: int = 2) -> Any:
    """Parse front matter with the safe (C) loader; errors carry the file line of the problem."""
    try:
        return yaml.load(yaml_text, Loader=_SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark is not None else None
        problem = exc.problem or "invalid YAML"
        raise FrontMatterError(f"YAML error: {problem}", line) from None
    except yaml.YAMLError as exc:
        raise FrontMatterError(f"YAML error: {_short(str(exc))}", None) from None
    except (RecursionError, MemoryError):
        raise FrontMatterError("YAML error: structure too deep or too large", None) from None


def read_front_matter(data: bytes) -> tuple[dict[str, Any], str, int]:
    """Bytes of a file -> (front matter mapping, body, line where the YAML starts)."""
    parts = split(decode(data))
    value = parse_yaml(parts.yaml_text, first_line=parts.yaml_line)
    if value is None:
        raise FrontMatterError("empty front matter", parts.yaml_line)
    if not isinstance(value, dict):
        kind = type(value).__name__
        raise FrontMatterError(f"front matter is a {kind}, not a mapping of fields", 2)
    return value, parts.body, parts.yaml_line


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
