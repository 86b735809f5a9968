"""Parse cache: hits, misses, changed/new/removed files, corrupt or unwritable caches, versions."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import pytest

from reader.cache import cache_file_for, clear_cache, fileformat, load_collection_cached, pool
from reader.cache.fileformat import read_cache
from reader.loader import iter_article_files, load_collection

OLD_NS = 1_600_000_000 * 10**9  # 2020-09-13: well outside the racy window


def article_text(title: str, url: str | None = None, extra: str = "") -> str:
    url_line = f'webUrl: "{url}"\n' if url else ""
    return (
        f'---\ntitle: "{title}"\nexcerpt: "about {title}"\n'
        f"publishedDateTime: 2023-08-30T20:54:00Z\n{url_line}quality: 80\n"
        f"topics:\n  - AI\n{extra}---\nBody of {title}.\n"
    )


def write(path: Path, text: str, *, mtime_ns: int = OLD_NS) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    root = tmp_path / "feed"
    write(root / "a.md", article_text("Alpha", "https://example.com/a"))
    write(root / "b.md", article_text("Beta", "https://example.com/b"))
    write(root / "sub" / "c.md", article_text("Gamma"))
    write(root / "broken.md", "---\ntitle: [unclosed\n---\n")
    return root


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def titles(collection) -> list[str]:
    return [article.title for article in collection.articles]


def same_as_loader(collection, roots) -> None:
    reference = load_collection(roots)
    assert collection.articles == reference.articles
    assert [a.extra for a in collection.articles] == [a.extra for a in reference.articles]
    assert collection.problems == reference.problems
    assert collection.roots == reference.roots


def fake_same_stat_edit(path: Path, new_text: str) -> None:
    """Change a file's content but keep its size and mtime: only a cache hit can return the old."""
    info = path.stat()
    old = path.read_text(encoding="utf-8")
    assert len(new_text.encode()) == len(old.encode())
    path.write_text(new_text, encoding="utf-8")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))


def test_cold_then_warm_equal_the_loader(feed: Path, cache_dir: Path) -> None:
    cold = load_collection_cached([str(feed)], cache_dir=cache_dir)
    same_as_loader(cold, [str(feed)])
    assert cache_file_for(feed, cache_dir=cache_dir).is_file()
    warm = load_collection_cached([str(feed)], cache_dir=cache_dir)
    same_as_loader(warm, [str(feed)])
    assert any(p.path.endswith("broken.md") and p.severity == "error" for p in warm.problems)


def test_hit_does_not_reparse(feed: Path, cache_dir: Path) -> None:
    load_collection_cached([str(feed)], cache_dir=cache_dir)
    fake_same_stat_edit(feed / "a.md", article_text("Omega", "https://example.com/a"))
    warm = load_collection_cached([str(feed)], cache_dir=cache_dir)
    assert "Alpha" in titles(warm)  # served from the cache
    assert "Omega" in titles(load_collection([str(feed)]))


def test_changed_file_is_reparsed(feed: Path, cache_dir: Path) -> None:
    load_collection_cached([str(feed)], cache_dir=cache_dir)
    write(feed / "a.md", article_text("Alpha, revised", "https://example.com/a"), mtime_ns=OLD_NS)
    warm = load_collection_cached([str(feed)], cache_dir=cache_dir)
    assert "Alpha, revised" in titles(warm)  # size changed
    # Same size ("Beta" -> "Zeta"), new mtime: re-parsed too.
    write(feed / "b.md", article_text("Zeta", "https://example.com/b"), mtime_ns=OLD_NS + 10**9)
    warm = load_collection_cached([str(feed)], cache_dir=cache_dir)
    assert "Zeta" in titles(warm)
    same_as_loader(warm, [str(feed)])


