"""Pick the URL to open for an article, and open it safely.

No Textual here: the TUI binds `o`, `a`, `O` and `y` to these functions. (How a link result
reads on screen is :mod:`reader.link_status`.)
"""

from __future__ import annotations

import webbrowser
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from reader.model import LinkKind, LinkResult, LinkStatus, Urls

__all__ = [
    "AMP_ORDER",
    "DEFAULT_ORDER",
    "LinkChoice",
    "UnsafeURLError",
    "choose_link",
    "open_in_browser",
    "ordered_links",
]

DEFAULT_ORDER: tuple[LinkKind, ...] = (
    LinkKind.ORIGINAL,
    LinkKind.WEB,
    LinkKind.AMP,
    LinkKind.CDN_AMP,
    LinkKind.WEBSITE,
)
AMP_ORDER: tuple[LinkKind, ...] = (
    LinkKind.AMP,
    LinkKind.CDN_AMP,
    LinkKind.ORIGINAL,
    LinkKind.WEB,
    LinkKind.WEBSITE,
)


class UnsafeURLError(ValueError):
    """Raised by `open_in_browser` for anything but a well-formed http(s) URL."""


@dataclass(frozen=True, slots=True)
class LinkChoice:
    """The URL `o` / `a` would open; `status` is None when it has not been checked yet."""

    url: str
    kind: LinkKind
    status: LinkStatus | None


def ordered_links(urls: Urls, *, prefer_amp: bool = False) -> list[tuple[LinkKind, str]]:
    """The article's openable (http(s)) URLs in preference order; AMP first with `prefer_amp`."""
    from reader.links import is_checkable_url  # httpx: not before the app's first frame

    order = AMP_ORDER if prefer_amp else DEFAULT_ORDER
    links = []
    for kind in order:
        url = urls.get(kind)
        if url and is_checkable_url(url):
            links.append((kind, url))
    return links


def choose_link(
    urls: Urls, results: Mapping[str, LinkResult], *, prefer_amp: bool = False
) -> LinkChoice | None:
    """The URL `o` (or `a`, with `prefer_amp`) opens, or None when no URL may be alive.

    Order: original, web, AMP, CDN AMP, website (`prefer_amp`: AMP, CDN AMP, then the others).
    The first URL checked alive wins, because opening must land on a live page when one exists;
    failing that, the first URL not checked yet (probably alive, most links are: better than
    refusing while checks run); URLs known dead (broken, timeout, unreachable, invalid) never.
    None means every URL is known dead, or there is none: the UI says so and offers the chooser.
    Non-http(s) URLs are never chosen.
    """
    links = ordered_links(urls, prefer_amp=prefer_amp)
    for kind, url in links:
        result = results.get(url)
        if result is not None and result.status is LinkStatus.ALIVE:
            return LinkChoice(url, kind, LinkStatus.ALIVE)
    for kind, url in links:
        if url not in results:
            return LinkChoice(url, kind, None)
    return None


def open_in_browser(url: str, *, opener: Callable[[str], bool] | None = None) -> bool:
    """Open an http(s) URL in the user's browser; False when no browser could be started.

    The default opener is `webbrowser.open`, which honours `$BROWSER`. It can block while a
    console browser runs, so call this from a thread worker. Any other URL (`javascript:`,
    `file:`, malformed) raises `UnsafeURLError`: it is a bug or hostile data, never a silent no-op.
    """
    from reader.links import is_checkable_url

    if not is_checkable_url(url):
        raise UnsafeURLError(f"refusing to open a non-http(s) URL: {url!r}")
    open_url = opener if opener is not None else _webbrowser_open
    try:
        return bool(open_url(url))
    except webbrowser.Error:
        return False


def _webbrowser_open(url: str) -> bool:
    return webbrowser.open(url, new=2)
