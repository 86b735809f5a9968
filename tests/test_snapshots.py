"""SVG snapshots of the main screens (pytest-textual-snapshot).

Update after an intended change with `python -m pytest tests/test_snapshots.py --snapshot-update`
and look at the report before committing the new SVGs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tui_fixtures import make_app, settle, write_feed


@pytest.fixture
def app_factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # Paths shown on screen are relative to the working directory: keep them stable.
    monkeypatch.chdir(tmp_path)

    def build(*, broken: bool = False):
        write_feed(Path("feed"), broken=broken)
        return make_app(Path("feed"), state=tmp_path / "state.sqlite3")

    return build


async def _loaded(pilot) -> None:
    await settle(pilot)


def test_main_screen_120x40(snap_compare, app_factory):
    assert snap_compare(app_factory(), terminal_size=(120, 40), run_before=_loaded)


def test_main_screen_80x24(snap_compare, app_factory):
    assert snap_compare(app_factory(), terminal_size=(80, 24), run_before=_loaded)


def test_main_screen_after_triage(snap_compare, app_factory):
    async def triage(pilot) -> None:
        await settle(pilot)
        await pilot.press("asterisk", "j", "r", "j")
        await pilot.pause()

    assert snap_compare(app_factory(), terminal_size=(120, 40), run_before=triage)


def test_help_screen(snap_compare, app_factory):
    async def help_open(pilot) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(app_factory(), terminal_size=(120, 50), run_before=help_open)


def test_problems_screen(snap_compare, app_factory):
    async def problems_open(pilot) -> None:
        await settle(pilot)
        await pilot.press("exclamation_mark")
        await pilot.pause()

    assert snap_compare(app_factory(broken=True), terminal_size=(120, 40), run_before=problems_open)


def test_search_with_error(snap_compare, app_factory):
    async def search(pilot) -> None:
        await settle(pilot)
        await pilot.press("slash", *"orion", "space", *"quality>")
        await pilot.pause()

    assert snap_compare(app_factory(), terminal_size=(120, 30), run_before=search)


def test_reading_mode(snap_compare, app_factory):
    """`v` on an article read before: its full text from the reading cache, no network."""
    from datetime import UTC, datetime

    from reader.collection import open_collection
    from reader.model import LinkKind
    from reader.paths import reading_cache_dir
    from reader.reading import ReadingCache, ReadResult, extract
    from tests.reading_server import article_html

    app = app_factory()
    page = extract(article_html("River park grows by twelve hectares"), "https://news.example/p")
    for article in open_collection(["feed"], use_cache=False).articles:  # whichever is first
        ReadingCache(reading_cache_dir()).put(
            ReadResult(
                id=article.id,
                url="https://news.example/p",
                kind=LinkKind.ORIGINAL,
                title=page.title,
                text=page.text,
                markdown=page.markdown,
                words=page.words,
                fetched_at=datetime(2026, 11, 30, 9, 15, tzinfo=UTC),
            )
        )

    async def read(pilot) -> None:
        await settle(pilot)
        await pilot.press("v")
        for _ in range(100):
            if pilot.app.main.detail.full_text is not None:
                break
            await pilot.pause(0.05)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=read)


def test_grouped_mode(snap_compare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from tests.story_fixtures import write_story_feed

    monkeypatch.chdir(tmp_path)
    write_story_feed(Path("feed"))
    app = make_app(Path("feed"), state=tmp_path / "state.sqlite3")

    async def group(pilot) -> None:
        await settle(pilot)
        await pilot.press("z")
        for _ in range(100):
            if pilot.app.session.grouped:
                break
            await pilot.pause(0.05)
        await settle(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=group)
