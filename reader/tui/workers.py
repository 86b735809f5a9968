"""Where the app's slow work runs, so that it never holds the screen or the exit.

Textual runs thread workers (`@work(thread=True)`: loading, searching) in its event loop's
default executor, and `asyncio.run` waits for every thread of that executor before the program
may end: `q` during a slow load waited for the load. `DaemonExecutor` runs each job on a daemon
thread that nothing waits for. `LinkWork` checks, opens and copies links: checks on the
link-check service's own thread (:class:`reader.check.LinkCheckService`, cancelled on exit
without waiting for the network), browsers on daemon threads. `ReadingWork` reads articles'
full text (reading mode) on daemon threads. `SearchWork` filters as the user types.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from textual.message import Message
from textual.screen import Screen
from textual.widgets import ProgressBar

from reader.browser import choose_link, open_in_browser, ordered_links
from reader.check import LinkCheckService, article_links
from reader.link_status import count_statuses
from reader.model import Article, Collection, LinkResult
from reader.query import Query, uses_clusters
from reader.session import Session
from reader.tui.widgets.article_detail import ArticleDetail

if TYPE_CHECKING:  # imported when used: httpx and the clustering are not for the first frame
    from reader.clusters import Clusters
    from reader.reading import ReadResult

__all__ = [
    "BrowserDone",
    "DaemonExecutor",
    "FullTextRead",
    "LinkCheckEnded",
    "LinkWork",
    "LinksChecked",
    "ReadingWork",
    "StoryWork",
    "install_daemon_executor",
    "show_progress",
]

_T = TypeVar("_T")


class DaemonExecutor(concurrent.futures.ThreadPoolExecutor):
    """An executor whose every job runs on a new daemon thread; shutting it down waits for none.

    (A subclass of ThreadPoolExecutor only because asyncio expects one as a default executor; it
    uses none of its pool.)
    """

    def __init__(self) -> None:
        super().__init__(max_workers=1, thread_name_prefix="reader-worker")

    def submit(  # type: ignore[override]
        self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any
    ) -> concurrent.futures.Future[_T]:
        future: concurrent.futures.Future[_T] = concurrent.futures.Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:
                future.set_exception(exc)
            else:
                future.set_result(result)

        threading.Thread(target=run, name="reader-worker", daemon=True).start()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Nothing to wait for: the threads are daemons, and the program may end under them."""


def show_progress(screen: Screen[Any], bar_id: str, total: int) -> ProgressBar:
    """A progress bar above the footer, at 0 of `total`: mounted when first needed (one widget
    less for the first frame), shown again after."""
    found = screen.query(f"#{bar_id}")
    if found:
        bar = found.first(ProgressBar)
    else:
        from textual.widgets import Footer

        bar = ProgressBar(id=bar_id, show_eta=False)
        screen.mount(bar, before=screen.query_one(Footer))
    bar.update(total=total, progress=0)
    bar.display = True
    return bar


def install_daemon_executor() -> None:
    """Make the running loop's default executor a `DaemonExecutor` (call from the app's loop)."""
    asyncio.get_running_loop().set_default_executor(DaemonExecutor())


# ---------------------------------------------------------------------------------------------
# Links: checking, opening, copying


@dataclass
class LinksChecked(Message):
    """A batch of link results from the link-check service (posted from its thread)."""

    results: list[LinkResult]
    progress: bool = False


@dataclass
class LinkCheckEnded(Message):
    """A link-check job ended; `open_after`: the article `o`/`a` waits to open (and whether it
    prefers the AMP copy)."""

    articles: list[Article]
    progress: bool
    error: str | None
    open_after: tuple[Article, bool] | None = None


@dataclass
class BrowserDone(Message):
    """The browser was asked to open `url`; `opened`: whether one did."""

    url: str
    opened: bool


