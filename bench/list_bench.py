"""Benchmark the list pane: first paint, re-sort and cursor cost at 20,000 and 100,000 articles.

Run: `python bench/list_bench.py [N ...]`. `measure_list(n)` is what the main bench calls.
Wall times include Textual's own refresh; cursor costs are CPU time (`time.process_time`),
because `pilot.press` itself waits about 40 ms per key.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta

from textual.app import App, ComposeResult

from reader.model import Article, Provider, TriageState
from reader.tui.widgets.article_list import ArticleList

_NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
_TOPICS = ("AI", "Machine Learning", "Robotics", "Policy", "Chips", "Startups")


def make_articles(n: int) -> list[Article]:
    """`n` articles of the real shape (titles of news length, some CJK), quickly."""
    providers = [Provider(name=f"Provider number {i}", domain=f"p{i}.example") for i in range(97)]
    return [
        Article(
            id=f"https://p{i % 97}.example/story/{i}",
            path=f"feed/{i}.md",
            title=(
                f"Story {i}: a headline of the usual length about models, chips and policy"
                if i % 11
                else f"記事 {i}: 日本語のタイトルと絵文字 😀"
            ),
            published=_NOW - timedelta(minutes=7 * i),
            quality=(i * 37) % 190,
            heat=(i * 13) % 120 - 1,
            provider=providers[i % 97],
            topics=(_TOPICS[i % 6], _TOPICS[(i + 1) % 6]),
        )
        for i in range(n)
    ]


class _BenchApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ArticleList()


async def measure_list(n: int) -> dict[str, float]:
    """Time the list pane over `n` articles: wall seconds (`_s`), CPU milliseconds (`_ms`)."""
    t0 = time.perf_counter()
    articles = make_articles(n)
    build_s = time.perf_counter() - t0
    states = {
        a.id: TriageState(read=bool(i % 3), starred=not i % 7) for i, a in enumerate(articles)
    }
    result: dict[str, float] = {"n": float(n), "build_articles_s": build_s}

    app = _BenchApp()
    async with app.run_test(size=(140, 40)) as pilot:
        widget = app.query_one(ArticleList)
        widget.focus()
        widget.state_lookup = lambda article_id: states.get(article_id, TriageState())
        widget.link_lookup = lambda article_id: None
        await pilot.pause()

        # set_articles + set_order (newest first) + first paint.
        order = sorted(range(n), key=lambda i: articles[i].published, reverse=True)
        t0 = time.perf_counter()
        widget.set_articles(articles)
        widget.set_order(order, keep_cursor=False)
        await pilot.pause()
        result["first_paint_s"] = time.perf_counter() - t0
        assert widget.row_count == n

        # Render every visible line with a cold cache (what a full repaint costs).
        height = widget.size.height
        widget.refresh_rows()
        t0 = time.process_time()
        for y in range(height):
            widget.render_line(y)
        result["cold_screen_render_ms"] = (time.process_time() - t0) * 1000

        # A re-sort by title (sort done here, as the app would) + repaint, cursor kept.
        widget.move_cursor_to_id(articles[n // 2].id)
        t0 = time.perf_counter()
        by_title = sorted(range(n), key=lambda i: articles[i].title.casefold())
        sort_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        widget.set_order(by_title)
        await pilot.pause()
        result["title_sort_s"] = sort_s
        result["set_order_repaint_s"] = time.perf_counter() - t0
        assert widget.cursor_id == articles[n // 2].id

        # CPU per cursor key: the action + the two-line render it causes.
        keys = 300
        widget.action_cursor_first()
        await pilot.pause()
        t0 = time.process_time()
        for _ in range(keys):
            widget.action_cursor_down()
            for y in range(height):
                widget.render_line(y)
        result["cursor_key_render_cpu_ms"] = (time.process_time() - t0) * 1000 / keys

        # CPU per cursor key through the real event loop and compositor (includes Pilot overhead).
        keys = 100
        t0 = time.process_time()
        for _ in range(keys):
            widget.action_cursor_down()
            await pilot.pause()
        result["cursor_key_app_cpu_ms"] = (time.process_time() - t0) * 1000 / keys

        # A page down (scrolls: every visible line is new).
        t0 = time.process_time()
        for _ in range(20):
            widget.action_cursor_page_down()
            await pilot.pause()
        result["page_down_app_cpu_ms"] = (time.process_time() - t0) * 1000 / 20
    return result


def main(argv: list[str]) -> None:
    sizes = [int(arg) for arg in argv] or [20_000, 100_000]
    for n in sizes:
        result = asyncio.run(measure_list(n))
        print(" ".join(f"{key}={value:.4g}" for key, value in result.items()))


if __name__ == "__main__":
    main(sys.argv[1:])
