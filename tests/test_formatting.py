"""Unit tests for the TUI's pure text helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from rich.cells import cell_len

from reader.tui.formatting import fit_cells, relative_time, sanitize, truncate_cells

NOW = datetime(2025, 3, 10, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(seconds=0), "now"),
        (timedelta(seconds=59), "now"),
        (timedelta(minutes=1), "1m"),
        (timedelta(minutes=59, seconds=59), "59m"),
        (timedelta(hours=1), "1h"),
        (timedelta(hours=23, minutes=59), "23h"),
        (timedelta(days=1), "1d"),
        (timedelta(days=6, hours=23), "6d"),
        (timedelta(days=7), "2025-03-03"),
        (timedelta(days=400), "2024-02-04"),
    ],
)
def test_relative_time_past(delta: timedelta, expected: str) -> None:
    assert relative_time(NOW - delta, NOW) == expected


def test_relative_time_future() -> None:
    assert relative_time(NOW + timedelta(seconds=30), NOW) == "now"
    assert relative_time(NOW + timedelta(minutes=5), NOW) == "in 5m"
    assert relative_time(NOW + timedelta(hours=3), NOW) == "in 3h"
    assert relative_time(NOW + timedelta(days=2), NOW) == "in 2d"
    assert relative_time(NOW + timedelta(days=30), NOW) == "2025-04-09"


def test_relative_time_none_naive_and_timezone() -> None:
    assert relative_time(None, NOW) == ""
    # A naive datetime is UTC.
    assert relative_time(datetime(2025, 3, 10, 9, 0), NOW) == "3h"
    # The absolute date is given in `now`'s timezone: 23:30 UTC is the next day at UTC+2.
    plus_two = timezone(timedelta(hours=2))
    dt = datetime(2025, 1, 1, 23, 30, tzinfo=UTC)
    assert relative_time(dt, NOW) == "2025-01-01"
    assert relative_time(dt, NOW.astimezone(plus_two)) == "2025-01-02"


def test_sanitize_plain_text_unchanged() -> None:
    text = "Plain title: 日本語 😀 [bold red]x[/] $100 – “quotes”"
    assert sanitize(text) == text


def test_sanitize_removes_escape_sequences_whole() -> None:
    assert sanitize("a\x1b[31mred\x1b[0m b") == "ared b"
    assert sanitize("\x1b]0;pwned title\x07x") == "x"
    assert sanitize("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\") == "link"
    assert sanitize("x\x1bcy") == "xy"
    assert sanitize("x\x9b2Jy") == "xy"
    for text in ("\x1b[31m", "a\x1b", "\x1b[", "\x9b", "\x1bP payload", "\x1b]unterminated"):
        result = sanitize(text)
        assert "\x1b" not in result
        assert all(not (0x80 <= ord(c) < 0xA0) for c in result)


def test_sanitize_controls() -> None:
    assert sanitize("a\x00b\x07c\x7fd\x85e\x90f") == "abcd ef"
    assert sanitize("tab\there") == "tab here"
    assert sanitize("line1\nline2\r\nline3") == "line1 line2  line3"
    assert sanitize("line1\nline2\r\nline3", keep_newlines=True) == "line1\nline2\nline3"
    assert sanitize("evil\u202etxt.exe") == "eviltxt.exe"
    assert sanitize("a\u2028b") == "a b"


def test_sanitize_leaves_no_control_characters() -> None:
    every = "".join(chr(c) for c in range(0x00, 0xA0))
    result = sanitize(every)
    assert all(ch.isprintable() for ch in result), repr(result)
    kept = sanitize(every, keep_newlines=True)
    assert all(ch.isprintable() or ch in "\n\t" for ch in kept)


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("hello", 10, "hello"),
        ("hello", 5, "hello"),
        ("hello world", 5, "hell…"),
        ("hello", 1, "h"),
        ("hello", 0, ""),
        ("日本語テキスト", 6, "日本…"),
        ("日本語テキスト", 5, "日本…"),
        ("日本語", 6, "日本語"),
        ("ab😀cd", 4, "ab…"),
    ],
)
def test_truncate_cells(text: str, width: int, expected: str) -> None:
    result = truncate_cells(text, width)
    assert result == expected
    assert cell_len(result) <= max(width, 0)


@pytest.mark.parametrize("text", ["abc", "日本語テキスト", "a😀b😀c", "", "mixed 日本 text"])
@pytest.mark.parametrize("width", [1, 2, 3, 7, 20])
def test_fit_cells_is_exact_width(text: str, width: int) -> None:
    assert cell_len(fit_cells(text, width)) == width
    right = fit_cells(text, width, align="right")
    assert cell_len(right) == width
    if cell_len(text) < width:
        assert right.endswith(text)
        assert fit_cells(text, width).startswith(text)


def test_relative_phrase():
    from datetime import UTC, datetime, timedelta

    from reader.tui.formatting import relative_phrase

    now = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)
    assert relative_phrase(now - timedelta(seconds=20), now) == "just now"
    assert relative_phrase(now - timedelta(hours=3, minutes=5), now) == "3 hours ago"
    assert relative_phrase(now - timedelta(days=1), now) == "1 day ago"
    assert relative_phrase(now - timedelta(days=15), now) == "2 weeks ago"
    assert relative_phrase(now - timedelta(days=800), now) == "2 years ago"
    assert relative_phrase(now + timedelta(days=10), now) == "in 1 week"
