"""The trade step of ``clearsight demo``: mirror analysis against the partners' exports, valuation flags."""

from __future__ import annotations

from pathlib import Path

from clearsight.console import console
from clearsight.core.settings import Settings
from clearsight.core.steps import DemoStep
from clearsight.core.warehouse import Warehouse
from clearsight.core.workspace import Workspace


def demo_trade(settings: Settings, warehouse: Warehouse) -> list[Path]:
    """Mirror analysis of the declared imports against the partners' exports, and valuation flags."""
    from clearsight.trade.html import write_html
    from clearsight.trade.report import build_mirror
    from clearsight.trade.valuation import valuation_flags

    report = build_mirror(warehouse, limit=20)
    path = write_html(report, Workspace(settings).reports_dir / "mirror.html")
    flags = valuation_flags(warehouse.table("declarations"))
    flagged = int(flags.filter(flags.flagged).count().to_pyarrow().as_py())
    revenue = "not estimated" if report.revenue_at_risk is None else f"{report.revenue_at_risk:,.0f} USD"
    console.print(
        f"   {report.pairs:,} pairs compared, {report.flagged:,} gaps flagged, revenue at risk "
        f"{revenue}; {flagged:,} items priced far below their reference unit value",
        highlight=False,
    )
    return [path]


STEP = DemoStep("mirror analysis and valuation", demo_trade)
