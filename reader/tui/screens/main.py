"""The main screen: the list pane beside the detail pane, the search bar, the sidebar.

It renders the session (:class:`reader.session.Session`) and sends it the user's intents: the
panes post messages up, this screen turns them into session calls, then pushes what changed
back down into the panes. Links are checked, opened and copied through `LinkWork`; full texts
(reading mode, `v`) are read through `ReadingWork`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer

from reader.collection import collection_name
from reader.history import History
from reader.model import Article, Collection
from reader.paths import reading_cache_dir
from reader.query import QueryError, parse_query, wanted_topics
from reader.session import PreparedCollection, Session
from reader.sorting import is_descending
from reader.tui.actions import bindings_for
from reader.tui.triage_work import TriageWork
from reader.tui.widgets.article_detail import ArticleDetail
from reader.tui.widgets.article_list import ArticleList
from reader.tui.widgets.footer import PriorityFooter
from reader.tui.widgets.header import AppHeader
from reader.tui.widgets.query_bar import QueryBar
from reader.tui.widgets.sidebar import Sidebar
from reader.tui.workers import (
    BrowserDone,
    FullTextRead,
    LinkCheckEnded,
    LinksChecked,
    LinkWork,
    ReadingWork,
    SearchWork,
    StoryWork,
)
from reader.views import VIEW_LABELS, VIEWS

__all__ = ["MainScreen"]


class MainScreen(Screen[None]):
    AUTO_FOCUS = "#article-list"  # keys typed while loading act on the list, never on search
    BINDINGS: ClassVar[list[BindingType]] = bindings_for("main")

    def __init__(
        self,
        session: Session,
        roots: Sequence[str],
        *,
        links: Callable[[MainScreen], LinkWork],
        auto_check_links: bool = True,
        preview: Callable[[], Collection | None] | None = None,
    ) -> None:
        super().__init__()
        self._preview = preview
        self.session = session
        self.roots = list(roots)
        self.collection_label = collection_name(self.roots)  # resolves paths: once, not per key
        self.links = links(self)
        self.full_texts = ReadingWork(self, session, reading_cache_dir(), lambda: self.detail)
        self.stories = StoryWork(self, session, lambda: self.states_changed([]))
        self.search = SearchWork(self, session, lambda keep: self._show_rows(keep_cursor=keep))
        self.triage = TriageWork(self, session, lambda keep: self._show_rows(keep_cursor=keep))
        self.history = History()
        self.auto_check_links = auto_check_links
        self.query_error: str | None = None
        self._detail_timer: Timer | None = None
        self._rest_timers: list[Timer] = []
        self._pending_detail: str | None = None
        session.on_states_changed = self.states_changed

    def compose(self) -> ComposeResult:
        yield AppHeader(id="app-header")
        yield QueryBar(id="query-bar")
        with Horizontal(id="main"):
            yield Sidebar(id="sidebar")
            with Vertical(id="list-pane"):
                yield ArticleList(id="article-list")
            yield ArticleDetail(id="article-detail")
        yield PriorityFooter()  # the check's progress bar goes above it when a check starts

    @property
    def article_list(self) -> ArticleList:
        return self.query_one("#article-list", ArticleList)

    @property
    def detail(self) -> ArticleDetail:
        return self.query_one("#article-detail", ArticleDetail)

    @property
    def header(self) -> AppHeader:
        return self.query_one("#app-header", AppHeader)

    @property
    def query_bar(self) -> QueryBar:
        return self.query_one(QueryBar)

    @property
    def sidebar(self) -> Sidebar:
        return self.query_one(Sidebar)

    def on_mount(self) -> None:
        session = self.session
        article_list = self.article_list
        article_list.state_lookup = session.state
        article_list.link_lookup = session.link_summary.get
        article_list.marker_lookup = session.story_marker
        article_list.sort_key = session.sort_key
        article_list.sort_reverse = session.sort_reverse
        article_list.empty_message = "Loading the collection…"
        article_list.now = lambda: session.clock().astimezone()
        self.detail.now = session.clock
        self._set_reading(session.settings.reading_by_default)
        self._update_header()
        preview = self._preview() if self._preview is not None and not session.loaded else None
        if preview is not None:
            self.show_preview(preview)

    # ------------------------------------------------------------------ from the app

    def show_preview(self, collection: Collection) -> None:
        """The first screenful kept from the last run, until the load replaces it."""
        self.session.set_collection(collection, preview=True)
        self.article_list.set_articles(self.session.articles)
        self._show_rows()
        self._show_detail(self.article_list.cursor_id)

    def show_collection(
        self, collection: Collection, *, prepared: PreparedCollection | None = None
    ) -> None:
        """A (re)loaded collection: the rows, keeping the cursor's article where it can (after
        a preview, only if the user moved it)."""
        session = self.session
        first = not session.loaded
        article_list = self.article_list
        moved = not first and not (session.preview and article_list.cursor_row == 0)
        keep = article_list.cursor_id if moved else None
        keep_row = article_list.cursor_row
        previous_errors = len(session.collection.errors) if not first else 0
        session.set_collection(collection, prepared=prepared, mark_seen=prepared is None)
        self.stories.collection_changed()
        article_list.link_lookup = session.link_summary.get
        article_list.set_articles(session.articles)
        self._show_rows()
        if keep and not article_list.move_cursor_to_id(keep):
            article_list.cursor_row = min(keep_row, max(0, article_list.row_count - 1))
        self._show_detail(article_list.cursor_id)
        bar = self.query_bar
        if not (bar.display and bar.has_focus_within):
            article_list.focus()
        self._refresh_sidebar()
        if collection.errors and len(collection.errors) != previous_errors:
            self.notify(
                f"{len(collection.errors)} file(s) could not be read: press ! to see them",
                severity="warning",
                timeout=6,
            )

    def states_changed(self, ids: Sequence[str]) -> None:
        """Triage state changed (here or in another process): repaint what shows it."""
        if not self.query("#app-header"):  # the app is closing: the widgets are gone already
            return
        if not ids:  # another process: the view may hold other rows now
            self._show_rows()
        self.article_list.refresh_rows()
        current = self.article_list.cursor_id
        if current is not None and (not ids or current in ids):
            self.detail.update_state(self.session.state(current))
        self._update_header()
        self._refresh_sidebar()

    # ------------------------------------------------------------------ the view

    def _show_rows(self, *, keep_cursor: bool = True) -> None:
        session = self.session
        if not session.loaded:
            return
        if session.preview:
            self.article_list.empty_message = "Loading the collection…"
        elif session.query is not None:
            self.article_list.empty_message = "No article matches this search (Esc clears it)."
        else:
            self.article_list.empty_message = f"No articles in {VIEW_LABELS[session.view]}."
        self.article_list.wanted_topics = tuple(t.casefold() for t in wanted_topics(session.query))
        self.article_list.set_order(session.rows, keep_cursor=keep_cursor)
        self._update_header()

    def _update_header(self) -> None:
        session = self.session
        header = self.header
        header.collection = self.collection_label
        header.view = session.view
        header.counts = session.counts() if session.loaded else {}
        header.shown = len(session.rows)
        header.total = len(session.articles)
        header.problems = len(session.collection.errors)
        header.query = session.query_text
        arrow = "▼" if is_descending(session.sort_key, session.sort_reverse) else "▲"
        header.sort = f"{session.sort_key} {arrow}"
        header.pending = not session.loaded or session.preview
        header.grouped = session.grouped and session.clusters is not None
        header.refresh_text()

    def _sorted(self) -> None:
        self.article_list.sort_key = self.session.sort_key
        self.article_list.sort_reverse = self.session.sort_reverse
        self._show_rows()

    def _refresh_sidebar(self) -> None:
        if not self.session.preview:  # its counts would be the preview's
            self.sidebar.show_counts(self.session)

    # ------------------------------------------------------------------ the detail, reading mode

    @on(ArticleList.Highlighted)
    def _highlighted(self, event: ArticleList.Highlighted) -> None:
        # Leading and trailing edge: a single key shows the article at once; while a key is
        # held (auto-repeat), only the list moves and the detail catches up when it stops.
        # A detail-pane change (layout and repaint) costs several times a list key.
        self._pending_detail = event.article_id
        if self._detail_timer is None:
            # After the list's repaint: the cursor shows at once, the detail a frame later.
            self.call_after_refresh(self._show_detail, event.article_id)
            self._detail_timer = self.set_timer(
                self.session.settings.detail_settle_seconds, self._detail_settled
            )
        else:
            self._detail_timer.reset()

    def _detail_settled(self) -> None:
        self._detail_timer = None
        shown = self.detail.article
        if (shown.id if shown else None) != self._pending_detail:
            self._show_detail(self._pending_detail)

    def _show_detail(self, article_id: str | None) -> None:
        session = self.session
        article = session.article(article_id)
        if session.preview:  # reading the file would wait for the YAML parser
            self.detail.show(article, state=session.state(article_id), links=session.link_results)
            return
        article = session.full_article(article)
        self.detail.show(
            article,
            state=session.state(article_id),
            links=session.link_results,
            related_lookup=session.related_target,
            sources=session.story_sources(article_id),
        )
        if article is not None and self.detail.reading:
            self.full_texts.show(article)
        self._when_resting(article)

    def _when_resting(self, article: Article | None) -> None:
        """Once the cursor rests on `article` (holding `j` starts nothing per article): check
        its stale links (`check_on_show`), mark it read (`mark_read = "select"`)."""
        for timer in self._rest_timers:
            timer.stop()
        self._rest_timers.clear()
        if article is None:
            return
        session, settings = self.session, self.session.settings
        if self.auto_check_links and settings.check_on_show and session.stale_links(article):
            check = lambda: self.links.check([article], recheck=False, progress=False)  # noqa: E731
            self._rest_timers.append(self.set_timer(settings.auto_check_delay, check))
        if settings.mark_read == "select" and not session.state(article.id).read:
            read = lambda: self._auto_read(article.id)  # noqa: E731
            self._rest_timers.append(self.set_timer(settings.mark_read_delay, read))

    def _auto_read(self, article_id: str) -> None:
        if self.article_list.cursor_id == article_id and not self.session.state(article_id).read:
            self.session.triage([article_id], read=True)

    def action_toggle_wide(self) -> None:
        """`w`: the list steps aside; `n` / `p` still move, `j` / `k` scroll the text."""
        main = self.query_one("#main")
        wide = not main.has_class("-wide")
        main.set_class(wide, "-wide")
        (self.detail if wide else self.article_list).focus()

    def action_toggle_reading(self) -> None:
        self._set_reading(not self.detail.reading)
        if self.detail.reading:
            self._opened()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if self.detail in event.widget.ancestors_with_self:  # Tab or a click into the detail
            self._opened()

    def _opened(self) -> None:
        """The detail pane or the full text was opened: `mark_read = "open"` marks it read."""
        article, session = self.detail.article, self.session
        if session.settings.mark_read != "open" or article is None or session.preview:
            return
        if not session.state(article.id).read:
            session.triage([article.id], read=True)

    def _set_reading(self, reading: bool) -> None:
        detail = self.detail
        detail.set_reading(reading)
        self.query_one("#main").set_class(reading, "-reading")  # the text gets the room
        if reading and detail.article is not None:
            self.full_texts.show(detail.article)

    @on(FullTextRead)
    def _full_text_read(self, event: FullTextRead) -> None:
        self.full_texts.arrived(event.result)

    @on(ArticleList.Selected)
    def _selected(self, event: ArticleList.Selected) -> None:
        self.action_open_detail()

    @on(ArticleList.SortRequested)
    def _sort_requested(self, event: ArticleList.SortRequested) -> None:
        self.session.sort_by(event.key)
        self._sorted()

    @on(ArticleDetail.RelatedSelected)
    def _jump_to_related(self, event: ArticleDetail.RelatedSelected) -> None:
        shown = self.detail.article
        self.history.jumped(shown.id if shown else None, event.article_id)
        self._go_to(event.article_id)

    def _go_to(self, article_id: str) -> None:
        article_list = self.article_list
        if self.session.grouped and not article_list.move_cursor_to_id(article_id):
            self._show_detail(article_id)  # another source of the story: shown in place
            return
        if not article_list.move_cursor_to_id(article_id):
            # Not in the current view or search: widen to everything, then jump.
            self.query_bar.clear_query()
            self.query_error = None
            self.session.query = None
            self.session.set_view("all")
            self._show_rows()
            article_list.move_cursor_to_id(article_id)
        article_list.focus()

    def action_history_back(self) -> None:
        self._step_history(self.history.back, "No earlier article: H goes back after a jump.")

    def action_history_forward(self) -> None:
        self._step_history(self.history.forward, "Nothing to go forward to.")

    def _step_history(self, step: Callable[..., str | None], none: str) -> None:
        shown = self.detail.article
        target = step(shown.id if shown else None, lambda i: self.session.article(i) is not None)
        if target is None:
            self.notify(none, timeout=2)
        else:
            self._go_to(target)

    @on(ArticleDetail.LinkRequested)
    def _body_link(self, event: ArticleDetail.LinkRequested) -> None:
        self.links.open_url(event.url)

    # ------------------------------------------------------------------ moving

    def action_open_detail(self) -> None:
        article_id = self.article_list.cursor_id
        if article_id is None:
            return
        self.session.triage([article_id], read=True)
        self.detail.focus()

    def action_focus_list(self) -> None:
        self.article_list.focus()

    def action_switch_pane(self) -> None:
        """The next pane in the focus chain: list, detail, related articles, and round."""
        self.focus_next()

    def action_next_unread(self) -> None:
        self._move_to_unread(step=1)

    def action_previous_unread(self) -> None:
        self._move_to_unread(step=-1)

    def _move_to_unread(self, *, step: int) -> None:
        article_list = self.article_list
        row = self.session.next_unread(article_list.order, article_list.cursor_row, step)
        if row is None:
            self.notify("No more unread articles in this direction.", timeout=2)
        else:
            article_list.cursor_row = row

    # ------------------------------------------------------------------ sort and views

    def action_cycle_sort(self) -> None:
        self.session.cycle_sort()
        self._sorted()

    def action_reverse_sort(self) -> None:
        self.session.reverse_sort()
        self._sorted()

    def action_toggle_grouped(self) -> None:
        if not self._still_loading():
            self.stories.toggle()

    def _still_loading(self) -> bool:
        """Whether the rows are still the preview: an action on a whole view waits for the load."""
        if self.session.preview:
            self.notify("Still loading the collection: try again in a moment.", timeout=2)
        return self.session.preview

    def action_set_view(self, view: str) -> None:
        if view in VIEWS:
            self.session.set_view(view)
            self._show_rows()

    # ------------------------------------------------------------------ triage

    def action_toggle_read(self) -> None:
        article_id = self.article_list.cursor_id
        if article_id:
            self.session.toggle(article_id, "read")

    def action_toggle_star(self) -> None:
        article_id = self.article_list.cursor_id
        if article_id:
            self.session.toggle(article_id, "starred")

    def action_toggle_archive(self) -> None:
        self.triage.toggle_archive(self.article_list)

    def action_mark_all_read(self) -> None:
        if not self._still_loading():
            self.triage.mark_rows_read(self.article_list.order, "in this view")

    def action_mark_above_read(self) -> None:
        """Catch up: everything above the cursor (the cursor's own article stays as it is)."""
        if not self._still_loading():
            above = self.article_list.order[: self.article_list.cursor_row]
            self.triage.mark_rows_read(above, "above the cursor")

    def action_undo(self) -> None:
        self.triage.undo(self.article_list)

    def action_edit_tags(self) -> None:
        from reader.tui.screens.tags import edit_tags

        edit_tags(self.app, self.session, self.article_list.cursor_id)

    # ------------------------------------------------------------------ search

    def action_search(self) -> None:
        self.query_bar.open()

    @on(QueryBar.Changed)
    def _query_changed(self, event: QueryBar.Changed) -> None:
        self._set_query(event.text)

    def _set_query(self, text: str, *, keep_cursor: bool = False) -> None:
        """A new query: its rows, the cursor on the first (`keep_cursor`: on the same article)."""
        try:
            query = parse_query(text)
        except QueryError as exc:  # keep the last good result; say what is wrong under the bar
            self.query_error = str(exc)
            self.query_bar.show_error(self.query_error)
            return
        self.query_error = None
        self.query_bar.show_error(None)
        self.stories.needed_by(query)
        self.search.run(query, keep_cursor=keep_cursor)

    @on(QueryBar.Done)
    def _query_done(self, event: QueryBar.Done) -> None:
        if event.cleared:
            self._set_query("", keep_cursor=True)  # back to everything, still on this article
        self.article_list.focus()

    @on(QueryBar.SaveRequested)
    def _save_search(self, event: QueryBar.SaveRequested) -> None:
        from reader.tui.screens.save_search import save_search

        save_search(self, self.session, event.text.strip(), saved=self._refresh_sidebar)

    def action_toggle_sidebar(self) -> None:
        sidebar = self.sidebar
        sidebar.display = not sidebar.display
        if sidebar.display:
            self._refresh_sidebar()
            sidebar.focus_list()
        else:
            self.article_list.focus()

    @on(Sidebar.Chosen)
    def _sidebar_chosen(self, event: Sidebar.Chosen) -> None:
        if event.view is not None:
            self.query_bar.clear_query()
            self.session.query = None
            self.action_set_view(event.view)
        else:
            if event.saved is not None and self.session.view != "all":
                # Its count was over every article: show what the count said, and say so.
                self.session.view = "all"
                self.notify(f"“{event.saved}” in All articles", timeout=3)
            self.query_bar.set_query(event.query or "")
            self._set_query(event.query or "")
        self.article_list.focus()

    # ------------------------------------------------------------------ links

    def cursor_article(self) -> Article | None:
        return self.session.article(self.article_list.cursor_id)

    def action_check_article(self) -> None:
        article = self.cursor_article()
        if article is not None:
            self.links.check_shown(article, self.detail)

    def action_check_view(self) -> None:
        session = self.session
        if self._still_loading():
            return
        articles = [session.articles[i] for i in self.article_list.order]
        if not articles:
            return
        self.links.check_all(articles)

    def action_open_link(self, prefer_amp: bool = False) -> None:
        article = self.cursor_article()
        if article is None:
            return
        self.links.open_best(article, prefer_amp=prefer_amp, check_first=self.auto_check_links)
        if self.session.settings.open_marks_read_and_advances and article.urls.items():
            self.session.triage([article.id], read=True)  # now, not when the browser is up
            self._move_to_unread(step=1)

    def action_open_amp(self) -> None:
        self.action_open_link(prefer_amp=True)

    def action_choose_link(self) -> None:
        article = self.cursor_article()
        if article is not None:
            self.links.choose(article)

    def action_copy_link(self) -> None:
        article = self.cursor_article()
        if article is not None:
            self.links.copy(article)

    @on(LinksChecked)
    def _links_checked(self, event: LinksChecked) -> None:
        self.links.checked(event, self.article_list, self.detail)

    @on(LinkCheckEnded)
    def _link_check_ended(self, event: LinkCheckEnded) -> None:
        self.links.ended(event)

    @on(BrowserDone)
    def _browser_done(self, event: BrowserDone) -> None:
        self.links.browser_done(event)
