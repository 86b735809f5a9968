"""The benchmark of issues 7 and 14: one table, every figure measured in this run, with its method.

    python bench/run.py [--n 20000] [--long-n N] [--with-100k] [--dir DIR] [--skip-peer]
                        [--skip-ui]

Loading is measured against python-frontmatter (`frontmatter.load(path)` per file: the library a
user would otherwise reach for) on the same generated files (bench/generate.py: variations of
../shared/real_feed), all from a warm page cache. Generated files go to DIR (default: a folder in
the temp dir named after N) and are reused by later runs with the same N. The other rows come from
bench/list_bench.py, bench/query_bench.py and bench/links_bench.py when they are present.

Start-up (issue 14) is measured as whole processes (`python -m reader ...`, a fresh interpreter
each, with a scratch cache folder and state file): `reader list --format ids` on a warm cache,
and the cold loads (no cache; filling an empty one) on two shapes of collection, bench/generate.py's
`default` and `long` (long related lists and bodies), each against python-frontmatter on the same
files; then the first-screen table of bench/startup_bench.py (beside newsboat and a minimal
Textual app).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR.parent) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(BENCH_DIR.parent))
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

COLD_TARGET = 0.35
WARM_TARGET = 0.05
LIST_IDS_TARGET = 0.08  # issue 14: `reader list --format ids`, warm, whole process / peer
COLD_PROCESS_TARGET = 0.3  # issue 14: cold, whole process / peer, on every shape

Row = tuple[str, str, str, str]  # what, value, target (and verdict), method


def _timed(function: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def _verdict(value: float, limit: float) -> str:
    return "ok" if value <= limit else "MISSED"


def _files(root: Path) -> list[str]:
    from reader.loader import iter_article_files

    return [path for path, _relative in iter_article_files(root)]


def _warm_page_cache(paths: list[str]) -> None:
    for path in paths:
        with open(path, "rb") as handle:
            handle.read()


def _peer(paths: list[str]) -> float:
    import frontmatter

    seconds, _ = _timed(lambda: [frontmatter.load(path) for path in paths])
    return seconds


def _child_load(root: Path, cache_dir: Path, mode: str, *, slim: bool = False) -> dict[str, float]:
    """Load in a fresh process (so RSS is per collection): mode `warm` or `cold`; `slim`: the
    articles the app keeps (body, images, related and extra left in the files)."""
    # VmHWM (peak RSS of this process image) rather than ru_maxrss: on Linux ru_maxrss survives
    # exec, so a child forked from this big benchmark process would report the parent's size.
    code = (
        "import json, sys, time\n"
        "from pathlib import Path\n"
        "def peak():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmHWM:'):\n"
        "            return int(line.split()[1]) / 1024\n"
        "    import resource\n"
        "    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "from reader.cache import load_collection_cached\n"
        "before = peak()\n"
        "start = time.perf_counter()\n"
        "c = load_collection_cached([sys.argv[1]], cache_dir=Path(sys.argv[2]),\n"
        "                           slim=sys.argv[3] == 'slim')\n"
        "seconds = time.perf_counter() - start\n"
        "print(json.dumps({'seconds': seconds, 'articles': len(c.articles),\n"
        "                  'rss_mb': peak(), 'base_mb': before}))\n"
    )
    return _child_json(["-c", code, str(root), str(cache_dir), "slim" if slim else "full"])


def _child_json(args: list[str], **env: str) -> dict[str, Any]:
    """Run `python ARGS` in a fresh process; its last output line is a JSON object."""
    environment = dict(os.environ, PYTHONPATH=str(BENCH_DIR.parent), **env)
    output = subprocess.run(
        [sys.executable, *args], check=True, capture_output=True, text=True, env=environment
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def measure_loading(
    root: Path, n: int, *, peer: bool, repeat: int = 3
) -> tuple[list[Row], float | None]:
    """The loading rows, and the peer's seconds (None when not timed)."""
    from reader.cache import load_collection_cached
    from reader.loader import load_collection

    rows: list[Row] = []
    paths = _files(root)
    _warm_page_cache(paths)
    rows.append(("N (article files)", f"{len(paths):,}", "", "bench/generate.py, warm page cache"))

    peer_s = _peer(paths) if peer else float("nan")
    rows.append(
        ("peer: python-frontmatter", f"{peer_s:.2f} s", "", "frontmatter.load(path) per file")
    )

    single_s, collection = _timed(lambda: load_collection([str(root)]))
    rows.append(
        (
            "cold load, one process",
            f"{single_s:.2f} s",
            "",
            "loader.load_collection: walk, read, parse (fast path when it can), build Articles",
        )
    )
    cold_s, uncached = _timed(lambda: load_collection_cached([str(root)], use_cache=False))
    rows.append(
        (
            "cold load, no cache",
            f"{cold_s:.2f} s",
            "",
            "what --no-cache does: the same, over a pool of processes (>4,000 files, >1 CPU)"
            + ("" if uncached.articles == collection.articles else "  !! RESULT DIFFERS"),
        )
    )
    with tempfile.TemporaryDirectory(prefix="reader-cache-") as cache_dir:
        cold_cached_s, cached = _timed(
            lambda: load_collection_cached([str(root)], cache_dir=Path(cache_dir))
        )
        same = cached.articles == collection.articles and cached.problems == collection.problems
        rows.append(
            (
                "cold load, filling the cache",
                f"{cold_cached_s:.2f} s",
                "",
                "cache.load_collection_cached, empty cache: parse (process pool when "
                ">4,000 files and >1 CPU) + write cache"
                + ("" if same else "  !! RESULT DIFFERS FROM load_collection"),
            )
        )
        warm_runs = [
            _timed(
                lambda: load_collection_cached([str(root)], cache_dir=Path(cache_dir), slim=True)
            )[0]
            for _ in range(repeat)
        ]
        warm_s = statistics.median(warm_runs)
        rows.append(
            (
                "warm load (cache, nothing changed)",
                f"{warm_s:.3f} s",
                "",
                f"median of {repeat}: walk + stat every file + read the cache's list part + "
                "build the articles the app keeps (slim: body, images, related read when shown)",
            )
        )
        full_runs = [
            _timed(lambda: load_collection_cached([str(root)], cache_dir=Path(cache_dir)))[0]
            for _ in range(repeat)
        ]
        rows.append(
            (
                "warm load, full articles",
                f"{statistics.median(full_runs):.3f} s",
                "",
                f"median of {repeat}: the same with every field (what `reader list` uses)",
            )
        )
        cold_worst = max(cold_s, cold_cached_s)
        if peer:
            rows.append(
                (
                    "cold / peer",
                    f"{cold_worst / peer_s:.3f}x",
                    f"<= {COLD_TARGET}x {_verdict(cold_worst / peer_s, COLD_TARGET)}",
                    "the slower of the two pooled cold loads above (no cache; filling it) / peer",
                )
            )
            rows.append(
                (
                    "warm / peer",
                    f"{warm_s / peer_s:.3f}x",
                    f"<= {WARM_TARGET}x {_verdict(warm_s / peer_s, WARM_TARGET)}",
                    "warm load / peer",
                )
            )
        try:
            child = _child_load(root, Path(cache_dir), "warm", slim=True)
            rows.append(
                (
                    f"RSS after a warm load of {child['articles']:,}",
                    f"{child['rss_mb']:.0f} MB",
                    "",
                    f"fresh process, slim warm load, peak RSS (VmHWM; interpreter + imports "
                    f"alone: {child['base_mb']:.0f} MB); warm load there {child['seconds']:.2f} s",
                )
            )
        except (subprocess.CalledProcessError, ValueError, KeyError) as exc:
            rows.append(("RSS", "n/a", "", f"child failed: {exc}"))
    del n
    return rows, peer_s if peer else None


