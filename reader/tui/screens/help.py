"""`?`: every key with what it does, generated from the action table."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from reader.tui.actions import help_rows


def help_table() -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0), expand=False)
    table.add_column("keys", style="bold", no_wrap=True)
    table.add_column("action")
    group = None
    for row_group, keys, text in help_rows():
        if row_group != group:
            if group is not None:
                table.add_row("", "")
            table.add_row(Text(row_group, style="bold underline"), "")
            group = row_group
        table.add_row(Text(keys), Text(text))
    return table


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

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(Text("Keys", style="bold"), id="help-title")
            yield Static(help_table(), id="help-table")
            yield Static(Text(QUERY_HELP, style="dim"), id="help-query")

    def action_scroll(self, direction: str) -> None:
        body = self.query_one("#help-body", VerticalScroll)
        if direction == "down":
            body.scroll_down()
        else:
            body.scroll_up()
