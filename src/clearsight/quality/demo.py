"""The quality step of ``clearsight demo``: the data quality report of everything ingested."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from clearsight.core.settings import Settings
from clearsight.core.steps import DemoStep
from clearsight.core.warehouse import Warehouse
from clearsight.core.workspace import Workspace


def demo_quality(settings: Settings, warehouse: Warehouse) -> list[Path]:
    from clearsight.quality.html import write_html
    from clearsight.quality.report import build_report

    report = build_report(warehouse, dt.datetime.now(dt.UTC).date())
    return [write_html(report, Workspace(settings).report("quality.html"), Workspace(settings).currency)]


STEP = DemoStep("checking data quality", demo_quality)
