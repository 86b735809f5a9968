"""Search end to end: on a generated collection of a few thousand files, each kind of term selects
exactly what a direct filter over the files' YAML selects, in the CLI and in the app.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from reader.cli import main
from reader.loader import article_id
from reader.store import Store
from tests.tui_fixtures import FIXED_NOW, keys, make_app, settle

TOPICS = ["AI", "AI Ethics", "Robotics", "Climate", "Space", "Privacy"]
PROVIDERS = [("TechPulse", "techpulse.example"), ("Orbital Times", "orbital.example")]
PROVIDERS += [("Markets Wire", "marketswire.example"), ("한빛 뉴스", "hanbit.example")]
WORDS = ["chip", "robot", "satellite", "model", "privacy", "market", "launch", "ethics"]
N = 2500


def generate(folder: Path, n: int = N, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    records = []
    for i in range(n):
        published = FIXED_NOW - timedelta(hours=rng.randint(0, 24 * 400))
        data: dict = {
            "title": f"{rng.choice(WORDS).capitalize()} story {i} about {rng.choice(WORDS)}",
            "excerpt": f"An excerpt mentioning {rng.choice(WORDS)} and {rng.choice(WORDS)}.",
            "publishedDateTime": published,
            "category": rng.choice(["news", "analysis"]),
            "type": rng.choice(["article", "video"]),
            "webUrl": f"https://news.example/{i}",
            "provider": dict(zip(("name", "domain"), rng.choice(PROVIDERS), strict=True)),
            "topics": rng.sample(TOPICS, rng.randint(1, 3)),
        }
        if rng.random() < 0.7:
            data["quality"] = rng.randint(0, 189)
            data["heat"] = rng.randint(-1, 150)
        if rng.random() < 0.3:
            data["originalUrl"] = f"https://orig.example/{i}"
        if rng.random() < 0.3:
            data["ampWebUrl"] = f"https://news.example/{i}/amp"
        if rng.random() < 0.5:
            data["images"] = [{"url": f"https://img.example/{i}.jpg", "width": 10, "height": 10}]
        body = "Some body text.\n" if rng.random() < 0.2 else ""
        text = "---\n" + yaml.safe_dump(data, allow_unicode=True) + "---\n" + body
        (folder / f"{i:05d}.md").write_text(text, encoding="utf-8")
        data["_body"] = body
        data["_id"] = article_id(data.get("originalUrl") or data["webUrl"], f"{i:05d}.md")
        records.append(data)
    return records


@pytest.fixture(scope="module")
def collection(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    folder = tmp_path_factory.mktemp("generated") / "feed"
    return folder, generate(folder)


def text_of(r: dict) -> str:
    return " ".join([r["title"], r["excerpt"], r["provider"]["name"], *r["topics"]]).casefold()


def day(r: dict):
    return r["publishedDateTime"].astimezone(UTC).date()


CASES: list[tuple[str, object]] = [
    ("robot", lambda r, s: "robot" in text_of(r)),
    ("robot chip", lambda r, s: "robot" in text_of(r) and "chip" in text_of(r)),
    ('"story 12"', lambda r, s: "story 12" in text_of(r)),
    ("topic:Robotics", lambda r, s: "Robotics" in r["topics"]),
    ('topic:"ai ethics"', lambda r, s: "AI Ethics" in r["topics"]),
    ("-topic:AI", lambda r, s: "AI" not in r["topics"]),
    ("provider:orbital", lambda r, s: "orbital" in r["provider"]["name"].casefold()),
    ("provider:hanbit.example", lambda r, s: r["provider"]["domain"] == "hanbit.example"),
    ("category:analysis", lambda r, s: r["category"] == "analysis"),
    ("type:video", lambda r, s: r["type"] == "video"),
    ("tag:keep", lambda r, s: "keep" in s["tags"]),
    ("is:read", lambda r, s: s["read"]),
    ("is:unread", lambda r, s: not s["read"]),
    ("is:starred", lambda r, s: s["starred"]),
    ("has:original", lambda r, s: "originalUrl" in r),
    ("has:amp", lambda r, s: "ampWebUrl" in r),
    ("has:image", lambda r, s: "images" in r),
    ("has:body", lambda r, s: bool(r["_body"])),
    ("quality>100", lambda r, s: r.get("quality", -(10**9)) > 100),
    ("quality<=20", lambda r, s: "quality" in r and r["quality"] <= 20),
    ("heat=-1", lambda r, s: r.get("heat") == -1),
    ("-quality>100", lambda r, s: not r.get("quality", -(10**9)) > 100),
    ("after:2026-06-01", lambda r, s: day(r) >= datetime(2026, 6, 1).date()),
    ("before:2026-01-15", lambda r, s: day(r) <= datetime(2026, 1, 15).date()),
    ("age<3d", lambda r, s: FIXED_NOW - r["publishedDateTime"] < timedelta(days=3)),
    ("age<12h", lambda r, s: FIXED_NOW - r["publishedDateTime"] < timedelta(hours=12)),
    (
        "topic:Space OR topic:Climate",
        lambda r, s: "Space" in r["topics"] or "Climate" in r["topics"],
    ),
    (
        "(topic:Space OR provider:wire) -is:read quality>=50",
        lambda r, s: (
            ("Space" in r["topics"] or "wire" in r["provider"]["name"].casefold())
            and not s["read"]
            and r.get("quality", -1) >= 50
        ),
    ),
    (
        "robot -type:video OR heat>140",
        lambda r, s: ("robot" in text_of(r) and r["type"] != "video") or r.get("heat", -9) > 140,
    ),
]


def seed_state(state: Path, records: list[dict]) -> dict[str, dict]:
    rng = random.Random(3)
    marks = {r["_id"]: {"read": False, "starred": False, "tags": ()} for r in records}
    read = [r["_id"] for r in records if rng.random() < 0.4]
    starred = [r["_id"] for r in records if rng.random() < 0.1]
    tagged = [r["_id"] for r in records if rng.random() < 0.05]
    with Store.open(state) as store:
        store.set_read(read, True)
        store.set_starred(starred, True)
        store.add_tag(tagged, "keep")
    for i in read:
        marks[i]["read"] = True
    for i in starred:
        marks[i]["starred"] = True
    for i in tagged:
        marks[i]["tags"] = ("keep",)
    return marks


@pytest.fixture(scope="module")
def seeded(collection, tmp_path_factory):
    folder, records = collection
    state = tmp_path_factory.mktemp("state") / "state.sqlite3"
    return folder, records, state, seed_state(state, records)


def test_every_term_kind_matches_a_direct_filter(seeded, capsys, monkeypatch):
    import reader.query.evaluate as evaluate

    folder, records, state, marks = seeded
    monkeypatch.setattr(evaluate, "now", lambda: FIXED_NOW)
    for text, predicate in CASES:
        expected = {r["_id"] for r in records if predicate(r, marks[r["_id"]])}
        args = ["list", str(folder), "--query", text, "--format", "ids", "--all"]
        assert main([*args, "--state", str(state)]) == 0
        got = set(capsys.readouterr().out.split())
        assert got == expected, text
        assert 0 < len(expected) < len(records) or text in ("age<12h",), text


async def test_typing_a_query_in_the_app_narrows_to_the_same_set(seeded):
    folder, records, state, marks = seeded
    app = make_app(folder, state=state)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("5")  # all articles, archived or not
        for number, (text, predicate) in enumerate(CASES[::3]):
            expected = {r["_id"] for r in records if predicate(r, marks[r["_id"]])}
            await pilot.press("slash")
            if number == 0:
                await pilot.press(*keys(text))  # one typed key by key...
            else:
                app.main.query_bar.input.value = text  # ...the others set in the input at once
            await pilot.pause()
            shown = {app.session.articles[i].id for i in app.main.article_list.order}
            assert shown == expected, text
            assert f"{len(expected):,} of {len(records):,}" in app.main.header.render().plain
            await pilot.press("escape")
            await pilot.pause()
            assert len(app.main.article_list.order) == len(records)