class LinkWork:
    """Checking, opening and copying links for a screen: the one place that talks to the
    link-check service and the browser.

    Checks run on the service's thread and come back to `screen` as `LinksChecked` and
    `LinkCheckEnded` messages; a browser is started on a daemon thread and reports
    `BrowserDone`. Only http(s) URLs are ever opened or copied.
    """

    def __init__(
        self,
        screen: Screen[Any],
        session: Session,
        service: Callable[[], LinkCheckService | None],
        *,
        opener: Callable[[str], bool] | None = None,
    ) -> None:
        self.screen = screen
        self.session = session
        self.service = service
        """The link-check service (the app starts it once the state file is open)."""
        self.opener = opener
        self.opened_urls: list[str] = []
        """Every URL handed to the browser (newest last)."""
        self._checking: set[str] = set()
        self._watched: tuple[Article, Any] | None = None

    # ------------------------------------------------------------------ checking

    def check(self, articles: list[Article], *, recheck: bool, progress: bool) -> int:
        """Check the articles' links in the background; returns how many URLs that is (0 when
        the same articles are being checked already)."""
        ids = {article.id for article in articles}
        if not recheck and ids <= self._checking:
            return 0
        self._checking |= ids
        total = len({url for _, _, url in article_links(articles)})
        self._submit(articles, recheck=recheck, progress=progress and total > 1)
        return total

    def check_all(self, articles: list[Article]) -> None:
        """`C`: every article's links, with a progress bar above the footer."""
        total = self.check(articles, recheck=False, progress=True)
        if total <= 1:
            return
        show_progress(self.screen, "check-progress", total)

    def check_shown(self, article: Article, detail: Any) -> None:
        """`c`: check the shown article's links again; its Links heading says "checking…" until
        the check ends, then when it ended, and one line says how it went."""
        self._watched = (article, detail)
        detail.checking = True
        detail.show_links(self.session.link_results)
        self.check([article], recheck=True, progress=False)

    def _watched_ended(self, event: LinkCheckEnded) -> None:
        if self._watched is None:
            return
        article, detail = self._watched
        if article.id not in {a.id for a in event.articles}:
            return
        self._watched = None
        results = self.session.link_results
        counted = count_statuses(results.get(url) for _, url in article.urls.items())
        if detail.article is not None and detail.article.id == article.id:
            detail.checking = False
            detail.checked_at = time.strftime("%H:%M:%S")
            detail.show_links(results)
        self.screen.notify(f"Links checked: {counted}", timeout=3)

    def checked(self, event: LinksChecked, article_list: Any, detail: Any) -> None:
        """A batch of results: into the session, the progress bar, the list and the detail."""
        touched = self.session.add_link_results(event.results)
        if event.progress:
            for bar in self.screen.query("#check-progress").results(ProgressBar):
                bar.advance(len(event.results))
        article_list.refresh_rows()
        current = detail.article
        if current is not None and current.id in touched:
            detail.show_links(self.session.link_results)

    def ended(self, event: LinkCheckEnded) -> None:
        """A check job ended: open what waited for it, or say how the view's check went."""
        screen = self.screen
        if event.error is not None:
            screen.notify(f"Link check failed: {event.error}", severity="error", timeout=5)
        if event.open_after is not None:
            article, prefer_amp = event.open_after
            self.open_choice(article, prefer_amp=prefer_amp)
            return
        self._checking -= {article.id for article in event.articles}
        self._watched_ended(event)
        if event.progress:
            for bar in screen.query("#check-progress"):
                bar.display = False
            summary = self.session.link_summary
            dead = sum(1 for a in event.articles if summary.get(a.id) == "broken")
            results = self.session.link_results
            urls = {url for _, _, url in article_links(event.articles)}
            screen.notify(
                f"Checked {len(event.articles):,} article(s), {len(urls):,} links: "
                f"{count_statuses(results.get(url) for url in urls)}; "
                f"{dead:,} article(s) without a live link",
                timeout=6,
            )

    def _submit(
        self,
        articles: list[Article],
        *,
        recheck: bool,
        progress: bool,
        open_after: tuple[Article, bool] | None = None,
    ) -> None:
        service = self.service()
        if service is None:
            return
        screen = self.screen

        def post(message: Message) -> None:
            with contextlib.suppress(RuntimeError):  # the app's loop is gone: nobody to tell
                screen.post_message(message)

        service.submit(
            articles,
            recheck=recheck,
            on_batch=lambda batch: post(LinksChecked(batch, progress)),
            on_done=lambda error: post(LinkCheckEnded(articles, progress, error, open_after)),
        )

    # ------------------------------------------------------------------ opening and copying

    def open_best(self, article: Article, *, prefer_amp: bool, check_first: bool) -> None:
        """`o` / `a`: the best live link; unchecked or stale links are checked first."""
        if not article.urls.items():
            self.screen.notify("This article has no URL.", severity="warning")
            return
        if check_first and self.session.stale_links(article):
            self.screen.notify("Checking links before opening…", timeout=2)
            self._submit([article], recheck=False, progress=False, open_after=(article, prefer_amp))
            return
        self.open_choice(article, prefer_amp=prefer_amp)

    def open_choice(self, article: Article, *, prefer_amp: bool) -> None:
        choice = choose_link(article.urls, self.session.link_results, prefer_amp=prefer_amp)
        if choice is None:
            self.screen.notify("No link of this article is alive; choose one.", severity="warning")
            self.choose(article, prefer_amp=prefer_amp)
            return
        if self.open_url(choice.url):
            self.session.triage([article.id], read=True)

    def choose(self, article: Article, *, prefer_amp: bool = False) -> None:
        """`O`: every URL with its status, the one `o` (`a`: `prefer_amp`) would open
        highlighted; the one chosen is opened."""
        if not article.urls.items():
            self.screen.notify("This article has no URL.", severity="warning")
            return
        from reader.tui.screens.link_chooser import LinkChooserScreen

        def chosen(url: str | None) -> None:
            if url and self.open_url(url):
                self.session.triage([article.id], read=True)

        chooser = LinkChooserScreen(article, self.session.link_results, prefer_amp=prefer_amp)
        self.screen.app.push_screen(chooser, chosen)

    def open_url(self, url: str) -> bool:
        """Open an http(s) URL in the browser, on a daemon thread (a browser may take a while)."""
        from reader.links import is_checkable_url

        if not is_checkable_url(url):
            self.screen.notify(f"Not opening a non-web link: {url[:80]}", severity="error")
            return False
        self.opened_urls.append(url)
        screen, opener = self.screen, self.opener

        def run() -> None:
            try:
                opened = open_in_browser(url, opener=opener)
            except Exception:
                opened = False
            with contextlib.suppress(RuntimeError):
                screen.post_message(BrowserDone(url, opened))

        threading.Thread(target=run, name="reader-browser", daemon=True).start()
        return True

    def browser_done(self, event: BrowserDone) -> None:
        if event.opened:
            self.screen.notify(f"Opened {event.url[:100]}", timeout=3)
            return
        # No browser (e.g. over SSH): put the URL on the clipboard with OSC 52 and show it.
        self.screen.app.copy_to_clipboard(event.url)
        self.screen.notify(
            f"No browser available; URL copied to the clipboard:\n{event.url}", timeout=8
        )

    def best_url(self, article: Article) -> str | None:
        """What `o` would open; failing that, the first web link (`y`, `{url}` of a share)."""
        choice = choose_link(article.urls, self.session.link_results)
        links = ordered_links(article.urls)
        return choice.url if choice is not None else (links[0][1] if links else None)

    def copy(self, article: Article) -> None:
        """`y`: what `o` would open; failing that, the first web link; never anything else
        (a `javascript:` URL that `o` refuses is not put on the clipboard either)."""
        url = self.best_url(article)
        if not url:
            self.screen.notify("This article has no web link to copy.", severity="warning")
            return
        self.screen.app.copy_to_clipboard(url)
        self.screen.notify(f"Copied {url}", timeout=3)


