"""The fast YAML path gives exactly what the safe loader gives (or leaves the file to it).

Every comparison is type-exact: `True` is not `1`, a naive datetime is not an aware one. The
property tests run with a fixed seed (`derandomize`) and a bounded number of examples in CI.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import ftfy
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader import frontmatter, yaml_subset
from reader.frontmatter import (
    NOT_HANDLED,
    FrontMatterError,
    decode,
    fast_parse,
    parse_yaml,
    split,
)
from reader.loader import clean_text, iter_article_files, load_file
from reader.text import sanitize


def identical(a: object, b: object) -> bool:
    """Deep equality that also demands the same types (and the same tzinfo for datetimes)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(identical(a[k], b[k]) for k in a)  # type: ignore[index]
    if isinstance(a, list):
        return len(a) == len(b) and all(identical(x, y) for x, y in zip(a, b, strict=True))  # type: ignore[arg-type]
    if isinstance(a, datetime):
        return a == b and a.tzinfo == b.tzinfo and a.utcoffset() == b.utcoffset()  # type: ignore[union-attr]
    if isinstance(a, float) and a != a:
        return b != b
    return a == b


def reference(text: str) -> object:
    """What the safe C loader gives, or the exception class it raises."""
    try:
        return yaml.load(text, Loader=yaml.CSafeLoader)
    except Exception as exc:
        return type(exc)


def check(text: str) -> object:
    """The fast result (when it takes the text) must equal the safe loader's; returns it."""
    expected = reference(text)
    try:
        direct = yaml_subset._direct_parse(text)
    except Exception:
        pass
    else:  # the direct path checks the subset as it goes: it must take nothing outside it
        assert yaml_subset._SIMPLE_DOCUMENT.fullmatch(text), f"outside the subset: {text!r}"
        assert identical(direct, expected), f"{text!r}: direct {direct!r} != safe {expected!r}"
    fast = fast_parse(text)
    if fast is not NOT_HANDLED:
        assert not isinstance(expected, type), f"fast parsed what libyaml rejects: {text!r}"
        assert identical(fast, expected), f"{text!r}: fast {fast!r} != safe {expected!r}"
    # And through the one public function, errors included.
    try:
        public = parse_yaml(text)
    except FrontMatterError:
        assert isinstance(expected, type), f"parse_yaml failed where libyaml did not: {text!r}"
    else:
        assert identical(public, expected), f"{text!r}: {public!r} != {expected!r}"
    return fast


def yaml_of(path: str) -> str | None:
    try:
        return split(decode(Path(path).read_bytes())).yaml_text
    except FrontMatterError:
        return None


def feed_texts(root: Path) -> list[tuple[str, str]]:
    texts = []
    for path, relative in iter_article_files(root):
        text = yaml_of(path)
        if text is not None:
            texts.append((relative, text))
    return texts


# ------------------------------------------------------------------------- real files


def test_real_feed_is_parsed_fast_and_identically(real_feed: Path) -> None:
    texts = feed_texts(real_feed)
    assert len(texts) > 100
    for relative, text in texts:
        fast = check(text)
        assert fast is not NOT_HANDLED, f"the fast path should take {relative}"


def test_sample_feed_identical(sample_feed: Path) -> None:
    for _relative, text in feed_texts(sample_feed):
        check(text)


# ------------------------------------------------------------------------- hostile snippets

YAML11_SCALARS = [
    # booleans YAML 1.1 knows and 1.2 does not
    "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
    "true", "True", "TRUE", "false", "False", "FALSE", "y", "n", "Y", "N",
    # nulls
    "~", "null", "Null", "NULL", "",
    # ints
    "0", "-0", "+0", "012", "08", "0o17", "0x1F", "0X1f", "0b101", "1_000", "-1_000", "+12",
    "190:20:30", "99999999999999999999999", "-1", "1e3", "1E3", "12e",
    # floats
    "1.5", "-1.5", "+1.5", ".5", "5.", "0.", "1.0e+3", "1.5e3", "1.5e-3", "6.8523015e+5",
    "685.230_15e+03", "190:20:30.15", ".inf", "-.inf", "+.inf", ".Inf", ".INF", "inf",
    "infinity", "Infinity", ".nan", ".NaN", ".NAN", "nan", "NaN", "1.2.3", "1,2",
    # timestamps
    "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "2001-12-15 2:59:43.10",
    "2002-12-14", "2023-08-30T20:54:00Z", "2023-08-30T20:54:00", "2023-08-30T20:54:00+02:00",
    "2023-08-30T20:54:00.123456Z", "2023-8-3", "2023-08-30T20:54Z", "20230830",
    # other specials
    "=", "<<", "-", "--", "-x", ":x", "?x", "x]", "x,y{z}", "a#b", "x:y", "http://a/b?c=1&d=2#f",
    "Tom's Guide", "아크로팬", "café ’quoted’ – dash…", "2019 annual report", "1st place",
]  # fmt: skip


