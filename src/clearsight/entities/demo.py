"""The entities step of ``clearsight demo``: who is who among the demo world's traders and seizure parties."""

from __future__ import annotations

import time
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
    return audit_candidates_step(settings, warehouse)


def audit_candidates_step(settings: Settings, warehouse: Warehouse) -> list[Path]:
    """``clearsight pca candidates`` over the world's last 12 months, HS codes not checked: the top three
    traders with their expected revenue at risk and first reason, and the HTML report of the top 20."""
    from clearsight.core.reports import money
    from clearsight.entities import audit_candidates
    from clearsight.entities.candidates import last_months
    from clearsight.entities.html import write_candidates_html

    workspace = Workspace(settings)
    period = last_months(warehouse, 12)
    if period is None:
        return []
    started = time.perf_counter()
    # Without the HS check: the demo trains its classifier in a later step, and on a later run checking
    # a year of declarations took 9.5 s of 10.2 s at 20,000 items (a minute or more at 200,000).
    report = audit_candidates(warehouse, period)
    report["hs_note"] = (
        "not counted in the demo; clearsight pca candidates counts them once clearsight hs train has run"
    )
    seconds = time.perf_counter() - started
    path = write_candidates_html(report, workspace.report("pca-candidates.html"), workspace.currency)
    console.print(
        f"   post-clearance audit candidates, {report['period']}: {report['entities_ranked']:,} traders "
        f"ranked by expected revenue at risk ({seconds:.1f}s); the top three:",
        highlight=False,
    )
    for n, c in enumerate(report["candidates"][:3], start=1):
        reason = c["reasons"][0] if c["reasons"] else "its declarations' duty at the national fraud rate"
        console.print(
            f"   {n}. {c['name']} [{', '.join(c['party_ids'])}]  "
            f"{money(c['expected_revenue_at_risk'], workspace.currency)}: {reason}",
            highlight=False,
        )
    console.print(
        f"   every trader's records, network and history: /traders in the portal; the ranking: "
        f"/audit-candidates (or clearsight pca candidates --period {period})",
        highlight=False,
    )
    return [path]


STEP = DemoStep("entity resolution of traders", demo_entities)
