"""Pure text helpers for the TUI: relative dates, sanitising untrusted text, cell-aware fitting.

Article fields are data written by strangers. Everything here returns plain `str` so the widgets
can wrap it in `Text`/`Segment`s without any markup parsing, and measures width in terminal
cells (CJK and emoji take two) so columns line up.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Literal

from rich.cells import cell_len, get_character_cell_size

__all__ = ["fit_cells", "relative_time", "sanitize", "truncate_cells"]

ELLIPSIS = "…"

# ANSI escape sequences, removed whole so no `[31m` debris is left behind:
# CSI (ESC [ ... final byte), OSC (ESC ] ... BEL or ESC \), other two-byte ESC sequences,
# and the 8-bit CSI / OSC introducers.
_ANSI_RE = re.compile(
    r"""
    (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]        # CSI ... final
    | (?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?   # OSC ... BEL / ST
    | \x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?  # DCS / SOS / PM / APC strings
    | \x1b[ -/]*[0-~]                        # other ESC sequences (ESC c, ESC ( B, ...)
    """,
    re.VERBOSE,
)

# Bidi overrides and isolates can reorder what the user sees ("Trojan Source"); drop them.
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def _build_table(*, keep_newlines: bool) -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for code in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]:
        table[code] = None
    # Whitespace controls become a space so words do not run together.
    for code in (0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x85):
        table[code] = " "
    table[0x2028] = " "
    table[0x2029] = " "
    for char in _BIDI:
        table[ord(char)] = None
    if keep_newlines:
        table[0x0A] = "\n"
        table[0x0D] = None  # CRLF -> LF
    return table


_TABLE_FLAT = _build_table(keep_newlines=False)
_TABLE_LINES = _build_table(keep_newlines=True)


def sanitize(text: str, *, keep_newlines: bool = False) -> str:
    """Text that is safe to show: no terminal control sequences, no C0/C1 controls, no DEL.

    Escape sequences are removed whole; tabs, newlines and other line breaks become spaces
    (newlines are kept as `\\n` with `keep_newlines=True`); bidi overrides are dropped.
    """
    if text.isprintable():  # the common case: nothing to do (isprintable is False for controls)
        return text
    if "\x1b" in text or "\x9b" in text or "\x9d" in text:
        text = _ANSI_RE.sub("", text)
    return text.translate(_TABLE_LINES if keep_newlines else _TABLE_FLAT)


def truncate_cells(text: str, width: int, *, ellipsis: str = ELLIPSIS) -> str:
    """`text` cut to at most `width` terminal cells, ending in `ellipsis` when anything was cut.

    A double-width character that would straddle the limit is dropped whole.
    """
    if width <= 0:
        return ""
    if text.isascii():
        if len(text) <= width:
            return text
        return text[: width - cell_len(ellipsis)] + ellipsis if width > 1 else text[:width]
    if cell_len(text) <= width:
        return text
    ellipsis_width = cell_len(ellipsis)
    if width <= ellipsis_width:
        ellipsis, ellipsis_width = "", 0
    budget = width - ellipsis_width
    used = 0
    end = 0
    for index, char in enumerate(text):
        size = get_character_cell_size(char)
        if used + size > budget:
            break
        used += size
        end = index + 1
    return text[:end] + ellipsis


def fit_cells(text: str, width: int, *, align: Literal["left", "right"] = "left") -> str:
    """`text` truncated (with an ellipsis) or padded with spaces to exactly `width` cells."""
    if width <= 0:
        return ""
    text = truncate_cells(text, width)
    pad = width - (len(text) if text.isascii() else cell_len(text))
    if pad <= 0:
        return text
    return text + " " * pad if align == "left" else " " * pad + text


def _aware(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _elapsed(dt: datetime, now: datetime) -> tuple[float, bool]:
    """(seconds between the two, whether `dt` is in the future)."""
    seconds = (now - dt).total_seconds()
    return abs(seconds), seconds < 0


def relative_time(dt: datetime | None, now: datetime) -> str:
    """A short date for a list column: `now`, `5m`, `3h`, `2d` within a week, else `YYYY-MM-DD`.

    Future times within a week read `in 5m`, `in 3h`, `in 2d` (clock skew under a minute is
    `now`). Naive datetimes are taken as UTC. The absolute date is given in `now`'s timezone, so
    passing a local `now` shows local dates.
    """
    if dt is None:
        return ""
    dt, now = _aware(dt), _aware(now)
    seconds, future = _elapsed(dt, now)
    if seconds < 60:
        return "now"
    if seconds < 3600:
        text = f"{int(seconds // 60)}m"
    elif seconds < 86400:
        text = f"{int(seconds // 3600)}h"
    elif seconds < 7 * 86400:
        text = f"{int(seconds // 86400)}d"
    else:
        return dt.astimezone(now.tzinfo).strftime("%Y-%m-%d")
    return f"in {text}" if future else text


def relative_phrase(dt: datetime, now: datetime) -> str:
    """A relative date for the detail pane: `3 hours ago`, `2 weeks ago`, `in 5 days`."""
    seconds, future = _elapsed(_aware(dt), _aware(now))
    if seconds < 60:
        return "just now"
    for unit, size in (
        ("year", 365 * 86400),
        ("month", 30 * 86400),
        ("week", 7 * 86400),
        ("day", 86400),
        ("hour", 3600),
        ("minute", 60),
    ):
        if seconds >= size:
            count = int(seconds // size)
            phrase = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {phrase}" if future else f"{phrase} ago"
    return "just now"  # pragma: no cover - the loop always returns
