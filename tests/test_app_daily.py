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
        await wait_until(pilot, lambda: any(saved in n.message for n in app._notifications))
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

        def said(text: str) -> bool:  # a notification is a message: shown a moment later
            return any(text in n.message for n in app._notifications)

        await wait_until(pilot, lambda: said("another file was put in its place"))
        messages = [n.message for n in app._notifications]
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


def _feed_of(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        (folder / f"a{number:03}.md").write_text(
            f'---\ntitle: "Article number {number} with a fairly long title to fit"\n'
            f"publishedDateTime: 2026-11-{1 + number % 28:02}T10:00:00Z\n"
            f'topics: ["Topic {number % 3}"]\nprovider:\n  name: "Outlet"\n---\n',
            encoding="utf-8",
        )
    return folder


async def test_columns_do_not_depend_on_whether_the_scrollbar_shows(tmp_path: Path) -> None:
    layouts = []
    for count in (3, 200):  # one screen, many screens
        app = make_app(_feed_of(tmp_path / f"feed{count}", count))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            article_list = app.main.article_list
            layouts.append([(c.key, c.x, c.width) for c in article_list._columns()])
    assert layouts[0] == layouts[1]


async def test_the_topic_column_shows_the_topic_searched_for(tmp_path: Path) -> None:
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "a.md").write_text(
        '---\ntitle: "Grid batteries get cheaper"\npublishedDateTime: 2026-11-01T10:00:00Z\n'
        'topics: ["Energy", "Batteries"]\n---\n',
        encoding="utf-8",
    )
    app = make_app(feed)
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        article_list = app.main.article_list
        row = article_list.render_line(1).text  # line 0 is the header
        assert "Energy" in row and "Batteries" not in row
        await pilot.press("slash", *"topic:batteries", "enter")
        await wait_until(pilot, lambda: app.session.query is not None)
        await pilot.pause()
        row = article_list.render_line(1).text
        assert "Batteries" in row and "Energy" not in row


async def test_typing_a_field_term_never_empties_the_list_on_the_way(tmp_path: Path) -> None:
    app = make_app(write_feed(tmp_path / "feed"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.pause()
        counts = []
        for key in "quality>50":
            await pilot.press(key)
            await pilot.pause()
            counts.append(app.main.article_list.row_count)
        assert min(counts) > 0, counts  # `quality` alone (a word matching nothing) never ran
        assert app.session.query_text == "quality>50"
        assert counts[-1] == 2


async def test_a_field_name_alone_is_searched_on_enter(tmp_path: Path) -> None:
    app = make_app(write_feed(tmp_path / "feed"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"type", "enter")
        await pilot.pause()
        assert app.session.query_text == "type"


async def test_after_a_search_the_cursor_is_on_the_first_result(tmp_path: Path) -> None:
    app = make_app(write_feed(tmp_path / "feed"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        article_list = app.main.article_list
        await pilot.press("j", "j")
        assert article_list.cursor_row == 2
        await pilot.press("slash", *"orion", "enter")
        await pilot.pause()
        assert article_list.row_count >= 1 and article_list.cursor_row == 0


async def test_a_long_query_error_is_shown_in_full(tmp_path: Path) -> None:
    app = make_app(write_feed(tmp_path / "feed"))
    async with app.run_test(size=(60, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"(kestrel OR orion) AND provider:x quality>")
        await pilot.pause()
        error = app.main.query_error
        assert error is not None and len(error) > 40
        assert " ".join(error.split()) in " ".join(screen_text(app).split())


def test_topic_chips_wrap_between_chips_never_inside_one() -> None:
    from rich.console import Console

    from reader.model import UNTOUCHED, Article
    from reader.tui.widgets.article_detail import ArticleDetail

    article = Article(
        id="a", path="a.md", title="t", topics=("Space Tech Policy", "AI", "Open Data")
    )
    for width in range(19, 40):
        text = ArticleDetail()._topics(article, UNTOUCHED, width)
        console = Console(width=width, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
        console.print(text)
        lines = console.export_text().splitlines()
        for chip in ("Space Tech Policy", "Open Data"):
            assert any(chip in line for line in lines), (width, lines)  # whole on one line


async def test_second_level_headings_do_not_look_like_links(tmp_path: Path) -> None:
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "a.md").write_text(
        '---\ntitle: "With sections"\npublishedDateTime: 2026-11-01T10:00:00Z\n---\n'
        "## A section\n\nSome text.\n",
        encoding="utf-8",
    )
    app = make_app(feed)
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(pilot)
        from textual.widgets._markdown import MarkdownH2

        heading = app.main.detail.query_one(MarkdownH2)
        assert heading.styles.text_style.bold and not heading.styles.text_style.underline


async def test_R_on_many_articles_asks_first_and_undo_restores(tmp_path: Path) -> None:
    from reader.tui.screens.confirm import ConfirmScreen

    settings = dataclasses.replace(DEFAULTS, confirm_mark_all=5)
    app = make_app(_feed_of(tmp_path / "feed", 8), settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        session = app.session
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and "8 articles" in screen_text(app)
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert not any(s.read for s in session.states.values())
        await pilot.press("R")
        await pilot.pause()
        await pilot.press("y")
        await wait_until(pilot, lambda: sum(s.read for s in session.states.values()) == 8)
        await pilot.press("u")
        await wait_until(pilot, lambda: not any(s.read for s in session.states.values()))


async def test_R_on_a_few_articles_does_not_ask(tmp_path: Path) -> None:
    app = make_app(_feed_of(tmp_path / "feed", 3))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await wait_until(pilot, lambda: sum(s.read for s in app.session.states.values()) == 3)


async def test_saved_searches_can_be_renamed_and_deleted_in_the_sidebar(tmp_path: Path) -> None:
    from reader.tui.screens.confirm import ConfirmScreen

    app = make_app(write_feed(tmp_path / "feed"))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        app.session.save_search("chips", "orion")
        await pilot.press("b")
        await pilot.pause()
        sidebar = app.main.sidebar
        assert sidebar._saved  # the saved search is an entry, highlighted first
        text = screen_text(app)
        assert "unread" in text  # the counts say what they count
        await pilot.press("e")
        await pilot.pause()
        for _ in range(5):
            await pilot.press("backspace")
        await pilot.press(*"orion news", "enter")
        await wait_until(pilot, lambda: app.store.saved_searches() == [("orion news", "orion")])
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: app.store.saved_searches() == [])
        await pilot.pause()
        assert "orion news" not in screen_text(app)
