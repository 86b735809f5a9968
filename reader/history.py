"""Where the reader has been: back and forward over jumps, like a browser's history.

A jump (to a related article) remembers the article it left; `back` returns there and
`forward` undoes a `back`. Both stacks are bounded, and an article never sits twice in a row on
either, so going back and forth between two articles does not grow them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

__all__ = ["History"]


class History:
    def __init__(self, limit: int = 100) -> None:
        self._back: deque[str] = deque(maxlen=limit)
        self._forward: deque[str] = deque(maxlen=limit)

    def jumped(self, left: str | None, to: str | None = None) -> None:
        """The reader jumped from `left` (to `to`): a new branch, the forward steps are gone."""
        if left is None or left == to:
            return
        _push(self._back, left)
        self._forward.clear()

    def back(self, current: str | None, exists: Callable[[str], bool] = bool) -> str | None:
        """The article before `current` (which becomes the forward step), or None."""
        return _step(self._back, self._forward, current, exists)

    def forward(self, current: str | None, exists: Callable[[str], bool] = bool) -> str | None:
        """The article a `back` left, or None."""
        return _step(self._forward, self._back, current, exists)

    @property
    def can_go_back(self) -> bool:
        return bool(self._back)

    @property
    def can_go_forward(self) -> bool:
        return bool(self._forward)

    def __len__(self) -> int:
        return len(self._back) + len(self._forward)


def _push(stack: deque[str], article_id: str) -> None:
    if not stack or stack[-1] != article_id:
        stack.append(article_id)


def _step(
    source: deque[str], other: deque[str], current: str | None, exists: Callable[[str], bool]
) -> str | None:
    while source:
        target = source.pop()
        if target != current and exists(target):  # gone from the collection: skipped
            if current is not None:
                _push(other, current)
            return target
    return None
