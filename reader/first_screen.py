"""The first screenful, kept from the last run: the app paints it before the collection loads.

A warm start of 20,000 articles spends most of its second on loading, validating and indexing
files that the first screen does not show. So the app keeps the top rows of its start view
(the inbox, in the start sort) here, and the next start shows them at once: the same slim
articles the session holds, filtered again with the triage state read from the store at that
start, so an article read elsewhere since is not shown. The real load follows in a worker and
replaces them in place; if files changed in between, the rows follow a moment later.

One small file per collection, state file and sort (`first_screen_key`), written atomically;
anything wrong with it (missing, another version, damaged) just means no preview.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from reader.model import Article, Provider, Urls

__all__ = [
    "ROWS",
    "first_screen_key",
    "first_screen_path",
    "load_first_screen",
    "save_first_screen",
]

ROWS = 240
"""Articles kept: a tall terminal's screenful, with room for rows triaged away since."""

_FORMAT = 1


def first_screen_key(
    roots: Sequence[str], *, state_path: str | os.PathLike[str], sort_key: str, reverse: bool
) -> str:
    """What the kept rows depend on: the folders, the state file and the start sort."""
    parts = [
        str(_FORMAT),
        os.path.realpath(state_path),
        sort_key,
        "reverse" if reverse else "natural",
        *(os.path.realpath(root) for root in roots),
    ]
    return hashlib.sha1("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def first_screen_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / "first-screen" / f"{key}.bin"


def save_first_screen(path: Path, key: str, articles: Sequence[Article]) -> bool:
    """Keep `articles` (the start view's top rows, in order); False when it could not be
    written (a full disk, a read-only cache: the next start is only slower)."""
    payload = (_FORMAT, key, [_encode(article) for article in articles[:ROWS]])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".first-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                marshal.dump(payload, out)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except (OSError, ValueError):
        return False
    return True


def load_first_screen(path: Path, key: str) -> list[Article] | None:
    """The kept rows, or None when there are none for `key` (or they cannot be read)."""
    try:
        with open(path, "rb") as handle:
            payload = marshal.load(handle)
        version, stored_key, records = payload
        if version != _FORMAT or stored_key != key:
            return None
        return [_decode(record) for record in records]
    except Exception:  # a damaged file of ours: no preview, never a crash
        return None


def _encode(article: Article) -> tuple[Any, ...]:
    urls = article.urls
    provider = article.provider
    return (
        article.id,
        article.path,
        article.title,
        article.excerpt,
        article.published.isoformat() if article.published else None,
        article.category,
        article.type,
        article.quality,
        article.heat,
        article.published_flag,
        (provider.name, provider.domain, provider.logo),
        tuple(article.topics),
        (urls.original, urls.web, urls.amp, urls.cdn_amp, urls.website),
        article.has_body,
        article.related_count,
        article.image_count,
    )


def _decode(record: Sequence[Any]) -> Article:
    (
        article_id,
        path,
        title,
        excerpt,
        published,
        category,
        kind,
        quality,
        heat,
        published_flag,
        provider,
        topics,
        urls,
        has_body,
        related,
        images,
    ) = record
    if not (isinstance(article_id, str) and isinstance(path, str) and isinstance(title, str)):
        raise ValueError("not an article record")
    return Article(
        id=article_id,
        path=path,
        title=title,
        excerpt=excerpt,
        published=datetime.fromisoformat(published) if published else None,
        category=category,
        type=kind,
        quality=quality,
        heat=heat,
        published_flag=published_flag,
        provider=Provider(*provider),
        topics=tuple(topics),
        urls=Urls(*urls),
        slim=True,
        slim_body=bool(has_body),
        slim_related=int(related),
        slim_images=int(images),
    )
