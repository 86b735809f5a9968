"""One function per command. Each loads the collection, opens the state file, drives a
`Session` and prints through :mod:`reader.cli.output`; problems outside the command line are a
`Failure` (one line, exit 1).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from reader.cli.parser import UsageError
from reader.collection import PathError, open_collection, resolve_paths
from reader.model import Collection
from reader.settings import Settings
from reader.text import dump_json, escape_path, preview, sanitize

__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "Failure",
    "cmd_app",
    "cmd_check",
    "cmd_clusters",
    "cmd_list",
    "cmd_mark",
    "cmd_read",
    "cmd_state",
    "cmd_validate",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class Failure(Exception):
    """A problem outside the command line (state file, network, a path that is a FIFO): one
    line, exit 1."""


_CONFIG: list[Any] = []


def use_config(path: str | None) -> Any:
    """Read the config file (`--config`, `$READER_CONFIG`, the user config dir) once."""
    from reader.config import load_config

    _CONFIG[:] = [load_config(path)]
    return _CONFIG[0]


def current_config() -> Any:
    return _CONFIG[0] if _CONFIG else use_config(None)


def current_settings() -> Settings:
    """The settings in force: the config file's, else the defaults."""
    return current_config().settings


def cmd_config(args: argparse.Namespace) -> int:
    from reader.config import config_path, default_config_text, load_config

    if args.default:
        sys.stdout.write(default_config_text())
        return EXIT_OK
    if args.path:
        print(escape_path(str(config_path(args.config))))
        return EXIT_OK
    where = Path(args.check) if args.check else config_path(args.config)
    if args.check and not where.is_file():
        raise Failure(f"reader config: no such file: {escape_path(str(where))}")
    problems = load_config(where).problems
    for line in problems:
        print(sanitize(line))
    return EXIT_FAILED if problems else EXIT_OK


def cmd_completion(args: argparse.Namespace) -> int:
    from reader.cli.completion import completion_script
    from reader.cli.parser import build_parser

    sys.stdout.write(completion_script(args.shell, build_parser()))
    return EXIT_OK


def cmd_keys(args: argparse.Namespace) -> int:
    from reader.action_table import ACTIONS, display_keys, keys_in_force

    keymap = current_config().keymap
    rows = [
        {"action": a.id, "keys": keys_in_force(a, keymap).split(","), "description": a.text}
        for a in ACTIONS
        if a.listed
    ]
    if args.output == "json":
        print(dump_json(rows))
        return EXIT_OK
    width = max(len(row["action"]) for row in rows)
    key_width = max(len(display_keys(",".join(row["keys"]))) for row in rows)
    for row in rows:
        keys = display_keys(",".join(row["keys"]))
        print(f"{row['action']:<{width}}  {keys:<{key_width}}  {sanitize(row['description'])}")
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# Shared steps


def load(
    paths: Sequence[str] | None,
    *,
    use_cache: bool = True,
    slim: bool = False,
    state: str | None = None,
) -> Collection:
    """The collection at `paths` (default: what `reader` opens with no path: the fetched feeds
    once `state` has subscriptions, else the sample), with path problems worded for a shell.

    `slim`: articles without body, images, related and extra fields (what a command that prints
    none of them needs: a warm load then reads and builds far less)."""
    if not paths:
        paths = _fetched_feeds(state)
    try:
        return open_collection(paths, use_cache=use_cache, slim=slim, settings=current_settings())
    except PathError as exc:
        if exc.usage:
            raise UsageError(f"reader: {exc}") from None
        raise Failure(f"reader: {exc}") from None


def open_store(state: str | None) -> Any:
    from reader.paths import default_state_path
    from reader.store import Store, StoreError

    settings = current_settings()
    path = Path(state).expanduser() if state else default_state_path()
    try:
        store = Store.open(
            path,
            busy_timeout_ms=settings.state_busy_timeout_ms,
            retry_seconds=settings.state_retry_seconds,
        )
    except StoreError as exc:
        raise Failure(str(exc)) from None
    if store.notice:
        print(sanitize(f"reader: {store.notice}"), file=sys.stderr)
    return store


