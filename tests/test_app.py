"""The app driven by keys (Pilot): order, detail, sort, layout, screens, triage, search."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reader.tui.screens.help import HelpScreen
from reader.tui.screens.problems import ProblemsScreen
from reader.tui.widgets.article_detail import ArticleDetail
from tests.tui_fixtures import keys, make_app, screen_text, settle, wait_until, write_feed


def titles(app) -> list[str]:
    return [app.session.articles[i].title.split(":")[0] for i in app.main.article_list.order]


def detail_title(app) -> str:
    article = app.query_one(ArticleDetail).article
    return article.title.split(":")[0] if article else ""


async def synced_detail_title(pilot) -> str:
    """The detail pane's title once it has caught up with the cursor (it trails held keys)."""
    app = pilot.app

    def synced() -> bool:
        shown = app.query_one(ArticleDetail).article
        return (shown.id if shown else None) == app.main.article_list.cursor_id

    await wait_until(pilot, synced, timeout=2)
    return detail_title(app)


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    return write_feed(tmp_path / "feed")


async def test_newest_first_and_detail_follows_cursor(feed):
    app = make_app(feed)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert titles(app)[0] == "Newest"
        assert titles(app)[-1] == "Oldest"
        assert detail_title(app) == "Newest"
        await pilot.press("j")
        assert await synced_detail_title(pilot) == "Middle"
        await pilot.press("j", "j")
        assert await synced_detail_title(pilot) == "Oldest"
        await pilot.press("k")
        await pilot.pause()
        assert app.main.article_list.cursor_row == 2
        await pilot.press("g")
        assert app.main.article_list.cursor_row == 0
        await pilot.press("G")
        assert app.main.article_list.cursor_row == 3
        await pilot.press("pageup")
        assert app.main.article_list.cursor_row == 0


async def test_sort_reverse_and_cursor_kept(feed):
    app = make_app(feed)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j")  # Middle
        await pilot.press("S")
        await pilot.pause()
        assert titles(app)[0] == "Oldest"
        order = app.main.article_list.order
        assert app.main.article_list.cursor_id == app.session.articles[order[2]].id
        assert await synced_detail_title(pilot) == "Middle"
        await pilot.press("s")  # quality, highest first
        await pilot.pause()
        assert app.session.sort_key == "quality" and not app.session.sort_reverse
        assert titles(app)[:3] == ["Newest", "Middle", "Oldest"]
        assert await synced_detail_title(pilot) == "Middle"
        await pilot.press("s")  # heat
        await pilot.pause()
        assert titles(app)[0] == "Middle"
        await pilot.press("s", "s")  # title, provider
        await pilot.pause()
        assert app.session.sort_key == "provider"
        await pilot.press("s")
        assert app.session.sort_key == "date"


async def test_header_click_sorts(feed):
    app = make_app(feed)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        article_list = app.main.article_list
        columns = {c.key: c for c in article_list._columns()}
        quality = columns["quality"]
        await pilot.click("#article-list", offset=(quality.x + 1, 0))
        await pilot.pause()
        assert app.session.sort_key == "quality"
        await pilot.click("#article-list", offset=(quality.x + 1, 0))
        await pilot.pause()
        assert app.session.sort_reverse is True
        assert titles(app)[-1] == "Newest"


async def test_narrow_layout_puts_detail_under_list(feed):
    app = make_app(feed)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        list_region = app.main.article_list.region
        detail_region = app.query_one(ArticleDetail).region
        assert detail_region.y > list_region.y
        assert detail_region.width >= 70
    app = make_app(feed)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert app.query_one(ArticleDetail).region.x > app.main.article_list.region.x


