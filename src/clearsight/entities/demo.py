"""The entities step of ``clearsight demo``: who is who among the demo world's traders and seizure parties."""

from __future__ import annotations

from pathlib import Path

from clearsight.console import console
from clearsight.core.settings import Settings
from clearsight.core.steps import DemoStep
from clearsight.core.warehouse import Warehouse
from clearsight.core.workspace import Workspace


def demo_entities(settings: Settings, warehouse: Warehouse) -> list[Path]:
    """Resolve the demo world's parties and seizure parties into entities (kept for the portal's
    trader pages and the audit candidates), and measure them against the world's planted identities."""
    from clearsight.entities import resolve_warehouse
    from clearsight.synth import read_world_params

    world = Workspace(settings).demo_world_dir
    truth = read_world_params(world).get("identities", {}).get("entities") if world.is_dir() else None
    r = resolve_warehouse(warehouse, truth_groups=truth)
    console.print(
        f"   {r.records:,} trader and seizure-party records, {r.pairs_scored:,} pairs scored: "
        f"{r.accepted_pairs:,} merged, {r.name_only_links:,} known by name only linked, "
        f"{r.review_pairs:,} in the review queue; {r.multi_record_entities:,} traders under more than one "
        f"record ({r.seconds:.1f}s)",
        highlight=False,
    )
    if r.quality:
        q = r.quality
        console.print(
            f"   against the planted identities: precision {q['precision']:.3f}, recall {q['recall']:.3f} "
            f"(pairwise); {q['entities_exact']:,} of {q['true_entities']:,} entities exactly right",
            highlight=False,
        )
    return []


STEP = DemoStep("entity resolution of traders", demo_entities)
