"""Issue 17 (defect 13): at 80x24 the footer keeps Open, Help and Quit (second-rank hints go
first), and shows every hint when there is room."""

from __future__ import annotations

from tests.tui_fixtures import make_app, screen_text, settle, write_feed


def footer_line(app) -> str:
    return [line for line in screen_text(app).splitlines() if "palette" in line][-1]


async def test_a_narrow_footer_keeps_what_a_new_user_needs(tmp_path):
    app = make_app(write_feed(tmp_path / "feed"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        line = footer_line(app)
        for hint in ("Read", "/ Search", "o Open", "? Help", "q Quit"):
            assert hint in line, line
        assert "Star" not in line and "Archive" not in line
        await pilot.resize_terminal(140, 40)
        await pilot.pause()
        await pilot.pause()
        line = footer_line(app)
        for hint in ("* Star", "x Archive", "u Undo", "o Open", "q Quit"):
            assert hint in line, line


async def test_w_gives_the_detail_pane_the_whole_width_and_back(tmp_path):
    app = make_app(write_feed(tmp_path / "feed"))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        detail, article_list = app.main.detail, app.main.article_list
        narrow = detail.size.width
        await pilot.press("w")
        await pilot.pause()
        assert not article_list.display or article_list.parent.styles.display == "none"
        assert detail.size.width > narrow * 2 and app.focused is detail
        first = detail.article.id
        await pilot.press("n")  # still moves from article to article
        await pilot.pause()
        assert detail.article.id != first or app.main.article_list.cursor_row == 0
        await pilot.press("w")
        await pilot.pause()
        assert detail.size.width == narrow and app.focused is article_list
