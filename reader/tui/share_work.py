"""Share targets and the pipe (`[[share]]`, `[pipe]` in the config): commands run on a thread.

Each command is a list of arguments run without a shell, its placeholders filled one argument
at a time (`reader.share`), so an article's title can never become a command. What it prints, or
why it failed, is one notification.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

from reader.model import Article
from reader.session import Session
from reader.share import CommandResult, ShareTarget, expand_command, run_command

__all__ = ["ShareWork"]


class ShareWork:
    def __init__(
        self,
        app: Any,
        session: Session,
        *,
        shares: Sequence[ShareTarget],
        pipe_command: Sequence[str],
        url_for: Callable[[Article], str | None],
    ) -> None:
        self.app = app
        self.session = session
        self.shares = list(shares)
        self.pipe_command = tuple(pipe_command)
        self.url_for = url_for
        self.results: list[CommandResult] = []
        """What each finished command gave, in order (tests read it)."""

    def share(self, index: int, article: Article | None) -> None:
        if not 0 <= index < len(self.shares):
            return
        target = self.shares[index]
        if article is None:
            self.app.notify(f"{target.name}: no article under the cursor.", timeout=3)
            return
        values = {
            "url": self.url_for(article) or "",
            "title": article.title,
            "id": article.id,
            "path": os.path.abspath(article.path) if article.path else "",
        }
        self._run(target.name, expand_command(target.command, values), stdin=None)

    def pipe(self, article: Article | None) -> None:
        if not self.pipe_command:
            self.app.notify(
                "No pipe command: set [pipe] command in the config (reader config --path).",
                severity="warning",
                timeout=6,
            )
            return
        if article is None:
            return
        from reader.cli.output import article_json
        from reader.text import dump_json

        full = self.session.full_article(article) or article
        data = article_json(full, self.session.state(article.id))
        self._run("Pipe", list(self.pipe_command), stdin=dump_json(data) + "\n")

    def _run(self, name: str, argv: list[str], *, stdin: str | None) -> None:
        app = self.app
        timeout = self.session.settings.command_timeout

        def run() -> None:
            result = run_command(argv, stdin=stdin, timeout=timeout)
            with contextlib.suppress(RuntimeError):  # the app has gone: nobody to tell
                app.call_from_thread(self._done, name, result)

        threading.Thread(target=run, name="reader-share", daemon=True).start()

    def _done(self, name: str, result: CommandResult) -> None:
        self.results.append(result)
        self.app.notify(
            result.summary(name),
            severity="information" if result.ok else "error",
            timeout=6 if result.ok else 12,
        )