def _reader_process(args: list[str], scratch: Path) -> float:
    """Wall seconds of one whole `python -m reader ARGS` process (output discarded), with the
    cache folder and state file in `scratch`."""
    environment = dict(
        os.environ,
        PYTHONPATH=str(BENCH_DIR.parent),
        READER_CACHE_DIR=str(scratch / "cache"),
        READER_STATE=str(scratch / "state.sqlite3"),
    )
    # A user's installed package has its bytecode compiled: so must this checkout's.
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "reader", *args],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=environment,
    )
    return time.perf_counter() - start


def list_ids_rows(root: Path, peer_s: float | None, *, repeat: int = 5) -> list[Row]:
    """`reader list --format ids` on a warm cache, as a whole process (issue 14)."""
    command = ["list", "--format", "ids", str(root)]
    with tempfile.TemporaryDirectory(prefix="reader-startup-") as scratch:
        _reader_process(command, Path(scratch))  # warm-up: fills the parse cache
        runs = [_reader_process(command, Path(scratch)) for _ in range(repeat)]
    seconds = statistics.median(runs)
    files = len(_files(root))
    rows: list[Row] = [
        (
            f"list --format ids, {files:,}, warm",
            f"{seconds:.2f} s",
            "",
            f"whole process (python -m reader), scratch cache and state, median of {repeat} "
            f"after a warm-up run (min {min(runs):.2f} s)",
        )
    ]
    if peer_s:
        ratio = seconds / peer_s
        rows.append(
            (
                "list --format ids / peer",
                f"{ratio:.3f}x",
                f"<= {LIST_IDS_TARGET}x {_verdict(ratio, LIST_IDS_TARGET)}",
                "the whole process above / python-frontmatter on the same files",
            )
        )
    return rows


