"""Every user action, listed once: key bindings, the help screen, the footer and the command
palette are all generated from this table, so they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual.binding import Binding

Target = Literal["app", "list"]


@dataclass(frozen=True, slots=True)
class Action:
    action: str
    """The `action_*` name on the app (may carry arguments, e.g. `set_view('unread')`)."""
    keys: str
    """Comma-separated Textual key names; the first is the one shown."""
    description: str
    """Short text for the footer and the palette."""
    group: str
    help: str = ""
    """Longer text for the help screen; defaults to the description."""
    footer: bool = False
    palette: bool = True
    priority: bool = False
    target: Target = "app"
    """Who runs it: the app, or the list pane (whose own bindings hold the keys)."""

    @property
    def display_keys(self) -> str:
        return " ".join(_KEY_LABELS.get(key, key) for key in self.keys.split(","))


_KEY_LABELS = {
    "down": "↓",
    "up": "↑",
    "enter": "Enter",
    "escape": "Esc",
    "tab": "Tab",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "home": "Home",
    "end": "End",
    "question_mark": "?",
    "exclamation_mark": "!",
    "asterisk": "*",
    "slash": "/",
    "ctrl+p": "Ctrl+P",
    "ctrl+s": "Ctrl+S",
    "ctrl+r": "Ctrl+R",
    "ctrl+d": "Ctrl+D",
    "ctrl+u": "Ctrl+U",
}

ACTIONS: tuple[Action, ...] = (
    # Moving (the list pane's own bindings hold these keys; listed here for help and palette)
    Action("cursor_down", "j,down", "Down", "Move", "Next article", target="list"),
    Action("cursor_up", "k,up", "Up", "Move", "Previous article", target="list"),
    Action("cursor_first", "g,home", "First", "Move", "First article", target="list"),
    Action("cursor_last", "G,end", "Last", "Move", "Last article", target="list"),
    Action("cursor_page_down", "pagedown", "Page down", "Move", "One page down", target="list"),
    Action("cursor_page_up", "pageup", "Page up", "Move", "One page up", target="list"),
    Action(
        "cursor_half_page_down", "ctrl+d", "Half down", "Move", "Half a page down", target="list"
    ),
    Action("cursor_half_page_up", "ctrl+u", "Half up", "Move", "Half a page up", target="list"),
    Action("next_unread", "n", "Next unread", "Move", "Next unread article"),
    Action("previous_unread", "p", "Prev unread", "Move", "Previous unread article"),
    Action(
        "open_detail",
        "enter,l",
        "Read",
        "Move",
        "Focus the detail pane (marks the article read)",
        footer=True,
    ),
    Action("focus_list", "escape,h", "Back", "Move", "Back to the list"),
    Action("switch_pane", "tab", "Switch pane", "Move", "Switch between list and detail"),
    # Sorting
    Action(
        "cycle_sort", "s", "Sort", "Sort", "Next sort key (date, quality, heat, ...)", footer=True
    ),
    Action("reverse_sort", "S", "Reverse", "Sort", "Reverse the order"),
    # Triage
    Action("toggle_read", "r", "Read/unread", "Triage", "Toggle read", footer=True),
    Action("toggle_star", "asterisk", "Star", "Triage", "Toggle star", footer=True),
    Action(
        "toggle_archive",
        "x",
        "Archive",
        "Triage",
        "Archive or unarchive (leaves the inbox)",
        footer=True,
    ),
    Action("edit_tags", "t", "Tags", "Triage", "Edit tags"),
    Action("undo", "u", "Undo", "Triage", "Undo the last action (several levels)", footer=True),
    Action("mark_all_read", "R", "All read", "Triage", "Mark every article in the view read"),
    # Views and search
    Action("set_view('inbox')", "1", "Inbox", "Views", "View: inbox (not archived)"),
    Action("set_view('unread')", "2", "Unread", "Views", "View: unread"),
    Action("set_view('starred')", "3", "Starred", "Views", "View: starred"),
    Action("set_view('archived')", "4", "Archived", "Views", "View: archived"),
    Action("set_view('all')", "5", "All", "Views", "View: all articles"),
    Action("search", "slash", "Search", "Views", "Search and filter (query language)", footer=True),
    Action("toggle_sidebar", "b", "Sidebar", "Views", "Saved searches, views, topics, providers"),
    # Links
    Action(
        "open_link", "o", "Open", "Links", "Open the best live link in the browser", footer=True
    ),
    Action("open_amp", "a", "Open AMP", "Links", "Open the AMP version"),
    Action("choose_link", "O", "Links…", "Links", "Choose among all URLs with their status"),
    Action("copy_link", "y", "Copy URL", "Links", "Copy the URL that o would open"),
    Action("check_article", "c", "Check", "Links", "Recheck this article's links"),
    Action("check_view", "C", "Check all", "Links", "Check the links of every article in view"),
    # App
    Action("reload", "ctrl+r", "Reload", "App", "Reload the collection and the state"),
    Action("show_problems", "exclamation_mark", "Problems", "App", "Files that failed to load"),
    Action("help", "question_mark", "Help", "App", "This help", footer=True),
    Action("command_palette", "ctrl+p", "Palette", "App", "Command palette", palette=False),
    Action("quit", "q", "Quit", "App", "Quit", footer=True),
)


def app_bindings() -> list[Binding]:
    """Bindings for the app, from the action table (the list binds its own; Textual binds
    the palette)."""
    bindings: list[Binding] = []
    for action in ACTIONS:
        if action.target != "app" or action.action == "command_palette":
            continue
        bindings.append(
            Binding(
                action.keys,
                action.action,
                action.description,
                show=action.footer,
                key_display=action.display_keys.split(" ")[0],
                priority=action.priority,
            )
        )
    return bindings


def help_rows() -> list[tuple[str, str, str]]:
    """(group, keys, what it does) for the help screen."""
    return [(a.group, a.display_keys, a.help or a.description) for a in ACTIONS]
