"""reader.text: the one rule for showing text from articles, file names and servers."""

from __future__ import annotations

import json
import sys
import unicodedata

import pytest

from reader.text import KEPT_FORMAT, dump_json, escape_path, is_invisible, preview, sanitize


def test_the_format_character_table_is_unicodes() -> None:
    """Every format character (Cf) is removed, except the joiners and direction marks kept."""
    from reader.text import _FORMAT_RANGES

    listed = {c for start, end in _FORMAT_RANGES for c in range(start, end + 1)}
    actual = {c for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"}
    assert actual <= listed, sorted(hex(c) for c in actual - listed)
    for code in listed:
        assert is_invisible(chr(code)) == (code not in KEPT_FORMAT), hex(code)


def test_every_removed_character_is_unprintable() -> None:
    """sanitize's shortcut (printable text is returned as it is) rests on this."""
    from reader.text import _TABLE_FLAT, _TABLE_LINES

    for table in (_TABLE_FLAT, _TABLE_LINES):
        assert not [hex(c) for c in table if chr(c).isprintable()]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("zero\u200bwidth", "zerowidth"),
        ("word\u2060joiner", "wordjoiner"),
        ("\ufeffbom", "bom"),
        ("soft\u00adhyphen", "softhyphen"),
        ("tag\U000e0041chars", "tagchars"),
        ("RTL \u202eevil\u202c", "RTL evil"),
        ("isolate \u2066x\u2069", "isolate x"),
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),
        ("family 👩\u200d👩\u200d👧", "family 👩\u200d👩\u200d👧"),  # ZWJ kept: emoji sequences
        ("می\u200cخواهم", "می\u200cخواهم"),  # ZWNJ kept: Persian
        ("mark \u200f", "mark \u200f"),  # RLM kept
    ],
)
def test_invisible_characters(text: str, expected: str) -> None:
    assert sanitize(text) == expected


def test_escape_path() -> None:
    assert escape_path("/plain/path/ünïcode 漢字.md") == "/plain/path/ünïcode 漢字.md"
    undecodable = b"/feed/caf\xe9.md".decode("utf-8", "surrogateescape")
    assert escape_path(undecodable) == "/feed/caf\\xe9.md"
    assert escape_path("/feed/new\nline\x1b[2J.md") == "/feed/new\\x0aline\\x1b[2J.md"
    assert escape_path("/feed/\u202eevil.md") == "/feed/\\u202eevil.md"
    assert escape_path("a\u200dz") == "a\u200dz"
    escaped = escape_path("".join(chr(c) for c in range(0x20)))
    assert escaped.isprintable()


def test_dump_json_escapes_what_a_terminal_would_act_on() -> None:
    data = {"a": "c1 \x9b2J del \x7f bidi \u202e line \u2028 zw \u200b", "b": "ok ü 漢 😀"}
    text = dump_json(data)
    assert json.loads(text) == data  # the same data
    assert all(ch.isprintable() or ch == "\n" for ch in text), repr(text)
    assert "ü 漢 😀" in text  # readable text stays readable


def test_preview_never_echoes_a_huge_value() -> None:
    assert preview("x" * 50_000_000).startswith("'xxx") and len(preview("x" * 10**6)) < 80
    assert "digits" in preview(10**5000)
    assert preview({"a": 1}) == "an object of 1 key(s)"
    assert preview("evil\x1b[2J") == "'evil'"