def cold_process_rows(root: Path, shape: str, peer_s: float | None) -> list[Row]:
    """Cold loads as whole processes (issue 14): `reader list --no-cache` and `reader list`
    filling an empty cache; the slower of the two against the peer."""
    command = ["list", "--format", "ids", str(root)]
    with tempfile.TemporaryDirectory(prefix="reader-cold-") as scratch:
        no_cache = _reader_process([*command[:1], "--no-cache", *command[1:]], Path(scratch))
        filling = _reader_process(command, Path(scratch))  # --no-cache left the folder empty
    rows: list[Row] = [
        (
            f"cold, whole process ({shape} shape)",
            f"{no_cache:.2f} / {filling:.2f} s",
            "",
            "reader list --format ids: --no-cache / filling an empty cache (pool of processes)",
        )
    ]
    if peer_s:
        ratio = max(no_cache, filling) / peer_s
        rows.append(
            (
                f"cold / peer ({shape} shape)",
                f"{ratio:.3f}x",
                f"<= {COLD_PROCESS_TARGET}x {_verdict(ratio, COLD_PROCESS_TARGET)}",
                "the slower of the two whole processes above / python-frontmatter, same files",
            )
        )
    return rows


def long_shape_rows(directory: Path, n: int, *, peer: bool) -> list[Row]:
    """The second shape (bench/generate.py --shape long): its peer time and cold ratio."""
    from generate import generate

    root = generate(directory, n, shape="long")
    paths = _files(root)
    _warm_page_cache(paths)
    peer_s = _peer(paths) if peer else None
    rows: list[Row] = [
        (
            "N (long shape)",
            f"{len(paths):,}",
            "",
            "bench/generate.py --shape long: 8-21 related entries and a 3-12 kB body each",
        )
    ]
    if peer_s is not None:
        rows.append(
            ("peer: python-frontmatter (long)", f"{peer_s:.2f} s", "", "frontmatter.load per file")
        )
    return rows + cold_process_rows(root, "long", peer_s)


def startup_table_rows(n: int) -> list[Row]:
    """bench/startup_bench.py's first-screen figures (beside newsboat and a minimal app)."""
    try:
        from startup_bench import startup_rows
    except ImportError as exc:  # an older startup_bench without the function
        return [("first screen (startup_bench)", "n/a", "", f"not available: {exc}"[:90])]
    return startup_rows(n)


def _child_app(root: Path, cache_dir: Path) -> dict[str, float]:
    """The whole app (bench/app_bench.py) in a fresh process on a warm cache."""
    return _child_json(
        [str(BENCH_DIR / "app_bench.py"), str(root), "--json"], READER_CACHE_DIR=str(cache_dir)
    )


