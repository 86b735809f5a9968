"""Stories in the session and the CLI: grouped rows, story counts, story-wide triage, the
query terms, the cache, `reader clusters` and `reader list --group`."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from reader.cli import main
from reader.collection import open_collection
from reader.query import parse_query
from reader.session import Session
from reader.settings import DEFAULTS
from reader.store import Store
from reader.stories import load_clusters
from tests.story_fixtures import STORY, settled, write_story_feed


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    return write_story_feed(tmp_path / "feed")


def ids_by_name(collection) -> dict[str, str]:
    return {Path(a.path).stem: a.id for a in collection.articles}


def grouped_session(feed: Path, tmp_path: Path, **settings) -> tuple[Session, dict[str, str]]:
    collection = open_collection([str(feed)], slim=True)
    store = Store.open(tmp_path / "state.sqlite3")
    session = Session(store, settings=dataclasses.replace(DEFAULTS, **settings))
    session.load_state()
    session.view = "all"
    session.set_collection(collection)
    session.set_clusters(load_clusters(collection), collection.fingerprint)
    return session, ids_by_name(collection)


def shown(session: Session) -> list[str]:
    return [session.articles[i].id for i in session.rows]


def test_grouped_rows_show_each_story_once_by_its_lead(feed: Path, tmp_path: Path) -> None:
    session, ids = grouped_session(feed, tmp_path)
    assert len(session.rows) == 6
    session.set_grouped(True)
    rows = shown(session)
    assert len(rows) == 4
    assert ids["storm-daily"] in rows  # the lead: highest quality
    assert ids["storm-wire"] not in rows and ids["storm-amp"] not in rows
    assert session.story_marker(ids["storm-daily"]) == " +2"
    assert session.story_marker(ids["park"]) == ""
    sources = session.story_sources(ids["storm-daily"])
    assert {a.id for a in sources} == {ids["storm-wire"], ids["storm-amp"]}
    assert session.counts()["all"] == 4
    session.set_grouped(False)
    assert len(session.rows) == 6 and session.counts()["all"] == 6


def test_a_story_whose_lead_is_filtered_out_shows_another_member(
    feed: Path, tmp_path: Path
) -> None:
    session, ids = grouped_session(feed, tmp_path)
    session.triage([ids["storm-daily"]], archived=True)
    session.set_view("inbox")
    session.set_grouped(True)
    rows = shown(session)
    assert ids["storm-daily"] not in rows
    assert sum(i in rows for i in (ids["storm-wire"], ids["storm-amp"])) == 1
    assert session.counts()["inbox"] == 4  # the story still counts once in the inbox


def test_story_triage_is_one_step_for_the_whole_story(feed: Path, tmp_path: Path) -> None:
    session, ids = grouped_session(feed, tmp_path)
    session.set_grouped(True)
    session.toggle(ids["storm-daily"], "starred")
    assert all(session.state(ids[name]).starred for name in STORY)
    assert not session.state(ids["park"]).starred
    session.set_tags(ids["storm-daily"], ["later"])
    assert all(session.state(ids[name]).tags == ("later",) for name in STORY)
    undone: list[list[str] | None] = []
    session.undo(then=lambda changed, what: undone.append(changed))
    assert sorted(undone[0] or []) == sorted(ids[name] for name in STORY)
    assert all(session.state(ids[name]).tags == () for name in STORY)
    session.undo()
    assert not any(session.state(ids[name]).starred for name in STORY)


def test_story_triage_off_keeps_triage_per_article(feed: Path, tmp_path: Path) -> None:
    session, ids = grouped_session(feed, tmp_path, story_triage=False)
    session.set_grouped(True)
    session.toggle(ids["storm-daily"], "read")
    assert session.state(ids["storm-daily"]).read
    assert not session.state(ids["storm-wire"]).read


def test_query_has_duplicates_and_cluster(feed: Path, tmp_path: Path) -> None:
    session, ids = grouped_session(feed, tmp_path)
    session.set_query(parse_query("has:duplicates"))
    assert sorted(shown(session)) == sorted(ids[name] for name in STORY)
    story = ids["storm-daily"]
    session.set_query(parse_query(f"cluster:{story.upper()}"))  # ids match ignoring case
    assert sorted(shown(session)) == sorted(ids[name] for name in STORY)
    session.set_query(parse_query(f"cluster:{ids['park']}"))  # an article alone is its story
    assert shown(session) == [ids["park"]]
    session.set_query(parse_query("-has:duplicates"))
    assert len(session.rows) == 3


def test_stories_are_cached_by_the_fingerprint_and_follow_edits(feed: Path) -> None:
    slim = open_collection([str(feed)], slim=True)
    slim = open_collection([str(feed)], slim=True)  # a warm load: every file a cache hit
    assert slim.fingerprint is not None
    first = load_clusters(slim)
    cached = list(Path(os.environ["READER_CACHE_DIR"]).glob(f"clusters-*{slim.fingerprint}*"))
    assert len(cached) == 1
    assert load_clusters(open_collection([str(feed)], slim=True)).stories == first.stories
    # A fourth outlet with the same headline joins the story once its file appears.
    (feed / "storm-fourth.md").write_text(
        '---\ntitle: "Storm closes the port of Rotterdam for two days"\n'
        "publishedDateTime: 2026-11-20T12:00:00Z\n"
        'provider:\n  name: "Fourth Outlet"\noriginalUrl: "https://fourth.example/storm"\n---\n',
        encoding="utf-8",
    )
    settled(feed / "storm-fourth.md")
    changed = open_collection([str(feed)], slim=True)
    assert changed.fingerprint != slim.fingerprint
    [story] = load_clusters(changed).stories
    assert story.size == 4


# ------------------------------------------------------------------ the CLI


def test_reader_clusters_json(feed: Path, capsys) -> None:
    assert main(["clusters", str(feed), "--format", "json"]) == 0
    [story] = json.loads(capsys.readouterr().out)
    ids = ids_by_name(open_collection([str(feed)]))
    assert set(story) >= {"id", "size", "lead", "members", "reasons"}
    assert story["size"] == 3 and story["lead"] == ids["storm-daily"]
    assert sorted(story["members"]) == sorted(ids[name] for name in STORY)
    assert story["reasons"] and all(isinstance(r, str) for r in story["reasons"])


def test_reader_clusters_text_and_query(feed: Path, capsys) -> None:
    assert main(["clusters", str(feed)]) == 0
    out = capsys.readouterr().out
    assert "3 articles" in out and "★" in out and "Daily Post" in out
    assert main(["clusters", str(feed), "--query", "provider:local", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []  # no story has a Local News article


def test_reader_list_group(feed: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")  # the table's width (with its id column)
    assert main(["list", str(feed), "--group", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    ids = ids_by_name(open_collection([str(feed)]))
    assert len(payload) == 4
    by_id = {item["id"]: item for item in payload}
    lead = by_id[ids["storm-daily"]]
    assert lead["cluster"] == ids["storm-daily"] and lead["cluster_size"] == 3
    park = by_id[ids["park"]]
    assert park["cluster"] == ids["park"] and park["cluster_size"] == 1
    assert main(["list", str(feed), "--group"]) == 0
    table = capsys.readouterr().out
    [line] = [line for line in table.splitlines() if line.startswith(ids["storm-daily"])]
    assert line.split("Daily Post")[0].rstrip().endswith(" +2")  # the title ends with +N
    assert main(["list", str(feed), "--format", "json"]) == 0
    assert "cluster" not in json.loads(capsys.readouterr().out)[0]  # only with --group
    assert main(["list", str(feed), "--query", "has:duplicates", "--format", "ids"]) == 0
    assert len(capsys.readouterr().out.split()) == 3
