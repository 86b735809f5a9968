"""The command line: `reader [PATH...]` opens the app; subcommands work headless.

Nothing here imports Textual at module level, so `reader list` starts fast; the app is imported
only when it is opened.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import stat
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from reader import __version__
from reader.model import Collection, TriageState
from reader.sorting import SORT_KEYS
from reader.store import StoreError
from reader.text import dump_json, escape_path, preview, sanitize

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

SUBCOMMANDS = ("list", "validate", "check", "mark", "state")


class UsageError(Exception):
    """A mistake on the command line: one line to stderr, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit 2, never a wall of usage text."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def _add_paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="article folders or files (default: the bundled sample collection)",
    )


def _add_state(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--state",
        metavar="FILE",
        help="state file (SQLite; default: $READER_STATE or the user data dir)",
    )


def _add_cache(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-cache", action="store_true", help="parse every file, bypassing the parse cache"
    )


def _add_query(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--query", "-q", metavar="Q", help="only articles matching the query")


def build_parser() -> _Parser:
    parser = _Parser(
        prog="reader",
        description="A keyboard-driven terminal news reader. "
        "Without a subcommand, opens the app on PATH (default: the bundled sample).",
    )
    parser.add_argument("--version", action="version", version=f"reader {__version__}")
    subparsers = parser.add_subparsers(dest="command", parser_class=_Parser)

    list_parser = subparsers.add_parser("list", help="list articles")
    _add_paths(list_parser)
    list_parser.add_argument("--sort", choices=SORT_KEYS, default="date")
    list_parser.add_argument("--reverse", action="store_true", help="flip the order")
    list_parser.add_argument(
        "--format", choices=("table", "json", "csv", "ids"), default="table", dest="output"
    )
    list_parser.add_argument("--limit", type=_non_negative_int, metavar="N")
    list_parser.add_argument("--all", action="store_true", help="include archived articles")
    _add_query(list_parser)
    _add_state(list_parser)
    _add_cache(list_parser)

    validate_parser = subparsers.add_parser("validate", help="report files that cannot be read")
    _add_paths(validate_parser)
    validate_parser.add_argument(
        "--format", choices=("text", "json"), default="text", dest="output"
    )

    check_parser = subparsers.add_parser("check", help="check every URL of every article")
    _add_paths(check_parser)
    check_parser.add_argument("--format", choices=("text", "json"), default="text", dest="output")
    check_parser.add_argument("--concurrency", type=_positive_int, default=32, metavar="N")
    check_parser.add_argument("--per-host", type=_positive_int, default=4, metavar="N")
    check_parser.add_argument("--timeout", type=_positive_float, default=10.0, metavar="S")
    check_parser.add_argument(
        "--recheck", action="store_true", help="ignore cached results (default: reuse for 24 h)"
    )
    check_parser.add_argument(
        "--max-age",
        type=_positive_float,
        default=24.0,
        metavar="HOURS",
        help="reuse cached results younger than this (default 24)",
    )
    _add_query(check_parser)
    _add_state(check_parser)
    _add_cache(check_parser)

    mark_parser = subparsers.add_parser("mark", help="change the triage state of articles")
    mark_parser.add_argument("ids", nargs="*", metavar="ID")
    mark_parser.add_argument(
        "--collection",
        "-c",
        action="append",
        metavar="PATH",
        help="the collection the ids or --query refer to (default: the bundled sample)",
    )
    actions = mark_parser.add_argument_group("actions (at least one)")
    for flag in ("read", "unread", "star", "unstar", "archive", "unarchive"):
        actions.add_argument(f"--{flag}", action="store_true")
    actions.add_argument("--tag", action="append", default=[], metavar="T")
    actions.add_argument("--untag", action="append", default=[], metavar="T")
    _add_query(mark_parser)
    _add_state(mark_parser)
    _add_cache(mark_parser)

    state_parser = subparsers.add_parser("state", help="export or import the triage state")
    state_sub = state_parser.add_subparsers(dest="state_command", parser_class=_Parser)
    export_parser = state_sub.add_parser("export", help="write the state as JSON")
    export_parser.add_argument("file", nargs="?", metavar="FILE", help="default: standard output")
    _add_state(export_parser)
    import_parser = state_sub.add_parser("import", help="merge a JSON export into the state")
    import_parser.add_argument("file", metavar="FILE")
    _add_state(import_parser)
    return parser


def build_app_parser() -> _Parser:
    parser = _Parser(
        prog="reader",
        description="Open the app on PATH (default: the bundled sample collection). "
        f"Subcommands: {', '.join(SUBCOMMANDS)} (see 'reader SUBCOMMAND --help').",
    )
    parser.add_argument("--version", action="version", version=f"reader {__version__}")
    _add_paths(parser)
    _add_state(parser)
    parser.add_argument("--sort", choices=SORT_KEYS, default="date", help="initial sort key")
    parser.add_argument("--reverse", action="store_true", help="initial order reversed")
    _add_cache(parser)
    return parser


def _number(convert: Callable[[str], Any], what: str, minimum: float, *, strict: bool) -> Any:
    """An argparse type: `convert` the text, refusing values below (or at, when `strict`)
    `minimum`, with a message that says what was expected."""

    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not {what}: {text!r}") from None
        if not (value > minimum if strict else value >= minimum):  # NaN fails both
            bound = f"more than {minimum:g}" if strict else f"at least {minimum:g}"
            raise argparse.ArgumentTypeError(f"must be {bound}: {text!r}")
        return value

    return parse


_positive_int = _number(int, "a whole number", 1, strict=False)
_non_negative_int = _number(int, "a whole number", 0, strict=False)
_positive_float = _number(float, "a number", 0, strict=True)


# ---------------------------------------------------------------------------------------------
# Shared steps


def resolve_paths(paths: Sequence[str] | None) -> list[str]:
    """The folders to load: as given (each must be a folder or a regular file), or the sample."""
    if not paths:
        from reader.paths import sample_feed_dir

        return [str(sample_feed_dir())]
    for path in paths:
        try:
            mode = os.stat(path).st_mode
        except OSError:
            raise UsageError(f"reader: no such file or folder: {escape_path(path)}") from None
        if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
            from reader.loader import file_kind

            raise _Failure(f"reader: not a file or folder: {escape_path(path)} ({file_kind(mode)})")
    return list(paths)


def load(paths: Sequence[str] | None, *, use_cache: bool = True, slim: bool = False) -> Collection:
    """Load the collection, through the parse cache unless told not to.

    `slim`: keep articles without body, related and extra fields (the app reads them back from
    the file when it shows one), to hold 100,000 articles in a few hundred MB.
    """
    from reader.cache import load_collection_cached

    return load_collection_cached(resolve_paths(paths), slim=slim, use_cache=use_cache)


STATE_BUSY_TIMEOUT_MS = 5000
STATE_RETRY_SECONDS = 10.0
"""How long a command keeps asking for a state file that another process holds (after SQLite's
own busy timeout, `STATE_BUSY_TIMEOUT_MS`) before it gives up with one line."""


def open_store(state: str | None) -> Any:
    from reader.paths import default_state_path
    from reader.store import Store, StoreError

    path = Path(state).expanduser() if state else default_state_path()
    try:
        store = Store.open(
            path, busy_timeout_ms=STATE_BUSY_TIMEOUT_MS, retry_seconds=STATE_RETRY_SECONDS
        )
    except StoreError as exc:
        raise _Failure(str(exc)) from None
    if store.notice:
        print(sanitize(f"reader: {store.notice}"), file=sys.stderr)
    return store


class _Failure(Exception):
    """A problem outside the command line (state file, network): one line, exit 1."""


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


def select(
    collection: Collection,
    states: dict[str, TriageState],
    query_text: str | None,
    *,
    include_archived: bool,
    link_status: dict[str, str] | None = None,
) -> list[int]:
    """Indexes of the articles that the query (and the archived rule) lets through."""
    query = parse_query_or_exit(query_text)
    indices = list(range(len(collection.articles)))
    if query is not None:
        from reader.query import QueryContext, QueryIndex

        index = QueryIndex(collection.articles)
        context = QueryContext(states=states, link_status=link_status or {})
        indices = index.select(query, context)
    if not include_archived and not asks_for_archived(query):
        indices = [
            i for i in indices if not states.get(collection.articles[i].id, TriageState()).archived
        ]
    return indices


def link_status_by_article(collection: Collection, store: Any) -> dict[str, str]:
    """article id -> "alive" | "broken" from cached link checks (absent: unchecked)."""
    from reader.check import summarize

    results = store.link_results(None, max_age=None)
    return summarize(collection.articles, results)


# ---------------------------------------------------------------------------------------------
# Commands


def cmd_list(args: argparse.Namespace) -> int:
    from reader.output import article_json, articles_csv, articles_table
    from reader.query import uses_links
    from reader.sorting import sort_indices

    query = parse_query_or_exit(args.query)
    collection = load(args.paths, use_cache=not args.no_cache)
    store = open_store(args.state)
    try:
        states = store.states()
        link_status = (
            link_status_by_article(collection, store)
            if query is not None and uses_links(query)
            else {}
        )
    finally:
        store.close()
    indices = select(
        collection, states, args.query, include_archived=args.all, link_status=link_status
    )
    order = sort_indices(collection.articles, args.sort, reverse=args.reverse, within=indices)
    if args.limit is not None:
        order = order[: args.limit]
    articles = [collection.articles[i] for i in order]
    out = sys.stdout
    if args.output == "json":
        payload = [article_json(a, states.get(a.id)) for a in articles]
        out.write(dump_json(payload) + "\n")
    elif args.output == "csv":
        out.write(articles_csv(articles, states))
    elif args.output == "ids":
        out.write("".join(f"{a.id}\n" for a in articles))
    else:
        width = shutil.get_terminal_size((100, 24)).columns
        out.write(articles_table(articles, width=width, states=states))
    errors = collection.errors
    if errors and args.output == "table":
        print(
            f"reader: {len(errors)} file(s) could not be read; see 'reader validate'",
            file=sys.stderr,
        )
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from reader.output import problem_json

    collection = load(args.paths, use_cache=False)  # every file parsed (over the pool if many)
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


def cmd_check(args: argparse.Namespace) -> int:
    from reader.check import run_check

    collection = load(args.paths, use_cache=not args.no_cache)
    store = open_store(args.state)
    try:
        states = store.states()
        indices = select(collection, states, args.query, include_archived=True)
        articles = [collection.articles[i] for i in indices]
        return run_check(
            articles,
            store,
            output=args.output,
            concurrency=args.concurrency,
            per_host=args.per_host,
            timeout=args.timeout,
            recheck=args.recheck,
            max_age_hours=args.max_age,
        )
    finally:
        store.close()


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
    parse_query_or_exit(args.query)
    collection = load(args.collection, use_cache=not args.no_cache)
    known = {article.id for article in collection.articles}
    unknown = [i for i in args.ids if i not in known]
    store = open_store(args.state)
    try:
        ids = [i for i in args.ids if i in known]
        if args.query:
            states = store.states()
            indices = select(collection, states, args.query, include_archived=True)
            ids += [collection.articles[i].id for i in indices if collection.articles[i].id]
        ids = list(dict.fromkeys(ids))
        if ids:
            _mark(store, ids, wanted, args.tag, args.untag)
    finally:
        store.close()
    print(f"marked {len(ids)} article(s)", file=sys.stderr)
    for article_id in unknown:
        print(f"reader mark: unknown article id: {preview(article_id)}", file=sys.stderr)
    return EXIT_FAILED if unknown else EXIT_OK


def _mark(
    store: Any, ids: list[str], wanted: list[str], tags: list[str], untags: list[str]
) -> None:
    """Apply each change (one committed step each); a change that cannot be saved is one line
    naming it and what was saved before it."""
    from reader.store import StoreError

    steps: list[tuple[str, Callable[[], Any]]] = []
    methods = (("read", "set_read"), ("star", "set_starred"), ("archive", "set_archived"))
    for flag, method in methods:
        for value, word in ((True, flag), (False, "un" + flag)):
            if word in wanted:
                steps.append((word, lambda m=method, v=value: getattr(store, m)(ids, v)))
    steps += [(f"tag {t}", lambda t=t: store.add_tag(ids, t)) for t in tags]
    steps += [(f"untag {t}", lambda t=t: store.remove_tag(ids, t)) for t in untags]
    done: list[str] = []
    for label, step in steps:
        try:
            step()
        except StoreError as exc:
            saved = f" (saved: {', '.join(done)})" if done else ""
            raise _Failure(
                f"reader mark: {exc.reason}; not saved: {label} for {len(ids)} article(s){saved}"
            ) from None
        done.append(label)


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
                    raise _Failure(
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
            raise _Failure(f"reader state import: {exc}") from None
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
        raise _Failure(f"reader state import: {where}: {exc}") from None
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise _Failure(f"reader state import: cannot read {where}: not UTF-8 text") from None
    except RecursionError:
        raise _Failure(f"reader state import: cannot read {where}: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, and integers of more than 4,300 digits
        message = str(exc).split(";")[0]
        raise _Failure(
            f"reader state import: cannot read {where}: not valid JSON ({_short(message)})"
        ) from None


def _short(text: str, limit: int = 120) -> str:
    text = sanitize(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cmd_app(args: argparse.Namespace) -> int:
    roots = resolve_paths(args.paths)
    from reader.tui.app import ReaderApp

    app = ReaderApp(
        roots,
        state_path=args.state,
        sort_key=args.sort,
        reverse=args.reverse,
        use_cache=not args.no_cache,
    )
    app.run()
    return app.return_code or 0


_COMMANDS = {
    "list": cmd_list,
    "validate": cmd_validate,
    "check": cmd_check,
    "mark": cmd_mark,
    "state": cmd_state,
}


def _join_query_values(argv: list[str]) -> list[str]:
    """`--query -topic:AI`: a query may start with `-` (negation); argparse would take it for an
    option, so glue the value on (`--query=-topic:AI`)."""
    joined: list[str] = []
    position = 0
    while position < len(argv):
        arg = argv[position]
        if arg in ("--query", "-q") and position + 1 < len(argv):
            joined.append(f"--query={argv[position + 1]}")
            position += 2
            continue
        joined.append(arg)
        position += 1
    return joined


def main(argv: Sequence[str] | None = None) -> int:
    argv = _join_query_values(list(sys.argv[1:] if argv is None else argv))
    try:
        if argv and argv[0] in SUBCOMMANDS:
            args = build_parser().parse_args(argv)
            return _COMMANDS[args.command](args)
        return cmd_app(build_app_parser().parse_args(argv))
    except UsageError as exc:
        print(sanitize(str(exc)), file=sys.stderr)
        return EXIT_USAGE
    except _Failure as exc:
        print(sanitize(str(exc)), file=sys.stderr)
        return EXIT_FAILED
    except StoreError as exc:  # a state file that failed mid-command (busy, full disk)
        print(sanitize(f"reader: {exc}"), file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `reader list | head`: the reader went away; that is not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
