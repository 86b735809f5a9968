"""The app under hostile conditions: other processes writing the state file, a state file that
is busy or full, servers that never answer, keys typed while loading, markup in article data."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets._toast import Toast

from reader.settings import DEFAULTS
from reader.store import Store, StoreError
from tests.http_server import LinkTestServer, link_server  # noqa: F401
from tests.terminal import Terminal
from tests.tui_fixtures import make_app, screen_text, settle, wait_until

HELPER = Path(__file__).with_name("store_kill_helper.py")
MARK = [sys.executable, "-m", "reader", "mark"]


def write_articles(folder: Path, count: int, url: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        link = f"{url}?n={i}" if url else f"https://news.example/story-{i}"
        (folder / f"a{i:05d}.md").write_text(
            f'---\ntitle: "Story {i:05d}"\npublishedDateTime: 2026-11-01T00:{i % 60:02d}:00Z\n'
            f'webUrl: "{link}"\n---\n'
        )
    return folder


def notifications(app) -> list[str]:
    return [n.message for n in app._notifications]


# ------------------------------------------------------------------ concurrent writers


async def test_twenty_concurrent_marks_and_app_keys_lose_nothing(
    tmp_path: Path,
    link_server: LinkTestServer,  # noqa: F811
) -> None:
    """Fault 1: with the app open (its link-check thread writing too) and 20 `reader mark` runs,
    the live state file was moved aside as corrupt and every star and tag was lost."""
    feed = write_articles(tmp_path / "feed", 30, link_server.url("/ok"))
    state = tmp_path / "state.sqlite3"
    app = make_app(feed, state=state, check_links=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        ids = [app.session.articles[i].id for i in app.main.article_list.order]
        marks = [
            subprocess.Popen(
                [*MARK, "-c", str(feed), "--state", str(state), ids[10 + n], "--tag", f"cli{n}"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in range(20)
        ]
        starred = []
        for _ in range(8):  # triage keys (and link checks of each article shown) meanwhile
            starred.append(app.main.article_list.cursor_id)
            await pilot.press("asterisk", "r", "j")
            await pilot.pause(0.15)
        for mark in marks:
            _out, err = mark.communicate(timeout=120)
            assert mark.returncode == 0, err
        await pilot.press("C")  # the link thread writes again after the marks
        await wait_until(pilot, lambda: len(app.session.link_results) >= 30)
        for _ in range(4):
            starred.append(app.main.article_list.cursor_id)
            await pilot.press("asterisk", "j")
        await pilot.pause(0.3)
        shown = {i for i, s in app.session.states.items() if s.starred}
        assert set(starred) <= shown
    assert list(tmp_path.glob("*.corrupt-*")) == []
    with Store.open(state) as store:
        assert store.notice is None
        states = store.states()
        assert store.integrity_check() == "ok"
    for n in range(20):
        assert states[ids[10 + n]].tags == (f"cli{n}",), n
    for article_id in starred:
        assert states[article_id].starred, article_id


# ------------------------------------------------------------------ busy or failing state


def _hold(state: Path, seconds: float) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, str(HELPER), "hold", str(state), str(seconds)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    from tests.tui_fixtures import write_feed

    return write_feed(tmp_path / "feed")


async def test_a_busy_state_file_saves_when_it_frees_and_never_crashes(feed: Path) -> None:
    """Fault 2: another process holding the write lock crashed the app (StoreError)."""
    state = feed.parent / "state.sqlite3"
    app = make_app(feed, state=state)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first = app.main.article_list.cursor_id
        holder = _hold(state, 1.5)
        try:
            await pilot.press("asterisk")
            await pilot.pause(0.1)
            # Not saved yet: the screen shows what is saved (no star), and the app runs on.
            assert not app.session.states.get(first) or not app.session.states[first].starred
            assert "★" not in screen_text(app).split("\n")[3]
        finally:
            holder.wait(timeout=30)
        await wait_until(pilot, lambda: app.session.state(first).starred)
        assert not any("not saved" in m for m in notifications(app))
    with Store.open(state) as store:
        assert store.state(first).starred


async def test_a_state_file_busy_for_too_long_says_what_was_not_saved(
    feed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = feed.parent / "state.sqlite3"
    app = make_app(feed, state=state, settings=replace(DEFAULTS, save_retry_seconds=0.8))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first = app.main.article_list.cursor_id
        holder = _hold(state, 4)
        try:
            await pilot.press("asterisk", "r")
            await wait_until(pilot, lambda: any("not saved" in m for m in notifications(app)))
            message = next(m for m in notifications(app) if "not saved" in m)
            assert message == "state file busy; not saved: star, mark read"
            assert app.session.states.get(first) is None or not app.session.states[first].starred
        finally:
            holder.wait(timeout=30)
        await pilot.press("asterisk")  # the file is free again: saved at once
        await pilot.pause()
        assert app.session.states[first].starred
    with Store.open(state) as store:
        assert store.state(first).starred and not store.state(first).read


async def test_a_full_disk_is_one_line_and_the_screen_keeps_what_was_saved(feed: Path) -> None:
    app = make_app(feed)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pages = app.store._conn.execute("PRAGMA page_count").fetchone()[0]
        app.store._conn.execute(f"PRAGMA max_page_count = {pages}")
        for size in (500, 50, 5, 1):  # fill every table of the file to its last byte
            with pytest.raises(StoreError):
                for i in range(10_000):
                    app.store.set_read([f"filler-{size}-{i}-{k}" for k in range(size)], True)
        before = dict(app.session.states)
        await pilot.press("R")
        await pilot.pause()
        assert app.session.states == before
        assert any(
            m.startswith("state file error; not saved: mark read (") and "full" in m
            for m in notifications(app)
        ), notifications(app)


# ------------------------------------------------------------------ quitting


def _silent_server() -> socket.socket:
    """A server that accepts connections (in the kernel's backlog) and never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(512)
    return sock


@pytest.mark.parametrize("case", ["silent", "retry-after"])
def test_quit_is_immediate_with_link_checks_in_flight(
    tmp_path: Path,
    case: str,
    link_server: LinkTestServer,  # noqa: F811
) -> None:
    """Fault 8: with `C` running against a server that never answers, `q` took 67 s; a 503 with
    `Retry-After: 25` held it 45 s."""
    silent = _silent_server()
    try:
        port = silent.getsockname()[1]
        if case == "silent":
            url = f"http://127.0.0.1:{port}/never"
        else:
            url = link_server.url("/throttle/503/25/9")
        feed = write_articles(tmp_path / "feed", 40, url)
        args = [sys.executable, "-m", "reader", str(feed), "--state", str(tmp_path / "s.db")]
        with Terminal(args) as term:
            term.wait_for("Story 00039")
            term.send("C")
            time.sleep(1.0)  # every check is in flight (or sleeping out its Retry-After)
            term.send("q")
            elapsed = term.wait_exit(timeout=60)
        assert elapsed < 3.0, f"quitting took {elapsed:.1f} s"
    finally:
        silent.close()


def test_keys_typed_while_loading_never_become_search_text(tmp_path: Path) -> None:
    """Fault 10: a key pressed while the collection loaded went into the hidden search input,
    and the list came up filtered by it with nothing saying so."""
    feed = write_articles(tmp_path / "feed", 12_000)
    state = tmp_path / "s.db"
    args = [sys.executable, "-m", "reader", str(feed), "--no-cache", "--state", str(state)]
    with Terminal(args) as term:
        time.sleep(0.3)
        term.send("wez")  # no binding: dropped, never typed anywhere
        loading_when_typed = "12,000 of 12,000" not in term.output
        term.wait_for("12,000 of 12,000")  # every row; a search for "wez" shows 0 of 12,000
        term.send("q")
        term.wait_exit(timeout=30)
    assert loading_when_typed


def test_q_during_a_long_load_quits(tmp_path: Path) -> None:
    feed = write_articles(tmp_path / "feed", 12_000)
    args = [
        sys.executable,
        "-m",
        "reader",
        str(feed),
        "--no-cache",
        "--state",
        str(tmp_path / "s.db"),
    ]
    with Terminal(args) as term:
        time.sleep(0.5)
        loading_when_typed = "of 12,000" not in term.output
        term.send("q")
        elapsed = term.wait_exit(timeout=60)
    assert loading_when_typed
    assert elapsed < 3.0, f"quitting took {elapsed:.1f} s"


# ------------------------------------------------------------------ article data is data


async def test_markup_in_urls_is_text_in_every_message(tmp_path: Path) -> None:
    """Fault 7: `y` or `o` on a URL holding `[/x]` passed it to notify() as markup (a crash),
    and `[@click=app.quit]` became a clickable action."""
    feed = tmp_path / "feed"
    feed.mkdir()
    url = "https://news.example/a[/x][@click=app.quit]b"
    (feed / "a.md").write_text(
        f'---\ntitle: "[b]Markup[/b] title"\nwebUrl: "{url}"\n---\n', encoding="utf-8"
    )
    opened: list[str] = []
    app = make_app(feed, opener=lambda u: opened.append(u) or True)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("y")
        await pilot.pause()
        assert f"Copied {url}" in notifications(app)
        await pilot.press("o")
        await wait_until(pilot, lambda: opened)
        await pilot.pause(0.2)
        assert f"Opened {url}" in notifications(app)
        shown = [toast.render().plain for toast in app.screen.query(Toast)]
        assert f"Copied {url}" in shown and f"Opened {url}" in shown, shown
        assert app.is_running
    assert opened == [url]


async def test_y_never_copies_what_o_would_refuse(tmp_path: Path) -> None:
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "a.md").write_text('---\ntitle: "Only js"\nwebUrl: "javascript:alert(1)"\n---\n')
    app = make_app(feed)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("y")
        await pilot.pause()
        assert copied == []
        assert "This article has no web link to copy." in notifications(app)


