"""Where the app's slow work runs, so that it never holds the screen or the exit.

Textual runs thread workers (`@work(thread=True)`: loading, searching, opening a browser) in its
event loop's default executor, and `asyncio.run` waits for every thread of that executor before
the program may end: `q` during a slow load waited for the load. `DaemonExecutor` runs each job
on a daemon thread that nothing waits for. Link checks have their own thread
(:class:`reader.check.LinkCheckService`), cancelled on exit without waiting for the network.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["DaemonExecutor", "install_daemon_executor"]

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
