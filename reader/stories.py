"""Stories in the session: which clusters a collection has, and what grouping does to rows.

`reader.clusters` finds the stories; this module fits them to what the user sees. Stories are
always clustered from complete articles (their related lists are a hint), so the app, which
keeps slim articles, loads the collection in full for it once, in a worker; afterwards the
result is cached under the collection's fingerprint and a warm start reads only that file.
Grouped rows show each story once: its lead when the lead is in the view, else the member that
comes first. No Textual here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from reader.model import UNTOUCHED, Article, Collection, TriageState
from reader.paths import default_cache_dir
from reader.views import VIEWS, in_view

if TYPE_CHECKING:  # reader.clusters costs a tenth of a second to import: only when asked
    from reader.clusters import Clusters

__all__ = ["group_rows", "load_clusters", "story_counts"]


def load_clusters(collection: Collection, *, use_cache: bool = True) -> Clusters:
    """The stories of `collection`'s files: from the cache when its fingerprint is known there,
    else clustered from the complete articles (loaded again when the collection is slim)."""
    from reader.clusters import cached_clusters, cluster_articles_cached

    folder = default_cache_dir()
    if collection.fingerprint is not None:
        cached = cached_clusters(folder, collection.fingerprint)
        if cached is not None:
            return cached
    full = collection
    if any(article.slim for article in collection.articles):
        from reader.collection import open_collection

        full = open_collection(list(collection.roots), use_cache=use_cache, slim=False)
    return cluster_articles_cached(full.articles, folder, fingerprint=full.fingerprint)


def group_rows(rows: Sequence[int], articles: Sequence[Article], clusters: Clusters) -> list[int]:
    """`rows` with each story once, where its representative stands: the lead when it is among
    `rows`, else the story's first row."""
    present = {articles[i].id for i in rows}
    chosen: dict[str, str] = {}
    for i in rows:
        article_id = articles[i].id
        story = clusters.story_of(article_id)
        if story is None:
            continue
        if story.id not in chosen:
            chosen[story.id] = story.lead if story.lead in present else article_id
    kept = []
    for i in rows:
        article_id = articles[i].id
        story = clusters.story_of(article_id)
        if story is None or chosen[story.id] == article_id:
            kept.append(i)
    return kept


def story_counts(
    articles: Sequence[Article], states: Mapping[str, TriageState], clusters: Clusters
) -> dict[str, int]:
    """Stories per view: a story counts in a view when any of its articles is in it."""
    seen: dict[str, set[str]] = {view: set() for view in VIEWS}
    for article in articles:
        state = states.get(article.id, UNTOUCHED)
        story = clusters.story_id(article.id)
        for view in VIEWS:
            if in_view(view, state):
                seen[view].add(story)
    return {view: len(stories) for view, stories in seen.items()}