def test_removed_and_new_files(feed: Path, cache_dir: Path) -> None:
    load_collection_cached([str(feed)], cache_dir=cache_dir)
    (feed / "b.md").unlink()
    write(feed / "new" / "d.md", article_text("Delta", "https://example.com/d"))
    warm = load_collection_cached([str(feed)], cache_dir=cache_dir)
    assert "Beta" not in titles(warm)
    assert "Delta" in titles(warm)
    same_as_loader(warm, [str(feed)])
    entries, _details = read_cache(cache_file_for(feed, cache_dir=cache_dir), details=True)
    assert sorted(entries) == ["a.md", "broken.md", "new/d.md", "sub/c.md"]


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"garbage",
        lambda data: b"",
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: data[:-10] + b"\x00" * 10,  # payload bytes changed: checksum
        lambda data: data[:40] + bytes(255 - b for b in data[40:60]) + data[60:],
    ],
)
def test_corrupt_cache_is_ignored_and_rebuilt(feed: Path, cache_dir: Path, damage) -> None:
    load_collection_cached([str(feed)], cache_dir=cache_dir)
    path = cache_file_for(feed, cache_dir=cache_dir)
    path.write_bytes(damage(path.read_bytes()))
    fake_same_stat_edit(feed / "a.md", article_text("Omega", "https://example.com/a"))
    collection = load_collection_cached([str(feed)], cache_dir=cache_dir)
    assert "Omega" in titles(collection)  # nothing was taken from the damaged cache
    same_as_loader(collection, [str(feed)])
    entries, _ = read_cache(path, details=True)
    assert len(entries) == 4  # rewritten, readable again