async def test_enter_focuses_detail_and_marks_read_escape_returns(feed):
    app = make_app(feed)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first = app.main.article_list.cursor_id
        assert not app.session.states.get(first) or not app.session.states[first].read
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused is app.query_one(ArticleDetail)
        assert app.session.states[first].read
        await pilot.press("escape")
        assert app.focused is app.main.article_list
        await pilot.press("l")
        assert app.focused is app.query_one(ArticleDetail)
        await pilot.press("h")
        assert app.focused is app.main.article_list
        await pilot.press("tab")
        assert app.focused is app.query_one(ArticleDetail)
        await pilot.press("tab")  # into the detail pane's related list
        assert app.focused is app.query_one("#detail-related")
        await pilot.press("tab")
        assert app.focused is app.main.article_list


async def test_detail_content(feed):
    app = make_app(feed)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        screen = screen_text(app)
        for expected in (
            "TechPulse",
            "techpulse.example",
            "2026-11-28 15:00",
            "3 hours ago",
            "news / article",
            "quality",
            "Semiconductors",
            "Original",
            "CDN AMP",
            "orig.example",  # each link by its host: `O` shows the full URLs
            "Body heading",
            "Related",
        ):
            assert expected in screen, expected


async def test_related_enter_jumps(feed):
    app = make_app(feed)
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(pilot)
        related = app.query_one("#detail-related")
        related.focus()
        related.highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        assert await synced_detail_title(pilot) == "Middle"
        assert app.focused is app.main.article_list


