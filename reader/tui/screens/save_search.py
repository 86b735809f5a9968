"""ctrl+s in the search bar: name the query to keep it in the sidebar."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Static

if TYPE_CHECKING:
    from reader.session import Session


def save_search(
    screen: Screen[Any], session: Session, text: str, *, saved: Callable[[], None]
) -> None:
    """ctrl+s: ask for a name, then keep `text` under it (`saved` runs once it is stored)."""
    if not text:
        screen.notify("Type a query first.", timeout=2)
        return

    def stored(name: str) -> None:
        screen.notify(f"Saved search “{name}”", timeout=2)
        saved()

    def done(name: str | None) -> None:
        if name:
            session.save_search(name, text, then=lambda: stored(name))

    screen.app.push_screen(SaveSearchScreen(text), done)


class SaveSearchScreen(ModalScreen[str | None]):
    AUTO_FOCUS = "#save-name"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, query: str, *, name: str = "", title: str = "Save search as") -> None:
        super().__init__()
        self.query_text = query
        self.initial_name = name
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="save-dialog", classes="dialog"):
            yield Static(Text(self.title_text, style="bold"))
            yield Static(Text(self.query_text, style="italic"))
            yield Input(value=self.initial_name, placeholder="name", id="save-name")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        name = " ".join(event.value.split())
        self.dismiss(name or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
