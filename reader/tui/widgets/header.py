"""The top bar: collection, view counts, how many rows are shown, sort, problems."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from reader.tui.formatting import sanitize
from reader.tui.tones import tone
from reader.views import VIEW_LABELS, VIEWS


class AppHeader(Static):
    """Plain attributes set by the app, then `refresh_text()`: one repaint per change."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.collection = ""
        self.view = "inbox"
        self.counts: dict[str, int] = {}
        self.shown = 0
        self.total = 0
        self.problems = 0
        self.query = ""
        self.sort = "date ▼"
        self.pending = True
        """The counts are not known yet (the collection is loading): "loading…" instead.
        (Not `loading`: that is Textual's own, which covers a widget with a spinner.)"""
        self.grouped = False
        """Grouped mode: rows and counts are stories."""
        self.parsing: tuple[int, int] | None = None
        """(files parsed, files to parse) while a cold load parses: "loading 1,234 of 20,000
        files"."""

    def on_resize(self) -> None:
        self.refresh_text()

    def refresh_text(self) -> None:
        wide = self.size.width >= 110
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" reader ", style="bold reverse")
        text.append(" ")
        text.append(sanitize(self.collection), style="bold")
        if self.pending:
            if self.parsing is not None:
                done, total = self.parsing
                text.append(f"  loading {done:,} of {total:,} files…", style="italic")
            else:
                text.append("  loading…", style="italic")
            text.append(f"  sort: {self.sort}", style="dim")
            self.update(text)
            return
        text.append("  ")
        if self.grouped:  # the counts are stories: so is the total
            total = self.counts.get("all", self.total)
            text.append(f"{self.shown:,} of {total:,} stories", style="bold")
        else:
            text.append(f"{self.shown:,} of {self.total:,}", style="bold")
        text.append("  ")
        for number, key in enumerate(VIEWS, start=1):
            label = VIEW_LABELS[key]
            count = self.counts.get(key, 0)
            if key == self.view:
                text.append(f" {number} {label} {count:,} ", style="bold reverse")
            elif wide:
                text.append(f" {number} {label} {count:,} ", style="dim")
            else:  # narrow: the other views by their key and count (`2:53`)
                text.append(f" {number}:{count:,}", style="dim")
        if self.problems:
            text.append(f"  ⚠ {self.problems} problem(s) (!)", style=tone(self, "error", bold=True))
        text.append(f"  sort: {self.sort}", style="dim")
        if self.query and not wide:
            text.append("  filtered", style="italic")
        self.update(text)
