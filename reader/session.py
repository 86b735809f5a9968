"""What the user is looking at and what they do to it, with no UI.

A `Session` holds the collection and the triage state, the current view, sort and query and the
rows they give, and answers what the panes ask (an article by id, its full text, the article a
related entry points at, counts per view). Its triage operations write through the store first
and change the session only once the store has them, so whatever a UI shows is saved.

The app renders a session and sends it the user's intents; the CLI drives one too (`reader list`
selects and sorts through it, `reader mark` changes state through it). A state file that another
process holds is the `SaveQueue`'s business: it retries a change in the background with backoff,
in order with later ones, and says in one line what could not be saved.
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from reader.link_status import summarize
from reader.model import (
    UNTOUCHED,
    Article,
    Collection,
    LinkResult,
    RelatedArticle,
    TriageState,
)
from reader.query import Query, QueryContext, QueryIndex
from reader.query import evaluate as query_evaluation
from reader.settings import DEFAULTS, Settings
from reader.sorting import SORT_KEYS, next_sort_key, sort_indices
from reader.store import Store, StoreBusy, StoreError
from reader.stories import group_rows, story_counts
from reader.views import VIEWS, in_view, unread_counts, view_counts

if TYPE_CHECKING:  # imported when stories are asked for: not on every start
    from reader.clusters import Clusters

__all__ = ["SaveQueue", "Session"]

_FULL_CACHE_SIZE = 64


class Session:
    """The collection, the state and the view, for one window or one command."""

    def __init__(
        self,
        store: Store | None = None,
        *,
        settings: Settings = DEFAULTS,
        clock: Callable[[], datetime] | None = None,
        saves: SaveQueue | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        # The query language's clock unless told otherwise (looked up at each call).
        self.clock: Callable[[], datetime] = clock or (lambda: query_evaluation.now())
        self.saves = saves
        """Where changes go when the store is busy (the app); None: errors reach the caller."""
        self.collection = Collection()
        self.states: dict[str, TriageState] = {}
        """Triage state of the articles the user did something with (the rest are untouched)."""
        self.link_results: dict[str, LinkResult] = {}
        self.link_summary: dict[str, str] = {}
        """article id -> "alive" | "broken" (absent: unchecked)."""
        self.view = "inbox"
        self.sort_key = settings.default_sort if settings.default_sort in SORT_KEYS else "date"
        self.sort_reverse = False
        self.query: Query | None = None
        self.rows: list[int] = []
        """The articles shown: indexes into `articles`, in order."""
        self.loaded = False
        self.preview = False
        """The rows are the first screenful kept from the last run (the load is under way)."""
        self._preview_view: tuple[object, ...] = ()
        self.on_states_changed: Callable[[Sequence[str]], None] | None = None
        """Called with the ids whose state changed (by this session or another process)."""
        self._sorted: list[int] = []
        self._by_id: dict[str, int] = {}
        self._url_indexes: tuple[dict[str, str], dict[str, list[int]]] | None = None
        self._query_index: QueryIndex | None = None
        self._full: dict[str, Article] = {}
        self.clusters: Clusters | None = None
        """The collection's stories (None: not found yet; `reader.stories.load_clusters`)."""
        self.clusters_for: str | None = None
        self.grouped = False
        """Grouped mode: each story once in the rows, counts count stories."""

    # ------------------------------------------------------------------ data

    @property
    def articles(self) -> list[Article]:
        return self.collection.articles

    @property
    def query_text(self) -> str:
        return self.query.text.strip() if self.query is not None else ""

    def load_state(self, *, links: bool = True) -> None:
        """Read triage state (and link results, unless not wanted) from the store; StoreError
        when that fails."""
        if self.store is None:
            return
        self.states = _touched(self.store.states(touched_only=True))
        if links:
            self.link_results = self.store.link_results(None, max_age=None)

    def reload_states(self) -> None:
        """Read triage state again (another process wrote it) and re-filter the rows."""
        if self.store is None:
            return
        self.states = _touched(self.store.states(touched_only=True))
        self.refresh()
        if self.on_states_changed is not None:
            self.on_states_changed([])

    def prepare(self, collection: Collection) -> PreparedCollection:
        """What `set_collection` computes from the articles alone (the id index, the order for
        the current sort), computed where the load ran: a worker thread, so that the UI thread
        only swaps it in. Read-only: the session is not changed."""
        articles = collection.articles
        key, reverse = self.sort_key, self.sort_reverse
        return PreparedCollection(
            collection,
            {article.id: i for i, article in enumerate(articles)},
            (key, reverse),
            sort_indices(articles, key, reverse=reverse),
            _url_indexes(articles),  # the first detail shown asks (its related entries)
        )

    def stamp_seen(self, collection: Collection) -> None:
        """Stamp the first sighting of the collection's articles (bookkeeping: a failure is
        tried again at the next load). Safe from a worker thread: the store serialises calls."""
        if self.store is not None and not (self.saves and self.saves.pending):
            with contextlib.suppress(StoreError):
                self.store.mark_seen([article.id for article in collection.articles])

    def set_collection(
        self,
        collection: Collection,
        *,
        mark_seen: bool = True,
        preview: bool = False,
        prepared: PreparedCollection | None = None,
    ) -> None:
        """Show a (re)loaded collection: indexes rebuilt, rows recomputed; its articles' first
        sighting stamped in the store (`mark_seen`). A `preview` is the first screenful kept
        from the last run (`reader.first_screen`), shown until the real load replaces it: its
        counts are not the collection's and nothing is stamped."""
        self.preview = preview
        if preview:
            mark_seen = False
            self._preview_view = self.view_key()
        self.collection = collection
        articles = collection.articles
        if prepared is not None and prepared.collection is not collection:
            prepared = None
        self._by_id = (
            prepared.by_id
            if prepared is not None
            else {article.id: i for i, article in enumerate(articles)}
        )
        # Built when first asked (a related entry, a link result), unless prepared.
        self._url_indexes = prepared.url_indexes if prepared is not None else None
        self._query_index = None
        self._full.clear()
        if collection.fingerprint is None or self.clusters_for != collection.fingerprint:
            self.clusters = None  # other files: found again when asked (the app asks in a worker)
        self.link_summary = summarize(articles, self.link_results) if self.link_results else {}
        if mark_seen:
            self.stamp_seen(collection)
        self.loaded = True
        if prepared is not None and prepared.sort == (self.sort_key, self.sort_reverse):
            self._sorted = prepared.sorted
            self.refresh()
        else:
            self.resort()

    # ------------------------------------------------------------------ the view

    def set_view(self, view: str) -> None:
        if view in VIEWS:
            self.view = view
            self.refresh()

    def set_sort(self, key: str, *, reverse: bool = False) -> None:
        if key not in SORT_KEYS:
            raise ValueError(f"unknown sort key {key!r}")
        self.sort_key, self.sort_reverse = key, reverse
        self.resort()

    def cycle_sort(self) -> None:
        """The next sort key, in its natural direction."""
        self.set_sort(next_sort_key(self.sort_key))

    def reverse_sort(self) -> None:
        self.set_sort(self.sort_key, reverse=not self.sort_reverse)

    def sort_by(self, key: str) -> None:
        """A click on a column: that key, or the other direction when it is the key already."""
        if key == self.sort_key:
            self.reverse_sort()
        else:
            self.set_sort(key)

    def set_query(self, query: Query | None) -> None:
        self.query = query if query is not None and not query.is_empty else None
        self.refresh()

    def resort(self) -> None:
        self._sorted = sort_indices(self.articles, self.sort_key, reverse=self.sort_reverse)
        self.refresh()

    def refresh(self) -> None:
        """Recompute the rows: the view, then the query, in the sort order. A preview holds the
        rows of the start view only: any other view waits for the load (no rows)."""
        if self.preview and self.view_key() != self._preview_view:
            self.rows = []
        elif self.loaded:
            self.rows = self.rows_for(self.query)

    def view_key(self) -> tuple[object, ...]:
        """What the rows depend on besides the data: view, search, sort, grouping."""
        return self.view, self.query_text, self.sort_key, self.sort_reverse, self.grouped

    def rows_for(self, query: Query | None) -> list[int]:
        """The rows the current view and sort give with `query` (read-only: may run in a
        thread while the UI goes on)."""
        states = self.states
        articles = self.articles
        view = self.view
        if view == "all":
            rows = list(self._sorted)
        else:
            rows = [i for i in self._sorted if in_view(view, states.get(articles[i].id, UNTOUCHED))]
        if query is not None and not query.is_empty:
            rows = self.select(rows, query)
        if self.grouped and self.clusters is not None:
            rows = group_rows(rows, articles, self.clusters)
        return rows

    def set_clusters(self, clusters: Clusters | None, fingerprint: str | None = None) -> None:
        """The stories of the collection now shown (found for the files `fingerprint` names)."""
        self.clusters = clusters
        self.clusters_for = fingerprint
        self._query_index = None
        self.refresh()

    def set_grouped(self, grouped: bool) -> None:
        self.grouped = grouped
        self.refresh()

    def story_ids(self, article_id: str) -> list[str]:
        """What triage on `article_id` applies to: its whole story in grouped mode (unless
        `Settings.story_triage` is off), else the article alone."""
        story = self.clusters.story_of(article_id) if self.clusters is not None else None
        if story is None or not self.grouped or not self.settings.story_triage:
            return [article_id]
        return list(story.members)

    def story_marker(self, article_id: str) -> str:
        """` +N` after a story's title in grouped mode: its N other sources."""
        story = self.clusters.story_of(article_id) if self.grouped and self.clusters else None
        return f" +{story.size - 1}" if story is not None else ""

    def story_sources(self, article_id: str | None) -> list[Article]:
        """The other articles of `article_id`'s story (lead first), when stories are known."""
        story = self.clusters.story_of(article_id) if self.clusters and article_id else None
        if story is None:
            return []
        found = (self.article(member) for member in story.members if member != article_id)
        return [article for article in found if article is not None]

    def select(self, rows: Sequence[int] | None, query: Query) -> list[int]:
        """The rows (None: every article) that `query` selects, in their order."""
        index = self._query_index
        if index is None:
            index = self._query_index = QueryIndex(self.articles)
        context = QueryContext(
            states=self.states,
            link_status=self.link_summary,
            now=self.clock(),
            clusters=self.clusters,
        )
        return index.select(query, context, within=rows)

    @property
    def searches_in_background(self) -> bool:
        """Whether a query on this collection is worth a thread (typing must never wait)."""
        return len(self.articles) >= self.settings.background_search

    def counts(self) -> dict[str, int]:
        """Articles per view (stories, in grouped mode)."""
        if self.grouped and self.clusters is not None:
            return story_counts(self.articles, self.states, self.clusters)
        return view_counts(self.articles, self.states)

    def unread_counts(self) -> dict[str, int]:
        """Unread articles per view."""
        return unread_counts(self.articles, self.states)

    def saved_searches(self) -> list[tuple[str, str]]:
        """(name, query) of each saved search; none when the store cannot say."""
        if self.store is None:
            return []
        try:
            return self.store.saved_searches()
        except StoreError:
            return []

    def saved_search_counts(self) -> list[tuple[str, str, int]]:
        """(name, query, unread articles it finds in the whole collection) per saved search."""
        from reader.query import QueryError, parse_query

        counted = []
        for name, text in self.saved_searches():
            try:
                count = len(self.select(None, parse_query(f"({text}) is:unread")))
            except QueryError:
                count = 0
            counted.append((name, text, count))
        return counted

    # ------------------------------------------------------------------ lookups

    def article(self, article_id: str | None) -> Article | None:
        if article_id is None:
            return None
        index = self._by_id.get(article_id)
        return self.articles[index] if index is not None else None

    def state(self, article_id: str | None) -> TriageState:
        return self.states.get(article_id, UNTOUCHED) if article_id else UNTOUCHED

    def full_article(self, article: Article | None) -> Article | None:
        """The complete article (the app keeps slim ones): read from its file, a few cached."""
        if article is None or not article.slim:
            return article
        full = self._full.get(article.id)
        if full is None or full.path != article.path:
            from reader.loader import complete_article

            full = complete_article(article)
            self._full[article.id] = full
            if len(self._full) > _FULL_CACHE_SIZE:
                self._full.pop(next(iter(self._full)))
        return full

    def related_target(self, related: RelatedArticle) -> str | None:
        """The id of the article in the collection that a related entry points at."""
        related_index = self._indexes()[0]
        for _, url in related.urls.items():
            target = related_index.get(_url_key(url))
            if target:
                return target
        return related_index.get("title:" + related.title.casefold())

    def _indexes(self) -> tuple[dict[str, str], dict[str, list[int]]]:
        """(canonical URL or title -> article id, URL -> article indexes): built on first use,
        because most sessions never ask and building them at 20k costs a tenth of a second."""
        if self._url_indexes is None:
            self._url_indexes = _url_indexes(self.articles)
        return self._url_indexes

    def next_unread(self, rows: Sequence[int], row: int, step: int) -> int | None:
        """The next row (after `row`, going `step`) whose article is unread, or None."""
        row += step
        while 0 <= row < len(rows):
            if not self.state(self.articles[rows[row]].id).read:
                return row
            row += step
        return None

    # ------------------------------------------------------------------ links

    def stale_links(self, article: Article) -> bool:
        """Whether any URL of the article is unchecked or checked too long ago."""
        current = self.clock()
        max_age = self.settings.link_max_age
        for _, url in article.urls.items():
            result = self.link_results.get(url)
            if result is None or current - result.checked_at > max_age:
                return True
        return False

    def add_link_results(self, results: Iterable[LinkResult]) -> set[str]:
        """Take new check results; returns the ids of the articles they concern."""
        touched_indexes: set[int] = set()
        indexes_by_url = self._indexes()[1]
        for result in results:
            self.link_results[result.url] = result
            touched_indexes.update(indexes_by_url.get(result.url, ()))
        touched = [self.articles[i] for i in touched_indexes]
        self.link_summary.update(summarize(touched, self.link_results))
        return {article.id for article in touched}

    # ------------------------------------------------------------------ triage

    def triage(
        self,
        ids: Sequence[str],
        *,
        read: bool | None = None,
        starred: bool | None = None,
        archived: bool | None = None,
        then: Callable[[], None] | None = None,
    ) -> None:
        """Set flags on articles: one undoable step each. (The store journals only real
        changes, so marking a read article read again leaves nothing to undo.)"""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return

        def write(store: Store) -> dict[str, TriageState]:
            changed: dict[str, TriageState] = {}
            if read is not None:
                changed.update(store.set_read(ids, read))
            if starred is not None:
                changed.update(store.set_starred(ids, starred))
            if archived is not None:
                changed.update(store.set_archived(ids, archived))
            return changed

        self._save(_triage_label(read, starred, archived, len(ids)), write, ids, then)

    def toggle(self, article_id: str, flag: str, *, then: Callable[[], None] | None = None) -> None:
        """Flip `read`, `starred` or `archived` for one article (its story, when grouped)."""
        current = getattr(self.state(article_id), flag)
        self.triage(self.story_ids(article_id), **{flag: not current}, then=then)

    def set_tags(
        self, article_id: str, tags: Sequence[str], *, then: Callable[[], None] | None = None
    ) -> None:
        ids = self.story_ids(article_id)
        self._save("tags", lambda store: store.set_tags_of(ids, tags), ids, then)

    def add_tag(self, ids: Sequence[str], tag: str) -> None:
        self._save(f"tag {tag}", lambda store: store.add_tag(ids, tag), ids, None)

    def remove_tag(self, ids: Sequence[str], tag: str) -> None:
        self._save(f"untag {tag}", lambda store: store.remove_tag(ids, tag), ids, None)

    def save_search(self, name: str, query: str, *, then: Callable[[], None] | None = None) -> None:
        """Save (or replace) a named search."""

        def write(store: Store) -> dict[str, TriageState]:
            store.save_search(name, query)
            return {}

        self._save("saved search", write, [], then)

    def rename_search(self, old: str, new: str, *, then: Callable[[], None] | None = None) -> None:
        """Give a saved search another name (its query kept)."""

        def write(store: Store) -> dict[str, TriageState]:
            query = dict(store.saved_searches()).get(old)
            if query is not None and new != old:
                store.save_search(new, query)
                store.delete_search(old)
            return {}

        self._save("rename search", write, [], then)

    def delete_search(self, name: str, *, then: Callable[[], None] | None = None) -> None:
        def write(store: Store) -> dict[str, TriageState]:
            store.delete_search(name)
            return {}

        self._save("delete search", write, [], then)

    def undo(self, then: Callable[[list[str] | None, str], None] | None = None) -> None:
        """Revert the newest step (whichever process made it); `then` gets the ids it touched
        (None when there was nothing to undo) and what the step was ("star", "mark read")."""
        undone: list[Any] = [None, ""]

        def write(store: Store) -> dict[str, TriageState]:
            step = store.peek_undo()
            ids = store.undo()
            undone[:] = [ids, step[0] if step else ""]
            return {i: store.state(i) for i in ids or ()}

        def after() -> None:
            if then is not None:
                then(undone[0], undone[1])

        self._save("undo", write, None, after)

    def _save(
        self,
        label: str,
        write: Callable[[Store], dict[str, TriageState]],
        ids: Sequence[str] | None,
        then: Callable[[], None] | None,
    ) -> None:
        if self.store is None:
            return

        def apply(changed: dict[str, TriageState]) -> None:
            # The rows are not re-filtered here: an article marked read in the Unread view
            # stays under the cursor until the view is shown again (`refresh`).
            self.states.update(changed)
            touched = list(changed) if ids is None else list(ids)
            if self.on_states_changed is not None:
                self.on_states_changed(touched)
            if then is not None:
                then()

        if self.saves is not None:
            self.saves.submit(label, write, apply)
        else:
            apply(write(self.store))


