"""Triage keys in the app: read, star, archive, tags, undo, next unread, mark all, views."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from reader.settings import DEFAULTS
from reader.store import Store
from reader.tui.screens.tags import TagsScreen, split_tags
from tests.tui_fixtures import keys, make_app, screen_text, settle, wait_until, write_feed


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    return write_feed(tmp_path / "feed")


def stored(app):
    with Store.open(app.store.path) as store:
        return store.states()


async def test_r_star_toggle_and_are_committed(feed):
    app = make_app(feed)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first = app.main.article_list.cursor_id
        await pilot.press("r")
        assert stored(app)[first].read is True
        await pilot.press("r")
        assert stored(app)[first].read is False
        await pilot.press("asterisk")
        assert stored(app)[first].starred is True
        assert "★" in screen_text(app)
        await pilot.press("asterisk")
        assert stored(app)[first].starred is False


async def test_moving_does_not_mark_read(feed):
    app = make_app(feed)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "k")
        assert not any(state.read for state in stored(app).values())


async def test_archive_leaves_inbox_cursor_moves_next_and_undo(feed):
    app = make_app(feed)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        order = [app.session.articles[i].id for i in app.main.article_list.order]
        await pilot.press("x")
        await pilot.pause()
        assert stored(app)[order[0]].archived is True
        assert order[0] not in [app.session.articles[i].id for i in app.main.article_list.order]
        assert app.main.article_list.cursor_id == order[1]
        await pilot.press("x")  # archive the second too
        await pilot.pause()
        assert app.main.article_list.cursor_id == order[2]
        assert app.main.header.shown == 2
        await pilot.press("u")
        await pilot.pause()
        assert stored(app)[order[1]].archived is False
        assert stored(app)[order[0]].archived is True
        assert app.main.article_list.cursor_id == order[1]
        await pilot.press("4")  # archived view
        await pilot.pause()
        assert [app.session.articles[i].id for i in app.main.article_list.order] == [order[0]]
        await pilot.press("x")  # unarchive from the archived view
        await pilot.pause()
        assert stored(app)[order[0]].archived is False
        assert app.main.header.shown == 0


async def test_views_and_counts(feed):
    app = make_app(feed)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("asterisk", "j", "r", "j", "x")
        await pilot.pause()
        counts = app.main.header.counts
        assert counts == {"inbox": 3, "unread": 2, "starred": 1, "archived": 1, "all": 4}
        for key, view, shown in (("2", "unread", 2), ("3", "starred", 1), ("5", "all", 4)):
            await pilot.press(key)
            await pilot.pause()
            assert app.session.view == view and app.main.header.shown == shown
        await pilot.press("1")
        assert app.session.view == "inbox"
        assert "Unread 2" in screen_text(app)


async def test_next_previous_unread(feed):
    app = make_app(feed)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "r", "g")  # second read; back to first
        await pilot.press("n")
        assert app.main.article_list.cursor_row == 2
        await pilot.press("p")
        assert app.main.article_list.cursor_row == 0


async def test_mark_all_read_is_one_undo(feed):
    app = make_app(feed)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await pilot.pause()
        assert all(state.read for state in stored(app).values())
        assert len(stored(app)) == 4
        await pilot.press("u")
        await pilot.pause()
        assert not any(state.read for state in stored(app).values())


async def test_undo_several_levels(feed):
    app = make_app(feed)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first = app.main.article_list.cursor_id
        await pilot.press("r", "asterisk", "u")
        assert stored(app)[first].read and not stored(app)[first].starred
        await pilot.press("u")
        assert not stored(app)[first].read


async def test_tags_editor_with_completion(feed):
    app = make_app(feed)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first = app.main.article_list.cursor_id
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TagsScreen)
        await pilot.press(*keys("work later"), "enter")
        await pilot.pause()
        assert stored(app)[first].tags == ("work", "later")
        assert "#work" in screen_text(app)
        await pilot.press("j", "t")
        await pilot.pause()
        await pilot.press("w", "o", "right", "enter")  # → accepts the suggestion "work"
        await pilot.pause()
        second = app.main.article_list.cursor_id
        assert stored(app)[second].tags == ("work",)
        await pilot.press("u")
        assert stored(app)[second].tags == ()


def test_split_tags():
    assert split_tags("work, #ai-ethics  later,WORK") == ["work", "ai-ethics", "later"]


async def test_state_survives_restart_and_sees_other_process(feed, tmp_path):
    state = tmp_path / "shared.sqlite3"
    app = make_app(feed, state=state, settings=replace(DEFAULTS, poll_seconds=0.1))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first = app.main.article_list.cursor_id
        await pilot.press("asterisk")
        second_id = app.session.articles[app.main.article_list.order[1]].id
        with Store.open(state) as other:  # a second reader process
            other.set_read([second_id], True)
        await wait_until(pilot, lambda: second_id in app.session.states, timeout=5)
        assert app.session.states[second_id].read
    app = make_app(feed, state=state)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.session.states[first].starred


def test_kill_9_right_after_key_press_loses_nothing(feed, tmp_path):
    """A child runs the app headless, presses `*`, says so, and is SIGKILLed at once."""
    import json
    import signal
    import subprocess
    import sys

    state = tmp_path / "killed.sqlite3"
    script = f"""
import asyncio, sys, time
from pathlib import Path
from tests.tui_fixtures import make_app, settle

async def main():
    app = make_app(Path({str(feed)!r}), state=Path({str(state)!r}))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "asterisk")
        current = app.main.article_list.cursor_id
        print(current, app.session.states[current].starred, flush=True)
        time.sleep(60)

asyncio.run(main())
"""
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        article_id, starred = child.stdout.readline().split()
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert starred == "True"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "reader",
            "list",
            str(feed),
            "--format",
            "json",
            "--state",
            str(state),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    rows = {row["id"]: row for row in json.loads(result.stdout)}
    assert rows[article_id]["starred"] is True


async def test_the_tag_editor_adds_to_the_tags_it_shows(feed):
    """Issue 17, defect 1: `t` pre-filled the current tags selected, so typing replaced them."""
    app = make_app(feed)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first = app.main.article_list.cursor_id
        await pilot.press("t", *keys("later"), "enter")
        await pilot.pause()
        assert app.session.state(first).tags == ("later",)
        await pilot.press("t", *keys("ai"), "enter")
        await pilot.pause()
        assert app.session.state(first).tags == ("later", "ai")


async def test_undo_says_what_it_undid(feed):
    """Issue 17, item 13: undo said "Undone (1 article(s))" without saying what."""
    app = make_app(feed)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("asterisk", "u")
        await pilot.pause()
        assert "Undone: star (1 article)" in [n.message for n in app._notifications]
        await pilot.press("R", "u")
        await pilot.pause()
        assert "Undone: mark read (4 articles)" in [n.message for n in app._notifications]
