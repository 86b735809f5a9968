"""`reader completion SHELL`: the shell completion script, generated from the parser itself.

Generated (by shtab) rather than written by hand, so a new subcommand or option is completed
the day it is added. shtab is imported only here, when a script is asked for: the other
headless commands stay quick to start.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator

__all__ = ["SHELLS", "completion_script"]

SHELLS = ("bash", "zsh", "fish")

_FILE_METAVARS = frozenset({"PATH", "FILE"})
_DIR_METAVARS = frozenset({"DIR", "FOLDER"})
_FILE_DESTS = frozenset({"paths", "file", "state", "config", "collection", "check"})
"""Arguments that name a file or folder (`reader list PATH`, `--state FILE`, `-c PATH`, ...)."""


def completion_script(shell: str, parser: argparse.ArgumentParser | None = None) -> str:
    """The completion script for `shell` (one of `SHELLS`), for `parser` (default: the CLI's).

    Arguments that take a file or folder complete as paths; choices complete as their values.
    """
    if shell not in SHELLS:
        raise ValueError(f"unknown shell {shell!r} (expected one of: {', '.join(SHELLS)})")
    import shtab

    if parser is None:
        from reader.cli.parser import build_parser

        parser = build_parser()
    for action in _actions(parser):
        if getattr(action, "complete", None) is not None or action.choices is not None:
            continue  # already told how to complete, or completes as its choices
        metavar = action.metavar if isinstance(action.metavar, str) else None
        if metavar in _DIR_METAVARS:
            action.complete = shtab.DIRECTORY  # type: ignore[attr-defined]
        elif metavar in _FILE_METAVARS or action.dest in _FILE_DESTS:
            action.complete = shtab.FILE  # type: ignore[attr-defined]
    return shtab.complete(parser, shell=shell)


def _actions(parser: argparse.ArgumentParser) -> Iterator[argparse.Action]:
    """Every action of `parser` and of its subcommands' parsers, at any depth (each once)."""
    seen: set[int] = set()
    pending = [parser]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction):
                pending.extend(action.choices.values())
            elif action.nargs != 0:  # flags (store_true, help, version) take no value
                yield action
