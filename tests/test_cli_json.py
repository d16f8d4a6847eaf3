"""Every command that prints a table also gives its rows as JSON (``--json``): a table is for reading,
the same rows as JSON are for a script. The test walks the real Typer app and reads each command's
code (its function and the module functions it calls, transitively) for a Rich table."""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Iterator

import typer

from clearsight.cli import app

TABLE_MARKERS = ("Table(", "RichTable(")


def _commands(group, prefix: str = "") -> Iterator[tuple[str, object]]:
    """(path, command) of every leaf command (Typer's click objects, read by their attributes)."""
    for name, cmd in group.commands.items():
        path = f"{prefix} {name}".strip()
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, path)
        else:
            yield path, cmd


def _reaches_a_table(func, seen: set[int] | None = None) -> bool:
    """Whether ``func`` or a function of its own module it calls (at any depth) builds a Rich table."""
    seen = set() if seen is None else seen
    func = inspect.unwrap(func)
    if id(func) in seen:
        return False
    seen.add(id(func))
    try:
        source = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        return False
    if any(marker in source for marker in TABLE_MARKERS):
        return True
    module = inspect.getmodule(func)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            target = getattr(module, node.id, None)
            same_module = inspect.isfunction(target) and target.__module__ == func.__module__
            if same_module and _reaches_a_table(target, seen):
                return True
    return False


def table_commands() -> dict[str, object]:
    root = typer.main.get_command(app)
    return {path: cmd for path, cmd in _commands(root) if cmd.callback and _reaches_a_table(cmd.callback)}


def test_the_walk_finds_the_commands_known_to_print_tables():
    found = table_commands()
    for known in ("mirror", "valuation reference", "hs evaluate", "drift"):
        assert known in found, known


def test_every_function_building_a_table_is_reached_by_a_command():
    """The walk is complete: a table built in a command module by a function no command reaches
    (called some other way) would escape the check below, so it fails here, naming the function."""
    import importlib
    import pkgutil

    import clearsight

    seen: set[int] = set()
    root = typer.main.get_command(app)
    for _, cmd in _commands(root):
        if cmd.callback:
            _reaches_a_table(cmd.callback, seen)
            _walk_all(cmd.callback, seen)
    modules = ["clearsight.cli"] + [
        f"clearsight.{m.name}.cli" for m in pkgutil.iter_modules(clearsight.__path__) if m.ispkg
    ]
    unreached = []
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        for fname, func in vars(module).items():
            if not inspect.isfunction(func) or func.__module__ != name or id(inspect.unwrap(func)) in seen:
                continue
            if any(marker in inspect.getsource(func) for marker in TABLE_MARKERS):
                unreached.append(f"{name}.{fname}")
    assert not unreached, f"tables built outside any command's reach: {', '.join(unreached)}"


def _walk_all(func, seen: set[int]) -> None:
    """Mark every function of the module reached from ``func`` (not stopping at a table)."""
    func = inspect.unwrap(func)
    module = inspect.getmodule(func)
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError):
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            target = getattr(module, node.id, None)
            if inspect.isfunction(target) and target.__module__ == func.__module__ and id(target) not in seen:
                seen.add(id(target))
                _walk_all(target, seen)


def test_every_command_that_prints_a_table_has_json():
    missing = [
        path
        for path, cmd in sorted(table_commands().items())
        if not any("--json" in getattr(p, "opts", ()) for p in cmd.params)
    ]
    assert not missing, f"commands printing a table without --json: {', '.join(missing)}"
