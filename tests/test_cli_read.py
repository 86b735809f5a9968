"""`reader read`: articles' full text from a real loopback server, as a user runs it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from reader.cli import main
from reader.collection import open_collection
from tests.conftest import article_text
from tests.reading_server import ReadingServer, server

__all__ = ["server"]  # fixtures

JSON_FIELDS = {"id", "url", "kind", "title", "text", "markdown", "words", "fetched_at", "error"}


def write_feed(folder: Path, articles: dict[str, dict[str, str]]) -> dict[str, str]:
    """Article files named by key; returns key -> article id."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, fields in articles.items():
        yaml = {k: f'"{v}"' for k, v in fields.items()}
        yaml.setdefault("title", f'"Feed title {name}"')
        (folder / f"{name}.md").write_text(article_text(**yaml), encoding="utf-8")
    collection = open_collection([str(folder)], use_cache=False)
    return {Path(a.path).stem: a.id for a in collection.articles}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reader", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )


@pytest.fixture
def feed(tmp_path: Path, server: ReadingServer) -> tuple[Path, dict[str, str]]:
    folder = tmp_path / "feed"
    ids = write_feed(
        folder,
        {
            "live": {"originalUrl": server.url("/article/Live"), "webUrl": ""},
            "amp": {
                "originalUrl": server.url("/status/404"),
                "webUrl": server.url("/status/500"),
                "ampWebUrl": server.url("/article/Amp"),
            },
            "pdf": {"originalUrl": server.url("/pdf"), "webUrl": ""},
            "hostile": {"originalUrl": server.url("/hostile"), "webUrl": ""},
        },
    )
    return folder, ids


def test_markdown_of_a_live_article(feed: tuple[Path, dict[str, str]]) -> None:
    folder, ids = feed
    result = run("read", ids["live"], "-c", str(folder))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Live\n")
    assert "Original, " in result.stdout and "/article/Live" in result.stdout
    assert "city council voted" in result.stdout
    assert "- First point of the plan" in result.stdout  # a Markdown list
    assert "Home" not in result.stdout  # the navigation is not the article


def test_json_shape_and_fall_through_to_amp(feed: tuple[Path, dict[str, str]], capsys) -> None:
    folder, ids = feed
    code = main(["read", ids["amp"], ids["live"], "-c", str(folder), "--format", "json"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [item["id"] for item in payload] == [ids["amp"], ids["live"]]  # the order asked
    amp, live = payload
    assert set(amp) == JSON_FIELDS
    assert amp["kind"] == "amp" and amp["url"].endswith("/article/Amp")
    assert amp["title"] == "Amp" and amp["error"] is None
    assert amp["words"] == len(amp["text"].split()) > 50
    assert amp["markdown"].startswith("# Amp") or "Amp" in amp["markdown"]
    assert live["kind"] == "original" and live["fetched_at"].endswith("Z")


def test_text_format_is_plain(feed: tuple[Path, dict[str, str]], capsys) -> None:
    folder, ids = feed
    assert main(["read", ids["live"], "-c", str(folder), "--format", "text"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Live\n")
    assert not re.search(r"^#", out, re.M) and "](" not in out  # no Markdown heading or link
    assert "First point of the plan" in out


def test_a_failure_is_one_line_and_exit_1(feed: tuple[Path, dict[str, str]]) -> None:
    folder, ids = feed
    result = run("read", ids["pdf"], ids["live"], "-c", str(folder))
    assert result.returncode == 1
    assert "city council voted" in result.stdout  # the good one is still printed
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1
    assert ids["pdf"] in errors[0] and "application/pdf" in errors[0]


def test_unknown_id_is_an_error_in_the_json(feed: tuple[Path, dict[str, str]], capsys) -> None:
    folder, ids = feed
    code = main(["read", "nope", ids["live"], "-c", str(folder), "--format", "json"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 1
    assert payload[0]["id"] == "nope" and payload[0]["error"] == "unknown article id"
    assert payload[0]["url"] is None and payload[1]["error"] is None


def test_query_selects_the_articles(feed: tuple[Path, dict[str, str]], capsys) -> None:
    folder, ids = feed
    code = main(["read", "-c", str(folder), "--query", "amp", "--format", "json"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [item["id"] for item in payload] == [ids["amp"]]


def test_hostile_page_reaches_no_terminal(feed: tuple[Path, dict[str, str]]) -> None:
    folder, ids = feed
    for output in ("markdown", "text", "json"):
        result = run("read", ids["hostile"], "-c", str(folder), "--format", output)
        assert result.returncode == 0, result.stderr
        assert "\x1b" not in result.stdout and "\x9b" not in result.stdout
        assert "EVIL_SCRIPT_TEXT" not in result.stdout
        assert "[bold]stays[/bold]" in result.stdout  # markup is text, kept literally


def test_cache_reads_offline_and_refresh_fetches_again(tmp_path: Path) -> None:
    srv = ReadingServer()
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    folder = tmp_path / "feed"
    ids = write_feed(folder, {"one": {"originalUrl": srv.url("/article/Cached"), "webUrl": ""}})
    first = run("read", ids["one"], "-c", str(folder), "--format", "json")
    srv.shutdown()
    srv.server_close()
    assert first.returncode == 0, first.stderr
    again = run("read", ids["one"], "-c", str(folder), "--format", "json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == json.loads(first.stdout)  # same text, same fetched_at
    refreshed = run("read", ids["one"], "-c", str(folder), "--refresh", "--timeout", "3")
    assert refreshed.returncode == 1
    assert "cannot connect" in refreshed.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["read"],
        ["read", "x", "--format", "html"],
        ["read", "x", "--timeout", "0"],
        ["read", "x", "--concurrency", "0"],
        ["read", "--query", "quality>"],
    ],
)
def test_usage_errors_exit_2(args: list[str], capsys) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