def _url_key(url: str) -> str:
    from reader.loader import canonical_url_key

    return canonical_url_key(url)


@dataclass(frozen=True, slots=True)
class PreparedCollection:
    """A loaded collection with what the session derives from its articles alone
    (`Session.prepare`)."""

    collection: Collection
    by_id: dict[str, int]
    sort: tuple[str, bool]
    """The (key, reverse) that `sorted` is in."""
    sorted: list[int]
    url_indexes: tuple[dict[str, str], dict[str, list[int]]]


def _url_indexes(articles: Sequence[Article]) -> tuple[dict[str, str], dict[str, list[int]]]:
    """(canonical URL or title -> article id, URL -> article indexes)."""
    from reader.loader import canonical_url_key

    related_index: dict[str, str] = {}
    indexes_by_url: dict[str, list[int]] = {}
    first = related_index.setdefault
    found = indexes_by_url.get
    for index, article in enumerate(articles):
        urls = article.urls  # the fields, not `items()`: this loop runs before the first frame
        for url in (urls.original, urls.web, urls.amp, urls.cdn_amp, urls.website):
            if url:
                first(canonical_url_key(url), article.id)
                known = found(url)
                if known is None:
                    indexes_by_url[url] = [index]
                else:
                    known.append(index)
        first("title:" + article.title.casefold(), article.id)
    return related_index, indexes_by_url