# ---------------------------------------------------------------------------------------------
# Reading mode: an article's full text


@dataclass
class FullTextRead(Message):
    """An article's full text was read, or could not be (`result.error`); posted from a thread."""

    result: ReadResult


class ReadingWork:
    """Reads articles' full text for a screen, never on its thread.

    A result read in this session comes from memory at once. Anything else runs on a daemon
    thread with its own event loop (the way link checks run: quitting never waits for a page)
    and comes back as a `FullTextRead`; the on-disk cache is read there too. The screen decides
    whether the result is still wanted: the cursor may have moved on.
    """

    MEMORY = 64
    """Results kept in memory (each at most a few hundred KB of text)."""

    def __init__(
        self,
        screen: Screen[Any],
        session: Session,
        cache_dir: Path,
        detail: Callable[[], ArticleDetail],
    ) -> None:
        self.screen = screen
        self.session = session
        self.cache_dir = cache_dir
        self.detail = detail
        self._memory: OrderedDict[str, ReadResult] = OrderedDict()
        self._running: set[str] = set()

    def known(self, article_id: str) -> ReadResult | None:
        """The result of this session's last read of the article, if any."""
        result = self._memory.get(article_id)
        if result is not None:
            self._memory.move_to_end(article_id)
        return result

    def show(self, article: Article) -> None:
        """Put `article`'s full text in the detail pane: from memory when this session read it,
        else fetched in the background (a failure is tried again: the page may be back)."""
        known = self.known(article.id)
        if known is not None and known.error is None:
            self.detail().show_full_text(known)
            return
        self.read(article)
        self.detail().show_fetching(self.tried(article))

    def tried(self, article: Article) -> list[str]:
        """The URLs a read of `article` tries, in order."""
        from reader.reading import readable_links

        return [url for _, url in readable_links(article, self.session.link_results)]

    def arrived(self, result: ReadResult) -> None:
        """A read ended (the screen calls this on each `FullTextRead`): keep the result, and
        show it if its article is still the one in the pane (the pane checks that too)."""
        self._running.discard(result.id)
        self._memory[result.id] = result
        self._memory.move_to_end(result.id)
        while len(self._memory) > self.MEMORY:
            self._memory.popitem(last=False)
        detail = self.detail()
        if detail.article is not None and detail.article.id == result.id:
            detail.show_full_text(result, self.tried(detail.article))

    def read(self, article: Article, *, refresh: bool = False) -> bool:
        """Start reading `article` (False: a read of it is already running)."""
        if article.id in self._running:
            return False
        self._running.add(article.id)
        from reader.reading import ReadingCache, ReadResult, read_articles

        settings = self.session.settings
        links = dict(self.session.link_results)  # a copy: the UI thread goes on adding to it
        cache = ReadingCache(self.cache_dir)
        screen = self.screen

        def run() -> None:
            try:
                [result] = asyncio.run(
                    read_articles(
                        [article],
                        cache=cache,
                        results=links,
                        refresh=refresh,
                        timeout=settings.reading_timeout,
                        per_host=settings.reading_per_host,
                    )
                )
            except Exception as exc:  # a bug must not kill the thread silently
                result = ReadResult.failed(article, f"reading failed: {exc}")
            with contextlib.suppress(RuntimeError):  # the app's loop is gone: nobody to tell
                screen.post_message(FullTextRead(result))

        threading.Thread(target=run, name="reader-reading", daemon=True).start()
        return True


