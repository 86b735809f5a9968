"""The views (inbox, unread, starred, archived, all): which articles each holds, and its counts.

The one definition: the app's list, header and sidebar and the CLI's archived rule all ask here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from reader.model import UNTOUCHED, Article, TriageState

__all__ = ["VIEWS", "VIEW_LABELS", "in_view", "unread_counts", "view_counts"]

VIEWS: tuple[str, ...] = ("inbox", "unread", "starred", "archived", "all")
"""In the order of their keys (1 to 5)."""

VIEW_LABELS: dict[str, str] = {
    "inbox": "Inbox",
    "unread": "Unread",
    "starred": "Starred",
    "archived": "Archived",
    "all": "All",
}


def in_view(view: str, state: TriageState) -> bool:
    """Whether an article with this state is in the view."""
    if view == "inbox":
        return not state.archived
    if view == "unread":
        return not state.read and not state.archived
    if view == "starred":
        return state.starred
    if view == "archived":
        return state.archived
    return True


def view_counts(articles: Iterable[Article], states: Mapping[str, TriageState]) -> dict[str, int]:
    """How many articles each view holds."""
    counts = dict.fromkeys(VIEWS, 0)
    for article in articles:
        state = states.get(article.id, UNTOUCHED)
        counts["all"] += 1
        if state.archived:
            counts["archived"] += 1
        else:
            counts["inbox"] += 1
            if not state.read:
                counts["unread"] += 1
        if state.starred:
            counts["starred"] += 1
    return counts


def unread_counts(articles: Iterable[Article], states: Mapping[str, TriageState]) -> dict[str, int]:
    """How many unread articles each view holds (what the sidebar shows)."""
    counts = dict.fromkeys(VIEWS, 0)
    for article in articles:
        state = states.get(article.id, UNTOUCHED)
        if state.read:
            continue
        counts["all"] += 1
        if state.archived:
            counts["archived"] += 1
        else:
            counts["inbox"] += 1
            counts["unread"] += 1
        if state.starred:
            counts["starred"] += 1
    return counts