def _touched(states: Mapping[str, TriageState]) -> dict[str, TriageState]:
    """Only articles the user did something with: the rest are untouched (unread)."""
    return {
        article_id: state
        for article_id, state in states.items()
        if state.read or state.starred or state.archived or state.tags
    }


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


# ---------------------------------------------------------------------------- saving


@dataclass(slots=True)
class _Pending:
    label: str
    write: Callable[[Store], Any]
    apply: Callable[[Any], None]
    since: float


class SaveQueue:
    """Changes to the state file, saved in order, each shown only once it is saved.

    A change that finds the file busy waits in the queue (and later changes behind it); the
    queue asks again after 0.25 s, doubling to 2 s, for `retry_seconds`; then it drops what is
    waiting and reports one line: `state file busy; not saved: star, mark read`. Any other
    failure is reported at once for that change: `state file error; not saved: tags (...)`.
    `schedule(delay, callback)` runs the retries (the app: a timer on its loop).
    """

    def __init__(
        self,
        store: Store,
        *,
        schedule: Callable[[float, Callable[[], None]], object],
        report: Callable[[str], None],
        retry_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.schedule = schedule
        self.report = report
        self.retry_seconds = retry_seconds
        self.clock = clock
        self._queue: deque[_Pending] = deque()
        self._delay = 0.25

    @property
    def pending(self) -> bool:
        return bool(self._queue)

    def submit(
        self, label: str, write: Callable[[Store], Any], apply: Callable[[Any], None]
    ) -> None:
        if self._queue:  # keep the order of the changes
            self._queue.append(_Pending(label, write, apply, self.clock()))
            return
        try:
            result = write(self.store)
        except StoreBusy:
            self._queue.append(_Pending(label, write, apply, self.clock()))
            self._delay = 0.25
            self.schedule(self._delay, self._retry)
            return
        except StoreError as exc:
            self._not_saved([label], exc.reason)
            return
        apply(result)

    def _retry(self) -> None:
        while self._queue:
            pending = self._queue[0]
            try:
                result = pending.write(self.store)
            except StoreBusy:
                if self.clock() - pending.since >= self.retry_seconds:
                    labels = [p.label for p in self._queue]
                    self._queue.clear()
                    self._not_saved(labels, "state file busy")
                    return
                self._delay = min(self._delay * 2, 2.0)
                self.schedule(self._delay, self._retry)
                return
            except StoreError as exc:
                self._queue.popleft()
                self._not_saved([pending.label], exc.reason)
                continue
            self._queue.popleft()
            pending.apply(result)

    def _not_saved(self, labels: list[str], reason: str) -> None:
        what = ", ".join(dict.fromkeys(labels))
        if reason == "state file busy":
            self.report(f"state file busy; not saved: {what}")
        else:
            self.report(f"state file error; not saved: {what} ({reason})")