# ---------------------------------------------------------------------------------------------
# Grouped mode: story clusters


class StoryWork:
    """Grouped mode (`z`) for a screen: the stories are found on a daemon thread (a cold
    100,000 articles take seconds; a warm start reads one cache file), then the rows group.

    `refresh` is the screen's repaint of rows, counts and header. The stories are found again
    for each new collection (files changed) while grouped mode, or a query that needs them
    (`has:duplicates`, `cluster:`), is on.
    """

    def __init__(self, screen: Screen[Any], session: Session, refresh: Callable[[], None]):
        self.screen = screen
        self.session = session
        self.refresh = refresh
        self.wanted = False
        """Grouped mode was asked for (it shows once the stories are found)."""
        self._finding: Collection | None = None

    def toggle(self) -> None:
        session = self.session
        self.wanted = not (session.grouped or self.wanted)
        if not self.wanted:
            session.set_grouped(False)
            self.refresh()
            self.screen.notify("Every article shown (z groups each story's articles)", timeout=2)
        elif self._known():
            self._group()
        else:
            self.screen.notify("Finding the stories…", timeout=3)
            self.find()

    def needed_by(self, query: Query | None) -> None:
        """A query that asks about stories: find them if they are not known."""
        if query is not None and uses_clusters(query) and not self._known():
            self.find()

    def collection_changed(self) -> None:
        """New files: their stories, when grouped mode or the query needs them."""
        query = self.session.query
        if self.wanted or self.session.grouped or (query is not None and uses_clusters(query)):
            self.find()

    def _known(self) -> bool:
        return self.session.clusters is not None

    def find(self) -> None:
        collection = self.session.collection
        if self._finding is collection:
            return
        self._finding = collection
        app = self.screen.app
        use_cache = getattr(app, "use_cache", True)  # --no-cache: neither read nor write it

        def run() -> None:
            from reader.stories import load_clusters

            try:
                clusters = load_clusters(collection, use_cache=use_cache)
            except Exception as exc:  # a failing cache folder must not kill the thread silently
                with contextlib.suppress(RuntimeError):
                    app.call_from_thread(self._failed, collection, str(exc))
                return
            with contextlib.suppress(RuntimeError):  # the app has gone: nobody to tell
                app.call_from_thread(self._found, collection, clusters)

        threading.Thread(target=run, name="reader-stories", daemon=True).start()

    def _found(self, collection: Collection, clusters: Clusters) -> None:
        if self._finding is collection:
            self._finding = None
        if collection is not self.session.collection:
            return  # a newer load is shown: its own search is on its way
        self.session.set_clusters(clusters, collection.fingerprint)
        if self.wanted:
            self._group()
        else:
            self.refresh()

    def _failed(self, collection: Collection, error: str) -> None:
        if self._finding is collection:
            self._finding = None
        self.wanted = False
        self.screen.notify(f"Stories not found: {error}", severity="error", timeout=6)

    def _group(self) -> None:
        session = self.session
        session.set_grouped(True)
        self.refresh()
        clusters = session.clusters
        told = sum(story.size for story in clusters.stories) if clusters is not None else 0
        count = len(clusters) if clusters is not None else 0
        stories = f"{count:,} {'story' if count == 1 else 'stories'}"
        self.screen.notify(
            f"Grouped: {stories} told by {told:,} articles shown once (z: every article)",
            timeout=3,
        )


