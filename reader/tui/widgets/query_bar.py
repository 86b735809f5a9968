"""The search bar: the list filters live as the user types a query (see reader.query)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from reader.query import ends_in_field_name
from reader.tui.actions import bindings_for
from reader.tui.tones import tone


class QueryBar(Vertical):
    """An input above the list. Hidden until `/`; stays visible while a query is active."""

    BINDINGS: ClassVar[list[BindingType]] = bindings_for("search")

    @dataclass
    class Changed(Message):
        text: str

    @dataclass
    class Done(Message):
        """Enter (keep the query) or Esc (`cleared`)."""

        cleared: bool

    @dataclass
    class SaveRequested(Message):
        text: str

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder='search: words, "phrases", topic:AI quality>80 -is:read age<3d, OR, ( )',
            id="query-input",
        )
        yield Static(id="query-error")

    _deferred = False
    """The text ends in a field name being typed: not searched for yet."""

    def on_mount(self) -> None:
        self.query_one("#query-error").display = False

    @property
    def input(self) -> Input:
        return self.query_one("#query-input", Input)

    def open(self) -> None:
        self.display = True
        self.input.focus()

    def set_query(self, text: str) -> None:
        with self.input.prevent(Input.Changed):
            self.input.value = text
        self.display = bool(text)

    def clear_query(self) -> None:
        self.set_query("")
        self.show_error(None)

    def show_error(self, message: str | None) -> None:
        error = self.query_one("#query-error", Static)
        error.display = message is not None
        error.update(Text(message or "", style=tone(self, "error", bold=True)))

    @on(Input.Changed, "#query-input")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        # `quality>8` typed: at `quality` the word would match nothing and empty the list for a
        # keystroke; the last result stays until the term is complete (or Enter).
        self._deferred = ends_in_field_name(event.value)
        if not self._deferred:
            self.post_message(self.Changed(event.value))

    @on(Input.Submitted, "#query-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._deferred:
            self._deferred = False
            self.post_message(self.Changed(event.value))
        self.display = bool(event.value.strip())
        self.post_message(self.Done(cleared=False))

    def action_clear(self) -> None:
        self.clear_query()
        self.display = False
        self.post_message(self.Done(cleared=True))

    def action_save(self) -> None:
        self.post_message(self.SaveRequested(self.input.value))
