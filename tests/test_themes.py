"""Every shipped theme reads: the app's coloured text meets WCAG contrast on its own grounds.

Before, the unread dot used `$accent` (orange #ffa62b) on textual-light's light grey (1.6:1)
and the detail pane used ANSI names ("bold yellow" for a star), which ignore the theme.
"""

from __future__ import annotations

from textual.color import Color
from textual.theme import BUILTIN_THEMES
from textual.widgets import Static

from reader.tui.tones import READABLE_TEXT, contrast_ratio, readable_variables, tone
from reader.tui.widgets.article_detail import ArticleDetail
from reader.tui.widgets.article_list import ArticleList
from tests.tui_fixtures import make_app, settle, write_feed

MUTED = 3.0
"""Dimmed text (dates, figures, topic chips) is meant to step back, not to vanish."""

THEIRS = {"article-list--cursor", "article-list--header", "article-list--unread"}
"""Styled by the theme's own foreground and cursor colours, not by the app."""

SHIPPED = [name for name in BUILTIN_THEMES if not name.startswith("ansi")]
"""The ANSI themes are the terminal's palette: nothing to measure."""


def test_an_accent_too_light_to_read_is_darkened_just_enough() -> None:
    grounds = {"background": "#E0E0E0", "surface": "#D8D8D8", "panel": "#D0D0D0"}
    variables = {**grounds, "text-accent": "#ffa62b", "text-primary": "#102a4c"}
    result = readable_variables(variables)
    accent = Color.parse(result["text-accent"])
    for ground in grounds.values():
        assert contrast_ratio(accent, Color.parse(ground)) >= READABLE_TEXT
    assert accent.r > accent.b  # still orange-brown, not black
    assert result["text-primary"] == "#102a4c"  # readable already: unchanged


def test_a_dark_theme_is_lightened_and_an_ansi_theme_left_alone() -> None:
    dark = {"background": "#101010", "surface": "#181818", "panel": "#202020"}
    result = readable_variables({**dark, "text-error": "#5a0000"})
    error = Color.parse(result["text-error"])
    assert contrast_ratio(error, Color.parse("#202020")) >= READABLE_TEXT
    ansi = {"background": "ansi_default", "surface": "ansi_default", "panel": "ansi_default"}
    assert readable_variables({**ansi, "text-error": "ansi_red"})["text-error"] == "ansi_red"


def test_contrast_ratio_matches_wcag() -> None:
    assert round(contrast_ratio(Color(0, 0, 0), Color(255, 255, 255)), 1) == 21.0
    assert round(contrast_ratio(Color(119, 119, 119), Color(255, 255, 255)), 2) == 4.48


async def test_every_shipped_theme_colours_text_readably(tmp_path) -> None:
    app = make_app(write_feed(tmp_path / "feed"))
    failures: list[str] = []
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        for theme in SHIPPED:
            app.theme = theme
            await pilot.pause()
            for widget in (app.query_one(ArticleList), app.query_one(ArticleDetail)):
                ground = widget.background_colors[1]
                for component in sorted(widget.COMPONENT_CLASSES - THEIRS):
                    style = widget.get_component_rich_style(component)
                    if style.color is None:
                        continue
                    back = Color.from_rich_color(style.bgcolor) if style.bgcolor else ground
                    ratio = contrast_ratio(Color.from_rich_color(style.color), back)
                    muted = component.endswith(("--dim", "--muted", "--topic"))
                    if ratio < (MUTED if muted else READABLE_TEXT):
                        failures.append(f"{theme} {component} {ratio:.2f}")
            article_list = app.query_one(ArticleList)
            article_list.refresh_rows()
            cursor = article_list.get_component_rich_style("article-list--cursor")
            row = article_list.render_line(1)  # the header, then the cursor's row
            # Accents on the cursor's colour read at 1.0 to 3.0:1 in every theme: the row's
            # markers take the cursor's own text colour (as readable as the theme makes it).
            markers = [s for s in row if s.text in ("●", "★", "✓", "✗") and s.style]
            assert markers, theme  # the first article is unread
            for segment in markers:
                if segment.style.color != cursor.color:  # type: ignore[union-attr]
                    failures.append(f"{theme} {segment.text} on the cursor: not its colour")
            detail = app.query_one(ArticleDetail)
            ground = detail.background_colors[1]
            detail.focus()
            await pilot.pause()
            border = detail.styles.border_left[1]  # a focused pane must show: 3:1 for graphics
            if contrast_ratio(border, detail.background_colors[0]) < MUTED:
                failures.append(f"{theme} focus border {border.hex}")
            for name in ("error", "warning", "success", "accent"):
                colour = tone(detail, name).color
                assert colour is not None, (theme, name)
                ratio = contrast_ratio(Color.from_rich_color(colour), ground)
                if ratio < READABLE_TEXT:
                    failures.append(f"{theme} tone {name} {ratio:.2f}")
    assert failures == []


async def test_the_detail_pane_takes_every_colour_from_the_theme(tmp_path) -> None:
    """ANSI names ("bold yellow", "magenta") ignored the theme, and reversed chips outshone
    the title: chips are now quiet, and nothing in the pane has a colour the theme did not
    give."""
    from rich.color import ColorType
    from rich.console import Group
    from rich.text import Text

    from reader.model import TriageState

    app = make_app(write_feed(tmp_path / "feed"))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        detail = app.query_one(ArticleDetail)
        assert detail.article is not None and detail.article.topics
        state = TriageState(read=False, starred=True, archived=True, tags=("later",))
        pieces = [*detail._head(detail.article, state).renderables]
        pieces.append(detail._link_lines(detail.article, {}))
        styles = []
        for piece in pieces:
            assert isinstance(piece, Text | Group)
            if isinstance(piece, Text):
                styles += [span.style for span in piece.spans]
        assert styles
        for style in styles:
            assert not isinstance(style, str) or not any(
                word in style.split() for word in ("red", "green", "yellow", "cyan", "magenta")
            ), style
            if not isinstance(style, str):
                assert not style.reverse, style  # chips are quiet
                if style.color is not None:
                    assert style.color.type is not ColorType.STANDARD, style


async def test_a_new_theme_recolours_what_the_detail_pane_shows(tmp_path) -> None:
    app = make_app(write_feed(tmp_path / "feed"))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        detail = app.query_one(ArticleDetail)

        def title_colour() -> object:
            head = detail.query_one("#detail-head", Static).content
            return next(iter(head.renderables)).style.color  # type: ignore[attr-defined]

        before = title_colour()
        app.theme = "textual-light"
        await pilot.pause()
        await pilot.pause()
        assert title_colour() != before
        related = detail.query_one("#detail-related")
        related.focus()
        await pilot.pause()
        related.highlighted = 1
        detail.focus()  # focus moves inside the pane: the related list keeps its place
        await pilot.pause()
        assert related.highlighted == 1
