"""`t`: edit an article's tags, with completion from tags already in use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Static

from reader.text import sanitize

if TYPE_CHECKING:
    from textual.app import App

    from reader.session import Session


def edit_tags(app: App[Any], session: Session, article_id: str | None) -> None:
    """`t`: the dialog on the article's tags (completing from those in use), then save them."""
    if article_id is None or session.store is None:
        return
    from reader.store import StoreError

    def done(tags: list[str] | None) -> None:
        if tags is not None:
            session.set_tags(article_id, tags)

    try:
        known = session.store.all_tags()
    except StoreError:
        known = []
    app.push_screen(TagsScreen(list(session.state(article_id).tags), known), done)


def split_tags(text: str) -> list[str]:
    """`work, ai-ethics later` -> ['work', 'ai-ethics', 'later'] (commas or spaces)."""
    tags: list[str] = []
    for part in text.replace(",", " ").split():
        tag = part.strip().lstrip("#")
        if tag and tag.casefold() not in {t.casefold() for t in tags}:
            tags.append(tag)
    return tags


class LastTagSuggester(Suggester):
    """Completes the tag being typed (the last word) from the known tags."""

    def __init__(self, known: list[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.known = known

    async def get_suggestion(self, value: str) -> str | None:
        if not value or value[-1] in " ,":
            return None
        head, _, last = value.rpartition(" ")
        head_part, comma, last_part = last.rpartition(",")
        prefix = last_part.lstrip("#").casefold()
        if not prefix:
            return None
        for tag in self.known:
            if tag.casefold().startswith(prefix) and tag.casefold() != prefix:
                before = (head + " " if head else "") + (head_part + comma if comma else "")
                return before + tag
        return None


class TagsScreen(ModalScreen[list[str] | None]):
    AUTO_FOCUS = "#tags-input"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, tags: list[str], known: list[str]) -> None:
        super().__init__()
        self.tags = tags
        self.known = known

    def compose(self) -> ComposeResult:
        with Vertical(id="tags-dialog", classes="dialog"):
            yield Static(Text("Tags (space or comma separated; → completes)", style="bold"))
            current = " ".join(sanitize(tag) for tag in self.tags)
            # Not selected, the cursor after a separator: typing adds a tag, never replaces them.
            yield Input(
                current + " " if current else "",
                placeholder="e.g. work later ai-ethics",
                suggester=LastTagSuggester(self.known),
                select_on_focus=False,
                id="tags-input",
            )
            if self.known:
                known = " ".join(sanitize(tag) for tag in self.known[:20])
                yield Static(Text("known: " + known, style="dim"))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(split_tags(event.value))

    def action_cancel(self) -> None:
        self.dismiss(None)
