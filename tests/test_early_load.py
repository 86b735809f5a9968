"""Issue 17 (defect 9): a cold start parses while Textual imports and paints, and its pool's
workers are forked before any thread exists (spawned, they took a third of a second to start).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from reader.collection import open_collection
from reader.early_load import EarlyLoad, is_cold
from reader.settings import DEFAULTS
from tests.test_load_progress import write_files
from tests.tui_fixtures import make_app, settle


def test_a_folder_the_cache_has_not_seen_is_cold_and_then_warm(tmp_path):
    folder = str(write_files(tmp_path / "feed", 5))
    assert is_cold([folder], use_cache=True)
    assert is_cold([folder], use_cache=False)
    open_collection([folder], use_cache=True)
    assert not is_cold([folder], use_cache=True)
    assert is_cold([folder], use_cache=False)  # --no-cache: every start parses
    assert EarlyLoad.start_if_cold([folder], use_cache=True, settings=DEFAULTS) is None


def test_the_early_load_gives_what_the_app_would_have_loaded(tmp_path):
    folder = str(write_files(tmp_path / "feed", 40))
    early = EarlyLoad.start_if_cold([folder], use_cache=True, settings=DEFAULTS)
    assert early is not None
    heard: list[tuple[int, int]] = []
    collection = early.result(lambda done, total: heard.append((done, total)))
    assert sorted(a.id for a in collection.articles) == sorted(
        a.id for a in open_collection([folder], use_cache=False, slim=True).articles
    )
    assert all(article.body == "" for article in collection.articles)  # slim, as the app loads
    assert early.matches([folder], use_cache=True, settings=DEFAULTS)
    assert not early.matches([folder, folder], use_cache=True, settings=DEFAULTS)
    assert not early.matches([folder], use_cache=False, settings=DEFAULTS)
    assert not is_cold([folder], use_cache=True)  # it wrote the cache, as the app's load does


def test_a_failed_load_is_raised_to_the_app(tmp_path):
    from reader.collection import PathError

    early = EarlyLoad([str(tmp_path / "missing")], use_cache=True, settings=DEFAULTS).start()
    with pytest.raises(PathError):
        early.result()


def test_a_listener_that_comes_late_hears_the_last_report_first(tmp_path):
    folder = str(write_files(tmp_path / "feed", 20))
    early = EarlyLoad([folder], use_cache=True, settings=DEFAULTS).start()
    early._done.wait(30)  # the app listens only once it has started: here, after the end
    heard: list[tuple[int, int]] = []
    early.result(lambda done, total: heard.append((done, total)))
    assert heard == [(20, 20)]


async def test_the_app_takes_the_early_load_instead_of_loading_again(tmp_path):
    folder = write_files(tmp_path / "feed", 30)
    early = EarlyLoad.start_if_cold([str(folder)], use_cache=True, settings=DEFAULTS)
    assert early is not None
    early._done.wait(30)
    app = make_app(folder, use_cache=True, early_load=early)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert app.early_load is None  # taken by the first load
        assert early._listener is not None  # the app listened to it: no second parse
        assert len(app.session.rows) == 30
    other = EarlyLoad([str(tmp_path)], use_cache=True, settings=DEFAULTS)  # another folder
    app = make_app(folder, use_cache=True, early_load=other)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert other._listener is None and len(app.session.rows) == 30


STANDBY = """
import sys, time
import reader.cache.pool as pool
from reader.walk import iter_article_files
if __name__ == "__main__":
    decoded = []
    real = pool.decode_segment
    pool.decode_segment = lambda *args: decoded.append(1) or real(*args)
    assert pool.start_standby(2)
    workers = list(pool._standby.processes)
    if sys.argv[2] == "parse":
        files = list(iter_article_files(sys.argv[1]))
        results, segments = pool.parse_files(files, 2, threshold=10)
        assert len(results) == len(files) and all(a is not None for a, _ in results)
        assert decoded, "no chunk came from the standby worker"
    else:
        pool.release_standby()
    deadline = time.monotonic() + 10
    while any(w.is_alive() for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    print("exited" if not any(w.is_alive() for w in workers) else "still running")
"""


@pytest.mark.parametrize("how", ["parse", "release"])
def test_standby_workers_parse_the_next_pooled_load_or_exit_when_released(tmp_path, how):
    folder = write_files(tmp_path / "feed", 400)
    script = tmp_path / "standby.py"
    script.write_text(STANDBY)
    result = subprocess.run(
        [sys.executable, str(script), str(folder), how],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip() == "exited", (result.stdout, result.stderr[-2000:])


def test_no_standby_in_a_process_that_already_runs_threads():
    import threading

    from reader.cache import pool

    hold = threading.Event()
    thread = threading.Thread(target=hold.wait, daemon=True)
    thread.start()
    try:
        assert pool.start_standby(2) is False  # forking beside threads can deadlock the child
        assert pool._standby is None
    finally:
        hold.set()
