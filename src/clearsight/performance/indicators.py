"""The indicators of a performance contract, month by month and over its period, with the status of
each against its target and its trend.

One row per declaration lodged in the contract's period (and office, or the declarations a team's
officers controlled) carries what every indicator needs: its lane (the most severe among its in-force
inspection results; none: green), whether it was controlled and found anything, the revenue recovered,
its release time (the Time Release Study's, from the release room: arrival, else lodgement, to
release; declarations without a start or a release, or with milestones out of order, are not timed),
whether a row carries a data-quality flag, and its random-control results. Monthly and period figures
are Ibis aggregates of that row (exact quantiles), the same on DuckDB and Spark.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import ibis.expr.types as ir

from clearsight.core.warehouse import Warehouse
from clearsight.performance.contracts import ALL_OFFICES, Contract
from clearsight.schema.measures import FOUND_RESULTS, in_force

SEVERITY = {"green": 0, "blue": 1, "yellow": 2, "red": 3}
#: Change of the last three months against the three before below which a trend is "steady".
STEADY = 0.02


def _month_bounds(contract: Contract) -> tuple[dt.datetime, dt.datetime]:
    last = contract.last_month
    end = (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return dt.datetime.combine(contract.first_month, dt.time()), dt.datetime.combine(end, dt.time())


def declaration_base(wh: Warehouse, contract: Contract, decisions: ir.Table | None = None) -> ir.Table:
    """One row per declaration of the contract's scope lodged in its period (see the module's docstring)."""
    from clearsight.release import declaration_timeline

    start, end = _month_bounds(contract)
    d = wh.table("declarations")
    d = d.filter((d.lodged_at >= ibis.timestamp(start)) & (d.lodged_at < ibis.timestamp(end)))
    if contract.office != ALL_OFFICES:
        d = d.filter(d.office_id == contract.office)
    flagged = d.quality_flags.notnull() & (d.quality_flags != "") if "quality_flags" in d.columns else ibis.literal(False)
    decl = d.group_by("declaration_id").aggregate(
        office_id=d.office_id.min(), lodged_at=d.lodged_at.min(), items=d.count(), flagged_items=d.count(where=flagged)
    )
    i = in_force(wh.table("inspections"))
    if contract.officers:
        i = i.filter(i.officer_id.isin(list(contract.officers)))
    severity = ibis.cases(*[(i.lane == k, v) for k, v in SEVERITY.items()], else_=0)
    ctl = i.group_by("declaration_id").aggregate(
        severity=severity.max(), hit=i.result.isin(FOUND_RESULTS).any(),
        revenue=i.additional_revenue.fill_null(0).sum(),
    )
    if contract.officers:
        t = decl.inner_join(ctl, "declaration_id")
    else:
        t = decl.left_join(ctl, "declaration_id").drop("declaration_id_right")
    timeline = declaration_timeline(wh)
    timed = timeline.filter(timeline.known & ~timeline.no_start & ~timeline.no_release & ~timeline.out_of_order)
    t = t.left_join(timed.select("declaration_id", "total_h"), "declaration_id").drop("declaration_id_right")
    if decisions is not None:
        s = decisions.filter(decisions.selected_by == "random").select("declaration_id", "item_no").distinct()
        lab = i.group_by(["declaration_id", "item_no"]).aggregate(hit=i.result.isin(FOUND_RESULTS).any())
        r = s.inner_join(lab, ["declaration_id", "item_no"])
        r = r.group_by("declaration_id").aggregate(random_items=r.count(), random_hits=r.count(where=r.hit))
        t = t.left_join(r, "declaration_id").drop("declaration_id_right")
    else:
        t = t.mutate(random_items=ibis.literal(None, "int64"), random_hits=ibis.literal(None, "int64"))
    return t.mutate(
        month=t.lodged_at.truncate("M").date(),
        controlled=t.severity.notnull(),
        red=(t.severity == 3).fill_null(False),
        yellow=(t.severity == 2).fill_null(False),
        hit=t.hit.fill_null(False),
        revenue=t.revenue.fill_null(0.0),
    )


def _aggregate(t: ir.Table, by: list[str], tfa_hours: float) -> list[dict[str, Any]]:
    aggs = {
        "declarations": t.count(),
        "controls": t.count(where=t.controlled),
        "red": t.count(where=t.red),
        "yellow": t.count(where=t.yellow),
        "hits": t.count(where=t.controlled & t.hit),
        "revenue": t.revenue.sum(),
        "timed": t.total_h.count(),
        "within_tfa": t.count(where=t.total_h <= tfa_hours),
        "release_q": t.total_h.quantile([0.5, 0.9]),
        "items": t["items"].sum(),
        "flagged_items": t.flagged_items.sum(),
        "random_items": t.random_items.sum(),
        "random_hits": t.random_hits.sum(),
    }
    expr = t.group_by(by).aggregate(**aggs).order_by(by) if by else t.aggregate(**aggs)
    return expr.to_pyarrow().to_pylist()


def _ratio(a: float | None, b: float | None) -> float | None:
    return float(a) / float(b) if a is not None and b else None


def values_of(row: dict[str, Any]) -> dict[str, float | None]:
    """Every indicator's value from one aggregated row (None where nothing was measured)."""
    q = row.get("release_q") or [None, None]
    timed = row["timed"]
    return {
        "median_release_h": q[0] if timed else None,
        "p90_release_h": q[1] if timed else None,
        "within_tfa_target": _ratio(row["within_tfa"], timed),
        "red_share": _ratio(row["red"], row["declarations"]),
        "yellow_share": _ratio(row["yellow"], row["declarations"]),
        "hit_rate": _ratio(row["hits"], row["controls"]),
        "revenue_per_control": _ratio(row["revenue"] or 0.0, row["controls"]),
        "random_noncompliance": _ratio(row["random_hits"], row["random_items"]),
        "quality_flagged_share": _ratio(row["flagged_items"], row["items"]),
    }


