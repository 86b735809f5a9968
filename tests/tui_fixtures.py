"""Builds the app on fixture data for Pilot and snapshot tests: a fixed clock, no network."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reader.settings import DEFAULTS, Settings
from reader.tui.app import ReaderApp

FIXED_NOW = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)

FEED = {
    "a-newest.md": """---
title: "Newest: Kestrel unveils Orion-7 chip"
excerpt: "The newest story in the fixture."
publishedDateTime: 2026-11-28T15:00:00Z
originalUrl: "https://orig.example/newest"
webUrl: "https://web.example/newest"
ampWebUrl: "https://web.example/newest/amp"
cdnAmpWebUrl: "https://web-example.cdn.ampproject.org/c/s/web.example/newest/amp"
type: article
category: news
quality: 120
heat: 40
provider:
  name: TechPulse
  domain: techpulse.example
topics:
  - AI
  - Semiconductors
related:
  - title: "Middle: benchmarks of Orion-7"
    webUrl: "https://web.example/middle"
    provider:
      name: Silicon Dispatch
      domain: silicondispatch.example
    publishedDateTime: 2026-11-20T10:00:00Z
  - title: "Somewhere else entirely"
    webUrl: "https://elsewhere.example/x"
---
## Body heading

Some *Markdown* body with [a link](https://web.example/newest/link) and `[bold]not markup[/]`.
""",
    "b-middle.md": """---
title: "Middle: benchmarks of Orion-7"
excerpt: "A middle story."
publishedDateTime: 2026-11-20T10:00:00Z
webUrl: "https://web.example/middle"
type: article
category: analysis
quality: 60
heat: 90
provider:
  name: Silicon Dispatch
  domain: silicondispatch.example
topics:
  - Semiconductors
---
""",
    "c-oldest.md": """---
title: "Oldest: a 2019 story about robots"
excerpt: "The oldest story."
publishedDateTime: 2019-03-01T08:00:00Z
webUrl: "https://web.example/oldest"
type: video
category: news
quality: 10
heat: -1
provider: Archive Weekly
topics: Robotics
---
""",
    "d-hostile.md": """---
title: "[bold red]x[/] \\e[31mred\\e[0m [link=file:///etc/passwd]click[/link]"
excerpt: "[on red]not markup[/] \\e]52;c;aGk=\\a"
publishedDateTime: 2025-06-01T12:00:00Z
webUrl: "javascript:alert(1)"
provider:
  name: "[blink]Prov[/]"
  domain: "evil.example"
topics:
  - "[u]topic[/u]"
---
""",
}


def write_feed(folder: Path, *, broken: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in FEED.items():
        (folder / name).write_text(text, encoding="utf-8")
    if broken:
        (folder / "zz-broken.md").write_text('---\ntitle: "x\nexcerpt: y\n---\n')
        (folder / "zz-no-front-matter.md").write_text("just text\n")
    return folder


_CHECKOUT = Path(__file__).resolve().parent.parent


def make_app(
    folder: Path,
    *,
    state: Path | None = None,
    opener: Callable[[str], bool] | None = None,
    check_links: bool = False,
    watch: bool = False,
    settings: Settings = DEFAULTS,
    use_cache: bool = False,
    **options: Any,
) -> ReaderApp:
    """The app on `folder` with a fixed clock (the `utc` fixture, autouse for app tests, keeps
    local time UTC so dates render the same everywhere)."""
    if state is None:  # beside the folder; never in the checkout (the bundled sample)
        inside = Path(folder).resolve().is_relative_to(_CHECKOUT)
        state = Path(os.environ["READER_STATE"]) if inside else folder.parent / "state.sqlite3"
    return ReaderApp(
        [str(folder)],
        state_path=state,
        opener=opener,
        check_links=check_links,
        now=lambda: FIXED_NOW,
        use_cache=use_cache,
        watch=watch,
        settings=settings,
        **options,
    )


async def wait_until(pilot, condition: Callable[[], object], timeout: float = 20.0) -> None:
    """Let the app run until `condition()` holds (AssertionError after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        await pilot.pause(0.02)


async def settle(pilot) -> None:
    """Wait for the load worker and the screen to catch up."""
    app = pilot.app
    await pilot.pause()
    await wait_until(
        pilot,
        lambda: (
            app.session.loaded
            and not app.session.preview
            and not [w for w in app.workers if w.group == "load" and not w.is_finished]
        ),
    )
    await pilot.pause()
    await pilot.pause()


def screen_text(app) -> str:
    """The screen as plain text (from the SVG export: spans joined, entities decoded)."""
    import html
    import re

    svg = app.export_screenshot()
    spans = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)
    return html.unescape("".join(spans)).replace("\xa0", " ")


def keys(text: str) -> list[str]:
    """Characters to Pilot key names (a space is "space")."""
    return ["space" if c == " " else c for c in text]
