"""Start-up as a user sees it: whole processes on a pseudo-terminal, side by side.

    python bench/startup_bench.py [--n 20000] [--runs 3]

Each figure is the wall time from starting the process until the first screen shows what it
must (median of `--runs`, after one warm-up run that fills every cache):

- reader: `reader DIR` on a generated collection (bench/generate.py), until the newest
  article's title is on screen (the real first screen: the right row on top);
- a minimal Textual app (one `Static`), until its text is on screen: Textual's own floor;
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args(argv)
    from reader.collection import open_collection

    root = generate(args.dir or Path(tempfile.gettempdir()) / f"reader-bench-{args.n}", args.n)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        env = {
            "READER_CACHE_DIR": str(work / "cache"),
            "READER_STATE": str(work / "state.sqlite3"),
        }
        os.environ.update(env)
        collection = open_collection([str(root)], slim=True)  # fills the parse cache
        articles = sorted(
            (a for a in collection.articles if a.published is not None),
            key=lambda a: (a.published, a.id),
            reverse=True,
        )
        needle = _needle(articles[0].title)
        script = work / "minimal.py"
        script.write_text(MINIMAL_APP, encoding="utf-8")
        newsboat = prepare_newsboat(articles, work)

        def median(function) -> float:  # type: ignore[no-untyped-def]
            function()  # warm-up: every cache and the page cache filled
            return statistics.median(function() for _ in range(args.runs))

        reader_s = median(lambda: time_reader(root, needle, env))
        minimal_s = median(lambda: time_minimal(script))
        newsboat_s = median(lambda: time_newsboat(newsboat, needle)) if newsboat else None

    print(f"start-up to the first real screen, {len(collection.articles):,} articles, warm")
    print(f"  reader                  {reader_s:.2f} s")
    ratio = reader_s / minimal_s
    print(f"  minimal Textual app     {minimal_s:.2f} s   reader/minimal  {ratio:.2f}x (<= 1.25x)")
    if newsboat_s is None:
        print("  newsboat                not installed (apt-get install -y newsboat)")
    else:
        ratio = reader_s / newsboat_s
        print(
            f"  newsboat                {newsboat_s:.2f} s  reader/newsboat {ratio:.2f}x (<= 0.8x)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