def app_rows(root: Path, n: int) -> list[Row]:
    """First screen, key, sort and search in the real app (Pilot, headless), warm cache."""
    with tempfile.TemporaryDirectory(prefix="reader-cache-") as cache_dir:
        _child_load(root, Path(cache_dir), "cold", slim=True)  # fill the cache
        app = _child_app(root, Path(cache_dir))
    where = f"app_bench, {n:,} articles"
    return [
        (
            "app: first screen (warm cache)",
            f"{app['first_screen_s']:.2f} s",
            f"<= 1.5 s {_verdict(app['first_screen_s'], 1.5)}",
            f"{where}: from App start until the list shows rows (load in a worker)",
        ),
        (
            "app: cursor key",
            f"{app['key_cpu_ms']:.1f} ms",
            f"<= 16 ms {_verdict(app['key_cpu_ms'], 16)}",
            f"{where}: CPU per `j` while held (30 keys/s, minus idle); a single key with "
            f"its detail-pane update: {app['single_key_with_detail_cpu_ms']:.1f} ms",
        ),
        (
            "app: re-sort / reverse",
            f"{app['sort_s']:.2f} / {app['reverse_s']:.2f} s",
            f"<= 0.5 s {_verdict(max(app['sort_s'], app['reverse_s']), 0.5)}",
            f"{where}: worst of 3 `s` / `S`, action to the list repainted",
        ),
        (
            "app: search keystroke",
            f"{app['search_keystroke_ms_max']:.0f} ms",
            f"<= 50 ms {_verdict(app['search_keystroke_ms_max'], 50)}",
            f"{where}: worst keystroke typing a 34-character query (the first builds the "
            f"index once: {app['search_first_keystroke_ms']:.0f} ms)",
        ),
        (
            "app: RSS",
            f"{app['rss_mb']:.0f} MB",
            "",
            f"{where}: VmRSS after the runs above",
        ),
    ]


def measure_100k(directory: Path) -> list[Row]:
    """Generate 100,000 files, fill a cache in one process, then load warm and run the app."""
    from generate import generate

    root = generate(directory, 100_000)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="reader-cache-") as cache_dir:
        cold = _child_load(root, Path(cache_dir), "cold", slim=True)
        rows.append(
            (
                "100k: cold load, filling the cache",
                f"{cold['seconds']:.1f} s",
                "",
                f"fresh process, cache.load_collection_cached (peak RSS {cold['rss_mb']:.0f} MB)",
            )
        )
        warm = _child_load(root, Path(cache_dir), "warm", slim=True)
        rows.append(
            (
                "100k: warm load",
                f"{warm['seconds']:.2f} s",
                "",
                f"fresh process, slim articles (peak RSS {warm['rss_mb']:.0f} MB)",
            )
        )
        app = _child_app(root, Path(cache_dir))
        rows.append(
            (
                "100k: app RSS",
                f"{app['rss_mb']:.0f} MB",
                f"<= 400 MB {_verdict(app['rss_mb'], 400)}",
                "app_bench in a fresh process: loaded, moved, sorted, searched (index built); "
                f"first screen {app['first_screen_s']:.1f} s, key {app['key_cpu_ms']:.0f} ms, "
                f"search keystroke {app['search_keystroke_ms_max']:.0f} ms",
            )
        )
    return rows


def _optional(label: str, function: Callable[[], list[Row]]) -> list[Row]:
    """Rows from a helper bench; a missing or failing one prints `n/a` and why."""
    try:
        return function()
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:90]
        if os.environ.get("READER_BENCH_DEBUG"):
            traceback.print_exc()
        return [(label, "n/a", "", reason)]


def list_rows(n: int) -> list[Row]:
    from list_bench import measure_list

    result = asyncio.run(measure_list(n))
    return [
        (
            "list pane: first paint",
            f"{result['first_paint_s']:.3f} s",
            f"<= 1.5 s (whole app) {_verdict(result['first_paint_s'], 1.5)}",
            "list_bench: set_articles + set_order + one Pilot pause, headless",
        ),
        (
            "list pane: cursor key",
            f"{result['cursor_key_app_cpu_ms']:.1f} ms",
            f"<= 16 ms {_verdict(result['cursor_key_app_cpu_ms'], 16)}",
            "list_bench: CPU per key through the event loop (Pilot)",
        ),
        (
            "list pane: re-sort + repaint",
            f"{result['title_sort_s'] + result['set_order_repaint_s']:.3f} s",
            "<= 0.5 s " + _verdict(result["title_sort_s"] + result["set_order_repaint_s"], 0.5),
            "list_bench: sort by title + set_order + repaint",
        ),
    ]


