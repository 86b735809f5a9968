"""Share commands: placeholders filled one argument at a time, run for real without a shell.

No mocks: a small recorder script (run with this Python) writes the arguments and the input it
got to a JSON file, so the tests see exactly what a configured command would.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

import pytest

from reader.share import (
    PLACEHOLDERS,
    CommandResult,
    ShareTarget,
    expand_command,
    run_command,
    unknown_placeholders,
)

HOSTILE_TITLE = "Big $(touch pwned) news; rm -rf x `touch pwned` \"quotes\" 'q' {id} {url}\nline 2"


@pytest.fixture
def recorder(tmp_path: Path) -> tuple[list[str], Path]:
    """A command (argv prefix) that records its arguments and stdin to the returned JSON file."""
    script = tmp_path / "recorder.py"
    out = tmp_path / "recorded.json"
    script.write_text(
        textwrap.dedent(
            f"""
            import json, sys
            data = {{"argv": sys.argv[1:], "stdin": sys.stdin.read()}}
            with open({str(out)!r}, "w", encoding="utf-8") as f:
                json.dump(data, f)
            print("recorded", len(sys.argv) - 1)
            """
        ),
        encoding="utf-8",
    )
    return [sys.executable, str(script)], out


def _script(tmp_path: Path, name: str, body: str) -> list[str]:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return [sys.executable, str(path)]


VALUES = {
    "url": "https://example.com/a?b=1&c=2",
    "title": "A title",
    "id": "abc123",
    "path": "/feeds/a b.md",
}


def test_placeholders_are_filled_inside_each_argument() -> None:
    command = ("open", "{url}", "--subject={title} [{id}]", "{path}", "plain")
    assert expand_command(command, VALUES) == [
        "open",
        "https://example.com/a?b=1&c=2",
        "--subject=A title [abc123]",
        "/feeds/a b.md",  # a space does not split it
        "plain",
    ]
    assert PLACEHOLDERS == ("url", "title", "id", "path")


def test_a_value_is_never_expanded_again_and_unknown_names_stay() -> None:
    values = {**VALUES, "title": "about {id} and {url}"}
    assert expand_command(["{title}|{id}", "{nope}", "{}", "{ title }"], values) == [
        "about {id} and {url}|abc123",
        "{nope}",
        "{}",
        "{ title }",
    ]
    assert expand_command([], VALUES) == []


def test_unknown_placeholders_for_the_config_checker() -> None:
    assert unknown_placeholders(["x", "{url}", "{titel}-{id}", "{Title}", "{titel}"]) == [
        "titel",
        "Title",
    ]
    assert unknown_placeholders(["open", "{url}", "{title}{id}{path}"]) == []
    assert unknown_placeholders(["jq", "{a: .b}", "awk", "{print $1}"]) == []  # not names


def test_share_target_is_frozen() -> None:
    target = ShareTarget("Browser", "b", ("open", "{url}"))
    with pytest.raises(AttributeError):
        target.name = "x"  # type: ignore[misc]
    assert target == ShareTarget("Browser", "b", ("open", "{url}"))


def test_the_recorder_gets_the_filled_arguments(recorder: tuple[list[str], Path]) -> None:
    prefix, out = recorder
    argv = expand_command([*prefix, "{url}", "{title}", "id={id}", "{path}"], VALUES)
    result = run_command(argv)
    assert result.ok, result
    assert json.loads(out.read_text("utf-8")) == {
        "argv": [VALUES["url"], "A title", "id=abc123", VALUES["path"]],
        "stdin": "",  # no input: standard input is empty, never the terminal
    }
    assert result.summary("Rec") == "Rec: done\nrecorded 4"


def test_a_hostile_title_is_one_literal_argument(
    recorder: tuple[list[str], Path], tmp_path: Path
) -> None:
    prefix, out = recorder
    values = {**VALUES, "title": HOSTILE_TITLE}
    argv = expand_command([*prefix, "{title}", "--", "{id}"], values)
    result = run_command(argv, cwd=tmp_path)
    assert result.ok, result
    recorded = json.loads(out.read_text("utf-8"))["argv"]
    assert recorded == [HOSTILE_TITLE, "--", "abc123"]
    assert not (tmp_path / "pwned").exists()
    assert not list(tmp_path.rglob("pwned"))


def test_stdin_round_trip(recorder: tuple[list[str], Path]) -> None:
    prefix, out = recorder
    article = {"id": "abc123", "title": "Ünïcode — 日本語 {id}", "tags": ["a", "b"]}
    text = json.dumps(article, ensure_ascii=False) + "\n"
    result = run_command(prefix, stdin=text)
    assert result.ok, result
    assert json.loads(json.loads(out.read_text("utf-8"))["stdin"]) == article


def test_a_command_that_does_not_read_its_input_is_fine(tmp_path: Path) -> None:
    argv = _script(tmp_path, "deaf.py", "print('ignored the input')\n")
    result = run_command(argv, stdin="x" * 1_000_000)  # more than a pipe holds
    assert result.ok, result
    assert result.stdout == "ignored the input\n"


def test_non_zero_exit_shows_stderr(tmp_path: Path) -> None:
    argv = _script(
        tmp_path,
        "fail.py",
        """
        import sys
        print("some stdout")
        print("mail: no such recipient", file=sys.stderr)
        sys.exit(3)
        """,
    )
    result = run_command(argv)
    assert not result.ok
    assert result.returncode == 3 and result.error is None
    assert result.summary("Mail") == "Mail: exit 3\nmail: no such recipient"


def test_non_zero_exit_without_stderr_shows_stdout(tmp_path: Path) -> None:
    argv = _script(tmp_path, "fail2.py", "import sys; print('why'); sys.exit(1)\n")
    assert run_command(argv).summary("X") == "X: exit 1\nwhy"


def test_success_with_only_stderr_shows_it_and_silence_shows_done(tmp_path: Path) -> None:
    argv = _script(tmp_path, "err.py", "import sys; print('copied', file=sys.stderr)\n")
    assert run_command(argv).summary("Copy") == "Copy: done\ncopied"
    assert run_command(_script(tmp_path, "quiet.py", "")).summary("Quiet") == "Quiet: done"


def test_a_missing_program(tmp_path: Path) -> None:
    result = run_command([str(tmp_path / "no-such-program"), "{url}"])
    assert not result.ok and result.returncode is None
    assert result.error == f"cannot run {str(tmp_path / 'no-such-program')!r}: not found"
    assert result.summary("Nope").startswith("Nope: cannot run ")
    result = run_command(["reader-surely-no-such-program-xyz"])
    assert result.error == "cannot run 'reader-surely-no-such-program-xyz': not found"


def test_a_program_that_cannot_be_run(tmp_path: Path) -> None:
    not_executable = tmp_path / "data.txt"
    not_executable.write_text("hello", encoding="utf-8")
    if os.geteuid() == 0:  # root may run anything with an x bit; a folder is refused to all
        not_executable = tmp_path
    result = run_command([str(not_executable)])
    assert not result.ok and result.returncode is None
    assert result.error is not None and result.error.startswith("cannot run ")


def test_no_command_and_a_nul_byte_never_raise(tmp_path: Path) -> None:
    assert run_command([]).error == "no command"
    assert run_command([]).summary("Empty") == "Empty: no command"
    result = run_command([sys.executable, "-c", "pass", "a\0b"])
    assert result.error is not None and result.error.startswith("cannot run ")
    result = run_command([sys.executable, "-c", "pass"], cwd=tmp_path / "gone")
    assert result.error is not None and "gone" in result.error


def test_a_command_that_hangs_is_stopped(tmp_path: Path) -> None:
    argv = _script(tmp_path, "slow.py", "import time; time.sleep(5)\n")
    result = run_command(argv, timeout=0.5)
    assert not result.ok
    assert result.error == "timed out after 0.5 s"
    assert result.summary("Slow") == "Slow: timed out after 0.5 s"


def test_escape_sequences_in_output_are_removed_from_the_summary(tmp_path: Path) -> None:
    argv = _script(
        tmp_path,
        "ansi.py",
        r"""
        import sys
        sys.stdout.write("\x1b[31mred\x1b[0m\r\n\x1b]0;evil title\x07ok\tdone\n\x9b2J\u202eevil\n")
        """,
    )
    result = run_command(argv)
    assert result.ok, result
    summary = result.summary("Ansi")
    assert summary == "Ansi: done\nred\nok done\nevil"
    assert all(line.isprintable() for line in summary.split("\n"))


def test_long_output_is_trimmed(tmp_path: Path) -> None:
    argv = _script(tmp_path, "long.py", "print('x' * 5000)\n")
    result = run_command(argv)
    summary = result.summary("Long")
    assert summary == "Long: done\n" + "x" * 399 + "…"
    assert len(result.summary("Long", limit=50)) == len("Long: done\n") + 50


def test_many_lines_are_cut_to_a_few(tmp_path: Path) -> None:
    argv = _script(tmp_path, "lines.py", "for i in range(100): print(f'line {i}')\n")
    summary = run_command(argv).summary("Lines")
    lines = summary.split("\n")
    assert lines[0] == "Lines: done"
    assert lines[1:] == [f"line {i}" for i in range(5)] + ["line 5…"]


def test_huge_output_is_capped(tmp_path: Path) -> None:
    argv = _script(tmp_path, "huge.py", "import sys; sys.stdout.write('é' * 200_000)\n")
    result = run_command(argv)
    assert result.ok
    assert len(result.stdout.encode("utf-8", errors="replace")) <= 64 * 1024 + 2
    assert result.stdout.startswith("éé")  # a split character at the cut is a U+FFFD, no error


def test_undecodable_output_is_replaced(tmp_path: Path) -> None:
    argv = _script(tmp_path, "bytes.py", "import sys; sys.stdout.buffer.write(b'ok \\xff\\xfe')\n")
    result = run_command(argv)
    assert result.stdout == "ok \ufffd\ufffd"


def test_the_result_by_hand() -> None:
    done = CommandResult(["x"], 0, "", "", None)
    assert done.ok and done.summary("X") == "X: done"
    assert not CommandResult(["x"], None, "", "", "timed out after 1 s").ok
    evil_name = CommandResult(["x"], 0, "", "", None).summary("N\x1b[2Jame")
    assert evil_name == "Name: done"


def test_a_launcher_whose_child_keeps_the_output_open_does_not_wait_for_it():
    """Like `xdg-open` starting a browser: the command exits, its child lives on with the
    inherited stdout; the share is done when the command is."""
    import time

    child = "import time; time.sleep(5)"
    launcher = f"import subprocess, sys; subprocess.Popen([sys.executable, '-c', {child!r}])"
    started = time.monotonic()
    result = run_command([sys.executable, "-c", launcher + "; print('launched')"], timeout=4)
    assert result.ok, result
    assert result.stdout.strip() == "launched"
    assert time.monotonic() - started < 3