def parse_query_or_exit(text: str | None) -> Any:
    if not text:
        return None
    from reader.query import QueryError, parse_query

    try:
        return parse_query(text)
    except QueryError as exc:
        raise UsageError(f"reader: invalid query: {exc}") from None


def asks_for_archived(query: Any) -> bool:
    """Whether the query names `is:archived` (then archived articles are not hidden)."""
    from reader.query import Flag

    return query is not None and any(
        isinstance(node, Flag) and node.field == "is" and node.value == "archived"
        for node in query.nodes()
    )


def session_for(
    collection: Collection,
    store: Any,
    query: Any,
    *,
    view: str = "all",
    sort: str | None = None,
    reverse: bool = False,
    links: bool = False,
    clusters: Any = None,
    grouped: bool = False,
) -> Any:
    """A session on `collection` showing the rows `query` selects in `view`, sorted; with the
    known link results when `links` (or when the query needs them)."""
    from reader.query import uses_links
    from reader.session import Session

    session = Session(store, settings=current_settings())
    session.load_state(links=links or (query is not None and uses_links(query)))
    session.view = view
    session.sort_key = sort or session.sort_key
    session.sort_reverse = reverse
    session.query = query
    session.clusters, session.clusters_for, session.grouped = clusters, None, grouped
    session.set_collection(collection, mark_seen=False)
    if clusters is not None:
        session.set_clusters(clusters, collection.fingerprint)
    return session


def stories_for(collection: Collection, query: Any, no_cache: bool, *, wanted: bool) -> Any:
    """The collection's stories when `wanted` or when the query asks about them, else None."""
    from reader.query import uses_clusters

    if not wanted and (query is None or not uses_clusters(query)):
        return None
    from reader.stories import load_clusters

    return load_clusters(collection, use_cache=not no_cache)


def _story_sizes(articles: Sequence[Any], clusters: Any) -> dict[str, int]:
    sizes = {}
    for article in articles:
        story = clusters.story_of(article.id) if clusters is not None else None
        sizes[article.id] = story.size if story is not None else 1
    return sizes


# ---------------------------------------------------------------------------------------------
# Commands


#: The `reader list` formats that print nothing of an article's body, images, related articles
#: or extra fields (tests/test_cli.py holds that their output is the same from slim articles).
SLIM_FORMATS = frozenset({"ids", "table", "csv"})


