"""What the commands print: JSON objects, CSV rows, a terminal-width table of articles, the
problems of a collection, link-check results (text or JSON) and the progress bar.

Text is data here too: file names are escaped (`reader.text.escape_path`), table and CSV cells
sanitised, JSON written by `reader.text.dump_json`. CSV cells from articles that start with `=`,
`+`, `-`, `@`, a tab or a carriage return get a leading `'`, as OWASP recommends, so that a
spreadsheet never runs them as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from rich.cells import cell_len, set_cell_size

from reader.link_status import format_status
from reader.model import (
    UNTOUCHED,
    Article,
    Collection,
    LinkKind,
    LinkResult,
    LinkStatus,
    Problem,
    TriageState,
    iso_utc,
)
from reader.text import escape_path, sanitize

if TYPE_CHECKING:  # reading imports httpx: `reader list` must not pay for it
    from reader.reading import ReadResult

__all__ = [
    "CSV_FIELDS",
    "Progress",
    "article_json",
    "articles_csv",
    "articles_table",
    "check_json",
    "csv_cell",
    "format_check_text",
    "format_problems_text",
    "format_reading",
    "format_stories_text",
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
    articles: Iterable[Article],
    states: Mapping[str, TriageState] | None = None,
    *,
    sizes: Mapping[str, int] | None = None,
    clusters: Any = None,
) -> str:
    """CSV rows of `CSV_FIELDS`; with `sizes` (`--group`) also `cluster` and `cluster_size`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    grouped = sizes is not None and clusters is not None
    writer.writerow((*CSV_FIELDS, "cluster", "cluster_size") if grouped else CSV_FIELDS)
    for article in articles:
        state = (states or {}).get(article.id, UNTOUCHED)
        extra = (clusters.story_id(article.id), sizes[article.id]) if grouped else ()
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
                *extra,
            )
        )
    return buffer.getvalue()


def _fit(text: str, width: int, suffix: str = "") -> str:
    """`text` in exactly `width` cells (cut with `…`); `suffix` always shows at its end."""
    if width <= 0:
        return ""
    room = width - cell_len(suffix)
    if room < 1:
        return set_cell_size(suffix, width)
    if cell_len(text) > room:
        return set_cell_size(text, room - 1) + "…" + suffix
    return set_cell_size(text + suffix, width)


