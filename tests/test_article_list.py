"""Pilot tests for the list pane: keys, sorting indicators, mouse, hostile text, narrow widths."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from rich.cells import cell_len
from textual import on
from textual.app import App, ComposeResult
from textual.message import Message

from reader.model import Article, Provider, TriageState
from reader.tui.widgets.article_list import ArticleList, layout_columns

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def make_articles(count: int, *, titles: Sequence[str] = ()) -> list[Article]:
    """`count` articles, newest first (article i is i hours old); titles override the first ones."""
    articles = []
    for i in range(count):
        title = titles[i] if i < len(titles) else f"Article {i:05d}"
        articles.append(
            Article(
                id=f"id-{i}",
                path=f"a/{i}.md",
                title=title,
                published=NOW - timedelta(hours=i),
                quality=(i * 7) % 190,
                heat=(i % 50) - 1,
                provider=Provider(name=f"Provider {i % 5}", domain=f"p{i % 5}.example"),
                topics=(f"topic{i % 3}", "other"),
            )
        )
    return articles


class ListApp(App[None]):
    """A bare app holding one ArticleList, recording the messages it posts."""

    def __init__(self, articles: Sequence[Article], order: Sequence[int] | None = None) -> None:
        super().__init__()
        self.articles = articles
        self.order = order
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield ArticleList(id="list")

    def on_mount(self) -> None:
        article_list = self.query_one(ArticleList)
        article_list.now = lambda: NOW
        article_list.set_articles(self.articles)
        if self.order is not None:
            article_list.set_order(self.order)
        article_list.focus()

    @on(ArticleList.Highlighted)
    @on(ArticleList.Selected)
    @on(ArticleList.SortRequested)
    def record(self, message: Message) -> None:
        self.messages.append(message)

    def of_type(self, kind: type[Message]) -> list:
        return [m for m in self.messages if isinstance(m, kind)]


def screenshot_text(app: App[None]) -> str:
    """The text of an SVG screenshot (what the terminal would show), without the markup."""
    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


def lines(widget: ArticleList) -> list[str]:
    """The text of every line the widget shows now (header first)."""
    return [widget.render_line(y).text for y in range(widget.size.height)]


async def test_keys_move_cursor_and_post_highlighted() -> None:
    app = ListApp(make_articles(100))
    async with app.run_test(size=(120, 30)) as pilot:
        widget = app.query_one(ArticleList)
        await pilot.pause()
        assert widget.cursor_row == 0
        assert [m.article_id for m in app.of_type(ArticleList.Highlighted)] == ["id-0"]

        await pilot.press("j", "j", "down")
        assert widget.cursor_row == 3
        await pilot.press("k", "up")
        assert widget.cursor_row == 1
        await pilot.press("k", "k")  # cannot go above the first row
        assert widget.cursor_row == 0
        await pilot.press("G")
        assert widget.cursor_row == 99
        assert widget.cursor_id == "id-99"
        await pilot.press("j")  # nor below the last
        assert widget.cursor_row == 99
        await pilot.press("g")
        assert widget.cursor_row == 0
        await pilot.press("end")
        assert widget.cursor_row == 99
        await pilot.press("home")
        assert widget.cursor_row == 0

        page = widget.scrollable_content_region.height - 1  # the header takes a line
        await pilot.press("pagedown")
        assert widget.cursor_row == page
        await pilot.press("pagedown")
        assert widget.cursor_row == 2 * page
        await pilot.press("pageup")
        assert widget.cursor_row == page
        await pilot.press("ctrl+d")
        assert widget.cursor_row == page + page // 2
        await pilot.press("ctrl+u")
        assert widget.cursor_row == page
        await pilot.pause()

        highlighted = [m.article_id for m in app.of_type(ArticleList.Highlighted)]
        # One message per move to another article, none for moves that stay put.
        assert highlighted == [
            "id-0", "id-1", "id-2", "id-3", "id-2", "id-1", "id-0", "id-99", "id-0", "id-99",
            "id-0", f"id-{page}", f"id-{2 * page}", f"id-{page}", f"id-{page + page // 2}",
            f"id-{page}",
        ]  # fmt: skip
        assert all(m.control is widget for m in app.of_type(ArticleList.Highlighted))
        assert not widget.is_anchored  # Textual's bottom anchoring stays off


async def test_list_shown_after_being_hidden_during_load() -> None:
    # The app hides the list while loading, then fills it and shows it.
    app = ListApp([])
    async with app.run_test(size=(80, 24)) as pilot:
        widget = app.query_one(ArticleList)
        widget.display = False
        await pilot.pause()
        widget.set_articles(make_articles(500))
        widget.set_order(list(range(499, -1, -1)))
        widget.move_cursor_to_id("id-250")
        widget.display = True
        await pilot.pause()
        shown = lines(widget)
        assert shown[0].lstrip().startswith("Date")
        assert any("Article 00250" in line for line in shown[1:])
        assert widget.cursor_id == "id-250"
        assert widget.virtual_size.width == widget.scrollable_content_region.width


async def test_cursor_stays_visible_while_scrolling() -> None:
    app = ListApp(make_articles(1000))
    async with app.run_test(size=(120, 30)) as pilot:
        widget = app.query_one(ArticleList)
        await pilot.press("G")
        await pilot.pause()
        shown = lines(widget)
        assert "Article 00999" in shown[-1]
        assert "Article 00000" not in "".join(shown)
        assert shown[0].lstrip().startswith("Date")  # the header does not scroll away
        await pilot.press("g")
        await pilot.pause()
        shown = lines(widget)
        assert "Article 00000" in shown[1]
        for _ in range(40):
            await pilot.press("j")
        await pilot.pause()
        shown = lines(widget)
        assert "Article 00040" in shown[-1]  # scrolled just enough to show the cursor row
        assert widget.scroll_offset.y == 40 - (widget.size.height - 1) + 1


async def test_set_order_keeps_cursor_on_same_article() -> None:
    articles = make_articles(50)
    app = ListApp(articles)
    async with app.run_test(size=(120, 30)) as pilot:
        widget = app.query_one(ArticleList)
        for _ in range(5):
            await pilot.press("j")
        assert widget.cursor_id == "id-5"
        before = len(app.of_type(ArticleList.Highlighted))

        # Oldest first: id-5 moves to row 44 and the cursor follows it.
        widget.set_order(list(reversed(range(50))))
        await pilot.pause()
        assert widget.cursor_id == "id-5"
        assert widget.cursor_row == 44
        assert lines(widget)[44 - widget.scroll_offset.y + 1].find("Article 00005") >= 0
        assert len(app.of_type(ArticleList.Highlighted)) == before  # same article: no message

        # A filter that hides id-5: the cursor keeps its row number and the detail must follow.
        widget.set_order([i for i in reversed(range(50)) if i != 5])
        await pilot.pause()
        assert widget.cursor_row == 44
        assert widget.cursor_id == "id-4"
        assert app.of_type(ArticleList.Highlighted)[-1].article_id == "id-4"

        # A shorter list clamps the cursor; an empty list has no cursor article.
        widget.set_order([1, 2, 3])
        assert widget.cursor_row == 2
        assert widget.cursor_id == "id-3"
        widget.set_order([])
        await pilot.pause()
        assert widget.cursor_article is None
        assert app.of_type(ArticleList.Highlighted)[-1].article_id is None

        widget.set_order(range(50), keep_cursor=False)
        assert widget.cursor_row == 0
        assert widget.move_cursor_to_id("id-30") is True
        assert widget.cursor_row == 30
        widget.set_order(range(10))
        assert widget.move_cursor_to_id("id-30") is False  # not shown
        assert widget.move_cursor_to_id("nope") is False


async def test_first_order_after_set_articles_starts_at_the_top() -> None:
    # Files load oldest first; the app's first sort puts the newest on top: the cursor must
    # start there (not follow article 0) and the detail pane hears about it once.
    articles = make_articles(30)[::-1]
    app = ListApp(articles, order=list(reversed(range(30))))
    async with app.run_test(size=(120, 30)) as pilot:
        widget = app.query_one(ArticleList)
        await pilot.pause()
        assert widget.cursor_row == 0
        assert widget.cursor_id == "id-0"
        assert "Article 00000" in widget.render_line(1).text
        assert [m.article_id for m in app.of_type(ArticleList.Highlighted)] == ["id-0"]

        # A reload: keep the user's article by id, as the app does.
        await pilot.press("j", "j")
        keep = widget.cursor_id
        widget.set_articles(list(articles))
        widget.set_order(list(reversed(range(30))))
        assert widget.cursor_row == 0
        assert widget.move_cursor_to_id(keep)
        await pilot.pause()
        assert widget.cursor_id == keep == "id-2"
        assert app.of_type(ArticleList.Highlighted)[-1].article_id == "id-2"


async def test_header_click_requests_sort() -> None:
    app = ListApp(make_articles(20))
    async with app.run_test(size=(120, 30)) as pilot:
        widget = app.query_one(ArticleList)
        header = widget.render_line(0).text
        expected = {"Date": "date", "Title": "title", "Provider": "provider"}
        expected |= {"Qual": "quality", "Heat": "heat"}
        for label, key in expected.items():
            x = header.index(label)
            assert await pilot.click(ArticleList, offset=(x + 1, 0))
            await pilot.pause()
            assert app.of_type(ArticleList.SortRequested)[-1].key == key
        count = len(app.of_type(ArticleList.SortRequested))
        await pilot.click(ArticleList, offset=(header.index("Topic") + 1, 0))
        await pilot.click(ArticleList, offset=(1, 0))  # the flags column is not sortable
        await pilot.pause()
        assert len(app.of_type(ArticleList.SortRequested)) == count
        assert widget.cursor_row == 0  # header clicks do not move the cursor


async def test_row_click_moves_cursor_and_second_click_selects() -> None:
    app = ListApp(make_articles(100))
    async with app.run_test(size=(120, 30)) as pilot:
        widget = app.query_one(ArticleList)
        await pilot.click(ArticleList, offset=(30, 4))  # screen line 4 is data row 3
        await pilot.pause()
        assert widget.cursor_row == 3
        assert app.of_type(ArticleList.Selected) == []
        await pilot.click(ArticleList, offset=(30, 4))
        await pilot.pause()
        assert [m.article_id for m in app.of_type(ArticleList.Selected)] == ["id-3"]
        await pilot.press("enter")
        await pilot.pause()
        assert [m.article_id for m in app.of_type(ArticleList.Selected)] == ["id-3", "id-3"]

        # After scrolling, a click maps through the scroll offset.
        await pilot.press("G")
        await pilot.pause()
        top = widget.scroll_offset.y
        await pilot.click(ArticleList, offset=(30, 1))
        await pilot.pause()
        assert widget.cursor_row == top


async def test_sort_indicator_on_sorted_column() -> None:
    app = ListApp(make_articles(5))
    async with app.run_test(size=(120, 30)) as pilot:
        widget = app.query_one(ArticleList)
        header = widget.render_line(0).text
        assert "Date ▼" in header  # newest first is the default
        assert header.count("▼") + header.count("▲") == 1

        widget.sort_reverse = True
        await pilot.pause()
        assert "Date ▲" in widget.render_line(0).text

        widget.sort_key = "title"
        widget.sort_reverse = False
        await pilot.pause()
        header = widget.render_line(0).text
        assert "Title ▲" in header  # A to Z
        assert "Date ▼" not in header and "Date ▲" not in header

        widget.sort_key = "quality"
        await pilot.pause()
        header = widget.render_line(0).text
        assert "▼" in header[header.index("Qual") - 2 : header.index("Qual") + 6]
        widget.sort_key = "provider"
        widget.sort_reverse = True
        await pilot.pause()
        assert "Provider ▼" in widget.render_line(0).text
        # The rendered screen shows it too, not just render_line.
        assert "Provider ▼" in screenshot_text(app)


async def test_hostile_titles_render_literally() -> None:
    titles = [
        "[bold red]x[/]",
        "evil \x1b[31mred\x1b[0m title",
        "[link=http://evil]click[/link] \x1b]8;;http://evil\x07osc",
        "tab\tnew\nline\x07bell\x7f",
        "[/r/MachineLearning] unbalanced [/]",
    ]
    articles = make_articles(5, titles=titles)
    articles[1] = Article(
        id="id-1",
        path="a/1.md",
        title=titles[1],
        provider=Provider(name="\x1b[2JProv[b]"),
        topics=("\x1b[5mblink",),
    )
    app = ListApp(articles)
    async with app.run_test(size=(120, 30)) as pilot:
        widget = app.query_one(ArticleList)
        await pilot.pause()
        shown = lines(widget)
        assert "[bold red]x[/]" in shown[1]
        assert "evil red title" in shown[2]
        assert "Prov[b]" in shown[2]
        assert "blink" in shown[2]
        assert "[link=http://evil]click[/link] osc" in shown[3]
        assert "tab new linebell" in shown[4]  # BEL and DEL dropped
        assert "[/r/MachineLearning] unbalanced [/]" in shown[5]
        for y in range(widget.size.height):
            for segment in widget.render_line(y):
                assert all(ch.isprintable() for ch in segment.text), repr(segment.text)
                assert segment.style is None or segment.style.link is None
        for _ in range(5):  # the cursor row is rendered separately; it must be safe too
            await pilot.press("j")
            await pilot.pause()
        assert "\x1b" not in app.export_screenshot()
        screenshot = screenshot_text(app)
        assert "[bold red]x[/]" in screenshot
        assert "evil red title" in screenshot


async def test_wide_characters_keep_columns_aligned() -> None:
    titles = ["日本語のタイトル" * 10, "emoji 😀😀😀 title", "plain"]
    app = ListApp(make_articles(3, titles=titles))
    async with app.run_test(size=(120, 30)) as pilot:
        widget = app.query_one(ArticleList)
        await pilot.pause()
        shown = lines(widget)
        width = widget.scrollable_content_region.width
        provider_x = cell_len(shown[0][: shown[0].index("Provider")])
        for line in shown[1:4]:
            assert cell_len(line) == width
            assert cell_len(line[: line.index("Provider")]) == provider_x
        assert "…" in shown[1]  # the long CJK title was cut with an ellipsis


async def test_narrow_width_drops_columns_but_keeps_title() -> None:
    app = ListApp(make_articles(10))
    async with app.run_test(size=(60, 20)) as pilot:
        widget = app.query_one(ArticleList)
        await pilot.pause()
        header = widget.render_line(0).text
        assert "Title" in header and "Date" in header
        assert "Topic" not in header and "Heat" not in header
        columns = {c.key: c for c in layout_columns(widget.scrollable_content_region.width)}
        assert list(columns) == ["flags", "date", "title", "quality"]
        assert columns["title"].width >= 24
        assert "Article 00003" in widget.render_line(4).text
        for line in lines(widget):
            assert cell_len(line) == widget.scrollable_content_region.width

        await pilot.resize_terminal(30, 20)
        await pilot.pause()
        header = widget.render_line(0).text
        assert "Title" in header
        assert "Provider" not in header
        assert "Article 00003" in widget.render_line(4).text

        await pilot.resize_terminal(160, 20)
        await pilot.pause()
        header = widget.render_line(0).text
        assert all(label in header for label in ("Date", "Title", "Provider", "Heat", "Topic"))


def test_layout_drop_order() -> None:
    def keys(width: int) -> list[str]:
        return [c.key for c in layout_columns(width)]

    assert keys(200) == ["flags", "date", "title", "provider", "quality", "heat", "topic"]
    assert keys(89) == ["flags", "date", "title", "provider", "quality", "heat", "topic"]
    assert keys(88) == ["flags", "date", "title", "provider", "quality", "heat"]
    assert keys(71) == ["flags", "date", "title", "provider", "quality"]
    assert keys(65) == ["flags", "date", "title", "quality"]
    assert keys(48) == ["flags", "date", "title"]
    assert keys(26) == ["flags", "title"]
    for width in (20, 42, 59, 65, 82, 83, 200):
        title = next(c for c in layout_columns(width) if c.key == "title")
        assert title.width >= min(20, width - 8)
    for width in (200, 120, 80, 60):
        columns = layout_columns(width)
        last = columns[-1]
        assert last.x + last.width + 1 == width  # the columns fill the line exactly


async def test_state_flags_tags_and_links() -> None:
    states = {
        "id-0": TriageState(read=False, starred=True, tags=("work", "ai")),
        "id-1": TriageState(read=True),
    }
    links = {"id-0": "alive", "id-1": "broken"}
    app = ListApp(make_articles(3))
    async with app.run_test(size=(120, 30)) as pilot:
        widget = app.query_one(ArticleList)
        await pilot.pause()
        # Without lookups rows are plain: no flags, not bold.
        assert widget.render_line(2).text[1:6] == "     "

        widget.state_lookup = lambda article_id: states.get(article_id, TriageState())
        widget.link_lookup = links.get
        widget.refresh_rows()
        await pilot.pause()
        row0, row1, row2 = (widget.render_line(y) for y in (1, 2, 3))
        # A space between the markers; the link column is blank until a link is checked.
        assert row0.text[1:6] == "● ★ ✓"
        assert row1.text[1:6] == "    ✗"
        assert row2.text[1:6] == "●    "  # unread, not starred, link not checked
        assert "Article 00000 #work #ai" in row0.text
        title_segments = [s for s in row2 if "Article 00002" in s.text]
        assert title_segments and title_segments[0].style.bold  # unread is bold
        read_segments = [s for s in row1 if "Article 00001" in s.text]
        assert read_segments and not read_segments[0].style.bold
        # The title leads: an unread row's figures are dim, not bold like its title.
        dim = widget.get_component_rich_style("article-list--dim")
        quality = next(s for s in row2 if s.text.strip() == "14")  # article 2: quality 14
        assert not quality.style.bold and quality.style.color == dim.color
        assert title_segments[0].style.color != dim.color

        # State changes show after refresh_rows.
        states["id-2"] = TriageState(read=True, starred=True)
        widget.refresh_rows()
        await pilot.pause()
        assert widget.render_line(3).text[1:4] == "  ★"


async def test_cursor_row_is_highlighted_and_stays_visible_without_focus() -> None:
    app = ListApp(make_articles(5))
    async with app.run_test(size=(120, 30)) as pilot:
        widget = app.query_one(ArticleList)
        await pilot.press("j")
        await pilot.pause()

        def background(y: int) -> object:
            segments = [s for s in widget.render_line(y) if "Article" in s.text]
            return segments[0].style.bgcolor

        focused_cursor = background(2)
        assert focused_cursor != background(1)
        assert focused_cursor != background(3)
        widget.blur()
        await pilot.pause()
        blurred_cursor = background(2)
        assert blurred_cursor != background(3)  # still visible
        assert blurred_cursor != focused_cursor  # but muted


async def test_only_visible_rows_are_rendered() -> None:
    app = ListApp(make_articles(20_000))
    async with app.run_test(size=(120, 30)) as pilot:
        widget = app.query_one(ArticleList)
        await pilot.pause()
        assert 0 < len(widget._line_cache) <= widget.size.height
        await pilot.press("G")
        await pilot.pause()
        assert "Article 19999" in lines(widget)[-1]
        assert len(widget._line_cache) <= 2 * widget.size.height


async def test_scrollbar_follows_rows_and_size_but_not_other_layouts() -> None:
    """The list skips Textual's scrollbar update on layouts that change nothing of its own (a
    detail-pane update), but rows and sizes still reach the scrollbar."""
    app = ListApp(make_articles(500))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        article_list = app.query_one(ArticleList)
        bar = article_list.vertical_scrollbar
        assert bar.window_virtual_size == 501  # rows plus the header line
        assert bar.window_size == article_list.container_size.height

        article_list.set_order(range(40))  # a search leaves 40 rows
        await pilot.pause()
        assert bar.window_virtual_size == 41

        await pilot.resize_terminal(100, 20)
        await pilot.pause()
        assert bar.window_size == article_list.container_size.height < 30

        article_list.set_order(range(10))  # fits: no scrollbar is needed any more
        await pilot.pause()
        assert bar.window_virtual_size == 11
        assert not article_list.show_vertical_scrollbar