def cmd_list(args: argparse.Namespace) -> int:
    query = parse_query_or_exit(args.query)
    collection = load(
        args.paths,
        use_cache=not args.no_cache,
        slim=args.output in SLIM_FORMATS,
        state=args.state,
    )
    clusters = stories_for(collection, query, args.no_cache, wanted=args.group)
    store = open_store(args.state)
    try:
        view = "all" if args.all or asks_for_archived(query) else "inbox"
        session = session_for(
            collection,
            store,
            query,
            view=view,
            sort=args.sort,
            reverse=args.reverse,
            clusters=clusters,
            grouped=args.group,
        )
    finally:
        store.close()
    rows = session.rows if args.limit is None else session.rows[: args.limit]
    articles = [collection.articles[i] for i in rows]
    states = session.states
    sizes = _story_sizes(articles, clusters) if args.group else None
    out = sys.stdout
    if args.output == "json":
        from reader.cli.output import article_json

        payload = [article_json(a, states.get(a.id)) for a in articles]
        if sizes is not None and clusters is not None:
            for item in payload:
                item["cluster"] = clusters.story_id(item["id"])
                item["cluster_size"] = sizes[item["id"]]
        out.write(dump_json(payload) + "\n")
    elif args.output == "csv":
        from reader.cli.output import articles_csv

        out.write(articles_csv(articles, states, sizes=sizes, clusters=clusters))
    elif args.output == "ids":
        out.write("".join(f"{a.id}\n" for a in articles))
    else:
        from reader.cli.output import articles_table

        width = shutil.get_terminal_size((100, 24)).columns
        out.write(articles_table(articles, width=width, states=states, sizes=sizes))
    errors = collection.errors
    if errors and args.output == "table":
        print(
            f"reader: {len(errors)} file(s) could not be read; see 'reader validate'",
            file=sys.stderr,
        )
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from reader.cli.output import format_problems_text, problem_json

    # Every file parsed (over the pool if many).
    collection = load(args.paths, use_cache=False, state=getattr(args, "state", None))
    problems = collection.problems
    if args.output == "json":
        payload = {
            "articles": len(collection.articles),
            "problems": [problem_json(p) for p in problems],
        }
        sys.stdout.write(dump_json(payload) + "\n")
    else:
        sys.stdout.write(format_problems_text(collection))
    return EXIT_FAILED if problems else EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    import asyncio
    from datetime import timedelta

    from reader.check import article_links, check_articles
    from reader.cli.output import Progress, check_json, format_check_text
    from reader.model import LinkStatus

    query = parse_query_or_exit(args.query)
    collection = load(args.paths, use_cache=not args.no_cache, state=args.state)
    store = open_store(args.state)
    try:
        session = session_for(collection, store, query)
        articles = [collection.articles[i] for i in session.rows]
        links = article_links(articles)
        progress = Progress(len({url for _, _, url in links}), sys.stderr)
        results = asyncio.run(
            check_articles(
                articles,
                store,
                concurrency=args.concurrency,
                per_host=args.per_host,
                timeout=args.timeout,
                recheck=args.recheck,
                max_age=timedelta(hours=args.max_age),
                on_result=progress.step,
            )
        )
        progress.finish()
    finally:
        store.close()
    if args.output == "json":
        sys.stdout.write(dump_json(check_json(links, results)) + "\n")
    else:
        sys.stdout.write(format_check_text(links, results))
    all_alive = all(results[url].status is LinkStatus.ALIVE for _, _, url in links)
    return EXIT_OK if all_alive else EXIT_FAILED


def cmd_mark(args: argparse.Namespace) -> int:
    wanted = [
        flag
        for flag in ("read", "unread", "star", "unstar", "archive", "unarchive")
        if getattr(args, flag)
    ]
    if not wanted and not args.tag and not args.untag:
        raise UsageError("reader mark: say what to do (--read, --star, --archive, --tag T, ...)")
    for first, second in (("read", "unread"), ("star", "unstar"), ("archive", "unarchive")):
        if first in wanted and second in wanted:
            raise UsageError(f"reader mark: --{first} and --{second} contradict each other")
    if not args.ids and not args.query:
        raise UsageError("reader mark: give article ids or --query")
    query = parse_query_or_exit(args.query)
    # Slim: only ids (and what a query reads, which slim articles keep) are needed.
    collection = load(args.collection, use_cache=not args.no_cache, slim=True, state=args.state)
    known = {article.id for article in collection.articles}
    unknown = [i for i in args.ids if i not in known]
    store = open_store(args.state)
    try:
        session = session_for(collection, store, query)
        ids = [i for i in args.ids if i in known]
        if query is not None:
            ids += [collection.articles[i].id for i in session.rows]
        ids = list(dict.fromkeys(ids))
        if ids:
            _mark(session, ids, wanted, args.tag, args.untag)
    finally:
        store.close()
    print(f"marked {len(ids)} article(s)", file=sys.stderr)
    for article_id in unknown:
        print(f"reader mark: unknown article id: {preview(article_id)}", file=sys.stderr)
    return EXIT_FAILED if unknown else EXIT_OK


