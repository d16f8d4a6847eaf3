"""``clearsight simulate``: replay inspection strategies on a synthetic world with ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from clearsight.cli_kit import command, emit, workspace_of
from clearsight.console import console, fail, progress


def _share(value: float, option: str) -> float:
    if not 0.0 <= value <= 100.0:
        fail(f"{option} must be a percentage between 0 and 100, not {value:g}")
    return value / 100


def _strategies(text: str, weeks: int, retrain_every: int) -> list[str]:
    """The strategies named, and one clear line for each option a simulation cannot run with."""
    from clearsight.lab.simulate import MIN_WEEKS, STRATEGIES

    names = [s.strip() for s in text.split(",") if s.strip()]
    if weeks < MIN_WEEKS:
        fail(f"--weeks must be at least {MIN_WEEKS} (got {weeks}): one week shows no learning")
    unknown = [s for s in names if s not in STRATEGIES]
    if unknown:
        fail(f"unknown strategy {unknown[0]!r}: choose among {', '.join(STRATEGIES)}")
    if not names:
        fail(f"--strategies is empty: choose among {', '.join(STRATEGIES)}")
    if len(set(names)) != len(names):
        fail("--strategies names a strategy twice")
    if retrain_every < 1:
        fail(f"--retrain-every must be at least 1 week (got {retrain_every})")
    return names


def register(app: typer.Typer) -> None:
    """Add the ``simulate`` command to the main app."""
    app.command("simulate")(simulate_cmd)


@command
def simulate_cmd(
    ctx: typer.Context,
    world: Annotated[
        Path | None,
        typer.Option(
            "--world", help="Synthetic world folder (from `clearsight synth`), with its ground truth."
        ),
    ] = None,
    items: Annotated[
        int, typer.Option("--items", help="Without --world: goods items of a world generated in memory.")
    ] = 100_000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generated world and of the draws.")] = 0,
    weeks: Annotated[int, typer.Option("--weeks", help="Simulated weeks.")] = 26,
    budget: Annotated[float, typer.Option("--budget", help="Inspection (red) budget, % of items.")] = 5.0,
    strategies: Annotated[
        str, typer.Option("--strategies", help="Comma-separated: random, rules, model, model+explore.")
    ] = "random,rules,model,model+explore",
    explore_share: Annotated[
        float, typer.Option("--explore-share", help="Share of model+explore's red budget spent exploring, %.")
    ] = 20.0,
    retrain_every: Annotated[
        int, typer.Option("--retrain-every", help="Model strategies retrain every this many weeks.")
    ] = 1,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="HTML report (default: <home>/reports/simulation.html)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Replay random, rule, model and model+exploration selection week by week on a synthetic world:
    each strategy learns only from what it inspects; revenue is compared with an oracle."""
    from clearsight.lab.html import write_html
    from clearsight.lab.simulate import generated_world, read_world, simulate

    if not 0.0 < budget <= 100.0:
        fail(f"--budget must be a percentage above 0 and at most 100, not {budget:g}")
    share = _share(explore_share, "--explore-share")
    names = _strategies(strategies, weeks, retrain_every)
    with progress(transient=True) as bar:
        task = bar.add_task("loading the world", total=weeks)
        if world is not None:
            sim_world = read_world(world)
        else:
            bar.update(task, description=f"generating a world of {items:,} items")
            sim_world = generated_world(items, seed, weeks)

        def report(description: str, done: float) -> None:
            bar.update(task, description=description, completed=done)

        result = simulate(
            sim_world,
            weeks=weeks,
            budget=budget / 100,
            strategies=names,
            explore_share=share,
            retrain_every=retrain_every,
            seed=seed,
            progress=report,
        )
    path = write_html(result, out or workspace_of(ctx).report("simulation.html"), workspace_of(ctx).currency)
    emit(result.to_json_dict(), as_json, _print_summary, report=path)


def _print_summary(data: dict) -> None:
    from rich.table import Table

    console.print(
        f"{data['weeks']} weeks from {data['start'][:10]} at a {data['budget']} % budget; "
        f"{data['items_simulated']:,} items simulated ({data['world']})",
        highlight=False,
    )
    grid = Table("strategy", "revenue", "of oracle", "precision", "prohibited found", "scheme found in")
    for name, s in data["strategies"].items():
        inspected, found = sum(s["inspected"]), sum(s["frauds_found"])
        weeks = s["weeks_to_detect_new_scheme"]
        grid.add_row(
            name,
            f"{s['cumulative_revenue']:,.0f}",
            f"{s['share_of_oracle'] * 100:.1f} %" if s["share_of_oracle"] is not None else "—",
            f"{found / inspected * 100:.1f} %" if inspected else "—",
            f"{sum(s['critical_found'])} of {sum(data['critical_items'])}",
            "—" if weeks is None else f"{weeks} weeks",
        )
    console.print(grid)

