"""Every user action, listed once, with where it runs.

Each widget's key bindings, the footer, the help screen and the command palette are generated
from this table, so they cannot drift apart: the palette offers only what runs (each entry is
run by its target), and the help lists every key.

Targets: `app` (ReaderApp: quit, help, palette, problems, reload), `main` (the main screen:
triage, views, sort, links, moving between panes), `list` (the list pane's cursor), `detail`
(the detail pane's scrolling), `search` (the search bar, while it has focus), `sidebar` (the
sidebar, while it has focus).
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.binding import Binding

from reader.action_table import ACTIONS, Action, Target, display_keys, keys_in_force

__all__ = ["ACTIONS", "Action", "Target", "bindings_for", "help_rows", "key_hint"]


def bindings_for(target: Target) -> list[Binding]:
    """The bindings of one target, from the table."""
    return [
        Binding(
            action.keys,
            action.action,
            action.description,
            show=action.footer,
            key_display=action.display_keys.split(" ")[0],
            priority=action.priority,
            id=action.id,
        )
        for action in ACTIONS
        if action.target == target and action.bind
    ]


def help_rows(keymap: Mapping[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(group, keys in force, what it does) for the help screen: every key."""
    return [(a.group, display_keys(keys_in_force(a, keymap)), a.text) for a in ACTIONS if a.listed]


def key_hint(action_id: str, keymap: Mapping[str, str] | None = None) -> str:
    """The first key in force for an action, as shown (`O`): for hints in the text, which must
    name the key the config gave it."""
    for action in ACTIONS:
        if action.id == action_id:
            return display_keys(keys_in_force(action, keymap)).split(" ")[0]
    raise KeyError(action_id)
