"""Shared fixtures: isolated state and cache dirs, the real feed, files written on the fly."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE_FEED = REPO / "sample_feed"
REAL_FEED = Path(os.environ.get("READER_REAL_FEED", REPO.parent / "shared" / "real_feed")).resolve()


@pytest.fixture(autouse=True)
def isolated_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Tests never read or write the user's real state file or cache."""
    base = tmp_path_factory.mktemp("reader-home")
    monkeypatch.setenv("READER_STATE", str(base / "state.sqlite3"))
    monkeypatch.setenv("READER_CACHE_DIR", str(base / "cache"))
    monkeypatch.setenv("BROWSER", "true")
    monkeypatch.setenv("READER_CONFIG", str(base / "no-config.toml"))  # never the user's
    monkeypatch.setenv("READER_FEEDS_DIR", str(base / "feeds"))
    return base


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch):
    """Local time is UTC in every test (dates on screen and in output do not depend on where
    the tests run); the real TZ comes back afterwards."""
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def real_feed() -> Path:
    if not REAL_FEED.is_dir():
        pytest.skip(f"real feed not present at {REAL_FEED}")
    return REAL_FEED


@pytest.fixture
def sample_feed() -> Path:
    return SAMPLE_FEED


WriteFile = Callable[..., Path]


@pytest.fixture
def write_file(tmp_path: Path) -> WriteFile:
    """write_file("a.md", text) -> path; text is dedented; bytes are written as they are."""

    def write(name: str, content: str | bytes, *, dedent: bool = True) -> Path:
        path = tmp_path / "feed" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            text = textwrap.dedent(content).lstrip("\n") if dedent else content
            path.write_bytes(text.encode("utf-8"))
        return path

    return write


def article_text(**fields: str) -> str:
    """A minimal valid article file; keyword arguments add or replace YAML lines."""
    base = {
        "title": '"A title"',
        "publishedDateTime": "2023-08-30T20:54:00Z",
        "webUrl": '"https://news.example/a"',
    }
    base.update(fields)
    lines = [f"{key}: {value}" for key, value in base.items() if value is not None]
    return "---\n" + "\n".join(lines) + "\n---\n"


