"""Start-up as a user sees it: whole processes on a pseudo-terminal, side by side.

    python bench/startup_bench.py [--n 20000] [--large 100000] [--runs 3]

Each figure is the wall time from starting the process until the first screen shows what it
must (median of `--runs`, after one warm-up run that fills every cache):

- reader: `reader DIR` on a generated collection (bench/generate.py), until the newest
  article's title is on screen (the real first screen: the right row on top);
- a minimal Textual app (one `Static`), until its text is on screen: Textual's own floor;
- reader on `--large` articles (100,000), the same way: the issue wants it no later than
  newsboat with `--n`;
- newsboat, on the same articles as a local RSS feed, until the feed list shows, then Enter,
  until the newest article's title is on screen (start, feed list, Enter). newsboat is a
  Debian package (`apt-get install -y newsboat`); without it the column says so.

The ratios are the issue-14 targets: reader at most 0.8x newsboat and 1.25x the minimal app.
"""

from __future__ import annotations

import argparse
import html
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))
from generate import generate  # noqa: E402

from tests.terminal import Terminal  # noqa: E402

MINIMAL_APP = """\
from textual.app import App
from textual.widgets import Static


class Minimal(App):
    def compose(self):
        yield Static("minimal-app-ready")


Minimal().run()
"""


def _visible(term: Terminal, needle: str, timeout: float = 60.0) -> float:
    """Seconds until `needle` is in the terminal output."""
    started = time.monotonic()
    term.wait_for(needle, timeout=timeout)
    return time.monotonic() - started


def _needle(title: str) -> str:
    """A piece of a title that a terminal shows contiguously (ASCII, no markup-like text)."""
    words = [w for w in title.split() if w.isascii() and w.isalnum()]
    return " ".join(words[:3]) if words else title[:10]


def time_reader(root: Path, needle: str, env: dict[str, str]) -> float:
    started = time.monotonic()
    with Terminal([sys.executable, "-m", "reader", str(root)], env=env) as term:
        term.wait_for(needle, timeout=120)
        return time.monotonic() - started


def time_minimal(script: Path) -> float:
    started = time.monotonic()
    with Terminal([sys.executable, str(script)]) as term:
        term.wait_for("minimal-app-ready", timeout=60)
        return time.monotonic() - started


def write_rss(articles: list, path: Path) -> None:
    """The articles as one RSS 2.0 feed, newest first (what newsboat reads)."""
    items = []
    for article in articles:
        date = format_datetime(article.published) if article.published else ""
        link = article.urls.canonical or f"https://example.invalid/{article.id}"
        items.append(
            f"<item><title>{html.escape(article.title)}</title><link>{html.escape(link)}</link>"
            f"<guid>{html.escape(article.id)}</guid><pubDate>{date}</pubDate>"
            f"<description>{html.escape(article.excerpt)}</description></item>"
        )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        "<title>bench-feed</title><link>https://example.invalid/</link>"
        "<description>bench</description>" + "".join(items) + "</channel></rss>",
        encoding="utf-8",
    )


def prepare_newsboat(articles: list, folder: Path) -> list[str] | None:
    """newsboat's arguments on a filled cache of the same articles (None: not installed)."""
    binary = shutil.which("newsboat")
    if binary is None:
        return None
    feed = folder / "feed.xml"
    write_rss(articles, feed)
    urls = folder / "urls"
    urls.write_text(f"file://{feed}\n", encoding="utf-8")
    config = folder / "config"
    config.write_text("show-read-feeds yes\nprepopulate-query-feeds no\n", encoding="utf-8")
    args = [binary, "-u", str(urls), "-c", str(folder / "cache.db"), "-C", str(config)]
    # One reload fills newsboat's cache (its own warm start), exactly as `reader` is run once.
    os.system(" ".join([*args, "-x", "reload"]) + " > /dev/null 2>&1")
    return args


def time_newsboat(args: list[str], needle: str) -> float:
    started = time.monotonic()
    with Terminal(args) as term:
        term.wait_for("bench-feed", timeout=120)
        term.send("\r")
        term.wait_for(needle, timeout=120)
        return time.monotonic() - started


def _collection(root: Path) -> tuple[list, str]:
    """The articles newest first (the parse cache filled on the way), and the needle."""
    from reader.collection import open_collection

    collection = open_collection([str(root)], slim=True)
    articles = sorted(
        (a for a in collection.articles if a.published is not None),
        key=lambda a: (a.published, a.id),
        reverse=True,
    )
    return articles, _needle(articles[0].title)


