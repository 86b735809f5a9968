"""Share targets and the pipe: a configured command run on an article, never through a shell.

A command is a list of arguments (`["open", "{url}"]`), run as is: placeholders are filled inside
each argument in one pass, so an article's title (data, possibly hostile) stays one argument and
is never read as shell syntax, split into words, or expanded again. What the command prints comes
back as one short, sanitized text for a notification.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO

from reader.text import sanitize

__all__ = [
    "PLACEHOLDERS",
    "CommandResult",
    "ShareTarget",
    "expand_command",
    "run_command",
    "unknown_placeholders",
]

PLACEHOLDERS = ("url", "title", "id", "path")

MAX_OUTPUT = 64 * 1024
"""Bytes kept of each of a command's streams (a notification shows a few lines of them)."""

SUMMARY_LINES = 6

_PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True, slots=True)
class ShareTarget:
    """One `[[share]]` entry: a name for messages, a key, and the command with placeholders."""

    name: str
    key: str
    command: tuple[str, ...]


def expand_command(command: Sequence[str], values: Mapping[str, str]) -> list[str]:
    """The arguments with `{url}`, `{title}`, `{id}` and `{path}` filled in.

    One regex pass per argument, so a value that itself contains `{id}` is not expanded again;
    an unknown `{x}` stays as written. One argument in, one argument out: nothing is split,
    joined or quoted, because nothing goes through a shell.
    """

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in PLACEHOLDERS and name in values:
            return values[name]
        return match.group()

    return [_PLACEHOLDER_RE.sub(fill, arg) for arg in command]


def unknown_placeholders(command: Sequence[str]) -> list[str]:
    """Names written as `{name}` that are not placeholders (once each, in order): most likely a
    typo in the config, which would otherwise reach the command literally."""
    unknown: list[str] = []
    for arg in command:
        for name in _PLACEHOLDER_RE.findall(arg):
            if name not in PLACEHOLDERS and name not in unknown:
                unknown.append(name)
    return unknown


@dataclass(slots=True)
class CommandResult:
    """What running a command gave: its exit status and output, or why it could not run."""

    argv: list[str]
    returncode: int | None
    stdout: str
    stderr: str
    error: str | None = None
    """Set when the command could not run or was stopped (not found, timed out, ...)."""

    @property
    def ok(self) -> bool:
        """It ran and exited 0."""
        return self.error is None and self.returncode == 0

    def summary(self, name: str, limit: int = 400) -> str:
        """One notification's text: how it went, then the first lines of what it said.

        Success shows stdout (else stderr), failure stderr (else stdout); at most `limit`
        characters and a few lines of it, with `…` when cut. All of it is sanitized, since a
        command's output is as untrusted as the article it was given.
        """
        if self.error is not None:
            return sanitize(f"{name}: {self.error}")
        if self.ok:
            head, first, second = f"{name}: done", self.stdout, self.stderr
        else:
            head, first, second = f"{name}: exit {self.returncode}", self.stderr, self.stdout
        body = _trim(first, limit) or _trim(second, limit)
        return f"{sanitize(head)}\n{body}" if body else sanitize(head)


def _trim(text: str, limit: int) -> str:
    """At most `limit` characters and `SUMMARY_LINES` non-blank lines of `text`, sanitized line
    by line (escape sequences go whole first, so none is cut in two and leaves debris)."""
    lines = [sanitize(line).rstrip() for line in sanitize(text, keep_newlines=True).split("\n")]
    lines = [line for line in lines if line.strip()]
    cut = len(lines) > SUMMARY_LINES
    body = "\n".join(lines[:SUMMARY_LINES])
    if len(body) > limit:
        body, cut = body[: max(limit - 1, 0)].rstrip(), True
    return body + "…" if cut else body


def _decode(data: bytes | str | None) -> str:
    if data is None:
        return ""
    if isinstance(data, str):
        return data[:MAX_OUTPUT]
    return data[:MAX_OUTPUT].decode("utf-8", errors="replace")


def run_command(
    argv: Sequence[str],
    *,
    stdin: str | None = None,
    timeout: float = 30.0,
    cwd: str | os.PathLike[str] | None = None,
) -> CommandResult:
    """Run `argv` without a shell, `stdin` (UTF-8) as its input, and wait at most `timeout`
    seconds. Never raises for a command that cannot run: the reason is in `error`.

    Output goes to temporary files, not pipes: a launcher (`xdg-open`, `open`) whose browser
    keeps the inherited descriptors would hold a pipe open, and the wait would last until the
    browser quits. Only the command itself is waited for."""
    args = list(argv)
    if not args:
        return CommandResult(args, None, "", "", "no command")
    with (
        tempfile.TemporaryFile() as given,
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
    ):
        if stdin is not None:
            given.write(stdin.encode("utf-8", errors="replace"))
            given.seek(0)
        try:
            process = subprocess.Popen(
                args,
                shell=False,
                stdin=given if stdin is not None else subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                cwd=cwd,
                start_new_session=True,  # the app's terminal signals are not the command's
            )
        except FileNotFoundError as exc:
            missing = exc.filename if exc.filename not in (None, args[0]) else None
            reason = (
                f"no such folder {os.fsdecode(missing)!r}" if missing is not None else "not found"
            )
            return CommandResult(args, None, "", "", f"cannot run {args[0]!r}: {reason}")
        except (OSError, ValueError) as exc:  # permission denied, not executable, NUL in an arg
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            return CommandResult(args, None, "", "", f"cannot run {args[0]!r}: {reason}")
        error = None
        try:
            returncode: int | None = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            returncode, error = None, f"timed out after {timeout:g} s"
        return CommandResult(args, returncode, _read(out), _read(err), error)


def _read(file: IO[bytes]) -> str:
    file.seek(0)
    return _decode(file.read(MAX_OUTPUT))
