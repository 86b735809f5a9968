"""`F` in the app: fetch every feed on a thread, with a progress bar; say what came in.

The fetched files appear through a reload of the collection (the cursor stays on its article),
as live reload would show them; errors are one notification.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import Any

from reader.feeds.service import FeedReport, FetchOptions, fetch_into
from reader.feeds.subscriptions import Subscriptions
from reader.tui.workers import show_progress

__all__ = ["FeedWork"]


class FeedWork:
    def __init__(self, app: Any, feeds_dir: Path) -> None:
        self.app = app
        self.feeds_dir = feeds_dir
        self.running = False
        self.reports: list[FeedReport] = []
        """The last fetch's reports (tests read them)."""

    def fetch(self) -> None:
        app = self.app
        if self.running:
            app.notify("Already fetching the feeds…", timeout=2)
            return
        store = app.store
        total = len(Subscriptions(store)) if store is not None else 0
        if not total:
            app.notify(
                "No feeds yet: subscribe with 'reader feeds add URL' or "
                "'reader feeds import FILE.opml'.",
                severity="warning",
                timeout=6,
            )
            return
        self.running = True
        bar = show_progress(app.main, "fetch-progress", total)
        app.notify(f"Fetching {total:,} feed{'s' if total != 1 else ''}…", timeout=2)

        def advance(_: object) -> None:
            with contextlib.suppress(RuntimeError):
                app.call_from_thread(bar.advance, 1)

        def run() -> None:
            try:
                options = FetchOptions.from_settings(app.settings)
                reports = fetch_into(store, self.feeds_dir, options=options, fetched=advance)
            except Exception as exc:  # a failing disk or state file: said, never a dead thread
                reports = [FeedReport("", "error", error=f"{type(exc).__name__}: {exc}")]
            with contextlib.suppress(RuntimeError):  # the app has gone: nobody to tell
                app.call_from_thread(self._done, reports)

        threading.Thread(target=run, name="reader-fetch", daemon=True).start()

    def _done(self, reports: list[FeedReport]) -> None:
        self.running = False
        self.reports = reports
        app = self.app
        for bar in app.main.query("#fetch-progress"):
            bar.display = False
        new = sum(r.new for r in reports)
        updated = sum(r.updated for r in reports)
        failed = [r for r in reports if r.status == "error"]
        lines = [
            f"Fetched {len(reports) - len(failed):,} of {len(reports):,} feeds: "
            f"{new:,} new, {updated:,} updated."
        ]
        lines += [f"✗ {r.name or r.url}: {r.error}" for r in failed[:5]]
        if len(failed) > 5:
            lines.append(f"… and {len(failed) - 5} more (reader feeds list)")
        if (new or updated) and not self._shown():
            lines.append(f"They are in {self.feeds_dir} (reader with no path opens them).")
        app.notify("\n".join(lines), severity="warning" if failed else "information", timeout=8)
        if (new or updated) and self._shown():
            app.load_collection()

    def _shown(self) -> bool:
        """Whether the collection on screen holds the feeds folder."""
        here = os.path.realpath(self.feeds_dir)
        for root in app_roots(self.app):
            root = os.path.realpath(root)
            if here == root or here.startswith(root + os.sep):
                return True
        return False


def app_roots(app: Any) -> list[str]:
    return [str(root) for root in getattr(app, "roots", ())]