def query_rows(n: int) -> list[Row]:
    from query_bench import run_query_bench

    result = run_query_bench(n)
    worst = result["typing: worst keystroke ms"]
    return [
        (
            "search keystroke (worst)",
            f"{worst:.1f} ms",
            f"<= 50 ms {_verdict(worst, 50)}",
            "query_bench: parse + select per prefix of a query typed key by key, median of 7",
        )
    ]


def links_rows() -> list[Row]:
    from links_bench import run_links_bench

    urls, latency, concurrency = 1000, 0.05, 64
    try:
        report = run_links_bench(urls, latency, concurrency, naive=False)
    except TypeError:
        report = run_links_bench(urls, latency, concurrency)
    rows = []
    for name, figures in report.items():
        if isinstance(figures, dict):
            rows.append(
                (
                    f"link checks: {name}",
                    f"{figures['elapsed_s']:.2f} s",
                    f"ideal {report['ideal_s']:.2f} s (x{figures['ratio']})",
                    f"links_bench: {urls} URLs, loopback server, {latency * 1000:g} ms latency, "
                    f"concurrency {concurrency}",
                )
            )
    return rows


def print_table(rows: list[Row]) -> None:
    headers = ("measure", "value", "target", "method")
    widths = [max(len(headers[i]), *(len(row[i]) for row in rows)) for i in range(3)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False)) + "  method"
    print(line)
    print("-" * min(len(line) + 40, 160))
    for row in rows:
        print("  ".join(row[i].ljust(widths[i]) for i in range(3)) + "  " + row[3])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="articles to generate (20000)")
    parser.add_argument(
        "--long-n", type=int, help="files of the long shape (default: N; 0: skip that shape)"
    )
    parser.add_argument("--with-100k", action="store_true", help="add the 100,000-file rows")
    parser.add_argument("--dir", type=Path, help="where generated files go (reused)")
    parser.add_argument("--skip-peer", action="store_true", help="do not time python-frontmatter")
    parser.add_argument(
        "--skip-ui",
        action="store_true",
        help="skip the first-screen, app, list pane, query and links rows",
    )
    args = parser.parse_args(argv)

    from generate import generate

    base = Path(tempfile.gettempdir())
    directory = args.dir or base / f"reader-bench-{args.n}"
    seconds, root = _timed(lambda: generate(directory, args.n))
    print(f"files: {root} ({seconds:.1f} s to generate or reuse)", file=sys.stderr)

    from reader.frontmatter import FAST_PARSER_ENABLED

    rows, peer_s = measure_loading(root, args.n, peer=not args.skip_peer)
    rows += _optional("list --format ids", lambda: list_ids_rows(root, peer_s))
    rows += _optional("cold, whole process", lambda: cold_process_rows(root, "default", peer_s))
    long_n = args.long_n if args.long_n is not None else args.n
    if long_n:
        long_dir = (
            args.dir.with_name(args.dir.name + "-long")
            if args.dir
            else base / f"reader-bench-long-{long_n}"
        )
        rows += _optional(
            "long shape", lambda: long_shape_rows(long_dir, long_n, peer=not args.skip_peer)
        )
    rows.append(
        (
            "fast YAML parser",
            "direct" if FAST_PARSER_ENABLED else "off",
            "",
            "reader.frontmatter: the pure-Python builder for the simple subset, then libyaml "
            "(per file, whenever a result could differ)",
        )
    )
    if not args.skip_ui:
        rows += _optional("first screen", lambda: startup_table_rows(args.n))
        rows += _optional("app", lambda: app_rows(root, args.n))
        rows += _optional("list pane", lambda: list_rows(args.n))
        rows += _optional("search keystroke", lambda: query_rows(args.n))
        rows += _optional("link checks", links_rows)
    if args.with_100k:
        rows += _optional(
            "100k",
            lambda: measure_100k(
                args.dir.with_name(args.dir.name + "-100k")
                if args.dir
                else base / "reader-bench-100000"
            ),
        )
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
