"""The first screenful kept between runs (reader.first_screen): what it keeps, when it refuses."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from reader.first_screen import (
    ROWS,
    first_screen_key,
    first_screen_path,
    load_first_screen,
    save_first_screen,
)
from reader.model import Article, Provider, Urls


def article(n: int, **fields: object) -> Article:
    values: dict[str, object] = {
        "id": f"https://news.example/{n}",
        "path": f"/feed/{n}.md",
        "title": f"Story {n}: [bold]not markup[/] \x1b[31m",
        "excerpt": "An excerpt",
        "published": datetime(2026, 11, 1, 12, n % 60, tzinfo=UTC),
        "category": "news",
        "type": "article",
        "quality": n,
        "heat": -1,
        "published_flag": False,
        "provider": Provider("Example", "news.example", "/logo.png"),
        "topics": ("AI", "Chips"),
        "urls": Urls(original=f"https://o.example/{n}", amp=f"https://a.example/{n}"),
        "slim": True,
        "slim_body": True,
        "slim_related": 3,
        "slim_images": 1,
    }
    values.update(fields)
    return Article(**values)  # type: ignore[arg-type]


def key(roots: tuple[str, ...] = ("/feed",), **changes: object) -> str:
    arguments: dict[str, object] = {"state_path": "/state.sqlite3", "sort_key": "date"}
    arguments["reverse"] = False
    arguments.update(changes)
    return first_screen_key(roots, **arguments)  # type: ignore[arg-type]


def test_kept_rows_come_back_equal_and_in_order(tmp_path: Path) -> None:
    articles = [article(n) for n in range(5)] + [
        article(9, published=None, quality=None, heat=None, topics=(), published_flag=None)
    ]
    path = first_screen_path(tmp_path, key())
    assert save_first_screen(path, key(), articles)
    assert load_first_screen(path, key()) == articles


def test_a_full_article_comes_back_slim_with_its_counts(tmp_path: Path) -> None:
    full = article(1, slim=False, slim_body=False, slim_related=0, slim_images=0, body="# Body")
    path = first_screen_path(tmp_path, key())
    save_first_screen(path, key(), [full])
    [kept] = load_first_screen(path, key()) or [None]
    assert kept is not None and kept.slim and kept.has_body and kept.body == ""
    assert (kept.id, kept.title, kept.urls) == (full.id, full.title, full.urls)


def test_only_a_screenful_is_kept(tmp_path: Path) -> None:
    path = first_screen_path(tmp_path, key())
    save_first_screen(path, key(), [article(n) for n in range(ROWS + 50)])
    kept = load_first_screen(path, key())
    assert kept is not None and len(kept) == ROWS and kept[-1].id == article(ROWS - 1).id


def test_the_key_names_folders_state_file_and_sort() -> None:
    keys = {
        key(),
        key(sort_key="title"),
        key(reverse=True),
        key(state_path="/other.sqlite3"),
        key(roots=("/feed", "/more")),
        key(roots=("/elsewhere",)),
    }
    assert len(keys) == 6
    assert key() == key()


def test_another_key_or_a_damaged_file_gives_no_rows(tmp_path: Path) -> None:
    path = first_screen_path(tmp_path, key())
    assert load_first_screen(path, key()) is None  # nothing kept yet
    save_first_screen(path, key(), [article(1)])
    assert load_first_screen(path, key(sort_key="title")) is None
    for damage in (b"", b"\x00garbage", path.read_bytes()[:-7]):
        path.write_bytes(damage)
        assert load_first_screen(path, key()) is None


def test_an_unwritable_cache_is_not_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the folder should be")
    assert save_first_screen(first_screen_path(blocker, key()), key(), [article(1)]) is False
