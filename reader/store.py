"""The state file: triage state per article, the undo journal, link-check results, settings.

One SQLite file shared by the TUI and the CLI (and by several processes at once). Why SQLite:
a committed transaction is atomic and survives a killed process, and WAL mode lets one process
read while another writes. Every public method that changes something is one committed
transaction before it returns, so whatever the screen shows after an action is already on disk.

Durability: WAL with `synchronous=FULL`. A commit appends to the WAL file and fsyncs it, so an
action survives not only `kill -9` (which `NORMAL` already guarantees: the WAL write sits in the
OS page cache) but also a power cut or an OS crash right after the key press. The price is one
fsync per action (a bulk action is one transaction, so one fsync); at keyboard speed that is
invisible. Pass `synchronous="NORMAL"` to `Store.open` to trade that for speed.

Merge rule for `import_state` (moving state between machines): read, starred and archived are
OR-ed (a flag set on either side stays set), tags are unioned (local order first), first_seen and
read_at keep the earliest time. The merge is idempotent and commutative, so importing in both
directions converges; the one thing it cannot carry is an un-set (unstar, unarchive) made on only
one side.

Tags are ordered, case-preserving and unique ignoring case: adding "ai" to an article tagged "AI"
changes nothing, and removing "ai" removes "AI".

Opening and locking: the file is only ever touched through SQLite. (Opening and closing any
descriptor of a database file from the same process drops every POSIX lock the process holds on
it, SQLite's included; another process then believes it is the last one, checkpoints and deletes
the WAL, and this one writes on into a deleted file. A plain `open()` of the file is exactly
that.) A file is moved aside only when SQLite itself says, on a fresh open, that it is corrupt or
not a database; a database of another application is refused, never moved. A write waits for
another process's write lock (`busy_timeout_ms`), then retries with backoff for `retry_seconds`,
then raises `StoreBusy`; every failure is a `StoreError` worded for the user.

Undo: every action writes, in the same transaction, a journal entry with the previous value of
the one field it changed, for the rows it actually changed (an action that changes nothing writes
no entry). `undo()` reverts the newest entry and deletes it. The journal is in the file, so undo
works across restarts; it is shared by every process on the file (the newest action is undone,
whichever window made it). It keeps the newest 200 entries and at most about a million rows.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, NamedTuple, Self

from reader.model import LinkKind, LinkResult, LinkStatus, TriageState, iso_utc
from reader.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, NewerSchemaError, migrate
from reader.settings import DEFAULTS
from reader.text import preview, sanitize

__all__ = [
    "APPLICATION_ID",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Store",
    "StoreBusy",
    "StoreError",
    "file_problem",
    "states_export",
]

JOURNAL_MAX_ENTRIES = 200
JOURNAL_MAX_ROWS = 1_000_000
EXPORT_VERSION = 1
MAX_TAG_LENGTH = 100
MAX_TAGS = 1000

MAX_ID_LENGTH = 1000
# Times the store accepts on import: what it writes, it must read back (and do arithmetic on).
_EARLIEST_YEAR, _LATEST_YEAR = 1970, 9998

# SQLite's primary result codes (`sqlite3.Error.sqlite_errorcode & 0xFF`).
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_NOTADB = 5, 6, 11, 13, 26

Flag = Literal["read", "starred", "archived"]


class StoreError(Exception):
    """A problem with the state file, worded for the user (one line, no traceback needed).

    `reason` is the short cause ("database or disk is full"), for messages that say what was
    not saved.
    """

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message


class StoreBusy(StoreError):
    """Another process held the write lock for longer than this store waits."""


class _Corrupt(Exception):
    """SQLite says the file is corrupt or not a database (on a fresh open)."""


_FLAG_LABELS: dict[tuple[str, bool], str] = {
    ("read", True): "mark read",
    ("read", False): "mark unread",
    ("starred", True): "star",
    ("starred", False): "unstar",
    ("archived", True): "archive",
    ("archived", False): "unarchive",
}


# A raw triage row without its id: (read, starred, archived, tags_text, first_seen, read_at).
class TriageRow(NamedTuple):
    """A triage row as stored (without its id): flags as 0/1, tags as JSON text ('' for none),
    times as `YYYY-mm-ddTHH:MM:SSZ` text."""

    read: int = 0
    starred: int = 0
    archived: int = 0
    tags: str = ""
    first_seen: str | None = None
    read_at: str | None = None


_EMPTY_ROW = TriageRow()
_COLUMNS = "read, starred, archived, tags, first_seen, read_at"
_TOUCHED_WHERE = " WHERE read OR starred OR archived OR tags NOT IN ('', '[]')"


class Store:
    """Triage state, undo journal, link results, settings and saved searches in one SQLite file.

    Open with `Store.open(path)`; use as a context manager or call `close()`. Safe to share
    between threads (calls are serialised) and between processes (SQLite locking).
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path,
        *,
        notice: str | None = None,
        retry_seconds: float = 0.0,
    ) -> None:
        self._conn = conn
        self._lock = threading.RLock()
        self.path = path
        self.notice = notice
        self.retry_seconds = retry_seconds
        self._data_version = self._pragma("data_version")
        try:  # which file this is: `file_problem` notices another one put in its place
            self._identity: tuple[int, int] | None = _file_identity(path)
        except OSError:
            self._identity = None

    # ----------------------------------------------------------------------------- opening

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        synchronous: Literal["FULL", "NORMAL"] = "FULL",
        busy_timeout_ms: int = 5000,
        retry_seconds: float = 0.0,
    ) -> Store:
        """Open (creating it and its folder if needed) the state file at `path`.

        A file that SQLite finds corrupt, or that is no database at all, is moved aside to
        `<name>.corrupt-YYYYmmddTHHMMSS` and a fresh one created; `store.notice` then says so.
        Raises `StoreError` when the location cannot be written, the file belongs to another
        application or to a newer version of reader. A write that finds the file locked waits
        `busy_timeout_ms`, then retries with backoff for `retry_seconds` more.
        """
        if synchronous not in ("FULL", "NORMAL"):
            raise ValueError(f"synchronous must be FULL or NORMAL, not {synchronous!r}")
        path = Path(path).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create folder for state file {path}: {_strerror(exc)}"
            ) from None
        notice = None
        try:
            conn = _open_checked(path, synchronous, busy_timeout_ms)
        except _Corrupt as exc:
            backup = _move_aside(path)
            notice = f"state file {path} was unusable ({exc}); moved to {backup}; starting fresh"
            try:
                conn = _open_checked(path, synchronous, busy_timeout_ms)
            except _Corrupt as again:
                raise StoreError(f"state file {path}: {again}") from None
        return cls(conn, path, notice=notice, retry_seconds=retry_seconds)

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock, contextlib.suppress(sqlite3.Error):
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    # ------------------------------------------------------------------------ plumbing

    def _error(self, exc: sqlite3.Error) -> StoreError:
        return _store_error(exc, self.path)

    def _begin(self) -> None:
        """BEGIN IMMEDIATE: SQLite's busy handler waits up to the busy timeout; after that the
        lock is asked for again with backoff until `retry_seconds` have passed."""
        deadline = time.monotonic() + self.retry_seconds
        delay = 0.05
        while True:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.Error as exc:
                error = self._error(exc)
                if not isinstance(error, StoreBusy) or time.monotonic() + delay > deadline:
                    raise error from None
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taking the write lock up front (BEGIN IMMEDIATE) so that two
        processes wait for each other instead of failing on a lock upgrade."""
        with self._lock:
            self._begin()
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException as exc:
                if self._conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self._conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise self._error(exc) from None
                raise

    def writing(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """A write transaction, for a module that keeps a table of its own (feeds)."""
        return self._write()

    def reading(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return self._read()

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise self._error(exc) from None

    def _pragma(self, name: str) -> Any:
        with self._read() as conn:
            return conn.execute(f"PRAGMA {name}").fetchone()[0]

    def has_external_changes(self) -> bool:
        """Whether another connection (another process) committed since the last call.

        Cheap (`PRAGMA data_version`): poll it, e.g. on focus or a timer, and reload on True.
        """
        version = self._pragma("data_version")
        changed = version != self._data_version
        self._data_version = version
        return changed

    def integrity_check(self) -> str:
        """SQLite's full integrity check: 'ok' or the first problems found."""
        with self._read() as conn:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
        return "; ".join(str(row[0]) for row in rows)

    # ------------------------------------------------------------------------ triage: reading

    def states(self, *, touched_only: bool = False) -> dict[str, TriageState]:
        """Every article the store knows, in one query; with `touched_only`, only those read,
        starred, archived or tagged (a start-up reads those: the store knows every article
        ever seen). Rows that are equal share one object."""
        where = _TOUCHED_WHERE if touched_only else ""
        with self._read() as conn:
            rows = conn.execute(f"SELECT id, {_COLUMNS} FROM triage{where}").fetchall()
        cache: dict[tuple[Any, ...], TriageState] = {}
        times: dict[str | None, datetime | None] = {None: None}
        result: dict[str, TriageState] = {}
        for article_id, *fields in rows:
            key = tuple(fields)
            state = cache.get(key)
            if state is None:
                state = cache[key] = _to_state(key, times)
            result[article_id] = state
        return result

    def state(self, article_id: str) -> TriageState:
        """One article's state (the untouched default when the store has no row for it)."""
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM triage WHERE id = ?", (article_id,)
            ).fetchone()
        return _to_state(row or _EMPTY_ROW, {None: None})

    def all_tags(self) -> list[str]:
        """Every tag in use, most used first, then by name; case variants count as one tag
        (shown in their most common spelling)."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT j.value, count(*) FROM triage AS t, json_each(t.tags) AS j "
                "WHERE t.tags != '' GROUP BY j.value"
            ).fetchall()
        totals: Counter[str] = Counter()
        spellings: dict[str, Counter[str]] = {}
        for tag, count in rows:
            folded = tag.casefold()
            totals[folded] += count
            spellings.setdefault(folded, Counter())[tag] += count
        ordered = sorted(totals, key=lambda f: (-totals[f], f))
        return [spellings[f].most_common(1)[0][0] for f in ordered]

    # ------------------------------------------------------------------------ triage: actions

    def set_read(self, ids: Sequence[str], value: bool) -> dict[str, TriageState]:
        """Mark articles read (stamping read_at) or unread (clearing it). One undoable step."""
        return self._set_flag("read", ids, value)

    def set_starred(self, ids: Sequence[str], value: bool) -> dict[str, TriageState]:
        """Star or unstar articles. One undoable step."""
        return self._set_flag("starred", ids, value)

    def set_archived(self, ids: Sequence[str], value: bool) -> dict[str, TriageState]:
        """Archive or unarchive articles. One undoable step."""
        return self._set_flag("archived", ids, value)

    def add_tag(self, ids: Sequence[str], tag: str) -> dict[str, TriageState]:
        """Append `tag` to each article that lacks it (ignoring case). One undoable step."""
        clean = _clean_tag(tag)
        folded = clean.casefold()

        def change(tags: list[str]) -> list[str]:
            if any(t.casefold() == folded for t in tags):
                return tags
            return [*tags, clean]

        return self._change_tags(_unique_ids(ids), change, f"tag {clean}")

    def remove_tag(self, ids: Sequence[str], tag: str) -> dict[str, TriageState]:
        """Remove `tag` (ignoring case) from each article. One undoable step."""
        clean = _clean_tag(tag)
        folded = clean.casefold()
        return self._change_tags(
            _unique_ids(ids),
            lambda tags: [t for t in tags if t.casefold() != folded],
            f"untag {clean}",
        )

    def set_tags(self, article_id: str, tags: Sequence[str]) -> TriageState:
        """Replace one article's tags (order kept, duplicates ignoring case dropped)."""
        return self.set_tags_of([article_id], tags)[article_id]

    def set_tags_of(self, ids: Sequence[str], tags: Sequence[str]) -> dict[str, TriageState]:
        """Give several articles the same tags, as one undoable step (a story's articles)."""
        if isinstance(tags, str):
            raise StoreError("tags must be a list of strings, not one string")
        wanted = _clean_tags(tags)
        return self._change_tags(_unique_ids(ids), lambda _old: wanted, "set tags")

    def mark_seen(self, ids: Iterable[str]) -> int:
        """Stamp first_seen on the articles that have none; returns how many were stamped.

        Not an undoable action. One statement however many ids, so cheap at 100k.
        """
        payload = json.dumps(_unique_ids(ids))
        now = _iso(_now())
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO triage (id, first_seen) SELECT value, ? FROM json_each(?) WHERE 1 "
                "ON CONFLICT (id) DO UPDATE SET first_seen = excluded.first_seen "
                "WHERE first_seen IS NULL",
                (now, payload),
            )
            return cursor.rowcount

    def undo(self) -> list[str] | None:
        """Revert the newest journal entry; returns the ids it touched, or None if none is left."""
        with self._write() as conn:
            entry = conn.execute(
                "SELECT seq, field FROM journal ORDER BY seq DESC LIMIT 1"
            ).fetchone()
            if entry is None:
                return None
            seq, field = entry
            rows = conn.execute(
                "SELECT id, prev, prev_read_at FROM journal_rows WHERE seq = ? ORDER BY pos",
                (seq,),
            ).fetchall()
            if field == "read":
                conn.executemany(
                    "UPDATE triage SET read = ?, read_at = ? WHERE id = ?",
                    [(prev, prev_read_at, id_) for id_, prev, prev_read_at in rows],
                )
            elif field in ("starred", "archived", "tags"):
                conn.executemany(
                    f"UPDATE triage SET {field} = ? WHERE id = ?",
                    [(prev, id_) for id_, prev, _ in rows],
                )
            else:  # pragma: no cover - only a newer reader could write another field
                raise StoreError(f"state file {self.path}: cannot undo unknown action {field!r}")
            conn.execute("DELETE FROM journal_rows WHERE seq = ?", (seq,))
            conn.execute("DELETE FROM journal WHERE seq = ?", (seq,))
        return [row[0] for row in rows]

    def peek_undo(self) -> tuple[str, int] | None:
        """What `undo()` would revert: (label such as 'mark read', number of articles), or None."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT label, rows FROM journal ORDER BY seq DESC LIMIT 1"
            ).fetchone()
        return None if row is None else (row[0], row[1])

    def _set_flag(self, field: Flag, ids: Sequence[str], value: bool) -> dict[str, TriageState]:
        unique = _unique_ids(ids)
        new = int(bool(value))
        now = _iso(_now())
        with self._write() as conn:
            current = _fetch_rows(conn, unique)
            changed: list[tuple[str, TriageRow]] = []
            for id_ in unique:
                row = current.get(id_, _EMPTY_ROW)
                if getattr(row, field) != new:
                    changed.append((id_, row))
            if changed:
                seq = _journal(conn, field, _FLAG_LABELS[field, bool(value)], len(changed))
                conn.executemany(
                    "INSERT INTO journal_rows (seq, pos, id, prev, prev_read_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [
                        (seq, pos, id_, getattr(row, field), row.read_at)
                        for pos, (id_, row) in enumerate(changed)
                    ],
                )
                if field == "read":
                    read_at = now if new else None
                    conn.executemany(
                        "INSERT INTO triage (id, read, read_at, first_seen) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (id) DO UPDATE SET read = excluded.read, "
                        "read_at = excluded.read_at, "
                        "first_seen = coalesce(first_seen, excluded.first_seen)",
                        [(id_, new, read_at, now) for id_, _ in changed],
                    )
                else:
                    conn.executemany(
                        f"INSERT INTO triage (id, {field}, first_seen) VALUES (?, ?, ?) "
                        f"ON CONFLICT (id) DO UPDATE SET {field} = excluded.{field}, "
                        "first_seen = coalesce(first_seen, excluded.first_seen)",
                        [(id_, new, now) for id_, _ in changed],
                    )
                for id_, row in changed:
                    updated = row._replace(**{field: new}, first_seen=row.first_seen or now)
                    if field == "read":
                        updated = updated._replace(read_at=now if new else None)
                    current[id_] = updated
        return _states_for(unique, current)

    def _change_tags(
        self, ids: list[str], change: Callable[[list[str]], list[str]], label: str
    ) -> dict[str, TriageState]:
        now = _iso(_now())
        with self._write() as conn:
            current = _fetch_rows(conn, ids)
            changed: list[tuple[str, TriageRow, str]] = []
            for id_ in ids:
                row = current.get(id_, _EMPTY_ROW)
                old = _tags_from_text(row.tags)
                new = change(list(old))
                if list(old) != new:
                    changed.append((id_, row, json.dumps(new, ensure_ascii=False) if new else ""))
            if changed:
                seq = _journal(conn, "tags", label, len(changed))
                conn.executemany(
                    "INSERT INTO journal_rows (seq, pos, id, prev) VALUES (?, ?, ?, ?)",
                    [(seq, pos, id_, row.tags) for pos, (id_, row, _) in enumerate(changed)],
                )
                conn.executemany(
                    "INSERT INTO triage (id, tags, first_seen) VALUES (?, ?, ?) "
                    "ON CONFLICT (id) DO UPDATE SET tags = excluded.tags, "
                    "first_seen = coalesce(first_seen, excluded.first_seen)",
                    [(id_, text, now) for id_, _, text in changed],
                )
                for id_, row, text in changed:
                    current[id_] = row._replace(tags=text, first_seen=row.first_seen or now)
        return _states_for(ids, current)

    # ------------------------------------------------------------------------ export / import

    def export_state(self) -> dict[str, Any]:
        """All triage state as JSON-able data (the `reader state export` format, version 1)."""
        with self._read() as conn:
            rows = conn.execute(f"SELECT id, {_COLUMNS} FROM triage ORDER BY id").fetchall()
        articles = {
            id_: {
                "read": bool(read),
                "starred": bool(starred),
                "archived": bool(archived),
                "tags": list(_tags_from_text(tags)),
                "first_seen": first_seen,
                "read_at": read_at,
            }
            for id_, read, starred, archived, tags, first_seen, read_at in rows
        }
        return {"version": EXPORT_VERSION, "articles": articles}

    def import_state(self, data: Any) -> int:
        """Merge an export into the store (see the module docstring for the rule).

        Validates everything first; bad input raises `StoreError` and changes nothing.
        Returns the number of articles whose state changed (0 on a repeated import).
        """
        incoming = _parse_export(data)
        with self._write() as conn:
            current = _fetch_rows(conn, list(incoming))
            updates = []
            for id_, theirs in incoming.items():
                ours = current.get(id_, _EMPTY_ROW)
                if ours == theirs:
                    continue
                merged = _merge(ours, theirs)
                if merged != ours:
                    updates.append((id_, *merged))
            conn.executemany(
                "INSERT INTO triage (id, read, starred, archived, tags, first_seen, read_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                "read = excluded.read, starred = excluded.starred, "
                "archived = excluded.archived, tags = excluded.tags, "
                "first_seen = excluded.first_seen, read_at = excluded.read_at",
                updates,
            )
        return len(updates)

    # ------------------------------------------------------------------------ link results

    def save_link_results(self, results: Iterable[LinkResult]) -> None:
        """Store link-check results (newest per URL wins), in one transaction."""
        rows = [
            (
                r.url,
                r.kind.value,
                r.status.value,
                r.code,
                r.final_url,
                r.redirects,
                r.method,
                r.elapsed_ms,
                r.error,
                r.checked_at.timestamp(),
                r.redirect_code,
            )
            for r in results
        ]
        if not rows:
            return
        with self._write() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO link_results (url, kind, status, code, final_url, "
                "redirects, method, elapsed_ms, error, checked_at, redirect_code) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    def link_results(
        self,
        urls: Iterable[str] | None = None,
        *,
        max_age: timedelta | None = DEFAULTS.link_max_age,
    ) -> dict[str, LinkResult]:
        """Cached results by URL: for `urls` (or every URL), only those checked within `max_age`
        (None: however old)."""
        oldest = -1e300 if max_age is None else time.time() - max_age.total_seconds()
        query = (
            "SELECT url, kind, status, code, final_url, redirects, method, elapsed_ms, error, "
            "checked_at, redirect_code FROM link_results WHERE checked_at >= ?"
        )
        params: tuple[Any, ...] = (oldest,)
        if urls is not None:
            query += " AND url IN (SELECT value FROM json_each(?))"
            params = (oldest, json.dumps(list(urls)))
        with self._read() as conn:
            rows = conn.execute(query, params).fetchall()
        return {row[0]: _to_link_result(row) for row in rows}

    # ------------------------------------------------------------------------ settings

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        """A stored setting (e.g. the theme), or `default`."""
        with self._read() as conn:
            row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return default if row is None else row[0]

    def set_setting(self, key: str, value: str | None) -> None:
        """Store a setting; None removes it."""
        with self._write() as conn:
            if value is None:
                conn.execute("DELETE FROM settings WHERE key = ?", (key,))
            else:
                conn.execute(
                    "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, str(value))
                )

    # ------------------------------------------------------------------------ saved searches

    def save_search(self, name: str, query: str) -> None:
        """Save (or replace, keeping its place) a named search."""
        name = name.strip()
        if not name or _has_control(name):
            raise StoreError("a saved search needs a name without control characters")
        with self._write() as conn:
            conn.execute(
                "INSERT INTO saved_searches (name, query, created) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET query = excluded.query",
                (name, query, time.time()),
            )

    def saved_searches(self) -> list[tuple[str, str]]:
        """(name, query) pairs in the order they were first saved."""
        with self._read() as conn:
            return [
                (name, query)
                for name, query in conn.execute(
                    "SELECT name, query FROM saved_searches ORDER BY created, name"
                )
            ]

    def delete_search(self, name: str) -> bool:
        """Delete a saved search; returns whether it existed."""
        with self._write() as conn:
            return conn.execute("DELETE FROM saved_searches WHERE name = ?", (name,)).rowcount > 0


# ---------------------------------------------------------------------------- row helpers


def _fetch_rows(conn: sqlite3.Connection, ids: list[str]) -> dict[str, TriageRow]:
    """The stored rows for `ids` in one statement (the ids travel as one JSON parameter)."""
    if len(ids) == 1:
        cursor = conn.execute(f"SELECT id, {_COLUMNS} FROM triage WHERE id = ?", (ids[0],))
    else:
        cursor = conn.execute(
            f"SELECT id, {_COLUMNS} FROM triage WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(ids),),
        )
    return {article_id: TriageRow(*fields) for article_id, *fields in cursor}


def _journal(conn: sqlite3.Connection, field: str, label: str, rows: int) -> int:
    """Add a journal entry and drop the oldest beyond the bounds; returns its seq."""
    cursor = conn.execute(
        "INSERT INTO journal (field, label, rows, created_at) VALUES (?, ?, ?, ?)",
        (field, label, rows, _iso(_now())),
    )
    seq = cursor.lastrowid
    assert seq is not None
    total = 0
    cutoff = None
    for kept, (old_seq, count) in enumerate(
        conn.execute("SELECT seq, rows FROM journal ORDER BY seq DESC")
    ):
        total += count
        if kept >= JOURNAL_MAX_ENTRIES or (kept > 0 and total > JOURNAL_MAX_ROWS):
            cutoff = old_seq
            break
    if cutoff is not None:
        conn.execute("DELETE FROM journal_rows WHERE seq <= ?", (cutoff,))
        conn.execute("DELETE FROM journal WHERE seq <= ?", (cutoff,))
    return seq


# ---------------------------------------------------------------------------- opening helpers


def _strerror(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _error_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def _store_error(exc: sqlite3.Error, path: Path) -> StoreError:
    """A StoreError (StoreBusy for a lock) worded for the user."""
    code = _error_code(exc)
    message = str(exc)
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED) or "locked" in message or "busy" in message:
        return StoreBusy(
            f"state file {path} is busy: another process holds it ({message})", "state file busy"
        )
    return StoreError(f"state file {path}: {message}", message)


def file_problem(store: Store) -> str | None:
    """Why the file at `store.path` is no longer the one the store writes (removed, another file
    put in its place, its content overwritten), or None. Cheap: a `stat` and one query.
    (A `stat`, not an open: closing another descriptor of the file would drop SQLite's
    locks.)"""
    if store._identity is None:
        return None
    try:
        identity = _file_identity(store.path)
    except FileNotFoundError:
        return "it was removed"
    except OSError:
        return None  # cannot tell now; the next poll asks again
    if identity != store._identity:
        return "another file was put in its place"
    try:
        with store._read() as conn:
            conn.execute("SELECT 1 FROM triage LIMIT 1").fetchall()
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    except StoreBusy:
        return None
    except StoreError as exc:
        return f"its content was overwritten ({exc.reason})"
    if app_id != APPLICATION_ID:
        return "its content was overwritten (another application's database)"
    return None


def states_export(states: Mapping[str, TriageState]) -> dict[str, Any]:
    """States held in memory in the export format (what `import_state` merges)."""
    return {
        "version": EXPORT_VERSION,
        "articles": {
            article_id: {
                "read": state.read,
                "starred": state.starred,
                "archived": state.archived,
                "tags": list(state.tags),
                "first_seen": _iso(state.first_seen) if state.first_seen else None,
                "read_at": _iso(state.read_at) if state.read_at else None,
            }
            for article_id, state in states.items()
        },
    }


def _file_identity(path: Path) -> tuple[int, int]:
    """(device, inode): which file a path names (raises OSError)."""
    info = os.stat(path)
    return info.st_dev, info.st_ino


def _open_checked(path: Path, synchronous: str, busy_timeout_ms: int) -> sqlite3.Connection:
    """A connection to a usable state file (migrated to this version); `_Corrupt` when SQLite
    finds the file corrupt or not a database. Nothing but SQLite touches the file."""
    try:
        conn = sqlite3.connect(
            path,
            timeout=busy_timeout_ms / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
    except sqlite3.Error as exc:
        raise StoreError(f"cannot write state file {path}: {_os_reason(path, exc)}") from None
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]  # reads the header
        if app_id not in (0, APPLICATION_ID):
            raise StoreError(
                f"state file {path} is a database of another application "
                f"(application_id {app_id:#x}); not touched: use another --state"
            )
        if app_id == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise StoreError(
                f"state file {path} is a database that is not a reader state file; "
                "not touched: use another --state"
            )
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise _Corrupt(f"malformed: {_short(str(check))}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StoreError(f"state file {path}: cannot use WAL mode (got {mode})")
        conn.execute(f"PRAGMA synchronous = {synchronous}")
        migrate(conn)
    except NewerSchemaError as exc:
        conn.close()
        raise StoreError(
            f"state file {path} was written by a newer reader ({exc}); upgrade reader or use "
            "another --state"
        ) from None
    except sqlite3.Error as exc:
        conn.close()
        if _error_code(exc) in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
            raise _Corrupt(_short(str(exc))) from None
        error = _store_error(exc, path)
        if isinstance(error, StoreBusy):
            raise error from None
        raise StoreError(f"cannot write state file {path}: {_os_reason(path, exc)}") from None
    except BaseException:
        conn.close()
        raise
    return conn


def _os_reason(path: Path, exc: sqlite3.Error) -> str:
    """The OS's words for why the file cannot be opened, where SQLite only says 'unable to
    open' (found with `stat`, which opens nothing)."""
    if path.is_dir():
        return os.strerror(errno.EISDIR)
    if not os.access(path.parent, os.W_OK):
        return os.strerror(errno.EACCES)
    return str(exc)


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _move_aside(path: Path) -> Path:
    """Rename a bad state file (and its -wal/-shm companions) to `<name>.corrupt-<time>`."""
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    backup = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while backup.exists():
        backup = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    try:
        path.rename(backup)
    except FileNotFoundError:
        pass  # another process moved it first
    except OSError as exc:
        raise StoreError(f"cannot move aside corrupt state file {path}: {_strerror(exc)}") from None
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        with contextlib.suppress(OSError):
            companion.rename(backup.with_name(backup.name + suffix))
    return backup


