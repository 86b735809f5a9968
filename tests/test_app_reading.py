"""Reading mode in the app (`v`): the full text from a real loopback server, in the detail pane."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from reader.settings import DEFAULTS
from tests.reading_server import ReadingServer, server
from tests.tui_fixtures import make_app, screen_text, settle, wait_until

__all__ = ["server"]  # fixtures


def write(folder: Path, name: str, date: str, **urls: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f'title: "File title {name}"', f"publishedDateTime: {date}"]
    lines += [f'{key}: "{value}"' for key, value in urls.items()]
    body = f"The file's own body of {name}."
    (folder / f"{name}.md").write_text("---\n" + "\n".join(lines) + "\n---\n" + body + "\n")


@pytest.fixture
def feed(tmp_path: Path, server: ReadingServer) -> Path:
    folder = tmp_path / "feed"
    # Newest first: "slow" is the first row, "fast" the second, "broken" the third.
    write(folder, "slow", "2026-11-03T00:00:00Z", originalUrl=server.url("/slow/1.5/Slow"))
    write(folder, "fast", "2026-11-02T00:00:00Z", originalUrl=server.url("/article/Fast"))
    write(
        folder,
        "broken",
        "2026-11-01T00:00:00Z",
        originalUrl=server.url("/status/404"),
        ampWebUrl=server.url("/pdf"),
    )
    write(folder, "hostile", "2026-10-01T00:00:00Z", originalUrl=server.url("/hostile"))
    return folder


def body_text(app) -> str:
    return app.main.detail.query_one("#detail-body").source


async def test_v_shows_the_full_text_and_back(feed: Path) -> None:
    app = make_app(feed)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j")  # "fast"
        await settle(pilot)
        detail = app.main.detail
        assert "file's own body of fast" in body_text(app)
        await pilot.press("v")
        await wait_until(pilot, lambda: detail.full_text is not None)
        await pilot.pause()
        assert detail.full_text.error is None
        assert "city council voted" in body_text(app)
        text = screen_text(app)
        assert "Full text" in text and "/article/Fast" in text
        assert "file's own body" not in text
        await pilot.press("v")
        await pilot.pause()
        assert not detail.reading and "file's own body of fast" in body_text(app)
        assert "Full text · Original" not in screen_text(app)


async def test_fetching_then_text_and_moving_never_shows_the_wrong_text(feed: Path) -> None:
    app = make_app(feed)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        detail = app.main.detail
        assert app.main.article_list.cursor_id == detail.article.id
        slow_id = detail.article.id
        await pilot.press("v")
        await pilot.pause()
        assert "Fetching…" in screen_text(app)
        assert detail.full_text is None and body_text(app) == ""
        await pilot.press("j")  # to "fast" while "slow" is still on its way
        await wait_until(pilot, lambda: detail.full_text is not None)
        fast_id = detail.article.id
        assert fast_id != slow_id and detail.full_text.id == fast_id
        # The slow page lands afterwards: it must not replace what is shown.
        await wait_until(pilot, lambda: app.main.full_texts.known(slow_id) is not None)
        await pilot.pause()
        assert detail.full_text.id == fast_id
        assert "Slow" not in body_text(app)
        # Back on "slow": its text comes from memory, at once.
        await pilot.press("k")
        await settle(pilot)
        await wait_until(pilot, lambda: detail.article.id == slow_id)
        await pilot.pause()
        assert detail.full_text is not None and detail.full_text.id == slow_id


async def test_a_failure_is_one_line_with_the_urls_tried(feed: Path, server) -> None:
    app = make_app(feed)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "v")  # "broken"
        detail = app.main.detail
        await wait_until(pilot, lambda: detail.full_text is not None)
        await pilot.pause()
        assert detail.full_text.error is not None
        text = screen_text(app)
        assert "Could not read the full text" in text
        assert "HTTP 404" in text and "application/pdf" in text
        assert "tried" in text and "/status/404" in text


async def test_hostile_page_is_data(feed: Path) -> None:
    app = make_app(feed)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("G", "v")
        detail = app.main.detail
        await wait_until(pilot, lambda: detail.full_text is not None)
        await pilot.pause()
        assert detail.full_text.error is None
        body = body_text(app)
        assert "\x1b" not in body and "EVIL_SCRIPT_TEXT" not in body
        assert "[bold]stays[/bold]" in body
        assert "[bold]stays[/bold]" in screen_text(app)  # shown literally, not as markup


async def test_reading_by_default_opens_in_reading_mode(feed: Path) -> None:
    settings = dataclasses.replace(DEFAULTS, reading_by_default=True)
    app = make_app(feed, settings=settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j")
        detail = app.main.detail
        assert detail.reading
        await wait_until(pilot, lambda: detail.full_text is not None)
        assert "city council voted" in body_text(app)


async def test_v_is_in_the_help_footer_and_palette(feed: Path) -> None:
    from reader.tui.actions import ACTIONS, help_rows

    action = next(a for a in ACTIONS if a.action == "toggle_reading")
    assert action.keys == "v" and action.footer and action.palette
    assert any(keys == "v" and "full text" in text for _, keys, text in help_rows())
    app = make_app(feed)
    async with app.run_test(size=(200, 40)) as pilot:
        await settle(pilot)
        assert "Full text" in screen_text(app)  # the footer
