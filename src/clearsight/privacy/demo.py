"""The privacy step of ``clearsight demo``: one research release and one table of public statistics."""

from __future__ import annotations

from pathlib import Path

from clearsight.console import console
from clearsight.core.settings import Settings
from clearsight.core.steps import DemoStep
from clearsight.core.warehouse import Warehouse
from clearsight.core.workspace import Workspace


def demo_step(settings: Settings, warehouse: Warehouse) -> list[Path]:
    """Release the declarations to a demo university and publish statistics; returns the report written."""
    from clearsight.privacy.html import write_html
    from clearsight.privacy.release import ReleaseOptions, build_release
    from clearsight.privacy.stats import StatsOptions, publish

    options = ReleaseOptions(
        profile="research",
        recipient="demo-university",
        new_key=True,  # only when the demo has no key yet: a re-run keeps the same pseudonyms
        out=Workspace(settings).releases_dir / "demo-university",
        overwrite=True,
        max_suppression=1.0,
    )
    result = build_release(warehouse, options, Workspace(settings).secrets_dir, Workspace(settings).releases_dir)
    html = write_html(result.manifest, Workspace(settings).reports_dir / "share-demo-university.html")
    rows = result.manifest["rows"]
    kept = result.utility.get("model", {}).get("budgets", {}).get("5", {}).get("precision_kept")
    console.print(
        f"   release for demo-university: {rows['released']:,} of {rows['source']:,} items "
        f"(k = {result.manifest['k']}, risk {'PASS' if result.risk.passed else 'FAIL'}"
        + (f", model precision kept at 5 %: {kept:.0%}" if kept is not None else "")
        + f") in {result.path}",
        highlight=False,
    )
    stats = publish(
        warehouse,
        StatsOptions(
            by=["hs2", "partner", "month"],
            out=Workspace(settings).statistics_dir / "hs2-partner-month",
            overwrite=True,
        ),
        Workspace(settings).statistics_dir,
    )
    s = stats["suppression"]
    console.print(
        f"   public statistics by hs2, partner, month: {s['published']:,} of {s['cells']:,} cells published "
        f"in {stats['path']}",
        highlight=False,
    )
    return [html]


STEP = DemoStep("an anonymised release and public statistics", demo_step)
