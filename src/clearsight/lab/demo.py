"""The demo's simulation step: a few weeks of the four strategies on the demo's own world."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from clearsight.console import console
from clearsight.core.steps import DemoStep
from clearsight.core.workspace import Workspace

if TYPE_CHECKING:
    from clearsight.core.settings import Settings
    from clearsight.core.warehouse import Warehouse

#: Short enough for the demo (a minute or two on a laptop), long enough to see the models learn.
DEMO_WEEKS = 10
DEMO_BUDGET = 0.05
#: Items of the world generated when the demo's world folder is missing.
FALLBACK_ITEMS = 60_000


def demo_simulation(settings: Settings, warehouse: Warehouse) -> list[Path]:
    """Simulate random, rules, model and model+explore for :data:`DEMO_WEEKS` weeks at a 5 % budget
    on the demo world (its ground truth), and write the report. The warehouse is not read: each
    strategy keeps its own labels in its own in-memory warehouse."""
    from clearsight.console import progress
    from clearsight.lab.html import write_html
    from clearsight.lab.simulate import generated_world, read_world, simulate

    folder = Workspace(settings).demo_world_dir
    with progress(transient=True) as bar:
        task = bar.add_task("simulating", total=DEMO_WEEKS)
        if (folder / "ground_truth.csv").exists() or (folder / "ground_truth.parquet").exists():
            world = read_world(folder)
        else:
            world = generated_world(FALLBACK_ITEMS, 0, DEMO_WEEKS)
        result = simulate(
            world,
            weeks=DEMO_WEEKS,
            budget=DEMO_BUDGET,
            progress=lambda text, done: bar.update(task, description=text, completed=done),
        )
    data = result.to_json_dict()["strategies"]
    shares = ", ".join(
        f"{name} {s['share_of_oracle'] * 100:.0f} %"
        for name, s in data.items()
        if s["share_of_oracle"] is not None
    )
    console.print(
        f"   {DEMO_WEEKS} weeks from {result.start:%Y-%m-%d} at a 5 % budget, revenue as a share of the oracle: "
        f"{shares}",
        highlight=False,
    )
    return [write_html(result, Workspace(settings).reports_dir / "simulation.html", Workspace(settings).currency)]


STEP = DemoStep("simulation: inspection strategies learning from their own results", demo_simulation)
