"""ReaderApp: a thin shell around the main screen.

The app owns what outlives a screen: the state file, the session it feeds, the link-check
service, the theme, the watch on the collection's folders and the poll for other processes'
changes. It loads the collection off the UI thread and hands it to the main screen
(:class:`reader.tui.screens.main.MainScreen`), which renders the session.
"""

from __future__ import annotations

import contextlib
import gc
import os
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import get_current_worker

from reader.check import LinkCheckService
from reader.early_load import EarlyLoad
from reader.model import Collection
from reader.session import PreparedCollection, SaveQueue, Session
from reader.settings import DEFAULTS, Settings
from reader.share import ShareTarget
from reader.sorting import SORT_KEYS
from reader.text import dump_json, sanitize
from reader.tui.actions import bindings_for
from reader.tui.commands import ReaderCommands
from reader.tui.screens.main import MainScreen
from reader.tui.share_work import ShareWork
from reader.tui.tones import readable_variables
from reader.tui.workers import LinkWork, install_daemon_executor
from reader.views import VIEWS

__all__ = ["ReaderApp"]


PROGRESS_SECONDS = 0.25
"""How often a cold load's "loading N of M files" moves: each repaint takes the GIL from the
parse."""


class ReaderApp(App[int]):
    """A keyboard-driven reader for a folder of articles."""

    TITLE = "reader"
    CSS_PATH = "app.tcss"
    COMMANDS: ClassVar = App.COMMANDS | {ReaderCommands}
    HORIZONTAL_BREAKPOINTS: ClassVar = [(0, "-narrow"), (100, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [
        *bindings_for("app"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        roots: Sequence[str],
        *,
        state_path: str | os.PathLike[str] | None = None,
        sort_key: str | None = None,
        reverse: bool = False,
        use_cache: bool = True,
        opener: Callable[[str], bool] | None = None,
        check_links: bool = True,
        now: Callable[[], datetime] | None = None,
        watch: bool = True,
        settings: Settings = DEFAULTS,
        keymap: dict[str, str] | None = None,
        config_problems: Sequence[str] = (),
        shares: Sequence[ShareTarget] = (),
        pipe_command: Sequence[str] = (),
        feeds_dir: Path | None = None,
        early_load: EarlyLoad | None = None,
    ) -> None:
        super().__init__()
        self.feeds_dir = feeds_dir
        self.early_load = early_load
        """A cold load the CLI started before this app existed: the first load takes it."""
        self.feed_work: Any = None
        self.keys_in_force: dict[str, str] = dict(keymap or {})
        """The config's `[keys]`: action id -> comma-separated keys (help, palette, footer)."""
        self.config_problems = list(config_problems)
        self.roots = list(roots)
        self.state_path = state_path
        self.use_cache = use_cache
        self.opener = opener
        self.check_links = check_links
        self.watch_files = watch
        self.settings = settings
        self.store: Any = None
        self.link_service: LinkCheckService | None = None
        self.rescue_path: Path | None = None
        """Where this session's state goes when the state file was lost under it."""
        self.session = Session(settings=settings, clock=now)
        if settings.default_view in VIEWS:
            self.session.view = settings.default_view
        self.sharing = ShareWork(
            self,
            self.session,
            shares=shares,
            pipe_command=pipe_command,
            url_for=lambda article: self.main.links.best_url(article),
        )
        if sort_key in SORT_KEYS:
            self.session.sort_key = sort_key
        self.session.sort_reverse = reverse
        self._start_view = self.session.view_key()

    def get_default_screen(self) -> Screen[Any]:
        return MainScreen(
            self.session,
            self.roots,
            links=lambda screen: LinkWork(
                screen, self.session, lambda: self.link_service, opener=self.opener
            ),
            auto_check_links=self.check_links,
            preview=self._first_screen,
        )

    @property
    def main(self) -> MainScreen:
        """The main screen (under any dialog that is open)."""
        screen = self.screen_stack[0]
        assert isinstance(screen, MainScreen)
        return screen

    # ------------------------------------------------------------------ life

    def on_load(self) -> None:
        install_daemon_executor()  # exit never waits for a thread worker (see tui/workers.py)
        self._open_store()

    def on_mount(self) -> None:
        if self.keys_in_force:
            self.set_keymap(self.keys_in_force)
        for index, target in enumerate(self.sharing.shares):
            if target.key:  # beside BINDINGS: the config's share targets
                self.bind(target.key, f"share({index})", description=target.name, show=False)
        if self.config_problems:
            shown = "; ".join(self.config_problems[:3])
            more = len(self.config_problems) - 3
            self.notify(
                f"Config: defaults for the broken parts: {shown}"
                + (f" (and {more} more)" if more > 0 else ""),
                title="Config",
                severity="warning",
                timeout=15,
            )
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        # With a first screen kept from the last run, after the first frame (the load's thread
        # would slow that frame down: the GIL); without one (a first run, a cold cache) there
        # is nothing to paint but "loading": the load starts at once.
        where = self._first_screen_file()
        if where is not None and where[0].exists():
            self.call_after_refresh(self.load_collection)
        else:
            self.load_collection()
        if self.store is not None:
            self.set_interval(self.settings.poll_seconds, self._poll_external_changes)

    def on_unmount(self) -> None:
        self._keep_first_screen()
        if self.rescue_path is not None:
            self._write_rescue()  # the state file was lost under us: keep what this session did
        # Cancels link checks without waiting for the network; thread workers are daemons.
        if self.link_service is not None:
            self.link_service.close()
        if self.store is not None:
            self.store.close()

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

    def _open_store(self) -> None:
        from reader.paths import default_state_path
        from reader.store import Store, StoreError

        settings = self.settings
        path = Path(self.state_path) if self.state_path else default_state_path()
        session = self.session
        theme = None
        try:
            self.store = session.store = Store.open(
                path, busy_timeout_ms=settings.app_busy_timeout_ms
            )
            session.load_state()
            theme = settings.theme or self.store.get_setting("theme")
        except StoreError as exc:
            if self.store is not None:
                self.store.close()
            self.store = session.store = _temporary_store()
            session.states, session.link_results = {}, {}
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
        elif settings.theme:
            known = ", ".join(sorted(self.available_themes))
            self.config_problems.append(f"theme {settings.theme!r} is not one of: {known}")
        session.saves = SaveQueue(
            self.store,
            schedule=self.set_timer,
            report=lambda message: self.notify(message, severity="error", timeout=8),
            retry_seconds=settings.save_retry_seconds,
        )
        self.link_service = LinkCheckService(self.store.path, settings=settings)

    def _state_file_changed(self, problem: str) -> None:
        """The state file was removed or replaced under the running app: the session goes on
        on a temporary state file holding everything so far, and what it holds is written as an
        export beside the state file now and on quit (`reader state import` merges it back).

        The path itself is never opened again in this session: SQLite ties a database to its
        `-wal` file by name, so a new file opened beside the old one's journal would show (and
        get) the old pages.
        """
        from reader.store import StoreError, states_export

        old, session = self.store, self.session
        path = old.path
        try:
            carried, searches = old.export_state(), old.saved_searches()
        except StoreError:  # its content is gone: what the screen shows is what there is
            carried, searches = states_export(session.states), []
        new = _temporary_store()
        with contextlib.suppress(StoreError):
            new.import_state(carried)
            for name, query in searches:
                new.save_search(name, query)
        with contextlib.suppress(Exception):
            old.close()
        if self.link_service is not None:
            self.link_service.close()
        self.store = session.store = new
        if session.saves is not None:
            session.saves.store = new
        self.link_service = LinkCheckService(new.path, settings=self.settings)
        self.rescue_path = path.with_name(
            f"{path.name}.session-{time.strftime('%Y%m%dT%H%M%S')}.json"
        )
        saved = self._write_rescue()
        where = (
            f"kept in {self.rescue_path} (merge it back with: reader state import FILE)"
            if saved
            else "kept for this session only"
        )
        self.notify(
            f"State file {path}: {problem}; changes are {where}.", severity="error", timeout=20
        )

    def _write_rescue(self) -> bool:
        """The temporary state as an export file at `rescue_path` (atomic); False on failure."""
        from reader.store import StoreError

        if self.rescue_path is None or self.store is None:
            return False
        temp = self.rescue_path.with_name(self.rescue_path.name + ".tmp")
        try:
            temp.write_text(dump_json(self.store.export_state()) + "\n", encoding="utf-8")
            os.replace(temp, self.rescue_path)
        except (OSError, StoreError):
            with contextlib.suppress(OSError):
                temp.unlink()
            return False
        return True

    def action_share(self, index: int) -> None:
        """A `[[share]]` target of the config, on the article under the cursor."""
        self.sharing.share(index, self.main.cursor_article())

    def action_pipe(self) -> None:
        self.sharing.pipe(self.main.cursor_article())

    def action_fetch_feeds(self) -> None:
        """`F`: every subscription, on a thread (reader/tui/feed_work.py)."""
        from reader.paths import default_feeds_dir
        from reader.tui.feed_work import FeedWork

        if self.feed_work is None:
            self.feed_work = FeedWork(self, self.feeds_dir or default_feeds_dir())
        self.feed_work.fetch()

    def get_css_variables(self) -> dict[str, str]:
        # Some shipped themes' accents are hard to read as text on their own grounds (orange on
        # light grey): the $text-* colours are darkened (or lightened) until they read.
        variables = readable_variables(super().get_css_variables())
        self.theme_variables = variables
        return variables

    def _remember_theme(self, theme: Any) -> None:
        from reader.store import StoreError

        if self.store is not None:
            with contextlib.suppress(StoreError):  # a preference: not worth a message
                self.store.set_setting("theme", getattr(theme, "name", str(theme)))

    # ------------------------------------------------------------------ the collection

    @work(thread=True, exclusive=True, group="load")
    def load_collection(self) -> None:
        """Parse the collection off the UI thread, and index and sort it there too: the UI
        thread only swaps it in (at 20,000 articles that work took it 0.4 s)."""
        from reader.collection import open_collection

        last = [0.0]

        def progress(done: int, total: int) -> None:  # on this thread: post, never wait
            now = time.monotonic()
            if now - last[0] >= PROGRESS_SECONDS or done >= total:
                last[0] = now
                self.post_message(LoadProgress(done, total))

        early, self.early_load = self.early_load, None
        if early is not None and early.matches(
            self.roots, use_cache=self.use_cache, settings=self.settings
        ):
            collection = early.result(progress)
        else:
            collection = open_collection(
                self.roots,
                use_cache=self.use_cache,
                slim=True,
                settings=self.settings,
                progress=progress,
            )
        if get_current_worker().is_cancelled:
            return
        enabled = gc.isenabled()
        gc.disable()  # the indexes are 100,000 new objects, none cyclic: no full walks meanwhile
        try:
            prepared = self.session.prepare(collection)
        finally:
            if enabled:
                gc.enable()
        import reader.loader  # noqa: F401 - here, not on the UI thread when the detail reads a file

        if not get_current_worker().is_cancelled:
            self.call_from_thread(self._collection_loaded, prepared)
            self.session.stamp_seen(collection)  # bookkeeping: after the rows are on screen

    def on_load_progress(self, message: LoadProgress) -> None:
        """A cold load is parsing: "loading 12,345 of 20,000 files" until the rows come."""
        header = self.main.header
        if header.pending:
            header.parsing = (message.done, message.total)
            header.refresh_text()

    def _collection_loaded(self, prepared: PreparedCollection) -> None:
        first = not self.session.loaded or self.session.preview
        self.main.show_collection(prepared.collection, prepared=prepared)
        self._keep_first_screen()
        if first and self.watch_files:
            self._watch_collection()  # from now on: its imports would have slowed the start
        # The collection lives as long as the app: keep the cyclic GC from walking its hundreds of
        # thousands of objects on every full collection (each walk stalled a key press). After
        # the frame that shows the rows: at 20,000 articles the walk takes a tenth of a second.
        self.call_after_refresh(_freeze_heap)

    def _first_screen_file(self) -> tuple[Path, str] | None:
        """Where this collection's first screenful is kept, and its key (None: not kept)."""
        from reader.first_screen import first_screen_key, first_screen_path
        from reader.paths import default_cache_dir

        if not self.use_cache or self.store is None or self.rescue_path is not None:
            return None
        _, _, sort_key, reverse, _ = self._start_view
        key = first_screen_key(
            self.roots, state_path=self.store.path, sort_key=str(sort_key), reverse=bool(reverse)
        )
        return first_screen_path(default_cache_dir(), key), key

    def _first_screen(self) -> Collection | None:
        """The rows kept from the last run, painted at once; the load replaces them."""
        from reader.first_screen import load_first_screen

        where = self._first_screen_file()
        articles = load_first_screen(*where) if where else None
        return Collection(articles=articles, roots=tuple(self.roots)) if articles else None

    def _keep_first_screen(self) -> None:
        """The start view's top rows, for the next start (only when they are what shows)."""
        from reader.first_screen import ROWS, save_first_screen

        session = self.session
        if not session.loaded or session.preview or session.view_key() != self._start_view:
            return
        where = self._first_screen_file()
        if where is not None:
            articles = session.articles
            save_first_screen(*where, [articles[i] for i in session.rows[:ROWS]])

    @work(exclusive=True, group="watch", exit_on_error=False)
    async def _watch_collection(self) -> None:
        """Live reload: files added, changed or removed appear, update or disappear."""
        try:
            from watchfiles import awatch
        except ImportError:  # pragma: no cover - watchfiles is a dependency
            return
        from reader.walk import ARTICLE_SUFFIXES

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
            if relevant and self.session.loaded and not self.session.preview:
                self.load_collection()

    def _poll_external_changes(self) -> None:
        """Another reader process wrote to the state file: show its changes."""
        from reader.store import StoreError, file_problem

        session = self.session
        if self.store is None or not session.loaded or session.preview:
            return
        if session.saves and session.saves.pending:
            return
        problem = file_problem(self.store)
        if problem is not None:
            self._state_file_changed(problem)
            return
        try:
            if self.store.has_external_changes():
                session.reload_states()
        except StoreError:
            return  # busy or failing for now: the next poll tries again

    # ------------------------------------------------------------------ actions

    def action_help(self) -> None:
        from reader.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen())

    def action_show_problems(self) -> None:
        from reader.tui.screens.problems import ProblemsScreen

        problems = self.session.collection.problems
        if not problems:
            self.notify("Every file loaded without problems.", timeout=2)
            return
        self.push_screen(ProblemsScreen(problems))

    def action_reload(self) -> None:
        from reader.store import StoreError

        try:
            self.session.load_state(links=False)
        except StoreError as exc:
            self.notify(f"State not reloaded: {exc.reason}", severity="warning", timeout=5)
        self.load_collection()

    async def action_quit(self) -> None:
        self.exit(0)

    def deliver_screenshot(
        self,
        filename: str | None = None,
        path: str | None = None,
        time_format: str | None = None,
    ) -> str | None:
        """The palette's "Screenshot": an SVG in the Downloads folder when there is one, else in
        the working directory (Textual's own gives up when ~/Downloads is missing); the
        notification names the file."""
        if path is None:
            from platformdirs import user_downloads_path

            downloads = user_downloads_path()
            path = str(downloads if downloads.is_dir() else Path.cwd())
        try:
            saved = self.save_screenshot(filename, path, time_format)
        except OSError as exc:
            self.notify(f"Screenshot not saved in {path}: {exc.strerror or exc}", severity="error")
            return None
        self.notify(f"Screenshot saved: {saved}", timeout=5)
        return saved


class LoadProgress(Message):
    """Files parsed of files to parse, posted by the load's thread."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total


def _freeze_heap() -> None:
    gc.collect()
    gc.freeze()


def _temporary_store() -> Any:
    """A state file of this session only, when the real one cannot be used."""
    import tempfile

    from reader.store import Store

    return Store.open(Path(tempfile.mkdtemp(prefix="reader-")) / "state.sqlite3")
