"""The list pane: a virtual table of articles over Textual's line API.

A `DataTable` needs seconds to add 20,000 rows; this widget renders only the lines on screen
(`render_line`), over an index list (`set_order`) that the app's sort and filter rearrange, so
100,000 articles paint as fast as 100. Row strips are cached and a cursor move repaints two lines.

Line 0 of the widget is the column header and never scrolls; data row `r` is drawn at screen line
`r - scroll_y + 1`, and the virtual height is `rows + 1`.

Every field is untrusted data: cells are built from plain strings (sanitised again here) as
`Segment`s, never parsed as markup, and measured in terminal cells so CJK and emoji line up.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Literal

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from reader.link_status import ARTICLE_GLYPHS
from reader.model import UNKNOWN_HEAT, Article, TriageState
from reader.sorting import is_descending
from reader.tui.actions import bindings_for
from reader.tui.formatting import fit_cells, relative_time, sanitize, truncate_cells

__all__ = ["ArticleList", "Column", "layout_columns"]

MIN_TITLE_WIDTH = 24
_DROP_ORDER = ("topic", "heat", "provider", "quality", "date")
_PAD_LEFT = 1
_GAP = 1


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the list: what it shows, its header label and its place on the line."""

    key: str
    label: str
    width: int  # 0: flexible (takes the remaining width)
    align: Literal["left", "right"] = "left"
    sort_key: str | None = None
    x: int = 0  # set by `layout_columns`


COLUMNS: tuple[Column, ...] = (
    Column("flags", "", 5),  # unread, star, link: a space between each
    Column("date", "Date", 10, sort_key="date"),
    Column("title", "Title", 0, sort_key="title"),
    Column("provider", "Provider", 16, sort_key="provider"),
    Column("quality", "Qual", 5, "right", sort_key="quality"),
    Column("heat", "Heat", 5, "right", sort_key="heat"),
    Column("topic", "Topic", 16),
)


def layout_columns(width: int, columns: Sequence[Column] = COLUMNS) -> tuple[Column, ...]:
    """The columns that fit in `width` cells, with their x positions and the title's width.

    Columns are dropped (topic, then heat, provider, quality, date) until the title has at least
    `MIN_TITLE_WIDTH` cells; flags and title always stay.
    """
    chosen = list(columns)

    def fixed(cols: list[Column]) -> int:
        return _PAD_LEFT + sum(c.width for c in cols) + _GAP * len(cols)  # a gap after each

    for key in _DROP_ORDER:
        if width - fixed(chosen) >= MIN_TITLE_WIDTH:
            break
        chosen = [c for c in chosen if c.key != key]
    title_width = max(1, width - fixed(chosen))
    placed: list[Column] = []
    x = _PAD_LEFT
    for column in chosen:
        w = title_width if column.width == 0 else column.width
        placed.append(
            Column(column.key, column.label, w, column.align, sort_key=column.sort_key, x=x)
        )
        x += w + _GAP
    return tuple(placed)


