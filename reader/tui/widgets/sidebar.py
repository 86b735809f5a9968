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
from reader.tui.actions import bindings_for
from reader.tui.formatting import fit_cells, sanitize
from reader.tui.tones import tone
from reader.views import VIEW_LABELS, VIEWS, in_view


class _Entries(OptionList):
    """The sidebar's entries: `j`/`k` move as they do in the list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]


class Sidebar(Vertical):
    """Selecting an entry posts `Chosen` with a view name or a query; `e` renames and `d`
    deletes the highlighted saved search. Counts are unread articles, right-aligned."""

    BINDINGS: ClassVar[list[BindingType]] = bindings_for("sidebar")

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
        self._session: Session | None = None

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
        self._session = session
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

        # The entries' cells, less border and scrollbar (not laid out yet when just shown).
        outer = self.size.width or (self.styles.width.value if self.styles.width else 32)
        width = max(12, int(outer) - 4)

        def heading(label: str) -> None:
            prompt = Text(label, style="bold underline")
            if not options:
                prompt.append("unread".rjust(max(7, width - len(label))), style="dim")
            options.append(Option(prompt, disabled=True))
            targets.append((None, None))

        count_style = tone(self, "accent", bold=True)

        def entry(label: str, count: int, target: tuple[str | None, str | None]) -> None:
            number = f" {count:,}" if count else ""
            prompt = Text(no_wrap=True, overflow="ellipsis")
            prompt.append(fit_cells(sanitize(label), width - len(number)))
            prompt.append(number, style=count_style)
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

    # ------------------------------------------------------------------ saved searches

    def _highlighted_search(self) -> str | None:
        highlighted = self.query_one(OptionList).highlighted
        name = self._saved.get(highlighted) if highlighted is not None else None
        if name is None or self._session is None:
            self.notify("Highlight a saved search first.", timeout=2)
            return None
        return name

    def _refresh(self) -> None:
        if self._session is not None:
            self.show_counts(self._session)

    def action_rename_search(self) -> None:
        from reader.tui.screens.save_search import SaveSearchScreen

        name, session = self._highlighted_search(), self._session
        if name is None or session is None:
            return
        query = dict(session.saved_searches()).get(name, "")

        def renamed(new: str | None) -> None:
            if new and new != name:
                session.rename_search(name, new, then=self._refresh)

        self.app.push_screen(SaveSearchScreen(query, name=name, title="Rename search"), renamed)

    def action_delete_search(self) -> None:
        from reader.tui.screens.confirm import ConfirmScreen

        name, session = self._highlighted_search(), self._session
        if name is None or session is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                session.delete_search(name, then=self._refresh)

        self.app.push_screen(
            ConfirmScreen(f"Delete the saved search “{sanitize(name)}”?"), answered
        )
