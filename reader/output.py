"""Headless output formats: JSON objects, CSV rows and a terminal-width table of articles.

Text is data here too: file names are escaped (`reader.text.escape_path`), table and CSV cells
sanitised, JSON written by `reader.text.dump_json`. CSV cells from articles that start with `=`,
`+`, `-`, `@`, a tab or a carriage return get a leading `'`, as OWASP recommends, so that a
spreadsheet never runs them as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.cells import cell_len, set_cell_size

from reader.model import UNTOUCHED, Article, Problem, TriageState, iso_utc
from reader.text import escape_path, sanitize

__all__ = [
    "CSV_FIELDS",
    "article_json",
    "articles_csv",
    "articles_table",
    "csv_cell",
    "iso_utc",
    "problem_json",
]


def article_json(article: Article, state: TriageState | None = None) -> dict[str, Any]:
    """The public JSON shape of an article (`reader list --format json`)."""
    state = state or UNTOUCHED
    return {
        "id": article.id,
        "path": escape_path(article.path),
        "title": article.title,
        "published": iso_utc(article.published),
        "category": article.category or None,
        "type": article.type or None,
        "quality": article.quality,
        "heat": article.heat,
        "published_flag": article.published_flag,
        "provider": {"name": article.provider.name, "domain": article.provider.domain},
        "topics": list(article.topics),
        "excerpt": article.excerpt,
        "urls": {
            "original": article.urls.original,
            "web": article.urls.web,
            "amp": article.urls.amp,
            "cdn_amp": article.urls.cdn_amp,
            "website": article.urls.website,
        },
        "images": [
            {"url": image.url, "width": image.width, "height": image.height, "title": image.title}
            for image in article.images
        ],
        "related": [
            {
                "title": related.title,
                "published": iso_utc(related.published),
                "url": related.urls.canonical or related.urls.amp,
                "provider": related.provider.name,
                "quality": related.quality,
            }
            for related in article.related
        ],
        "read": state.read,
        "starred": state.starred,
        "archived": state.archived,
        "tags": list(state.tags),
    }


def problem_json(problem: Problem) -> dict[str, Any]:
    return {
        "path": escape_path(problem.path),
        "line": problem.line,
        "message": problem.message,
        "severity": problem.severity,
    }


CSV_FIELDS = (
    "id",
    "published",
    "title",
    "provider",
    "domain",
    "quality",
    "heat",
    "category",
    "type",
    "topics",
    "url",
    "read",
    "starred",
    "archived",
    "tags",
    "path",
)


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """A text cell from article data: sanitised, and never read as a formula by a spreadsheet."""
    text = sanitize(text)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def articles_csv(
    articles: Iterable[Article], states: Mapping[str, TriageState] | None = None
) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for article in articles:
        state = (states or {}).get(article.id, UNTOUCHED)
        writer.writerow(
            (
                article.id,
                iso_utc(article.published) or "",
                csv_cell(article.title),
                csv_cell(article.provider.name),
                csv_cell(article.provider.domain),
                "" if article.quality is None else article.quality,
                "" if article.heat is None else article.heat,
                csv_cell(article.category),
                csv_cell(article.type),
                csv_cell("; ".join(article.topics)),
                csv_cell(article.urls.canonical or article.urls.amp or ""),
                int(state.read),
                int(state.starred),
                int(state.archived),
                csv_cell("; ".join(state.tags)),
                csv_cell(escape_path(article.path)),
            )
        )
    return buffer.getvalue()


def _fit(text: str, width: int) -> str:
    if width <= 0:
        return ""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


def articles_table(
    articles: Sequence[Article],
    *,
    width: int,
    states: Mapping[str, TriageState] | None = None,
) -> str:
    """A plain-text table that fits `width` columns; the title takes what is left."""
    states = states or {}
    columns: list[tuple[str, int]] = [("", 2), ("DATE", 10), ("Q", 4), ("HEAT", 4)]
    provider_width = 16 if width >= 80 else 0
    id_width = 12 if width >= 100 else 0
    if id_width:
        columns.insert(0, ("ID", id_width))
    fixed = sum(w for _, w in columns) + provider_width + len(columns) + 1
    title_width = max(10, width - fixed)
    header_cells = [_fit(name, w) for name, w in columns]
    header_cells.append(_fit("TITLE", title_width))
    if provider_width:
        header_cells.append(_fit("PROVIDER", provider_width))
    lines = [" ".join(header_cells).rstrip()]
    for article in articles:
        state = states.get(article.id, UNTOUCHED)
        flags = ("★" if state.starred else " ") + (" " if state.read else "●")
        date = article.published.strftime("%Y-%m-%d") if article.published else "—"
        cells = []
        if id_width:
            cells.append(_fit(article.id, id_width))
        cells += [
            _fit(flags, 2),
            _fit(date, 10),
            _fit("" if article.quality is None else str(article.quality), 4),
            _fit("" if article.heat is None else str(article.heat), 4),
            _fit(sanitize(article.title), title_width),
        ]
        if provider_width:
            cells.append(_fit(sanitize(article.provider.name), provider_width))
        lines.append(" ".join(cells).rstrip())
    return "\n".join(lines) + "\n"
