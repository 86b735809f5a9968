"""`O`: every URL of the article with its check status; Enter opens the chosen one.

The highlighted entry is the one `o` (or `a`) would open, so Enter alone does what the key
would; links known dead are dimmed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from reader.browser import choose_link, ordered_links
from reader.link_status import format_status
from reader.model import Article, LinkResult, LinkStatus
from reader.tui.formatting import sanitize
from reader.tui.tones import tone


class LinkChooserScreen(ModalScreen[str | None]):
    AUTO_FOCUS = "#links-options"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "cancel", "Cancel")]

    def __init__(
        self, article: Article, results: Mapping[str, LinkResult], *, prefer_amp: bool = False
    ) -> None:
        super().__init__()
        self.article = article
        self.results = results
        self.urls = [url for _, url in article.urls.items()]
        choice = choose_link(article.urls, results, prefer_amp=prefer_amp)
        preferred = ordered_links(article.urls, prefer_amp=prefer_amp)
        best = choice.url if choice is not None else (preferred[0][1] if preferred else None)
        self.preselected = self.urls.index(best) if best in self.urls else 0
        """The row highlighted on opening: what `o` / `a` would open, else the first of their
        order (every link is dead: the user picks)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="links-dialog", classes="dialog"):
            yield Static(Text("Open which link?", style="bold"))
            options = []
            for kind, url in self.article.urls.items():
                result = self.results.get(url)
                alive = result is not None and result.status is LinkStatus.ALIVE
                dead = result is not None and not alive
                prompt = Text(no_wrap=True, overflow="ellipsis", style="dim" if dead else "")
                prompt.append(f"{kind.label:<8} ", style="" if dead else "bold")
                if result is None:
                    style: Style | str = "dim"
                else:
                    style = tone(self, "success" if alive else "error")
                prompt.append(f"{format_status(result):<10} ", style=style)
                prompt.append(sanitize(url))
                options.append(Option(prompt))
            yield OptionList(*options, id="links-options")

    def on_mount(self) -> None:
        self.query_one("#links-options", OptionList).highlighted = self.preselected

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.urls[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)
