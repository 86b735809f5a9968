"""Issue 15: the config file, `reader config`, `reader keys` and the keymap in the app."""

from __future__ import annotations

import json

from reader.cli import main
from reader.config import default_config_text, load_config
from reader.settings import DEFAULTS
from tests.tui_fixtures import make_app, settle, wait_until, write_feed


def test_no_file_is_exactly_the_defaults(tmp_path):
    config = load_config(tmp_path / "missing.toml")
    assert config.settings == DEFAULTS
    assert config.keymap == {}
    assert config.problems == []


def test_the_default_config_passes_the_checker(tmp_path, capsys):
    assert main(["config", "--default"]) == 0
    path = tmp_path / "c.toml"
    path.write_text(capsys.readouterr().out, encoding="utf-8")
    assert load_config(path).settings == DEFAULTS
    assert main(["config", "--check", str(path)]) == 0
    assert capsys.readouterr().out == ""
    assert default_config_text().startswith("#")


def test_a_good_file_applies(tmp_path, capsys):
    path = tmp_path / "c.toml"
    path.write_text(
        "[links]\nlink_concurrency = 8\nlink_timeout = 3\n"
        '[keys]\ntoggle_star = ["f", "asterisk"]\n',
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.problems == []
    assert config.settings.link_concurrency == 8 and config.settings.link_timeout == 3.0
    assert config.keymap == {"toggle_star": "f,asterisk"}
    assert main(["config", "--check", str(path)]) == 0


def test_bad_values_are_one_line_each_with_the_line(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(
        "[links]\n"
        "link_concurrency = -3\n"
        'link_timeout = "soon"\n'
        "nonsense = 1\n"
        "[keys]\n"
        'no_such_action = "f"\n'
        'toggle_star = "f"\n'
        'toggle_read = "f"\n',
        encoding="utf-8",
    )
    assert main(["config", "--check", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[1] for line in lines] == ["2", "3", "4", "6", "8"]
    assert all(line.startswith(f"{path}:") for line in lines)
    config = load_config(path)
    assert config.settings.link_concurrency == DEFAULTS.link_concurrency
    assert config.keymap == {"toggle_star": "f"}


def test_syntax_error_names_the_line(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text("[links]\n\nlink_timeout = = 3\n", encoding="utf-8")
    assert main(["config", "--check", str(path)]) == 1
    assert capsys.readouterr().out.startswith(f"{path}:3: ")


def test_config_path_follows_env_and_option(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("READER_CONFIG", str(tmp_path / "env.toml"))
    assert main(["config", "--path"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "env.toml")
    assert main(["--config", str(tmp_path / "opt.toml"), "config", "--path"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "opt.toml")


def test_reader_keys_lists_the_keys_in_force(tmp_path, capsys):
    assert main(["keys", "--format", "json"]) == 0
    rows = {row["action"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["toggle_star"]["keys"] == ["asterisk"]
    assert rows["next_unread"]["description"]
    path = tmp_path / "c.toml"
    path.write_text('[keys]\ntoggle_star = "f"\n', encoding="utf-8")
    assert main(["--config", str(path), "keys"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("toggle_star "))
    assert line.split()[1] == "f"


async def test_keymap_rebinds_in_the_app_and_help_shows_it(tmp_path):
    app = make_app(write_feed(tmp_path / "feed"))
    app.keys_in_force = {"toggle_star": "f"}
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        first = app.main.article_list.cursor_id
        await pilot.press("asterisk")
        await settle(pilot)
        assert not app.session.state(first).starred
        await pilot.press("f")
        await wait_until(pilot, lambda: app.session.state(first).starred)
        from reader.tui.screens.help import help_groups

        keys = {text: k for _, rows in help_groups(app.keys_in_force) for k, text in rows}
        assert keys["Toggle star"] == "f"


async def test_a_broken_config_notifies_once_and_starts(tmp_path):
    app = make_app(write_feed(tmp_path / "feed"))
    app.config_problems = ["/x/config.toml:3: [bold]unknown[/] setting"]
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert sum("config.toml:3" in m for m in messages) == 1


def test_reader_keys_and_config_import_no_textual():
    import subprocess
    import sys

    code = (
        "import sys; from reader.cli import main; main(['keys']); main(['config', '--default']);"
        "print(sorted(m for m in ('textual', 'httpx') if m in sys.modules), file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().endswith("[]"), result.stderr


def test_every_option_of_the_issue_has_its_table(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        '[settings]\ndefault_view = "unread"\ntheme = "nord"\ndefault_sort = "heat"\n'
        '[reading]\nmark_read = "select"\nmark_read_delay = 2\n'
        "open_marks_read_and_advances = true\n"
        "[links]\ncheck_on_show = false\n"
        '[pipe]\ncommand = ["jq", ".title"]\n'
        '[[share]]\nname = "Mail"\nkey = "M"\ncommand = ["mail", "-s", "{title}", "{url}"]\n'
        '[[share]]\nname = "Path"\ncommand = "echo {path}"\n',
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.problems == []
    s = config.settings
    assert (s.default_view, s.theme, s.default_sort) == ("unread", "nord", "heat")
    assert (s.mark_read, s.mark_read_delay, s.open_marks_read_and_advances) == ("select", 2.0, True)
    assert s.check_on_show is False
    assert config.pipe_command == ("jq", ".title")
    assert [(t.name, t.key, t.command) for t in config.shares] == [
        ("Mail", "M", ("mail", "-s", "{title}", "{url}")),
        ("Path", "", ("echo", "{path}")),
    ]


def test_bad_options_are_reported_and_fall_back(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(
        "[reading]\n"  # 1
        'mark_read = "sometimes"\n'  # 2
        "check_on_show = false\n"  # 3: belongs in [links]
        "[links]\n"  # 4
        'check_on_show = "no"\n'  # 5
        "[pipe]\n"  # 6
        "command = 3\n"  # 7
        "[[share]]\n"  # 8
        'name = "Ok"\n'  # 9
        'command = ["x", "{url}"]\n'  # 10
        "[[share]]\n"  # 11
        'name = "Bad"\n'  # 12
        'command = ["x", "{nope}"]\n'  # 13
        "[settings]\n"  # 14
        'default_view = "later"\n',  # 15
        encoding="utf-8",
    )
    assert main(["config", "--check", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert [int(line.split(":")[1]) for line in lines] == [2, 3, 5, 7, 13, 15], lines
    assert "belongs in [links]" in lines[1] and "{nope}" in lines[4]
    config = load_config(path)
    assert config.settings == DEFAULTS
    assert [t.name for t in config.shares] == ["Ok"]


def test_a_key_taken_from_another_action_is_a_duplicate_binding(tmp_path, capsys):
    path = tmp_path / "c.toml"
    path.write_text(
        "[keys]\n"
        'toggle_star = "s"\n'  # 2: s sorts
        'next_unread = "N"\n'  # 3: fine
        'cursor_down = ["j", "x"]\n'  # 4: the list's x would hide archive's
        'scroll_down = ["j", "J"]\n'  # 5: the detail pane's j meets nothing of the list's
        "[[share]]\n"
        'name = "Mail"\n'
        'key = "N"\n'  # 8: next_unread's new key
        'command = ["mail"]\n',
        encoding="utf-8",
    )
    assert main(["config", "--check", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert [int(line.split(":")[1]) for line in lines] == [2, 4, 8], lines
    assert "'s' is bound twice" in lines[0] and "cycle_sort" in lines[0]
    config = load_config(path)
    assert "toggle_star" not in config.keymap and config.keymap["next_unread"] == "N"


def test_reader_completion_prints_a_script(capsys):
    assert main(["completion", "bash"]) == 0
    script = capsys.readouterr().out
    assert "config" in script and "completion" in script
    assert main(["completion", "tcsh-or-so"]) == 2


def test_the_feeds_table_sets_how_feeds_are_fetched(tmp_path, capsys):
    path = tmp_path / "feeds.toml"
    path.write_text(
        "[feeds]\n"  # 1
        "feed_concurrency = 3\n"  # 2
        "feed_timeout = 7.5\n"  # 3
        "[settings]\n"  # 4
        "feed_per_host = 1\n"  # 5: belongs in [feeds]
        "[feeds]\n"  # 6 (a second header of the same table is TOML's error)
    )
    assert main(["config", "--check", str(path)]) == 1
    good = tmp_path / "good.toml"
    good.write_text("[feeds]\nfeed_concurrency = 3\nfeed_timeout = 7.5\nfeed_per_host = 0\n")
    config = load_config(good)
    assert (config.settings.feed_concurrency, config.settings.feed_timeout) == (3, 7.5)
    misplaced = tmp_path / "misplaced.toml"
    misplaced.write_text("[settings]\nfeed_per_host = 1\n")
    assert main(["config", "--check", str(misplaced)]) == 1
    assert "belongs in [feeds]" in capsys.readouterr().out


def test_the_readme_carries_the_default_config_as_printed():
    """It had drifted: two actions added since were missing from the README's copy."""
    from pathlib import Path

    from reader.config import default_config_text

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    after = readme.split("The default file, as `reader config --default` prints it:", 1)[1]
    block = after.split("```toml\n", 1)[1].split("```", 1)[0]
    assert block == default_config_text()
