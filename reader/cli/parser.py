"""The command line's words: the subcommands, their options and their types.

A usage error is one line and exit status 2, never a wall of usage text.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, NoReturn

from reader import __version__
from reader.settings import DEFAULTS
from reader.sorting import SORT_KEYS

__all__ = ["SUBCOMMANDS", "UsageError", "build_app_parser", "build_parser", "join_query_values"]

SUBCOMMANDS = (
    "list",
    "validate",
    "check",
    "mark",
    "read",
    "clusters",
    "state",
    "config",
    "keys",
    "completion",
    "feeds",
    "fetch",
)


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


def _add_ids(parser: argparse.ArgumentParser) -> None:
    """Article ids, checked against the collection of `-c PATH` (`reader mark`, `reader read`)."""
    parser.add_argument("ids", nargs="*", metavar="ID")
    parser.add_argument(
        "--collection",
        "-c",
        action="append",
        metavar="PATH",
        help="the collection the ids or --query refer to (default: the bundled sample)",
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
    _add_config(parser)
    subparsers = parser.add_subparsers(dest="command", parser_class=_Parser)

    config_parser = subparsers.add_parser("config", help="print, locate or check the config")
    what = config_parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--default", action="store_true", help="print the default config")
    what.add_argument("--path", action="store_true", help="print where the config is read from")
    what.add_argument("--check", nargs="?", const="", metavar="FILE", help="validate a config")
    keys_parser = subparsers.add_parser("keys", help="the actions and their keys in force")
    keys_parser.add_argument("--format", choices=("text", "json"), default="text", dest="output")
    completion_parser = subparsers.add_parser(
        "completion", help="print a shell completion script (see README: Shell completion)"
    )
    completion_parser.add_argument("shell", choices=("bash", "zsh", "fish"))

    list_parser = subparsers.add_parser("list", help="list articles")
    _add_paths(list_parser)
    list_parser.add_argument("--sort", choices=SORT_KEYS, default=DEFAULTS.default_sort)
    list_parser.add_argument("--reverse", action="store_true", help="flip the order")
    list_parser.add_argument(
        "--format", choices=("table", "json", "csv", "ids"), default="table", dest="output"
    )
    list_parser.add_argument("--limit", type=_non_negative_int, metavar="N")
    list_parser.add_argument("--all", action="store_true", help="include archived articles")
    list_parser.add_argument(
        "--group", action="store_true", help="one row per story (its lead), with its size"
    )
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
    check_parser.add_argument(
        "--concurrency",
        type=_positive_int,
        default=DEFAULTS.link_concurrency,
        metavar="N",
        help=f"requests at once (default {DEFAULTS.link_concurrency}; at most 256)",
    )
    check_parser.add_argument(
        "--per-host", type=_positive_int, default=DEFAULTS.link_per_host, metavar="N"
    )
    check_parser.add_argument(
        "--timeout", type=_positive_float, default=DEFAULTS.link_timeout, metavar="S"
    )
    check_parser.add_argument(
        "--recheck", action="store_true", help="ignore cached results (default: reuse for 24 h)"
    )
    check_parser.add_argument(
        "--max-age",
        type=_positive_float,
        default=DEFAULTS.link_max_age_hours,
        metavar="HOURS",
        help=f"reuse cached results younger than this (default {DEFAULTS.link_max_age_hours:g})",
    )
    _add_query(check_parser)
    _add_state(check_parser)
    _add_cache(check_parser)

    mark_parser = subparsers.add_parser("mark", help="change the triage state of articles")
    _add_ids(mark_parser)
    actions = mark_parser.add_argument_group("actions (at least one)")
    for flag in ("read", "unread", "star", "unstar", "archive", "unarchive"):
        actions.add_argument(f"--{flag}", action="store_true")
    actions.add_argument("--tag", action="append", default=[], metavar="T")
    actions.add_argument("--untag", action="append", default=[], metavar="T")
    _add_query(mark_parser)
    _add_state(mark_parser)
    _add_cache(mark_parser)

    read_parser = subparsers.add_parser(
        "read", help="fetch articles' pages and print their full text (cached)"
    )
    _add_ids(read_parser)
    read_parser.add_argument(
        "--format", choices=("markdown", "text", "json"), default="markdown", dest="output"
    )
    read_parser.add_argument(
        "--refresh", action="store_true", help="fetch again, even when the text is cached"
    )
    read_parser.add_argument(
        "--timeout",
        type=_positive_float,
        default=DEFAULTS.reading_timeout,
        metavar="S",
        help=f"seconds for one page, redirects included (default {DEFAULTS.reading_timeout:g})",
    )
    read_parser.add_argument(
        "--concurrency",
        type=_positive_int,
        default=DEFAULTS.reading_concurrency,
        metavar="N",
        help=f"pages read at once (default {DEFAULTS.reading_concurrency})",
    )
    read_parser.add_argument(
        "--per-host",
        type=_positive_int,
        default=DEFAULTS.reading_per_host,
        metavar="N",
        help=f"pages read at once from one host (default {DEFAULTS.reading_per_host})",
    )
    _add_query(read_parser)
    _add_state(read_parser)
    _add_cache(read_parser)

    clusters_parser = subparsers.add_parser(
        "clusters", help="stories told by several articles (the same story from many outlets)"
    )
    _add_paths(clusters_parser)
    clusters_parser.add_argument(
        "--format", choices=("text", "json"), default="text", dest="output"
    )
    _add_query(clusters_parser)
    _add_state(clusters_parser)
    _add_cache(clusters_parser)

    feeds_parser = subparsers.add_parser("feeds", help="feed subscriptions")
    feeds_sub = feeds_parser.add_subparsers(dest="feeds_command", parser_class=_Parser)
    add_parser = feeds_sub.add_parser("add", help="subscribe to a feed")
    add_parser.add_argument("url", metavar="URL")
    add_parser.add_argument("--name", default="", help="a name (default: the feed's title)")
    add_parser.add_argument("--folder", default="", help="a folder, e.g. News/Tech")
    remove_parser = feeds_sub.add_parser("remove", help="unsubscribe")
    remove_parser.add_argument("url", metavar="URL")
    feeds_list = feeds_sub.add_parser("list", help="the subscriptions")
    feeds_list.add_argument("--format", choices=("text", "json"), default="text", dest="output")
    opml_import = feeds_sub.add_parser("import", help="subscribe to the feeds of an OPML file")
    opml_import.add_argument("file", metavar="FILE")
    opml_export = feeds_sub.add_parser("export", help="the subscriptions as OPML 2.0")
    for sub in (add_parser, remove_parser, feeds_list, opml_import, opml_export):
        _add_state(sub)

    fetch_parser = subparsers.add_parser("fetch", help="fetch feeds into article files")
    fetch_parser.add_argument("urls", nargs="*", metavar="URL", help="default: every subscription")
    fetch_parser.add_argument(
        "--into", metavar="DIR", help="where the files go (default: feeds/ in the user data dir)"
    )
    fetch_parser.add_argument("--format", choices=("text", "json"), default="text", dest="output")
    fetch_parser.add_argument(
        "--concurrency",
        type=_positive_int,
        metavar="N",
        help=f"feeds at once (default: [feeds] feed_concurrency, {DEFAULTS.feed_concurrency})",
    )
    fetch_parser.add_argument(
        "--timeout",
        type=_positive_float,
        metavar="S",
        help=f"seconds for one feed (default: [feeds] feed_timeout, {DEFAULTS.feed_timeout:g})",
    )
    _add_state(fetch_parser)

    state_parser = subparsers.add_parser("state", help="export or import the triage state")
    state_sub = state_parser.add_subparsers(dest="state_command", parser_class=_Parser)
    export_parser = state_sub.add_parser("export", help="write the state as JSON")
    export_parser.add_argument("file", nargs="?", metavar="FILE", help="default: standard output")
    _add_state(export_parser)
    import_parser = state_sub.add_parser("import", help="merge a JSON export into the state")
    import_parser.add_argument("file", metavar="FILE")
    _add_state(import_parser)
    return parser


def _add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="config file (TOML; default: $READER_CONFIG or the user config dir)",
    )


def build_app_parser() -> _Parser:
    parser = _Parser(
        prog="reader",
        description="Open the app on PATH (default: the bundled sample collection). "
        f"Subcommands: {', '.join(SUBCOMMANDS)} (see 'reader SUBCOMMAND --help').",
    )
    parser.add_argument("--version", action="version", version=f"reader {__version__}")
    _add_paths(parser)
    _add_state(parser)
    _add_config(parser)
    parser.add_argument("--sort", choices=SORT_KEYS, default=None, help="initial sort key")
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


def join_query_values(argv: list[str]) -> list[str]:
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
