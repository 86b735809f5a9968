"""The state file's schema: tables, and the migrations that bring an older file up to date.

Each migration runs once, in order, in one transaction with its version bump (`PRAGMA
user_version` counts how many have been applied); a file from a newer reader is refused. Only
ever append to `MIGRATIONS`.
"""

from __future__ import annotations

import sqlite3

__all__ = ["APPLICATION_ID", "MIGRATIONS", "SCHEMA_VERSION", "NewerSchemaError", "migrate"]

# "RDR1" as a big-endian int32: marks the file as ours (PRAGMA application_id).
APPLICATION_ID = 0x52445231

# Each migration is run once, in order, in one transaction with the version bump;
# PRAGMA user_version holds how many have been applied. Only ever append to this list.
MIGRATIONS: list[str] = [
    f"""
    PRAGMA application_id = {APPLICATION_ID};
    CREATE TABLE triage (
        id TEXT PRIMARY KEY,
        read INTEGER NOT NULL DEFAULT 0,
        starred INTEGER NOT NULL DEFAULT 0,
        archived INTEGER NOT NULL DEFAULT 0,
        tags TEXT NOT NULL DEFAULT '',      -- '' or a JSON array of strings
        first_seen TEXT,                    -- 'YYYY-mm-ddTHH:MM:SSZ'
        read_at TEXT
    ) WITHOUT ROWID;
    CREATE TABLE journal (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        field TEXT NOT NULL,                -- read | starred | archived | tags
        label TEXT NOT NULL,                -- what the user did, e.g. 'mark read'
        rows INTEGER NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE journal_rows (
        seq INTEGER NOT NULL,
        pos INTEGER NOT NULL,
        id TEXT NOT NULL,
        prev,                               -- the field's value before the action
        prev_read_at TEXT,
        PRIMARY KEY (seq, pos)
    ) WITHOUT ROWID;
    CREATE TABLE link_results (
        url TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        code INTEGER,
        final_url TEXT,
        redirects INTEGER NOT NULL,
        method TEXT,
        elapsed_ms INTEGER NOT NULL,
        error TEXT,
        checked_at REAL NOT NULL            -- Unix time, UTC
    );
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE saved_searches (
        name TEXT PRIMARY KEY,
        query TEXT NOT NULL,
        created REAL NOT NULL
    );
    """,
    # 2: the first redirect's status (LinkResult.redirect_code).
    """
    ALTER TABLE link_results ADD COLUMN redirect_code INTEGER;
    """,
    # 3: feed subscriptions (reader/feeds/subscriptions.py).
    """
    CREATE TABLE feeds (
        url TEXT PRIMARY KEY,
        name TEXT NOT NULL DEFAULT '',
        folder TEXT NOT NULL DEFAULT '',    -- the user's folder ('' or 'News/Tech')
        dir TEXT NOT NULL DEFAULT '',       -- the folder its files go to, fixed at first fetch
        added REAL NOT NULL,
        etag TEXT,
        last_modified TEXT,
        last_fetched REAL,
        last_status TEXT,                   -- ok | not_modified | error
        error TEXT
    );
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


class NewerSchemaError(Exception):
    """The file was written by a newer reader (its schema version is `version`)."""

    def __init__(self, version: int) -> None:
        super().__init__(f"schema {version}, this reader knows {SCHEMA_VERSION}")
        self.version = version


def migrate(conn: sqlite3.Connection) -> None:
    """Apply the migrations this file lacks, each with its version bump, under the write lock.

    Raises `NewerSchemaError`, or the `sqlite3.Error` of a failing statement.
    """
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Read again under the lock: another process may have migrated meanwhile.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise NewerSchemaError(version)
        for number in range(version, SCHEMA_VERSION):
            for statement in _statements(MIGRATIONS[number]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _statements(script: str) -> list[str]:
    """Split a migration into statements (executescript would commit our transaction)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
