"""Start-up (issue 14): the first screenful kept from the last run shows before the load, the
load then replaces it in place; whatever changed in between is right once the load is in."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import reader.collection
from reader.store import Store
from tests.tui_fixtures import make_app, screen_text, settle, wait_until, write_feed


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    return write_feed(tmp_path / "feed")


class HeldLoad:
    """Holds every collection load until `release()`: the app's worker waits in the real
    loader's place, then runs the real one (the preview can be looked at in between)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.gate = threading.Event()
        real = reader.collection.open_collection

        def held(*args: object, **kwargs: object) -> object:
            self.gate.wait(30)
            return real(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(reader.collection, "open_collection", held)

    def release(self) -> None:
        self.gate.set()


def shown_ids(app) -> list[str]:
    article_list = app.main.article_list
    return [article_list.articles[i].id for i in article_list.order]


async def first_run(feed: Path, **options: object) -> list[str]:
    """A whole run that loads and quits (it keeps the first screen); the ids it showed."""
    app = make_app(feed, use_cache=True, **options)  # type: ignore[arg-type]
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        return shown_ids(app)


async def test_the_next_start_shows_the_last_rows_before_the_load(feed, monkeypatch):
    expected = await first_run(feed)
    held = HeldLoad(monkeypatch)
    app = make_app(feed, use_cache=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, lambda: app.session.preview and app.main.article_list.row_count)
        assert shown_ids(app) == expected  # the right rows, in the right order
        assert app.main.article_list.cursor_row == 0
        await pilot.pause()
        text = screen_text(app)
        assert "loading…" in text and "Newest: Kestrel unveils" in text
        assert app.main.detail.article is not None
        assert app.main.detail.article.id == expected[0]
        held.release()
        await settle(pilot)
        assert not app.session.preview and shown_ids(app) == expected
        assert "loading…" not in screen_text(app)
        assert app.main.detail.article.body.strip()  # the full article once loaded


async def test_an_article_archived_elsewhere_since_is_not_in_the_preview(
    feed, monkeypatch, tmp_path
):
    expected = await first_run(feed)
    with Store.open(tmp_path / "state.sqlite3") as store:  # another process, between runs
        store.set_archived([expected[0]], True)
    held = HeldLoad(monkeypatch)
    app = make_app(feed, use_cache=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, lambda: app.session.preview and app.main.article_list.row_count)
        assert shown_ids(app) == expected[1:]
        held.release()
        await settle(pilot)
        assert shown_ids(app) == expected[1:]


async def test_files_changed_since_show_once_the_load_is_in(feed, monkeypatch):
    expected = await first_run(feed)
    (feed / "a-newest.md").unlink()
    newer = (feed / "b-middle.md").read_text().replace("Middle:", "Brand new:")
    (feed / "e-new.md").write_text(
        newer.replace("2026-11-20T10:00:00Z", "2026-11-28T17:00:00Z").replace(
            "https://web.example/middle", "https://web.example/new"
        )
    )
    held = HeldLoad(monkeypatch)
    app = make_app(feed, use_cache=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, lambda: app.session.preview and app.main.article_list.row_count)
        assert shown_ids(app) == expected  # last run's rows, until the load says otherwise
        held.release()
        await settle(pilot)
        ids = shown_ids(app)
        assert app.session.article(ids[0]).title.startswith("Brand new:")
        assert expected[0] not in ids
        assert app.main.article_list.cursor_row == 0 and app.main.detail.article.id == ids[0]


async def test_triage_in_the_preview_is_kept_and_a_moved_cursor_stays(feed, monkeypatch):
    expected = await first_run(feed)
    held = HeldLoad(monkeypatch)
    app = make_app(feed, use_cache=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, lambda: app.session.preview and app.main.article_list.row_count)
        await pilot.press("j", "asterisk")
        second = expected[1]
        assert app.session.state(second).starred
        held.release()
        await settle(pilot)
        assert app.main.article_list.cursor_id == second
        assert app.session.state(second).starred
    with Store.open(feed.parent / "state.sqlite3") as store:
        assert store.state(second).starred


async def test_whole_view_actions_wait_for_the_load(feed, monkeypatch):
    expected = await first_run(feed)
    held = HeldLoad(monkeypatch)
    app = make_app(feed, use_cache=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, lambda: app.session.preview and app.main.article_list.row_count)
        await pilot.press("R")  # mark all read: the preview is not the whole view
        assert not any(app.session.state(i).read for i in expected)
        await pilot.press("4")  # another view: its rows are not in the preview
        assert app.main.article_list.row_count == 0
        assert "Loading the collection" in screen_text(app)
        held.release()
        await settle(pilot)
        assert app.session.view != "inbox" and not app.session.preview
        assert shown_ids(app) == [a.id for a in (app.session.articles[i] for i in app.session.rows)]


async def test_no_cache_means_no_preview_and_a_damaged_one_is_ignored(feed, monkeypatch, tmp_path):
    from reader.paths import default_cache_dir

    await first_run(feed)
    kept = list((default_cache_dir() / "first-screen").iterdir())
    assert len(kept) == 1
    kept[0].write_bytes(b"\x00not marshal")
    held = HeldLoad(monkeypatch)
    app = make_app(feed, use_cache=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause(0.3)
        assert not app.session.loaded  # no preview: the list waits for the load
        assert "Loading the collection" in screen_text(app)
        held.release()
        await settle(pilot)
        assert app.main.article_list.row_count == 4
    assert kept[0].read_bytes() != b"\x00not marshal"  # written again after the load
