"""`reader feeds ...` (subscriptions) and `reader fetch` (feeds into article files)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reader.cli.commands import EXIT_FAILED, EXIT_OK, Failure, current_settings, open_store
from reader.cli.parser import UsageError
from reader.text import dump_json, escape_path, sanitize

__all__ = ["FEED_COMMANDS", "cmd_feeds", "cmd_fetch"]


def cmd_feeds(args: argparse.Namespace) -> int:
    command = args.feeds_command
    if command is None:
        raise UsageError("reader feeds: say add, remove, list, import or export")
    if command == "add":
        from reader.feeds.subscriptions import check_feed_url

        if problem := check_feed_url(args.url):
            raise UsageError(f"reader feeds add: {problem}")
    text = _read_opml(args.file) if command == "import" else b""
    from reader.feeds.subscriptions import Subscriptions

    store = open_store(args.state)
    try:
        feeds = Subscriptions(store)
        if command == "add":
            added = feeds.add(args.url, name=args.name, folder=args.folder)
            said = "subscribed to" if added else "already subscribed to"
            print(sanitize(f"{said} {args.url}"), file=sys.stderr)
            return EXIT_OK
        if command == "remove":
            if not feeds.remove(args.url):
                raise Failure(sanitize(f"reader feeds remove: not subscribed: {args.url}"))
            print(sanitize(f"unsubscribed from {args.url}"), file=sys.stderr)
            return EXIT_OK
        if command == "list":
            return _list(feeds, args.output)
        if command == "export":
            from reader.feeds.opml import export_opml

            sys.stdout.write(export_opml(feeds.all()))
            return EXIT_OK
        return _import(feeds, text, args.file)
    finally:
        store.close()


def _list(feeds: object, output: str) -> int:
    from reader.feeds.subscriptions import Subscriptions
    from reader.model import iso_utc

    assert isinstance(feeds, Subscriptions)
    subscriptions = feeds.all()
    if output == "json":
        rows = [
            {
                "url": s.url,
                "name": s.name,
                "folder": s.folder,
                "last_fetched": iso_utc(s.last_fetched),
                "last_status": s.last_status,
                "error": s.error,
            }
            for s in subscriptions
        ]
        print(dump_json(rows))
        return EXIT_OK
    for s in subscriptions:
        status = s.last_status or "never fetched"
        if s.error:
            status = f"{status}: {s.error}"
        where = f"{s.folder}/" if s.folder else ""
        print(sanitize(f"{s.url}  {where}{s.name or '(no name yet)'}  [{status}]"))
    return EXIT_OK


def _read_opml(file: str) -> bytes:
    try:
        with open(file, "rb") as handle:
            return handle.read(20 * 1024 * 1024 + 1)
    except OSError as exc:
        raise Failure(
            f"reader feeds import: cannot read {escape_path(file)}: {exc.strerror or exc}"
        ) from None


def _import(feeds: object, text: bytes, file: str) -> int:
    from reader.feeds.opml import parse_opml
    from reader.feeds.subscriptions import Subscriptions

    assert isinstance(feeds, Subscriptions)
    if len(text) > 20 * 1024 * 1024:
        raise Failure(f"reader feeds import: {escape_path(file)} is larger than 20 MB")
    result = parse_opml(text)
    for problem in result.problems:
        print(sanitize(f"{escape_path(file)}: {problem}"), file=sys.stderr)
    added = skipped = 0
    for feed in result.feeds:
        try:
            if feeds.add(feed.url, name=feed.name, folder=feed.folder):
                added += 1
            else:
                skipped += 1
        except ValueError as exc:
            print(sanitize(f"{escape_path(file)}: {exc}"), file=sys.stderr)
    print(f"subscribed to {added} feed(s), {skipped} already there", file=sys.stderr)
    return EXIT_OK if result.feeds or not result.problems else EXIT_FAILED


def cmd_fetch(args: argparse.Namespace) -> int:
    from reader.feeds.service import FetchOptions, fetch_into
    from reader.feeds.subscriptions import Subscriptions, check_feed_url
    from reader.paths import default_feeds_dir

    for url in args.urls:
        if problem := check_feed_url(url):
            raise UsageError(f"reader fetch: {problem}")
    into = Path(args.into).expanduser() if args.into else default_feeds_dir()
    if into.exists() and not into.is_dir():
        raise UsageError(f"reader fetch: --into {escape_path(str(into))} is not a folder")
    store = open_store(args.state)
    try:
        total = len(args.urls) or len(Subscriptions(store))
        if not total:
            print(
                "reader fetch: no subscriptions (reader feeds add URL, or reader feeds import)",
                file=sys.stderr,
            )
            if args.output == "json":
                print("[]")
            return EXIT_OK
        from reader.cli.output import Progress

        progress = Progress(total, sys.stderr, verb="fetching", noun="feeds", failed="failed")
        reports = fetch_into(
            store,
            into,
            args.urls,
            options=FetchOptions.from_settings(
                current_settings(), concurrency=args.concurrency, timeout=args.timeout
            ),
            fetched=lambda result: progress.advance(ok=result.status != "error"),
        )
        progress.finish()
    finally:
        store.close()
    if args.output == "json":
        print(dump_json([report.to_json() for report in reports]))
    else:
        for report in reports:
            print(sanitize(_report_line(report)))
    return EXIT_FAILED if any(r.status == "error" for r in reports) else EXIT_OK


def _report_line(report: object) -> str:
    from reader.feeds.service import FeedReport

    assert isinstance(report, FeedReport)
    if report.status == "error":
        return f"{report.url}: error: {report.error}"
    if report.status == "not_modified":
        return f"{report.url}: unchanged (not modified)"
    if not report.new and not report.updated:
        return f"{report.url}: unchanged"
    return f"{report.url}: {report.new} new, {report.updated} updated"


FEED_COMMANDS = {"feeds": cmd_feeds, "fetch": cmd_fetch}
