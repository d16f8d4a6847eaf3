"""Performance indicators of control: how often declarations are selected, how often a control finds
something, what it recovers, and the unbiased fraud rate of the random sample.

Counted per declaration: a declaration is selected when one of its items has an inspection row, its
lane is the most severe lane among them (a declaration without inspection row was released without
control: green), and a control is a hit when any item was found fraudulent or critical. The
selection reason (rule, model, random) is not part of the canonical inspections table yet; when the
table carries a ``selection_reason`` column it is used, otherwise the report says it is missing
instead of guessing it from the lane.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import ibis
import ibis.expr.types as ir

from clearsight.release.milestones import UNCONTROLLED_LANE, _lane_of_declarations, declaration_attributes
from clearsight.warehouse import Warehouse

REASON_COLUMN = "selection_reason"
RANDOM_REASON = "random"
NO_REASON_NOTE = (
    "The inspections table does not record why a declaration was selected (rule, model or random), "
    "so hit rates by selection reason and the fraud rate of the random sample cannot be computed from "
    "this warehouse. They appear once selection decisions are stored with a selection_reason."
)


def wilson_interval(successes: int, trials: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (sound for small samples and rates near 0)."""
    if trials <= 0:
        raise ValueError("trials must be positive")
    from scipy.stats import norm

    z = float(norm.ppf(1 - (1 - level) / 2))
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return max(0.0, centre - half), min(1.0, centre + half)


def _ratio(part: float | None, whole: float | None) -> float | None:
    return float(part) / float(whole) if whole else None


def control_base(wh: Warehouse, date_from: dt.date | None = None, date_to: dt.date | None = None) -> ir.Table:
    """One row per declared declaration: office, lane, month lodged, selected, hit, revenue."""
    attrs = declaration_attributes(wh)
    if date_from:
        attrs = attrs.filter(attrs.lodged_at >= ibis.timestamp(dt.datetime.combine(date_from, dt.time())))
    if date_to:
        end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time())
        attrs = attrs.filter(attrs.lodged_at < ibis.timestamp(end))
    lanes = _lane_of_declarations(wh)
    t = attrs.left_join(lanes, "declaration_id").drop("declaration_id_right")
    return t.mutate(
        lane=t.lane.fill_null(UNCONTROLLED_LANE),
        selected=t.items_inspected.notnull(),
        hit=t.hit.fill_null(False),
        revenue=t.revenue.fill_null(0.0),
        year=t.lodged_at.year(),
        month=t.lodged_at.month(),
    )


def _rates(base: ir.Table, by: list[str]) -> list[dict[str, Any]]:
    aggs = {
        "declarations": base.count(),
        "selected": base.count(where=base.selected),
        "hits": base.count(where=base.selected & base.hit),
        "revenue": base.revenue.sum(),
    }
    expr = base.group_by(by).aggregate(**aggs).order_by(by) if by else base.aggregate(**aggs)
    out = []
    for r in expr.to_pyarrow().to_pylist():
        if not r["declarations"]:
            continue
        r["revenue"] = float(r["revenue"] or 0.0)
        r["selection_rate"] = _ratio(r["selected"], r["declarations"])
        r["hit_rate"] = _ratio(r["hits"], r["selected"])
        r["revenue_per_inspection"] = _ratio(r["revenue"], r["selected"])
        out.append(r)
    return out


def _by_reason(wh: Warehouse) -> tuple[list[dict[str, Any]] | None, dict[str, Any] | None]:
    i = wh.table("inspections")
    if REASON_COLUMN not in i.columns:
        return None, None
    per = i.group_by("declaration_id").aggregate(
        reason=i[REASON_COLUMN].min(),
        hit=i.result.isin(("fraud", "critical")).any(),
        revenue=i.additional_revenue.fill_null(0).sum(),
    )
    per = per.mutate(selected=ibis.literal(True), reason=per.reason.fill_null("unknown"))
    rows = _rates(per, ["reason"])
    random = next((r for r in rows if r["reason"] == RANDOM_REASON), None)
    sample = None
    if random and random["selected"]:
        low, high = wilson_interval(random["hits"], random["selected"])
        sample = {
            "controls": random["selected"],
            "hits": random["hits"],
            "fraud_rate": random["hit_rate"],
            "ci_low": low,
            "ci_high": high,
            "level": 0.95,
        }
    return rows, sample


def kpi_report(
    wh: Warehouse, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> dict[str, Any]:
    """The indicators as one JSON-ready dict."""
    base = control_base(wh, date_from, date_to).cache()
    try:
        overall = _rates(base, [])
        by_lane = _rates(base, ["lane"])
        by_office = _rates(base, ["office_id"])
        office_lane = _rates(base, ["office_id", "lane"])
        selected = base.filter(base.selected)
        by_method = _rates(selected, ["method"])
        trend = _rates(base, ["year", "month"])
    finally:
        base.release()
    declared = wh.table("declarations").select("declaration_id").distinct()
    ins = wh.table("inspections")
    orphans = ins.anti_join(declared, "declaration_id").count().to_pyarrow().as_py()
    total = overall[0]["declarations"] if overall else 0
    for row in by_lane:
        row["share"] = _ratio(row["declarations"], total)
    lanes_of: dict[str, dict[str, float | None]] = {}
    for row in office_lane:
        lanes_of.setdefault(row["office_id"], {})[row["lane"]] = row["declarations"]
    for row in by_office:
        counts = lanes_of.get(row["office_id"], {})
        row["lane_shares"] = {k: _ratio(v, row["declarations"]) for k, v in sorted(counts.items())}
    for row in trend:
        row["month"] = f"{row.pop('year'):04d}-{row['month']:02d}"
    by_reason, random_sample = _by_reason(wh)
    notes = [] if by_reason is not None else [NO_REASON_NOTE]
    if orphans:
        notes.append(
            f"{orphans} inspection rows name a declaration the warehouse does not hold; not counted."
        )
    return {
        "period": {
            "from": date_from.isoformat() if date_from else None,
            "to": date_to.isoformat() if date_to else None,
        },
        "overall": overall[0] if overall else None,
        "by_lane": by_lane,
        "by_office": by_office,
        "by_method": by_method,
        "by_selection_reason": by_reason,
        "random_sample": random_sample,
        "trend": trend,
        "inspections_without_declaration": int(orphans),
        "notes": notes,
    }
