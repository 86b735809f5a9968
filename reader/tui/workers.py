"""Where the app's slow work runs, so that it never holds the screen or the exit.

Textual runs thread workers (`@work(thread=True)`: loading, searching) in its event loop's
default executor, and `asyncio.run` waits for every thread of that executor before the program
may end: `q` during a slow load waited for the load. `DaemonExecutor` runs each job on a daemon
thread that nothing waits for. `LinkWork` checks, opens and copies links: checks on the
link-check service's own thread (:class:`reader.check.LinkCheckService`, cancelled on exit
without waiting for the network), browsers on daemon threads.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from textual.message import Message
from textual.screen import Screen

from reader.browser import choose_link, open_in_browser, ordered_links
from reader.check import LinkCheckService, article_links
from reader.links import is_checkable_url
from reader.model import Article, LinkResult
from reader.session import Session

__all__ = [
    "BrowserDone",
    "DaemonExecutor",
    "LinkCheckEnded",
    "LinkWork",
    "LinksChecked",
    "install_daemon_executor",
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

    def finished(self, articles: list[Article]) -> None:
        self._checking -= {article.id for article in articles}

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
            self.choose(article)
            return
        if self.open_url(choice.url):
            self.session.triage([article.id], read=True)

    def choose(self, article: Article) -> None:
        """`O`: every URL with its status; the one chosen is opened."""
        if not article.urls.items():
            self.screen.notify("This article has no URL.", severity="warning")
            return
        from reader.tui.screens.link_chooser import LinkChooserScreen

        def chosen(url: str | None) -> None:
            if url and self.open_url(url):
                self.session.triage([article.id], read=True)

        self.screen.app.push_screen(LinkChooserScreen(article, self.session.link_results), chosen)

    def open_url(self, url: str) -> bool:
        """Open an http(s) URL in the browser, on a daemon thread (a browser may take a while)."""
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

    def copy(self, article: Article) -> None:
        """`y`: what `o` would open; failing that, the first web link; never anything else
        (a `javascript:` URL that `o` refuses is not put on the clipboard either)."""
        choice = choose_link(article.urls, self.session.link_results)
        links = ordered_links(article.urls)
        url = choice.url if choice is not None else (links[0][1] if links else None)
        if not url:
            self.screen.notify("This article has no web link to copy.", severity="warning")
            return
        self.screen.app.copy_to_clipboard(url)
        self.screen.notify(f"Copied {url}", timeout=3)
