"""The release step of ``clearsight demo``: the Time Release Study and the control indicators."""

from __future__ import annotations

from pathlib import Path

from clearsight.console import console
from clearsight.core.settings import Settings
from clearsight.core.steps import DemoStep
from clearsight.core.warehouse import Warehouse
from clearsight.core.workspace import Workspace


def demo_release(settings: Settings, warehouse: Warehouse) -> list[Path]:
    """Time Release Study and control indicators."""
    from clearsight.release.html import write_kpi_html, write_release_html
    from clearsight.release.kpi import kpi_report
    from clearsight.release.report import build_release_report
    from clearsight.release.times import ReleaseOptions

    report = build_release_report(warehouse, ReleaseOptions(targets=(24.0, 48.0)), ["office", "lane"])
    release_path = write_release_html(report, Workspace(settings).reports_dir / "release.html")
    kpi = kpi_report(warehouse)
    kpi_path = write_kpi_html(kpi, Workspace(settings).reports_dir / "kpi.html", Workspace(settings).currency)
    overall, lanes = report["overall"], report["dimensions"]["lane"]
    console.print(
        f"   {report['declarations']:,} declarations, median {overall['median_h']:.1f} h, "
        f"{overall['within_target']['24']:.0%} released within 24 h; median by lane: "
        + ", ".join(f"{g['lane']} {g['median_h']:.1f} h" for g in lanes),
        highlight=False,
    )
    k = kpi["overall"]
    hit = f"{k['hit_rate']:.1%}" if k and k["hit_rate"] is not None else "—"
    console.print(f"   controls: {k['selected'] if k else 0:,}, hit rate {hit}", highlight=False)
    return [release_path, kpi_path]


STEP = DemoStep("release times and control indicators", demo_release)
