"""The shape of the package, held: the flow runs one way, the UI sits on top."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "reader"


def _modules() -> dict[str, ast.Module]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = ast.parse(path.read_text(encoding="utf-8"))
    return modules


def _imports(tree: ast.Module) -> set[str]:
    """Every module named by an import anywhere in the tree (function-level ones included)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_nothing_outside_the_tui_imports_textual() -> None:
    for name, tree in _modules().items():
        if name.startswith("reader.tui"):
            continue
        textual = {m for m in _imports(tree) if m == "textual" or m.startswith("textual.")}
        assert not textual, (name, textual)


def test_no_import_cycle_in_the_package() -> None:
    modules = _modules()
    graph = {
        name: {m for m in _imports(tree) if m in modules and m != name}
        for name, tree in modules.items()
    }
    visiting: list[str] = []
    done: set[str] = set()

    def visit(name: str) -> None:
        if name in done:
            return
        assert name not in visiting, " -> ".join([*visiting[visiting.index(name) :], name])
        visiting.append(name)
        for target in sorted(graph[name]):
            visit(target)
        visiting.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)


def test_no_class_is_longer_than_about_500_lines() -> None:
    for name, tree in _modules().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                assert length <= 520, (name, node.name, length)


def test_headless_commands_import_neither_textual_nor_httpx() -> None:
    code = (
        "import sys; from reader.cli import main; main(['list', '--format', 'ids']);"
        "print(sorted(m for m in ('textual', 'httpx') if m in sys.modules), file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().endswith("[]"), result.stderr


def test_the_app_imports_nothing_its_first_frame_does_not_need() -> None:
    """Start-up (issue 14): loading, YAML, link checking, reading mode and story clustering
    are imported when first used (the collection is parsed in a worker after the first
    frame), not with the app."""
    heavy = (
        "httpx",
        "reader.links",
        "reader.reading",
        "reader.clusters",
        "reader.loader",
        "reader.frontmatter",
        "yaml",
        "ftfy",
        "watchfiles",
        "rapidfuzz",
        "trafilatura",
        "markdown_it",  # the body's Markdown widget mounts with the first body shown
    )
    code = (
        "import sys; import reader.tui.app;"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().endswith("[]"), result.stderr
