"""Sort orders over articles, as lists of indexes (the list pane and `reader list` share them).

Sorting works on indexes, never on widgets, so a re-sort of 100,000 rows is one `list.sort`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from reader.model import Article

SORT_KEYS: tuple[str, ...] = ("date", "quality", "heat", "title", "provider")
"""In the order `s` cycles through them."""

DESCENDING_BY_DEFAULT = frozenset({"date", "quality", "heat"})
"""Keys whose natural order is largest first (newest, best, hottest): ▼ unless reversed."""

_NO_DATE = float("inf")


def _date_rank(article: Article) -> float:
    # Newest first; articles without a date go last.
    return -article.published.timestamp() if article.published is not None else _NO_DATE


def _key_function(key: str) -> Callable[[Article], Any]:
    if key == "date":
        return lambda a: (_date_rank(a), a.id)
    if key == "quality":
        return lambda a: (a.quality is None, -(a.quality or 0), _date_rank(a), a.id)
    if key == "heat":
        return lambda a: (a.heat is None, -(a.heat or 0), _date_rank(a), a.id)
    if key == "title":
        return lambda a: (a.title.casefold(), _date_rank(a), a.id)
    if key == "provider":
        return lambda a: (
            not a.provider.name,
            a.provider.name.casefold(),
            _date_rank(a),
            a.id,
        )
    raise ValueError(f"unknown sort key {key!r}; expected one of {', '.join(SORT_KEYS)}")


def sort_indices(
    articles: Sequence[Article],
    key: str = "date",
    *,
    reverse: bool = False,
    within: Sequence[int] | None = None,
) -> list[int]:
    """Indexes of `articles` (or of `within`) in the order for `key`.

    Date: newest first; quality and heat: highest first; title and provider: A to Z, ignoring
    case. Ties break by date (newest first), then id. `reverse` flips the whole order.
    """
    function = _key_function(key)
    indices = list(range(len(articles))) if within is None else list(within)
    indices.sort(key=lambda i: function(articles[i]))
    if reverse:
        indices.reverse()
    return indices


def is_descending(key: str, reverse: bool) -> bool:
    """Whether the order for `key` (flipped by `reverse`) shows the largest first (▼)."""
    return (key in DESCENDING_BY_DEFAULT) != reverse


def next_sort_key(key: str) -> str:
    """The key after `key` in the cycle that `s` walks."""
    position = SORT_KEYS.index(key) if key in SORT_KEYS else -1
    return SORT_KEYS[(position + 1) % len(SORT_KEYS)]
