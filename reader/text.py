"""Text from articles, file names and web servers is data: the one rule that makes it safe to show.

Every string that reaches a terminal (the app's panes, notifications and dialogs, the CLI's text,
table and CSV output) goes through :func:`sanitize` (or :func:`escape_path` for a file name), and
JSON goes out through :func:`dump_json`. Removed: terminal escape sequences (whole, so no `[31m`
debris is left), C0 and C1 control characters, DEL, the bidi embeddings, overrides and isolates
that can make text display reversed ("Trojan Source"), and the other invisible format characters
(zero-width space, word joiner, BOM, soft hyphen, tag characters, ...). Kept: the zero-width
(non-)joiners that emoji sequences and Indic and Persian scripts need, and the left-to-right /
right-to-left marks of real right-to-left text. Lone surrogates (which cannot be written as
UTF-8) become U+FFFD.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["char_escape", "dump_json", "escape_path", "is_invisible", "preview", "sanitize"]

# ANSI escape sequences, removed whole: CSI (ESC [ ... final byte), OSC (ESC ] ... BEL or ESC \),
# DCS / SOS / PM / APC strings, other ESC sequences, and the 8-bit CSI / OSC introducers.
_ANSI_RE = re.compile(
    r"""
    (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]                        # CSI ... final
    | (?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?  # OSC ... BEL / ST
    | \x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?                # DCS / SOS / PM / APC strings
    | \x1b[ -/]*[0-~]                                       # other ESC sequences (ESC c, ...)
    """,
    re.VERBOSE,
)

# Unicode's format characters (category Cf), as ranges; tests/test_text.py checks the list
# against `unicodedata` for every code point.
_FORMAT_RANGES: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)
# Format characters that real text needs: ZWNJ and ZWJ (emoji sequences, Indic and Persian
# scripts), and the direction marks LRM, RLM and ALM (which, unlike overrides, reorder nothing).
KEPT_FORMAT = frozenset({0x200C, 0x200D, 0x200E, 0x200F, 0x061C})
_WHITESPACE_CONTROLS = (0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029)


def _removed_code_points() -> list[int]:
    codes = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]
    for start, end in _FORMAT_RANGES:
        codes.extend(c for c in range(start, end + 1) if c not in KEPT_FORMAT)
    return codes


def _build_table(*, keep_newlines: bool) -> dict[int, str | None]:
    table: dict[int, str | None] = dict.fromkeys(_removed_code_points())
    for code in _WHITESPACE_CONTROLS:  # whitespace controls become a space: words stay apart
        table[code] = " "
    for code in range(0xD800, 0xE000):
        table[code] = "\ufffd"
    if keep_newlines:  # text of several lines (a body): newlines and tabs mean something there
        table[0x0A] = "\n"
        table[0x09] = "\t"
        table[0x0D] = None  # CRLF -> LF
    return table


_TABLE_FLAT = _build_table(keep_newlines=False)
_TABLE_LINES = _build_table(keep_newlines=True)
_INVISIBLE = frozenset(code for code, repl in _TABLE_FLAT.items() if repl is None)


def is_invisible(char: str) -> bool:
    """True for a character that `sanitize` removes (controls and invisible format characters)."""
    return ord(char) in _INVISIBLE


def sanitize(text: str, *, keep_newlines: bool = False) -> str:
    """Text that is safe to show: no escape sequences, controls or invisible format characters.

    Tabs, newlines and other line breaks become spaces (with `keep_newlines`, newlines and tabs
    stay and CR goes).
    """
    if text.isprintable():  # the common case (every removed character is unprintable)
        return text
    if "\x1b" in text or "\x9b" in text or "\x9d" in text:
        text = _ANSI_RE.sub("", text)
    return text.translate(_TABLE_LINES if keep_newlines else _TABLE_FLAT)


def escape_path(path: str) -> str:
    """A file name fit to print: bytes that are not UTF-8 (kept by Python as surrogates) as
    `\\xNN`, and controls, line breaks and invisible characters as `\\xNN` / `\\uNNNN` escapes,
    so a name can neither forge lines nor drive the terminal. Printable names are unchanged."""
    if path.isprintable():
        return path
    out: list[str] = []
    for char in path:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's surrogateescape of an undecodable byte
            out.append(f"\\x{code - 0xDC00:02x}")
        elif char.isprintable() or char == " " or code in KEPT_FORMAT:
            out.append(char)
        else:
            out.append(char_escape(char))
    return "".join(out)


def char_escape(char: str) -> str:
    """`\\xNN`, `\\uNNNN` or `\\UNNNNNNNN`: the escape that Python and YAML both read back."""
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


# What json.dumps(ensure_ascii=False) leaves raw but a terminal must not get: C1, DEL, format
# characters, line separators and lone surrogates (C0 controls it escapes itself).
_JSON_UNSAFE = re.compile(
    "[\x7f-\x9f\u2028\u2029\ud800-\udfff"
    + "".join(
        f"\\U{start:08x}-\\U{end:08x}" if start != end else f"\\U{start:08x}"
        for start, end in _FORMAT_RANGES
    )
    + "]"
)


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    high, low = divmod(code - 0x10000, 0x400)
    return f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}"


def dump_json(data: Any, *, indent: int | None = 2) -> str:
    """JSON text (UTF-8 kept readable) in which no character can act on a terminal: whatever
    `json.dumps` would write raw among those is written as a `\\u` escape (same data)."""
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    return _JSON_UNSAFE.sub(_json_escape, text)


def preview(value: Any, limit: int = 60) -> str:
    """A short, safe rendering of a value for an error message (never the whole of a huge one)."""
    if isinstance(value, str):
        text = value if len(value) <= limit else value[: limit - 1] + "…"
        return repr(sanitize(text))
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        digits = value.bit_length() * 0.30103
        if digits > limit:
            return f"a number of about {digits:.0f} digits"
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return f"an object of {len(value)} key(s)"
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)"
    return "a " + type(value).__name__