class ArticleList(ScrollView, can_focus=True):
    """A virtual, sortable-looking list of articles: the app sorts, this widget shows and moves.

    `set_articles` gives the whole collection; `set_order` the visible rows as indexes into it.
    """

    BINDINGS: ClassVar[list[BindingType]] = bindings_for("list")

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "article-list--header",
        "article-list--cursor",
        "article-list--unread",
        "article-list--dim",
        "article-list--unread-flag",
        "article-list--star",
        "article-list--link-alive",
        "article-list--link-broken",
        "article-list--tag",
    }

    DEFAULT_CSS = """
    ArticleList {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        /* The scrollbar's cells are kept when it hides: the columns never jump. */
        scrollbar-gutter: stable;
        & > .article-list--header {
            background: $panel;
            color: $foreground;
            text-style: bold;
        }
        & > .article-list--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .article-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .article-list--unread { text-style: bold; }
        & > .article-list--dim { color: $text-muted; }
        /* The $text-* accents are made readable on the theme's background (light ones too). */
        & > .article-list--unread-flag { color: $text-primary; }
        & > .article-list--star { color: $text-warning; }
        & > .article-list--link-alive { color: $text-success; }
        & > .article-list--link-broken { color: $text-error; }
        & > .article-list--tag { color: $text-secondary; }
    }
    """

    @dataclass
    class Highlighted(Message):
        """The cursor moved to another article (None: the list is empty)."""

        article_id: str | None
        article: Article | None = None
        article_list: ArticleList | None = field(default=None, repr=False)

        @property
        def control(self) -> ArticleList | None:
            return self.article_list

    @dataclass
    class Selected(Message):
        """Enter, or a click on the cursor row: the user wants this article."""

        article_id: str
        article: Article | None = None
        article_list: ArticleList | None = field(default=None, repr=False)

        @property
        def control(self) -> ArticleList | None:
            return self.article_list

    @dataclass
    class SortRequested(Message):
        """A click on a sortable column header; the app decides the direction."""

        key: str
        article_list: ArticleList | None = field(default=None, repr=False)

        @property
        def control(self) -> ArticleList | None:
            return self.article_list

    cursor_row: reactive[int] = reactive(0, repaint=False, init=False)
    sort_key: reactive[str] = reactive("date", repaint=False, init=False)
    sort_reverse: reactive[bool] = reactive(False, repaint=False, init=False)

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._articles: Sequence[Article] = ()
        self._order: list[int] = []
        self._id_index: dict[str, int] | None = None
        self._highlighted_id: str | None = None
        self._highlight_pending = False
        self._cursor_chosen = False
        self._line_cache: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._state_version = 0
        self._layout_width = -1
        self._layout: tuple[Column, ...] = ()
        self.state_lookup: Callable[[str], TriageState] | None = None
        """Article id -> triage state; None: no state (every row plain)."""
        self.link_lookup: Callable[[str], str | None] | None = None
        """Article id -> "alive" | "broken" | other failure | None (not checked)."""
        self._wanted_topics: tuple[str, ...] = ()
        self.marker_lookup: Callable[[str], str] | None = None
        """Article id -> text after its title (` +3`: a story's other sources), or ""."""
        self.now: Callable[[], datetime] = lambda: datetime.now().astimezone()
        """The clock for relative dates (tests may replace it)."""
        self.empty_message = "No articles here."
        """Shown when no row is visible (an empty view or a search without results)."""
        self._layout_key: tuple[Size, Size, Size] | None = None  # see _size_updated

    # ------------------------------------------------------------------ data

    def set_articles(self, articles: Sequence[Article]) -> None:
        """Replace the whole collection; rows shown become all articles in the given order."""
        self._articles = articles
        self._id_index = None
        self._line_cache.clear()
        self.set_order(range(len(articles)), keep_cursor=False)
        # The cursor is on row 0 by default, not on an article the user chose: the next
        # `set_order` (the app's sort) leaves it on row 0 instead of following article 0.
        self._cursor_chosen = False

    def set_order(self, order: Sequence[int], *, keep_cursor: bool = True) -> None:
        """Show these rows (indexes into the articles), e.g. after a sort or filter.

        With `keep_cursor` the cursor stays on the same article if it is still shown (at the
        same height on screen when possible), else it keeps its row number.
        """
        old_order = self._order
        old_row = self.cursor_row
        old_index = None
        if self._cursor_chosen and 0 <= old_row < len(old_order):
            old_index = old_order[old_row]
        screen_offset = old_row - self.scroll_offset.y
        self._order = order if isinstance(order, list) else list(order)
        count = len(self._order)
        self.virtual_size = Size(self._content_width(), count + 1)

        new_row = 0
        if keep_cursor and count:
            new_row = min(old_row, count - 1)
            if old_index is not None:
                with contextlib.suppress(ValueError):
                    new_row = self._order.index(old_index)
        self.set_reactive(ArticleList.cursor_row, new_row)
        if keep_cursor:
            self._scroll_y_to(new_row - screen_offset)
        else:
            self._scroll_y_to(0)
        self._scroll_cursor_into_view()
        self._cursor_chosen = True
        self.refresh()
        self._post_highlighted()

    @property
    def articles(self) -> Sequence[Article]:
        """The whole collection."""
        return self._articles

    @property
    def order(self) -> Sequence[int]:
        """The visible rows, as indexes into `articles`."""
        return self._order

    @property
    def row_count(self) -> int:
        return len(self._order)

    @property
    def cursor_article(self) -> Article | None:
        """The article under the cursor, or None when the list is empty."""
        row = self.cursor_row
        if 0 <= row < len(self._order):
            return self._articles[self._order[row]]
        return None

    @property
    def cursor_id(self) -> str | None:
        article = self.cursor_article
        return article.id if article is not None else None

    def move_cursor_to_id(self, article_id: str) -> bool:
        """Put the cursor on this article if it is shown; False when it is not."""
        if self._id_index is None:
            self._id_index = {article.id: i for i, article in enumerate(self._articles)}
        index = self._id_index.get(article_id)
        if index is None:
            return False
        try:
            row = self._order.index(index)
        except ValueError:
            return False
        self._cursor_chosen = True
        self.cursor_row = row
        return True

    def refresh_rows(self) -> None:
        """Triage or link state changed: repaint (only) the visible lines."""
        self._state_version += 1
        self._line_cache.clear()
        self.refresh()

    # ------------------------------------------------------------------ cursor

    def validate_cursor_row(self, row: int) -> int:
        count = len(self._order)
        return max(0, min(row, count - 1)) if count else 0

    def watch_cursor_row(self, old_row: int, new_row: int) -> None:
        self._cursor_chosen = True
        self._refresh_row(old_row)
        self._refresh_row(new_row)
        self._scroll_cursor_into_view()
        self._post_highlighted()

    def watch_sort_key(self) -> None:
        self._refresh_header()

    def watch_sort_reverse(self) -> None:
        self._refresh_header()

    def _post_highlighted(self) -> None:
        """Post `Highlighted` once the current change is done, if the article changed.

        Deferred so that `set_articles` followed by `set_order` posts one message, not two.
        """
        if not self._highlight_pending:
            self._highlight_pending = True
            self.call_later(self._post_highlighted_now)

    def _post_highlighted_now(self) -> None:
        self._highlight_pending = False
        article = self.cursor_article
        article_id = article.id if article is not None else None
        if article_id != self._highlighted_id:
            self._highlighted_id = article_id
            self.post_message(self.Highlighted(article_id, article, self))

    @property
    def _data_height(self) -> int:
        """How many data rows fit on screen (the header takes one line)."""
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_y_to(self, y: int) -> None:
        y = max(0, min(y, self.max_scroll_y))
        if y != self.scroll_offset.y:
            self.scroll_to(y=y, animate=False, force=True)

    def _scroll_cursor_into_view(self) -> None:
        if self.scrollable_content_region.height <= 1:
            return  # not laid out yet; on_resize calls this again
        row = self.cursor_row
        top = self.scroll_offset.y
        height = self._data_height
        if row < top:
            self._scroll_y_to(row)
        elif row >= top + height:
            self._scroll_y_to(row - height + 1)

    def action_cursor_down(self) -> None:
        self.cursor_row += 1

    def action_cursor_up(self) -> None:
        self.cursor_row -= 1

    def action_cursor_first(self) -> None:
        self.cursor_row = 0

    def action_cursor_last(self) -> None:
        self.cursor_row = len(self._order) - 1

    def _page(self, rows: int) -> None:
        """Move the view and the cursor together by `rows`, as a pager does."""
        self._scroll_y_to(self.scroll_offset.y + rows)
        self.cursor_row += rows

    def action_cursor_page_down(self) -> None:
        self._page(self._data_height)

    def action_cursor_page_up(self) -> None:
        self._page(-self._data_height)

    def action_cursor_half_page_down(self) -> None:
        self._page(max(1, self._data_height // 2))

    def action_cursor_half_page_up(self) -> None:
        self._page(-max(1, self._data_height // 2))

    def action_select_cursor(self) -> None:
        article = self.cursor_article
        if article is not None:
            self.post_message(self.Selected(article.id, article, self))

    # ------------------------------------------------------------------ mouse

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        event.stop()
        if offset.y == 0:
            key = self.column_at(offset.x)
            if key is not None:
                self.post_message(self.SortRequested(key, self))
            return
        row = self.scroll_offset.y + offset.y - 1
        if not 0 <= row < len(self._order):
            return
        if row == self.cursor_row:
            self.action_select_cursor()
        else:
            self.cursor_row = row

    def column_at(self, x: int) -> str | None:
        """The sort key of the header column at content x (its trailing gap included)."""
        for column in self._columns():
            if column.x <= x < column.x + column.width + _GAP:
                return column.sort_key
        return None

    # ------------------------------------------------------------------ events

    def on_mount(self) -> None:
        super().on_mount()
        # Relative dates ("5m") age while the app runs: repaint the visible rows each minute.
        self.set_interval(60, self.refresh_rows, name="article-list-clock")

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        # Textual's ScrollView compares the compositor's idea of our virtual size (our region)
        # with ours (every row), which always differ for a line-API list: every layout anywhere
        # on the screen (each detail-pane update) then repainted this scrollbar.
        # Only our size, our rows or our container matter.
        key = (size, self.virtual_size, container_size)
        if key == self._layout_key:
            return False
        self._layout_key = key
        return super()._size_updated(size, virtual_size, container_size, layout)

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(self._content_width(), len(self._order) + 1)
        self._line_cache.clear()
        self._scroll_cursor_into_view()

    def on_focus(self, event: events.Focus) -> None:
        self.refresh()

    def on_blur(self, event: events.Blur) -> None:
        self.refresh()

    def notify_style_update(self) -> None:
        self._line_cache.clear()
        super().notify_style_update()

    # ------------------------------------------------------------------ rendering

    def _content_width(self) -> int:
        return self.scrollable_content_region.width

    def _columns(self) -> tuple[Column, ...]:
        width = self._content_width()
        if width != self._layout_width:
            self._layout_width = width
            self._layout = layout_columns(width)
        return self._layout

    def _refresh_row(self, row: int) -> None:
        y = row - self.scroll_offset.y + 1
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def _refresh_header(self) -> None:
        self.refresh(Region(0, 0, self.size.width, 1))

    def render_line(self, y: int) -> Strip:
        width = self._content_width()
        if y == 0:
            return self._render_header(width)
        row = self.scroll_offset.y + y - 1
        if not 0 <= row < len(self._order):
            if y == 2 and not self._order and self.empty_message:
                style = self.get_component_rich_style("article-list--dim")
                text = " " * (_PAD_LEFT + 2) + self.empty_message
                return Strip([Segment(text[:width].ljust(width), style)], width)
            return Strip.blank(width, self.rich_style)
        index = self._order[row]
        is_cursor = row == self.cursor_row
        key = (index, width, is_cursor, is_cursor and self.has_focus, self._state_version)
        strip = self._line_cache.get(key)
        if strip is None:
            strip = self._render_row(self._articles[index], width, is_cursor)
            self._line_cache[key] = strip
        return strip

    def _render_header(self, width: int) -> Strip:
        style = self.get_component_rich_style("article-list--header")
        segments = [Segment(" " * _PAD_LEFT, style)]
        x = _PAD_LEFT
        for column in self._columns():
            label = column.label
            if column.sort_key is not None and column.sort_key == self.sort_key:
                arrow = "▼" if is_descending(column.sort_key, self.sort_reverse) else "▲"
                if cell_len(label) + 2 <= column.width:
                    label = f"{label} {arrow}"
                else:
                    label = truncate_cells(label, column.width - 1, ellipsis="") + arrow
            segments.append(Segment(fit_cells(label, column.width, align=column.align), style))
            segments.append(Segment(" " * _GAP, style))
            x = column.x + column.width + _GAP
        if x < width:
            segments.append(Segment(" " * (width - x), style))
        return Strip(segments).crop_extend(0, width, style)

    def _render_row(self, article: Article, width: int, is_cursor: bool) -> Strip:
        """One data row as a strip of exactly `width` cells."""
        get = self.get_component_rich_style
        base = self.rich_style
        state = self.state_lookup(article.id) if self.state_lookup is not None else None
        unread = state is not None and not state.read
        text_style = base + get("article-list--unread") if unread else base
        dim = get("article-list--dim")
        cursor = get("article-list--cursor") if is_cursor else None

        def styled(style: Style) -> Style:
            # On the cursor row everything takes the cursor's colours, the markers too: no
            # theme's accents read on its cursor (1.0 to 3.0:1), and their shapes say enough.
            return style if cursor is None else style + cursor

        plain = styled(text_style)
        segments: list[Segment] = [Segment(" " * _PAD_LEFT, plain)]
        for column in self._columns():
            key = column.key
            w = column.width
            if key == "flags":
                segments.extend(self._flag_segments(article, state, base, styled))
                segments.append(Segment(" " * (w - 5 + _GAP), plain))
                continue
            if key == "title":
                chips = self.marker_lookup(article.id) if self.marker_lookup is not None else ""
                if state is not None and state.tags:
                    chips += "".join(f" #{sanitize(tag)}" for tag in state.tags)
                tag_style = styled(get("article-list--tag"))
                title = sanitize(article.title)
                segments.extend(_title_segments(title, chips, w, plain, tag_style))
            elif key == "date":
                text = relative_time(article.published, self.now())
                segments.append(Segment(fit_cells(text, w), styled(dim)))
            elif key == "provider":
                name = sanitize(article.provider.name or article.provider.domain)
                segments.append(Segment(fit_cells(name, w), styled(dim)))
            elif key == "quality":
                text = "" if article.quality is None else str(article.quality)
                segments.append(Segment(fit_cells(text, w, align="right"), styled(dim)))
            elif key == "heat":  # figures are dimmer than titles: the title leads
                heat = article.heat
                text = "" if heat is None else "—" if heat == UNKNOWN_HEAT else str(heat)
                segments.append(Segment(fit_cells(text, w, align="right"), styled(dim)))
            elif key == "topic":
                topic = sanitize(shown_topic(article.topics, self._wanted_topics))
                segments.append(Segment(fit_cells(topic, w), styled(dim)))
            segments.append(Segment(" " * _GAP, plain))
        return Strip(segments).crop_extend(0, width, plain)

    @property
    def wanted_topics(self) -> tuple[str, ...]:
        """Topics a search asks for (casefolded): the Topic column shows the one matched."""
        return self._wanted_topics

    @wanted_topics.setter
    def wanted_topics(self, topics: tuple[str, ...]) -> None:
        if topics != self._wanted_topics:
            self._wanted_topics = topics
            self.refresh_rows()

    def _flag_segments(
        self,
        article: Article,
        state: TriageState | None,
        base: Style,
        styled: Callable[..., Style],
    ) -> list[Segment]:
        get = self.get_component_rich_style
        unread = state is not None and not state.read
        starred = state is not None and state.starred
        unread_style = styled(get("article-list--unread-flag"))
        star_style = styled(get("article-list--star"))
        gap = Segment(" ", styled(base))
        segments = [
            Segment("●" if unread else " ", unread_style),
            gap,
            Segment("★" if starred else " ", star_style),
            gap,
        ]
        if self.link_lookup is None:
            segments.append(gap)
        else:
            status = self.link_lookup(article.id)
            glyph = ARTICLE_GLYPHS.get(status, ARTICLE_GLYPHS["broken"])
            if status is None:
                component = "article-list--dim"
            elif status == "alive":
                component = "article-list--link-alive"
            else:
                component = "article-list--link-broken"
            segments.append(Segment(glyph, styled(get(component))))
        return segments


def _title_segments(
    title: str, chips: str, width: int, plain: Style, chip_style: Style
) -> list[Segment]:
    """The title cell: the title, then the chips (story size, tags) when there is room for a
    readable part of the title beside them."""
    if chips:
        chips_width = len(chips) if chips.isascii() else _cells(chips)
        room = width - chips_width
        if room >= min(10, _cells(title)):
            title_text = truncate_cells(title, room)
            chips_text = fit_cells(chips, width - _cells(title_text))
            return [Segment(title_text, plain), Segment(chips_text, chip_style)]
    return [Segment(fit_cells(title, width), plain)]


def shown_topic(topics: tuple[str, ...], wanted: tuple[str, ...]) -> str:
    """The topic a search asked for (`wanted`, casefolded) when the article has it; else its
    first topic."""
    for name in wanted:
        for topic in topics:
            if topic.casefold() == name:
                return topic
    return topics[0] if topics else ""


def _cells(text: str) -> int:
    return len(text) if text.isascii() else cell_len(text)