def measure(
    n: int = 20_000, *, large: int | None = 100_000, runs: int = 3, directory: Path | None = None
) -> dict[str, float | int | None]:
    """Seconds to the first real screen: reader on `n` and on `large` articles (None: skipped),
    the minimal Textual app, and newsboat on `n` (None when it is not installed)."""
    base = directory or Path(tempfile.gettempdir())
    figures: dict[str, float | int | None] = {"n": n, "large": large}
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        env = {
            "READER_CACHE_DIR": str(work / "cache"),
            "READER_STATE": str(work / "state.sqlite3"),
        }
        os.environ.update(env)
        # Python's bytecode cache is warm on a user's machine (pip compiles a package as it
        # installs it): a machine that sets PYTHONDONTWRITEBYTECODE would recompile every reader
        # module at every start, while Textual's own (the minimal app's) are compiled already.
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

        def median(function) -> float:  # type: ignore[no-untyped-def]
            function()  # warm-up: every cache and the page cache filled
            return statistics.median(function() for _ in range(runs))

        root = generate(base / f"reader-bench-{n}", n)
        articles, needle = _collection(root)
        figures["reader"] = median(lambda: time_reader(root, needle, env))
        script = work / "minimal.py"
        script.write_text(MINIMAL_APP, encoding="utf-8")
        figures["minimal"] = median(lambda: time_minimal(script))
        newsboat = prepare_newsboat(articles, work)
        figures["newsboat"] = median(lambda: time_newsboat(newsboat, needle)) if newsboat else None
        if large:
            big = generate(base / f"reader-bench-{large}", large)
            _, big_needle = _collection(big)
            figures["reader_large"] = median(lambda: time_reader(big, big_needle, env))
    return figures


def startup_rows(
    n: int = 20_000, *, large: int | None = 100_000, runs: int = 3
) -> list[tuple[str, str, str, str]]:
    """The figures as `bench/run.py` rows: (measure, value, target, method)."""
    figures = measure(n, large=large, runs=runs)
    reader_s, minimal_s = float(figures["reader"] or 0), float(figures["minimal"] or 0)
    newsboat_s = figures["newsboat"]
    method = f"whole process on a pty, median of {runs} after a warm-up run"
    rows = [
        (f"first screen, {n:,}, warm", f"{reader_s:.2f} s", "", f"reader DIR: {method}"),
        ("minimal Textual app", f"{minimal_s:.2f} s", "", "one Static: Textual's own floor"),
        (
            "first screen / minimal app",
            f"{reader_s / minimal_s:.2f}x",
            f"<= 1.25x {_verdict(reader_s / minimal_s, 1.25)}",
            "",
        ),
    ]
    if newsboat_s is None:
        rows.append(("newsboat", "not installed", "", "apt-get install -y newsboat"))
    else:
        ratio = reader_s / float(newsboat_s)
        rows += [
            (f"newsboat, {n:,}", f"{newsboat_s:.2f} s", "", "start, feed list, Enter"),
            ("first screen / newsboat", f"{ratio:.2f}x", f"<= 0.8x {_verdict(ratio, 0.8)}", ""),
        ]
    if large and figures.get("reader_large") is not None:
        large_s = float(figures["reader_large"] or 0)
        target = f"<= newsboat {n:,}" if newsboat_s is not None else ""
        if newsboat_s is not None:
            target += " ok" if large_s <= float(newsboat_s) else " MISSED"
        rows.append((f"first screen, {large:,}, warm", f"{large_s:.2f} s", target, method))
    return rows


def measure_cold(n: int = 20_000, *, runs: int = 3, directory: Path | None = None) -> dict:
    """Issue 17 (defect 9): a cold start (an empty parse cache) of the app to its first real
    screen beside `reader list --format ids` cold, as whole processes, each run on a new cache."""
    base = directory or Path(tempfile.gettempdir())
    root = generate(base / f"reader-bench-{n}", n)
    _, needle = _collection(root)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    app_s, cli_s = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as scratch:
            env = {
                "READER_CACHE_DIR": str(Path(scratch) / "cache"),
                "READER_STATE": str(Path(scratch) / "state.sqlite3"),
            }
            app_s.append(time_reader(root, needle, env))
        with tempfile.TemporaryDirectory() as scratch:
            child_env = {**os.environ, "READER_CACHE_DIR": str(Path(scratch) / "cache")}
            child_env["READER_STATE"] = str(Path(scratch) / "state.sqlite3")
            started = time.monotonic()
            subprocess.run(
                [sys.executable, "-m", "reader", "list", "--format", "ids", str(root)],
                env=child_env,
                stdout=subprocess.DEVNULL,
                check=True,
            )
            cli_s.append(time.monotonic() - started)
    return {"n": n, "app": statistics.median(app_s), "cli": statistics.median(cli_s)}


def cold_rows(n: int = 20_000, *, runs: int = 3) -> list[tuple[str, str, str, str]]:
    figures = measure_cold(n, runs=runs)
    ratio = figures["app"] / figures["cli"]
    method = f"whole process, an empty parse cache each run, median of {runs}"
    return [
        (f"app cold, {n:,}", f"{figures['app']:.2f} s", "", f"reader DIR on a pty: {method}"),
        (f"reader list --format ids cold, {n:,}", f"{figures['cli']:.2f} s", "", method),
        ("app cold / CLI cold", f"{ratio:.2f}x", f"<= 1.3x {_verdict(ratio, 1.3)}", ""),
    ]


def _verdict(value: float, limit: float) -> str:
    return "ok" if value <= limit else "MISSED"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--large", type=int, default=100_000, help="0: skip the large row")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--cold", action="store_true", help="the cold rows instead (app vs CLI, no cache)"
    )
    args = parser.parse_args(argv)
    if args.cold:
        rows = cold_rows(args.n, runs=args.runs)
    else:
        rows = startup_rows(args.n, large=args.large or None, runs=args.runs)
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    print("start-up to the first real screen")
    for row in rows:
        print("  " + "  ".join(row[i].ljust(widths[i]) for i in range(3)) + "  " + row[3])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