async def test_help_lists_every_key(feed):
    from rich.console import Console

    from reader.tui.actions import ACTIONS
    from reader.tui.screens.help import help_table

    console = Console(width=120, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(help_table())
    table = " ".join(console.export_text().split())  # a long description wraps in its column
    for action in ACTIONS:
        if action.listed:
            assert action.text in table, action.action
            assert action.display_keys.split(" ")[0] in table, action.action
    for keys_shown in ("Ctrl+D", "Ctrl+U", "Ctrl+S", "Esc", "Space"):
        assert keys_shown in table
    app = make_app(feed)
    async with app.run_test(size=(120, 60)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert ACTIONS[0].text in screen_text(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_problems_screen(tmp_path):
    feed = write_feed(tmp_path / "feed", broken=True)
    app = make_app(feed)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.main.header.problems == 2
        assert "2 problem" in screen_text(app)
        await pilot.press("exclamation_mark")
        await pilot.pause()
        assert isinstance(app.screen, ProblemsScreen)
        text = screen_text(app)
        assert "zz-broken.md" in text and "zz-no-front-matter.md" in text
        assert "no front matter" in text and "line" in text


async def test_quit_returns_zero(feed):
    app = make_app(feed)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_hostile_text_shown_literally(feed):
    app = make_app(feed)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        hostile = next(i for i, a in enumerate(app.session.articles) if "[bold red]" in a.title)
        row = list(app.main.article_list.order).index(hostile)
        for _ in range(row):
            await pilot.press("j")
        await pilot.pause()
        screen = screen_text(app)
        assert "[bold red]x[/]" in screen
        assert "[on red]not markup[/]" in screen
        assert "[blink]Prov[/]" in screen
        assert "\x1b" not in app.session.articles[hostile].title
        for _ in range(6):
            await pilot.press("j", "k")


async def test_palette_reaches_actions(feed):
    app = make_app(feed)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*keys("Reverse the order"))
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert app.session.sort_reverse is True


async def test_theme_persists(feed, tmp_path):
    state = tmp_path / "theme.sqlite3"
    app = make_app(feed, state=state)
    async with app.run_test() as pilot:
        await settle(pilot)
        app.theme = "nord"
        await pilot.pause()
    app = make_app(feed, state=state)
    async with app.run_test() as pilot:
        await settle(pilot)
        assert app.theme == "nord"


def test_cli_app_usage_error_exit_2(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "reader", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "no such file or folder" in result.stderr
    assert "Traceback" not in result.stderr


async def test_live_reload_adds_changes_and_removes_keeping_cursor(feed):
    app = make_app(feed, watch=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j")  # Middle
        middle = app.main.article_list.cursor_id
        (feed / "e-new.md").write_text(
            '---\ntitle: "Fresh: just arrived"\npublishedDateTime: 2026-11-28T17:59:00Z\n'
            'webUrl: "https://web.example/fresh"\n---\n'
        )
        await wait_until(pilot, lambda: len(app.session.articles) == 5, timeout=5)
        await settle(pilot)
        assert titles(app)[0] == "Fresh"
        assert app.main.article_list.cursor_id == middle
        text = (feed / "b-middle.md").read_text().replace("Middle: benchmarks", "Middle: edited")
        (feed / "b-middle.md").write_text(text)
        await wait_until(pilot, lambda: any("edited" in a.title for a in app.session.articles))
        await settle(pilot)
        assert app.main.article_list.cursor_id == middle
        assert "edited" in app.main.detail.article.title
        (feed / "c-oldest.md").unlink()
        await wait_until(pilot, lambda: len(app.session.articles) == 4, timeout=5)
        assert "Oldest" not in titles(app)
        assert app.main.article_list.cursor_id == middle


async def test_hostile_folder_never_crashes_while_moving(hostile_feed):
    from tests.conftest import HOSTILE_ERRORS, HOSTILE_GOOD

    app = make_app(hostile_feed)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert len(app.session.articles) == HOSTILE_GOOD
        assert app.main.header.problems == HOSTILE_ERRORS
        for _ in range(HOSTILE_GOOD):
            await pilot.press("j")
            await pilot.pause(0.1)
            await pilot.press("enter", "escape", "y")
            text = screen_text(app)
            assert not any(c in text for c in "\x1b\x9b\u202e\u200b\u2060\x00"), repr(text)
        await pilot.press("exclamation_mark")
        await pilot.pause()
        assert isinstance(app.screen, ProblemsScreen)
        shown = app.screen.query_one("#problems-list").render().plain  # type: ignore[union-attr]
        assert "binary.md" in shown and "broken-\\xff\\x1b[31m\\x0aname.md" in shown
        text = screen_text(app)
        assert "\x1b" not in text and "\x9b" not in text
        await pilot.press("escape", "g", "o")  # javascript: and file: URLs are never opened
        await pilot.pause(0.2)
        assert all(url.startswith(("http://", "https://")) for url in app.main.links.opened_urls)


async def test_tab_into_related_lands_on_the_first_entry_and_enter_jumps(feed):
    """Issue 17, defect 3: Tab then Enter in Related did nothing (nothing was highlighted)."""
    app = make_app(feed)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert detail_title(app) == "Newest"
        await pilot.press("tab", "tab")  # list -> detail -> related
        await pilot.pause()
        assert app.focused is app.query_one("#detail-related")
        assert app.query_one("#detail-related").highlighted == 0
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused is app.main.article_list
        assert await synced_detail_title(pilot) == "Middle"


async def test_unknown_heat_shows_as_a_dash_and_counts_have_separators(tmp_path):
    """Issue 17, item 13: a heat of -1 (the collection's "unknown") showed as -1; counts had
    no thousands separators."""
    from reader.tui.widgets.header import AppHeader

    feed = write_feed(tmp_path / "feed")
    app = make_app(feed)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("G")  # Oldest: heat -1
        await pilot.pause(0.3)
        row = next(line for line in screen_text(app).split("\n") if "2019-03-01Oldest" in line)
        assert "-1" not in row.split("▏")[0] and "—" in row.split("▏")[0], row
        assert "heat —" in screen_text(app)  # and in the detail pane
        header = app.main.header
        assert isinstance(header, AppHeader)
        header.total, header.shown = 12345, 1234
        header.refresh_text()
        assert "1,234 of 12,345" in header.render().plain


async def test_the_bundled_sample_never_gets_a_state_file_in_the_checkout(sample_feed):
    app = make_app(sample_feed)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("r")  # a triage change: the state file is written
        await pilot.pause()
    assert not (sample_feed.parent / "state.sqlite3").exists()
    assert app.store is None or not str(app.store.path).startswith(str(sample_feed.parent))
