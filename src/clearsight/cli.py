"""The ``clearsight`` command line: the root app, ``init`` and ``schema``, and the list of rooms.

Each room's ``cli.py`` adds its commands with ``register(app)``, built on the command kit
(:mod:`clearsight.cli_kit`); this module knows nothing else of them, and no room imports it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from clearsight import demo
from clearsight.access import cli as access_cli
from clearsight.cli_kit import emit, open_warehouse, workspace_of
from clearsight.console import console, fail
from clearsight.core.settings import Settings
from clearsight.entities import cli as entities_cli
from clearsight.forecast import cli as forecast_cli
from clearsight.hs import cli as hs_cli
from clearsight.ingest import cli as ingest_cli
from clearsight.lab import cli as lab_cli
from clearsight.performance import cli as performance_cli
from clearsight.portal import cli as portal_cli
from clearsight.privacy import cli as privacy_cli
from clearsight.quality import cli as quality_cli
from clearsight.release import cli as release_cli
from clearsight.risk import cli as risk_cli
from clearsight.rules import cli as rules_cli
from clearsight.selectivity import cli as selectivity_cli
from clearsight.synth import cli as synth_cli
from clearsight.trade import cli as trade_cli

#: Each adds its commands with ``register(app)``, in this order: ``clearsight --help`` lists the commands in
#: the order they were added, then the groups in theirs.
ROOMS = (
    ingest_cli,
    demo,
    quality_cli,
    synth_cli,
    release_cli,
    forecast_cli,
    performance_cli,
    trade_cli,
    entities_cli,
    portal_cli,
    lab_cli,
    risk_cli,
    access_cli,
    hs_cli,
    privacy_cli,
    selectivity_cli,
    rules_cli,
)

app = typer.Typer(
    name="clearsight",
    help="Customs data analytics: load declarations, check their quality, target risky shipments.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def main_options(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option("--home", help="Workspace folder (default: $CLEARSIGHT_HOME or ./clearsight-home)."),
    ] = None,
) -> None:
    settings = Settings()
    if home is not None:
        settings = settings.model_copy(update={"home": home})
    ctx.obj = settings


@app.command()
def init(ctx: typer.Context) -> None:
    """Create the workspace folder and its warehouse."""
    with open_warehouse(ctx):
        pass
    console.print(f"workspace ready: {workspace_of(ctx).home.resolve()}")


@app.command()
def schema(
    table: Annotated[str | None, typer.Argument(help="A canonical table; all of them when omitted.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print the canonical data model: fields, types, required flags, WCO Data Model IDs."""
    from clearsight.schema import TABLES, get_table

    try:
        tables = [get_table(table)] if table else list(TABLES.values())
    except ValueError as exc:
        fail(str(exc))
    emit(_schema_json(tables), as_json, lambda _: _print_schema(tables))


def _schema_json(tables: list) -> dict:
    return {
        t.name: {
            "description": t.description,
            "key": list(t.key),
            "fields": [
                {
                    "name": f.name,
                    "type": f.dtype,
                    "kind": f.kind,
                    "required": f.required,
                    "description": f.description,
                    "wco_id": f.wco_id,
                    **({"values": list(f.values)} if f.values else {}),
                    **({"derived": True} if f.derived else {}),
                }
                for f in (*t.fields, *t.extra_fields)
            ],
        }
        for t in tables
    }


def _print_schema(tables: list) -> None:
    for t in tables:
        grid = RichTable(title=f"{t.name} — {t.description}", title_justify="left")
        for col in ("field", "type", "required", "WCO ID", "description"):
            grid.add_column(col)
        for f in t.fields:
            note = f" (one of: {', '.join(f.values)})" if f.values else (" (derived)" if f.derived else "")
            grid.add_row(f.name, f.dtype, "yes" if f.required else "", f.wco_id or "", f.description + note)
        for f in t.extra_fields:
            grid.add_row(f.name, f.dtype, "", f.wco_id or "", f.description + " → inspections")
        console.print(grid)
        if t.key:
            console.print(f"key: {', '.join(t.key)}\n")


for room in ROOMS:
    room.register(app)


def main() -> None:
    """Entry point: a user error is one line on stderr, never a traceback."""
    import os
    import sys

    from clearsight.console import err_console
    from clearsight.core.errors import UserError

    try:
        app()
    except UserError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except Exception as exc:
        if os.environ.get("CLEARSIGHT_DEBUG"):
            raise
        err_console.print(
            f"[bold red]internal error:[/] {type(exc).__name__}: {exc}\n"
            "(set CLEARSIGHT_DEBUG=1 to see where; please report it)",
            highlight=False,
            soft_wrap=True,
        )
        sys.exit(3)


if __name__ == "__main__":
    main()
