"""The config file (issue 15): TOML at the user config dir, `--config FILE` or `$READER_CONFIG`.

No file: the defaults, exactly today's behaviour. A broken part falls back to its default and
is one problem `FILE:LINE: message`; `reader config --check` prints them, the app notifies.
Each `Settings` field has one home table (`[links]`, `[reading]` or `[settings]`), so a value
is never set in two places.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shlex
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reader import settings as _settings
from reader.action_table import ACTION_IDS, ACTIONS, Action, keys_in_force
from reader.paths import APP_NAME
from reader.settings import DEFAULTS, Settings
from reader.share import ShareTarget, unknown_placeholders

__all__ = ["SECTIONS", "Config", "config_path", "default_config_text", "load_config"]

_SETTINGS_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}

_LINKS = (
    "check_on_show",
    "link_max_age_hours",
    "link_concurrency",
    "link_per_host",
    "link_timeout",
    "max_redirects",
    "retry_after_cap",
    "auto_check_delay",
)
_READING = (
    "mark_read",
    "mark_read_delay",
    "open_marks_read_and_advances",
    "reading_by_default",
    "reading_timeout",
    "reading_concurrency",
    "reading_per_host",
)
_FEEDS = ("feed_concurrency", "feed_per_host", "feed_timeout")
SECTIONS: dict[str, tuple[str, ...]] = {
    "settings": tuple(
        n for n in _SETTINGS_FIELDS if n not in _LINKS and n not in _READING and n not in _FEEDS
    ),
    "links": _LINKS,
    "reading": _READING,
    "feeds": _FEEDS,
}
"""The table each `Settings` field is set in."""
_HOME = {name: section for section, names in SECTIONS.items() for name in names}

_COMMENTS = {
    "check_on_show": "showing an article checks its stale links (false: only c, C and o)",
    "link_max_age_hours": "link results younger than this are reused",
    "link_timeout": "seconds for one request",
    "auto_check_delay": "seconds the cursor rests on an article before its links are checked",
    "mark_read": '"never" (Enter, r, R, A, o do), "open" (also v, Tab) or "select" (a rest)',
    "mark_read_delay": 'seconds the cursor rests on an article before "select" marks it read',
    "open_marks_read_and_advances": "o and a also mark read and move to the next unread",
    "reading_by_default": "the detail pane opens in reading mode (the page's full text)",
    "default_view": "inbox, unread, starred, archived or all",
    "theme": 'a theme name ("" : the one last chosen in the app)',
    "confirm_mark_all": "R or A on more unread articles than this asks first",
    "story_triage": "in grouped mode, triage applies to the whole story",
    "poll_seconds": "how often the app looks for other processes' changes",
    "feed_concurrency": "feeds fetched at once (reader fetch --concurrency, F in the app)",
    "feed_per_host": "feeds of one host fetched at once",
    "feed_timeout": "seconds for one feed, redirects included (reader fetch --timeout)",
}

_SCOPES = {"app": "screen", "main": "screen", "list": "pane", "detail": "pane", "sidebar": "pane"}
"""Which bindings can hide each other: the screen's and the app's share keys with each other and
with the focused pane (the pane's binding wins); two panes or the search bar never meet."""


@dataclass(slots=True)
class Config:
    path: Path
    settings: Settings = DEFAULTS
    keymap: dict[str, str] = field(default_factory=dict)
    """Action id -> comma-separated keys, replacing that action's default keys."""
    shares: list[ShareTarget] = field(default_factory=list)
    pipe_command: tuple[str, ...] = ()
    problems: list[str] = field(default_factory=list)
    """One `FILE:LINE: message` each."""


def config_path(override: str | os.PathLike[str] | None = None) -> Path:
    """`--config FILE`, else `$READER_CONFIG`, else `config.toml` in the user config dir."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get("READER_CONFIG")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False) / "config.toml"


class _Lines:
    """Line numbers for keys, found by scanning the text (tomllib does not report them)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def of(self, key: str, section: str | None, nth: int = 0) -> int:
        """The line setting `key` in `[section]` (the `nth` `[[section]]`), else the header's."""
        current: str | None = None
        header_line = 1
        seen = -1
        name = re.escape(key)
        pattern = re.compile(rf"""^\s*(?:"{name}"|'{name}'|{name})\s*=""")
        for number, line in enumerate(self.lines, 1):
            header = re.match(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?", line)
            if header:
                current = header.group(1).strip().strip("\"'")
                if current == section:
                    seen += 1
                    if seen == nth:
                        header_line = number
                if section is None and current == key:
                    return number
                continue
            if current == section and seen == nth and pattern.match(line):
                return number
        return header_line


def _check_setting(name: str, value: Any) -> str | None:
    default = getattr(DEFAULTS, name)
    if isinstance(default, bool):
        return None if isinstance(value, bool) else "expected true or false"
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            return "expected a whole number"
        return None if value >= 0 else "must be at least 0"
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "expected a number"
        return None if value > 0 else "must be more than 0"
    if not isinstance(value, str):
        return "expected a string"
    choices = _choices(name)
    if choices is not None and value not in choices:
        return f"expected one of {', '.join(choices)}"
    return None


def _choices(name: str) -> tuple[str, ...] | None:
    if name == "default_sort":
        from reader.sorting import SORT_KEYS

        return tuple(SORT_KEYS)
    if name == "default_view":
        from reader.views import VIEWS

        return tuple(VIEWS)
    if name == "mark_read":
        return ("never", "open", "select")
    return None


def _keys(value: Any) -> list[str] | None:
    if isinstance(value, str) and value.strip():
        return [value.strip()]
    if isinstance(value, list) and value and all(isinstance(k, str) and k.strip() for k in value):
        return [k.strip() for k in value]
    return None


def _command(value: Any) -> tuple[str, ...] | None:
    """A list of arguments, or a string split like a shell would (no shell ever runs it)."""
    if isinstance(value, str):
        try:
            parts = shlex.split(value)
        except ValueError:
            return None
        return tuple(parts) or None
    if isinstance(value, list) and value and all(isinstance(a, str) for a in value):
        return tuple(value) if value[0] else None
    return None


class _Reader:
    def __init__(self, where: Path, text: str, config: Config) -> None:
        self.where = where
        self.lines = _Lines(text)
        self.config = config
        self.changes: dict[str, Any] = {}

    def problem(self, key: str, section: str | None, message: str, nth: int = 0) -> None:
        line = self.lines.of(key, section, nth)
        self.config.problems.append(f"{self.where}:{line}: {message}")

    def read(self, data: Mapping[str, Any]) -> None:
        for section, table in data.items():
            if section == "share":
                self.shares(table)
                continue
            if section not in (*SECTIONS, "keys", "pipe"):
                self.problem(section, None, f"unknown table or key: {section!r}")
                continue
            if not isinstance(table, dict):
                self.problem(section, None, f"{section!r} must be a table ([{section}])")
                continue
            if section == "keys":
                self.keys(table)
            elif section == "pipe":
                self.pipe(table)
            else:
                self.settings(section, table)
        self.clashes()

    def settings(self, section: str, table: Mapping[str, Any]) -> None:
        for name, value in table.items():
            home = _HOME.get(name)
            if home is None:
                self.problem(name, section, f"unknown setting: {name!r}")
            elif home != section:
                self.problem(name, section, f"{name} belongs in [{home}], not [{section}]")
            elif message := _check_setting(name, value):
                self.problem(name, section, f"{name}: {message}")
            else:
                is_float = isinstance(getattr(DEFAULTS, name), float)
                self.changes[name] = float(value) if is_float else value

    def keys(self, table: Mapping[str, Any]) -> None:
        for name, value in table.items():
            action = ACTION_IDS.get(name)
            if action is None or not action.bind:
                self.problem(name, "keys", f"unknown action: {name!r} (see 'reader keys')")
                continue
            keys = _keys(value)
            if keys is None or any("," in k for k in keys):
                self.problem(name, "keys", f"{name}: expected a key or a list of keys")
                continue
            self.config.keymap[name] = ",".join(dict.fromkeys(keys))

    def pipe(self, table: Mapping[str, Any]) -> None:
        for name, value in table.items():
            if name != "command":
                self.problem(name, "pipe", f"unknown key in [pipe]: {name!r}")
            elif (command := _command(value)) is None:
                self.problem(name, "pipe", "command: expected a list of arguments")
            else:
                self.config.pipe_command = command

    def shares(self, entries: Any) -> None:
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            self.problem("share", None, "share entries are [[share]] tables")
            return
        for nth, entry in enumerate(entries):
            bad = False
            for key in entry:
                if key not in ("name", "key", "command"):
                    self.problem(key, "share", f"unknown key in [[share]]: {key!r}", nth)
                    bad = True
            name, key, command = entry.get("name"), entry.get("key", ""), entry.get("command")
            if not isinstance(name, str) or not name.strip():
                self.problem("name", "share", "[[share]] needs a name", nth)
                bad = True
            if not isinstance(key, str):
                self.problem("key", "share", "key: expected a key", nth)
                bad = True
            parsed = _command(command)
            if parsed is None:
                self.problem("command", "share", "command: expected a list of arguments", nth)
                bad = True
            elif unknown := unknown_placeholders(parsed):
                names = ", ".join("{" + u + "}" for u in unknown)
                known = "{url}, {title}, {id}, {path}"
                self.problem("command", "share", f"unknown placeholder {names} ({known})", nth)
                bad = True
            if not bad:
                assert isinstance(name, str) and isinstance(key, str) and parsed is not None
                self.config.shares.append(ShareTarget(name.strip(), key.strip(), parsed))

    def clashes(self) -> None:
        """A key that two bindings which can hide each other both hold, one of them the user's."""
        keymap = self.config.keymap
        bound: list[tuple[str, str, str, bool]] = []  # key, scope, owner, set by the user
        for action in ACTIONS:
            scope = _SCOPES.get(action.target)
            if not action.bind or not action.listed or scope is None:
                continue  # unlisted: another action's key seen from a pane (Enter on the list)
            for key in keys_in_force(action, keymap).split(","):
                bound.append((key, action.target, action.id, action.id in keymap))
        for share in self.config.shares:
            if share.key:
                bound.append((share.key, "main", f"share {share.name!r}", True))
        reported: set[tuple[str, str]] = set()
        for i, (key, target, owner, mine) in enumerate(bound):
            for other_key, other_target, other, theirs in bound[:i]:
                if key != other_key or not (mine or theirs) or not _meet(target, other_target):
                    continue
                later = self._later(owner, other) if mine and theirs else mine
                culprit, victim = (owner, other) if later else (other, owner)
                if (key, culprit) in reported:
                    continue
                reported.add((key, culprit))
                self.clash(key, culprit, victim)

    def _later(self, owner: str, other: str) -> bool:
        """Whether `owner` is set after `other` in the file (the later one is the clash)."""
        return self._line(owner) >= self._line(other)

    def _line(self, owner: str) -> int:
        if owner.startswith("share "):
            nth = self._share_index(owner)
            return self.lines.of("key", "share", nth)
        return self.lines.of(owner, "keys")

    def _share_index(self, owner: str) -> int:
        return next(i for i, s in enumerate(self.config.shares) if f"share {s.name!r}" == owner)

    def clash(self, key: str, culprit: str, victim: str) -> None:
        message = f"key {key!r} is bound twice ({culprit} and {victim})"
        if culprit.startswith("share "):
            self.problem("key", "share", message, self._share_index(culprit))
        else:
            self.problem(culprit, "keys", message)
            self.config.keymap.pop(culprit, None)  # its defaults stay, the clash goes


def _meet(a: str, b: str) -> bool:
    if a == b:
        return True
    return "screen" in (_SCOPES[a], _SCOPES[b])


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """The config at `path` (see `config_path`); a missing file is the defaults."""
    where = config_path(path)
    config = Config(path=where, settings=_settings.DEFAULTS)  # read late: tests patch it
    try:
        text = where.read_text(encoding="utf-8")
    except FileNotFoundError:
        return config
    except (OSError, UnicodeDecodeError) as exc:
        config.problems.append(f"{where}:1: cannot read: {exc}")
        return config
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+)", str(exc))
        config.problems.append(f"{where}:{match.group(1) if match else 1}: {exc}")
        return config
    reader = _Reader(where, text, config)
    reader.read(data)
    if reader.changes:
        config.settings = dataclasses.replace(config.settings, **reader.changes)
    return config


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def _action_line(action: Action) -> str:
    keys = ", ".join(f'"{k}"' for k in action.keys.split(","))
    return f"# {action.id} = [{keys}]  # {action.text}"


def default_config_text() -> str:
    """A complete, commented config with every default (it passes `reader config --check`)."""
    out = [
        "# reader's config file (TOML). Every value here is the default; keep what you change.",
        "# 'reader config --check' validates it; 'reader keys' lists the actions and their keys.",
    ]
    for section, names in SECTIONS.items():
        out += ["", f"[{section}]"]
        for name in names:
            comment = _COMMENTS.get(name)
            if comment:
                out.append(f"# {comment}")
            out.append(f"{name} = {_toml_value(getattr(DEFAULTS, name))}")
    out += [
        "",
        "# An action's keys: one key or a list; they replace its default keys.",
        "[keys]",
        *(_action_line(a) for a in ACTIONS if a.bind),
        "",
        "# | pipes the article as JSON (reader list --format json's object) to this command.",
        "[pipe]",
        '# command = ["jq", "."]',
        "",
        "# Share targets: a key (optional) and a command run without a shell; each argument may",
        "# hold {url} (the link o would open), {title}, {id} and {path} (the article's file).",
        "# [[share]]",
        '# name = "Mail"',
        '# key = "M"',
        '# command = ["xdg-email", "--subject", "{title}", "--body", "{url}"]',
    ]
    return "\n".join(out) + "\n"