def _trend(series: list[float | None], direction: str) -> str | None:
    """improving, worsening or steady: the mean of the last three measured months against the three before."""
    values = [v for v in series if v is not None]
    if len(values) < 6:
        return None
    recent, before = sum(values[-3:]) / 3, sum(values[-6:-3]) / 3
    if before == 0 and recent == 0:
        return "steady"
    change = (recent - before) / abs(before) if before else 1.0
    if abs(change) < STEADY:
        return "steady"
    better = change < 0 if direction == "at_most" else change > 0
    return "improving" if better else "worsening"


def contract_status(wh: Warehouse, contract: Contract, decisions: ir.Table | None = None) -> dict[str, Any]:
    """The contract's indicators per month and over its period, each with its target and status."""
    base = declaration_base(wh, contract, decisions).cache()
    try:
        monthly = {r["month"].strftime("%Y-%m"): r for r in _aggregate(base, ["month"], contract.tfa_target_hours)}
        period = _aggregate(base, [], contract.tfa_target_hours)[0]
    finally:
        base.release()
    months = contract.months()
    month_values = {m: values_of(monthly[m]) if m in monthly else None for m in months}
    period_values = values_of(period) if period["declarations"] else {}
    indicators = []
    for t in contract.targets:
        series = [{"month": m, "value": (v or {}).get(t.indicator), "met": t.met((v or {}).get(t.indicator))}
                  for m, v in month_values.items()]
        value = period_values.get(t.indicator)
        met = t.met(value)
        measured = [s for s in series if s["value"] is not None]
        indicators.append({
            "indicator": t.indicator, "label": t.label, "direction": t.direction, "unit": t.unit,
            "target": t.target, "value": value,
            "status": "no data" if met is None else "met" if met else "missed",
            "months_met": sum(1 for s in measured if s["met"]), "months_measured": len(measured),
            "latest": measured[-1] if measured else None,
            "trend": _trend([s["value"] for s in series], t.direction), "monthly": series,
        })
    statuses = [i["status"] for i in indicators]
    return {
        "contract": contract.to_json_dict(),
        "declarations": period["declarations"],
        "controls": period["controls"],
        "met": statuses.count("met"), "missed": statuses.count("missed"), "no_data": statuses.count("no data"),
        "months_with_data": sorted(monthly),
        "indicators": indicators,
    }
