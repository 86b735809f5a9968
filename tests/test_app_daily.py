"""Daily-use defects of the app (issue 17), each as a user meets it."""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
from pathlib import Path

import pytest

from reader.cli import main
from reader.settings import DEFAULTS
from reader.store import Store
from tests.tui_fixtures import make_app, screen_text, settle, wait_until, write_feed


async def test_screenshot_without_a_downloads_folder_lands_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DOWNLOAD_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.chdir(work)
    app = make_app(write_feed(tmp_path / "feed"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        saved = app.deliver_screenshot()
        await pilot.pause()
        assert saved is not None and Path(saved).parent.resolve() == work.resolve()
        assert Path(saved).read_text(encoding="utf-8").startswith("<svg")
        assert any(saved in n.message for n in app._notifications)
        assert not (home / "Downloads").exists()


def _foreign_database(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.execute("INSERT INTO notes VALUES ('keep me')")
    conn.commit()
    conn.close()


FAST_POLL = dataclasses.replace(DEFAULTS, poll_seconds=0.1)


def _rescued(app) -> dict:
    assert app.rescue_path is not None
    return json.loads(app.rescue_path.read_text(encoding="utf-8"))["articles"]


async def test_state_file_replaced_by_another_database_keeps_working(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite3"
    app = make_app(write_feed(tmp_path / "feed"), state=state, settings=FAST_POLL)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first = app.main.article_list.cursor_id
        await pilot.press("asterisk")
        await pilot.pause()
        foreign = tmp_path / "other.sqlite3"
        _foreign_database(foreign)
        original = foreign.read_bytes()
        os.replace(foreign, state)
        await wait_until(pilot, lambda: app.store.path != state)  # a session-only file now
        messages = [n.message for n in app._notifications]
        assert any("another file was put in its place" in m for m in messages), messages
        assert any(str(app.rescue_path) in m and "reader state import" in m for m in messages)
        assert app.session.states[first].starred  # nothing lost
        assert _rescued(app)[first]["starred"]
        await pilot.press("j", "r")  # triage goes on
        await pilot.pause()
        second = app.main.article_list.cursor_id
        assert app.session.states[second].read and app.store.state(second).read
    assert _rescued(app)[second]["read"]  # written again on quit
    # reader never wrote into the other application's database. (Not opened here: SQLite would
    # apply the old state file's `-wal`, which it ties to the file by name.)
    assert state.read_bytes() == original
    # The export merges back into a state file.
    fresh = tmp_path / "fresh.sqlite3"
    assert main(["state", "import", str(app.rescue_path), "--state", str(fresh)]) == 0
    with Store.open(fresh) as store:
        assert store.state(first).starred and store.state(second).read


async def test_state_file_removed_keeps_the_session(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite3"
    app = make_app(write_feed(tmp_path / "feed"), state=state, settings=FAST_POLL)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first = app.main.article_list.cursor_id
        await pilot.press("asterisk", "t")
        await pilot.pause()
        for key in "later":
            await pilot.press(key)
        await pilot.press("enter")
        await pilot.pause()
        state.unlink()
        await wait_until(pilot, lambda: any("was removed" in n.message for n in app._notifications))
        assert app.session.states[first].starred
        await pilot.press("r")
        await pilot.pause()
    rescued = _rescued(app)[first]
    assert rescued["starred"] and rescued["tags"] == ["later"] and rescued["read"]


@pytest.mark.parametrize(("width", "columns"), [(80, 1), (120, 2), (200, 3)])
async def test_help_lays_groups_out_in_columns_when_wide(tmp_path: Path, width, columns) -> None:
    from reader.tui.screens.help import HelpScreen

    app = make_app(write_feed(tmp_path / "feed"))
    async with app.run_test(size=(width, 50)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen) and app.screen.columns == columns
        text = screen_text(app)
        assert "Click a column header" in text and "Ctrl+D" in text and "Scroll down" in text


def test_help_columns_hold_every_group_once() -> None:
    from rich.console import Console

    from reader.tui.screens.help import help_groups, help_table, split_columns

    assert split_columns([10, 10, 10, 10], 2) == [[0, 1], [2, 3]]
    assert split_columns([30, 5, 5, 5, 5], 2) == [[0], [1, 2, 3, 4]]
    assert split_columns([3, 3], 5) == [[0], [1]]
    console = Console(width=200, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(help_table(3))
    text = console.export_text()
    first = text.splitlines()[0]
    assert sum(group in first for group, _ in help_groups()) == 3  # three titles side by side
    for group, _ in help_groups():
        assert text.count(group) >= 1