def _mark(
    session: Any, ids: list[str], wanted: list[str], tags: list[str], untags: list[str]
) -> None:
    """Apply each change (one committed step each); a change that cannot be saved is one line
    naming it and what was saved before it."""
    from reader.store import StoreError

    steps: list[tuple[str, Callable[[], Any]]] = []
    for flag, field in (("read", "read"), ("star", "starred"), ("archive", "archived")):
        for value, word in ((True, flag), (False, "un" + flag)):
            if word in wanted:
                steps.append((word, lambda f=field, v=value: session.triage(ids, **{f: v})))
    steps += [(f"tag {t}", lambda t=t: session.add_tag(ids, t)) for t in tags]
    steps += [(f"untag {t}", lambda t=t: session.remove_tag(ids, t)) for t in untags]
    done: list[str] = []
    for label, step in steps:
        try:
            step()
        except StoreError as exc:
            saved = f" (saved: {', '.join(done)})" if done else ""
            raise Failure(
                f"reader mark: {exc.reason}; not saved: {label} for {len(ids)} article(s){saved}"
            ) from None
        done.append(label)


def cmd_read(args: argparse.Namespace) -> int:
    """Full text of articles: each one's best live page, extracted; cached in the cache dir."""
    import asyncio

    from reader.cli.output import Progress, format_reading
    from reader.paths import reading_cache_dir
    from reader.reading import ReadingCache, ReadResult, read_articles

    if not args.ids and not args.query:
        raise UsageError("reader read: give article ids or --query")
    query = parse_query_or_exit(args.query)
    collection = load(args.collection, use_cache=not args.no_cache, state=args.state)
    by_id = {article.id: article for article in collection.articles}
    store = open_store(args.state)
    try:
        session = session_for(collection, store, query, links=True)
    finally:
        store.close()
    wanted = list(args.ids)
    if query is not None:
        wanted += [collection.articles[i].id for i in session.rows]
    wanted = list(dict.fromkeys(wanted))  # in the order asked, each once
    articles = [by_id[i] for i in wanted if i in by_id]
    progress = Progress(len(articles), sys.stderr, verb="reading", noun="articles")
    read = asyncio.run(
        read_articles(
            articles,
            cache=ReadingCache(reading_cache_dir()),
            results=session.link_results,
            refresh=args.refresh,
            timeout=args.timeout,
            concurrency=args.concurrency,
            per_host=args.per_host,
            on_result=lambda result: progress.advance(ok=result.error is None),
        )
    )
    progress.finish()
    by_result = {result.id: result for result in read}
    results = [by_result.get(i) or ReadResult.unknown(i) for i in wanted]
    if args.output == "json":
        sys.stdout.write(dump_json([r.to_json() for r in results]) + "\n")
    else:
        markdown = args.output == "markdown"
        texts = [
            format_reading(r, by_id.get(r.id), markdown=markdown)
            for r in results
            if r.error is None
        ]
        sys.stdout.write(("\n---\n\n" if markdown else "\n\n").join(texts))
        for result in results:
            if result.error is not None:
                print(f"reader read: {preview(result.id)}: {result.error}", file=sys.stderr)
    if not wanted:
        print("reader read: no article matches the query", file=sys.stderr)
    failed = any(r.error is not None for r in results)
    return EXIT_FAILED if failed else EXIT_OK


def cmd_clusters(args: argparse.Namespace) -> int:
    """Stories told by more than one article, newest first; with --query, those with an
    article that matches."""
    from reader.cli.output import format_stories_text

    query = parse_query_or_exit(args.query)
    collection = load(args.paths, use_cache=not args.no_cache, state=args.state)
    clusters = stories_for(collection, query, args.no_cache, wanted=True)
    store = open_store(args.state)
    try:
        session = session_for(collection, store, query, clusters=clusters)
    finally:
        store.close()
    order: dict[str, int] = {}
    for position, index in enumerate(session.rows):
        story = clusters.story_of(collection.articles[index].id)
        if story is not None:
            order.setdefault(story.id, position)
    stories = sorted((s for s in clusters.stories if s.id in order), key=lambda s: order[s.id])
    if args.output == "json":
        sys.stdout.write(dump_json([story.to_json() for story in stories]) + "\n")
    else:
        sys.stdout.write(format_stories_text(stories, collection.by_id()))
    return EXIT_OK


