"""Issue 17 (defect 9): a cold load says how far it is: "loading 1,234 of 20,000 files"."""

from __future__ import annotations

import itertools
import os

from reader.cache import load_collection_cached
from tests.tui_fixtures import make_app, screen_text, settle


def write_files(folder, count):
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        path = folder / f"a{n:04}.md"
        path.write_text(
            f'---\ntitle: "Article {n}"\npublishedDateTime: 2026-01-01T00:00:00Z\n---\n'
        )
        os.utime(path, (1_700_000_000, 1_700_000_000))  # not too fresh for the cache to trust
    return folder


def test_progress_counts_every_parsed_file_in_this_process_and_in_the_pool(tmp_path):
    folder = write_files(tmp_path / "feed", 300)
    for workers, threshold in ((1, 10_000), (2, 10)):
        seen: list[tuple[int, int]] = []
        collection = load_collection_cached(
            [str(folder)],
            cache_dir=tmp_path / f"cache-{workers}",
            workers=workers,
            pool_threshold=threshold,
            progress=lambda done, total: seen.append((done, total)),  # noqa: B023
        )
        assert len(collection.articles) == 300
        assert seen[0] == (0, 300) and seen[-1] == (300, 300)
        assert all(a[0] <= b[0] for a, b in itertools.pairwise(seen))
        assert len(seen) > 3  # reported as it goes, not only at the end
    seen.clear()
    load_collection_cached(  # warm: nothing to parse, nothing to report
        [str(folder)], cache_dir=tmp_path / "cache-1", progress=lambda d, t: seen.append((d, t))
    )
    assert seen == []


async def test_the_header_says_how_many_files_are_parsed(tmp_path):
    app = make_app(write_files(tmp_path / "feed", 150))
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(pilot)
        header = app.main.header
        assert header.parsing == (150, 150)  # the app heard the load's progress
        header.pending, header.parsing = True, (1234, 20000)
        header.refresh_text()
        await pilot.pause()
        assert "loading 1,234 of 20,000 files…" in screen_text(app)


POOL_UNDER_A_TUI = """
import io, sys, threading
from pathlib import Path
from reader.cache.pool import _parse_in_pool
from reader.walk import iter_article_files
if __name__ == "__main__":
    class Capture(io.StringIO):  # what Textual puts in their place: fileno() is -1
        def fileno(self):
            return -1

    sys.stdout = sys.stderr = Capture()
    hold = threading.Event()
    threading.Thread(target=hold.wait, daemon=True).start()  # threads run: a spawned pool
    files = list(iter_article_files(sys.argv[1]))
    result = _parse_in_pool(files, 2, True)
    hold.set()
    sys.__stdout__.write("pool" if result is not None else "no pool")
"""


def test_the_pool_starts_under_a_tui_that_replaced_stdout_and_stderr(tmp_path):
    """Defect 9's cause: in the app the pool never started (the resource tracker wanted
    stderr's descriptor), so a cold load parsed in one process."""
    import subprocess
    import sys

    folder = write_files(tmp_path / "feed", 120)
    script = tmp_path / "pool_under_tui.py"
    script.write_text(POOL_UNDER_A_TUI)
    result = subprocess.run(
        [sys.executable, str(script), str(folder)], capture_output=True, text=True, timeout=120
    )
    assert result.stdout == "pool", (result.stdout, result.stderr[-2000:])
