"""Issue 15 in the app: catch-up (A), history (H / L), auto-read, open-and-advance, link checks
on show, share targets and the pipe, the palette and footer with the config's keys."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import pytest

from reader.settings import DEFAULTS
from reader.share import ShareTarget
from tests.http_server import LinkTestServer, link_server  # noqa: F401
from tests.tui_fixtures import make_app, screen_text, settle, wait_until, write_feed

NEWEST, MIDDLE, HOSTILE, OLDEST = 0, 1, 2, 3  # the rows, newest first


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    return write_feed(tmp_path / "feed")


def ids(app) -> list[str]:
    session = app.session
    return [session.articles[i].id for i in app.main.article_list.order]


def read(app) -> list[bool]:
    return [app.session.state(i).read for i in ids(app)]


def settings(**changes):
    return dataclasses.replace(DEFAULTS, **changes)


async def jump_to_related(pilot) -> None:
    app = pilot.app
    related = app.query_one("#detail-related")
    related.focus()
    related.highlighted = 0
    await pilot.press("enter")
    await pilot.pause()


def shown_title(app) -> str:
    shown = app.main.detail.article
    return shown.title if shown else ""


# ---------------------------------------------------------------------------------------------
# Catch-up


async def test_A_marks_every_article_above_the_cursor_read_in_one_undo_step(feed):
    app = make_app(feed)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j")
        assert app.main.article_list.cursor_row == HOSTILE
        await pilot.press("A")
        await wait_until(pilot, lambda: read(app) == [True, True, False, False])
        await pilot.press("u")
        await wait_until(pilot, lambda: read(app) == [False, False, False, False])
        await pilot.press("g", "A")  # nothing above the first row
        await pilot.pause()
        assert read(app) == [False] * 4
        assert any("above the cursor" in n.message for n in app._notifications)


# ---------------------------------------------------------------------------------------------
# History


async def test_H_and_L_go_back_and_forward_over_jumps_without_growing(feed):
    app = make_app(feed)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert shown_title(app).startswith("Newest")
        await jump_to_related(pilot)
        await wait_until(pilot, lambda: shown_title(app).startswith("Middle"))
        await pilot.press("H")
        await wait_until(pilot, lambda: shown_title(app).startswith("Newest"))
        assert app.main.article_list.cursor_row == NEWEST
        await pilot.press("L")
        await wait_until(pilot, lambda: shown_title(app).startswith("Middle"))
        for _ in range(3):  # back and forth: still one step each way
            await pilot.press("H")
            await wait_until(pilot, lambda: shown_title(app).startswith("Newest"))
            await pilot.press("L")
            await wait_until(pilot, lambda: shown_title(app).startswith("Middle"))
        assert len(app.main.history) == 1
        await pilot.press("L")  # nothing ahead
        await pilot.pause()
        assert shown_title(app).startswith("Middle")
        assert any("forward" in n.message for n in app._notifications)


async def test_a_jump_out_of_the_view_is_undone_by_H(feed):
    app = make_app(feed)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")  # Starred: empty until the newest is starred
        await pilot.press("1", "asterisk", "3")
        await wait_until(pilot, lambda: len(ids(app)) == 1)
        await jump_to_related(pilot)  # Middle is not starred: the view widens to All
        await wait_until(pilot, lambda: shown_title(app).startswith("Middle"))
        assert app.session.view == "all"
        await pilot.press("H")
        await wait_until(pilot, lambda: shown_title(app).startswith("Newest"))


# ---------------------------------------------------------------------------------------------
# Auto-read


async def test_mark_read_select_marks_the_article_the_cursor_rests_on(feed):
    app = make_app(feed, settings=settings(mark_read="select", mark_read_delay=0.3))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: read(app)[NEWEST])
        await pilot.press("j", "j")  # passes the middle one quickly
        await wait_until(pilot, lambda: read(app)[HOSTILE])
        assert read(app) == [True, False, True, False]
        await pilot.press("u")  # undo covers it
        await wait_until(pilot, lambda: not read(app)[HOSTILE])
        assert read(app)[NEWEST]


async def test_the_default_marks_nothing_by_resting_or_full_text(tmp_path):
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "one.md").write_text(  # nothing listens on port 9: the full text fails at once
        '---\ntitle: "One"\npublishedDateTime: 2026-11-01T00:00:00Z\n'
        'webUrl: "http://127.0.0.1:9/one"\n---\n'
    )
    app = make_app(feed, settings=settings(mark_read_delay=0.1))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await pilot.pause(0.4)
        assert read(app) == [False]


async def test_mark_read_open_marks_on_full_text(tmp_path):
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "one.md").write_text(
        '---\ntitle: "One"\npublishedDateTime: 2026-11-01T00:00:00Z\n'
        'webUrl: "http://127.0.0.1:9/one"\n---\n'
    )
    app = make_app(feed, settings=settings(mark_read="open"))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.pause(0.3)
        assert read(app) == [False]  # resting is not opening
        await pilot.press("v")
        await wait_until(pilot, lambda: read(app) == [True])


async def test_mark_read_open_marks_on_tab_into_the_detail(feed):
    app = make_app(feed, settings=settings(mark_read="open"))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j")
        await pilot.pause(0.2)
        assert read(app) == [False] * 4
        await pilot.press("tab")
        await wait_until(pilot, lambda: read(app) == [False, True, False, False])


# ---------------------------------------------------------------------------------------------
# Open and move on


class Recorder:
    def __init__(self) -> None:
        self.urls: list[str] = []

    def __call__(self, url: str) -> bool:
        self.urls.append(url)
        return True


async def test_open_marks_read_and_advances_to_the_next_unread(feed):
    recorder = Recorder()
    app = make_app(feed, opener=recorder, settings=settings(open_marks_read_and_advances=True))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "r", "k")  # the middle one is read already: it is skipped
        await wait_until(pilot, lambda: read(app)[MIDDLE])
        await pilot.press("o")
        await wait_until(pilot, lambda: recorder.urls)
        assert recorder.urls == ["https://orig.example/newest"]
        assert read(app)[NEWEST]
        assert app.main.article_list.cursor_row == HOSTILE


async def test_by_default_o_stays_on_the_article(feed):
    recorder = Recorder()
    app = make_app(feed, opener=recorder)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await wait_until(pilot, lambda: recorder.urls)
        await wait_until(pilot, lambda: read(app)[NEWEST])
        assert app.main.article_list.cursor_row == NEWEST


# ---------------------------------------------------------------------------------------------
# Link checks on show


def loopback_feed(folder: Path, server: LinkTestServer) -> Path:
    folder.mkdir(parents=True)
    for n in range(2):
        (folder / f"a{n}.md").write_text(
            f'---\ntitle: "Article {n}"\npublishedDateTime: 2026-11-0{n + 1}T00:00:00Z\n'
            f'webUrl: "{server.url(f"/ok?{n}")}"\n---\n'
        )
    return folder


@pytest.mark.parametrize("check_on_show", [True, False])
async def test_check_on_show(tmp_path, link_server, check_on_show):  # noqa: F811
    feed = loopback_feed(tmp_path / "feed", link_server)
    link_server.reset()
    app = make_app(
        feed,
        check_links=True,
        settings=settings(check_on_show=check_on_show, auto_check_delay=0.05),
    )
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j")
        await pilot.pause(0.6)
        hits = link_server.hits("/ok?0") + link_server.hits("/ok?1")
        if check_on_show:
            await wait_until(pilot, lambda: len(app.session.link_results) == 2)
        else:
            assert hits == 0 and not app.session.link_results
            await pilot.press("c")  # c still checks
            await wait_until(pilot, lambda: len(app.session.link_results) == 1)


# ---------------------------------------------------------------------------------------------
# Share and pipe


RECORDER = """
import json, sys
data = {"argv": sys.argv[1:], "stdin": sys.stdin.read()}
with open(sys.argv[1], "w", encoding="utf-8") as out:
    json.dump(data, out)