def cmd_state(args: argparse.Namespace) -> int:
    if args.state_command is None:
        raise UsageError("reader state: say 'export [FILE]' or 'import FILE'")
    if args.state_command == "import":
        data = _read_import(args.file)
    store = open_store(args.state)
    try:
        if args.state_command == "export":
            text = dump_json(store.export_state()) + "\n"
            if args.file:
                try:
                    Path(args.file).write_text(text, encoding="utf-8")
                except OSError as exc:
                    raise Failure(
                        f"reader state export: cannot write {escape_path(args.file)}: "
                        f"{exc.strerror or exc}"
                    ) from None
            else:
                sys.stdout.write(text)
            return EXIT_OK
        from reader.store import StoreError

        try:
            count = store.import_state(data)
        except StoreError as exc:
            raise Failure(f"reader state import: {exc}") from None
        print(f"imported state for {count} article(s)", file=sys.stderr)
        return EXIT_OK
    finally:
        store.close()


def _read_import(file: str) -> Any:
    """The JSON of an export file; any problem is one short line (never the file's content)."""
    from reader.loader import UnreadableFile, read_regular_file

    where = escape_path(file)
    if not os.path.lexists(file):
        raise UsageError(f"reader state import: no such file: {where}")
    try:
        data, _info = read_regular_file(file, limit=1 << 30)
    except UnreadableFile as exc:
        raise Failure(f"reader state import: {where}: {exc}") from None
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise Failure(f"reader state import: cannot read {where}: not UTF-8 text") from None
    except RecursionError:
        raise Failure(f"reader state import: cannot read {where}: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, and integers of more than 4,300 digits
        message = str(exc).split(";")[0]
        raise Failure(
            f"reader state import: cannot read {where}: not valid JSON ({_short(message)})"
        ) from None


def _short(text: str, limit: int = 120) -> str:
    text = sanitize(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cmd_app(args: argparse.Namespace) -> int:
    try:
        roots = resolve_paths(args.paths or _fetched_feeds(args.state))
    except PathError as exc:
        if exc.usage:
            raise UsageError(f"reader: {exc}") from None
        raise Failure(f"reader: {exc}") from None
    from reader.early_load import EarlyLoad

    config = use_config(args.config)
    use_cache = not args.no_cache
    # Cold: the parse starts now, beside Textual's import and first frame.
    early = EarlyLoad.start_if_cold(roots, use_cache=use_cache, settings=config.settings)
    from reader.tui.app import ReaderApp

    app = ReaderApp(
        roots,
        state_path=args.state,
        sort_key=args.sort or config.settings.default_sort,
        reverse=args.reverse,
        use_cache=use_cache,
        settings=config.settings,
        keymap=config.keymap,
        config_problems=config.problems,
        shares=config.shares,
        pipe_command=config.pipe_command,
        early_load=early,
    )
    app.run()
    return app.return_code or 0


def _fetched_feeds(state: str | None) -> list[str]:
    """No path given: the fetched feeds once there are subscriptions, else (empty) the sample."""
    from reader.feeds.subscriptions import has_subscriptions
    from reader.paths import default_feeds_dir, default_state_path

    feeds = default_feeds_dir()
    path = Path(state).expanduser() if state else default_state_path()
    return [str(feeds)] if feeds.is_dir() and has_subscriptions(path) else []


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "list": cmd_list,
    "validate": cmd_validate,
    "check": cmd_check,
    "mark": cmd_mark,
    "read": cmd_read,
    "clusters": cmd_clusters,
    "state": cmd_state,
    "config": cmd_config,
    "keys": cmd_keys,
    "completion": cmd_completion,
}
"""The subcommands defined here; `reader.cli` adds those of its other modules (feeds)."""
