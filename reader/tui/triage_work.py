"""Triage with feedback on screen: archive (the cursor lands on the next row), mark many read
(asking first when many), undo (the cursor back on the article undone).

The session does the triage; this module decides where the cursor goes and what is said.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from reader.session import Session
from reader.tui.screens.confirm import ask_if_many
from reader.tui.widgets.article_list import ArticleList
from reader.views import in_view

__all__ = ["TriageWork"]


class TriageWork:
    def __init__(self, screen: Any, session: Session, show_rows: Callable[[bool], None]) -> None:
        self.screen = screen
        self.session = session
        self.show_rows = show_rows
        """Repaint the view's rows (the flag: keep the cursor on its article)."""

    def toggle_archive(self, article_list: ArticleList) -> None:
        session = self.session
        article_id = article_list.cursor_id
        if not article_id:
            return
        archived = not session.state(article_id).archived
        row = article_list.cursor_row
        order = list(article_list.order)

        def moved() -> None:
            if in_view(session.view, session.state(article_id)):
                return
            # The row leaves the view: land on the next row (or the new last one).
            next_id = session.articles[order[row + 1]].id if row + 1 < len(order) else None
            session.refresh()
            self.show_rows(False)
            if next_id is None or not article_list.move_cursor_to_id(next_id):
                article_list.cursor_row = min(row, max(0, article_list.row_count - 1))
            self.screen.notify(
                "Archived (u to undo)" if archived else "Moved back to the inbox", timeout=2
            )

        session.triage(session.story_ids(article_id), archived=archived, then=moved)

    def mark_rows_read(self, rows: Sequence[int], where: str) -> None:
        """`R` and `A`: the unread articles of `rows` (their stories, grouped) read in one undo
        step, asking first when there are many."""
        session, screen = self.session, self.screen
        ids = [m for i in rows for m in session.story_ids(session.articles[i].id)]
        unread = [i for i in dict.fromkeys(ids) if not session.state(i).read]
        if not unread:
            screen.notify(f"Every article {where} is already read.", timeout=2)
            return
        count = f"{len(unread):,} article{'s' if len(unread) != 1 else ''}"
        done = f"Marked {count} read (u to undo)"
        ask_if_many(
            screen.app,
            (len(unread), session.settings.confirm_mark_all),
            f"Mark {len(unread):,} articles read?",
            lambda: session.triage(unread, read=True, then=lambda: screen.notify(done, timeout=3)),
        )

    def undo(self, article_list: ArticleList) -> None:
        def undone(ids: list[str] | None, what: str) -> None:
            if not ids:
                self.screen.notify("Nothing to undo.", timeout=2)
                return
            self.session.refresh()
            self.show_rows(True)
            if len(ids) == 1:
                article_list.move_cursor_to_id(ids[0])
            count = f"{len(ids):,} article{'s' if len(ids) != 1 else ''}"
            self.screen.notify(f"Undone: {what} ({count})", timeout=2)

        self.session.undo(then=undone)
