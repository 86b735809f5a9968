"""Textual's footer, keeping the hints that matter most when it is narrow.

Textual's footer shows the first bindings that fit; at 80 columns that lost Open, Help and
Quit behind Star and Archive. Below `NARROW` columns this one leaves out the action table's
second-rank hints (`Action.footer_rank`), so what is left are the keys a new user needs.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer

from reader.action_table import ACTIONS

__all__ = ["PriorityFooter"]

NARROW = 110
"""Below this many columns only the first-rank hints show (all of them fit at 120)."""

_SECOND_RANK = frozenset(a.action for a in ACTIONS if a.footer and a.footer_rank > 1)


class PriorityFooter(Footer):
    _narrow: bool | None = None

    def compose(self) -> ComposeResult:
        narrow = self._narrow = self.app.size.width < NARROW
        for widget in super().compose():
            if narrow and getattr(widget, "action", None) in _SECOND_RANK:
                continue
            yield widget

    def on_resize(self) -> None:
        if self._narrow is not None and (self.app.size.width < NARROW) != self._narrow:
            self.refresh(recompose=True)
