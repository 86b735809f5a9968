"""The action table without Textual: every user action, its default keys, where it runs.

`reader keys` and `reader config --check` read it headless; `reader.tui.actions` builds the
bindings from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = ["ACTIONS", "ACTION_IDS", "Action", "Target", "display_keys", "keys_in_force"]

Target = Literal["app", "main", "list", "detail", "search", "sidebar"]


@dataclass(frozen=True, slots=True)
class Action:
    action: str
    """The `action_*` name on the target (may carry arguments, e.g. `set_view('unread')`)."""
    keys: str
    """Comma-separated Textual key names; the first is the one shown."""
    description: str
    """Short text for the footer."""
    group: str
    help: str = ""
    """Longer text for the help screen and the palette; defaults to the description."""
    target: Target = "main"
    footer: bool = False
    palette: bool = True
    bind: bool = True
    """False for a key the target's own widget handles (Enter in the search input): listed in
    the help, bound by nobody here."""
    listed: bool = True
    """False for a binding that is another action's key seen from a widget (Enter on the list
    is `open_detail`'s): bound, but not listed twice in the help."""
    priority: bool = False
    footer_rank: int = 1
    """2: a footer hint dropped first when the footer is narrow (the footer keeps Read,
    Search, Open, Help and Quit at 80 columns)."""

    @property
    def display_keys(self) -> str:
        return display_keys(self.keys)

    @property
    def text(self) -> str:
        return self.help or self.description

    @property
    def id(self) -> str:
        """A name for the action that holds no arguments: `toggle_star`, `set_view_unread`."""
        return self.action.replace("('", "_").replace("')", "")


_KEY_LABELS = {
    "down": "↓",
    "up": "↑",
    "enter": "Enter",
    "escape": "Esc",
    "tab": "Tab",
    "space": "Space",
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
    "ctrl+c": "Ctrl+C",
    "click": "Click",
    "vertical_line": "|",
}

