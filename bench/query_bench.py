"""Time the query language over a generated collection: index build and `select` per query.

`python bench/query_bench.py [--n 20000]` prints the figures; `run_query_bench(n)` returns them
(milliseconds, medians of several runs) for the main bench to include.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from reader.model import Article, Image, Provider, RelatedArticle, TriageState, Urls
from reader.query import QueryContext, QueryError, QueryIndex, parse_query

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)

# fmt: off
_WORDS = [
    "ai", "model", "open", "source", "agent", "robot", "chip", "data", "privacy", "ethics",
    "regulation", "climate", "startup", "funding", "language", "vision", "benchmark", "safety",
    "research", "lab", "cloud", "quantum", "health", "policy", "court", "market", "energy",
    "security", "bias", "training", "inference", "release", "launch", "study", "university",
    "paper", "team",
]
# fmt: on
_TOPICS = [f"Topic {i}" for i in range(200)] + ["AI Ethics", "Machine Learning", "Robotics"]
_PROVIDERS = [Provider(f"Provider {i}", f"provider{i}.example.com") for i in range(300)]
_TYPES = ("article", "article", "article", "video", "conference")

QUERIES: dict[str, str] = {
    "free word": "robot",
    "two free words": "open model",
    "rare phrase": '"quantum court"',
    "topic": 'topic:"AI Ethics"',
    "quality": "quality>80",
    "age": "age<3d",
    "is:unread": "is:unread",
    "combo OR + negation": (
        '(topic:robotics OR topic:"ai ethics") -provider:"provider 1" quality>=50'
    ),
    "everything": "ai -is:read (age<7d OR has:amp) -(type:video OR tag:later) quality>20",
}


def make_articles(n: int, *, seed: int = 0) -> list[Article]:
    """`n` articles shaped like the real collection (field sizes and frequencies from SCHEMA.md)."""
    rng = random.Random(seed)
    articles = []
    for i in range(n):
        title = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(5, 14))).capitalize()
        excerpt = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(8, 60)))
        url = f"https://example.com/{i}"
        has_amp = rng.random() < 0.31
        articles.append(
            Article(
                id=f"id{i}",
                path=f"{i}.md",
                title=title,
                excerpt=excerpt,
                body="Body text." if rng.random() < 0.05 else "",
                published=NOW - timedelta(seconds=rng.randint(0, 90 * 86400)),
                category="news",
                type=rng.choice(_TYPES),
                quality=rng.randint(0, 189) if rng.random() < 0.64 else None,
                heat=rng.randint(-1, 100) if rng.random() < 0.64 else None,
                provider=rng.choice(_PROVIDERS),
                topics=tuple(rng.sample(_TOPICS, rng.randint(1, 5))),
                urls=Urls(
                    original=url if rng.random() < 0.56 else None,
                    web=url + "/web",
                    amp=url + "/amp" if has_amp else None,
                    cdn_amp=url + "/cdn" if has_amp else None,
                ),
                images=(Image(url + ".png"),) if rng.random() < 0.83 else (),
                related=(RelatedArticle("Related"),) if rng.random() < 0.17 else (),
            )
        )
    return articles


def make_context(articles: list[Article], *, seed: int = 0) -> QueryContext:
    """Triage state for about a third of the articles and link results for half."""
    rng = random.Random(seed)
    states = {
        a.id: TriageState(
            read=rng.random() < 0.7,
            starred=rng.random() < 0.1,
            archived=rng.random() < 0.2,
            tags=("later",) if rng.random() < 0.1 else (),
        )
        for a in articles
        if rng.random() < 0.33
    }
    links = {a.id: rng.choice(("alive", "broken")) for a in articles if rng.random() < 0.5}
    return QueryContext(states=states, link_status=links, now=NOW)


def _median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run_query_bench(n: int, *, repeat: int = 7) -> dict[str, float]:
    """Milliseconds: `build index`, `parse` (the longest query), and `select: <name>` per query,
    with an empty free-text cache; `count: <name>` how many articles each query selected; and
    the slowest keystroke while typing a query character by character."""
    articles = make_articles(n)
    context = make_context(articles)
    result: dict[str, float] = {"n": float(n)}
    result["build index ms"] = _median_ms(lambda: QueryIndex(articles), max(1, repeat // 3))
    index = QueryIndex(articles)
    result["parse ms"] = _median_ms(lambda: parse_query(QUERIES["everything"]), repeat)
    for name, text in QUERIES.items():
        query = parse_query(text)

        def cold(q=query):
            index.clear_cache()
            index.select(q, context)

        result[f"select ms: {name}"] = _median_ms(cold, repeat)
        result[f"count: {name}"] = float(len(index.select(query, context)))
    # Live typing: parse + select per keystroke of a two-word query, cache warm from the previous
    # keystroke as it would be in the search bar; the figure is the slowest keystroke.
    typed = 'robot topic:"AI Ethics" -is:read'
    prefixes = [typed[: k + 1] for k in range(len(typed))]

    def typing() -> float:
        index.clear_cache()
        worst = 0.0
        for prefix in prefixes:
            start = time.perf_counter()
            with contextlib.suppress(QueryError):
                index.select(parse_query(prefix), context)
            worst = max(worst, (time.perf_counter() - start) * 1000)
        return worst

    result["typing: worst keystroke ms"] = statistics.median(typing() for _ in range(repeat))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=20_000)
    args = parser.parse_args()
    for key, value in run_query_bench(args.n).items():
        print(f"{key:40} {value:10.2f}")


if __name__ == "__main__":
    main()