def test_unwritable_cache_dir_still_loads(feed: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    collection = load_collection_cached([str(feed)], cache_dir=blocker / "cache")
    same_as_loader(collection, [str(feed)])
    assert blocker.is_file()


def test_version_bump_ignores_old_caches(
    feed: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_collection_cached([str(feed)], cache_dir=cache_dir)
    old_file = cache_file_for(feed, cache_dir=cache_dir)
    fake_same_stat_edit(feed / "a.md", article_text("Omega", "https://example.com/a"))
    monkeypatch.setattr(fileformat, "CACHE_VERSION", fileformat.CACHE_VERSION + 1)
    new_file = cache_file_for(feed, cache_dir=cache_dir)
    assert new_file != old_file and f"v{fileformat.CACHE_VERSION}" in new_file.name
    assert "Omega" in titles(load_collection_cached([str(feed)], cache_dir=cache_dir))
    # A file carrying the new name but the old header is refused too.
    new_file.write_bytes(old_file.read_bytes())
    assert read_cache(new_file, details=True) == ({}, None)
    assert clear_cache(cache_dir=cache_dir) == 2


def test_fresh_files_are_not_trusted(feed: Path, cache_dir: Path) -> None:
    now = time.time_ns()
    write(feed / "fresh.md", article_text("Fresh"), mtime_ns=now)
    load_collection_cached([str(feed)], cache_dir=cache_dir)
    entries, _ = read_cache(cache_file_for(feed, cache_dir=cache_dir), details=True)
    assert "fresh.md" not in entries  # within the racy window: parsed again next time
    assert "a.md" in entries


def test_default_location_and_one_file_per_root(
    feed: Path, tmp_path: Path, isolated_dirs: Path
) -> None:
    other = tmp_path / "other"
    write(other / "x.md", article_text("Other"))
    collection = load_collection_cached([str(feed), str(other)])
    same_as_loader(collection, [str(feed), str(other)])
    files = sorted((isolated_dirs / "cache").glob("parse-v*.bin"))
    assert len(files) == 2
    # The same root spelled differently shares the cache file; paths follow the spelling.
    relative = os.path.relpath(feed)
    assert cache_file_for(relative) == cache_file_for(feed)
    again = load_collection_cached([relative])
    assert {a.path for a in again.articles} == {
        os.path.join(relative, p) for p in ("a.md", "b.md", "sub/c.md")
    }


def test_missing_root_and_single_file(feed: Path, cache_dir: Path, tmp_path: Path) -> None:
    roots = [str(tmp_path / "nope"), str(feed / "a.md")]
    collection = load_collection_cached(roots, cache_dir=cache_dir)
    same_as_loader(collection, roots)
    assert titles(load_collection_cached(roots, cache_dir=cache_dir)) == ["Alpha"]


def test_duplicate_ids_dedupe_like_the_loader(tmp_path: Path, cache_dir: Path) -> None:
    root = tmp_path / "dupes"
    for name in ("one.md", "two.md", "three.md"):
        write(root / name, article_text(name, "https://example.com/same"))
    for _ in range(2):
        collection = load_collection_cached([str(root)], cache_dir=cache_dir)
        same_as_loader(collection, [str(root)])
        assert len({a.id for a in collection.articles}) == 3


def test_real_and_sample_feeds_round_trip(real_feed: Path, sample_feed: Path, cache_dir: Path):
    roots = [str(real_feed), str(sample_feed)]
    cold = load_collection_cached(roots, cache_dir=cache_dir)
    warm = load_collection_cached(roots, cache_dir=cache_dir)
    same_as_loader(cold, roots)
    same_as_loader(warm, roots)
    # Event files keep YAML datetimes in `extra` (pickled field by field): types survive.
    ends = [a.extra["endDateTime"] for a in warm.articles if "endDateTime" in a.extra]
    assert ends and all(end.tzinfo is not None for end in ends)


def test_load_collection_never_uses_the_cache(feed: Path, isolated_dirs: Path) -> None:
    load_collection([str(feed)])
    assert not (isolated_dirs / "cache").exists() or not any((isolated_dirs / "cache").iterdir())


def test_process_pool_gives_the_same_result(sample_feed: Path, cache_dir: Path) -> None:
    collection = load_collection_cached(
        [str(sample_feed)], cache_dir=cache_dir, workers=2, pool_threshold=1
    )
    same_as_loader(collection, [str(sample_feed)])


def test_slim_cached_load_equals_slimmed_full_load(tmp_path: Path) -> None:
    from reader.loader import slim_article

    root = Path(__file__).resolve().parent.parent / "sample_feed"
    expected = [slim_article(a) for a in load_collection([root]).articles]
    cold = load_collection_cached([str(root)], cache_dir=tmp_path, slim=True)
    warm = load_collection_cached([str(root)], cache_dir=tmp_path, slim=True)
    assert cold.articles == expected
    assert warm.articles == expected
    assert all(a.slim for a in warm.articles)


def test_slim_rewrite_keeps_the_detail_part_for_full_loads(tmp_path: Path) -> None:
    """A slim load that rewrites the cache (one file changed) must keep every detail record."""
    import shutil

    feed = tmp_path / "feed"
    shutil.copytree(Path(__file__).resolve().parent.parent / "sample_feed", feed)
    old = time.time() - 60
    for path in feed.rglob("*.md"):
        os.utime(path, (old, old))
    cache_dir = tmp_path / "cache"
    load_collection_cached([str(feed)], cache_dir=cache_dir)  # fills both parts
    changed = next(feed.glob("*.md"))
    changed.write_text(changed.read_text().replace("title:", "title: ", 1))
    os.utime(changed, (old + 1, old + 1))
    slim = load_collection_cached([str(feed)], cache_dir=cache_dir, slim=True)
    assert all(a.slim for a in slim.articles)
    full = load_collection_cached([str(feed)], cache_dir=cache_dir)
    assert full.articles == load_collection([str(feed)]).articles
    assert any(a.related for a in full.articles) and not any(a.slim for a in full.articles)


def test_full_rewrite_keeps_every_entry_and_detail(tmp_path: Path) -> None:
    """A full load that rewrites the cache (one file changed, one removed) keeps the entries and
    detail records of the files that were hits (read again: a load keeps no decoded record)."""
    import shutil

    feed = tmp_path / "feed"
    shutil.copytree(Path(__file__).resolve().parent.parent / "sample_feed", feed)
    old = time.time() - 60
    for path in feed.rglob("*.md"):
        os.utime(path, (old, old))
    cache_dir = tmp_path / "cache"
    load_collection_cached([str(feed)], cache_dir=cache_dir)
    first, second = sorted(feed.glob("*.md"))[:2]
    first.write_text(first.read_text().replace("title:", "title: ", 1))
    os.utime(first, (old + 1, old + 1))
    second.unlink()
    full = load_collection_cached([str(feed)], cache_dir=cache_dir)
    assert full.articles == load_collection([str(feed)]).articles
    entries, details = read_cache(cache_file_for(feed, cache_dir=cache_dir), details=True)
    relatives = {relative for _path, relative in iter_article_files(feed)}
    assert set(entries) == relatives and details is not None and set(details) == relatives
    warm = load_collection_cached([str(feed)], cache_dir=cache_dir)
    assert warm.fingerprint is not None  # every file a hit: nothing was left out
    same_as_loader(warm, [str(feed)])


def _worker_that_dies_holding_a_chunk(chunks, counter, inbox, parent) -> None:
    pool._claim(counter, len(chunks))  # claims a chunk, and never sends it
    os._exit(1)


def test_a_chunk_lost_with_its_worker_is_parsed_here(
    sample_feed: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pool, "_pool_worker", _worker_that_dies_holding_a_chunk)
    options = {"cache_dir": cache_dir, "workers": 2, "pool_threshold": 1}
    collection = load_collection_cached([str(sample_feed)], **options)
    same_as_loader(collection, [str(sample_feed)])
    warm = load_collection_cached([str(sample_feed)], **options)
    same_as_loader(warm, [str(sample_feed)])


def test_pool_under_spawn_when_threads_run(sample_feed: Path, cache_dir: Path) -> None:
    """With other threads running (the app's workers) the pool spawns instead of forking."""
    import threading

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    try:
        collection = load_collection_cached(
            [str(sample_feed)], cache_dir=cache_dir, workers=2, slim=True, pool_threshold=1
        )
    finally:
        stop.set()
        thread.join()
    from reader.loader import slim_article

    assert collection.articles == [
        slim_article(a) for a in load_collection([str(sample_feed)]).articles
    ]


def test_pooled_cold_load_writes_a_cache_the_next_load_uses(
    sample_feed: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = sample_feed
    load_collection_cached([str(feed)], cache_dir=cache_dir, workers=3, pool_threshold=1)
    entries, details = read_cache(cache_file_for(feed, cache_dir=cache_dir), details=True)
    assert details is not None and set(details) == set(entries)
    assert len(entries) == len(list(iter_article_files(feed)))
    monkeypatch.setattr(pool, "parse_files", None)  # a warm load must not parse anything
    same_as_loader(load_collection_cached([str(feed)], cache_dir=cache_dir), [str(feed)])


@pytest.mark.parametrize("threshold", [1, 4000])
def test_without_the_cache_nothing_is_read_or_written(
    sample_feed: Path, tmp_path: Path, cache_dir: Path, threshold: int
) -> None:
    import shutil

    feed = tmp_path / "copy"
    shutil.copytree(sample_feed, feed)
    write(feed / "zz-mine.md", article_text("Alpha", "https://example.com/a"))
    load_collection_cached([str(feed)], cache_dir=cache_dir)
    path = cache_file_for(feed, cache_dir=cache_dir)
    before = path.read_bytes()
    fake_same_stat_edit(feed / "zz-mine.md", article_text("Omega", "https://example.com/a"))

    collection = load_collection_cached(
        [str(feed)], cache_dir=cache_dir, workers=2, use_cache=False, pool_threshold=threshold
    )
    assert "Omega" in titles(collection)  # parsed, not taken from the cache
    same_as_loader(collection, [str(feed)])
    assert path.read_bytes() == before  # and not written
    path.unlink()
    load_collection_cached([str(feed)], cache_dir=cache_dir, use_cache=False)
    assert not path.exists()


def _children(pid: int) -> list[int]:
    """Process ids whose parent is `pid` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            state = handle.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_pool_workers_exit_when_the_loading_process_is_killed(tmp_path: Path) -> None:
    """Fault 12: a cold load killed mid-way left its workers alive, blocked on the result queue
    (60-70 MB each), for good."""
    import signal
    import subprocess
    import sys
    import time

    feed = tmp_path / "feed"
    feed.mkdir()
    for i in range(3000):
        (feed / f"a{i}.md").write_text(
            f'---\ntitle: "Story {i}"\nexcerpt: "{"x" * 400}"\nwebUrl: "https://n.example/{i}"\n---\n'
        )
    code = (
        "import sys, time; from reader import cache; from reader.cache import pool\n"
        "pool._CHUNK_MAX = 8\n"
        "print('start', flush=True)\n"
        "cache.load_collection_cached(\n"
        "    [sys.argv[1]], workers=3, use_cache=False, pool_threshold=1\n"
        ")\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", code, str(feed)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None and parent.stdout.readline().strip() == "start"
        deadline = time.monotonic() + 30
        workers: list[int] = []
        while len(workers) < 2 and time.monotonic() < deadline:
            workers = _children(parent.pid)
            time.sleep(0.01)
        assert len(workers) >= 2, "the pool never started"
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 5
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [w for w in workers if _alive(w)], "workers outlived the load"
    finally:
        if parent.poll() is None:
            parent.kill()
        for worker in _children(parent.pid):
            with contextlib.suppress(OSError):
                os.kill(worker, signal.SIGKILL)
