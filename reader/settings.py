"""Every tunable default in one typed object.

The CLI, the app, the link checker and the loader read their limits and timings from a
`Settings`; nothing else holds a default of its own. `DEFAULTS` is what reader does out of the
box; the config file (`reader.config`) gives another `Settings` with some fields changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

__all__ = ["DEFAULTS", "Settings"]


@dataclass(frozen=True, slots=True)
class Settings:
    # Link checks
    link_max_age_hours: float = 24.0
    """Cached link results younger than this are reused (`reader check --max-age`)."""
    link_concurrency: int = 32
    link_per_host: int = 4
    link_timeout: float = 10.0
    """Seconds for one request, connect to last header."""
    max_redirects: int = 10
    retry_after_cap: float = 30.0
    """The longest `Retry-After` that is waited out before retrying."""

    # Feeds (`reader fetch` and the app's `F`)
    feed_concurrency: int = 8
    """Feeds fetched at once."""
    feed_per_host: int = 2
    """Feeds of one host fetched at once."""
    feed_timeout: float = 20.0
    """Seconds for one feed, redirects included."""

    # Loading and searching
    pool_threshold: int = 4000
    """From this many files to parse on, a cold load uses a pool of processes."""
    background_search: int = 10_000
    """From this many articles on, the app searches in a thread."""

    # The state file
    state_busy_timeout_ms: int = 5000
    """How long a command waits for a state file that another process holds..."""
    state_retry_seconds: float = 10.0
    """...then how long it asks again, with backoff, before it gives up with one line."""
    app_busy_timeout_ms: int = 250
    """How long one write on the app's thread waits for the state file; after that it is
    retried in the background for `save_retry_seconds`, the screen showing what is saved."""
    save_retry_seconds: float = 10.0
    poll_seconds: float = 2.0
    """How often the app looks for changes another process made to the state file."""

    # The app
    detail_settle_seconds: float = 0.08
    """Without cursor movement for this long, the detail pane catches up with a held key."""
    auto_check_delay: float = 0.4
    """The cursor rests this long on an article before its stale links are checked."""
    check_on_show: bool = True
    """Showing an article checks its stale links in the background (False: only `c`, `C`,
    `o`, which sends no request to a site just because the cursor passed its article)."""
    default_sort: str = "date"
    default_view: str = "inbox"
    theme: str = ""
    """A theme name; empty: the one last chosen in the app (the palette's "Change theme")."""
    confirm_mark_all: int = 100
    """`R` (or `A`) on more unread articles than this asks first."""
    command_timeout: float = 60.0
    """Seconds a share or pipe command may run before it is stopped."""

    # Stories
    story_triage: bool = True
    """In grouped mode, read, star, archive and tags apply to the whole story (False: only to
    the article under the cursor)."""

    # Reading mode
    reading_timeout: float = 15.0
    """Seconds for one page, redirects and download included (`reader read --timeout`)."""
    reading_concurrency: int = 8
    reading_per_host: int = 2
    reading_by_default: bool = False
    """The detail pane opens in reading mode (the article's full text) rather than its file."""
    mark_read: str = "never"
    """"never": only what says so marks read (Enter, r, R, A, and opening its page with o, a or
    O); "open": also opening its full text (v) or the detail pane (Tab, a click); "select":
    also the cursor resting on it for `mark_read_delay` seconds."""
    mark_read_delay: float = 1.0
    open_marks_read_and_advances: bool = False
    """`o` and `a` also mark the article read and move to the next unread one."""

    @property
    def link_max_age(self) -> timedelta:
        return timedelta(hours=self.link_max_age_hours)


DEFAULTS = Settings()
