"""Shell completion scripts: generated from the parser, accepted by the shells, and completing.

The bash script is run for real: sourced in bash, its completion function called the way bash
calls it on Tab, and the offered words read back.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reader.cli.completion import SHELLS, completion_script
from reader.cli.parser import SUBCOMMANDS

BASH = shutil.which("bash")

needs_bash = pytest.mark.skipif(BASH is None, reason="bash is not installed")


@pytest.fixture(scope="module")
def scripts() -> dict[str, str]:
    return {shell: completion_script(shell) for shell in SHELLS}


def test_the_shells() -> None:
    assert SHELLS == ("bash", "zsh", "fish")


@pytest.mark.parametrize("shell", SHELLS)
def test_every_script_names_every_subcommand(scripts: dict[str, str], shell: str) -> None:
    script = scripts[shell]
    assert script.strip()
    for name in SUBCOMMANDS:
        assert re.search(rf"\b{re.escape(name)}\b", script), (shell, name)
    assert "reader" in script


@pytest.mark.parametrize("shell", SHELLS)
def test_path_arguments_complete_as_files(scripts: dict[str, str], shell: str) -> None:
    import shtab

    assert shtab.FILE[shell] in scripts[shell]


def test_an_unknown_shell_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown shell 'tcsh'"):
        completion_script("tcsh")
    with pytest.raises(ValueError):
        completion_script("")


def test_a_given_parser_is_used() -> None:
    parser = argparse.ArgumentParser(prog="reader")
    parser.add_argument("--frobnicate", metavar="FILE")
    script = completion_script("bash", parser)
    assert "--frobnicate" in script
    assert "_shtab_reader___frobnicate_COMPGEN=_shtab_compgen_files" in script


def test_shtab_is_imported_only_when_a_script_is_asked_for() -> None:
    code = "import sys, reader.cli.completion; print('shtab' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@needs_bash
def test_bash_accepts_the_script(scripts: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "reader.bash"
    path.write_text(scripts["bash"], encoding="utf-8")
    result = subprocess.run([BASH, "-n", str(path)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("shell", "check"), [("zsh", ["-n"]), ("fish", ["--no-execute"])])
def test_zsh_and_fish_accept_their_scripts(
    scripts: dict[str, str], tmp_path: Path, shell: str, check: list[str]
) -> None:
    program = shutil.which(shell)
    if program is None:
        pytest.skip(f"{shell} is not installed")
    path = tmp_path / f"reader.{shell}"
    path.write_text(scripts[shell], encoding="utf-8")
    result = subprocess.run(
        [program, *check, str(path)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr


def _complete(script: str, cwd: Path, *words: str) -> list[str]:
    """What bash offers on Tab after `words` (the last one is the word being completed)."""
    function = re.search(r"^complete .*-F (\S+) reader\s*$", script, re.MULTILINE)
    assert function, "no `complete -F FUNCTION reader` in the bash script"
    path = cwd / "reader.bash"
    path.write_text(script, encoding="utf-8")
    line = " ".join(words)
    code = (
        f"source {_quote(str(path))}\n"
        f"COMP_WORDS=({' '.join(_quote(w) for w in words)})\n"
        f"COMP_CWORD={len(words) - 1}\n"
        f"COMP_LINE={_quote(line)}\n"
        f"COMP_POINT={len(line)}\n"
        "COMPREPLY=()\n"
        f'{function.group(1)} reader "${{COMP_WORDS[COMP_CWORD]}}" '
        '"${COMP_WORDS[COMP_CWORD-1]}"\n'
        "printf '%s\\n' \"${COMPREPLY[@]}\"\n"
    )
    assert BASH is not None
    result = subprocess.run(
        [BASH, "--norc", "--noprofile", "-c", code],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=cwd,
    )
    assert result.returncode == 0, result.stderr
    return [word for word in result.stdout.split("\n") if word]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


@needs_bash
def test_bash_completes_a_subcommand(scripts: dict[str, str], tmp_path: Path) -> None:
    assert _complete(scripts["bash"], tmp_path, "reader", "li") == ["list"]
    assert set(SUBCOMMANDS) <= set(_complete(scripts["bash"], tmp_path, "reader", ""))
    assert _complete(scripts["bash"], tmp_path, "reader", "state", "ex") == ["export"]


@needs_bash
def test_bash_completes_an_option_and_its_choices(scripts: dict[str, str], tmp_path: Path) -> None:
    assert _complete(scripts["bash"], tmp_path, "reader", "list", "--fo") == ["--format"]
    assert _complete(scripts["bash"], tmp_path, "reader", "list", "--format", "") == [
        "table",
        "json",
        "csv",
        "ids",
    ]
    assert "--query" in _complete(scripts["bash"], tmp_path, "reader", "check", "--")


@needs_bash
def test_bash_completes_paths(scripts: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "feeds").mkdir()
    (tmp_path / "state.sqlite3").write_bytes(b"")
    bash = scripts["bash"]
    assert _complete(bash, tmp_path, "reader", "list", "fe") == ["feeds"]
    assert _complete(bash, tmp_path, "reader", "clusters", "--state", "sta") == ["state.sqlite3"]
    assert _complete(bash, tmp_path, "reader", "--config", "sta") == ["state.sqlite3"]
    assert _complete(bash, tmp_path, "reader", "mark", "-c", "fe") == ["feeds"]
    assert _complete(bash, tmp_path, "reader", "state", "import", "sta") == ["state.sqlite3"]
