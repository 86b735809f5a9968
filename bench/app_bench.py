"""The whole app on a big collection, headless (Pilot): first screen, key latency, sort, search.

    python bench/app_bench.py DIR        # DIR: a generated collection (bench/generate.py)

Methods (printed next to each figure):
- first screen: wall time from `App.run_test()` entry until the list shows rows, warm parse cache;
- cursor key: CPU time (process_time) of the app's own work for one `j` (the cursor move, the
  detail pane update and one repaint), measured over 200 presses, minus Pilot's own cost for a key
  that does nothing; Pilot itself waits ~40 ms a key, so wall time would measure Pilot;
- re-sort / reverse: wall time from the action to the new order handed to the list, plus one paint;
- search keystroke: wall time of the app's query handling for each prefix of a typed query.
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


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
        while not (app._loaded and app.article_list.row_count):
            await asyncio.sleep(0.005)
        await pilot.pause()
        figures["first_screen_s"] = time.perf_counter() - started
        figures["articles"] = len(app.articles)

        # Pilot's own cost per key, with a key that the app does not bind.
        base = time.process_time()
        for _ in range(50):
            await pilot.press("f12")
        idle_ms = (time.process_time() - base) * 1000 / 50
        base = time.process_time()
        presses = 200
        for _ in range(presses):
            await pilot.press("j")
        key_ms = (time.process_time() - base) * 1000 / presses
        figures["key_cpu_ms"] = max(0.0, key_ms - idle_ms)
        figures["pilot_idle_key_cpu_ms"] = idle_ms

        timings = []
        for _ in range(3):
            start = time.perf_counter()
            app.action_cycle_sort()
            await pilot.pause()
            timings.append(time.perf_counter() - start)
        figures["sort_s"] = max(timings)
        timings = []
        for _ in range(3):
            start = time.perf_counter()
            app.action_reverse_sort()
            await pilot.pause()
            timings.append(time.perf_counter() - start)
        figures["reverse_s"] = max(timings)

        query = "robot topic:AI quality>50 -is:read"
        keystrokes = []
        for end in range(1, len(query) + 1):
            start = time.perf_counter()
            app._set_query(query[:end])
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