print("shared", len(sys.argv) - 2, "arguments")
"""


def hostile_feed(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "evil.md").write_text(
        "---\n"
        "title: 'Pwn $(touch pwned) ; touch pwned2 `touch pwned3` \"q\" {id}'\n"
        "publishedDateTime: 2026-11-01T00:00:00Z\n"
        'webUrl: "https://web.example/evil?a=1&b=$(id)"\n'
        "---\nBody.\n"
    )
    return folder


async def test_a_share_command_gets_its_arguments_literally(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    script = tmp_path / "record.py"
    script.write_text(RECORDER)
    out = tmp_path / "out.json"
    share = ShareTarget(
        "Record", "M", (sys.executable, str(script), str(out), "{title}", "<{url}>", "{id}")
    )
    app = make_app(hostile_feed(tmp_path / "feed"), shares=[share])
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("M")
        await wait_until(pilot, lambda: app.sharing.results)
        data = json.loads(out.read_text())
        article = app.session.articles[0]
        assert data["argv"][1:] == [
            'Pwn $(touch pwned) ; touch pwned2 `touch pwned3` "q" {id}',
            "<https://web.example/evil?a=1&b=$(id)>",
            article.id,
        ]
        assert not list(tmp_path.glob("pwned*"))
        assert any(
            "Record: done" in n.message and "shared 3" in n.message for n in app._notifications
        )


async def test_a_failing_share_command_is_reported(tmp_path):
    share = ShareTarget("Fails", "M", (sys.executable, "-c", "import sys; sys.exit('no luck')"))
    missing = ShareTarget("Missing", "N", ("/no/such/program-xyz", "{url}"))
    app = make_app(write_feed(tmp_path / "feed"), shares=[share, missing])
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("M")
        await wait_until(pilot, lambda: len(app.sharing.results) == 1)
        await pilot.press("N")
        await wait_until(pilot, lambda: len(app.sharing.results) == 2)
        messages = [n.message for n in app._notifications]
        assert any("Fails: exit 1" in m and "no luck" in m for m in messages)
        assert any(m.startswith("Missing: ") and "not found" in m for m in messages)


async def test_pipe_sends_the_article_json(tmp_path):
    script = tmp_path / "record.py"
    script.write_text(RECORDER)
    out = tmp_path / "out.json"
    app = make_app(
        write_feed(tmp_path / "feed"), pipe_command=(sys.executable, str(script), str(out))
    )
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("vertical_line")
        await wait_until(pilot, lambda: app.sharing.results)
        sent = json.loads(json.loads(out.read_text())["stdin"])
        assert sent["id"] == app.main.article_list.cursor_id
        assert sent["title"].startswith("Newest")
        assert sent["read"] is False and "urls" in sent


async def test_pipe_without_a_command_says_how(feed):
    app = make_app(feed)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("vertical_line")
        await pilot.pause()
        assert any("[pipe] command" in n.message for n in app._notifications)


async def test_share_targets_are_palette_entries(tmp_path):
    script = tmp_path / "record.py"
    script.write_text(RECORDER)
    out = tmp_path / "out.json"
    share = ShareTarget("Record [bold]it[/]", "", (sys.executable, str(script), str(out)))
    app = make_app(write_feed(tmp_path / "feed"), shares=[share])
    async with app.run_test(size=(220, 70)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"record")
        await wait_until(pilot, lambda: "Share: Record [bold]it[/]" in screen_text(app))
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.sharing.results)
        assert out.exists()
        await pilot.press("question_mark")  # the help lists it too, as text
        await wait_until(pilot, lambda: "Share: Record [bold]it[/]" in screen_text(app))


# ---------------------------------------------------------------------------------------------
# The config's keys and views in the app


async def test_the_footer_shows_a_remapped_key_and_the_default_view_applies(feed):
    app = make_app(feed, keymap={"open_link": "W"}, settings=settings(default_view="all"))
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert app.session.view == "all"
        footer = screen_text(app).splitlines()[-1] if "\n" in screen_text(app) else ""
        text = screen_text(app)
        assert "W Open" in text or "W  Open" in text, footer


async def test_a_configured_theme_applies_and_an_unknown_one_is_reported(feed):
    app = make_app(feed, settings=settings(theme="nord"))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert app.theme == "nord"
    other = make_app(feed, settings=settings(theme="no-such-theme"))
    async with other.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert any("no-such-theme" in n.message for n in other._notifications)