def articles_table(
    articles: Sequence[Article],
    *,
    width: int,
    states: Mapping[str, TriageState] | None = None,
    sizes: Mapping[str, int] | None = None,
) -> str:
    """A plain-text table that fits `width` columns; the title takes what is left. `sizes`:
    story sizes (`--group`): a story's title ends with `+N`, its other sources."""
    states = states or {}
    sizes = sizes or {}
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
            _fit(sanitize(article.title), title_width, _more(sizes.get(article.id, 1))),
        ]
        if provider_width:
            cells.append(_fit(sanitize(article.provider.name), provider_width))
        lines.append(" ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def _more(size: int) -> str:
    return f" +{size - 1}" if size > 1 else ""


def format_stories_text(stories: Sequence[Any], articles: Mapping[str, Article]) -> str:
    """`reader clusters`: each story, its lead first (★), with why its articles were joined."""
    if not stories:
        return "no story is told by more than one article\n"
    lines = []
    for story in stories:
        lines.append(f"{story.id}  {story.size} articles: {'; '.join(story.reasons)}")
        for member in story.members:
            article = articles.get(member)
            if article is None:
                continue
            date = article.published.strftime("%Y-%m-%d") if article.published else "—"
            mark = "★" if member == story.lead else " "
            provider = sanitize(article.provider.name) or "unknown provider"
            lines.append(f"  {mark} {date}  {sanitize(article.title)}  ({provider})")
        lines.append("")
    count = len(stories)
    members = sum(story.size for story in stories)
    lines.append(f"{count:,} {'story' if count == 1 else 'stories'} told by {members:,} articles")
    return "\n".join(lines) + "\n"


def format_problems_text(collection: Collection) -> str:
    """Problems grouped by file, for a person to read."""
    by_file: dict[str, list[Any]] = {}
    for problem in collection.problems:
        by_file.setdefault(problem.path, []).append(problem)
    lines: list[str] = []
    for path, problems in by_file.items():
        lines.append(escape_path(path))
        for problem in problems:
            where = f"line {problem.line}" if problem.line else "file"
            lines.append(f"  {where}: {problem.severity}: {sanitize(problem.message)}")
    errors = len(collection.errors)
    warnings = len(collection.problems) - errors
    files = len(by_file)
    if collection.problems:
        lines.append("")
        lines.append(
            f"{len(collection.articles)} article(s) loaded; {errors} error(s) and "
            f"{warnings} warning(s) in {files} file(s)"
        )
    else:
        lines.append(f"{len(collection.articles)} article(s) loaded; no problems")
    return "\n".join(lines) + "\n"


def check_json(
    links: Sequence[tuple[Article, LinkKind, str]], results: Mapping[str, LinkResult]
) -> list[dict[str, Any]]:
    """`reader check --format json`: a result per (article, URL), with the article's id."""
    payload = []
    for article, kind, url in links:
        row = {"id": article.id, **results[url].to_json()}
        row["kind"] = kind.value
        payload.append(row)
    return payload


def format_check_text(
    links: Sequence[tuple[Article, LinkKind, str]], results: Mapping[str, LinkResult]
) -> str:
    """Broken links grouped by article, then a summary line."""
    lines: list[str] = []
    current: str | None = None
    counts: dict[str, int] = {}
    seen: set[str] = set()
    for article, kind, url in links:
        result = results[url]
        if url not in seen:
            seen.add(url)
            counts[result.status.value] = counts.get(result.status.value, 0) + 1
        if result.status is LinkStatus.ALIVE:
            continue
        if current != article.id:
            current = article.id
            lines.append(f"{sanitize(article.title)}  [{article.id}]")
        detail = f" ({sanitize(result.error)})" if result.error else ""
        lines.append(f"  {kind.label:<8} {format_status(result)}  {sanitize(url)}{detail}")
    total = len(seen)
    alive = counts.get("alive", 0)
    parts = [
        f"{counts[s]} {s}" for s in ("broken", "timeout", "unreachable", "invalid") if s in counts
    ]
    if lines:
        lines.append("")
    articles_with_links = len({a.id for a, _, _ in links})
    summary = f"{total} link(s) in {articles_with_links} article(s): {alive} alive"
    if parts:
        summary += ", " + ", ".join(parts)
    lines.append(summary)
    return "\n".join(lines) + "\n"


class Progress:
    """A one-line progress bar on a terminal's stderr; silent when stderr is not a terminal.

    `verb` and `noun` say what is counted ("checking ... links"), `failed` what a failure is.
    """

    def __init__(
        self,
        total: int,
        stream: TextIO,
        *,
        verb: str = "checking",
        noun: str = "links",
        failed: str = "not alive",
    ) -> None:
        self.total = total
        self.done = 0
        self.failures = 0
        self.stream = stream
        self.verb, self.noun, self.failed = verb, noun, failed
        self.enabled = stream.isatty() and total > 0

    def step(self, result: LinkResult) -> None:
        """One link checked."""
        self.advance(ok=result.status is LinkStatus.ALIVE)

    def advance(self, *, ok: bool) -> None:
        self.done += 1
        if not ok:
            self.failures += 1
        if not self.enabled:
            return
        width = 30
        filled = int(width * self.done / self.total)
        bar = "█" * filled + "·" * (width - filled)
        self.stream.write(
            f"\r{self.verb} {bar} {self.done}/{self.total} {self.noun}, "
            f"{self.failures} {self.failed}"
        )
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


# ---------------------------------------------------------------------------------------------
# reader read


def format_reading(result: ReadResult, article: Article | None, *, markdown: bool) -> str:
    """One article read, for a terminal or a pager: the page's title, where the text came from,
    then the text (Markdown or plain). Every string has been sanitised (page text is data)."""
    title = sanitize(result.title or (article.title if article is not None else "")) or result.id
    kind = result.kind.label if result.kind is not None else "page"
    source = f"{kind}: {sanitize(result.url or '')}"
    stamp = f"{result.words:,} words, fetched {iso_utc(result.fetched_at)}"
    body = sanitize(result.markdown if markdown else result.text, keep_newlines=True).strip()
    if markdown:
        return f"# {title}\n\n<{sanitize(result.url or '')}>  \n{kind}, {stamp}\n\n{body}\n"
    return f"{title}\n{source}\n{stamp}\n\n{body}\n"
