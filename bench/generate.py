"""Generate N article files of the real shape, for the benchmarks.

    python bench/generate.py DIR [--n 20000] [--shape default|long]

The files are variations of the real ones in `../shared/real_feed` (each gets its own title prefix,
URLs and date, so ids stay distinct and nothing is byte-identical); when that folder is absent, a
built-in template of the same shape is used. Files go into DIR in sub-folders of 1,000, and a
`.generated` marker records N, the shape and the source, so a later run with the same N and shape
can reuse them.

Shapes: `default` cycles through the real files as they are (about one in six has a `related`
list, bodies are mostly empty). `long` is the other shape real collections have: every file
carries a long `related` list (8 to 21 entries, drawn from the related entries of all the real
files and varied like the rest) and a Markdown body of 3 to 12 kB (paragraphs put together from
the real excerpts, with headings, links and lists).
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
SHAPES = ("default", "long")
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


# The `long` shape ---------------------------------------------------------------------------

# A top-level `related:` block: the key, then its indented lines.
_RELATED_BLOCK = re.compile(r"^related:[^\S\n]*\n(?:(?:[ \t].*)?\n)*?(?=\S|\Z)", re.MULTILINE)
_EXCERPT = re.compile(r'^\s*excerpt: "((?:[^"\\\n]|\\.)*)"', re.MULTILINE)
_NESTED_TITLE = re.compile(r'^(    - title: |  - title: )(")?', re.MULTILINE)
_NESTED_URL = re.compile(
    r"^(\s+(?:originalUrl|webUrl|ampWebUrl|cdnAmpWebUrl): )(\"?)([^\"\n]*)(\"?)$", re.MULTILINE
)
_RELATED_TEMPLATE = """\
  - title: "Labs race to build robots that learn from a handful of examples"
    excerpt: "A new wave of models lets robots pick up tasks from a few demonstrations, \
researchers say, though the tests so far are small ..."
    publishedDateTime: 2021-03-09T08:30:00Z
    webUrl: "https://other.example.org/2021/03/robots-few-shot"
    ampWebUrl: "https://other.example.org/amp/2021/03/robots-few-shot"
    type: article
    provider:
      name: Other Example
      domain: other.example.org
    quality: 97
    images:
      - url: "https://other.example.org/img/few-shot.jpg"
        width: 1200
        height: 628
        isCached: true
"""


def _related_entries(texts: list[str]) -> list[str]:
    """Every `related` entry of the source files, each as its YAML lines (two-space indented)."""
    entries: list[str] = []
    for text in texts:
        for block in _RELATED_BLOCK.finditer(text):
            lines = block.group(0).split("\n")[1:]
            current: list[str] = []
            for line in lines:
                if line.startswith("  - ") and current:
                    entries.append("\n".join(current).rstrip() + "\n")
                    current = []
                if line.strip():
                    current.append(line)
            if current:
                entries.append("\n".join(current).rstrip() + "\n")
    return entries or [_RELATED_TEMPLATE]


def _excerpts(texts: list[str]) -> list[str]:
    found = [m.group(1).replace('\\"', '"') for text in texts for m in _EXCERPT.finditer(text)]
    return [excerpt for excerpt in found if len(excerpt) > 40] or [
        "Researchers say the approach cuts training time by half and could help robots learn."
    ]


def _vary_related(entry: str, i: int, j: int) -> str:
    entry = _NESTED_TITLE.sub(lambda m: f"{m.group(1)}{m.group(2) or ''}No. {i}.{j} ", entry, 1)

    def url(match: re.Match[str]) -> str:
        joiner = "&" if "?" in match.group(3) else "?"
        return f"{match.group(1)}{match.group(2)}{match.group(3)}{joiner}r={i}-{j}{match.group(4)}"

    return _NESTED_URL.sub(url, entry)


def _body(excerpts: list[str], i: int) -> str:
    """3 to 12 kB of Markdown: headings, paragraphs of excerpts, a list, links."""
    target = 3000 + (i * 7919) % 9000
    parts: list[str] = []
    size = 0
    k = i
    while size < target:
        k += 1
        if k % 5 == 0:
            part = f"## {excerpts[k % len(excerpts)][:60].rstrip()}"
        elif k % 7 == 0:
            items = [excerpts[(k + d) % len(excerpts)][:90].rstrip() for d in range(3)]
            part = "\n".join(f"- {item}" for item in items)
        else:
            sentences = [excerpts[(k * 3 + d) % len(excerpts)] for d in range(3)]
            part = " ".join(sentences)
            if k % 3 == 0:
                part += f" [Read more](https://news.example.com/{i}/{k}?ref=body)."
        parts.append(part)
        size += len(part) + 2
    return "\n\n".join(parts) + "\n"


def _lengthen(text: str, i: int, related: list[str], excerpts: list[str]) -> str:
    """A varied file in the `long` shape: its own related list replaced by a long one, and a
    long body after the front matter."""
    text = _RELATED_BLOCK.sub("", text)
    start = text.find("\n") + 1
    close = re.search(r"^---[^\S\n]*$", text[start:], re.MULTILINE)
    if close is None:
        return text
    end = start + close.start()
    count = 8 + (i * 7) % 14
    entries = [_vary_related(related[(i * 3 + j * 11) % len(related)], i, j) for j in range(count)]
    front = text[:end].rstrip("\n") + "\n\nrelated:\n" + "".join(entries)
    return f"{front}---\n\n{_body(excerpts, i)}"


def generate(directory: str | os.PathLike[str], n: int, *, shape: str = "default") -> Path:
    """Write `n` files of `shape` into `directory` (reused as is when it already holds the same
    `n` and shape)."""
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}; expected one of {', '.join(SHAPES)}")
    root = Path(directory)
    marker = root / MARKER
    texts, source = _sources()
    wanted: dict[str, object] = {"n": n, "source": source, "version": 4}
    if shape != "default":  # the default shape's marker is the one earlier runs wrote
        wanted["shape"] = shape
    related = _related_entries(texts) if shape == "long" else []
    excerpts = _excerpts(texts) if shape == "long" else []
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
        text = _vary(texts[i % len(texts)], i)
        if shape == "long":
            text = _lengthen(text, i, related, excerpts)
        path.write_text(text, "utf-8")
        # Dated an hour back, as files of a real collection are: the parse cache does not trust
        # a file modified within the last two seconds (its mtime may not show a second edit).
        os.utime(path, (an_hour_ago, an_hour_ago))
    marker.write_text(json.dumps(wanted))
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dir")
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--shape", choices=SHAPES, default="default")
    args = parser.parse_args(argv)
    root = generate(args.dir, args.n, shape=args.shape)
    print(f"{args.n} files ({args.shape} shape) in {root}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
