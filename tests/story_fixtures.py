"""A small collection with one story told three times (two outlets and an AMP copy) among
unrelated articles: for the grouped-mode tests of the session, the CLI and the app."""

from __future__ import annotations

import os
import time
from pathlib import Path

STORY_FEED = {
    "storm-wire": dict(
        title="Storm closes the port of Rotterdam for two days",
        provider="Wire Service",
        date="2026-11-20T08:00:00Z",
        quality="80",
        originalUrl="https://wire.example/2026/storm-rotterdam",
    ),
    "storm-daily": dict(
        title="Storm closes the port of Rotterdam for two days",
        provider="Daily Post",
        date="2026-11-20T10:00:00Z",
        quality="95",
        originalUrl="https://daily.example/world/storm-port?utm_source=feed",
    ),
    "storm-amp": dict(
        title="Rotterdam port shut as storm hits the coast",
        provider="Wire Service",
        date="2026-11-21T09:00:00Z",
        quality="40",
        ampWebUrl="https://wire-example.cdn.ampproject.org/c/s/wire.example/2026/storm-rotterdam/amp/",
    ),
    "park": dict(
        title="City council approves a larger river park",
        provider="Local News",
        date="2026-11-19T08:00:00Z",
        quality="50",
        originalUrl="https://local.example/park",
    ),
    "fab": dict(
        title="Chip maker opens a new fab in Dresden",
        provider="Tech Daily",
        date="2026-11-18T08:00:00Z",
        quality="70",
        originalUrl="https://tech.example/fab",
    ),
    "rover": dict(
        title="Rover finds traces of ancient lake on Mars",
        provider="Space Wire",
        date="2026-11-17T08:00:00Z",
        quality="60",
        originalUrl="https://space.example/rover",
    ),
}

STORY = ("storm-wire", "storm-daily", "storm-amp")
"""The files of the one story; "storm-daily" (highest quality) is its lead."""


def write_story_feed(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, f in STORY_FEED.items():
        lines = [
            f'title: "{f["title"]}"',
            f"publishedDateTime: {f['date']}",
            f"quality: {f['quality']}",
            "provider:",
            f'  name: "{f["provider"]}"',
        ]
        for key in ("originalUrl", "ampWebUrl"):
            if key in f:
                lines.append(f'{key}: "{f[key]}"')
        path = folder / f"{name}.md"
        path.write_text("---\n" + "\n".join(lines) + "\n---\n", encoding="utf-8")
        settled(path)
    return folder


def settled(path: Path) -> Path:
    """Date a file a minute back: the parse cache trusts no mtime from the last 2 s (a file
    may change again within one tick), and a real collection's files are older than that."""
    moment = time.time() - 60
    os.utime(path, (moment, moment))
    return path
