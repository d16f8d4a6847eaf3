"""The performance step of ``clearsight demo``: a contract per large office, tracked against its
targets, and the integrity indicators with the flags they raise on the planted officer and office."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from clearsight.console import console
from clearsight.core.settings import Settings
from clearsight.core.steps import DemoStep
from clearsight.core.warehouse import Warehouse
from clearsight.core.workspace import Workspace

TARGETS = """  median_release_h: 24
  p90_release_h: 96
  within_tfa_target: 0.8
  red_share: 0.05
  yellow_share: 0.08
  hit_rate: 0.15
  quality_flagged_share: 0.02
"""


def demo_contract_text(office: str, year: int) -> str:
    return (f"id: {office.lower()}-{year}\ntitle: {office}, {year}\noffice: {office}\n"
            f"period: {{from: {year}-01, to: {year}-12}}\ntfa_target_hours: 48\n"
            f"signatory: {{name: Director General, title: Commissioner of Customs}}\nindicators:\n{TARGETS}")


def demo_performance(settings: Settings, warehouse: Warehouse) -> list[Path]:
    from clearsight.performance import contract_status, integrity_report, save_contract, write_contract_html
    from clearsight.performance.html import value_text, write_integrity_html

    workspace = Workspace(settings)
    d = warehouse.table("declarations")
    last = d.lodged_at.max().to_pyarrow().as_py()
    year = (last or dt.datetime.now()).year
    offices = d.group_by("office_id").aggregate(n=d.count()).order_by([d.count().desc(), "office_id"]).limit(3)
    paths = []
    for office in offices.to_pyarrow().column("office_id").to_pylist():
        contract, _ = save_contract(workspace.contracts_dir, demo_contract_text(office, year), "clearsight demo")
        status = contract_status(warehouse, contract)
        paths.append(write_contract_html(status, workspace.report(f"pmc-{contract.id}.html"), workspace.currency))
        missed = [i["label"] for i in status["indicators"] if i["status"] == "missed"]
        console.print(f"   contract {contract.id}: {status['met']} of {len(status['indicators'])} targets met"
                      + (f"; missed: {', '.join(missed)}" if missed else ""), highlight=False)
        median = next(i for i in status["indicators"] if i["indicator"] == "median_release_h")
        console.print(f"     median release {value_text(median['value'], 'hours')} (target ≤ 24 h), "
                      f"trend {median['trend'] or '—'}", highlight=False)
    from clearsight.selectivity import lane_decisions

    decisions = lane_decisions(warehouse, None) if warehouse.has_table("selections") else None
    report = integrity_report(warehouse, decisions=decisions)
    paths.append(write_integrity_html(report, workspace.report("integrity.html")))
    console.print(f"   integrity: {len(report['flags'])} flags (a reason to look, not a finding)", highlight=False)
    planted = _planted(workspace)
    for f in report["flags"]:
        who = " ".join(x for x in (f.get("office_id"), f.get("officer_id"), f.get("importer_id")) if x)
        mark = " (planted)" if (f.get("officer_id") or f["office_id"]) in planted else ""
        console.print(f"     {f['label']}: {who}: {f['detail']}{mark}", highlight=False)
    return paths


def _planted(workspace: Workspace) -> set[str]:
    """The officer and office the synthetic world planted (world.json), to mark their flags."""
    import json

    try:
        truth = json.loads((workspace.demo_world_dir / "world.json").read_text(encoding="utf-8")).get("integrity", {})
    except (OSError, ValueError):
        return set()
    return {truth.get("officer", {}).get("officer_id"), truth.get("office", {}).get("office_id")} - {None}


STEP = DemoStep("performance contracts and integrity indicators", demo_performance)
