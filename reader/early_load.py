"""A cold load of the collection, started before the TUI exists.

On a cold start (no parse cache yet) parsing is the whole wait, and importing Textual and
building the first frame (a third of a second) can run beside it instead of before it. With a
warm cache the app paints the first screen kept from the last run at once, and a load running
beside that frame would only slow it down (the GIL): then nothing starts early.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence

from reader.model import Collection
from reader.settings import Settings

__all__ = ["EarlyLoad", "is_cold"]

Progress = Callable[[int, int], None]


def is_cold(roots: Sequence[str], *, use_cache: bool) -> bool:
    """Whether the app will parse before it can show anything: no cache at all (`--no-cache`),
    or a folder the parse cache has never seen."""
    if not use_cache:
        return True
    from reader.cache import cache_file_for

    return any(not cache_file_for(root).exists() for root in roots if os.path.isdir(root))


class EarlyLoad:
    """`open_collection` (slim, as the app loads) on a daemon thread of its own; the app takes
    the result with :meth:`result`, and until then hears the progress through it."""

    def __init__(self, roots: Sequence[str], *, use_cache: bool, settings: Settings) -> None:
        self.roots = tuple(roots)
        self.use_cache = use_cache
        self.settings = settings
        self._done = threading.Event()
        self._collection: Collection | None = None
        self._error: BaseException | None = None
        self._listener: Progress | None = None
        self._last: tuple[int, int] | None = None
        self._thread = threading.Thread(target=self._run, name="reader-early-load", daemon=True)

    @classmethod
    def start_if_cold(
        cls, roots: Sequence[str], *, use_cache: bool, settings: Settings
    ) -> EarlyLoad | None:
        """A started load when the start is cold (see :func:`is_cold`), else None."""
        if not is_cold(roots, use_cache=use_cache):
            return None
        from reader.cache.pool import start_standby

        start_standby()  # now, while this process has one thread: forked, not spawned
        return cls(roots, use_cache=use_cache, settings=settings).start()

    def start(self) -> EarlyLoad:
        self._thread.start()
        return self

    def matches(self, roots: Sequence[str], *, use_cache: bool, settings: Settings) -> bool:
        """Whether this is the load the app would have started itself."""
        return (
            self.roots == tuple(roots)
            and self.use_cache == use_cache
            and self.settings.pool_threshold == settings.pool_threshold
        )

    def result(self, progress: Progress | None = None) -> Collection:
        """The loaded collection, once the load ends (raises what the load raised); `progress`
        hears how far it is, from the last report on."""
        self._listener = progress
        last = self._last
        if progress is not None and last is not None:
            progress(*last)
        self._done.wait()
        if self._error is not None:
            raise self._error
        assert self._collection is not None
        return self._collection

    def _report(self, done: int, total: int) -> None:
        self._last = (done, total)
        listener = self._listener
        if listener is not None:
            listener(done, total)

    def _run(self) -> None:
        from reader.collection import open_collection

        try:
            self._collection = open_collection(
                self.roots,
                use_cache=self.use_cache,
                slim=True,
                settings=self.settings,
                progress=self._report,
            )
        except BaseException as error:  # handed to the app, which reports it as its own
            self._error = error
        finally:
            from reader.cache.pool import release_standby

            release_standby()  # not taken: too few files to pool
            self._done.set()