async def test_server_text_in_link_lines_and_chooser_is_sanitised(
    tmp_path: Path,
) -> None:
    """Fault 13: the Links lines and the `O` chooser printed a server's final URL and status
    raw (C1 controls and bidi overrides reached the terminal)."""
    from datetime import UTC, datetime

    from reader.model import LinkKind, LinkResult, LinkStatus

    feed = tmp_path / "feed"
    feed.mkdir()
    url = "https://news.example/story"
    (feed / "a.md").write_text(f'---\ntitle: "Story"\nwebUrl: "{url}"\n---\n')
    state = tmp_path / "state.sqlite3"
    with Store.open(state) as store:
        store.save_link_results(
            [
                LinkResult(
                    url=url,
                    kind=LinkKind.WEB,
                    status=LinkStatus.ALIVE,
                    code=200,
                    final_url="https://evil.example/\x9b2J\u202egnp.exe\x1b]0;pwned\x07",
                    redirects=1,
                    method="HEAD",
                    elapsed_ms=5,
                    error=None,
                    checked_at=datetime.now(UTC),
                    redirect_code=301,
                )
            ]
        )
    app = make_app(feed, state=state)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        for screen in ("detail", "chooser"):
            if screen == "chooser":
                await pilot.press("O")
                await pilot.pause()
            text = " ".join(screen_text(app).split())
            # The detail pane names the source's host, then where it went; the chooser the URLs.
            if screen == "chooser":
                assert "↪ 301 → https://evil.example/gnp.exe" in text, screen
            else:
                assert "↪ 301 news.example → evil.example" in text, screen
            assert not any(c in text for c in "\x9b\u202e\x1b\x07"), screen


