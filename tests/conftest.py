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