HOSTILE_FILES: dict[str, str | bytes] = {
    "markup.md": '---\ntitle: "[bold red]Markup[/] [link=https://evil.example]x[/link] [/r/ML]"\n'
    'excerpt: "[blink]x[/blink]"\npublishedDateTime: 2026-11-28T10:00:00Z\n'
    'webUrl: "https://news.example/markup"\nprovider: "[red]Prov[/red]"\ntopics: "[u]t[/u]"\n'
    "---\n# Body [bold]not bold[/bold]\n\n<script>alert(1)</script>\n",
    "escapes.md": '---\ntitle: "\\e[2J\\e[H clear \\e]0;pwned\\a title \\e[31mred"\n'
    'excerpt: "bell \\a backspace \\b \\x9b31m"\npublishedDateTime: 2026-11-27T10:00:00Z\n'
    'webUrl: "javascript:alert(1)"\noriginalUrl: "file:///etc/passwd"\n---\nbody \x1b[31m red\n',
    "bidi.md": '---\ntitle: "RTL \u202eevil\u202c override"\n'
    "publishedDateTime: 2026-11-26T10:00:00Z\n---\n",
    "long.md": '---\ntitle: "'
    + "very long title " * 40
    + '"\nexcerpt: "'
    + "x" * 5000
    + '"\n---\n',
    "emoji.md": '---\ntitle: "Emoji 👩‍👩‍👧‍👦 and CJK 漢字テスト 한국어"\n'
    'provider:\n  name: "漢字"\n---\n',
    "deep.md": '---\ntitle: "deep"\nextra: ' + "[" * 200 + "]" * 200 + "\n---\n",
    "wrongtypes.md": '---\ntitle: "Wrong types"\nquality: [1,2]\nheat: {a: 1}\n'
    "publishedDateTime: [x]\ntopics: 12\nimages: 7\nrelated: 'no'\n---\n",
    "broken-yaml.md": "---\ntitle: [unclosed\n---\n",
    "notfm.md": "no front matter here\n",
    "empty.md": "",
    "binary.md": b'---\ntitle: "\xff\xfe"\n---\n',
    "list-root.md": "---\n- a\n- b\n---\n",
    # A 1 kB alias bomb (each level refers to the one before ten times), and an alias loop.
    "alias-bomb.md": "---\ntitle: bomb\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
    + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 11))
    + "---\n",
    "alias-loop.md": "---\ntitle: loop\nself: &s [1, *s]\n---\n",
    # The safe loader refuses the first value of a duplicate key: the file is a problem.
    "duplicate-date.md": "---\ntitle: dup\nwhen: 2023-02-30\nwhen: 2023-01-01\n---\n",
    "huge-front-matter.md": "---\ntitle: huge\npadding: " + "x" * 1_200_000 + "\n---\n",
    # Loads, with its lists cut to size.
    "many-topics.md": "---\ntitle: many topics\ntopics:\n"
    + "".join(f"  - t{i}\n" for i in range(20_000))
    + "---\n",
    # Markup and actions in URLs and names: data, never markup.
    "url-markup.md": '---\ntitle: "URL with markup"\npublishedDateTime: 2026-11-25T10:00:00Z\n'
    'webUrl: "https://news.example/a[/x][@click=app.quit]b"\n'
    'originalUrl: "https://news.example/[b]bold[/b]"\n---\n',
    "formula.md": '---\ntitle: "=HYPERLINK(\\"http://evil.example\\",\\"x\\")"\n'
    "provider: '@SUM(1+1)'\ntopics: ['-2+3', '+cmd']\n---\n",
    "invisible.md": '---\ntitle: "Zero\u200bwidth\u2060 and \u202ereversed\u202c"\n'
    'provider:\n  name: "P\u200bro\u00advider"\n---\n',
}
# Files with names that are themselves hostile (written by the fixture): they load.
HOSTILE_NAMES: tuple[bytes, ...] = (
    b"latin1-caf\xe9.md",  # not UTF-8
    b"new\nline.md",
    b"esc\x1b[2J\x1b]0;pwned\x07.md",
)
HOSTILE_GOOD = 7 + 4 + len(HOSTILE_NAMES)
#: the 5 above, alias-bomb, alias-loop, duplicate-date, huge-front-matter; then a FIFO, a symlink to
#: /dev/zero, a 1 GB sparse file and a broken file with a hostile name, made by the fixture.
HOSTILE_ERRORS = 5 + 4 + 3 + 1


@pytest.fixture
def hostile_feed(tmp_path: Path) -> Path:
    """Hostile, broken and odd files: `HOSTILE_GOOD` load (text kept as data), `HOSTILE_ERRORS`
    are problems (with a FIFO, a device and a huge sparse file among them)."""
    folder = tmp_path / "hostile"
    folder.mkdir()
    for name, content in HOSTILE_FILES.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    for number, raw in enumerate(HOSTILE_NAMES):
        url = f'"https://news.example/named-{number}"'
        with open(os.fsencode(folder) + b"/" + raw, "wb") as handle:
            handle.write(article_text(title=f'"Hostile name {number}"', webUrl=url).encode())
    with open(os.fsencode(folder) + b"/broken-\xff\x1b[31m\nname.md", "wb") as handle:
        handle.write(b"no front matter\n")  # a problem whose file name must be escaped
    os.mkfifo(folder / "fifo.md")
    (folder / "zero.md").symlink_to("/dev/zero")
    with open(folder / "sparse.md", "wb") as handle:
        handle.truncate(1 << 30)
    (folder / "loop").symlink_to(folder)
    return folder
