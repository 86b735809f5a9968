"""Theme colours for text that is built as Rich `Text` (headers, prompts, problem lists).

ANSI colour names ("red", "yellow", "cyan") ignore the theme: yellow on a light theme's grey
background can hardly be read. The theme's `$text-*` colours are its accents made readable on
its own background, so text takes its colour from there.
"""

from __future__ import annotations

from typing import Literal

from rich.style import Style
from textual.color import Color, ColorParseError
from textual.dom import DOMNode

Tone = Literal["error", "warning", "success", "accent", "primary", "secondary"]


def tone(node: DOMNode, name: Tone, *, bold: bool = False) -> Style:
    """The theme's readable `$text-<name>` as a Rich style (no colour when the theme has none
    that parses, so the text keeps the foreground)."""
    value = node.app.theme_variables.get(f"text-{name}") if node.is_attached else None
    try:
        color = Color.parse(value).rich_color if value else None
    except ColorParseError:
        color = None
    return Style(color=color, bold=bold or None)


READABLE_TEXT = 4.5
"""WCAG's contrast for body text: every `$text-<tone>` colour meets it on the app's grounds."""

_TONES = ("primary", "secondary", "accent", "warning", "error", "success")
_GROUNDS = ("background", "surface", "panel")


def contrast_ratio(first: Color, second: Color) -> float:
    """WCAG 2 contrast ratio of two opaque colours (1 to 21)."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable_variables(variables: dict[str, str]) -> dict[str, str]:
    """The theme's CSS variables with each `$text-<tone>` moved toward the theme's foreground
    extreme (black on light themes, white on dark) just far enough to read on every ground the
    app puts text on. A theme whose colours are the terminal's own (ANSI) is left as it is."""
    grounds = [_parse(variables.get(name)) for name in _GROUNDS]
    if any(ground is None for ground in grounds):
        return variables
    solid = [ground for ground in grounds if ground is not None]
    light = sum(_luminance(ground) for ground in solid) / len(solid) > 0.18
    extreme = Color(0, 0, 0) if light else Color(255, 255, 255)
    result = dict(variables)
    for name in _TONES:
        key = f"text-{name}"
        colour = _parse(variables.get(key))
        if colour is None:
            continue
        for step in range(21):
            candidate = colour.blend(extreme, step / 20)
            if min(contrast_ratio(candidate, ground) for ground in solid) >= READABLE_TEXT:
                break
        if candidate != colour:
            result[key] = candidate.hex
    return result


def _parse(value: str | None) -> Color | None:
    """An opaque colour, or None (missing, unparseable, ANSI or translucent)."""
    if not value:
        return None
    try:
        colour = Color.parse(value)
    except ColorParseError:
        return None
    return colour if colour.ansi is None and colour.a == 1 else None


def _luminance(colour: Color) -> float:
    def channel(value: int) -> float:
        share = value / 255
        return share / 12.92 if share <= 0.03928 else ((share + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.r) + 0.7152 * channel(colour.g) + 0.0722 * channel(colour.b)
