"""Performance indicators of control: how often declarations are selected, how often a control finds
something, what it recovers, and the unbiased fraud rate of the random sample.

Counted per declaration: a declaration is selected when one of its items has an inspection row, its
lane is the most severe lane among them (a declaration without inspection row was released without
control: green), and a control is a hit when any item was found fraudulent or critical. The
selection reason (rule, model, random) is not part of the canonical inspections table; when the
table carries a ``selection_reason`` column it is used, otherwise the report says it is missing
instead of guessing it from the lane.

When lane decisions exist — batch ones (``clearsight select``) and real-time ones (the scoring API),
read through the selectivity room's one reader,
:func:`clearsight.selectivity.decisions.lane_decisions` (given the app store, it moves the
real-time decisions still waiting there into the warehouse first) — the reasons come from there
instead, counted per goods item as they were decided (its latest decision): hit rates by
``selected_by`` (rule, model, explore, random) and the fraud rate of the random control sample, the
unbiased estimate of non-compliance, with its Wilson interval.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import ibis
import ibis.expr.types as ir

from clearsight.core.store import Store
from clearsight.core.warehouse import Warehouse
from clearsight.release.milestones import UNCONTROLLED_LANE, _lane_of_declarations, declaration_attributes
from clearsight.schema.derived import SELECTIONS as DERIVED_SELECTIONS
from clearsight.schema.measures import FOUND_RESULTS, in_force

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
    i = in_force(wh.table("inspections"))
    if REASON_COLUMN not in i.columns:
        return None, None
    per = i.group_by("declaration_id").aggregate(
        reason=i[REASON_COLUMN].min(),
        hit=i.result.isin(FOUND_RESULTS).any(),
        revenue=i.additional_revenue.fill_null(0).sum(),
    )
    per = per.mutate(selected=ibis.literal(True), reason=per.reason.fill_null("unknown"))
    rows = _rates(per, ["reason"])
    random = next((r for r in rows if r["reason"] == RANDOM_REASON), None)
    sample = _random_sample(random["hits"], random["selected"]) if random else None
    return rows, sample


def _random_sample(hits: int, controls: int, **extra: Any) -> dict[str, Any] | None:
    """The random sample's fraud rate with its 95 % Wilson interval (None without controls)."""
    if not controls:
        return None
    low, high = wilson_interval(hits, controls)
    return {
        "controls": controls,
        "hits": hits,
        "fraud_rate": hits / controls,
        "ci_low": low,
        "ci_high": high,
        "level": 0.95,
        **extra,
    }


SELECTIONS = DERIVED_SELECTIONS.name
#: Order of ``selected_by`` values in the report (others follow alphabetically).
SELECTED_BY_ORDER = ("rule", "model", "explore", "random", "officer", "none")


def _selections(
    wh: Warehouse, date_from: dt.date | None, date_to: dt.date | None, store: Store | None = None
) -> ir.Table | None:
    """The latest decision per item lodged in the period, or None when no decision was ever stored."""
    from clearsight.selectivity import lane_decisions

    if store is None and not wh.has_table(SELECTIONS):
        return None
    t = lane_decisions(wh, store)
    if date_from:
        t = t.filter(t.lodged_at >= ibis.timestamp(dt.datetime.combine(date_from, dt.time())))
    if date_to:
        t = t.filter(
            t.lodged_at < ibis.timestamp(dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time()))
        )
    # An item decided again (by the scoring API and a batch, or twice): its latest decision.
    latest = ibis.row_number().over(
        ibis.window(group_by=["declaration_id", "item_no"], order_by=ibis.desc(t.decided_at))
    )
    t = t.mutate(_n=latest).filter(lambda x: x._n == 0).drop("_n")
    return t


def _by_selected_by(wh: Warehouse, sel: ir.Table) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Per ``selected_by``: items decided, inspected, hits, revenue; and the random sample's fraud rate."""
    i = in_force(wh.table("inspections"))
    label = i.group_by(["declaration_id", "item_no"]).aggregate(
        hit=i.result.isin(FOUND_RESULTS).any(),
        revenue=i.additional_revenue.fill_null(0).sum(),
    )
    j = sel.select("declaration_id", "item_no", "selected_by").left_join(label, ["declaration_id", "item_no"])
    inspected = j.hit.notnull()
    rows = (
        j.group_by("selected_by")
        .aggregate(
            items=j.count(),
            inspected=j.count(where=inspected),
            hits=j.count(where=inspected & j.hit),
            revenue=j.revenue.sum(),
        )
        .to_pyarrow()
        .to_pylist()
    )
    rank = {k: n for n, k in enumerate(SELECTED_BY_ORDER)}
    rows.sort(key=lambda r: (rank.get(r["selected_by"], len(rank)), str(r["selected_by"])))
    for r in rows:
        r["revenue"] = float(r["revenue"] or 0.0)
        r["inspection_rate"] = _ratio(r["inspected"], r["items"])
        r["hit_rate"] = _ratio(r["hits"], r["inspected"])
        r["revenue_per_inspection"] = _ratio(r["revenue"], r["inspected"])
    random = next((r for r in rows if r["selected_by"] == RANDOM_REASON), None)
    sample = None
    if random:
        sample = _random_sample(
            random["hits"], random["inspected"], unit="goods items", source=SELECTIONS, drawn=random["items"]
        )
    return rows, sample


def kpi_report(
    wh: Warehouse,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    *,
    store: Store | None = None,
) -> dict[str, Any]:
    """The indicators as one JSON-ready dict. With the app ``store``, real-time decisions not yet
    moved into the warehouse count too."""
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
    if random_sample is not None:
        random_sample.update(unit="declarations", source="inspections")
    by_selected_by = None
    sel = _selections(wh, date_from, date_to, store)
    if sel is not None:
        rows, from_selections = _by_selected_by(wh, sel)
        by_selected_by = rows or None  # no decision in the period: as without the table
        random_sample = from_selections or random_sample
    notes = [] if by_reason is not None or by_selected_by is not None else [NO_REASON_NOTE]
    if random_sample is not None and random_sample.get("drawn", 0) > random_sample["controls"]:
        notes.append(
            f"{random_sample['drawn'] - random_sample['controls']:,} of the {random_sample['drawn']:,} items "
            "drawn for random control have no inspection result yet; the random-sample rate counts those "
            "inspected."
        )
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
        "by_selected_by": by_selected_by,
        "random_sample": random_sample,
        "trend": trend,
        "inspections_without_declaration": int(orphans),
        "notes": notes,
    }
