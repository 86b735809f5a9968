"""Time story clustering over a generated collection: cold (clustered) and warm (cached).

    python bench/cluster_bench.py [--n 100000] [--dir DIR] [--runs 3]

The articles come from bench/generate.py (files of the real shape: variations of
../shared/real_feed, each with its own title prefix, URLs and date), loaded once through the parse
cache; only clustering is timed. Cold: `cluster_articles` (medians of `--runs`). Warm:
`cluster_articles_cached` on the same articles after a first call filled the cache (the key is a
hash over every article's clustering fields, then one JSON read). Also shown: a warm call after
one article changed (a cache miss: clustered again). `run_cluster_bench(n)` returns the figures.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR.parent) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(BENCH_DIR.parent))
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from generate import generate  # noqa: E402

from reader.cache import load_collection_cached  # noqa: E402
from reader.clusters import cluster_articles, cluster_articles_cached  # noqa: E402
from reader.stories import load_clusters  # noqa: E402

COLD_TARGET = 3.0
WARM_TARGET = 0.2


def _median_time(function, runs: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times = []
    result = None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def run_cluster_bench(n: int, directory: Path | None = None, runs: int = 3) -> dict[str, float]:
    """Seconds: `load_s` (not part of clustering), `cold_s`, `warm_s`, `changed_s`; and counts."""
    root = Path(directory or Path(tempfile.gettempdir()) / f"reader-bench-{n}")
    generate(root, n)
    with tempfile.TemporaryDirectory() as cache:
        t0 = time.perf_counter()
        articles = load_collection_cached([str(root)], cache_dir=Path(cache), slim=True).articles
        load_s = time.perf_counter() - t0
        cold_s, clusters = _median_time(lambda: cluster_articles(articles), runs)
        cluster_articles_cached(articles, cache)  # fills the cache
        warm_s, warm = _median_time(lambda: cluster_articles_cached(articles, cache), runs)
        assert warm.stories == clusters.stories  # type: ignore[attr-defined]
        changed = list(articles)
        changed[len(changed) // 2] = dataclasses.replace(changed[len(changed) // 2], title="New")
        t0 = time.perf_counter()
        cluster_articles_cached(changed, cache)
        changed_s = time.perf_counter() - t0
        # What the app and the CLI do: the stories of a warm collection by its fingerprint.
        os.environ["READER_CACHE_DIR"] = cache
        warm_load = load_collection_cached([str(root)], cache_dir=Path(cache), slim=True)
        load_clusters(warm_load)  # fills the cache (loads the articles in full once)
        fingerprint_s, _ = _median_time(lambda: load_clusters(warm_load), runs)
    stories = clusters.stories  # type: ignore[attr-defined]
    return {
        "n": float(len(articles)),
        "load_s": load_s,
        "cold_s": cold_s,
        "warm_s": warm_s,
        "changed_s": changed_s,
        "fingerprint_s": fingerprint_s,
        "stories": float(len(stories)),
        "clustered_articles": float(sum(s.size for s in stories)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    r = run_cluster_bench(args.n, args.dir, args.runs)
    n = int(r["n"])
    print(f"story clustering, {n:,} generated articles (slim, as the app holds them)")
    print(f"  loaded (not timed)       {r['load_s']:.2f} s")
    verdict = "ok" if r["cold_s"] <= COLD_TARGET else "OVER"
    print(f"  cold: cluster_articles   {r['cold_s']:.2f} s (target {COLD_TARGET} s: {verdict})")
    verdict = "ok" if r["warm_s"] <= WARM_TARGET else "OVER"
    warm_ms, target_ms = r["warm_s"] * 1000, WARM_TARGET * 1000
    print(f"  warm: by content key     {warm_ms:.0f} ms (target {target_ms:.0f} ms: {verdict})")
    finger_ms = r["fingerprint_s"] * 1000
    verdict = "ok" if r["fingerprint_s"] <= WARM_TARGET else "OVER"
    print(f"  warm: by fingerprint     {finger_ms:.0f} ms (target {target_ms:.0f} ms: {verdict})")
    print(f"  one edit: cached, miss   {r['changed_s']:.2f} s")
    print(
        f"  stories of 2+: {int(r['stories']):,}, holding {int(r['clustered_articles']):,} articles"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
