"""The command palette (ctrl+p) reaches every action by name, from the one action table.

Each entry runs its action where it lives (the app, the main screen, the list, the detail pane
or the search bar): the palette offers nothing that does not run.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
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

    async def discover(self) -> Hits:
        for name, action in self._commands():
            yield DiscoveryHit(name, partial(self._run, action), help=f"key: {self._keys(action)}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, action in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(name),
                    partial(self._run, action),
                    help=f"key: {self._keys(action)}",
                )
