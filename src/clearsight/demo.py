"""`clearsight demo`: the main job end to end on a synthetic administration.

Generate a synthetic customs world, ingest every table through the quality gate, write the quality
report, and say where to look. Each later room adds its step here, so the demo stays one product.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from clearsight.console import console, fail, rule
from clearsight.core.errors import UserError
from clearsight.core.workspace import Workspace

if TYPE_CHECKING:
    from clearsight.core.steps import DemoStep
    pass

def room_steps() -> list[DemoStep]:
    """Each room's demo step, in the order the demo runs them (a room's demo module declares ``STEP``)."""
    from clearsight.entities import demo as entities
    from clearsight.forecast import demo as forecast
    from clearsight.hs import demo as hs
    from clearsight.ingest import demo as ingest
    from clearsight.lab import demo as simulation
    from clearsight.performance import demo as performance
    from clearsight.portal import demo as portal
    from clearsight.privacy import demo as privacy
    from clearsight.quality import demo as quality
    from clearsight.release import demo as release
    from clearsight.risk import demo as risk
    from clearsight.risk import feedback_demo as feedback
    from clearsight.selectivity import demo as selection
    from clearsight.trade import demo as trade

    rooms = (ingest, quality, risk, feedback, selection, simulation, trade, release, forecast, entities, performance, hs, privacy, portal)
    return [room.STEP for room in rooms]


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    ctx: typer.Context,
    items: Annotated[
        int, typer.Option("--items", min=100, help="Goods items in the synthetic world.")
    ] = 200_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the synthetic world.")] = 42,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the portal at the end (until Ctrl-C).")
    ] = False,
) -> None:
    """Synthesise a customs world, ingest it, check its quality and say where to look."""
    from clearsight.cli_kit import settings_of
    from clearsight.core.warehouse import WarehouseError
    from clearsight.synth import generate_world, write_world

    settings = settings_of(ctx)
    workspace = Workspace(settings)
    home = workspace.create()
    world_dir = workspace.demo_world_dir
    rule(f"[bold]clearsight demo[/] — workspace {home.resolve()}")

    marker = world_dir / "world.json"
    if marker.exists():
        console.print(f"1. synthetic world already in {world_dir} (delete it to regenerate)")
    else:
        console.print(f"1. generating a synthetic customs world: {items:,} goods items, seed {seed}")
        world = generate_world(items=items, seed=seed)
        write_world(world, world_dir, "csv")
    console.print(f"   files: {world_dir}")

    try:
        warehouse = workspace.open_warehouse()
    except WarehouseError as exc:
        fail(str(exc))
    reports: dict[str, Path] = {}
    try:
        for number, step in enumerate(room_steps(), start=2):
            console.print(f"{number}. {step.title}")
            try:
                for path in step.run(settings, warehouse):
                    reports[path.stem.replace("-", " ") + " report"] = path
            except UserError as exc:
                if step.required:
                    fail(str(exc))
                console.print(f"   [yellow]skipped:[/] {exc}", highlight=False)  # the demo goes on
    finally:
        warehouse.close()

    rule("where to look")
    for name, path in reports.items():
        console.print(f"{name:<22} {Path(path).resolve()}", highlight=False)
    console.print(f"{'warehouse':<22} {settings.warehouse_url}", highlight=False)
    console.print(f"{'synthetic world':<22} {world_dir.resolve()} (ground_truth.* is for simulators only)")
    home_opt = f"--home {settings.home}"
    console.print(
        f"next: clearsight {home_opt} serve   |   clearsight {home_opt} quarantine list", highlight=False
    )
    if serve:
        from clearsight.portal.demo import serve_demo

        serve_demo(settings)
