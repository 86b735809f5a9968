"""Tests for reader.store: actions, undo, tags, export/import, robustness, concurrency."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reader.model import LinkKind, LinkResult, LinkStatus, TriageState
from reader.store import (
    APPLICATION_ID,
    JOURNAL_MAX_ENTRIES,
    SCHEMA_VERSION,
    Store,
    StoreBusy,
    StoreError,
)

HELPER = Path(__file__).with_name("store_kill_helper.py")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "state.sqlite3"


@pytest.fixture
def store(db_path: Path):
    with Store.open(db_path) as opened:
        yield opened


# ---------------------------------------------------------------------------- opening


def test_open_creates_folder_wal_and_schema(db_path: Path) -> None:
    with Store.open(db_path) as store:
        assert store.notice is None
        assert store.states() == {}
    assert db_path.is_file()
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    conn.close()


def test_reopen_keeps_state_and_does_not_migrate_again(db_path: Path) -> None:
    with Store.open(db_path) as store:
        store.set_starred(["a"], True)
    with Store.open(db_path) as store:
        assert store.notice is None
        assert store.state("a").starred


def test_unknown_article_is_untouched(store: Store) -> None:
    assert store.state("nope") == TriageState()


# ---------------------------------------------------------------------------- actions


def test_set_read_stamps_and_clears_read_at(store: Store) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    states = store.set_read(["a", "b"], True)
    assert set(states) == {"a", "b"}
    for state in states.values():
        assert state.read
        assert state.read_at is not None and state.read_at >= before
        assert state.first_seen is not None
    assert store.state("a") == states["a"]
    states = store.set_read(["a"], False)
    assert states["a"].read is False and states["a"].read_at is None
    assert store.state("a").read_at is None
    assert store.state("b").read


def test_star_and_archive_are_independent(store: Store) -> None:
    store.set_starred(["a"], True)
    store.set_archived(["a", "b"], True)
    store.set_read(["b"], True)
    assert store.state("a") == TriageState(
        starred=True, archived=True, first_seen=store.state("a").first_seen
    )
    b = store.state("b")
    assert (b.read, b.starred, b.archived) == (True, False, True)
    store.set_starred(["a"], False)
    assert store.state("a").starred is False
    assert store.state("a").archived is True


def test_states_returns_every_row(store: Store) -> None:
    store.set_starred(["a"], True)
    store.set_read(["b"], True)
    store.mark_seen(["c"])
    states = store.states()
    assert set(states) == {"a", "b", "c"}
    assert states["a"].starred and not states["a"].read
    assert states["b"].read and not states["b"].starred
    assert states["c"].first_seen is not None and not states["c"].read


def test_touched_states_leave_out_articles_only_seen(store: Store) -> None:
    store.mark_seen(["seen", "starred", "read", "archived", "tagged", "untagged", "unstarred"])
    store.set_starred(["starred", "unstarred"], True)
    store.set_starred(["unstarred"], False)
    store.set_read(["read"], True)
    store.set_archived(["archived"], True)
    store.set_tags_of(["tagged", "untagged"], ["work"])
    store.set_tags_of(["untagged"], [])
    touched = store.states(touched_only=True)
    assert set(touched) == {"starred", "read", "archived", "tagged"}
    everything = store.states()
    assert all(touched[key] == everything[key] for key in touched)
    assert len(everything) == 7


def test_lone_string_is_one_id(store: Store) -> None:
    states = store.set_starred("abc", True)  # type: ignore[arg-type]
    assert list(states) == ["abc"]
    assert store.state("abc").starred and store.state("a") == TriageState()


def test_empty_id_is_rejected(store: Store) -> None:
    with pytest.raises(StoreError, match="non-empty"):
        store.set_read(["ok", ""], True)
    assert store.state("ok") == TriageState()


def test_mark_seen_only_stamps_new_ids(store: Store) -> None:
    assert store.mark_seen(["a", "b"]) == 2
    first = store.state("a").first_seen
    assert first is not None
    assert store.mark_seen(["a", "b", "c"]) == 1
    assert store.state("a").first_seen == first
    assert store.peek_undo() is None  # not an undoable action


def test_action_keeps_earlier_first_seen(store: Store) -> None:
    store.import_state({"version": 1, "articles": {"a": {"first_seen": "2020-01-02T03:04:05Z"}}})
    store.set_read(["a"], True)
    assert store.state("a").first_seen == datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)


# ---------------------------------------------------------------------------- tags


def test_tags_ordered_unique_case_preserving(store: Store) -> None:
    store.add_tag(["a"], "Rust")
    store.add_tag(["a"], "  AI ")
    store.add_tag(["a"], "rust")  # same tag ignoring case: no change
    assert store.state("a").tags == ("Rust", "AI")
    store.remove_tag(["a"], "RUST")
    assert store.state("a").tags == ("AI",)
    state = store.set_tags("a", ["z", "Y", "z", "y", "x"])
    assert state.tags == ("z", "Y", "x")
    assert store.state("a").tags == ("z", "Y", "x")
    assert store.set_tags("a", []).tags == ()


@pytest.mark.parametrize("bad", ["", "   ", "a\nb", "tab\there", "x" * 101])
def test_bad_tags_are_rejected(store: Store, bad: str) -> None:
    with pytest.raises(StoreError):
        store.add_tag(["a"], bad)
    with pytest.raises(StoreError):
        store.set_tags("a", ["fine", bad])
    assert store.state("a").tags == ()


def test_unicode_tags_round_trip(store: Store) -> None:
    store.set_tags("a", ["Ümlaut", "日本", "emoji 🎉"])
    assert store.state("a").tags == ("Ümlaut", "日本", "emoji 🎉")
    assert store.export_state()["articles"]["a"]["tags"] == ["Ümlaut", "日本", "emoji 🎉"]


def test_all_tags_by_frequency_then_name(store: Store) -> None:
    store.add_tag(["a", "b", "c"], "news")
    store.add_tag(["a", "b"], "AI")
    store.add_tag(["c"], "ai")
    store.add_tag(["a"], "zebra")
    store.add_tag(["b"], "apple")
    # "AI" (3, counting "ai") ties with "news" (3): name order; then apple, zebra (1 each).
    assert store.all_tags() == ["AI", "news", "apple", "zebra"]
    store.remove_tag(["a", "b", "c"], "news")
    assert store.all_tags() == ["AI", "apple", "zebra"]


# ---------------------------------------------------------------------------- undo


def test_undo_several_levels(store: Store) -> None:
    store.set_starred(["a"], True)
    store.set_read(["b"], True)
    store.set_archived(["c"], True)
    store.set_archived(["d"], True)
    store.add_tag(["a"], "keep")
    assert store.peek_undo() == ("tag keep", 1)
    assert store.undo() == ["a"]
    assert store.state("a").tags == ()
    assert store.undo() == ["d"]
    assert store.state("d").archived is False
    assert store.state("c").archived is True
    assert store.undo() == ["c"]
    assert store.undo() == ["b"]
    assert store.state("b").read is False and store.state("b").read_at is None
    assert store.undo() == ["a"]
    assert store.state("a").starred is False
    assert store.undo() is None
    assert store.peek_undo() is None


def test_undo_restores_only_the_changed_field(store: Store) -> None:
    store.set_starred(["a"], True)
    store.set_read(["a"], True)
    store.set_tags("a", ["t"])
    assert store.undo() == ["a"]  # the tags
    state = store.state("a")
    assert (state.starred, state.read, state.tags) == (True, True, ())


def test_undo_restores_previous_read_at(store: Store) -> None:
    store.import_state(
        {"version": 1, "articles": {"a": {"read": True, "read_at": "2021-05-06T07:08:09Z"}}}
    )
    store.set_read(["a"], False)
    assert store.state("a").read_at is None
    store.undo()
    assert store.state("a").read_at == datetime(2021, 5, 6, 7, 8, 9, tzinfo=UTC)


def test_bulk_action_is_one_undo_step(store: Store) -> None:
    ids = [f"id{i}" for i in range(1000)]
    store.set_read(ids[:10], True)  # already read before the bulk action
    store.set_starred(["id5"], True)
    states = store.set_read(ids, True)
    assert len(states) == 1000 and all(s.read for s in states.values())
    assert store.peek_undo() == ("mark read", 990)
    undone = store.undo()
    assert undone == ids[10:]  # only the rows the action changed, in order
    after = store.states()
    assert all(after[i].read for i in ids[:10])
    assert not any(after[i].read for i in ids[10:])
    assert after["id5"].starred
    assert store.undo() == ["id5"]
    assert store.undo() == ids[:10]


def test_noop_action_writes_no_journal_entry(store: Store) -> None:
    store.set_starred(["a"], True)
    store.set_read(["b"], False)  # already unread
    store.set_starred(["a"], True)  # already starred
    store.remove_tag(["a"], "missing")
    assert store.undo() == ["a"]
    assert store.undo() is None


def test_duplicate_ids_count_once(store: Store) -> None:
    store.set_read(["a", "a", "b", "a"], True)
    assert store.peek_undo() == ("mark read", 2)
    assert store.undo() == ["a", "b"]


def test_undo_survives_restart(db_path: Path) -> None:
    with Store.open(db_path) as store:
        store.set_starred(["a"], True)
        store.set_archived(["a"], True)
    with Store.open(db_path) as store:
        assert store.undo() == ["a"]
        assert store.state("a").archived is False
        assert store.state("a").starred is True


def test_journal_is_bounded(store: Store) -> None:
    for i in range(JOURNAL_MAX_ENTRIES + 5):
        store.set_starred([f"a{i}"], True)
    undone = 0
    while store.undo() is not None:
        undone += 1
    assert undone == JOURNAL_MAX_ENTRIES
    states = store.states()
    assert all(states[f"a{i}"].starred for i in range(5))  # too old to undo
    assert not any(states[f"a{i}"].starred for i in range(5, JOURNAL_MAX_ENTRIES + 5))


# ---------------------------------------------------------------------------- export / import


def _sample(store: Store) -> None:
    store.set_read(["a", "b"], True)
    store.set_starred(["b"], True)
    store.set_archived(["c"], True)
    store.set_tags("a", ["x", "Y"])
    store.mark_seen(["d"])


def test_export_is_json_and_round_trips(store: Store, tmp_path: Path) -> None:
    _sample(store)
    exported = json.loads(json.dumps(store.export_state()))
    assert exported["version"] == 1
    assert set(exported["articles"]) == {"a", "b", "c", "d"}
    a = exported["articles"]["a"]
    assert a["read"] is True and a["tags"] == ["x", "Y"] and a["read_at"].endswith("Z")
    assert exported["articles"]["d"]["first_seen"] is not None
    with Store.open(tmp_path / "other.sqlite3") as other:
        assert other.import_state(exported) == 4
        assert other.export_state() == exported
        assert other.states() == store.states()
        assert other.import_state(exported) == 0  # idempotent
        assert other.export_state() == exported
        assert other.peek_undo() is None  # imports are not undo steps


def test_import_into_same_store_changes_nothing(store: Store) -> None:
    _sample(store)
    before = store.export_state()
    assert store.import_state(before) == 0
    assert store.export_state() == before


def test_import_merge_rule(store: Store) -> None:
    store.set_starred(["a"], True)
    store.set_tags("a", ["local", "Shared"])
    store.import_state({"version": 1, "articles": {"a": {"first_seen": "2030-01-01T00:00:00Z"}}})
    local_seen = store.state("a").first_seen
    incoming = {
        "version": 1,
        "articles": {
            "a": {
                "read": True,
                "starred": False,
                "archived": True,
                "tags": ["shared", "remote"],
                "first_seen": "2001-02-03T04:05:06+00:00",
                "read_at": "2001-02-04T00:00:00Z",
            },
            "new": {"starred": True},
        },
    }
    assert store.import_state(incoming) == 2
    a = store.state("a")
    assert (a.read, a.starred, a.archived) == (True, True, True)  # flags OR-ed
    assert a.tags == ("local", "Shared", "remote")  # union, local first, case-insensitive
    assert a.first_seen == datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)  # earliest
    assert local_seen is not None and a.first_seen < local_seen
    assert a.read_at == datetime(2001, 2, 4, tzinfo=UTC)
    new = store.state("new")
    assert new.starred and not new.read and new.tags == ()
    assert store.import_state(incoming) == 0


def test_import_keeps_earliest_read_at(store: Store) -> None:
    doc = {"version": 1, "articles": {"a": {"read": True, "read_at": "2022-01-01T00:00:00Z"}}}
    store.import_state(doc)
    doc["articles"]["a"]["read_at"] = "2023-01-01T00:00:00Z"
    assert store.import_state(doc) == 0
    assert store.state("a").read_at == datetime(2022, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "bad",
    [
        None,
        [],
        "text",
        {"articles": {}},
        {"version": 2, "articles": {}},
        {"version": 1},
        {"version": 1, "articles": []},
        {"version": 1, "articles": {"a": []}},
        {"version": 1, "articles": {"": {}}},
        {"version": 1, "articles": {"a": {"read": "yes"}}},
        {"version": 1, "articles": {"a": {"starred": 1}}},
        {"version": 1, "articles": {"a": {"tags": "x"}}},
        {"version": 1, "articles": {"a": {"tags": [""]}}},
        {"version": 1, "articles": {"a": {"tags": [3]}}},
        {"version": 1, "articles": {"a": {"first_seen": "yesterday"}}},
        {"version": 1, "articles": {"a": {"read_at": 12345}}},
    ],
)
def test_import_rejects_bad_input(store: Store, bad: object) -> None:
    store.set_starred(["keep"], True)
    before = store.export_state()
    with pytest.raises(StoreError) as info:
        store.import_state(bad)
    assert "\n" not in str(info.value)
    assert store.export_state() == before


def test_import_is_all_or_nothing(store: Store) -> None:
    doc = {"version": 1, "articles": {"good": {"read": True}, "bad": {"archived": "no"}}}
    with pytest.raises(StoreError, match="'bad'"):
        store.import_state(doc)
    assert store.states() == {}


# ---------------------------------------------------------------------------- link results


def _result(url: str, *, age: timedelta, status: LinkStatus = LinkStatus.ALIVE) -> LinkResult:
    return LinkResult(
        url=url,
        kind=LinkKind.ORIGINAL,
        status=status,
        code=200 if status is LinkStatus.ALIVE else None,
        final_url=url + "/final",
        redirects=1,
        method="HEAD",
        elapsed_ms=42,
        error=None if status is LinkStatus.ALIVE else "boom",
        checked_at=(datetime.now(UTC) - age).replace(microsecond=0),
    )


def test_link_results_freshness(store: Store) -> None:
    fresh = _result("https://a.example/", age=timedelta(hours=1))
    stale = _result("https://b.example/", age=timedelta(hours=25), status=LinkStatus.TIMEOUT)
    store.save_link_results([fresh, stale])
    assert store.link_results() == {fresh.url: fresh}
    assert store.link_results(max_age=None) == {fresh.url: fresh, stale.url: stale}
    assert store.link_results(max_age=timedelta(minutes=30)) == {}
    assert store.link_results([stale.url], max_age=None) == {stale.url: stale}
    assert store.link_results(["https://unknown/"], max_age=None) == {}
    assert store.link_results([], max_age=None) == {}
    assert store.link_results([stale.url]) == {}


def test_link_results_keep_the_redirect_code(store: Store) -> None:
    moved = replace(_result("https://m.example/", age=timedelta(0)), redirect_code=301)
    store.save_link_results([moved])
    assert store.link_results()[moved.url].redirect_code == 301


def test_version_1_state_file_gains_the_redirect_code_column(db_path: Path) -> None:
    """A state file from before `redirect_code` keeps its link results and gets the column."""
    from reader.store import MIGRATIONS

    db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db_path)
    conn.executescript(MIGRATIONS[0])
    checked = time.time()
    conn.execute(
        "INSERT INTO link_results VALUES ('https://old.example/', 'web', 'alive', 200, "
        "'https://old.example/', 0, 'HEAD', 5, NULL, ?)",
        (checked,),
    )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with Store.open(db_path) as store:
        old = store.link_results()["https://old.example/"]
        assert (old.code, old.redirect_code) == (200, None)
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 2
    conn.close()


def test_link_results_newest_replaces(store: Store) -> None:
    old = _result("https://a.example/", age=timedelta(hours=30), status=LinkStatus.BROKEN)
    store.save_link_results([old])
    new = _result("https://a.example/", age=timedelta(0))
    store.save_link_results(iter([new]))
    assert store.link_results(max_age=None) == {new.url: new}
    assert store.link_results()[new.url].to_json() == new.to_json()
    store.save_link_results([])
    assert store.link_results(max_age=None) == {new.url: new}


# ---------------------------------------------------------------------------- settings, searches


def test_settings(db_path: Path) -> None:
    with Store.open(db_path) as store:
        assert store.get_setting("theme") is None
        assert store.get_setting("theme", "dark") == "dark"
        store.set_setting("theme", "gruvbox")
        store.set_setting("theme", "nord")
    with Store.open(db_path) as store:
        assert store.get_setting("theme") == "nord"
        store.set_setting("theme", None)
        assert store.get_setting("theme", "x") == "x"


def test_saved_searches(db_path: Path) -> None:
    with Store.open(db_path) as store:
        assert store.saved_searches() == []
        store.save_search("AI unread", "topic:AI is:unread")
        time.sleep(0.01)
        store.save_search("good", "quality>80")
        store.save_search("AI unread", "topic:AI is:unread -provider:x")  # replaced in place
        with pytest.raises(StoreError):
            store.save_search("  ", "q")
    with Store.open(db_path) as store:
        assert store.saved_searches() == [
            ("AI unread", "topic:AI is:unread -provider:x"),
            ("good", "quality>80"),
        ]
        assert store.delete_search("AI unread") is True
        assert store.delete_search("AI unread") is False
        assert store.saved_searches() == [("good", "quality>80")]


# ---------------------------------------------------------------------------- robustness


def test_garbage_file_is_moved_aside(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    garbage = b"this is not a database at all\x00\xff" * 100
    db_path.write_bytes(garbage)
    with Store.open(db_path) as store:
        assert store.notice is not None
        assert "moved to" in store.notice and "starting fresh" in store.notice
        store.set_starred(["a"], True)
        assert store.state("a").starred
    backups = list(db_path.parent.glob("state.sqlite3.corrupt-*"))
    assert len(backups) == 1
    assert backups[0].read_bytes() == garbage
    assert str(backups[0]) in (store.notice or "")
    with Store.open(db_path) as store:
        assert store.notice is None and store.state("a").starred


def test_a_zeroed_file_is_recovered_from_its_wal_not_moved(db_path: Path) -> None:
    with Store.open(db_path) as store:
        store.set_starred(["a"], True)
        # Keep the -wal file: copy it while the connection is open.
        wal = db_path.with_name(db_path.name + "-wal").read_bytes()
    db_path.write_bytes(b"\x00" * 4096)  # zeroed main file
    db_path.with_name(db_path.name + "-wal").write_bytes(wal)
    # SQLite reads every page from the WAL: the state is all there, and nothing is moved.
    with Store.open(db_path) as store:
        assert store.notice is None
        assert store.state("a").starred
    assert list(db_path.parent.glob("*.corrupt-*")) == []


def test_a_zeroed_file_without_wal_is_moved_aside(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"\x00" * 4096)
    with Store.open(db_path) as store:
        assert store.notice is not None and "not a database" in store.notice
        assert store.states() == {}
    assert len(list(db_path.parent.glob("*.corrupt-*"))) == 1


def test_malformed_database_is_moved_aside(db_path: Path) -> None:
    with Store.open(db_path) as store:
        store.set_read([f"id{i}" for i in range(3000)], True)
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    size = db_path.stat().st_size
    assert size > 8192
    with db_path.open("r+b") as handle:  # smash every page but the first
        handle.seek(4096)
        handle.write(b"\xa5" * (size - 4096))
    with Store.open(db_path) as store:
        assert store.notice is not None and "moved to" in store.notice
        assert store.states() == {}
        assert store.integrity_check() == "ok"


def test_another_applications_database_is_refused_not_moved(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE something (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not a reader state file"):
        Store.open(db_path)
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA application_id = 1234")
    conn.close()
    with pytest.raises(StoreError, match="another application"):
        Store.open(db_path)
    assert list(db_path.parent.glob("*.corrupt-*")) == []
    conn = sqlite3.connect(db_path)  # untouched
    assert conn.execute("SELECT count(*) FROM something").fetchone() == (0,)
    conn.close()


def test_newer_schema_is_refused_not_moved(db_path: Path) -> None:
    with Store.open(db_path) as store:
        store.set_starred(["a"], True)
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer reader"):
        Store.open(db_path)
    assert list(db_path.parent.glob("*.corrupt-*")) == []


def test_unwritable_location_parent_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("I am a file")
    with pytest.raises(StoreError) as info:
        Store.open(blocker / "sub" / "state.sqlite3")
    message = str(info.value)
    assert str(blocker) in message and "\n" not in message


def test_unwritable_location_path_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "dir.sqlite3").mkdir()
    with pytest.raises(StoreError, match=r"cannot write state file .*: Is a directory"):
        Store.open(tmp_path / "dir.sqlite3")


def test_unwritable_location_in_proc() -> None:
    with pytest.raises(StoreError, match="/proc/"):
        Store.open("/proc/reader-test/state.sqlite3")


# ---------------------------------------------------------------------------- concurrency


def test_other_connection_changes_are_seen(db_path: Path) -> None:
    with Store.open(db_path) as one, Store.open(db_path) as two:
        assert two.has_external_changes() is False
        one.set_starred(["a"], True)
        assert one.has_external_changes() is False  # its own change
        assert two.has_external_changes() is True
        assert two.has_external_changes() is False
        assert two.state("a").starred
        two.set_read(["a"], True)
        assert one.has_external_changes() is True
        assert one.states()["a"].read


def test_threads_sharing_one_store(store: Store) -> None:
    def work(n: int) -> None:
        for i in range(50):
            store.set_starred([f"t{n}-{i}"], True)
            store.state(f"t{n}-{i}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    states = store.states()
    assert sum(1 for s in states.values() if s.starred) == 200
    assert store.integrity_check() == "ok"


def test_threads_with_separate_connections(db_path: Path) -> None:
    Store.open(db_path).close()
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            with Store.open(db_path) as own:
                for i in range(200):
                    own.set_read([f"c{n}-{i}"], True)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Store.open(db_path) as store:
        states = store.states()
        assert all(states[f"c{n}-{i}"].read for n in range(2) for i in range(200))
        assert store.integrity_check() == "ok"


def test_two_processes_writing_at_once(db_path: Path) -> None:
    Store.open(db_path).close()
    children = [
        subprocess.Popen(
            [sys.executable, str(HELPER), "hammer", str(db_path), prefix, "200"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for prefix in ("p", "q")
    ]
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        assert out.strip() == "ok"
    with Store.open(db_path) as store:
        states = store.states()
        for prefix in ("p", "q"):
            for i in range(200):
                state = states[f"{prefix}-{i}"]
                expected = [state.starred, state.read, state.tags == (prefix,)][i % 3]
                assert expected, (prefix, i, state)
        assert len(states) == 400
        assert store.integrity_check() == "ok"
        undone = 0
        while store.undo() is not None:
            undone += 1
        assert undone == JOURNAL_MAX_ENTRIES  # 400 actions journaled, newest 200 kept


def test_sigkill_right_after_an_action_loses_nothing(db_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, str(HELPER), "kill", str(db_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
        if child.stdout:
            child.stdout.close()
        if child.stderr:
            child.stderr.close()
    assert line.strip() == "done"
    assert child.returncode == -signal.SIGKILL
    with Store.open(db_path) as store:
        assert store.notice is None
        assert store.state("a1").starred
        assert store.state("a2").read
        assert store.integrity_check() == "ok"
        assert store.undo() == ["a2"]  # the journal survived too
        assert store.state("a2").read is False


def test_a_second_connection_in_this_process_keeps_another_process_change(
    db_path: Path,
) -> None:
    """Fault: Store.open probed the file with plain open()/close(), which drops every POSIX lock
    this process holds on it; a `reader mark` that exited next took itself for the last user,
    deleted the WAL, and its change (and then the app's) was lost."""
    main_store = Store.open(db_path)
    try:
        main_store.set_starred(["app-1"], True)
        thread_store = Store.open(db_path)  # as the app's link-check thread does
        thread_store.close()
        marked = subprocess.run(
            [sys.executable, str(HELPER), "hammer", str(db_path), "cli", "3"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert marked.returncode == 0, marked.stderr
        main_store.set_starred(["app-2"], True)
    finally:
        main_store.close()
    with Store.open(db_path) as store:
        assert store.notice is None
        states = store.states()
        assert states["cli-0"].starred and states["cli-1"].read and states["cli-2"].tags
        assert states["app-1"].starred and states["app-2"].starred
        assert store.integrity_check() == "ok"
    assert list(db_path.parent.glob("*.corrupt-*")) == []


def test_opening_never_touches_the_file_outside_sqlite(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Store.open(db_path).close()
    touched: list[str] = []
    real_open = os.open

    def watching_open(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if os.fspath(path).startswith(str(db_path)):
            touched.append(os.fspath(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", watching_open)
    monkeypatch.setattr("builtins.open", lambda *a, **k: touched.append(str(a[0])) or None)
    Store.open(db_path).close()
    assert touched == []


def _hold_lock(db_path: Path, seconds: float) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, str(HELPER), "hold", str(db_path), str(seconds)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_a_lock_held_too_long_is_store_busy_and_nothing_changes(db_path: Path) -> None:
    Store.open(db_path).close()
    holder = _hold_lock(db_path, 3)
    try:
        with Store.open(db_path, busy_timeout_ms=100, retry_seconds=0.3) as store:
            with pytest.raises(StoreBusy) as info:
                store.set_starred(["a"], True)
            assert "\n" not in str(info.value) and info.value.reason == "state file busy"
            assert store.state("a").starred is False
    finally:
        holder.wait(timeout=30)


def test_a_write_waits_out_a_short_lock_with_backoff(db_path: Path) -> None:
    Store.open(db_path).close()
    holder = _hold_lock(db_path, 0.8)
    try:
        with Store.open(db_path, busy_timeout_ms=100, retry_seconds=10) as store:
            store.set_starred(["a"], True)  # waits, retries, succeeds
            assert store.state("a").starred
    finally:
        holder.wait(timeout=30)


def test_a_full_disk_is_one_store_error(store: Store) -> None:
    pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
    store._conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StoreError) as info:
        store.set_read([f"id-{i}" for i in range(5000)], True)
    assert "full" in info.value.reason and "\n" not in str(info.value)
    assert store.state("id-0").read is False


# ---------------------------------------------------------------------------- speed


def test_bulk_actions_are_fast(store: Store) -> None:
    ids = [f"article-{i:06d}" for i in range(20_000)]
    store.mark_seen(ids)
    start = time.perf_counter()
    store.set_read(ids, True)
    bulk = time.perf_counter() - start
    start = time.perf_counter()
    states = store.states()
    read_all = time.perf_counter() - start
    start = time.perf_counter()
    assert store.undo() is not None
    undo = time.perf_counter() - start
    assert len(states) == 20_000
    # Measured ~0.12 s, ~0.03 s, ~0.06 s; generous bounds for a busy shared machine.
    assert bulk < 2.0 and read_all < 1.0 and undo < 2.0


def test_file_problem_notices_a_removed_or_replaced_file(tmp_path):
    import os

    from reader.store import file_problem

    path = tmp_path / "state.sqlite3"
    with Store.open(path) as store:
        store.set_read(["a"], True)
        assert file_problem(store) is None
        other = tmp_path / "other.sqlite3"
        Store.open(other).close()
        os.replace(other, path)
        assert file_problem(store) == "another file was put in its place"
    with Store.open(tmp_path / "gone.sqlite3") as store:
        (tmp_path / "gone.sqlite3").unlink()
        assert file_problem(store) == "it was removed"
