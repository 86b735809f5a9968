"""Generate N article files of the real shape, for the benchmarks.

    python bench/generate.py DIR [--n 20000]

The files are variations of the real ones in `../shared/real_feed` (each gets its own title prefix,
URLs and date, so ids stay distinct and nothing is byte-identical); when that folder is absent, a
built-in template of the same shape is used. Files go into DIR in sub-folders of 1,000, and a
`.generated` marker records N and the source, so a later run with the same N can reuse them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REAL_FEED = Path(__file__).resolve().parent.parent.parent / "shared" / "real_feed"
MARKER = ".generated"
_PER_FOLDER = 1000

_TEMPLATE = """---
category: news
title: "How a new model changes the way labs train robots: a look inside (part {i})"
excerpt: "Researchers say the approach cuts training time by half &nbsp;and could help \
\\"general\\" robots learn new tasks from a handful of examples, though critics note the \
tests were small ..."
publishedDateTime: 2021-03-10T12:00:00Z
originalUrl: "https://news.example.com/2021/03/robots-learn-{i}"
webUrl: "https://news.example.com/2021/03/robots-learn-{i}"
ampWebUrl: https://news.example.com/amp/2021/03/robots-learn-{i}
cdnAmpWebUrl: https://news-example-com.cdn.ampproject.org/c/s/news.example.com/amp/robots-{i}
type: article
quality: 142
heat: 97
published: false

provider:
  name: Example News
  domain: news.example.com
  images:
    - url: /assets/images/organizations/news.example.com-50x50.jpg
      width: 50
      height: 50

topics:
  - AI
  - Robotics

images:
  - url: "https://news.example.com/img/robots.jpg?w=1200&#038;h=675"
    width: 1200
    height: 675
    isCached: true

secured: "eOM/njCZfkEsiMH2eG42kbbBaaWYDwykpUXzi+u1nKc37J81MASgYSMKTCc1BDoqk7VxllDHb9O74MKctKbZtKhW;\
WqvfEs+wG7ab8z7t0pF/RA=="
---

"""

_TITLE = re.compile(r'^(title|name): (")?', re.MULTILINE)
_URL = re.compile(r"^(originalUrl|webUrl|website): (\"?)([^\"\n]*)(\"?)$", re.MULTILINE)
_DATE = re.compile(r"^(publishedDateTime|startDateTime): (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)", re.M)


def _sources() -> tuple[list[str], str]:
    """The texts to vary: the real files when present, else the built-in template."""
    if REAL_FEED.is_dir():
        texts = []
        for folder, _dirs, files in sorted(os.walk(REAL_FEED)):
            for name in sorted(files):
                if name.endswith((".md", ".txt")):
                    texts.append(Path(folder, name).read_text(encoding="utf-8"))
        if texts:
            return texts, str(REAL_FEED)
    return [_TEMPLATE], "template"


def _vary(text: str, i: int) -> str:
    """One distinct file: a numbered title, URLs of its own, a date moved back by i minutes."""
    if "{i}" in text:
        text = text.replace("{i}", str(i))
    text = _TITLE.sub(lambda m: f"{m.group(1)}: {m.group(2) or ''}No. {i} ", text, count=1)

    def url(match: re.Match[str]) -> str:
        joiner = "&" if "?" in match.group(3) else "?"
        return f"{match.group(1)}: {match.group(2)}{match.group(3)}{joiner}n={i}{match.group(4)}"

    text = _URL.sub(url, text)

    def shift(match: re.Match[str]) -> str:
        moment = datetime.fromisoformat(match.group(2)).replace(tzinfo=UTC)
        moved = moment - timedelta(minutes=i)
        return f"{match.group(1)}: {moved:%Y-%m-%dT%H:%M:%S}"

    return _DATE.sub(shift, text, count=1)


def generate(directory: str | os.PathLike[str], n: int) -> Path:
    """Write `n` files into `directory` (reused as is when it already holds the same `n`)."""
    root = Path(directory)
    marker = root / MARKER
    texts, source = _sources()
    wanted = {"n": n, "source": source, "version": 4}
    if marker.is_file():
        try:
            if json.loads(marker.read_text()) == wanted:
                return root
        except (OSError, ValueError):
            pass
    root.mkdir(parents=True, exist_ok=True)
    for stale in root.rglob("*.md"):
        stale.unlink()
    an_hour_ago = time.time() - 3600
    for i in range(n):
        folder = root / f"{i // _PER_FOLDER:03d}"
        if i % _PER_FOLDER == 0:
            folder.mkdir(exist_ok=True)
        path = folder / f"article-{i:06d}.md"
        path.write_text(_vary(texts[i % len(texts)], i), "utf-8")
        # Dated an hour back, as files of a real collection are: the parse cache does not trust
        # a file modified within the last two seconds (its mtime may not show a second edit).
        os.utime(path, (an_hour_ago, an_hour_ago))
    marker.write_text(json.dumps(wanted))
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dir")
    parser.add_argument("--n", type=int, default=20_000)
    args = parser.parse_args(argv)
    root = generate(args.dir, args.n)
    print(f"{args.n} files in {root}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
