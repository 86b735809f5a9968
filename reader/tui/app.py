"""ReaderApp: the list pane beside the detail pane, triage keys, search, link checks.

The app owns the data (collection, store, link results) and pushes it down into the panes;
the panes post messages up. Slow work (loading, link checks) runs in workers, never on the UI
thread's critical path.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.widgets import Footer, ProgressBar
from textual.worker import get_current_worker

from reader.check import LinkCheckService, article_links, summarize
from reader.loader import canonical_url_key, collection_name
from reader.model import (
    UNTOUCHED,
    Article,
    Collection,
    LinkResult,
    RelatedArticle,
    TriageState,
)
from reader.sorting import SORT_KEYS, next_sort_key, sort_indices
from reader.text import sanitize
from reader.tui.actions import app_bindings
from reader.tui.article_detail import ArticleDetail
from reader.tui.article_list import ArticleList
from reader.tui.commands import ReaderCommands
from reader.tui.header import AppHeader
from reader.tui.query_bar import QueryBar
from reader.tui.sidebar import Sidebar
from reader.tui.workers import install_daemon_executor

VIEWS: tuple[str, ...] = ("inbox", "unread", "starred", "archived", "all")
VIEW_LABELS = {
    "inbox": "Inbox",
    "unread": "Unread",
    "starred": "Starred",
    "archived": "Archived",
    "all": "All",
}
LINK_MAX_AGE = timedelta(hours=24)
BACKGROUND_SEARCH = 10_000
"""From this many articles on, the search runs in a thread."""
DETAIL_SETTLE = 0.08
"""Seconds without cursor movement before the detail pane catches up with a held key."""
STATE_BUSY_TIMEOUT_MS = 250
"""How long one write on the UI thread waits for a state file another process holds; after
that it is retried in the background (`SAVE_RETRY_SECONDS`), the screen showing what is saved."""
SAVE_RETRY_SECONDS = 10.0


def in_view(view: str, state: TriageState) -> bool:
    if view == "inbox":
        return not state.archived
    if view == "unread":
        return not state.read and not state.archived
    if view == "starred":
        return state.starred
    if view == "archived":
        return state.archived
    return True


class ReaderApp(App[int]):
    """A keyboard-driven reader for a folder of articles."""

    TITLE = "reader"
    CSS_PATH = "app.tcss"
    AUTO_FOCUS = "#article-list"  # keys typed while loading act on the list, never on search
    COMMANDS: ClassVar = App.COMMANDS | {ReaderCommands}
    HORIZONTAL_BREAKPOINTS: ClassVar = [(0, "-narrow"), (100, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [
        *app_bindings(),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    @dataclass
    class LinksChecked(Message):
        """A batch of link results from the link-check service (posted from its thread)."""

        results: list[LinkResult]
        progress: bool = False

    @dataclass
    class LinkCheckEnded(Message):
        """A link-check job ended; `open_after`: the article `o`/`a` waits to open."""

        articles: list[Article]
        progress: bool
        error: str | None
        open_after: tuple[Article, bool] | None = None

    @dataclass
    class _Save:
        """A state change not saved yet because the state file was busy."""

        label: str
        write: Callable[[Any], Any]
        apply: Callable[[Any], None]
        first_try: float = field(default=0.0)

    view: reactive[str] = reactive("inbox", init=False)
    sort_key: reactive[str] = reactive("date", init=False)
    sort_reverse: reactive[bool] = reactive(False, init=False)

    def __init__(
        self,
        roots: Sequence[str],
        *,
        state_path: str | os.PathLike[str] | None = None,
        sort_key: str = "date",
        reverse: bool = False,
        use_cache: bool = True,
        opener: Callable[[str], bool] | None = None,
        check_links: bool = True,
        now: Callable[[], datetime] | None = None,
        watch: bool = True,
    ) -> None:
        super().__init__()
        self.roots = list(roots)
        self.state_path = state_path
        self.use_cache = use_cache
        self.opener = opener
        self.auto_check_links = check_links
        self.clock: Callable[[], datetime] = now or (lambda: datetime.now(UTC))
        self.watch_files = watch
        self.collection = Collection(roots=tuple(self.roots))
        self.articles: list[Article] = []
        self.states: dict[str, TriageState] = {}
        self.link_results: dict[str, LinkResult] = {}
        self.link_summary: dict[str, str] = {}
        self.store: Any = None
        self.query_text = ""
        self.query_error: str | None = None
        self._query: Any = None
        self._query_index: Any = None
        self._sorted: list[int] = []
        self._by_id: dict[str, int] = {}
        self._related_index: dict[str, str] = {}
        self._indexes_by_url: dict[str, list[int]] = {}
        """URL -> indexes of the articles that have it: link results find their articles."""
        self._shown: list[int] = []
        self._loaded = False
        self._checking_ids: set[str] = set()
        self._auto_check_timer: Any = None
        self._detail_timer: Any = None
        self._full_cache: dict[str, Article] = {}
        self._pending_detail: str | None = None
        self._link_service: LinkCheckService | None = None
        self._pending_saves: deque[ReaderApp._Save] = deque()
        self._save_delay = 0.25
        self.opened_urls: list[str] = []
        """Every URL handed to the browser in this session (newest last)."""
        self.set_reactive(ReaderApp.sort_key, sort_key if sort_key in SORT_KEYS else "date")
        self.set_reactive(ReaderApp.sort_reverse, reverse)

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield AppHeader(id="app-header")
        yield QueryBar(id="query-bar")
        with Horizontal(id="main"):
            yield Sidebar(id="sidebar")
            with Vertical(id="list-pane"):
                yield ArticleList(id="article-list")
            yield ArticleDetail(id="article-detail")
        yield ProgressBar(id="check-progress", show_eta=False)
        yield Footer()

    @property
    def article_list(self) -> ArticleList:
        return self.query_one("#article-list", ArticleList)

    @property
    def detail(self) -> ArticleDetail:
        return self.query_one("#article-detail", ArticleDetail)

    @property
    def header(self) -> AppHeader:
        return self.query_one("#app-header", AppHeader)

    def on_load(self) -> None:
        install_daemon_executor()  # exit never waits for a thread worker (see tui/workers.py)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notification shows its text as data: never markup (a URL holding `[/x]` or
        `[@click=app.quit]` is just text), never a control character. (Thread-safe.)"""
        super().notify(
            sanitize(str(message), keep_newlines=True),
            title=sanitize(str(title)),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def on_mount(self) -> None:
        self._open_store()
        article_list = self.article_list
        article_list.state_lookup = lambda article_id: self.states.get(article_id, UNTOUCHED)
        article_list.link_lookup = self.link_summary.get
        article_list.sort_key = self.sort_key
        article_list.sort_reverse = self.sort_reverse
        article_list.empty_message = "Loading the collection…"
        article_list.focus()
        self.query_one("#check-progress").display = False
        self.detail.now = self.clock
        article_list.now = lambda: self.clock().astimezone()
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self._update_header()
        self.load_collection()
        if self.store is not None:
            self.set_interval(2.0, self._poll_external_changes)
        if self.watch_files:
            self._watch_collection()

    def _open_store(self) -> None:
        from reader.paths import default_state_path
        from reader.store import Store, StoreError

        path = Path(self.state_path) if self.state_path else default_state_path()
        try:
            self.store = Store.open(path, busy_timeout_ms=STATE_BUSY_TIMEOUT_MS)
            self.states = self._touched(self.store.states())
            self.link_results = self.store.link_results(None, max_age=None)
            theme = self.store.get_setting("theme")
        except StoreError as exc:
            import tempfile

            if self.store is not None:
                self.store.close()
            fallback = Path(tempfile.mkdtemp(prefix="reader-")) / "state.sqlite3"
            self.store = Store.open(fallback)
            self.states, self.link_results, theme = {}, {}, None
            self.notify(
                f"{exc}. Using a temporary state file; triage will not be kept.",
                title="State not saved",
                severity="error",
                timeout=15,
            )
        if self.store.notice:
            self.notify(self.store.notice, title="State file", severity="warning", timeout=15)
        if theme and theme in self.available_themes:
            self.theme = theme
        self._link_service = LinkCheckService(self.store.path, max_age=LINK_MAX_AGE)

    @staticmethod
    def _touched(states: dict[str, TriageState]) -> dict[str, TriageState]:
        """Only articles the user did something with: the rest are untouched (unread)."""
        return {
            article_id: state
            for article_id, state in states.items()
            if state.read or state.starred or state.archived or state.tags
        }

    def _remember_theme(self, theme: Any) -> None:
        from reader.store import StoreError

        if self.store is not None:
            with contextlib.suppress(StoreError):  # a preference: not worth a message
                self.store.set_setting("theme", getattr(theme, "name", str(theme)))

    def on_unmount(self) -> None:
        # Cancels link checks without waiting for the network; thread workers are daemons.
        if self._link_service is not None:
            self._link_service.close()
        if self.store is not None:
            self.store.close()

    # ------------------------------------------------------------------ saving state

    def _save(self, label: str, write: Callable[[Any], Any], apply: Callable[[Any], None]) -> None:
        """Write to the store, then show the effect (the screen only ever shows what is saved).

        A state file another process holds is retried in the background with backoff for
        `SAVE_RETRY_SECONDS`, in order with later changes; then, or on any other failure, one
        line says what was not saved.
        """
        if self.store is None:
            return
        if self._pending_saves:  # keep the order of the changes
            self._pending_saves.append(self._Save(label, write, apply, self._now()))
            return
        from reader.store import StoreBusy, StoreError

        try:
            result = write(self.store)
        except StoreBusy:
            self._pending_saves.append(self._Save(label, write, apply, self._now()))
            self._save_delay = 0.25
            self.set_timer(self._save_delay, self._retry_saves)
            return
        except StoreError as exc:
            self._not_saved([label], exc.reason)
            return
        apply(result)

    @staticmethod
    def _now() -> float:
        import time

        return time.monotonic()

    def _retry_saves(self) -> None:
        from reader.store import StoreBusy, StoreError

        while self._pending_saves:
            pending = self._pending_saves[0]
            try:
                result = pending.write(self.store)
            except StoreBusy:
                if self._now() - pending.first_try >= SAVE_RETRY_SECONDS:
                    labels = [p.label for p in self._pending_saves]
                    self._pending_saves.clear()
                    self._not_saved(labels, "state file busy")
                    return
                self._save_delay = min(self._save_delay * 2, 2.0)
                self.set_timer(self._save_delay, self._retry_saves)
                return
            except StoreError as exc:
                self._pending_saves.popleft()
                self._not_saved([pending.label], exc.reason)
                continue
            self._pending_saves.popleft()
            pending.apply(result)

    def _not_saved(self, labels: list[str], reason: str) -> None:
        what = ", ".join(dict.fromkeys(labels))
        if reason == "state file busy":
            message = f"state file busy; not saved: {what}"
        else:
            message = f"state file error; not saved: {what} ({reason})"
        self.notify(message, severity="error", timeout=8)

    # ------------------------------------------------------------------ loading

    @work(thread=True, exclusive=True, group="load")
    def load_collection(self) -> None:
        """Parse the collection off the UI thread; the first screen does not wait for it."""
        from reader.cli import load

        collection = load(self.roots, use_cache=self.use_cache, slim=True)
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self._collection_loaded, collection)

    @work(exclusive=True, group="watch", exit_on_error=False)
    async def _watch_collection(self) -> None:
        """Live reload: files added, changed or removed appear, update or disappear."""
        try:
            from watchfiles import awatch
        except ImportError:  # pragma: no cover - watchfiles is a dependency
            return
        from reader.loader import ARTICLE_SUFFIXES

        roots = [root for root in self.roots if os.path.exists(root)]
        if not roots:
            return
        async for changes in awatch(*roots, debounce=300, step=100, recursive=True):
            relevant = [
                path
                for _, path in changes
                if os.path.splitext(path)[1].lower() in ARTICLE_SUFFIXES
                and not any(part.startswith(".") for part in Path(path).parts[-3:])
            ]
            if relevant and self._loaded:
                self.load_collection()

    def _collection_loaded(self, collection: Collection) -> None:
        keep = self.article_list.cursor_id if self._loaded else None
        keep_row = self.article_list.cursor_row
        previous_errors = len(self.collection.errors) if self._loaded else 0
        self.collection = collection
        self.articles = collection.articles
        self._by_id = {article.id: i for i, article in enumerate(self.articles)}
        self._related_index = {}
        self._indexes_by_url = {}
        for index, article in enumerate(self.articles):
            for _, url in article.urls.items():
                self._related_index.setdefault(canonical_url_key(url), article.id)
                self._indexes_by_url.setdefault(url, []).append(index)
            self._related_index.setdefault("title:" + article.title.casefold(), article.id)
        self._query_index = None
        self._full_cache.clear()
        if self.store is not None and not self._pending_saves:
            from reader.store import StoreError

            with contextlib.suppress(StoreError):  # bookkeeping: tried again at the next load
                self.store.mark_seen([article.id for article in self.articles])
        self.link_summary.clear()
        self.link_summary.update(summarize(self.articles, self.link_results))
        # The collection lives as long as the app: keep the cyclic GC from walking its hundreds of
        # thousands of objects on every full collection (each walk stalled a key by ~30 ms).
        gc.collect()
        gc.freeze()
        article_list = self.article_list
        article_list.set_articles(self.articles)
        self._loaded = True
        self._resort()
        if keep and not article_list.move_cursor_to_id(keep):
            article_list.cursor_row = min(keep_row, max(0, article_list.row_count - 1))
        self._show_detail(article_list.cursor_id)
        bar = self.query_one(QueryBar)
        if not (bar.display and bar.has_focus_within):
            article_list.focus()
        self._refresh_sidebar()
        if collection.errors and len(collection.errors) != previous_errors:
            self.notify(
                f"{len(collection.errors)} file(s) could not be read: press ! to see them",
                severity="warning",
                timeout=6,
            )

    # ------------------------------------------------------------------ the view

    def _resort(self) -> None:
        self._sorted = sort_indices(self.articles, self.sort_key, reverse=self.sort_reverse)
        self._refresh_view()

    def _refresh_view(self, *, keep_cursor: bool = True) -> None:
        """Recompute the visible rows: view, then search, in the current sort order."""
        if not self._loaded:
            return
        self._show_rows(self._compute_rows(self._query), keep_cursor=keep_cursor)

    def _compute_rows(self, query: Any) -> list[int]:
        states = self.states
        articles = self.articles
        view = self.view
        if view == "all":
            rows = list(self._sorted)
        else:
            rows = [i for i in self._sorted if in_view(view, states.get(articles[i].id, UNTOUCHED))]
        if query is not None and not query.is_empty:
            rows = self._select(rows, query)
        return rows

    def _show_rows(self, rows: list[int], *, keep_cursor: bool = True) -> None:
        self._shown = rows
        if self._query is not None and not self._query.is_empty:
            self.article_list.empty_message = "No article matches this search (Esc clears it)."
        else:
            self.article_list.empty_message = f"No articles in {VIEW_LABELS[self.view]}."
        self.article_list.set_order(rows, keep_cursor=keep_cursor)
        self._update_header()

    def _select(self, rows: list[int] | None, query: Any) -> list[int]:
        """The rows (None: every article) that `query` selects, in their order."""
        from reader.query import QueryContext, QueryIndex

        index = self._query_index
        if index is None:
            index = self._query_index = QueryIndex(self.articles)
        context = QueryContext(states=self.states, link_status=self.link_summary, now=self.clock())
        return index.select(query, context, within=rows)

    def _view_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(VIEWS, 0)
        states = self.states
        for article in self.articles:
            state = states.get(article.id, UNTOUCHED)
            counts["all"] += 1
            if state.archived:
                counts["archived"] += 1
            else:
                counts["inbox"] += 1
                if not state.read:
                    counts["unread"] += 1
            if state.starred:
                counts["starred"] += 1
        return counts

    def _update_header(self) -> None:
        header = self.header
        header.collection = collection_name(self.roots)
        header.view = VIEW_LABELS[self.view]
        header.counts = self._view_counts() if self._loaded else {}
        header.shown = len(self._shown)
        header.total = len(self.articles)
        header.problems = len(self.collection.errors)
        header.query = self.query_text
        header.sort = f"{self.sort_key} {'▲' if self._ascending() else '▼'}"
        header.loading = not self._loaded
        header.refresh_text()

    def _ascending(self) -> bool:
        descending_by_default = self.sort_key in ("date", "quality", "heat")
        return descending_by_default == self.sort_reverse

    def watch_view(self) -> None:
        self._refresh_view(keep_cursor=True)

    def watch_sort_key(self, key: str) -> None:
        self.article_list.sort_key = key
        self._resort()

    def watch_sort_reverse(self, value: bool) -> None:
        self.article_list.sort_reverse = value
        self._resort()

    # ------------------------------------------------------------------ detail follows cursor

    @on(ArticleList.Highlighted)
    def _highlighted(self, event: ArticleList.Highlighted) -> None:
        # Leading and trailing edge: a single key shows the article at once; while a key is
        # held (auto-repeat), only the list moves and the detail catches up when it stops.
        # The detail pane costs ~30 ms a change (layout and repaint); the list ~7 ms a key.
        self._pending_detail = event.article_id
        if self._detail_timer is None:
            # After the list's repaint: the cursor shows at once, the detail a frame later.
            self.call_after_refresh(self._show_detail, event.article_id)
            self._detail_timer = self.set_timer(DETAIL_SETTLE, self._detail_settled)
        else:
            self._detail_timer.reset()

    def _detail_settled(self) -> None:
        self._detail_timer = None
        shown = self.detail.article
        if (shown.id if shown else None) != self._pending_detail:
            self._show_detail(self._pending_detail)

    def _show_detail(self, article_id: str | None) -> None:
        article = self._full_article(self._article(article_id))
        self.detail.show(
            article,
            state=self._state(article_id),
            links=self.link_results,
            related_lookup=self._related_target,
        )
        if self._auto_check_timer is not None:
            self._auto_check_timer.stop()
            self._auto_check_timer = None
        if article is not None and self.auto_check_links and self._stale_links(article):
            # Only once the cursor rests: holding `j` must not start a check per article.
            self._auto_check_timer = self.set_timer(
                0.4, lambda: self._check_in_background([article], recheck=False, announce=False)
            )

    def _article(self, article_id: str | None) -> Article | None:
        if article_id is None:
            return None
        index = self._by_id.get(article_id)
        return self.articles[index] if index is not None else None

    def _full_article(self, article: Article | None) -> Article | None:
        """The complete article (the list keeps slim ones): read from its file, a few cached."""
        if article is None or not article.slim:
            return article
        full = self._full_cache.get(article.id)
        if full is None or full.path != article.path:
            from reader.loader import complete_article

            full = complete_article(article)
            self._full_cache[article.id] = full
            if len(self._full_cache) > 64:
                self._full_cache.pop(next(iter(self._full_cache)))
        return full

    def _state(self, article_id: str | None) -> TriageState:
        return self.states.get(article_id, UNTOUCHED) if article_id else UNTOUCHED

    def _related_target(self, related: RelatedArticle) -> str | None:
        for _, url in related.urls.items():
            target = self._related_index.get(canonical_url_key(url))
            if target:
                return target
        return self._related_index.get("title:" + related.title.casefold())

    @on(ArticleList.Selected)
    def _selected(self, event: ArticleList.Selected) -> None:
        self.action_open_detail()

    @on(ArticleList.SortRequested)
    def _sort_requested(self, event: ArticleList.SortRequested) -> None:
        if event.key == self.sort_key:
            self.sort_reverse = not self.sort_reverse
        else:
            self.set_reactive(ReaderApp.sort_reverse, False)
            self.article_list.sort_reverse = False
            self.sort_key = event.key

    @on(ArticleDetail.RelatedSelected)
    def _jump_to_related(self, event: ArticleDetail.RelatedSelected) -> None:
        self._jump_to(event.article_id)

    @on(ArticleDetail.LinkRequested)
    def _body_link(self, event: ArticleDetail.LinkRequested) -> None:
        self._open_url(event.url)

    def _jump_to(self, article_id: str) -> None:
        if not self.article_list.move_cursor_to_id(article_id):
            # Not in the current view or search: widen to everything, then jump.
            self.query_one(QueryBar).clear_query()
            self._set_query("")
            self.view = "all"
            self._refresh_view()
            self.article_list.move_cursor_to_id(article_id)
        self.article_list.focus()

    # ------------------------------------------------------------------ movement actions

    def action_open_detail(self) -> None:
        article_id = self.article_list.cursor_id
        if article_id is None:
            return
        self._set_state([article_id], read=True)
        self.detail.focus()

    def action_focus_list(self) -> None:
        self.article_list.focus()

    def action_switch_pane(self) -> None:
        if self.article_list.has_focus:
            self.detail.focus()
        else:
            self.article_list.focus()

    def action_next_unread(self) -> None:
        self._move_to_unread(step=1)

    def action_previous_unread(self) -> None:
        self._move_to_unread(step=-1)

    def _move_to_unread(self, *, step: int) -> None:
        article_list = self.article_list
        order = article_list.order
        row = article_list.cursor_row + step
        while 0 <= row < len(order):
            if not self._state(self.articles[order[row]].id).read:
                article_list.cursor_row = row
                return
            row += step
        self.notify("No more unread articles in this direction.", timeout=2)

    # ------------------------------------------------------------------ sort

    def action_cycle_sort(self) -> None:
        self.set_reactive(ReaderApp.sort_reverse, False)
        self.article_list.sort_reverse = False
        self.sort_key = next_sort_key(self.sort_key)

    def action_reverse_sort(self) -> None:
        self.sort_reverse = not self.sort_reverse

    # ------------------------------------------------------------------ triage

    def _set_state(
        self,
        ids: list[str],
        *,
        read: bool | None = None,
        starred: bool | None = None,
        archived: bool | None = None,
        then: Callable[[], None] | None = None,
    ) -> None:
        """Write to the store first (committed), then show the effect; `then` runs after that.
        (The store journals only real changes, so marking a read article read again leaves
        nothing to undo.)"""
        if not ids or self.store is None:
            return
        ids = list(ids)

        def write(store: Any) -> dict[str, TriageState]:
            changed: dict[str, TriageState] = {}
            if read is not None:
                changed.update(store.set_read(ids, read))
            if starred is not None:
                changed.update(store.set_starred(ids, starred))
            if archived is not None:
                changed.update(store.set_archived(ids, archived))
            return changed

        def apply(changed: dict[str, TriageState]) -> None:
            self.states.update(changed)
            self._after_state_change(ids)
            if then is not None:
                then()

        self._save(_triage_label(read, starred, archived, len(ids)), write, apply)

    def _after_state_change(self, ids: Sequence[str]) -> None:
        self.article_list.refresh_rows()
        current = self.article_list.cursor_id
        if current in ids:
            self.detail.update_state(self._state(current))
        self._update_header()
        self._refresh_sidebar()

    def _cursor_ids(self) -> list[str]:
        article_id = self.article_list.cursor_id
        return [article_id] if article_id else []

    def action_toggle_read(self) -> None:
        ids = self._cursor_ids()
        if ids:
            self._set_state(ids, read=not self._state(ids[0]).read)

    def action_toggle_star(self) -> None:
        ids = self._cursor_ids()
        if ids:
            self._set_state(ids, starred=not self._state(ids[0]).starred)

    def action_toggle_archive(self) -> None:
        ids = self._cursor_ids()
        if not ids:
            return
        archived = not self._state(ids[0]).archived
        article_list = self.article_list
        row = article_list.cursor_row
        order = list(article_list.order)

        def moved() -> None:
            if in_view(self.view, self._state(ids[0])):
                return
            # The row leaves the view: land on the next row (or the new last one).
            next_id = None
            if row + 1 < len(order):
                next_id = self.articles[order[row + 1]].id
            self._refresh_view(keep_cursor=False)
            if next_id is None or not article_list.move_cursor_to_id(next_id):
                article_list.cursor_row = min(row, max(0, article_list.row_count - 1))
            self.notify(
                "Archived (u to undo)" if archived else "Moved back to the inbox", timeout=2
            )

        self._set_state(ids, archived=archived, then=moved)

    def action_mark_all_read(self) -> None:
        ids = [self.articles[i].id for i in self.article_list.order]
        unread = [i for i in ids if not self._state(i).read]
        if not unread:
            self.notify("Every article in this view is already read.", timeout=2)
            return
        self._set_state(
            unread,
            read=True,
            then=lambda: self.notify(
                f"Marked {len(unread)} article(s) read (u to undo)", timeout=3
            ),
        )

    def action_undo(self) -> None:
        if self.store is None:
            return

        def write(store: Any) -> tuple[list[str], dict[str, TriageState]] | None:
            ids = store.undo()
            return None if not ids else (ids, {i: store.state(i) for i in ids})

        def apply(undone: tuple[list[str], dict[str, TriageState]] | None) -> None:
            if undone is None:
                self.notify("Nothing to undo.", timeout=2)
                return
            ids, states = undone
            self.states.update(states)
            self._refresh_view()
            self._after_state_change(ids)
            if len(ids) == 1:
                self.article_list.move_cursor_to_id(ids[0])
            self.notify(f"Undone ({len(ids)} article(s))", timeout=2)

        self._save("undo", write, apply)

    def action_edit_tags(self) -> None:
        article_id = self.article_list.cursor_id
        if article_id is None or self.store is None:
            return
        from reader.tui.screens.tags import TagsScreen

        def done(tags: list[str] | None) -> None:
            if tags is None:
                return

            def apply(state: TriageState) -> None:
                self.states[article_id] = state
                self._after_state_change([article_id])

            self._save("tags", lambda store: store.set_tags(article_id, tags), apply)

        from reader.store import StoreError

        try:
            known = self.store.all_tags()
        except StoreError:
            known = []
        self.push_screen(TagsScreen(list(self._state(article_id).tags), known), done)

    # ------------------------------------------------------------------ views and search

    def action_set_view(self, view: str) -> None:
        if view in VIEWS:
            self.view = view

    def action_search(self) -> None:
        self.query_one(QueryBar).open()

    @on(QueryBar.Changed)
    def _query_changed(self, event: QueryBar.Changed) -> None:
        self._set_query(event.text)

    def _set_query(self, text: str) -> None:
        from reader.query import QueryError, parse_query

        bar = self.query_one(QueryBar)
        try:
            query = parse_query(text)
        except QueryError as exc:
            # Keep the last good result; say what is wrong under the bar.
            self.query_error = str(exc)
            bar.show_error(self.query_error)
            return
        self.query_error = None
        bar.show_error(None)
        self.query_text = text.strip()
        self._query = query
        if len(self.articles) >= BACKGROUND_SEARCH and self._loaded:
            # Large collections filter in a thread: typing never waits for a slow query, and a
            # newer keystroke makes the older result moot.
            self._search_in_background(query)
        else:
            self._refresh_view()

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search_in_background(self, query: Any) -> None:
        rows = self._compute_rows(query)
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self._search_done, query, rows)

    def _search_done(self, query: Any, rows: list[int]) -> None:
        if query is self._query:  # else a newer keystroke is on its way
            self._show_rows(rows)

    @on(QueryBar.Done)
    def _query_done(self, event: QueryBar.Done) -> None:
        if event.cleared:
            self._set_query("")
        self.article_list.focus()

    @on(QueryBar.SaveRequested)
    def _save_search(self, event: QueryBar.SaveRequested) -> None:
        from reader.tui.screens.save_search import SaveSearchScreen

        text = event.text.strip()
        if not text or self.store is None:
            self.notify("Type a query first.", timeout=2)
            return

        def done(name: str | None) -> None:
            if not name:
                return

            def apply(_: object) -> None:
                self.notify(f"Saved search “{name}”", timeout=2)
                self._refresh_sidebar()

            self._save(f"saved search “{name}”", lambda store: store.save_search(name, text), apply)

        self.push_screen(SaveSearchScreen(text), done)

    def _saved_searches(self) -> list[tuple[str, str]]:
        from reader.store import StoreError

        try:
            return self.store.saved_searches() if self.store is not None else []
        except StoreError:
            return []

    def _refresh_sidebar(self) -> None:
        """New counts in the sidebar, when it shows (counting costs a query per saved search)."""
        sidebar = self.query_one(Sidebar)
        if sidebar.display:
            sidebar.update_facets(self.articles, self.states, self._saved_counted())

    def _saved_counted(self) -> list[tuple[str, str, int]]:
        """Saved searches with their unread counts, through the search index the list uses."""
        from reader.query import QueryError, parse_query

        counted = []
        for name, text in self._saved_searches():
            try:
                count = len(self._select(None, parse_query(text + " is:unread")))
            except QueryError:
                count = 0
            counted.append((name, text, count))
        return counted

    def action_toggle_sidebar(self) -> None:
        sidebar = self.query_one(Sidebar)
        sidebar.display = not sidebar.display
        if sidebar.display:
            self._refresh_sidebar()
            sidebar.focus_list()
        else:
            self.article_list.focus()

    @on(Sidebar.Chosen)
    def _sidebar_chosen(self, event: Sidebar.Chosen) -> None:
        if event.view is not None:
            self.view = event.view
            self.query_one(QueryBar).clear_query()
            self._set_query("")
        else:
            self.query_one(QueryBar).set_query(event.query or "")
            self._set_query(event.query or "")
        self.article_list.focus()

    # ------------------------------------------------------------------ links

    def _stale_links(self, article: Article) -> bool:
        now = datetime.now(UTC)
        for _, url in article.urls.items():
            result = self.link_results.get(url)
            if result is None or now - result.checked_at > LINK_MAX_AGE:
                return True
        return False

    def _check_in_background(
        self, articles: list[Article], *, recheck: bool, announce: bool
    ) -> None:
        ids = {article.id for article in articles}
        if not recheck and ids <= self._checking_ids:
            return
        self._checking_ids |= ids
        self._run_link_check(articles, recheck=recheck, announce=announce)

    def _run_link_check(self, articles: list[Article], *, recheck: bool, announce: bool) -> None:
        """Check on the link-check service's thread; results come back as messages."""
        total = len({url for _, _, url in article_links(articles)})
        progress = announce and total > 1
        if progress:
            self._progress_start(total)
        self._submit_check(articles, recheck=recheck, progress=progress)

    def _submit_check(
        self,
        articles: list[Article],
        *,
        recheck: bool,
        progress: bool,
        open_after: tuple[Article, bool] | None = None,
    ) -> None:
        service = self._link_service
        if service is None:
            return

        def post(message: Message) -> None:
            with contextlib.suppress(RuntimeError):  # the app's loop is gone: nobody to tell
                self.post_message(message)

        service.submit(
            articles,
            recheck=recheck,
            on_batch=lambda batch: post(self.LinksChecked(batch, progress)),
            on_done=lambda error: post(self.LinkCheckEnded(articles, progress, error, open_after)),
        )

    @on(LinksChecked)
    def _links_checked(self, event: LinksChecked) -> None:
        self._links_arrived(event.results, event.progress)

    @on(LinkCheckEnded)
    def _link_check_ended(self, event: LinkCheckEnded) -> None:
        if event.error is not None:
            self.notify(f"Link check failed: {event.error}", severity="error", timeout=5)
        if event.open_after is not None:
            article, prefer_amp = event.open_after
            self._open_choice(article, prefer_amp=prefer_amp)
            return
        self._check_finished(event.articles, event.progress)

    def _progress_start(self, total: int) -> None:
        bar = self.query_one("#check-progress", ProgressBar)
        bar.update(total=total, progress=0)
        bar.display = True

    def _links_arrived(self, results: list[LinkResult], progress: bool) -> None:
        touched_indexes: set[int] = set()
        for result in results:
            self.link_results[result.url] = result
            touched_indexes.update(self._indexes_by_url.get(result.url, ()))
        touched_articles = [self.articles[i] for i in touched_indexes]
        touched = {article.id for article in touched_articles}
        self.link_summary.update(summarize(touched_articles, self.link_results))
        if progress:
            self.query_one("#check-progress", ProgressBar).advance(len(results))
        self.article_list.refresh_rows()
        current = self.detail.article
        if current is not None and current.id in touched:
            self.detail.show_links(self.link_results)

    def _check_finished(self, articles: list[Article], progress: bool) -> None:
        self._checking_ids -= {article.id for article in articles}
        if progress:
            self.query_one("#check-progress").display = False
            broken = sum(1 for a in articles if self.link_summary.get(a.id) == "broken")
            self.notify(
                f"Checked {len(articles)} article(s): {broken} with broken links", timeout=4
            )

    def action_check_article(self) -> None:
        article = self._article(self.article_list.cursor_id)
        if article is not None:
            self.notify("Checking links…", timeout=1.5)
            self._check_in_background([article], recheck=True, announce=False)

    def action_check_view(self) -> None:
        articles = [self.articles[i] for i in self.article_list.order]
        if articles:
            self._check_in_background(articles, recheck=False, announce=True)

    def _choice(self, *, prefer_amp: bool) -> Any:
        from reader.browser import choose_link

        article = self._article(self.article_list.cursor_id)
        if article is None:
            return None, None
        return article, choose_link(article.urls, self.link_results, prefer_amp=prefer_amp)

    def action_open_link(self) -> None:
        self._open_best(prefer_amp=False)

    def action_open_amp(self) -> None:
        self._open_best(prefer_amp=True)

    def _open_best(self, *, prefer_amp: bool) -> None:
        article = self._article(self.article_list.cursor_id)
        if article is None:
            return
        if not article.urls.items():
            self.notify("This article has no URL.", severity="warning")
            return
        if self.auto_check_links and self._stale_links(article):
            # Prefer a link that is alive: find out first (off the UI thread), then open.
            self.notify("Checking links before opening…", timeout=2)
            self._check_then_open(article, prefer_amp=prefer_amp)
            return
        self._open_choice(article, prefer_amp=prefer_amp)

    def _check_then_open(self, article: Article, *, prefer_amp: bool) -> None:
        self._submit_check(
            [article], recheck=False, progress=False, open_after=(article, prefer_amp)
        )

    def _open_choice(self, article: Article, *, prefer_amp: bool) -> None:
        from reader.browser import choose_link

        choice = choose_link(article.urls, self.link_results, prefer_amp=prefer_amp)
        if choice is None:
            self.notify("No link of this article is alive; choose one.", severity="warning")
            self._push_chooser(article)
            return
        if self._open_url(choice.url):
            self._set_state([article.id], read=True)

    def _open_url(self, url: str) -> bool:
        """Open an http(s) URL in the browser (in a thread: a browser may take a while)."""
        from reader.links import is_checkable_url

        if not is_checkable_url(url):
            self.notify(f"Not opening a non-web link: {url[:80]}", severity="error")
            return False
        self.opened_urls.append(url)
        self._open_in_thread(url)
        return True

    @work(thread=True, group="browser", exit_on_error=False)
    def _open_in_thread(self, url: str) -> None:
        from reader.browser import open_in_browser

        try:
            opened = open_in_browser(url, opener=self.opener)
        except Exception:
            opened = False
        self.call_from_thread(self._opened, url, opened)

    def _opened(self, url: str, opened: bool) -> None:
        if opened:
            self.notify(f"Opened {url[:100]}", timeout=3)
            return
        # No browser (e.g. over SSH): put the URL on the clipboard with OSC 52 and show it.
        self.copy_to_clipboard(url)
        self.notify(f"No browser available; URL copied to the clipboard:\n{url}", timeout=8)

    def action_copy_link(self) -> None:
        """Copy what `o` would open; failing that, the first web link; never anything else
        (a `javascript:` URL that `o` refuses is not put on the clipboard either)."""
        from reader.browser import ordered_links

        article, choice = self._choice(prefer_amp=False)
        if article is None:
            return
        links = ordered_links(article.urls)
        url = choice.url if choice is not None else (links[0][1] if links else None)
        if not url:
            self.notify("This article has no web link to copy.", severity="warning")
            return
        self.copy_to_clipboard(url)
        self.notify(f"Copied {url}", timeout=3)

    def action_choose_link(self) -> None:
        article = self._article(self.article_list.cursor_id)
        if article is not None:
            self._push_chooser(article)

    def _push_chooser(self, article: Article) -> None:
        if not article.urls.items():
            self.notify("This article has no URL.", severity="warning")
            return
        from reader.tui.screens.link_chooser import LinkChooserScreen

        def chosen(url: str | None) -> None:
            if url and self._open_url(url):
                self._set_state([article.id], read=True)

        self.push_screen(LinkChooserScreen(article, self.link_results), chosen)

    # ------------------------------------------------------------------ app

    def action_help(self) -> None:
        from reader.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen())

    def action_show_problems(self) -> None:
        from reader.tui.screens.problems import ProblemsScreen

        if not self.collection.problems:
            self.notify("Every file loaded without problems.", timeout=2)
            return
        self.push_screen(ProblemsScreen(self.collection.problems))

    def action_reload(self) -> None:
        from reader.store import StoreError

        if self.store is not None:
            try:
                self.states = self._touched(self.store.states())
            except StoreError as exc:
                self.notify(f"State not reloaded: {exc.reason}", severity="warning", timeout=5)
        self.load_collection()

    def _poll_external_changes(self) -> None:
        """Another reader process wrote to the state file: show its changes."""
        from reader.store import StoreError

        if self.store is None or not self._loaded or self._pending_saves:
            return
        try:
            if not self.store.has_external_changes():
                return
            self.states = self._touched(self.store.states())
        except StoreError:
            return  # busy or failing for now: the next poll tries again
        self._refresh_view()
        self._after_state_change([])

    async def action_quit(self) -> None:
        self.exit(0)


def _triage_label(
    read: bool | None, starred: bool | None, archived: bool | None, count: int
) -> str:
    """What a triage change is called in a message: "star", "mark read (12 articles)"."""
    words = []
    if read is not None:
        words.append("mark read" if read else "mark unread")
    if starred is not None:
        words.append("star" if starred else "unstar")
    if archived is not None:
        words.append("archive" if archived else "unarchive")
    label = " and ".join(words)
    return f"{label} ({count} articles)" if count > 1 else label
