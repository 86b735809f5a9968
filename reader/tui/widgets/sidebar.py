"""The sidebar (`b`): saved searches, views, topic and provider facets, with unread counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from reader.model import UNTOUCHED, Article, TriageState
from reader.query import quote_value
from reader.session import Session
from reader.tui.formatting import sanitize
from reader.views import VIEW_LABELS, VIEWS, in_view


class _Entries(OptionList):
    """The sidebar's entries: `j`/`k` move as they do in the list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]


class Sidebar(Vertical):
    """Selecting an entry posts `Chosen` with a view name or a query."""

    @dataclass
    class Chosen(Message):
        view: str | None = None
        query: str | None = None
        saved: str | None = None
        """The saved search's name, when the entry was one (its count is over every article)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._targets: list[tuple[str | None, str | None]] = []
        self._saved: dict[int, str] = {}  # option index -> saved search name

    def compose(self) -> ComposeResult:
        yield _Entries(id="sidebar-options")

    def on_mount(self) -> None:
        self.display = False

    def focus_list(self) -> None:
        """Focus the entries, one of them highlighted (the first one that can be chosen)."""
        options = self.query_one(OptionList)
        options.focus()
        if options.highlighted is None:
            for index in range(options.option_count):
                if not options.get_option_at_index(index).disabled:
                    options.highlighted = index
                    break

    def show_counts(self, session: Session) -> None:
        """New counts from `session`, when the sidebar shows (counting costs a query per saved
        search)."""
        if self.display:
            session_counts = session.saved_search_counts(), session.unread_counts()
            self.update_facets(session.articles, session.states, *session_counts)

    def update_facets(
        self,
        articles: Sequence[Article],
        states: Mapping[str, TriageState],
        saved: Sequence[tuple[str, str, int]],
        views: Mapping[str, int],
    ) -> None:
        """Rebuild the entries; `saved`: (name, query, unread count) of each saved search, and
        `views`: unread articles per view, both counted by the session."""
        if not self.display:
            return

        unread_topics: Counter[str] = Counter()
        all_topics: Counter[str] = Counter()
        unread_providers: Counter[str] = Counter()
        all_providers: Counter[str] = Counter()
        for article in articles:
            state = states.get(article.id, UNTOUCHED)
            unread = in_view("unread", state)
            for topic in article.topics:
                all_topics[topic] += 1
                unread_topics[topic] += unread
            name = article.provider.name
            if name:
                all_providers[name] += 1
                unread_providers[name] += unread
        self._saved = {}
        options: list[Option | None] = []
        targets: list[tuple[str | None, str | None]] = []

        def heading(label: str) -> None:
            options.append(Option(Text(label, style="bold underline"), disabled=True))
            targets.append((None, None))

        def entry(label: str, count: int, target: tuple[str | None, str | None]) -> None:
            prompt = Text(no_wrap=True, overflow="ellipsis")
            prompt.append(sanitize(label))
            if count:
                prompt.append(f" {count}", style="bold cyan")
            options.append(Option(prompt))
            targets.append(target)

        if saved:
            heading("Saved searches")
            for name, text, count in saved:
                self._saved[len(targets)] = name
                entry(name, count, (None, text))
        heading("Views")
        for view in VIEWS:
            entry(VIEW_LABELS[view], views.get(view, 0), (view, None))
        heading("Topics")
        for topic, _ in sorted(all_topics.items(), key=lambda kv: (-kv[1], kv[0].casefold())):
            entry(topic, unread_topics[topic], (None, f"topic:{quote_value(topic)}"))
        heading("Providers")
        for name, _ in sorted(all_providers.items(), key=lambda kv: (-kv[1], kv[0].casefold()))[
            :50
        ]:
            entry(name, unread_providers[name], (None, f"provider:{quote_value(name)}"))
        option_list = self.query_one(OptionList)
        highlighted = option_list.highlighted
        option_list.clear_options()
        option_list.add_options(options)
        self._targets = targets
        if highlighted is not None and highlighted < len(options):
            option_list.highlighted = highlighted

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        view, query = self._targets[event.option_index]
        if view is not None or query is not None:
            saved = self._saved.get(event.option_index)
            self.post_message(self.Chosen(view=view, query=query, saved=saved))
