"""Measure story clustering against hand-made labels: pairwise precision and recall.

    python bench/cluster_eval.py [--feed DIR] [--labels FILE] [--baseline-threshold 90] [-v]

The labelled set is ../shared/real_feed (relative to the checkout): each main article and each of
its `related` entries is a separate article (a related entry gets the key `<article id>~r<i>`).
bench/cluster_labels.json names the stories of two or more articles (every other labelled article
is a story of its own), the hard negatives (pairs that must stay apart: part 1 and part 2, two
reports on one market, one release template for two companies, ...), and ambiguous pairs, which
are left out of the scores. Scores are over pairs: precision = true same-story pairs found / all
pairs found, recall = true same-story pairs found / all true pairs. They are printed for all pairs
and for the pairs that do not share a canonical URL (the part URL matching cannot do), next to a
baseline: titles compared by fuzzy ratio alone (rapidfuzz `ratio` at a precise threshold).

When the feed folder is absent the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR.parent) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(BENCH_DIR.parent))

from rapidfuzz.fuzz import ratio  # noqa: E402

from reader.clusters import article_url_keys, cluster_articles  # noqa: E402
from reader.model import Article  # noqa: E402

REAL_FEED = BENCH_DIR.parent.parent / "shared" / "real_feed"
LABELS = BENCH_DIR / "cluster_labels.json"

Pair = tuple[str, str]


def load_articles(feed: Path) -> list[Article]:
    """The feed's articles and, as articles of their own, their related entries."""
    from reader.loader import load_collection

    collection = load_collection([str(feed)])
    articles: list[Article] = []
    for article in collection.articles:
        articles.append(article)
        for index, entry in enumerate(article.related):
            articles.append(
                Article(
                    id=f"{article.id}~r{index}",
                    path=f"{article.path}#related-{index}",
                    title=entry.title,
                    excerpt=entry.excerpt,
                    published=entry.published,
                    type=entry.type,
                    quality=entry.quality,
                    provider=entry.provider,
                    urls=entry.urls,
                )
            )
    return articles


def _pair(a: str, b: str) -> Pair:
    return (a, b) if a < b else (b, a)


def read_labels(path: Path, articles: dict[str, Article]) -> dict[str, Any]:
    """The labels, checked against the feed: every key exists and its title still matches."""
    data = json.loads(path.read_text(encoding="utf-8"))

    def check(entry: dict[str, str]) -> str:
        key = entry["key"]
        article = articles.get(key)
        if article is None or not article.title.startswith(entry["title"][:40]):
            raise SystemExit(f"label {key!r} ({entry['title']!r}) does not match the feed")
        return key

    stories = {s["name"]: [check(m) for m in s["members"]] for s in data["stories"]}
    positives = {
        _pair(a, b) for members in stories.values() for a, b in itertools.combinations(members, 2)
    }
    ignored: set[Pair] = set()
    for item in data["ambiguous"]:
        a = check(item["a"])
        if "story" in item:
            ignored.update(_pair(a, b) for b in stories[item["story"]])
        else:
            ignored.add(_pair(a, check(item["b"])))
    hard = [(check(h["a"]), check(h["b"]), h["why"]) for h in data["hard_negatives"]]
    return {"stories": stories, "positives": positives, "ignored": ignored, "hard": hard}


def score(
    predicted: set[Pair], labels: dict[str, Any], only: set[Pair] | None = None
) -> dict[str, float]:
    """Pairwise precision, recall and hard negatives merged (optionally over a subset of pairs)."""
    positives: set[Pair] = labels["positives"]
    found = predicted - labels["ignored"]
    if only is not None:
        found &= only
        positives = positives & only
    true = len(found & positives)
    merged = sum(1 for a, b, _ in labels["hard"] if _pair(a, b) in predicted)
    return {
        "pairs_found": len(found),
        "true_pairs": len(positives),
        "precision": true / len(found) if found else 1.0,
        "recall": true / len(positives) if positives else 1.0,
        "hard_merged": merged,
    }


def story_pairs(articles: list[Article]) -> set[Pair]:
    clusters = cluster_articles(articles)
    return {
        _pair(a, b)
        for story in clusters.stories
        for a, b in itertools.combinations(story.members, 2)
    }


def baseline_pairs(articles: list[Article], threshold: float) -> set[Pair]:
    """Titles compared by fuzzy ratio alone (all pairs: the labelled set is small)."""
    titles = [(a.id, a.title.casefold()) for a in articles]
    return {
        _pair(a, b)
        for (a, ta), (b, tb) in itertools.combinations(titles, 2)
        if ratio(ta, tb) >= threshold
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feed", type=Path, default=REAL_FEED)
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--baseline-threshold", type=float, default=90.0)
    parser.add_argument("-v", "--verbose", action="store_true", help="list the errors")
    args = parser.parse_args(argv)
    if not args.feed.is_dir():
        print(f"skipped: no labelled feed at {args.feed}")
        return 0
    articles = load_articles(args.feed)
    by_id = {a.id: a for a in articles}
    labels = read_labels(args.labels, by_id)
    keys = {a.id: article_url_keys(a) for a in articles}
    text_only = {
        _pair(a.id, b.id)
        for a, b in itertools.combinations(articles, 2)
        if not keys[a.id] & keys[b.id]
    }

    t0 = time.perf_counter()
    ours = story_pairs(articles)
    elapsed = time.perf_counter() - t0
    base = baseline_pairs(articles, args.baseline_threshold)

    print(
        f"{len(articles)} articles, {len(labels['stories'])} labelled stories, "
        f"{len(labels['positives'])} same-story pairs, {len(labels['hard'])} hard negatives "
        f"(clustered in {elapsed * 1000:.0f} ms)"
    )
    header = f"{'method':<34} {'pairs':>13} {'precision':>9} {'recall':>7} {'hard merged':>11}"
    for subset_name, subset in (("all pairs", None), ("pairs not sharing a URL", text_only)):
        print(f"\n{subset_name}\n{header}")
        for name, predicted in (
            ("reader.clusters", ours),
            (f"title fuzzy ratio >= {args.baseline_threshold:g}", base),
        ):
            s = score(predicted, labels, subset)
            print(
                f"{name:<34} {s['pairs_found']:>5}/{s['true_pairs']:<7} "
                f"{s['precision']:>9.3f} {s['recall']:>7.3f} {s['hard_merged']:>11}"
            )
    if args.verbose:
        positives, ignored = labels["positives"], labels["ignored"]
        print("\nfalse merges:")
        for a, b in sorted(ours - positives - ignored):
            print(f"  {by_id[a].title[:60]!r} ~ {by_id[b].title[:60]!r}")
        print("\nmissed:")
        for a, b in sorted(positives - ours):
            print(f"  {by_id[a].title[:60]!r} ~ {by_id[b].title[:60]!r}")
        print("\nhard negatives merged:")
        for a, b, why in labels["hard"]:
            if _pair(a, b) in ours:
                print(f"  {why}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
