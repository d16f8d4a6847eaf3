"""`clearsight demo`: the main job end to end on a synthetic administration.

Generate a synthetic customs world, ingest every table through the quality gate, write the quality
report, and say where to look. Each later room adds its step here, so the demo stays one product.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from clearsight.console import UserError, console, fail

#: Load order: parties first, declarations before what refers to them.
LOAD_ORDER = ("parties", "declarations", "inspections", "events", "trade_flows", "seizures")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    ctx: typer.Context,
    items: Annotated[
        int, typer.Option("--items", min=100, help="Goods items in the synthetic world.")
    ] = 200_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the synthetic world.")] = 42,
) -> None:
    """Synthesise a customs world, ingest it, check its quality and say where to look."""
    from clearsight.cli import settings_of
    from clearsight.config import init_workspace
    from clearsight.ingest.load import ingest_file
    from clearsight.quality.html import write_html
    from clearsight.quality.report import build_report
    from clearsight.synth import generate_world, write_world
    from clearsight.warehouse import connect

    settings = settings_of(ctx)
    home = init_workspace(settings)
    world_dir = home / "demo-world"
    console.rule(f"[bold]clearsight demo[/] — workspace {home.resolve()}")

    marker = world_dir / "world.json"
    if marker.exists():
        console.print(f"1. synthetic world already in {world_dir} (delete it to regenerate)")
    else:
        console.print(f"1. generating a synthetic customs world: {items:,} goods items, seed {seed}")
        world = generate_world(items=items, seed=seed)
        write_world(world, world_dir, "csv")
    console.print(f"   files: {world_dir}")

    console.print("2. ingesting every table through the quality gate")
    warehouse = connect(settings.warehouse_url)
    try:
        for table in LOAD_ORDER:
            path = world_dir / f"{table}.csv"
            if not path.exists():
                continue
            try:
                result = ingest_file(
                    warehouse,
                    table,
                    path,
                    tmp_dir=settings.tmp_dir / "duckdb",
                    memory_limit=settings.ingest_memory_limit,
                )
            except UserError as exc:
                fail(str(exc))
            state = (
                "already ingested"
                if result.skipped
                else (
                    f"{result.rows_in:,} in, {result.accepted:,} accepted, {result.quarantined:,} quarantined"
                    f" ({result.seconds:.1f}s)"
                )
            )
            console.print(f"   {table:<13} {state}", highlight=False)

        console.print("3. checking data quality")
        report = build_report(warehouse, dt.datetime.now(dt.UTC).date())
        quality_html = write_html(report, settings.reports_dir / "quality.html")
    finally:
        warehouse.close()

    console.rule("where to look")
    console.print(f"quality report   {Path(quality_html).resolve()}")
    console.print(f"warehouse        {settings.warehouse_url}")
    console.print(f"synthetic world  {world_dir.resolve()} (ground_truth.* is for simulators only)")
    home_opt = f"--home {settings.home}"
    console.print(
        f"next             clearsight {home_opt} quality   |   clearsight {home_opt} quarantine list"
    )
