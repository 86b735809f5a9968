"""The detail pane: everything about the article under the cursor, scrollable.

Article text is data: every field reaches the screen as `rich.text.Text` built from plain strings,
never as markup. The body is Markdown, rendered by Textual's Markdown widget (which does not
interpret Rich markup either).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.console import Group
from rich.style import Style
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from reader.link_status import failure_reason, format_status, short_target, url_host
from reader.model import (
    UNKNOWN_HEAT,
    UNTOUCHED,
    Article,
    LinkResult,
    RelatedArticle,
    TriageState,
)
from reader.tui.actions import bindings_for, key_hint
from reader.tui.formatting import relative_phrase, sanitize

if TYPE_CHECKING:  # reading imports httpx, Markdown its parser: not before the first frame
    from textual.widgets import Markdown

    from reader.reading import ReadResult

RelatedLookup = Callable[[RelatedArticle], str | None]
"""Related entry -> id of the article in the collection that it points at, or None."""


MAX_BODY_CHARS = 50_000
"""The longest body the pane renders as Markdown (a 5 MB body would hold the screen for minutes);
the rest is for the file itself."""


def _short_image_url(url: str) -> str:
    """An image by its host and file name (`cdn.example/…/banner.jpg`): its folders are hashes
    and dates that wrapped over four lines of a narrow pane."""
    host = url_host(url)
    path = sanitize(url).split("?", 1)[0].split("#", 1)[0].partition("://")[2].partition("/")[2]
    folders, _, name = path.rstrip("/").rpartition("/")
    if not name:
        return host
    return f"{host}/…/{name}" if folders else f"{host}/{name}"


def _local(moment: datetime) -> str:
    return moment.astimezone().strftime("%a %Y-%m-%d %H:%M %Z").strip()


class ArticleDetail(VerticalScroll, can_focus=True):
    """Shows one article; the app sets it with :meth:`show` when the cursor moves.

    In reading mode (`reading`, toggled by `v`) the body is the article's full text from its
    page instead of the file's; the screen fetches it and hands it over with
    :meth:`show_full_text`, which ignores a result for any article but the one shown.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "article-detail--title",
        "article-detail--muted",
        "article-detail--alive",
        "article-detail--dead",
        "article-detail--unread",
        "article-detail--star",
        "article-detail--archived",
        "article-detail--topic",
        "article-detail--tag",
        "article-detail--jump",
    }
    # The $text-* colours are the theme's accents made readable on its background (orange on
    # light grey is not): every colour here comes from the theme, none is an ANSI name.
    DEFAULT_CSS = """
    ArticleDetail {
        & > .article-detail--title { color: $text-accent; text-style: bold; }
        & > .article-detail--muted { color: $text-muted; }
        & > .article-detail--alive { color: $text-success; }
        & > .article-detail--dead { color: $text-error; }
        & > .article-detail--unread { color: $text-primary; text-style: bold; }
        & > .article-detail--star { color: $text-warning; text-style: bold; }
        & > .article-detail--archived { color: $text-secondary; }
        & > .article-detail--topic { color: $text-muted; background: $panel; }
        & > .article-detail--tag { color: $text-secondary; background: $panel; }
        & > .article-detail--jump { color: $text-success; text-style: bold; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = bindings_for("detail")

    @dataclass
    class RelatedSelected(Message):
        """Enter on a related entry that is in the collection."""

        article_id: str
        detail: ArticleDetail | None = field(default=None, repr=False)

    @dataclass
    class LinkRequested(Message):
        """A link in the body was clicked."""

        url: str
        detail: ArticleDetail | None = field(default=None, repr=False)

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.article: Article | None = None
        self._state: TriageState = UNTOUCHED
        self._links: Mapping[str, LinkResult] = {}
        self._body_text: str | None = None
        self._related_ids: list[str | None] = []
        self._related_key: tuple[object, ...] | None = None
        self._related_lookup: RelatedLookup | None = None
        self._source_ids: list[str] | None = None
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.checking = False
        """The shown article's links are being checked (`c`): its Links heading says so."""
        self.checked_at: str | None = None
        """When that check ended (HH:MM:SS), for the heading; None once another article shows."""
        self.reading = False
        """Reading mode: the body is the full text (`show_full_text`), not the file's."""
        self.full_text: ReadResult | None = None
        """The full text on screen (None: none, or still fetching)."""
        self._body: Markdown | None = None
        """The body's widget: mounted when the first body shows (`_set_body`)."""
        self._body_mounting = False

    def compose(self) -> ComposeResult:
        # Few widgets, each updated only when its content changes: every update costs a layout
        # and a repaint, and the pane changes on every cursor key.
        yield Static(id="detail-head")
        yield Static(id="detail-reading")
        yield Static(id="detail-links")
        yield Static(id="detail-sources-label")
        yield OptionList(id="detail-sources")
        yield Static(Text("Related", style="bold"), id="detail-related-label")
        yield OptionList(id="detail-related")

    def on_mount(self) -> None:
        self.query_one("#detail-reading", Static).display = False
        self.show(None)
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    # ------------------------------------------------------------------ updates

    def show(
        self,
        article: Article | None,
        *,
        state: TriageState = UNTOUCHED,
        links: Mapping[str, LinkResult] | None = None,
        related_lookup: RelatedLookup | None = None,
        sources: Sequence[Article] = (),
    ) -> None:
        """Show `article` (None: an empty pane with a hint); `sources`: the other articles of
        its story, listed under the links (Enter shows one)."""
        same = article is not None and article is self.article
        self.article = article
        self._state = state
        self._links = links or {}
        head = self.query_one("#detail-head", Static)
        if article is None:
            head.update(Text("No article selected", style="dim"))
            self._set_body("")
            self.query_one("#detail-links", Static).update("")
            self._set_related((), related_lookup)
            self._set_sources(())
            return
        head.update(self._head(article, state))
        if not same:
            self.checking, self.checked_at = False, None
            self.full_text = None
            self._set_body("" if self.reading else article.body)
            self._set_related(article.related, related_lookup)
            self.scroll_home(animate=False)
        self._set_sources(sources)
        self.show_links(self._links)

    def _style(self, component: str, *, partial: bool = False) -> Style:
        """A component class's style, translucent colours blended over the pane's background;
        none before the widget is mounted (no CSS yet)."""
        if not self.is_mounted:
            return Style()
        return self.get_component_rich_style(component, partial=partial)

    def _theme_changed(self, _theme: object) -> None:
        # The pieces baked into Text take their colours again (the CSS is already refreshed).
        if self.article is not None:
            self.query_one("#detail-head", Static).update(self._head(self.article, self._state))
            self.show_links(self._links)
            if self._related_key is not None:  # its arrows too
                self._related_key = None
                self._set_related(self.article.related, self._related_lookup)

    def on_resize(self) -> None:
        if self.article is not None:  # the chips are laid out for the pane's width
            self.query_one("#detail-head", Static).update(self._head(self.article, self._state))

    # ------------------------------------------------------------------ reading mode

    def set_reading(self, reading: bool) -> None:
        """Reading mode on (the body waits for `show_fetching` / `show_full_text`) or off (the
        file's body again)."""
        self.reading = reading
        self.full_text = None
        line = self.query_one("#detail-reading", Static)
        line.display = reading
        line.update("")
        if self.article is not None:
            self._set_body("" if reading else self.article.body)

    def show_fetching(self, urls: list[str]) -> None:
        """The full text is on its way; `urls` are the pages that will be tried, in order."""
        if not self.reading:
            return
        self.full_text = None
        text = Text("Fetching…", style="bold italic")
        if urls:
            text.append(f"  {sanitize(urls[0])}", style="dim")
        self.query_one("#detail-reading", Static).update(text)
        self._set_body("")

    def show_full_text(self, result: ReadResult, tried: list[str] | None = None) -> bool:
        """Show `result` if it is the shown article's and the pane is in reading mode (False:
        it came too late, the cursor moved on). A failure is one line with the URLs tried."""
        if not self.reading or self.article is None or result.id != self.article.id:
            return False
        self.full_text = result
        line = self.query_one("#detail-reading", Static)
        if result.error is not None:
            dead = self._style("article-detail--dead")
            text = Text("Could not read the full text: ", style=dead + Style(bold=True))
            text.append(sanitize(result.error))
            if tried:
                text.append("  tried " + ", ".join(sanitize(url) for url in tried), style="dim")
            line.update(text)
            self._set_body("")
            return True
        kind = result.kind.label if result.kind is not None else "Page"
        text = Text("Full text", style="bold")
        fetched = result.fetched_at.astimezone().strftime("%Y-%m-%d %H:%M")
        text.append(f" · {kind} · {result.words:,} words · read {fetched}\n", style="dim")
        text.append(sanitize(result.url or ""), style="dim underline")
        line.update(text)
        self._set_body(
            result.markdown or result.text, rest="press o to read the rest in the browser"
        )
        return True

    def show_links(self, links: Mapping[str, LinkResult]) -> None:
        """Refresh the link lines with new check results."""
        self._links = links
        article = self.article
        widget = self.query_one("#detail-links", Static)
        if article is None:
            widget.update("")
            return
        widget.update(Group(self._link_lines(article, links), self._images(article)))

    def _link_lines(self, article: Article, links: Mapping[str, LinkResult]) -> Text:
        """One line per URL (kind, status, host; why it failed on a line of its own), cut at
        the pane's edge: an article's URLs are near-identical, so the host tells them apart;
        `O` shows them in full."""
        get = self._style
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("Links", style="bold")
        if self.checking:
            text.append("  checking…", style="italic")
        elif self.checked_at is not None:
            text.append(f"  checked {self.checked_at}", style="dim")
        items = article.urls.items()
        if items:
            keymap = getattr(self.app, "keys_in_force", None) if self.is_attached else None
            text.append(f"  {key_hint('choose_link', keymap)}: full URLs", style="dim")
        text.append("\n")
        if not items:
            text.append("  no URL in this article", style="dim")
        statuses = [format_status(links.get(url), target=False) for _, url in items]
        column = max(map(cell_len, statuses), default=0)  # the hosts line up
        for number, (kind, url) in enumerate(items):
            if number:
                text.append("\n")
            result = links.get(url)
            status = statuses[number]  # the source first, then where to
            if result is None:
                style = get("article-detail--muted")
            elif result.status.value == "alive":
                style = get("article-detail--alive")
            else:
                style = get("article-detail--dead")
            text.append(f"  {kind.label:<8} ", style="bold")
            text.append(status + " " * (column - cell_len(status) + 1), style=style)
            text.append(url_host(url))
            final = short_target(result)
            if final:
                text.append(f" → {final}", style="dim")
            reason = failure_reason(result)
            if reason:  # why it failed, under the status: a failure is worth its line
                text.append(f"\n  {'':<8} {reason}", style=get("article-detail--muted"))
        return text

    def update_state(self, state: TriageState) -> None:
        self._state = state
        if self.article is not None:
            self.query_one("#detail-head", Static).update(self._head(self.article, state))

    def _head(self, article: Article, state: TriageState) -> Group:
        parts: list[Text] = [
            Text(
                sanitize(article.title),
                style=self._style("article-detail--title", partial=True),
            ),
            Text(),
            self._meta(article, state),
        ]
        topics = self._topics(article, state)
        if topics:
            parts += [Text(), topics]
        if article.excerpt:
            parts += [Text(), Text(sanitize(article.excerpt), style="italic")]
        parts.append(Text())
        return Group(*parts)

    # ------------------------------------------------------------------ pieces

    def _meta(self, article: Article, state: TriageState) -> Text:
        text = Text()
        provider = sanitize(article.provider.name) or "unknown provider"
        text.append(provider, style="bold")
        if article.provider.domain and article.provider.domain != article.provider.name:
            text.append(f"  {sanitize(article.provider.domain)}", style="dim")
        text.append("\n")
        if article.published is not None:
            text.append(_local(article.published))
            text.append(f"  {relative_phrase(article.published, self.now())}", style="dim")
        else:
            text.append("no date", style="dim")
        text.append("\n")
        kinds = " / ".join(sanitize(v) for v in (article.category, article.type) if v)
        if kinds:
            text.append(kinds + "   ")
        text.append("quality ", style="dim")
        text.append("—" if article.quality is None else str(article.quality))
        text.append("   heat ", style="dim")
        unknown = article.heat is None or article.heat == UNKNOWN_HEAT
        text.append("—" if unknown else str(article.heat))
        text.append("\n")
        if not state.read:
            text.append("● unread", style=self._style("article-detail--unread"))
        else:
            text.append("read", style="dim")
        if state.starred:
            star = self._style("article-detail--star")
            text.append("   ★ starred", style=star)
        if state.archived:
            archived = self._style("article-detail--archived")
            text.append("   archived", style=archived)
        return text

    def _topics(self, article: Article, state: TriageState, width: int | None = None) -> Text:
        """Topic and tag chips, a line broken between chips, never inside one (`width`: the
        pane's; Rich would break a chip at its spaces)."""
        room = width if width is not None else self.query_one("#detail-head").size.width
        topic = self._style("article-detail--topic")
        tag = self._style("article-detail--tag")
        chips = [(f" {sanitize(name)} ", topic) for name in article.topics]
        chips += [(f" #{sanitize(name)} ", tag) for name in state.tags]
        text = Text()
        used = 0
        for label, style in chips:
            size = cell_len(label)
            if used and room > 0 and used + size > room:
                text.append("\n")
                used = 0
            text.append(label, style=style)
            text.append(" ")
            used += size + 1
        return text

    def _images(self, article: Article) -> Text:
        if not article.images:
            return Text()
        text = Text(no_wrap=True, overflow="ellipsis")  # one line each, as the links
        text.append("\n\nImages\n", style="bold")
        for number, image in enumerate(article.images):
            if number:
                text.append("\n")
            size = f"{image.width}×{image.height}" if image.width and image.height else "?×?"
            text.append(f"  {size:<10} ", style="dim")
            text.append(_short_image_url(image.url))
            if image.title:
                text.append(f"  {sanitize(image.title)}", style="italic")
        return text

    def _set_body(self, body: str, *, rest: str = "open the file to read the rest") -> None:
        text = sanitize(body, keep_newlines=True) if body.strip() else ""
        if len(text) > MAX_BODY_CHARS:
            more = len(text) - MAX_BODY_CHARS
            text = text[:MAX_BODY_CHARS] + f"\n\n*… {more:,} more characters: {rest}.*\n"
        if text == self._body_text:
            return
        self._body_text = text
        if self._body is not None:
            self._body.display = bool(text)
            self._body.update(text)
        elif text and not self._body_mounting:
            self._body_mounting = True
            self.call_later(self._mount_body)

    async def _mount_body(self) -> None:
        """The Markdown widget, first needed by the first body shown: importing its parser
        would otherwise slow the first frame, which shows none (the slim rows of a start)."""
        from textual.widgets import Markdown

        body = Markdown(id="detail-body")
        await self.mount(body, before=self.query_one("#detail-links"))
        self._body = body
        text = self._body_text or ""  # the latest: bodies shown while it mounted
        body.display = bool(text)
        await body.update(text)

    def _set_related(
        self,
        related: tuple[RelatedArticle, ...] | list[RelatedArticle],
        lookup: RelatedLookup | None,
    ) -> None:
        key = (tuple(related), lookup is None)
        if key == self._related_key:
            return
        self._related_key = key
        self._related_lookup = lookup
        options = self.query_one("#detail-related", OptionList)
        label = self.query_one("#detail-related-label", Static)
        options.clear_options()
        self._related_ids = []
        label.display = options.display = bool(related)
        if not related:
            return
        prompts: list[Option] = []
        jump = self._style("article-detail--jump")
        for entry in related:
            target = lookup(entry) if lookup is not None else None
            self._related_ids.append(target)
            prompt = Text()
            prompt.append("→ " if target else "  ", style=jump)
            prompt.append(sanitize(entry.title))
            details = [sanitize(entry.provider.name)] if entry.provider.name else []
            if entry.published is not None:
                details.append(entry.published.strftime("%Y-%m-%d"))
            if details:
                prompt.append("  " + " · ".join(details), style="dim")
            prompts.append(Option(prompt))
        options.add_options(prompts)
        label.update(
            Text.assemble(
                ("Related", "bold"),
                ("  (→ in this collection: Enter jumps to it)", "dim")
                if any(self._related_ids)
                else "",
            )
        )

    def _set_sources(self, sources: Sequence[Article]) -> None:
        ids = [article.id for article in sources]
        if ids == self._source_ids:
            return
        self._source_ids = ids
        options = self.query_one("#detail-sources", OptionList)
        label = self.query_one("#detail-sources-label", Static)
        options.clear_options()
        label.display = options.display = bool(sources)
        if not sources:
            return
        label.update(
            Text.assemble(
                (f"Also reported by {len(sources)}", "bold"),
                ("  (the same story: Enter shows one)", "dim"),
            )
        )
        prompts = []
        for article in sources:
            prompt = Text()
            prompt.append(sanitize(article.provider.name) or "unknown provider", style="bold")
            prompt.append("  " + sanitize(article.title))
            if article.published is not None:
                prompt.append("  " + article.published.strftime("%Y-%m-%d"), style="dim")
            prompts.append(Option(prompt))
        options.add_options(prompts)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # Tab into a list of articles lands on its first entry, so Enter acts at once.
        for name in ("#detail-sources", "#detail-related"):
            options = self.query_one(name, OptionList)
            if event.widget is options and options.highlighted is None and options.option_count:
                options.highlighted = 0

    @on(OptionList.OptionSelected, "#detail-sources")
    def _source_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self._source_ids):
            self.post_message(self.RelatedSelected(self._source_ids[event.option_index], self))

    @on(OptionList.OptionSelected, "#detail-related")
    def _related_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = event.option_index
        if 0 <= index < len(self._related_ids):
            target = self._related_ids[index]
            if target is not None:
                self.post_message(self.RelatedSelected(target, self))
            else:
                self.notify("That related article is not in this collection.", timeout=3)

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        # The app decides (only http(s) is ever opened); stop Markdown's default handling.
        event.stop()
        event.prevent_default()
        self.post_message(self.LinkRequested(event.href, self))
