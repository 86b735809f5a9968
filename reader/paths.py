"""Where reader keeps things: the bundled sample, the state file, the cache.

One module knows the directories, so the CLI, the TUI and the tests agree on them.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "reader"


def sample_feed_dir() -> Path:
    """The bundled sample collection: inside the installed package, or beside it in a checkout."""
    package_dir = Path(__file__).resolve().parent
    installed = package_dir / "sample_feed"
    if installed.is_dir():
        return installed
    return package_dir.parent / "sample_feed"


def default_state_path() -> Path:
    """The SQLite state file: `$READER_STATE`, else `state.sqlite3` in the user's data dir."""
    override = os.environ.get("READER_STATE")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False) / "state.sqlite3"


def default_cache_dir() -> Path:
    """The parse cache folder: `$READER_CACHE_DIR`, else the user's cache dir."""
    override = os.environ.get("READER_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_cache_path

    return user_cache_path(APP_NAME, appauthor=False)


def reading_cache_dir() -> Path:
    """Where reading mode keeps the pages it read: `reading/` in the cache folder."""
    return default_cache_dir() / "reading"


def default_feeds_dir() -> Path:
    """Where `reader fetch` writes feed articles: `$READER_FEEDS_DIR`, else `feeds/` in the
    user's data dir (beside the state file)."""
    override = os.environ.get("READER_FEEDS_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False) / "feeds"
