"""A yes/no question before a large change (`R` on many articles): `y` or Enter, `n` or Esc."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes"),
        Binding("n,escape,q", "answer(False)", "No"),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="dialog"):
            yield Static(Text(self.question, style="bold"))
            if self.detail:
                yield Static(Text(self.detail, style="dim"))
            yield Static(Text("y / Enter: yes    n / Esc: no", style="italic"))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


def ask_if_many(
    app: Any, counts: tuple[int, int], question: str, then: Callable[[], object]
) -> None:
    """Run `then` at once when `counts` (how many, the most done without asking) allows it,
    else after a yes to `question`."""
    count, threshold = counts
    if count <= threshold:
        then()
        return
    app.push_screen(
        ConfirmScreen(question, "u undoes it in one step."), lambda yes: then() if yes else None
    )
