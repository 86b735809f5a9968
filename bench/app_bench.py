"""The whole app on a big collection, headless (Pilot): first screen, key latency, sort, search.

    python bench/app_bench.py DIR        # DIR: a generated collection (bench/generate.py)

Methods (printed next to each figure):
- first screen: wall time from `App.run_test()` entry until the list shows rows, warm parse cache;
- cursor key: CPU time (process_time) per `j` while the key is held (events at 30 per second,
  like key repeat), minus the idle process's CPU over the same time; and the same for single
  keys 0.3 s apart, which also update the detail pane;
- re-sort / reverse: wall time from the action to the new order handed to the list, plus one paint;
- search keystroke: wall time of parse + select + handing the rows to the list, for each prefix
  of a typed query (large collections run this in a thread, so typing itself never waits).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from textual import events

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


async def _key_cpu_ms(app: Any, *, presses: int, interval: float) -> float:
    """CPU (ms) per `j` posted every `interval` seconds, minus the idle process's CPU over the
    same time: what the keys themselves cost, whatever else the event loop does."""
    base = time.process_time()
    await asyncio.sleep(presses * interval)
    idle = time.process_time() - base
    base = time.process_time()
    for _ in range(presses):
        app.post_message(events.Key("j", "j"))
        await asyncio.sleep(interval)
    busy = time.process_time() - base
    return max(0.0, (busy - idle) * 1000 / presses)


async def _worst_of_3(pilot: Any, action: Any) -> float:
    """Wall time from an action until the screen has caught up, the worst of three runs."""
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        action()
        await pilot.pause()
        timings.append(time.perf_counter() - start)
    return max(timings)


async def measure_app(
    root: str | os.PathLike[str], *, state_dir: str | None = None
) -> dict[str, Any]:
    from reader.tui.app import ReaderApp

    state_dir = state_dir or tempfile.mkdtemp(prefix="reader-bench-")
    app = ReaderApp(
        [str(root)],
        state_path=Path(state_dir) / "state.sqlite3",
        check_links=False,
        watch=False,
    )
    figures: dict[str, Any] = {}
    started = time.perf_counter()
    async with app.run_test(size=(140, 40)) as pilot:
        while not (app.session.loaded and app.main.article_list.row_count):
            await asyncio.sleep(0.005)
        await pilot.pause()
        figures["first_screen_s"] = time.perf_counter() - started
        figures["articles"] = len(app.session.articles)

        # One key at a time with a rest after it: the cursor and then the detail pane.
        await pilot.pause(0.3)
        figures["single_key_with_detail_cpu_ms"] = await _key_cpu_ms(app, presses=10, interval=0.3)

        # A held key: `j` events posted at a key-repeat pace (30 per second). (Pilot's own
        # press() waits ~40 ms and costs ~4 ms of CPU per key, so it is not used here.)
        presses = 150
        await pilot.pause(0.3)
        row_before = app.main.article_list.cursor_row
        figures["key_cpu_ms"] = await _key_cpu_ms(app, presses=presses, interval=1 / 30)
        await pilot.pause()
        moved = app.main.article_list.cursor_row - row_before
        assert moved == presses, f"the cursor moved {moved} rows for {presses} keys"
        figures["sort_s"] = await _worst_of_3(pilot, app.main.action_cycle_sort)
        figures["reverse_s"] = await _worst_of_3(pilot, app.main.action_reverse_sort)

        query = "robot topic:AI quality>50 -is:read"
        keystrokes = []
        from reader.query import QueryError, parse_query

        for end in range(1, len(query) + 1):
            # What one keystroke costs, whether the app runs it inline or in its search thread:
            # parse, select over the view, hand the rows to the list.
            start = time.perf_counter()
            try:
                parsed = parse_query(query[:end])
            except QueryError:
                keystrokes.append(time.perf_counter() - start)
                continue
            session = app.session
            session.query = parsed
            session.rows = session.rows_for(parsed)
            app.main.article_list.set_order(session.rows)
            keystrokes.append(time.perf_counter() - start)
        figures["search_first_keystroke_ms"] = keystrokes[0] * 1000  # builds the index
        figures["search_keystroke_ms_max"] = max(keystrokes[1:]) * 1000
        figures["search_keystroke_ms_median"] = statistics.median(keystrokes[1:]) * 1000
        await pilot.press("escape")
        await pilot.pause()
        figures.update(memory())
        await pilot.press("q")
    return figures


def memory() -> dict[str, float]:
    """Resident memory now and at its peak (Linux /proc; empty elsewhere)."""
    figures: dict[str, float] = {}
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    name = "rss_mb" if line.startswith("VmRSS") else "peak_rss_mb"
                    figures[name] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dir")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = asyncio.run(measure_app(args.dir))
    if args.json:
        import json

        print(json.dumps(figures))
        return 0
    for key, value in figures.items():
        print(f"{key:32} {value:.3f}" if isinstance(value, float) else f"{key:32} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
