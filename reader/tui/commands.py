"""The command palette (ctrl+p) reaches every action by name, from the one action table."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from reader.tui.actions import ACTIONS


class ReaderCommands(Provider):
    def _commands(self) -> list[tuple[str, str, str]]:
        return [
            (f"{a.group}: {a.help or a.description}", a.action, a.display_keys)
            for a in ACTIONS
            if a.palette
        ]

    async def discover(self) -> Hits:
        for name, action, keys in self._commands():
            yield DiscoveryHit(name, partial(self.app.run_action, action), help=f"key: {keys}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, action, keys in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(name),
                    partial(self.app.run_action, action),
                    help=f"key: {keys}",
                )
