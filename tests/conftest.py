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
    return base


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
}
HOSTILE_GOOD = 7


@pytest.fixture
def hostile_feed(tmp_path: Path) -> Path:
    """Hostile, broken and odd files: 7 load (text kept as data), 5 are problems."""
    folder = tmp_path / "hostile"
    folder.mkdir()
    for name, content in HOSTILE_FILES.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    (folder / "loop").symlink_to(folder)
    return folder