@pytest.mark.parametrize("scalar", YAML11_SCALARS)
def test_plain_scalars(scalar: str) -> None:
    check(f"a: {scalar}\n")
    check(f"list:\n  - {scalar}\n  - x\n")
    check(f"- {scalar}\n")
    check(f"outer:\n  - key: {scalar}\n    other: 1\n")


@pytest.mark.parametrize("scalar", YAML11_SCALARS)
def test_quoted_scalars_stay_text(scalar: str) -> None:
    escaped = scalar.replace("\\", "\\\\").replace('"', '\\"')
    check(f'a: "{escaped}"\n')
    check("a: '" + scalar.replace("'", "''") + "'\n")


ODD_KEYS = ["yes", "no", "on", "off", "true", "null", "~", "1", "2001-01-01", "<<", "y", "n",
            "_x", "a-b", "1.5", '"quoted"', "'q'", "nan", "NaN", "inf", "Inf", "infinity",
            "Infinity", ".inf", ".nan"]  # fmt: skip


@pytest.mark.parametrize("key", ODD_KEYS)
def test_odd_keys(key: str) -> None:
    check(f"{key}: value\nother: 1\n")


HOSTILE = [
    # escapes
    r'a: "say \"hi\""',
    r'a: "back\\slash"',
    r'a: "slash \/ tab\t nl\n"',
    r'a: "\x41\u00e9\U0001F600"',
    r'a: "\N\_\L\P\0\a\b\e\f\v\r"',
    r'a: "\ud83d\ude00"',
    r'a: "bad \q escape"',
    "a: 'single ''quoted'' text'",
    'a: "unterminated\n',
    'a: "multi\n  line"\n',
    "a: 'multi\n  line'\n",
    # unicode and odd characters
    "a: café — “quoted” …\n",
    "a: \u2028x\n",
    "a: x\x85y\n",
    "a: \ufeffbom\n",
    "a: tab\there\n",
    "a:\tb\n",
    "a: x\x7fy\n",
    "a: x\x01y\n",
    "a: \ue000marker\n",
    "a: emoji 😀 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢\n",
    # multi-line and block scalars
    "a: hello\n  world\n",
    "a: hello\n  - world\n",
    "- a\n  - b\n",
    "a:\n  - 1\n   - 2\n",
    "a: |\n  line1\n  line2\n",
    "a: >\n  folded\n  text\n",
    "a: |-\n  x\nb: 1\n",
    # structure
    "a: 1\n  b: 2\n",
    "a:\n  b: 1\n c: 2\n",
    'a: "x"\n  b: 1\n',
    "a: b: c\n",
    "a:\n  b: 1\n  - c\n",
    "a:\n- 1\n- 2\n",
    "- - a\n  - b\n",
    "- - - deep\n",
    "a: 1\na: 2\n",
    "a: 1\nb:\n  a: 1\n  a: [2]\n",
    "a:\n\n\n  b: 1\n",
    "# comment only\n",
    "a: x # comment\nb: y#not\n",
    "a: 1 #c\n",
    "",
    "\n\n",
    "just a scalar\n",
    "- 1\n- 2001-01-01\n",
    "a:\n  - \n  - x\n",
    "a: -\n",
    "a:\n  -\n    b: 1\n",
    # flow, anchors, tags, merge keys, directives
    "a: [1, yes, ~, '2']\n",
    "a: {x: 1, y: no}\n",
    "a: &anchor 1\nb: *anchor\n",
    "base: &b\n  x: 1\nderived:\n  <<: *b\n  y: 2\n",
    "a: !!str 123\n",
    "a: !!binary aGVsbG8=\n",
    "a: !!set {x, y}\n",
    "a: !custom x\n",
    "%YAML 1.1\n---\na: 1\n",
    "? complex\n: key\n",
    "a: 2023-02-30T00:00:00Z\n",
    "a: 2023-13-01\n",
    # duplicate keys: the safe loader constructs (and refuses) every value, not only the last
    "a: 2023-02-30\na: 2023-01-01\n",
    "a: 2023-02-30T00:00:00Z\na: fine\n",
    "a:\n  - 2023-02-30\na: 1\n",
    "x:\n  a: 2023-02-31\n  a: 2\n",
    # aliases that share or loop (the safe loader builds them; reader refuses the bombs)
    "a: &x [1, 2]\nb: *x\n",
    # deep nesting
    "".join(f"{'  ' * i}k{i}:\n" for i in range(60)) + "  " * 60 + "leaf: 1\n",
    "a: " + "[" * 200 + "]" * 200 + "\n",
    "- " * 150 + "x\n",
    # real-shape
    'title: "A: b | c? $5 (1/3)"\nexcerpt: "x &nbsp; y &#038; z"\npublished: true\nheat: -1\n',
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_snippets(text: str) -> None:
    check(text)


def test_impossible_date_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_text("---\ntitle: x\nwhen: 2023-02-30T00:00:00Z\n---\n")
    article, problems = load_file(str(path), "bad.md")
    assert article is None
    assert problems[0].message.startswith("YAML error: invalid value")


def test_fast_path_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "a: 2023-08-30T20:54:00Z\n"
    monkeypatch.setattr(frontmatter, "FAST_PARSER_ENABLED", False)
    assert identical(parse_yaml(text), reference(text))


def test_loading_never_silences_the_terminal(tmp_path: Path, hostile_feed: Path) -> None:
    """Textual draws on fd 2: whatever another thread writes there while files are parsed (the
    first load, a live reload) must arrive, so parsing never redirects a file descriptor."""
    code = f"""
import os, sys, threading
from reader.cache import load_collection_cached
written = 0
stop = threading.Event()
def tick():
    global written
    while not stop.is_set():
        os.write(2, b"t")
        written += 1
thread = threading.Thread(target=tick)
thread.start()
for _ in range(5):
    load_collection_cached([{str(hostile_feed)!r}], use_cache=False, workers=1)
stop.set()
thread.join()
print(written)
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    written = int(result.stdout)
    assert written > 0
    assert result.stderr.count("t") == written


# ------------------------------------------------------------------------- properties

_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), max_codepoint=0x1F700), max_size=30
)
_scalars = st.one_of(
    _text,
    st.sampled_from(YAML11_SCALARS),
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.dates(),
    st.datetimes(),
)
_keys = st.one_of(st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,10}", fullmatch=True), _text)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_keys, inner, max_size=4)),
    max_leaves=12,
)


@settings(
    derandomize=True, max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.dictionaries(_keys, _values, min_size=1, max_size=6), st.booleans())
def test_dumped_mappings(mapping: dict, unicode: bool) -> None:
    text = yaml.safe_dump(mapping, allow_unicode=unicode, sort_keys=False, width=10**6)
    check(text)


# Lines put together from YAML fragments, with random indentation: mostly invalid or odd YAML,
# which is what the line filter and the rewrite must never get wrong.
_fragment = st.sampled_from(
    ["key", "other", "yes", "- ", "- - ", ": ", ":", " ", "  ", "x", "1", "0x1F", "~", "2001-01-01",
     "2023-08-30T20:54:00Z", '"q"', "'s'", '"a\\"b"', "#", " #c", "[", "]", "{", "&a", "*a", "!t",
     "|", ">", "-1", ".5", "nan", "null", "true", "http://a/b?c=1#f", "é", "’", "\t", "? ",
     "\xa0", "\u3000", ":x", "a#b", " # ", "'a'b'", '"a"b"', "''", '""', "\x85", "\\", "-x"]
)  # fmt: skip
_line = st.tuples(st.integers(0, 6), st.lists(_fragment, max_size=5)).map(
    lambda parts: " " * parts[0] + "".join(parts[1])
)


@settings(
    derandomize=True, max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.lists(_line, min_size=1, max_size=6))
def test_line_soup(lines: list[str]) -> None:
    check("\n".join(lines) + "\n")


# Well-formed-looking lines (indentation, dashes, keys, scalars of every kind): most of these
# take the fast path, so its results are compared with the safe loader's on many shapes.
_word = st.sampled_from(["key", "a", "b", "title", "x_y", "nan", "inf", "yes", "on", "null", "k-1"])
_scalar_text = st.one_of(
    st.sampled_from(YAML11_SCALARS),
    st.sampled_from(YAML11_SCALARS).map(lambda s: '"' + s.replace('"', '\\"') + '"'),
    st.sampled_from(YAML11_SCALARS).map(lambda s: "'" + s.replace("'", "''") + "'"),
)
_shaped_line = st.tuples(
    st.sampled_from([0, 0, 0, 2, 2, 4, 1, 3]),
    st.sampled_from(["", "", "- ", "- - "]),
    st.one_of(
        st.tuples(_word, _scalar_text).map(lambda kv: f"{kv[0]}: {kv[1]}"),
        _word.map(lambda k: f"{k}:"),
        _scalar_text,
    ),
).map(lambda parts: " " * parts[0] + parts[1] + parts[2])


@settings(
    derandomize=True, max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.lists(_shaped_line, min_size=1, max_size=8))
def test_shaped_lines(lines: list[str]) -> None:
    check("\n".join(lines) + "\n")


# ------------------------------------------------------------------------- the other speed-ups

_mojibake_free = st.text(
    alphabet=st.one_of(
        st.characters(max_codepoint=0x7F),
        st.sampled_from("\xa0\u2013\u2014\u2018\u2019\u201c\u201d\u2026"),
        st.characters(min_codepoint=0x3000, max_codepoint=0x9FFF),
        st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3),
    ),
    max_size=40,
)


@settings(derandomize=True, max_examples=500, deadline=None)
@given(_mojibake_free)
def test_skipping_ftfy_is_safe(text: str) -> None:
    """clean_text skips ftfy for these characters: ftfy must indeed leave them alone."""
    assert ftfy.fix_encoding(text) == text


ODD_TEXTS = ["â€œquotedâ€\x9d", "&amp;lt;", "caf&eacute;", "Ã©t&eacute;", "a\u200bb\x1b[1m"]
_BREAKS = re.compile(r"[\t\n\u2028\u2029]+")


def _clean_text_reference(value: str, multiline: bool) -> str:
    """clean_text without its shortcuts: every step on every text."""
    import html

    if "&" in value:
        value = html.unescape(value)
    if not value.isascii():
        value = ftfy.fix_encoding(value)
    if not multiline:
        value = _BREAKS.sub(" ", value)
    return sanitize(value, keep_newlines=multiline).strip()


@settings(derandomize=True, max_examples=500, deadline=None)
@given(
    st.one_of(_mojibake_free, st.text(max_size=40), st.sampled_from(ODD_TEXTS)),
    st.booleans(),
)
def test_clean_text_unchanged(value: str, multiline: bool) -> None:
    assert clean_text(value, multiline=multiline) == _clean_text_reference(value, multiline)


def _split_reference(text: str) -> tuple[str, str] | int:
    """The closing-fence scan as it was (line by line), or the error line."""
    first_end = text.find("\n")
    start = first_end + 1
    pos, line_no = start, 2
    while pos <= len(text):
        end = text.find("\n", pos)
        line = text[pos:] if end == -1 else text[pos:end]
        if line.rstrip() in ("---", "..."):
            return text[start:pos], "" if end == -1 else text[end + 1 :]
        if end == -1:
            break
        pos, line_no = end + 1, line_no + 1
    return line_no - 1


@settings(derandomize=True, max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from(["---", "...", "--- ", "---\x0c", "----", " ---", "a: 1", "", "x", "...x"]),
        max_size=6,
    ),
    st.booleans(),
)
def test_split_unchanged(lines: list[str], final_newline: bool) -> None:
    text = "---\n" + "\n".join(lines) + ("\n" if final_newline else "")
    expected = _split_reference(text)
    try:
        parts = split(text)
    except FrontMatterError as exc:
        assert isinstance(expected, int) and exc.line == expected
    else:
        assert (parts.yaml_text, parts.body) == expected


def test_loader_results_unchanged_on_the_feeds(real_feed: Path, sample_feed: Path) -> None:
    """Whole articles: fast parser on == fast parser off."""
    from reader.loader import load_collection

    roots = [str(real_feed), str(sample_feed)]
    fast = load_collection(roots)
    saved = frontmatter.FAST_PARSER_ENABLED
    frontmatter.FAST_PARSER_ENABLED = False
    try:
        safe = load_collection(roots)
    finally:
        frontmatter.FAST_PARSER_ENABLED = saved
    assert fast.articles == safe.articles
    assert [a.extra for a in fast.articles] == [a.extra for a in safe.articles]
    assert fast.problems == safe.problems


def test_environment_switch() -> None:
    code = "from reader import frontmatter; print(frontmatter.FAST_PARSER_ENABLED)"
    env = dict(os.environ, READER_FAST_YAML="0")
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "False"


def test_dates_and_datetimes_types() -> None:
    value = check("d: 2002-12-14\nt: 2023-08-30T20:54:00Z\nn: 2023-08-30 20:54:00\n")
    assert isinstance(value, dict)
    assert type(value["d"]) is date and type(value["t"]) is datetime


# ------------------------------------------------------------------ the direct (pure Python) path

STRUCTURES = [
    "a: 1\nb: 2",
    "a:\n  b: 1\n  c:\n    d: x\ne: y",
    "a:\n- 1\n- 2\nb: 3",
    "a:\n  - 1\n  - 2\nb: 3",
    "a:\n  - b\n  c: 1",
    "a:\n- b\n  c: 1",
    "- a\n- b",
    "- a\nb: 1",
    "- a: 1\n  b: 2\n- c: 3",
    "- a: 1\n b: 2",
    "- a: 1\n   b: 2",
    "- - a\n  - b\n- c",
    "- - a\n- - b",
    "a:\n  - - x\n    - y",
    "a:\nb:\nc: 1",
    "a:\n  b:\n",
    "  a: 1\n  b: 2",
    "  a: 1\nb: 2",
    "a: 1\n  b: 2",
    "a: x\n  - y",
    "- a\n  - b",
    "a: 1\na: 2",
    "a:\n  b: 1\na: 3",
    "a:\n    b: 1\n  c: 2",
    "- a:\n    b: 1\n  c: 2",
    "- a:\n  - x\n  b: 1",
    "a:\n- x\n- y:\n    z: 1\n  w: 2\nv: 3",
    "# only a comment",
    "a: 1\n# comment\n  # indented comment\nb: 2",
    "-   a: 1\n    b: 2",
    "key: [1, 2]",
    "key: 'it''s'",
    'key: "tab\\tnew\\nline \\"q\\" \\/ \\\\"',
    "key: 2023-08-30T20:54:00Z\nother: 2023-08-30\nthird: 2023-08-30 20:54:00",
    "key: 0o17\nhex: 0x1F\noct: 017\nsex: 1:30\nfloat: 1.5e3\ninf: .inf\nnull: ~",
    "yes: no",
    "on: off\ny: n",
]


@pytest.mark.parametrize("text", STRUCTURES)
def test_direct_path_structures(text: str) -> None:
    check(text)


def test_direct_path_takes_the_real_shape() -> None:
    """The real files go through the direct path (no YAML library), with the same values."""
    from reader.yaml_subset import _direct_parse

    root = Path(__file__).resolve().parent.parent / "sample_feed"
    taken = 0
    for path in sorted(root.rglob("*.md")):
        text = yaml_of(str(path))
        if text is None:
            continue
        value = _direct_parse(text)
        assert identical(value, reference(text)), path
        taken += 1
    assert taken >= 40


@settings(derandomize=True, max_examples=3000, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(["-", "---", ".", "...", "\n", " ", "\t", "a", "\xa0", "\x1c"])),
    st.integers(min_value=0, max_value=40),
)
def test_closing_fence_search_equals_its_regex(pieces: list[str], start: int) -> None:
    text = "".join(pieces)
    start = min(start, len(text))
    start = text.rfind("\n", 0, start) + 1  # split() searches from the start of a line
    match = frontmatter._CLOSING_FENCE.search(text, start)
    expected = None if match is None else (match.start(), match.end())
    assert frontmatter._closing_fence(text, start) == expected


def test_printable_text_needs_no_character_regex() -> None:
    """Two shortcuts rest on this: every character the direct path refuses, and every character
    clean_text's pattern replaces, is unprintable (so printable text skips those regexes)."""
    import sys

    from reader.loader import _LINE_BREAKS

    patterns = (yaml_subset._REFUSED_CHARACTER, _LINE_BREAKS)
    printable = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isprintable()]
    for pattern in patterns:
        assert not [c for c in printable if pattern.match(c)], pattern.pattern


_BODY_CHARACTERS = st.one_of(
    st.sampled_from("\n\t\r \x1b[31m\x00\x7f\x85\x9b\u00a0\u00ad\u200b\u200d\u2028\u202e\ufeff"),
    st.characters(max_codepoint=0x7F),
    st.characters(),  # surrogates, unassigned, private use, format characters included
)


@settings(derandomize=True, max_examples=1000, deadline=None)
@given(st.text(_BODY_CHARACTERS, max_size=60))
def test_clean_body_is_sanitize_with_lines_kept(body: str) -> None:
    """clean_body skips the translation for printable bodies: it must give what it would."""
    from reader.loader import clean_body

    assert clean_body(body) == sanitize(body, keep_newlines=True).strip("\n")
