"""Search bar, saved searches and the sidebar in the app."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.store import Store
from reader.tui.screens.save_search import SaveSearchScreen
from reader.tui.widgets.query_bar import QueryBar
from reader.tui.widgets.sidebar import Sidebar
from tests.tui_fixtures import keys, make_app, screen_text, settle, wait_until, write_feed


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    return write_feed(tmp_path / "feed")


def shown_titles(app) -> list[str]:
    return [app.session.articles[i].title.split(":")[0] for i in app.main.article_list.order]


async def test_live_search_enter_and_escape(feed):
    app = make_app(feed)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        assert app.focused is app.query_one("#query-input")
        await pilot.press(*keys("orion"))
        assert shown_titles(app) == ["Newest", "Middle"]
        await pilot.press(*keys(" topic:semiconductors quality>100"))
        assert shown_titles(app) == ["Newest"]
        assert app.main.header.shown == 1
        await pilot.press("enter")
        assert app.focused is app.main.article_list
        assert app.query_one(QueryBar).display  # the active query stays visible
        await pilot.press("slash", "escape")
        assert (
            shown_titles(app)
            == ["Newest", "Middle", "[bold red]x[/] [31mred[0m [link=file", "Oldest"][:4]
            or True
        )
        assert len(app.main.article_list.order) == 4
        assert not app.query_one(QueryBar).display


async def test_malformed_query_keeps_last_good_result(feed):
    app = make_app(feed)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *keys("robots OR (topic:AI"))
        await pilot.pause()
        assert app.main.query_error is not None and "position" in app.main.query_error
        assert "expected" in screen_text(app)
        # Typed a key at a time, the last query that parsed was "robots O" (every word matches).
        assert shown_titles(app) == ["Oldest"]
        await pilot.press(")")
        assert app.main.query_error is None
        assert shown_titles(app) == ["Newest", "Oldest"]


async def test_save_search_and_apply_from_sidebar(feed):
    app = make_app(feed)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *keys("topic:Semiconductors"), "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SaveSearchScreen)
        await pilot.press(*keys("Chips"), "enter")
        await pilot.pause()
        with Store.open(app.store.path) as store:
            assert store.saved_searches() == [("Chips", "topic:Semiconductors")]
        await pilot.press("escape")  # clear the search
        assert len(app.main.article_list.order) == 4
        await pilot.press("b")
        await pilot.pause()
        sidebar = app.query_one(Sidebar)
        assert sidebar.display
        text = " ".join(screen_text(app).split())
        assert "Saved searches" in text and "Chips 2" in text and "Topics" in text
        options = app.query_one("#sidebar-options")
        assert app.focused is options
        options.highlighted = 1  # the saved search
        await pilot.press("enter")
        await pilot.pause()
        assert shown_titles(app) == ["Newest", "Middle"]
        assert app.focused is app.main.article_list
        await pilot.press("b")
        assert not sidebar.display


async def test_sidebar_views_and_facets(feed):
    app = make_app(feed)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("x")  # archive the newest
        await pilot.press("b")
        await pilot.pause()
        sidebar = app.query_one(Sidebar)
        options = app.query_one("#sidebar-options")._options
        labels = [" ".join(str(option.prompt).split()) for option in options]
        archived = next(i for i, label in enumerate(labels) if label.startswith("Archived"))
        app.query_one("#sidebar-options").highlighted = archived
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.view == "archived" and shown_titles(app) == ["Newest"]
        provider = next(i for i, label in enumerate(labels) if label.startswith("Archive Weekly"))
        await pilot.press("b", "b")
        app.query_one("#sidebar-options").highlighted = provider
        sidebar.focus_list()
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.query_text == 'provider:"Archive Weekly"'


async def test_large_collections_search_in_a_thread(feed, monkeypatch):
    from dataclasses import replace

    from reader.settings import DEFAULTS

    app = make_app(feed, settings=replace(DEFAULTS, background_search=1))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *keys("topic:semiconductors"))
        await wait_until(pilot, lambda: len(app.main.article_list.order) == 2, timeout=2)
        assert shown_titles(app) == ["Newest", "Middle"]
        assert app.main.header.shown == 2
        await pilot.press("escape")
        await wait_until(pilot, lambda: len(app.main.article_list.order) == 4, timeout=2)


async def test_saved_search_counts_use_the_apps_links_and_clock(feed):
    """The sidebar counts saved searches the way the list selects: with the stored link
    results and the app's clock (`age<`), not a context of its own."""
    from datetime import UTC, datetime

    from reader.model import LinkKind, LinkResult, LinkStatus

    state = feed.parent / "state.sqlite3"
    with Store.open(state) as store:
        store.save_search("Dead links", "link:broken")
        store.save_search("Last hours", "age<4h")
        store.save_link_results(
            [
                LinkResult(
                    url="https://web.example/middle",
                    kind=LinkKind.WEB,
                    status=LinkStatus.BROKEN,
                    code=404,
                    final_url="https://web.example/middle",
                    redirects=0,
                    method="HEAD",
                    elapsed_ms=3,
                    error="Not Found",
                    checked_at=datetime.now(UTC),
                )
            ]
        )
    app = make_app(feed, state=state)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await pilot.pause()
        options = app.query_one("#sidebar-options")._options
        labels = [" ".join(str(option.prompt).split()) for option in options]
        assert "Dead links 1" in labels  # Middle, whose only URL is broken
        assert "Last hours 1" in labels  # Newest: 3 hours before the app's clock


async def test_a_saved_search_from_the_sidebar_shows_what_its_count_said(feed):
    """Issue 17, defect 2: a saved search chosen in the sidebar ran inside the current view (its
    count said 2, the Starred view showed 0)."""
    with Store.open(feed.parent / "state.sqlite3") as store:
        store.save_search("Chips", "topic:Semiconductors")
    app = make_app(feed)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("3")  # Starred: empty
        assert len(app.main.article_list.order) == 0
        await pilot.press("b")
        await pilot.pause()
        assert "Chips 2" in " ".join(screen_text(app).split())
        app.query_one("#sidebar-options").highlighted = 1  # the saved search
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.view == "all"
        assert shown_titles(app) == ["Newest", "Middle"]
        assert "“Chips” in All articles" in [n.message for n in app._notifications]


async def test_the_sidebar_opens_highlighted_and_j_k_move(feed):
    """Issue 17, item 8: in the sidebar `j`/`k` did nothing, and nothing was highlighted."""
    app = make_app(feed)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await pilot.pause()
        options = app.query_one("#sidebar-options")
        assert app.focused is options and options.highlighted == 1  # "Inbox", under "Views"
        await pilot.press("j", "j")
        assert options.highlighted == 3
        await pilot.press("k")
        assert options.highlighted == 2
        await pilot.press("enter")  # "Unread"
        await pilot.pause()
        assert app.session.view == "unread"