ACTIONS: tuple[Action, ...] = (
    # Moving
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
    Action(
        "select_cursor",
        "enter",
        "Read",
        "Move",
        "Read the article under the cursor",
        target="list",
        palette=False,
        listed=False,
    ),
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
    Action("switch_pane", "tab", "Next pane", "Move", "Next pane (list, detail, related articles)"),
    Action(
        "history_back", "H", "Back", "Move", "Back to the article before a jump to a related one"
    ),
    Action("history_forward", "L", "Forward", "Move", "Forward again (after H)"),
    # The detail pane
    Action("scroll_down", "j,down", "Scroll down", "Detail pane", "Scroll down", target="detail"),
    Action("scroll_up", "k,up", "Scroll up", "Detail pane", "Scroll up", target="detail"),
    Action("scroll_home", "g", "Top", "Detail pane", "To the top", target="detail"),
    Action("scroll_end", "G", "Bottom", "Detail pane", "To the bottom", target="detail"),
    Action("page_down", "space", "Page down", "Detail pane", "One page down", target="detail"),
    Action(
        "toggle_reading",
        "v",
        "Full text",
        "Detail pane",
        "Reading mode: the full text from its page",
        footer=True,
        footer_rank=2,
    ),
    Action(
        "toggle_wide",
        "w",
        "Reading room",
        "Detail pane",
        "Reading room: the detail pane takes the whole width (and back)",
    ),
    # Sorting
    Action(
        "cycle_sort",
        "s",
        "Sort",
        "Sort",
        "Next sort key (date, quality, heat, ...)",
        footer=True,
        footer_rank=2,
    ),
    Action("reverse_sort", "S", "Reverse", "Sort", "Reverse the order"),
    Action(
        "sort_by_column",
        "click",
        "Sort by column",
        "Sort",
        "Click a column header: sort by it (again: reverse)",
        target="list",
        bind=False,
        palette=False,
    ),
    # Triage
    Action("toggle_read", "r", "Read/unread", "Triage", "Toggle read", footer=True),
    Action("toggle_star", "asterisk", "Star", "Triage", "Toggle star", footer=True, footer_rank=2),
    Action(
        "toggle_archive",
        "x",
        "Archive",
        "Triage",
        "Archive or unarchive (leaves the inbox)",
        footer=True,
        footer_rank=2,
    ),
    Action("edit_tags", "t", "Tags", "Triage", "Edit tags"),
    Action(
        "undo",
        "u",
        "Undo",
        "Triage",
        "Undo the last action (several levels)",
        footer=True,
        footer_rank=2,
    ),
    Action("mark_all_read", "R", "All read", "Triage", "Mark every article in the view read"),
    Action(
        "mark_above_read",
        "A",
        "Above read",
        "Triage",
        "Catch up: mark every article above the cursor read",
    ),
    # Views and search
    Action("set_view('inbox')", "1", "Inbox", "Views", "View: inbox (not archived)"),
    Action("set_view('unread')", "2", "Unread", "Views", "View: unread"),
    Action("set_view('starred')", "3", "Starred", "Views", "View: starred"),
    Action("set_view('archived')", "4", "Archived", "Views", "View: archived"),
    Action("set_view('all')", "5", "All", "Views", "View: all articles"),
    Action("search", "slash", "Search", "Views", "Search and filter (query language)", footer=True),
    Action(
        "toggle_grouped",
        "z",
        "Group stories",
        "Views",
        "Group: each story once, its other sources in the detail pane",
    ),
    Action("toggle_sidebar", "b", "Sidebar", "Views", "Saved searches, views, topics, providers"),
    # The sidebar
    Action(
        "rename_search",
        "e",
        "Rename",
        "Sidebar",
        "Rename the highlighted saved search",
        target="sidebar",
        palette=False,
    ),
    Action(
        "delete_search",
        "d",
        "Delete",
        "Sidebar",
        "Delete the highlighted saved search (asks first)",
        target="sidebar",
        palette=False,
    ),
    # The search bar
    Action(
        "submit",
        "enter",
        "Keep",
        "Search bar",
        "Keep the query, back to the list",
        target="search",
        bind=False,
        palette=False,
    ),
    Action(
        "clear",
        "escape",
        "Clear search",
        "Search bar",
        "Clear the query",
        target="search",
        footer=True,
    ),
    Action(
        "save",
        "ctrl+s",
        "Save search",
        "Search bar",
        "Save the query by name",
        target="search",
        footer=True,
    ),
    # Links
    Action(
        "open_link", "o", "Open", "Links", "Open the best live link in the browser", footer=True
    ),
    Action("open_amp", "a", "Open AMP", "Links", "Open the AMP version"),
    Action("choose_link", "O", "Links…", "Links", "Choose among all URLs with their status"),
    Action("copy_link", "y", "Copy URL", "Links", "Copy the URL that o would open"),
    Action(
        "pipe",
        "vertical_line",
        "Pipe",
        "Links",
        "Pipe the article as JSON to the [pipe] command of the config",
        target="app",
    ),
    Action("check_article", "c", "Check", "Links", "Recheck this article's links"),
    Action("check_view", "C", "Check all", "Links", "Check the links of every article in view"),
    # App
    Action(
        "reload", "ctrl+r", "Reload", "App", "Reload the collection and the state", target="app"
    ),
    Action(
        "show_problems",
        "exclamation_mark",
        "Problems",
        "App",
        "Files that failed to load",
        target="app",
    ),
    Action(
        "fetch_feeds",
        "F",
        "Fetch",
        "App",
        "Fetch every feed (subscribe with: reader feeds add URL)",
        target="app",
    ),
    Action("help", "question_mark", "Help", "App", "This help", footer=True, target="app"),
    Action(
        "command_palette",
        "ctrl+p",
        "Palette",
        "App",
        "Command palette: every action by name, and themes",
        target="app",
        palette=False,
        bind=False,  # Textual binds it
    ),
    Action("quit", "q", "Quit", "App", "Quit", footer=True, target="app"),
)


ACTION_IDS: dict[str, Action] = {action.id: action for action in ACTIONS}


def display_keys(keys: str) -> str:
    """Comma-separated Textual key names, as shown: `j ↓`."""
    return " ".join(_KEY_LABELS.get(key, key) for key in keys.split(","))


def keys_in_force(action: Action, keymap: Mapping[str, str] | None = None) -> str:
    """The action's keys (comma-separated) with the keymap applied."""
    if keymap and action.bind and action.id in keymap:
        return keymap[action.id]
    return action.keys
