"""reader.session without any UI: what the user sees and what their intents do."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reader.loader import load_collection, slim_article
from reader.model import Collection, LinkKind, LinkResult, LinkStatus, RelatedArticle, Urls
from reader.query import parse_query
from reader.session import SaveQueue, Session
from reader.store import Store, StoreBusy, StoreError
from tests.tui_fixtures import FIXED_NOW, write_feed


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(tmp_path / "state.sqlite3") as opened:
        yield opened


@pytest.fixture
def collection(tmp_path: Path) -> Collection:
    loaded = load_collection([write_feed(tmp_path / "feed")])
    return Collection([slim_article(a) for a in loaded.articles], loaded.problems, loaded.roots)


def titles(session: Session) -> list[str]:
    return [session.articles[i].title.split(":")[0] for i in session.rows]


def new_session(store: Store | None, collection: Collection) -> Session:
    session = Session(store, clock=lambda: FIXED_NOW)
    session.load_state()
    session.set_collection(collection)
    return session


def test_rows_follow_view_sort_and_query(store: Store, collection: Collection) -> None:
    session = new_session(store, collection)
    assert titles(session) == ["Newest", "Middle", "[bold red]x[/] red [link=file", "Oldest"]
    session.set_sort("quality")
    assert titles(session)[0] == "Newest"  # quality 120
    session.reverse_sort()
    assert session.sort_reverse and titles(session)[-1] == "Newest"
    session.cycle_sort()
    assert (session.sort_key, session.sort_reverse) == ("heat", False)
    session.sort_by("heat")  # the same column again: the other direction
    assert session.sort_reverse
    session.set_sort("date")
    session.set_query(parse_query("topic:semiconductors"))
    assert titles(session) == ["Newest", "Middle"]
    assert session.query_text == "topic:semiconductors"
    assert session.rows_for(parse_query("robots")) == [session.rows_for(None)[-1]]
    session.set_query(parse_query(""))
    assert session.query is None and len(session.rows) == 4


def test_triage_writes_through_the_store_then_the_session(
    store: Store, collection: Collection
) -> None:
    session = new_session(store, collection)
    changes: list[list[str]] = []
    session.on_states_changed = lambda ids: changes.append(list(ids))
    first = session.articles[session.rows[0]].id
    session.toggle(first, "read")
    assert store.state(first).read and session.state(first).read
    assert changes == [[first]]
    session.set_view("unread")
    assert first not in [session.articles[i].id for i in session.rows]
    second = session.articles[session.rows[0]].id
    session.toggle(second, "read")
    # The view is not re-filtered under the user's cursor until the UI asks for it.
    assert second in [session.articles[i].id for i in session.rows]
    session.refresh()
    assert second not in [session.articles[i].id for i in session.rows]
    undone: list[list[str] | None] = []
    steps: list[str] = []
    session.undo(then=lambda ids, what: (undone.append(ids), steps.append(what)))
    assert undone == [[second]] and steps == ["mark read"] and not session.state(second).read
    assert not store.state(second).read
    session.set_tags(first, ["later", "ai"])
    session.add_tag([first, second], "both")
    session.remove_tag([first], "later")
    assert session.state(first).tags == ("ai", "both") == store.state(first).tags
    assert session.state(second).tags == ("both",)
    session.undo(then=lambda ids, what: undone.append(ids))
    session.undo(then=lambda ids, what: undone.append(ids))
    session.undo(then=lambda ids, what: undone.append(ids))
    session.undo(then=lambda ids, what: undone.append(ids))
    session.undo(then=lambda ids, what: undone.append(ids))
    assert undone[-1] is None  # nothing left to undo
    assert session.counts() == {"inbox": 4, "unread": 4, "starred": 0, "archived": 0, "all": 4}


def test_counts_per_view(store: Store, collection: Collection) -> None:
    session = new_session(store, collection)
    ids = [session.articles[i].id for i in session.rows]
    session.triage([ids[0]], archived=True)
    session.triage([ids[1]], starred=True)
    session.triage([ids[1], ids[2]], read=True)
    assert session.counts() == {"inbox": 3, "unread": 1, "starred": 1, "archived": 1, "all": 4}
    assert session.unread_counts() == {
        "inbox": 1,
        "unread": 1,
        "starred": 0,
        "archived": 1,
        "all": 2,
    }


def test_lookups(store: Store, collection: Collection) -> None:
    session = new_session(store, collection)
    newest = session.articles[session.rows[0]]
    assert newest.slim and not newest.body
    full = session.full_article(newest)
    assert full is not None and "Some *Markdown* body" in full.body
    assert session.full_article(newest) is full  # cached
    middle = session.articles[session.rows[1]]
    by_url = RelatedArticle("whatever", urls=Urls(web="HTTPS://WEB.EXAMPLE/middle#section"))
    by_title = RelatedArticle("Middle: benchmarks of Orion-7")
    assert session.related_target(by_url) == middle.id
    assert session.related_target(by_title) == middle.id
    assert session.related_target(RelatedArticle("nowhere")) is None
    session.triage([middle.id], read=True)
    assert session.next_unread(session.rows, 0, 1) == 2
    assert session.next_unread(session.rows, 3, 1) is None


def test_a_prepared_collection_gives_what_set_collection_computes(
    store: Store, collection: Collection
) -> None:
    """The app indexes and sorts a load on its worker thread (`prepare`); the session it gives
    is the same as one that computed everything itself."""
    plain = new_session(store, collection)
    session = Session(store, clock=lambda: FIXED_NOW)
    session.load_state()
    prepared = session.prepare(collection)
    session.set_collection(collection, prepared=prepared)
    assert session.rows == plain.rows and session.loaded
    middle = session.articles[session.rows[1]]
    by_url = RelatedArticle("whatever", urls=Urls(web="HTTPS://WEB.EXAMPLE/middle#section"))
    assert session.related_target(by_url) == plain.related_target(by_url) == middle.id
    # The sort changed while the load was on its way: the prepared order is not used.
    later = Session(store, clock=lambda: FIXED_NOW)
    prepared = later.prepare(collection)
    later.set_sort("title")
    later.set_collection(collection, prepared=prepared)
    plain.set_sort("title")
    assert later.rows == plain.rows != session.rows


def test_a_preview_holds_only_the_start_view(store: Store, collection: Collection) -> None:
    """The first screenful kept from the last run: rows for the start view; any other view
    or search waits for the load (no rows), and nothing is stamped in the store."""
    session = Session(store, clock=lambda: FIXED_NOW)
    head = Collection(collection.articles[:2])
    session.set_collection(head, preview=True)
    assert session.preview and len(session.rows) == 2
    assert store.states() == {}  # no first sighting stamped for a preview
    session.set_view("starred")
    assert session.rows == []
    session.set_view("inbox")
    assert len(session.rows) == 2
    session.set_query(parse_query("robots"))
    assert session.rows == []
    session.set_query(None)
    session.set_collection(collection)
    assert not session.preview and len(session.rows) == 4 and store.states()


def test_link_results_reach_the_articles_that_have_them(
    store: Store, collection: Collection
) -> None:
    session = new_session(store, collection)
    newest = session.articles[session.rows[0]]
    assert session.stale_links(newest)
    checked = FIXED_NOW - timedelta(hours=1)
    results = [
        LinkResult(url, kind, LinkStatus.ALIVE, 200, url, 0, "HEAD", 5, None, checked)
        for kind, url in newest.urls.items()
    ]
    assert session.add_link_results(results) == {newest.id}
    assert session.link_summary[newest.id] == "alive"
    assert not session.stale_links(newest)
    old = [dataclasses.replace(results[0], checked_at=FIXED_NOW - timedelta(days=2))]
    session.add_link_results(old)
    assert session.stale_links(newest)
    assert session.select(None, parse_query("link:alive")) == [session.rows[0]]


def test_saved_search_counts_group_the_query(store: Store, collection: Collection) -> None:
    store.save_search("either", "robots OR orion")
    session = new_session(store, collection)
    session.triage([session.articles[session.rows[0]].id], read=True)  # Newest (orion)
    # "(robots OR orion) is:unread": Middle and Oldest, not "robots OR (orion is:unread)".
    assert session.saved_search_counts() == [("either", "robots OR orion", 2)]


def test_without_a_store_nothing_changes_and_nothing_fails(collection: Collection) -> None:
    session = new_session(None, collection)
    session.toggle(session.articles[0].id, "starred")
    assert session.states == {} and session.saved_searches() == []


# ---------------------------------------------------------------------------- the save queue


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_busy_save_is_retried_in_order_and_applied_once_saved(store: Store) -> None:
    clock = Clock()
    scheduled: list[tuple[float, object]] = []
    reports: list[str] = []
    queue = SaveQueue(
        store,
        schedule=lambda delay, callback: scheduled.append((delay, callback)),
        report=reports.append,
        retry_seconds=10,
        clock=clock,
    )
    busy = [2]
    applied: list[str] = []

    def write_star(target: Store) -> str:
        if busy[0]:
            busy[0] -= 1
            raise StoreBusy("busy", "state file busy")
        target.set_starred(["a"], True)
        return "star"

    queue.submit("star", write_star, applied.append)
    queue.submit("read", lambda target: target.set_read(["a"], True) and "read", applied.append)
    assert applied == [] and queue.pending and [d for d, _ in scheduled] == [0.25]
    clock.now = 0.3
    scheduled.pop()[1]()  # still busy: backs off
    assert applied == [] and [d for d, _ in scheduled] == [0.5]
    clock.now = 0.8
    scheduled.pop()[1]()
    assert applied == ["star", "read"] and not queue.pending and reports == []
    assert store.state("a").starred and store.state("a").read


def test_a_save_busy_for_too_long_is_dropped_with_one_line(store: Store) -> None:
    clock = Clock()
    scheduled: list[object] = []
    reports: list[str] = []
    queue = SaveQueue(
        store,
        schedule=lambda delay, callback: scheduled.append(callback),
        report=reports.append,
        retry_seconds=1,
        clock=clock,
    )

    def always_busy(target: Store) -> None:
        raise StoreBusy("busy", "state file busy")

    applied: list[object] = []
    queue.submit("star", always_busy, applied.append)
    queue.submit("mark read", always_busy, applied.append)
    clock.now = 2
    scheduled.pop()()  # type: ignore[operator]
    assert reports == ["state file busy; not saved: star, mark read"]
    assert applied == [] and not queue.pending


def test_other_failures_are_reported_at_once(store: Store) -> None:
    reports: list[str] = []
    queue = SaveQueue(
        store, schedule=lambda d, c: None, report=reports.append, retry_seconds=1, clock=Clock()
    )
    queue.submit("tags", lambda target: target.set_tags("a", ["bad\u202etag"]), print)
    assert len(reports) == 1 and reports[0].startswith("state file error; not saved: tags (")
    with pytest.raises(StoreError):
        Session(store).set_tags("a", ["bad\u202etag"])  # without a queue, the caller hears it


def test_the_clock_defaults_to_the_query_languages(monkeypatch: pytest.MonkeyPatch) -> None:
    import reader.query.evaluate as evaluate

    moment = datetime(2030, 1, 1, tzinfo=UTC)
    monkeypatch.setattr(evaluate, "now", lambda: moment)
    assert Session().clock() == moment
    assert LinkKind.WEB  # the model is importable without any UI
