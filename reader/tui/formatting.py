"""Pure text helpers for the TUI: relative dates and cell-aware fitting.

Article fields are data written by strangers: `sanitize` (from :mod:`reader.text`, re-exported
here) makes them safe to show. Everything here returns plain `str` so the widgets can wrap it in
`Text`/`Segment`s without any markup parsing, and measures width in terminal cells (CJK and
emoji take two) so columns line up.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from rich.cells import cell_len, get_character_cell_size

from reader.text import sanitize

__all__ = ["fit_cells", "relative_time", "sanitize", "truncate_cells"]

ELLIPSIS = "…"


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
