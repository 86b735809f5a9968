"""The config file (issue 15): TOML at the user config dir, `--config FILE` or `$READER_CONFIG`.

No file: the defaults, exactly today's behaviour. A broken part falls back to its default and
is one problem `FILE:LINE: message`; `reader config --check` prints them, the app notifies.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reader import settings as _settings
from reader.action_table import ACTION_IDS
from reader.paths import APP_NAME
from reader.settings import DEFAULTS, Settings

__all__ = ["Config", "config_path", "default_config_text", "load_config"]

_SETTINGS_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}


@dataclass(slots=True)
class Config:
    path: Path
    settings: Settings = DEFAULTS
    keymap: dict[str, str] = field(default_factory=dict)
    """Action id -> comma-separated keys, replacing that action's default keys."""
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


def _line_of(lines: list[str], key: str, section: str | None) -> int:
    """The line where `key` is set (in `[section]` when given), else 1."""
    current: str | None = None
    pattern = re.compile(rf"""^\s*(?:"{re.escape(key)}"|'{re.escape(key)}'|{re.escape(key)})\s*=""")
    for number, line in enumerate(lines, 1):
        header = re.match(r"^\s*\[\s*([^\]]+?)\s*\]", line)
        if header:
            current = header.group(1).strip()
            if section is None and current == key:
                return number
            continue
        if current == section and pattern.match(line):
            return number
    return 1


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
    if name == "default_sort":
        from reader.sorting import SORT_KEYS

        return None if value in SORT_KEYS else f"expected one of {', '.join(SORT_KEYS)}"
    return None if isinstance(value, str) else "expected a string"


def _keys(value: Any) -> list[str] | None:
    if isinstance(value, str) and value.strip():
        return [value.strip()]
    if isinstance(value, list) and value and all(isinstance(k, str) and k.strip() for k in value):
        return [k.strip() for k in value]
    return None


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
    lines = text.splitlines()

    def problem(key: str, section: str | None, message: str) -> None:
        config.problems.append(f"{where}:{_line_of(lines, key, section)}: {message}")

    changes: dict[str, Any] = {}
    for section, table in data.items():
        if section not in ("settings", "keys"):
            problem(section, None, f"unknown section or key: {section!r}")
            continue
        if not isinstance(table, dict):
            problem(section, None, f"{section!r} must be a table")
            continue
        if section == "settings":
            for name, value in table.items():
                if name not in _SETTINGS_FIELDS:
                    problem(name, section, f"unknown setting: {name!r}")
                elif message := _check_setting(name, value):
                    problem(name, section, f"{name}: {message}")
                else:
                    changes[name] = (
                        float(value) if isinstance(getattr(DEFAULTS, name), float) else value
                    )
            continue
        seen: dict[str, str] = {}
        for name, value in table.items():
            action = ACTION_IDS.get(name)
            if action is None or not action.bind:
                problem(name, section, f"unknown action: {name!r} (see 'reader keys')")
                continue
            keys = _keys(value)
            if keys is None:
                problem(name, section, f"{name}: expected a key or a list of keys")
                continue
            clash = next((k for k in keys if k in seen or "," in k), None)
            if clash is not None:
                other = seen.get(clash, name)
                problem(name, section, f"{name}: key {clash!r} is bound twice (also {other!r})")
                continue
            for key in keys:
                seen[key] = name
            config.keymap[name] = ",".join(keys)
    if changes:
        config.settings = dataclasses.replace(config.settings, **changes)
    return config


def default_config_text() -> str:
    """A complete, commented config with every default (it passes `reader config --check`)."""
    from reader.action_table import ACTIONS

    out = [
        "# reader's config file (TOML). Every value here is the default; delete what you keep.",
        "# 'reader config --check' validates it; 'reader keys' lists the actions.",
        "",
        "[settings]",
    ]
    for name in _SETTINGS_FIELDS:
        value = getattr(DEFAULTS, name)
        if isinstance(value, bool):
            out.append(f"{name} = {'true' if value else 'false'}")
        elif isinstance(value, str):
            out.append(f'{name} = "{value}"')
        else:
            out.append(f"{name} = {value!r}")
    out += ["", "# An action's keys: one key or a list; they replace its default keys.", "[keys]"]
    for action in ACTIONS:
        if action.bind:
            keys = ", ".join(f'"{k}"' for k in action.keys.split(","))
            out.append(f"# {action.id} = [{keys}]  # {action.text}")
    return "\n".join(out) + "\n"
