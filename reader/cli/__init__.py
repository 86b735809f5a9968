"""The command line: `reader [PATH...]` opens the app; subcommands work headless.

`parser` holds the words (subcommands, options, types), `commands` one function per command,
`output` what they print. Nothing here imports Textual (or httpx) until a command needs it, so
`reader list` starts fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from reader.cli.commands import (
    COMMANDS,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Failure,
    cmd_app,
    use_config,
)
from reader.cli.feed_commands import FEED_COMMANDS
from reader.cli.parser import (
    SUBCOMMANDS,
    UsageError,
    build_app_parser,
    build_parser,
    join_query_values,
)
from reader.store import StoreError
from reader.text import sanitize

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    argv = join_query_values(list(sys.argv[1:] if argv is None else argv))
    try:
        if argv and (argv[0] in SUBCOMMANDS or argv[0].startswith("--config")):
            if argv[0].startswith("--config") and not any(a in SUBCOMMANDS for a in argv):
                return cmd_app(build_app_parser().parse_args(argv))
            args = build_parser().parse_args(argv)
            use_config(args.config)
            return {**COMMANDS, **FEED_COMMANDS}[args.command](args)
        return cmd_app(build_app_parser().parse_args(argv))
    except UsageError as exc:
        print(sanitize(str(exc)), file=sys.stderr)
        return EXIT_USAGE
    except Failure as exc:
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
