"""The selectivity step of ``clearsight demo``: three rule profiles an analyst would write, then the
lanes of the last week of the synthetic world, with its report. Safe to run again (the rules are
added once, the week is decided again in place)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import ibis

from clearsight.console import console
from clearsight.core.errors import UserError
from clearsight.core.settings import Settings
from clearsight.core.steps import DemoStep
from clearsight.core.store import open_store
from clearsight.core.warehouse import Warehouse
from clearsight.core.workspace import Workspace
from clearsight.rules import Rule, add_rules, list_rules, rule_of
from clearsight.schema.measures import FOUND_RESULTS
from clearsight.selectivity.report import drift_lines, write_html
from clearsight.selectivity.select import SelectSettings, select_batch

#: Importers with at least this many frauds found in the 90 days before the week join the watch list.
WATCH_FRAUDS = 2
WATCH_SIZE = 5


def watch_list(warehouse: Warehouse, before: dt.datetime) -> list[str]:
    """The importers with the most frauds found in the 90 days before ``before`` (what an
    intelligence unit would put on a watch list)."""
    d, i = warehouse.table("declarations"), warehouse.table("inspections")
    found = i.filter(i.result.isin(FOUND_RESULTS)).select("declaration_id", "item_no")
    recent = d.filter(
        d.lodged_at >= ibis.timestamp(before - dt.timedelta(days=90)), d.lodged_at < ibis.timestamp(before)
    )
    hits = recent.join(found, ["declaration_id", "item_no"])
    top = (
        hits.group_by("importer_id")
        .aggregate(frauds=hits.count())
        .filter(lambda t: t.frauds >= WATCH_FRAUDS)
        .order_by([ibis.desc("frauds"), "importer_id"])
        .limit(WATCH_SIZE)
    )
    return top.to_pyarrow()["importer_id"].to_pylist()


def demo_rules(importers: list[str], start: dt.date) -> list[Rule]:
    rules = [
        {
            "name": "low-unit-value",
            "lane": "yellow",
            "reason": "customs value below 20 per kg: documents checked for under-valuation",
            "max_unit_value": 20,
            "owner": "demo analyst",
        },
        {
            "name": "aeo-small",
            "lane": "green",
            "reason": "facilitation: AEO traders' consignments below 200,000, recorded as facilitated "
            "(a stricter rule, the model or the random control may still select them)",
            "condition": "aeo_status AND customs_value < 200000",
            "owner": "demo analyst",
        },
    ]
    if importers:
        rules.append(
            {
                "name": "watch-list",
                "lane": "red",
                "reason": "importers with the most frauds found in the last 90 days",
                "importers": importers,
                "valid_from": start.isoformat(),
                "valid_to": (start + dt.timedelta(days=90)).isoformat(),
                "owner": "demo analyst",
            }
        )
    return [rule_of(r, f"demo rule {r['name']!r}") for r in rules]


def demo_selectivity(settings: Settings, warehouse: Warehouse) -> list[Path]:
    """Add the demo rules (once), decide the last week's lanes, write the selection report."""
    d = warehouse.table("declarations")
    last = d.aggregate(last=d.lodged_at.max()).to_pyarrow()["last"][0].as_py()
    if last is None:
        raise UserError("no declarations loaded")
    end = last.date()
    start = end - dt.timedelta(days=6)
    store = open_store(settings)
    try:
        known = {r.name for r in list_rules(store)}
        new = [
            r
            for r in demo_rules(watch_list(warehouse, dt.datetime.combine(start, dt.time())), start)
            if r.name not in known
        ]
        if new:
            add_rules(store, new)
        policy = SelectSettings().policy(explore_share=10)
        result = select_batch(settings, warehouse, store, start, end, policy, replace=True)
    finally:
        store.close()
    workspace = Workspace(settings)
    path = write_html(result, workspace.reports_dir / "selection.html", drift_lines(warehouse, settings), workspace.currency)
    lanes = result.lanes()
    by_rule = int(result.hits.any.sum())
    console.print(
        f"   week {start} to {end}: {result.items:,} items — red {lanes['red']:,}, yellow {lanes['yellow']:,}, "
        f"green {lanes['green']:,}; {len(result.rules)} rules hit {by_rule:,} items; "
        f"{len(result.decision.over_budget())} offices over budget",
        highlight=False,
    )
    return [path]


STEP = DemoStep("lanes for the last week: rules, budgets, random control", demo_selectivity)