class SearchWork:
    """Search as the user types: each query's rows, from 10,000 articles up filtered on a
    thread (typing never waits for a slow query; a newer keystroke makes the older result
    moot). `shown(keep_cursor)` is the screen's repaint of the rows."""

    def __init__(self, screen: Screen[Any], session: Session, shown: Callable[[bool], None]):
        self.screen = screen
        self.session = session
        self.shown = shown
        self._pending: Query | None = None

    def run(self, query: Query, *, keep_cursor: bool = False) -> None:
        session = self.session
        self._pending = query
        if session.searches_in_background and session.loaded:
            self.screen.run_worker(
                lambda: self._filter(query, keep_cursor),
                thread=True,
                exclusive=True,
                group="search",
                exit_on_error=False,
            )
        else:
            session.set_query(query)
            self.shown(keep_cursor)

    def _filter(self, query: Query, keep_cursor: bool) -> None:
        from textual.worker import get_current_worker

        rows = self.session.rows_for(query)
        if not get_current_worker().is_cancelled:
            self.screen.app.call_from_thread(self._done, query, rows, keep_cursor)

    def _done(self, query: Query, rows: list[int], keep_cursor: bool) -> None:
        if query is self._pending:  # else a newer keystroke is on its way
            session = self.session
            session.query = query if not query.is_empty else None
            session.rows = rows
            self.shown(keep_cursor)
