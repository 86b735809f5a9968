"""The command palette (ctrl+p) reaches every action by name, from the one action table.

Each entry runs its action where it lives (the app, the main screen, the list, the detail pane
or the search bar): the palette offers nothing that does not run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content
from textual.dom import DOMNode

from reader.action_table import display_keys, keys_in_force
from reader.tui.actions import ACTIONS, Action

__all__ = ["ReaderCommands"]


class ReaderCommands(Provider):
    def _commands(self) -> list[tuple[str, Action]]:
        return [(f"{a.group}: {a.text}", a) for a in ACTIONS if a.palette]

    def _keys(self, action: Action) -> str:
        return display_keys(keys_in_force(action, getattr(self.app, "keys_in_force", None)))

    def _target(self, action: Action) -> DOMNode:
        app = self.app
        if action.target == "app":
            return app
        main = app.screen_stack[0]
        if action.target == "main":
            return main
        selector = {
            "list": "#article-list",
            "detail": "#article-detail",
            "search": "#query-bar",
            "sidebar": "#sidebar",
        }
        return main.query_one(selector[action.target])

    async def _run(self, action: Action) -> None:
        await self._target(action).run_action(action.action)

    def _entries(self) -> list[tuple[str, Callable[[], Awaitable[None]], str]]:
        """(name, run it, help): the action table's, then the config's share targets."""
        entries = [
            (name, partial(self._run, action), f"key: {self._keys(action)}")
            for name, action in self._commands()
        ]
        sharing = getattr(self.app, "sharing", None)
        for index, target in enumerate(sharing.shares if sharing is not None else ()):
            # Data from the config: shown as text, never as markup.
            run = partial(self.app.run_action, f"share({index})")
            entries.append((f"Share: {target.name}", run, f"key: {target.key or '-'}"))
        return entries

    async def discover(self) -> Hits:
        for name, run, help_text in self._entries():
            yield DiscoveryHit(Content(name), run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, run, help_text in self._entries():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, _highlight(matcher, name), run, help=help_text)


def _highlight(matcher: Matcher, name: str) -> Content:
    """`Matcher.highlight` reads its text as markup: "[pipe]" in a name, or a share target's
    name from the config, would vanish or break. The same highlight, on the text as text."""
    content = Content(name)
    for offset in matcher.fuzzy_search.match(matcher.query, name)[1]:
        if not name[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content