def test_database_rows_written_by_older_readers_do_not_stop_the_app(tmp_path: Path) -> None:
    """Fault 15: a time stored as `1-01-01T05:00:00Z` made every later command fail."""
    state = tmp_path / "state.sqlite3"
    with Store.open(state) as store:
        store.set_starred(["x"], True)
    conn = sqlite3.connect(state)
    conn.execute("UPDATE triage SET first_seen = '1-01-01T05:00:00Z' WHERE id = 'x'")
    conn.commit()
    conn.close()
    with Store.open(state) as store:
        assert store.state("x").starred and store.state("x").first_seen is None
        assert store.states()["x"].starred


# ------------------------------------------------------------------ review bugs (fault 17)


def test_every_action_names_a_method_of_its_target() -> None:
    """Every binding, help row and palette entry comes from the table; each must run."""
    from reader.tui.actions import ACTIONS
    from reader.tui.app import ReaderApp
    from reader.tui.screens.main import MainScreen
    from reader.tui.widgets.article_detail import ArticleDetail
    from reader.tui.widgets.article_list import ArticleList
    from reader.tui.widgets.query_bar import QueryBar
    from reader.tui.widgets.sidebar import Sidebar

    owners = {
        "app": ReaderApp,
        "main": MainScreen,
        "list": ArticleList,
        "detail": ArticleDetail,
        "search": QueryBar,
        "sidebar": Sidebar,
    }
    for action in ACTIONS:
        if not action.bind and not action.palette:
            continue  # a key the target's own widget handles (Enter in the search input)
        owner = owners[action.target]
        name = action.action.split("(")[0]
        assert callable(getattr(owner, f"action_{name}", None)), action


