"""The command line, run as a user runs it (a subprocess) or in-process where output is all."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reader.cli import main
from tests.conftest import article_text
from tests.http_server import LinkTestServer, closed_port, link_server  # noqa: F401


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-m", "reader", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


def run_json(capsys, *args: str):
    code = main(list(args))
    out = capsys.readouterr().out
    return code, json.loads(out)


# ------------------------------------------------------------------ basics


def test_version():
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("reader ")


def test_cli_does_not_import_textual():
    code = (
        "import sys; from reader.cli import main; main(['list', '--format', 'ids']);"
        "print('textual' in sys.modules, file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert result.stderr.strip().endswith("False")


@pytest.mark.parametrize(
    "args",
    [
        ["list", "--bogus"],
        ["list", "--sort", "color"],
        ["list", "--limit", "-1"],
        ["list", "/no/such/folder"],
        ["validate", "--format", "xml"],
        ["check", "--concurrency", "0"],
        ["list", "--query", "quality>"],
        ["mark", "--star"],
        ["mark", "abc"],
        ["mark", "abc", "--read", "--unread"],
        ["state"],
        ["state", "import", "/no/such/file.json"],
    ],
)
def test_usage_errors_exit_2_with_one_line(args):
    result = run(*args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_list_works_from_another_directory_with_bundled_sample(tmp_path):
    result = run("list", "--format", "ids", cwd=tmp_path)
    assert result.returncode == 0
    assert len(result.stdout.split()) >= 40


# ------------------------------------------------------------------ list


def test_list_json_shape_and_default_order(capsys, sample_feed):
    code, rows = run_json(capsys, "list", "--format", "json")
    assert code == 0
    keys = {"id", "path", "title", "published", "category", "type", "quality", "heat"}
    keys |= {"provider", "topics", "excerpt", "urls", "read", "starred", "archived", "tags"}
    assert keys <= set(rows[0])
    assert set(rows[0]["provider"]) >= {"name", "domain"}
    assert set(rows[0]["urls"]) >= {"original", "web", "amp", "cdn_amp"}
    dates = [r["published"] for r in rows if r["published"]]
    assert dates == sorted(dates, reverse=True)
    assert all(d.endswith("Z") and len(d) == 20 for d in dates)


def test_list_sorts_reverse_limit(capsys):
    _, by_quality = run_json(capsys, "list", "--format", "json", "--sort", "quality")
    qualities = [r["quality"] for r in by_quality if r["quality"] is not None]
    assert qualities == sorted(qualities, reverse=True)
    assert by_quality[-1]["quality"] is None  # articles without a quality go last
    _, reversed_rows = run_json(
        capsys, "list", "--format", "json", "--sort", "quality", "--reverse"
    )
    assert [r["id"] for r in reversed_rows] == [r["id"] for r in reversed(by_quality)]
    _, titles = run_json(capsys, "list", "--format", "json", "--sort", "title", "--limit", "5")
    assert len(titles) == 5
    names = [r["title"].casefold() for r in titles]
    assert names == sorted(names)
    _, providers = run_json(capsys, "list", "--format", "json", "--sort", "provider")
    names = [r["provider"]["name"].casefold() for r in providers if r["provider"]["name"]]
    assert names == sorted(names)


def test_list_csv_ids_table(capsys):
    assert main(["list", "--format", "csv", "--limit", "3"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 3 and rows[0]["id"] and rows[0]["title"]
    assert main(["list", "--format", "ids", "--limit", "2"]) == 0
    assert len(capsys.readouterr().out.split()) == 2
    assert main(["list", "--limit", "4"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "TITLE" in lines[0] and len(lines) == 5


# `reader list` loads slim articles for the formats that print nothing of bodies, images,
# related articles and extra fields (issue 14): their output must be exactly the full load's.

_LIST_VARIANTS = [
    [],
    ["--all", "--sort", "title"],
    ["--sort", "heat", "--reverse", "--limit", "7"],
    ["--query", "has:image OR has:related"],
    ["--query", "has:body OR NOT has:amp"],
    ["--group"],
]


def _list_output(capsys, monkeypatch, args: list[str], *, slim_formats) -> tuple[str, list[bool]]:
    """stdout of `reader list ARGS`, and the `slim` of every load it made."""
    import reader.cli.commands as commands
    from reader.collection import open_collection as real_open

    loads: list[bool] = []

    def spy(paths, **kwargs):
        loads.append(kwargs.get("slim", False))
        return real_open(paths, **kwargs)

    monkeypatch.setattr(commands, "open_collection", spy)
    monkeypatch.setattr(commands, "SLIM_FORMATS", slim_formats)
    assert main(["list", *args]) == 0
    return capsys.readouterr().out, loads


@pytest.mark.parametrize("output", ["ids", "table", "csv", "json"])
@pytest.mark.parametrize("variant", _LIST_VARIANTS, ids=lambda v: " ".join(v) or "plain")
@pytest.mark.parametrize("feed", ["sample", "real"])
def test_list_output_is_the_same_from_slim_articles(
    capsys, monkeypatch, request, output, variant, feed
):
    folder = request.getfixturevalue("sample_feed" if feed == "sample" else "real_feed")
    args = ["--format", output, *variant, str(folder)]
    from reader.cli.commands import SLIM_FORMATS

    # Cold (the cache filled by a slim or a full load), then warm, both ways.
    first, first_loads = _list_output(capsys, monkeypatch, args, slim_formats=SLIM_FORMATS)
    full, full_loads = _list_output(capsys, monkeypatch, args, slim_formats=frozenset())
    again, _ = _list_output(capsys, monkeypatch, args, slim_formats=SLIM_FORMATS)
    assert first_loads[0] is (output in SLIM_FORMATS)
    assert not any(full_loads)
    assert first == full == again
    assert full.strip()


def test_slim_json_would_differ(capsys, monkeypatch, sample_feed):
    """The comparison above sees what slim articles leave out: JSON, which prints images and
    related articles, is not listed from them."""
    args = ["--format", "json", str(sample_feed)]
    full, _ = _list_output(capsys, monkeypatch, args, slim_formats=frozenset())
    slim, loads = _list_output(capsys, monkeypatch, args, slim_formats=frozenset({"json"}))
    assert loads == [True]
    assert slim != full


def test_a_warm_list_imports_no_parser(sample_feed, tmp_path):
    """A warm `reader list` reads the parse cache only: neither the loader nor YAML nor ftfy
    is imported (they cost a fifth of its time)."""
    import shutil
    import time

    feed = tmp_path / "feed"
    shutil.copytree(sample_feed, feed)
    an_hour_ago = time.time() - 3600  # the cache does not trust files modified just now
    for path in feed.rglob("*"):
        os.utime(path, (an_hour_ago, an_hour_ago))
    parser = ("reader.loader", "reader.frontmatter", "reader.cache.pool", "yaml", "ftfy")
    code = (
        "import sys; from reader.cli import main;"
        f"main(['list', '--format', 'ids', {str(feed)!r}]);"
        f"main(['list', '--limit', '3', {str(feed)!r}]);"
        f"print(sorted(m for m in {parser!r} if m in sys.modules), file=sys.stderr)"
    )
    cold = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert cold.returncode == 0, cold.stderr
    assert "reader.loader" in cold.stderr  # the first load parsed: the check can see it
    warm = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert warm.returncode == 0, warm.stderr
    assert warm.stderr.strip().endswith("[]"), warm.stderr


def test_list_table_fits_terminal_width(tmp_path):
    for width in ("60", "100", "160"):
        result = run("list", env={"COLUMNS": width})
        assert result.returncode == 0
        assert max(len(line) for line in result.stdout.splitlines()) <= int(width)


def test_list_agrees_with_real_feed_files(capsys, real_feed):
    import yaml

    code, rows = run_json(capsys, "list", str(real_feed), "--format", "json", "--no-cache")
    assert code == 0
    assert len(rows) == 151
    for row in rows:
        text = Path(row["path"]).read_text(encoding="utf-8")
        data = yaml.safe_load(text.split("\n---", 1)[0].removeprefix("---\n"))
        assert row["quality"] == data.get("quality")
        assert row["heat"] == data.get("heat")
        assert row["type"] == data.get("type")
        assert row["category"] == data.get("category")
        assert row["urls"]["original"] == data.get("originalUrl")
        assert row["urls"]["cdn_amp"] == data.get("cdnAmpWebUrl")
        assert row["provider"]["name"] == data["provider"]["name"]
        assert row["topics"] == data["topics"]
        when = data.get("publishedDateTime", data.get("startDateTime"))
        from datetime import UTC

        assert row["published"] == when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ------------------------------------------------------------------ validate


def test_validate_real_feed_exits_0(real_feed):
    result = run("validate", str(real_feed))
    assert result.returncode == 0
    assert "151 article(s) loaded; no problems" in result.stdout


def test_validate_reports_problems(tmp_path, capsys):
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "good.md").write_text(article_text())
    (feed / "bad.md").write_text('---\ntitle: "x\n---\n')
    (feed / "warn.md").write_text(article_text(quality='"lots"', webUrl='"https://x.example/w"'))
    code = main(["validate", str(feed), "--format", "json"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 1
    assert payload["articles"] == 2
    severities = sorted(p["severity"] for p in payload["problems"])
    assert severities == ["error", "warning"]
    assert all(set(p) == {"path", "line", "message", "severity"} for p in payload["problems"])
    code = main(["validate", str(feed)])
    text = capsys.readouterr().out
    assert code == 1
    assert f"{feed / 'bad.md'}\n  line " in text
    assert "1 error(s) and 1 warning(s) in 2 file(s)" in text


# ------------------------------------------------------------------ state: mark, list, export


def test_mark_and_list_state(capsys, sample_feed):
    ids = main(["list", "--format", "ids", "--limit", "4"]) or capsys.readouterr().out.split()
    first, second, third, fourth = ids
    assert main(["mark", first, "--star"]) == 0
    assert main(["mark", second, "--read"]) == 0
    assert main(["mark", third, fourth, "--archive", "--tag", "later"]) == 0
    capsys.readouterr()
    _, rows = run_json(capsys, "list", "--format", "json")
    by_id = {r["id"]: r for r in rows}
    assert by_id[first]["starred"] and by_id[second]["read"]
    assert third not in by_id and fourth not in by_id
    _, archived = run_json(capsys, "list", "--format", "json", "--query", "is:archived")
    assert {r["id"] for r in archived} == {third, fourth}
    assert archived[0]["tags"] == ["later"]
    _, everything = run_json(capsys, "list", "--format", "json", "--all")
    assert len(everything) == len(rows) + 2
    assert main(["mark", "--query", "is:archived", "--unarchive", "--untag", "later"]) == 0
    capsys.readouterr()
    _, rows = run_json(capsys, "list", "--format", "json", "--query", "tag:later")
    assert rows == []


def test_mark_unknown_id_exit_1(capsys):
    assert main(["mark", "not-an-id", "--read"]) == 1
    assert "unknown article id" in capsys.readouterr().err


def test_state_export_import_round_trip(tmp_path, capsys):
    (first,) = main(["list", "--format", "ids", "--limit", "1"]) or capsys.readouterr().out.split()
    main(["mark", first, "--star", "--tag", "keep"])
    export = tmp_path / "state.json"
    assert main(["state", "export", str(export)]) == 0
    data = json.loads(export.read_text())
    assert data["articles"][first]["starred"] is True
    other = tmp_path / "other.sqlite3"
    assert main(["state", "import", str(export), "--state", str(other)]) == 0
    assert main(["state", "import", str(export), "--state", str(other)]) == 0  # idempotent
    capsys.readouterr()
    _, rows = run_json(capsys, "list", "--format", "json", "--state", str(other))
    row = next(r for r in rows if r["id"] == first)
    assert row["starred"] and row["tags"] == ["keep"]


def test_state_import_bad_file_exit_1(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1, "articles": {"x": {"read": "maybe"}}}')
    result = run("state", "import", str(bad))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr


def test_unwritable_state_location_is_a_clear_message(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("list", "--state", str(blocker / "state.sqlite3"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "state" in result.stderr


def test_corrupt_state_is_moved_aside_with_notice(tmp_path):
    state = tmp_path / "state.sqlite3"
    state.write_bytes(b"this is not a database" * 100)
    result = run("list", "--state", str(state), "--format", "ids")
    assert result.returncode == 0
    assert "corrupt" in result.stderr
    assert list(tmp_path.glob("state.sqlite3.corrupt-*"))


def test_kill_9_after_mark_loses_nothing(tmp_path):
    """SIGKILL straight after the command reports success: the change is on disk."""
    import signal

    state = tmp_path / "state.sqlite3"
    ids = run("list", "--format", "ids", "--limit", "1").stdout.split()
    script = (
        "import sys, time\n"
        "from reader.cli import main\n"
        f"main(['mark', {ids[0]!r}, '--star', '--state', {str(state)!r}])\n"
        "print('done', flush=True)\n"
        "time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "done"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    rows = json.loads(run("list", "--format", "json", "--state", str(state)).stdout)
    assert next(r for r in rows if r["id"] == ids[0])["starred"] is True


# ------------------------------------------------------------------ check, on a loopback server


def write_link_feed(folder: Path, server: LinkTestServer, dead_port: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    cases = {
        "ok": {"webUrl": server.url("/ok")},
        "chain": {"webUrl": server.url("/redirect/3")},
        "loop": {"webUrl": server.url("/loop/a")},
        "gone": {"originalUrl": server.url("/status/404"), "ampWebUrl": server.url("/ok?amp")},
        "gone410": {"webUrl": server.url("/status/410")},
        "error": {"webUrl": server.url("/status/500")},
        "nohead": {"webUrl": server.url("/no-head/405")},
        "throttled": {"webUrl": server.url("/throttle/429/1/1")},
        "slow": {"webUrl": server.url("/slow/5")},
        "huge": {"webUrl": server.url("/huge")},
        "closed": {"webUrl": f"http://127.0.0.1:{dead_port}/x"},
        "script": {"webUrl": "javascript:alert(1)"},
        "file": {"originalUrl": "file:///etc/passwd", "webUrl": "ftp://ftp.example/x"},
    }
    for name, urls in cases.items():
        lines = [f'title: "{name}"', "publishedDateTime: 2024-01-01T00:00:00Z"]
        lines += [f'{key}: "{value}"' for key, value in urls.items()]
        (folder / f"{name}.md").write_text("---\n" + "\n".join(lines) + "\n---\n")
    return folder


def test_check_classifies_every_case_and_exits_1(tmp_path, link_server):  # noqa: F811
    sock, port = closed_port()
    try:
        feed = write_link_feed(tmp_path / "links", link_server, port)
        result = run("check", str(feed), "--format", "json", "--timeout", "1")
    finally:
        sock.close()
    assert result.returncode == 1, result.stderr
    rows = json.loads(result.stdout)
    by_title = {}
    listing = json.loads(run("list", str(feed), "--format", "json", "--all").stdout)
    titles = {row["id"]: row["title"] for row in listing}
    for row in rows:
        by_title.setdefault(titles[row["id"]], []).append(row)
    status = {name: [r["status"] for r in rows] for name, rows in by_title.items()}
    assert status["ok"] == ["alive"]
    assert status["chain"] == ["alive"] and by_title["chain"][0]["redirects"] == 3
    assert status["loop"] == ["broken"]
    assert status["gone"] == ["broken", "alive"]
    assert by_title["gone"][0]["code"] == 404 and by_title["gone"][0]["kind"] == "original"
    assert status["gone410"] == ["broken"] and by_title["gone410"][0]["code"] == 410
    assert status["error"] == ["broken"]
    assert status["nohead"] == ["alive"] and by_title["nohead"][0]["method"] == "GET"
    assert status["throttled"] == ["alive"]
    assert status["slow"] == ["timeout"]
    assert status["huge"] == ["alive"]
    assert status["closed"] == ["unreachable"]
    assert status["script"] == ["invalid"]
    assert status["file"] == ["invalid", "invalid"]
    assert link_server.huge_sent < 20 * 1024 * 1024
    fields = {"id", "url", "kind", "status", "code", "final_url", "redirects", "method"}
    fields |= {"elapsed_ms", "error", "checked_at"}
    assert fields <= set(rows[0])


def test_check_text_output_and_cache(tmp_path, link_server):  # noqa: F811
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "a.md").write_text(
        article_text(
            webUrl=f'"{link_server.url("/ok")}"', originalUrl=f'"{link_server.url("/status/404")}"'
        )
    )
    result = run("check", str(feed))
    assert result.returncode == 1
    assert "A title" in result.stdout and "404" in result.stdout
    assert "2 link(s) in 1 article(s): 1 alive, 1 broken" in result.stdout
    hits = link_server.hits("/ok")
    run("check", str(feed))  # cached for 24 h: no new request
    assert link_server.hits("/ok") == hits
    run("check", str(feed), "--recheck")
    assert link_server.hits("/ok") > hits


def test_check_all_alive_exits_0(tmp_path, link_server):  # noqa: F811
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "a.md").write_text(article_text(webUrl=f'"{link_server.url("/ok")}"'))
    result = run("check", str(feed), "--format", "json")
    assert result.returncode == 0
    assert json.loads(result.stdout)[0]["status"] == "alive"


def _terminal_safe(text: str) -> bool:
    """Nothing in `text` can act on a terminal: every character printable, or a newline, or one
    of the joiners and direction marks that real text needs."""
    from reader.text import KEPT_FORMAT

    return all(ch.isprintable() or ch == "\n" or ord(ch) in KEPT_FORMAT for ch in text)


def test_every_command_on_the_hostile_folder(hostile_feed):
    from tests.conftest import HOSTILE_ERRORS, HOSTILE_GOOD

    commands = [
        ["list"],
        ["list", "--format", "json"],
        ["list", "--format", "csv"],
        ["list", "--format", "ids"],
        ["list", "--no-cache", "--all"],
        ["validate"],
        ["validate", "--format", "json"],
        ["mark", "--star", "--tag", "seen", "--query", "name OR markup", "-c"],
    ]
    for args in commands:
        result = run(*args, str(hostile_feed))
        assert "Traceback" not in result.stderr, (args, result.stderr)
        assert _terminal_safe(result.stdout), args
        assert _terminal_safe(result.stderr), args
        assert result.returncode in (0, 1), (args, result.stderr)
    rows = json.loads(run("list", str(hostile_feed), "--format", "json").stdout)
    assert len(rows) == HOSTILE_GOOD
    assert any(r["title"].startswith("[bold red]Markup[/]") for r in rows)
    paths = [r["path"] for r in rows]
    # Names that are not UTF-8, or hold controls, are shown escaped (and the files load).
    assert any(p.endswith("latin1-caf\\xe9.md") for p in paths), paths
    assert any(p.endswith("new\\x0aline.md") for p in paths), paths
    assert any(p.endswith("esc\\x1b[2J\\x1b]0;pwned\\x07.md") for p in paths), paths
    result = run("validate", str(hostile_feed), "--format", "json")
    assert result.returncode == 1
    errors = [p for p in json.loads(result.stdout)["problems"] if p["severity"] == "error"]
    assert len(errors) == HOSTILE_ERRORS
    reasons = {Path(p["path"]).name: p["message"] for p in errors}
    assert "alias bomb" in reasons["alias-bomb.md"]
    assert "contains itself" in reasons["alias-loop.md"]
    assert "named pipe" in reasons["fifo.md"]
    assert "character device" in reasons["zero.md"]
    assert "1.0 GB" in reasons["sparse.md"]
    assert "front matter of 1,200,0" in reasons["huge-front-matter.md"]
    assert "out of range" in reasons["duplicate-date.md"]
    text = run("validate", str(hostile_feed)).stdout
    assert "broken-\\xff\\x1b[31m\\x0aname.md" in text
    marked = run("list", str(hostile_feed), "--query", "is:starred tag:seen")
    assert marked.stdout.count("Hostile name") == 3


def test_csv_cells_never_start_a_formula(hostile_feed):
    rows = list(
        csv.DictReader(io.StringIO(run("list", str(hostile_feed), "--format", "csv").stdout))
    )
    formula = next(r for r in rows if "HYPERLINK" in r["title"])
    assert formula["title"].startswith("'=HYPERLINK(")
    assert formula["provider"] == "'@SUM(1+1)"
    assert formula["topics"] == "'-2+3; +cmd"
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), row
    negative = [r for r in rows if r["heat"].startswith("-")]
    assert all(r["heat"].lstrip("-").isdigit() for r in negative)  # numbers stay numbers


def test_a_fifo_given_as_a_path_is_a_one_line_failure(tmp_path):
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    for args in (["list", str(fifo)], ["validate", str(fifo)], [str(fifo)]):
        result = run(*args)
        assert result.returncode == 1, args
        assert result.stderr.strip() == f"reader: not a file or folder: {fifo} (a named pipe)"
        assert result.stdout == ""


# ------------------------------------------------------------------ hardening


def test_check_never_lets_a_server_write_to_the_terminal(tmp_path, link_server):  # noqa: F811
    """Fault 13: `reader check` printed a server's reason phrase and a refused Location raw (an
    OSC title change and a screen clear were seen); JSON wrote C1 controls raw (fault 14)."""
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "a.md").write_text(
        article_text(
            webUrl=f'"{link_server.url("/hostile-reason")}"',
            originalUrl=f'"{link_server.url("/hostile-location")}"',
        )
    )
    text = run("check", str(feed), "--recheck")
    assert text.returncode == 1
    assert _terminal_safe(text.stdout) and _terminal_safe(text.stderr), repr(text.stdout)
    assert "✗ 404" in text.stdout and "not followed: javascript:alert(1)" in text.stdout
    result = run("check", str(feed), "--format", "json", "--recheck")
    assert _terminal_safe(result.stdout), repr(result.stdout)
    rows = {row["url"].rsplit("/", 1)[1]: row for row in json.loads(result.stdout)}
    # The data itself, escaped in the JSON (httpx already drops the reason phrase's non-ASCII).
    assert rows["hostile-location"]["final_url"] == "javascript:alert(1)\x9b2J\x9d0;title\x9c"
    assert rows["hostile-reason"]["error"].startswith("Not Found")


def test_a_state_file_held_by_another_process_is_one_line_exit_1(tmp_path, capsys, monkeypatch):
    """Fault 2: `reader mark` printed a traceback when another process held the write lock."""
    from dataclasses import replace

    from reader import settings

    quick = replace(settings.DEFAULTS, state_busy_timeout_ms=100, state_retry_seconds=0.3)
    monkeypatch.setattr(settings, "DEFAULTS", quick)
    state = tmp_path / "state.sqlite3"
    ids = run("list", "--format", "ids").stdout.split()
    assert main(["mark", ids[0], "--read", "--state", str(state)]) == 0
    helper = Path(__file__).with_name("store_kill_helper.py")
    holder = subprocess.Popen(
        [sys.executable, str(helper), "hold", str(state), "5"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        capsys.readouterr()
        code = main(["mark", ids[0], "--star", "--tag", "x", "--state", str(state)])
        err = capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("reader mark: state file busy; not saved: star for 1 article(s)")


def test_state_import_validates_everything_on_the_way_in(tmp_path):
    """Fault 15: a first_seen before year 1000 was stored as `1-01-01T05:00:00Z` and every later
    command failed; deep JSON and a 5,001-digit integer gave tracebacks; a 50 MB bad value was
    echoed whole."""
    state = tmp_path / "state.sqlite3"
    cases = {
        "ancient.json": json.dumps(
            {"version": 1, "articles": {"a": {"read": True, "first_seen": "0999-01-01T00:00:00Z"}}}
        ),
        "deep.json": "[" * 100_000 + "]" * 100_000,
        "digits.json": '{"version": 1, "articles": {"a": {"read": ' + "9" * 5001 + "}}}",
        "huge-value.json": json.dumps(
            {"version": 1, "articles": {"a": {"read": "x" * 50_000_000}}}
        ),
        "bad-tag.json": json.dumps(
            {"version": 1, "articles": {"a": {"tags": ["ok", "rtl\u202e"]}}}
        ),
        "control-id.json": json.dumps({"version": 1, "articles": {"evil\x1b[2J": {"read": True}}}),
    }
    for name, content in cases.items():
        path = tmp_path / name
        path.write_text(content)
        result = run("state", "import", str(path), "--state", str(state))
        assert result.returncode == 1, name
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, name
        assert len(result.stderr) < 400, (name, len(result.stderr))
        assert _terminal_safe(result.stderr), name
    assert run("list", "--state", str(state), "--format", "ids").returncode == 0
    exported = json.loads(run("state", "export", "--state", str(state)).stdout)
    assert exported["articles"] == {}  # nothing was stored


def test_list_query_link_status_is_parsed_not_substring_matched(tmp_path, link_server):  # noqa: F811
    """Fault 17: `--query Link:broken` ignored the link results (a case-sensitive substring test
    on the query text decided whether to load them)."""
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "good.md").write_text(
        article_text(title='"good"', webUrl=f'"{link_server.url("/ok?l")}"')
    )
    (feed / "bad.md").write_text(
        article_text(title='"bad"', webUrl=f'"{link_server.url("/status/404?l")}"')
    )
    run("check", str(feed))
    for query in ("link:broken", "Link:broken", "LINK:Broken", "(link:broken)"):
        titles = [
            r["title"]
            for r in json.loads(run("list", str(feed), "--query", query, "--format", "json").stdout)
        ]
        assert titles == ["bad"], query
    archived = run("list", str(feed), "--query", "Is:Archived", "--format", "ids")
    assert archived.returncode == 0 and archived.stdout == ""


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs /proc")
def test_a_huge_concurrency_is_capped(tmp_path, link_server):  # noqa: F811
    """Fault 16: `--concurrency 100000` allocated 189 MB for one URL."""
    from reader.links import MAX_CONCURRENCY, LinkChecker

    assert LinkChecker(concurrency=100_000).concurrency == MAX_CONCURRENCY
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "a.md").write_text(article_text(webUrl=f'"{link_server.url("/ok?c")}"'))
    code = (
        "import sys; from reader.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "print(int(peak.split()[1]) // 1024, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "check", str(feed), "--concurrency", "100000"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stderr.strip().splitlines()[-1]) < 120  # MB of peak RSS; it was over 220
