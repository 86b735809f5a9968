"""Grouped mode in the app (`z`): each story once, its other sources in the detail pane,
triage and undo for the whole story, story counts in the header."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.collection import open_collection
from tests.story_fixtures import STORY, write_story_feed
from tests.tui_fixtures import make_app, screen_text, settle, wait_until


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    return write_story_feed(tmp_path / "feed")


def names(feed: Path) -> dict[str, str]:
    return {Path(a.path).stem: a.id for a in open_collection([str(feed)], use_cache=False).articles}


async def grouped(pilot, app) -> None:
    await settle(pilot)
    await pilot.press("z")
    await wait_until(pilot, lambda: app.session.grouped)
    await pilot.pause()


async def test_z_groups_each_story_once_and_back(feed: Path) -> None:
    ids = names(feed)
    app = make_app(feed)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert app.main.article_list.row_count == 6
        await grouped(pilot, app)
        article_list = app.main.article_list
        assert article_list.row_count == 4
        shown = {app.session.articles[i].id for i in article_list.order}
        assert ids["storm-daily"] in shown and ids["storm-wire"] not in shown
        text = screen_text(app)
        assert " +2" in text  # the story's two other sources
        assert "4 of 4 stories" in text  # the header counts stories
        await pilot.press("z")
        await pilot.pause()
        assert not app.session.grouped and article_list.row_count == 6
        assert "+2" not in screen_text(app)


async def test_sources_listed_and_enter_shows_one(feed: Path) -> None:
    ids = names(feed)
    app = make_app(feed)
    async with app.run_test(size=(140, 40)) as pilot:
        await grouped(pilot, app)
        article_list = app.main.article_list
        assert article_list.move_cursor_to_id(ids["storm-daily"])
        await settle(pilot)
        detail = app.main.detail
        assert detail.article.id == ids["storm-daily"]
        text = screen_text(app)
        assert "Also reported by 2" in text and "Wire Service" in text
        detail.focus()
        await pilot.press("tab")  # into the sources list: its first entry highlighted
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert detail.article.id in {ids["storm-wire"], ids["storm-amp"]}
        assert article_list.cursor_id == ids["storm-daily"]  # the list stays on the story


async def test_triage_in_grouped_mode_is_for_the_story_and_undo_is_one_step(feed: Path) -> None:
    ids = names(feed)
    app = make_app(feed)
    async with app.run_test(size=(140, 40)) as pilot:
        await grouped(pilot, app)
        article_list = app.main.article_list
        assert article_list.move_cursor_to_id(ids["storm-daily"])
        await pilot.press("asterisk", "r")
        await pilot.pause()
        session = app.session
        assert all(session.state(ids[n]).starred and session.state(ids[n]).read for n in STORY)
        assert not session.state(ids["park"]).starred
        assert app.store.state(ids["storm-amp"]).starred  # saved, not just shown
        await pilot.press("u")
        await pilot.pause()
        assert not any(session.state(ids[n]).read for n in STORY)
        assert all(session.state(ids[n]).starred for n in STORY)
        await pilot.press("u")
        await pilot.pause()
        assert not any(session.state(ids[n]).starred for n in STORY)


async def test_a_query_about_stories_finds_them(feed: Path) -> None:
    app = make_app(feed)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"has:duplicates", "enter")
        await wait_until(pilot, lambda: app.main.article_list.row_count == 3)
        assert app.session.clusters is not None and not app.session.grouped


async def test_a_query_about_stories_follows_a_reload(feed: Path) -> None:
    app = make_app(feed)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"has:duplicates", "enter")
        await wait_until(pilot, lambda: app.main.article_list.row_count == 3)
        (feed / "storm-fourth.md").write_text(
            '---\ntitle: "Storm closes the port of Rotterdam for two days"\n'
            "publishedDateTime: 2026-11-20T12:00:00Z\n"
            'provider:\n  name: "Fourth Outlet"\noriginalUrl: "https://fourth.example/storm"\n---\n',
            encoding="utf-8",
        )
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: app.main.article_list.row_count == 4)