async def test_a_list_action_chosen_in_the_palette_runs(feed: Path) -> None:
    """The palette offered the list's movement actions, and running them did nothing."""
    app = make_app(feed)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.main.article_list.cursor_row == 0
        await pilot.press("ctrl+p")
        await pilot.pause()
        for char in "Last article":
            await pilot.press("space" if char == " " else char)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.main.article_list.cursor_row == 3)


async def test_sidebar_queries_keep_quotes_and_all_counts_archived(tmp_path: Path) -> None:
    """The sidebar dropped `"` from a topic when it built a query (so it matched nothing), and its
    "All" unread count left out the archived articles that the All view shows."""
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "q.md").write_text("---\ntitle: quoted\ntopics: ['He said \"hi\"']\n---\n")
    (feed / "p.md").write_text("---\ntitle: plain\ntopics: [plain]\n---\n")
    app = make_app(feed)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("g", "x")  # archive the first (unread) article
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        from reader.query import parse_query
        from reader.tui.widgets.sidebar import Sidebar

        sidebar = app.query_one(Sidebar)
        options = sidebar.query_one("#sidebar-options")
        prompts = [  # label and count, however far apart they are aligned
            " ".join(options.get_option_at_index(i).prompt.plain.split())
            for i in range(options.option_count)
        ]
        assert "All 2" in prompts and "Inbox 1" in prompts and "Archived 1" in prompts, prompts
        query = next(q for _, q in sidebar._targets if q and "said" in q)
        rows = app.session.select(None, parse_query(query))
        assert [app.session.articles[i].title for i in rows] == ["quoted"]


async def test_the_tag_editor_never_shows_invisible_characters(feed: Path) -> None:
    """Fault 16: the tag editor showed bidi overrides (stored by an older reader) raw."""
    state = feed.parent / "state.sqlite3"
    app = make_app(feed, state=state)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first = app.main.article_list.cursor_id
        conn = sqlite3.connect(state)
        conn.execute(
            "INSERT OR REPLACE INTO triage (id, tags) VALUES (?, ?)",
            (first, '["ab\\u202ecd", "z\\u200bw"]'),
        )
        conn.commit()
        conn.close()
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("t")
        await pilot.pause()
        from textual.widgets import Input

        value = app.screen.query_one(Input).value
        assert value == "abcd zw "  # sanitised, and ready for another tag


async def test_a_huge_body_is_cut_in_the_detail_pane(tmp_path: Path) -> None:
    from textual.widgets import Markdown

    from reader.tui.widgets.article_detail import MAX_BODY_CHARS

    feed = tmp_path / "feed"
    feed.mkdir()
    paragraph = "word " * 40 + "\n\n"
    (feed / "big.md").write_text("---\ntitle: big\n---\n" + paragraph * 20_000)  # 4 MB
    app = make_app(feed)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        shown = app.main.detail._body_text
        assert shown is not None and len(shown) < MAX_BODY_CHARS + 200
        assert shown.rstrip().endswith("open the file to read the rest.*")
        assert app.query_one("#detail-body", Markdown).display
