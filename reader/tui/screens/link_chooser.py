"""`O`: every URL of the article with its check status; Enter opens the chosen one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from reader.link_status import format_status
from reader.model import Article, LinkResult, LinkStatus
from reader.tui.formatting import sanitize


class LinkChooserScreen(ModalScreen[str | None]):
    AUTO_FOCUS = "#links-options"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "cancel", "Cancel")]

    def __init__(self, article: Article, results: Mapping[str, LinkResult]) -> None:
        super().__init__()
        self.article = article
        self.results = results
        self.urls = [url for _, url in article.urls.items()]

    def compose(self) -> ComposeResult:
        with Vertical(id="links-dialog", classes="dialog"):
            yield Static(Text("Open which link?", style="bold"))
            options = []
            for kind, url in self.article.urls.items():
                result = self.results.get(url)
                prompt = Text(no_wrap=True, overflow="ellipsis")
                prompt.append(f"{kind.label:<8} ", style="bold")
                alive = result is not None and result.status is LinkStatus.ALIVE
                style = "green" if alive else ("dim" if result is None else "red")
                prompt.append(f"{format_status(result):<10} ", style=style)
                prompt.append(sanitize(url))
                options.append(Option(prompt))
            yield OptionList(*options, id="links-options")

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.urls[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)