# ---------------------------------------------------------------------------- value helpers


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _iso(moment: datetime) -> str:
    text = iso_utc(moment)
    assert text is not None
    return text


def _parse_time(text: str | None, memo: dict[str | None, datetime | None]) -> datetime | None:
    """A stored time; one that cannot be read (written by an older reader) counts as absent
    rather than failing every later command."""
    try:
        return memo[text]
    except KeyError:
        try:
            moment: datetime | None = datetime.fromisoformat(text)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            moment = None
        if moment is not None and moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        memo[text] = moment
        return moment


def _import_time(value: Any) -> str | None:
    """An imported time in the store's own format, or ValueError: ISO 8601, 1970 to 9998."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if not _EARLIEST_YEAR <= moment.year <= _LATEST_YEAR:
        raise ValueError
    return _iso(moment)


def _tags_from_text(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text)) if text else ()


def _to_state(row: Sequence[Any], times: dict[str | None, datetime | None]) -> TriageState:
    read, starred, archived, tags, first_seen, read_at = row
    return TriageState(
        read=bool(read),
        starred=bool(starred),
        archived=bool(archived),
        tags=_tags_from_text(tags),
        first_seen=_parse_time(first_seen, times),
        read_at=_parse_time(read_at, times),
    )


def _states_for(ids: list[str], rows: Mapping[str, TriageRow]) -> dict[str, TriageState]:
    cache: dict[TriageRow, TriageState] = {}
    times: dict[str | None, datetime | None] = {None: None}
    result = {}
    for id_ in ids:
        row = rows.get(id_, _EMPTY_ROW)
        state = cache.get(row)
        if state is None:
            state = cache[row] = _to_state(row, times)
        result[id_] = state
    return result


def _to_link_result(row: Sequence[Any]) -> LinkResult:
    # Built directly rather than through LinkResult.from_json, whose strptime is slow on a large
    # cache. The fields are the same as its JSON shape.
    (url, kind, status, code, final_url, redirects, method, elapsed_ms, error, checked_at) = row[
        :10
    ]
    redirect_code = row[10]
    return LinkResult(
        url=url,
        kind=LinkKind(kind),
        status=LinkStatus(status),
        code=code,
        final_url=final_url,
        redirects=redirects,
        method=method,
        elapsed_ms=elapsed_ms,
        error=error,
        checked_at=datetime.fromtimestamp(checked_at, UTC),
        redirect_code=redirect_code,
    )


def _unique_ids(ids: Iterable[str]) -> list[str]:
    """Ids in first-seen order without repeats; a lone string is one id, not its characters."""
    if isinstance(ids, str):
        ids = [ids]
    unique = list(dict.fromkeys(ids))
    for id_ in unique:
        if not isinstance(id_, str) or not id_:
            raise StoreError(f"article ids must be non-empty strings, got {id_!r}")
    return unique


def _has_control(text: str) -> bool:
    """True when the text holds anything `sanitize` would change: controls, invisible or bidi
    characters, lone surrogates. Such text is refused, never stored."""
    return sanitize(text) != text


def _clean_tag(tag: Any) -> str:
    if not isinstance(tag, str):
        raise StoreError(f"a tag must be a string, got {preview(tag)}")
    if len(tag) > MAX_TAG_LENGTH * 2:
        raise StoreError(f"a tag must be at most {MAX_TAG_LENGTH} characters: {preview(tag, 20)}")
    clean = tag.strip()
    if not clean:
        raise StoreError("a tag must not be empty")
    if _has_control(clean):
        raise StoreError(
            f"a tag must not contain control or invisible characters: {preview(clean, 40)}"
        )
    if len(clean) > MAX_TAG_LENGTH:
        raise StoreError(f"a tag must be at most {MAX_TAG_LENGTH} characters: {preview(clean, 20)}")
    return clean


def _clean_tags(tags: Iterable[Any]) -> list[str]:
    result: list[str] = []
    seen: set[str] = set()
    for tag in tags:
        clean = _clean_tag(tag)
        if clean.casefold() not in seen:
            seen.add(clean.casefold())
            result.append(clean)
    return result


def _earliest(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return min(a, b)  # same fixed format, so text order is time order


def _merge(ours: TriageRow, theirs: TriageRow) -> TriageRow:
    read = ours.read | theirs.read
    tags = _clean_tags([*_tags_from_text(ours.tags), *_tags_from_text(theirs.tags)])
    read_at = _earliest(
        ours.read_at if ours.read else None, theirs.read_at if theirs.read else None
    )
    return TriageRow(
        read=read,
        starred=ours.starred | theirs.starred,
        archived=ours.archived | theirs.archived,
        tags=json.dumps(tags, ensure_ascii=False) if tags else "",
        first_seen=_earliest(ours.first_seen, theirs.first_seen),
        read_at=read_at if read else None,
    )


def _parse_export(data: Any) -> dict[str, TriageRow]:
    """Check an export document and turn it into rows; StoreError names the first problem."""
    if not isinstance(data, Mapping):
        raise StoreError("state import: expected a JSON object with 'version' and 'articles'")
    version = data.get("version")
    if version != EXPORT_VERSION:
        raise StoreError(
            f"state import: unsupported version {preview(version)} "
            f"(this reader reads {EXPORT_VERSION})"
        )
    articles = data.get("articles")
    if not isinstance(articles, Mapping):
        raise StoreError("state import: 'articles' must be an object keyed by article id")
    rows: dict[str, TriageRow] = {}
    for id_, entry in articles.items():
        where = f"state import: article {preview(id_, 40)}"
        if not isinstance(id_, str) or not id_:
            raise StoreError(f"{where}: ids must be non-empty strings")
        if len(id_) > MAX_ID_LENGTH or _has_control(id_):
            raise StoreError(
                f"{where}: ids are at most {MAX_ID_LENGTH} characters, without control or "
                "invisible characters"
            )
        if not isinstance(entry, Mapping):
            raise StoreError(f"{where}: expected an object")
        flags: dict[str, int] = {}
        for name in ("read", "starred", "archived"):
            value = entry.get(name, False)
            if not isinstance(value, bool):
                raise StoreError(f"{where}: {name!r} must be true or false, got {preview(value)}")
            flags[name] = int(value)
        tags = entry.get("tags", [])
        if not isinstance(tags, list):
            raise StoreError(f"{where}: 'tags' must be a list of strings")
        if len(tags) > MAX_TAGS:
            raise StoreError(f"{where}: at most {MAX_TAGS} tags per article")
        try:
            clean = _clean_tags(tags)
        except StoreError as exc:
            raise StoreError(f"{where}: {exc}") from None
        times: dict[str, str | None] = {}
        for name in ("first_seen", "read_at"):
            value = entry.get(name)
            try:
                times[name] = _import_time(value)
            except (ValueError, OverflowError):
                raise StoreError(
                    f"{where}: {name!r} must be an ISO 8601 time from {_EARLIEST_YEAR} to "
                    f"{_LATEST_YEAR}, or null; got {preview(value)}"
                ) from None
        rows[id_] = TriageRow(
            **flags,
            tags=json.dumps(clean, ensure_ascii=False) if clean else "",
            first_seen=times["first_seen"],
            read_at=times["read_at"] if flags["read"] else None,
        )
    return rows
