"""`?`: every key with what it does, generated from the action table.

One small table per group; on a wide terminal the groups sit side by side in columns (as many
as fit at `COLUMN_WIDTH` cells each), filled in order and balanced by height.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from reader.action_table import display_keys
from reader.share import ShareTarget
from reader.tui.actions import help_rows

COLUMN_WIDTH = 50
"""Cells one column of groups needs (the longest key, a gap, a readable description)."""


def help_groups(
    keymap: Mapping[str, str] | None = None,
    shares: Sequence[ShareTarget] = (),
) -> list[tuple[str, list[tuple[str, str]]]]:
    """(group, [(keys, what it does)]) in the action table's order, then the config's share
    targets (their names are the config's text, shown as text: `Text`, never markup)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for group, keys, text in help_rows(keymap):
        groups.setdefault(group, []).append((keys, text))
    for target in shares:
        groups.setdefault("Share", []).append(
            (display_keys(target.key) if target.key else "palette", f"Share: {target.name}")
        )
    return list(groups.items())


def _group_table(group: str, rows: list[tuple[str, str]], key_width: int) -> Table:
    table = Table(
        box=None,
        show_header=False,
        padding=(0, 2, 0, 0),
        expand=False,
        title=Text(group, style="bold underline"),
        title_justify="left",
    )
    table.add_column("keys", style="bold", no_wrap=True, width=key_width)
    table.add_column("action", width=COLUMN_WIDTH - key_width - 2)
    for keys, text in rows:
        table.add_row(Text(keys), Text(text))
    table.add_row("", "")
    return table


def split_columns(sizes: list[int], columns: int) -> list[list[int]]:
    """Indexes of `sizes` (in order) cut into at most `columns` runs of about equal total."""
    columns = max(1, min(columns, len(sizes)))
    total = sum(sizes)
    runs: list[list[int]] = [[]]
    filled = 0
    for index, size in enumerate(sizes):
        target = total * len(runs) / columns
        if runs[-1] and len(runs) < columns and filled + size / 2 > target:
            runs.append([])
        runs[-1].append(index)
        filled += size
    return runs


_GAP = 3


def help_table(
    columns: int = 1,
    keymap: Mapping[str, str] | None = None,
    shares: Sequence[ShareTarget] = (),
) -> Table:
    """Every group, in at most `columns` columns."""
    groups = help_groups(keymap, shares)
    runs = split_columns([len(rows) + 2 for _, rows in groups], columns)  # + title, gap
    grid = Table.grid(padding=(0, _GAP, 0, 0))
    for _ in runs:
        grid.add_column(vertical="top")
    key_width = max(cell_len(keys) for _, rows in groups for keys, _ in rows)
    cells = []
    for run in runs:
        column = Table.grid()
        for index in run:
            column.add_row(_group_table(*groups[index], key_width))
        cells.append(column)
    grid.add_row(*cells)
    return grid


QUERY_HELP = """\
Query language: words match title, excerpt, provider and topics; "quoted phrases";
topic:X  provider:X  category:X  type:X  tag:X  is:read|unread|starred|archived
has:original|amp|image|related|body  link:alive|broken|unchecked
quality>80  heat<=10  after:2024-01-01  before:2024-12-31  age<3d  age<12h
-term negates; OR between terms; ( ) group."""


class HelpScreen(ModalScreen[None]):
    AUTO_FOCUS = "#help-body"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
        Binding("j,down", "scroll('down')", "Down", show=False),
        Binding("k,up", "scroll('up')", "Up", show=False),
    ]

    columns = 1
    """How many columns of groups the help shows (set by the screen's width)."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(Text("Keys", style="bold"), id="help-title")
            yield Static(id="help-table")
            yield Static(Text(QUERY_HELP, style="dim"), id="help-query")

    def on_resize(self) -> None:
        # The dialog takes up to 95% of the width; inside it, border and padding take 6 cells
        # and the scrollbar 2.
        room = int(self.size.width * 0.95) - 8
        columns = self.columns = max(1, (room + _GAP) // (COLUMN_WIDTH + _GAP))
        body = self.query_one("#help-body", VerticalScroll)
        body.styles.width = min(room, columns * (COLUMN_WIDTH + _GAP)) + 8
        app = self.app
        sharing = getattr(app, "sharing", None)
        self.query_one("#help-table", Static).update(
            help_table(
                columns,
                getattr(app, "keys_in_force", None),
                sharing.shares if sharing is not None else (),
            )
        )

    def action_scroll(self, direction: str) -> None:
        body = self.query_one("#help-body", VerticalScroll)
        if direction == "down":
            body.scroll_down()
        else:
            body.scroll_up()
