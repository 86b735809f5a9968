"""`!`: files that failed to load, with line and reason."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from reader.model import Problem
from reader.text import escape_path, sanitize
from reader.tui.tones import tone


def problems_text(
    problems: Sequence[Problem], *, error: Style | str = "red", warning: Style | str = "yellow"
) -> Text:
    """The problems grouped by file, in line order within each (`error` / `warning`: how a
    problem's severity is coloured)."""
    text = Text()
    errors = sum(1 for p in problems if p.severity == "error")
    text.append(
        f"{errors} file(s) could not be loaded, {len(problems) - errors} warning(s)\n\n",
        style="bold",
    )
    current = None
    for problem in problems:
        if problem.path != current:
            if current is not None:
                text.append("\n")
            current = problem.path
            text.append(escape_path(problem.path) + "\n", style="bold")
        where = f"line {problem.line}" if problem.line else "file"
        style = error if problem.severity == "error" else warning
        text.append(f"  {where:<9} ", style="dim")
        text.append(f"{problem.severity:<8}", style=style)
        text.append(sanitize(problem.message) + "\n")
    return text


class ProblemsScreen(ModalScreen[None]):
    AUTO_FOCUS = "#problems-body"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,exclamation_mark", "dismiss", "Close"),
        Binding("j,down", "scroll('down')", "Down", show=False),
        Binding("k,up", "scroll('up')", "Up", show=False),
    ]

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__()
        self.problems = list(problems)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="problems-body"):
            yield Static(Text("Problems", style="bold"), id="problems-title")
            styles = {"error": tone(self, "error"), "warning": tone(self, "warning")}
            yield Static(problems_text(self.problems, **styles), id="problems-list")

    def action_scroll(self, direction: str) -> None:
        body = self.query_one("#problems-body", VerticalScroll)
        if direction == "down":
            body.scroll_down()
        else:
            body.scroll_up()
