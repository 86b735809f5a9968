"""The command palette (ctrl+p) reaches every action by name, from the one action table.

Each entry runs its action where it lives (the app, or the list pane): the palette offers
nothing that does not run.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from reader.tui.actions import ACTIONS, Action


class ReaderCommands(Provider):
    def _commands(self) -> list[tuple[str, Action]]:
        return [(f"{a.group}: {a.help or a.description}", a) for a in ACTIONS if a.palette]

    async def _run(self, action: Action) -> None:
        if action.target == "list":
            from reader.tui.article_list import ArticleList

            await self.app.query_one(ArticleList).run_action(action.action)
        else:
            await self.app.run_action(action.action)

    async def discover(self) -> Hits:
        for name, action in self._commands():
            yield DiscoveryHit(name, partial(self._run, action), help=f"key: {action.display_keys}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, action in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(name),
                    partial(self._run, action),
                    help=f"key: {action.display_keys}",
                )
