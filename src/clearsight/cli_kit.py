"""The command kit: what every ``clearsight`` command does the same way.

A room's ``cli.py`` defines its commands as module-level functions and adds them to the main app in one
``register(app)``. The kit gives those functions:

- :func:`settings_of` and :func:`workspace_of`: the settings the main callback stored (``--home``) and
  the workspace they point at (every path lives there);
- :func:`open_warehouse` and :func:`open_app_store`: the two stores, opened for the length of a
  ``with`` block and closed at its end, a warehouse that cannot be opened being one ``error:`` line;
- :func:`command`: a problem the user can fix (:class:`~clearsight.core.errors.UserError`) raised
  anywhere in the command is printed as one ``error:`` line, exit code 2;
- :func:`group`: a command group (``clearsight risk ...``) added to the app;
- :func:`emit`: ``--json`` prints the data as JSON on stdout, otherwise a Rich renderer prints it; the
  report written alongside is named on stderr (JSON) or last (terminal).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer

from clearsight.console import console, err_console, fail
from clearsight.core.errors import UserError
from clearsight.core.settings import Settings
from clearsight.core.workspace import Workspace

if TYPE_CHECKING:
    from clearsight.core.store import Store
    from clearsight.core.warehouse import Warehouse

P = ParamSpec("P")
R = TypeVar("R")


def settings_of(ctx: typer.Context) -> Settings:
    """The settings object the main callback stored (commands call this, never ``Settings()``)."""
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else Settings()


def workspace_of(ctx: typer.Context) -> Workspace:
    """The workspace of this run: every folder and file a command reads or writes."""
    return Workspace(settings_of(ctx))


def create_workspace(workspace: Workspace) -> Path:
    """Create the workspace folders (idempotent); a folder that cannot be made is one ``error:`` line."""
    try:
        return workspace.create()
    except OSError as exc:
        fail(f"cannot create the workspace {workspace.home}: {exc.strerror or exc}")


@contextmanager
def open_warehouse(ctx: typer.Context) -> Iterator[Warehouse]:
    """The warehouse for the length of a ``with`` block (the workspace created first), closed at its end.

    A warehouse that cannot be opened (a bad URL; a DuckDB file another process kept past the wait) is
    one ``error:`` line and exit code 2.
    """
    from clearsight.core.warehouse import WarehouseError

    workspace = workspace_of(ctx)
    create_workspace(workspace)
    try:
        warehouse = workspace.open_warehouse()
    except WarehouseError as exc:  # WarehouseBusy included
        fail(str(exc))
    try:
        yield warehouse
    finally:
        warehouse.close()


@contextmanager
def open_app_store(ctx: typer.Context) -> Iterator[Store]:
    """The app store (users, keys, audit, rules, decisions) for the length of a ``with`` block."""
    store = workspace_of(ctx).open_app_store()
    try:
        yield store
    finally:
        store.close()


def command(func: Callable[P, R]) -> Callable[P, R]:
    """Make ``func`` a command: a :class:`UserError` it raises is one ``error:`` line and exit code 2.

    ``functools.wraps`` keeps the signature and docstring Typer reads for the options and the help.
    """

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except UserError as exc:
            fail(str(exc))

    return run


def group(app: typer.Typer, name: str, help: str) -> typer.Typer:
    """A command group (``clearsight NAME ...``) added to ``app``; without a sub-command it shows its help."""
    sub = typer.Typer(help=help, no_args_is_help=True)
    app.add_typer(sub, name=name)
    return sub


def emit(
    data: Any,
    as_json: bool,
    render: Callable[[Any], None] | None = None,
    *,
    report: Path | None = None,
    indent: int | None = 2,
) -> None:
    """Print ``data``: as JSON on stdout with ``--json`` (``indent=None``: on one line), otherwise with
    ``render(data)``. ``report``, the page written alongside, is named last: on stderr with ``--json``
    (stdout stays one JSON document), on the terminal otherwise."""
    if as_json:
        print(json.dumps(data, indent=indent, default=str))
    elif render is not None:
        render(data)
    if report is not None:
        (err_console if as_json else console).print(f"report: {report}", highlight=False, soft_wrap=True)


def json_line(data: Any) -> None:
    """Print one JSON line (JSON-lines output: one object per input row or file), UTF-8 as it is."""
    print(json.dumps(data, default=str, ensure_ascii=False))


__all__ = [
    "command",
    "create_workspace",
    "emit",
    "group",
    "json_line",
    "open_app_store",
    "open_warehouse",
    "settings_of",
    "workspace_of",
]
