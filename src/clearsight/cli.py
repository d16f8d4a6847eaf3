"""The ``clearsight`` command line: one command (or group) per room."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from clearsight.console import console, fail
from clearsight.core.settings import Settings, init_workspace

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


def settings_of(ctx: typer.Context) -> Settings:
    """The settings object the main callback stored (commands call this, never Settings())."""
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else Settings()


@app.command()
def init(ctx: typer.Context) -> None:
    """Create the workspace folder and its warehouse."""
    from clearsight.core.warehouse import WarehouseError, connect

    settings = settings_of(ctx)
    home = init_workspace(settings)
    try:
        connect(settings.warehouse_url).close()
    except WarehouseError as exc:
        fail(str(exc))
    console.print(f"workspace ready: {home.resolve()}")


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
    if as_json:
        out = {
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
        print(json.dumps(out, indent=2))
        return
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


# Rooms register their commands below (each in its own module, imported here).
from clearsight.ingest import cli as ingest_cli  # noqa: E402

ingest_cli.register(app)

from clearsight import demo as demo_cli  # noqa: E402

demo_cli.register(app)

from clearsight.quality import cli as quality_cli  # noqa: E402

quality_cli.register(app)

from clearsight.synth import cli as synth_cli  # noqa: E402

synth_cli.register(app)

from clearsight.release import cli as release_cli  # noqa: E402

release_cli.register(app)

from clearsight.trade import cli as trade_cli  # noqa: E402

trade_cli.register(app)

from clearsight.risk import cli as risk_cli  # noqa: E402

risk_cli.register(app)

from clearsight.access import cli as access_cli  # noqa: E402

access_cli.register(app)

from clearsight.portal import cli as portal_cli  # noqa: E402

portal_cli.register(app)

from clearsight.hs import cli as hs_cli  # noqa: E402

hs_cli.register(app)

from clearsight.privacy import cli as privacy_cli  # noqa: E402

privacy_cli.register(app)

from clearsight.selectivity import sim_cli  # noqa: E402

sim_cli.register(app)

from clearsight.selectivity import drift_cli  # noqa: E402

drift_cli.register(app)

from clearsight.selectivity import cli as selectivity_cli  # noqa: E402

selectivity_cli.register(app)


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
