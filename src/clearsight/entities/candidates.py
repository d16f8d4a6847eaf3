"""Post-clearance audit candidates: traders (entities, not trader ids) ranked by the revenue an audit of
their declarations of a period can be expected to recover, each with the reasons an auditor checks.

Expected revenue at risk of an entity over the period is the sum of three parts, each counted once per
goods item:

- **valuation**: duty at risk of its items priced far below the reference unit value of their HS6 and
  origin (:func:`clearsight.trade.valuation_flags`);
- **classification**: duty at risk of its items whose declared HS code does not fit the description
  (the HS room's check, when a classifier has been trained; an item already counted for valuation is not
  counted again);
- **history**: for its other items that no inspection has looked at, their duty × the entity's fraud
  rate × the revenue a fraud found adds per unit of declared duty (national ratio). The fraud rate is
  the entity's own inspected items, shrunk towards the rate of its network (the entities sharing its
  contacts, and the brokers lodging for it) or, with too little network history, the national rate: a
  trader inspected twice and found clean twice is not a clean trader yet.

Seizures naming the entity (by any of its ids or names, through the resolution) are reasons, and so is
the fraud history of its network; they move the history part through the rate, not by a fixed bonus.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from clearsight.core.errors import UserError
from clearsight.core.warehouse import Warehouse
from clearsight.entities.network import contact_neighbours, entity_map, names_of, party_entity
from clearsight.schema.measures import FOUND_RESULTS, in_force

#: Inspected items' weight of the prior in the shrunk fraud rate (as if that many items were seen at it).
PRIOR_ITEMS = 10.0
#: Network items needed before the network's rate, not the national one, is the prior.
MIN_NETWORK_ITEMS = 20
_PERIOD = re.compile(r"^(\d{4})-(\d{2})\.\.(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Period:
    """Whole months, the first day of ``start`` to the day before ``end`` (exclusive)."""

    label: str
    start: dt.date
    end: dt.date


def parse_period(text: str) -> Period:
    """``2024-01..2024-12`` as a :class:`Period` (a clear message for anything else)."""
    m = _PERIOD.match(text.strip())
    if not m:
        raise UserError(f"a period is two months like 2024-01..2024-12, not {text!r}")
    y1, m1, y2, m2 = (int(g) for g in m.groups())
    if not (1 <= m1 <= 12 and 1 <= m2 <= 12):
        raise UserError(f"months run from 01 to 12: {text!r}")
    start, last = dt.date(y1, m1, 1), dt.date(y2, m2, 1)
    if last < start:
        raise UserError(f"the period ends before it starts: {text!r}")
    end = dt.date(y2 + (m2 == 12), m2 % 12 + 1, 1)
    return Period(text.strip(), start, end)


def last_months(warehouse: Warehouse, months: int = 12) -> str | None:
    """The period of the last ``months`` whole months up to the latest lodgement (``2024-01..2024-12``),
    or None when no declaration is loaded."""
    latest = warehouse.sql_scalar(warehouse.table("declarations").lodged_at.max())
    if latest is None:
        return None
    first = latest.year * 12 + latest.month - 1 - (months - 1)
    return f"{first // 12:04d}-{first % 12 + 1:02d}..{latest.year:04d}-{latest.month:02d}"


def _datetime(d: dt.date) -> dt.datetime:
    return dt.datetime.combine(d, dt.time())


def audit_candidates(
    warehouse: Warehouse, period: str, *, top: int = 20, hs_flags: pa.Table | None = None
) -> dict[str, Any]:
    """The ``top`` entities by expected revenue at risk over ``period`` (see the module's docstring).

    ``hs_flags``: the HS room's flagged items (``declaration_id``, ``item_no``, ``revenue_at_risk``), or
    None when no classifier checked them (the report says so)."""
    if top < 1:
        raise UserError(f"--top must be at least 1, not {top}")
    span = parse_period(period)
    entities = entity_map(warehouse)
    d = warehouse.table("declarations")
    results = _results(warehouse)
    upto = d.filter(d.lodged_at < _datetime(span.end)).select(
        "declaration_id", "item_no", "lodged_at", "importer_id", "declarant_id", "duty_tax_amount"
    )
    items = upto.left_join(results, ["declaration_id", "item_no"])
    items = items.drop(*[c for c in items.columns if c.endswith("_right")]).to_pyarrow().to_pylist()
    if not items:
        raise UserError(f"no declarations lodged before {span.end}: nothing to rank")
    start = _datetime(span.start)
    valuation = _valuation(warehouse, span)
    hs = {}
    if hs_flags is not None:
        hs = {
            (r["declaration_id"], r["item_no"]): float(r["revenue_at_risk"] or 0.0)
            for r in hs_flags.to_pylist()
            if r.get("revenue_at_risk")
        }

    # national figures: the fraud rate of inspected items, revenue a fraud adds per unit of duty
    inspected = [r for r in items if r["result"] is not None]
    frauds = [r for r in inspected if r["result"] in FOUND_RESULTS]
    national_rate = len(frauds) / len(inspected) if inspected else 0.0
    fraud_duty = sum(r["duty_tax_amount"] or 0.0 for r in frauds)
    recovery = (sum(r["additional_revenue"] or 0.0 for r in frauds) / fraud_duty) if fraud_duty else 0.0

    per: dict[str, dict[str, Any]] = {}
    broker_seen: dict[str, list[int]] = {}  # broker entity -> [inspected, frauds] over its clients' items
    broker_client: dict[tuple[str, str], list[int]] = {}  # (broker, client entity) -> the same
    for r in items:
        e = party_entity(entities, r["importer_id"])
        if e is None:
            continue
        s = per.setdefault(e, _blank())
        found = r["result"] in FOUND_RESULTS
        if r["result"] is not None:
            s["inspected"] += 1
            s["frauds"] += found
            s["recovered"] += float(r["additional_revenue"] or 0.0) if found else 0.0
        broker = party_entity(entities, r["declarant_id"])
        if broker:
            for b in (broker_seen.setdefault(broker, [0, 0]), broker_client.setdefault((broker, e), [0, 0])):
                b[0] += r["result"] is not None
                b[1] += found
            if r["lodged_at"] >= start:
                s["brokers"].add(broker)
        if r["lodged_at"] < start:
            continue
        key = (r["declaration_id"], r["item_no"])
        s["items"] += 1
        s["duty"] += float(r["duty_tax_amount"] or 0.0)
        if key in valuation:
            s["valuation_items"] += 1
            s["valuation_at_risk"] += valuation[key]
        elif key in hs:
            s["hs_items"] += 1
            s["hs_at_risk"] += hs[key]
        elif r["result"] is None:
            s["open_duty"] += float(r["duty_tax_amount"] or 0.0)
    active = {e for e, s in per.items() if s["items"]}
    if not active:
        raise UserError(f"no declarations lodged in {span.label}: nothing to rank")

    neighbours = contact_neighbours(warehouse, active)
    seizures = _seizures(warehouse, entities, span)
    rows = []
    for e in active:
        s = per[e]
        network = [n["entity_id"] for n in neighbours.get(e, [])]
        net_inspected = sum(per[n]["inspected"] for n in network if n in per)
        net_frauds = sum(per[n]["frauds"] for n in network if n in per)
        for b in s["brokers"]:  # the broker's other clients
            (bi, bf), (oi, of) = broker_seen[b], broker_client[(b, e)]
            net_inspected += bi - oi
            net_frauds += bf - of
        prior = net_frauds / net_inspected if net_inspected >= MIN_NETWORK_ITEMS else national_rate
        rate = (s["frauds"] + PRIOR_ITEMS * prior) / (s["inspected"] + PRIOR_ITEMS)
        history = s["open_duty"] * rate * recovery
        expected = s["valuation_at_risk"] + s["hs_at_risk"] + history
        seized = seizures.get(e, {"all": 0, "period": 0})
        rows.append(
            {
                "entity_id": e,
                "expected_revenue_at_risk": round(expected, 2),
                "valuation_at_risk": round(s["valuation_at_risk"], 2),
                "hs_at_risk": round(s["hs_at_risk"], 2),
                "history_at_risk": round(history, 2),
                "items": s["items"],
                "duty": round(s["duty"], 2),
                "valuation_items": s["valuation_items"],
                "hs_items": s["hs_items"],
                "inspected": s["inspected"],
                "frauds": s["frauds"],
                "revenue_recovered": round(s["recovered"], 2),
                "fraud_rate": round(rate, 4),
                "network_entities": len(network),
                "network_frauds": net_frauds,
                "network_inspected": net_inspected,
                "seizures": seized["all"],
                "seizures_in_period": seized["period"],
            }
        )
    rows.sort(key=lambda r: (-r["expected_revenue_at_risk"], r["entity_id"]))
    shown = rows[:top]
    names = names_of(warehouse, [r["entity_id"] for r in shown])
    for r in shown:
        r["name"] = names.get(r["entity_id"], r["entity_id"])
        r["party_ids"] = sorted(
            k.split(":", 1)[1] for k, v in entities.items() if v == r["entity_id"] and k.startswith("party:")
        )
        r["reasons"] = _reasons(r, national_rate)
    return {
        "period": span.label,
        "from": span.start.isoformat(),
        "to": (span.end - dt.timedelta(days=1)).isoformat(),
        "entities_ranked": len(rows),
        "top": top,
        "national_fraud_rate": round(national_rate, 4),
        "revenue_per_unit_of_duty_when_fraud_found": round(recovery, 4),
        "hs_checked": hs_flags is not None,
        "expected_revenue_at_risk_listed": round(sum(r["expected_revenue_at_risk"] for r in shown), 2),
        "candidates": shown,
    }


def hs_flags(warehouse: Warehouse, models_dir: Path | None, period: str) -> pa.Table | None:
    """The HS room's flagged items of ``period`` when the workspace has a trained classifier (None
    otherwise: the zero-shot suggester is for a person choosing a code, not for ranking traders)."""
    from clearsight.hs import MODEL_FILE, check_declarations, hs_models_dir, load_suggester

    if models_dir is None or not (hs_models_dir(models_dir) / MODEL_FILE).is_file():
        return None
    span = parse_period(period)
    flagged = check_declarations(warehouse, load_suggester(models_dir), span.start).flagged
    return flagged.select(["declaration_id", "item_no", "revenue_at_risk"])


def _blank() -> dict[str, Any]:
    return {
        "items": 0, "duty": 0.0, "open_duty": 0.0, "valuation_items": 0, "valuation_at_risk": 0.0,
        "hs_items": 0, "hs_at_risk": 0.0, "inspected": 0, "frauds": 0, "recovered": 0.0, "brokers": set(),
    }  # fmt: skip


def _results(warehouse: Warehouse):
    """One row per inspected item from the entries in force: the worst result and the revenue added."""
    i = in_force(warehouse.table("inspections"))
    found = i.result.isin(FOUND_RESULTS)
    per = i.group_by(["declaration_id", "item_no"]).aggregate(
        found=found.any(), additional_revenue=i.additional_revenue.sum()
    )
    return per.mutate(result=ibis.ifelse(per.found, "fraud", "compliant")).drop("found")


def _valuation(warehouse: Warehouse, span: Period) -> dict[tuple[str, int], float]:
    from clearsight.trade import valuation_flags

    flags = valuation_flags(warehouse.table("declarations"))
    flags = flags.filter(
        flags.flagged & (flags.lodged_at >= _datetime(span.start)) & (flags.lodged_at < _datetime(span.end))
    )
    rows = flags.select("declaration_id", "item_no", "duty_at_risk").to_pyarrow().to_pylist()
    return {(r["declaration_id"], r["item_no"]): float(r["duty_at_risk"] or 0.0) for r in rows}


def _seizures(warehouse: Warehouse, entities: dict[str, str], span: Period) -> dict[str, dict[str, int]]:
    """Seizures naming each entity (any party of the seizure resolved to it), up to the period's end and
    within it."""
    s = warehouse.table("seizures").select("seizure_id", "seized_on").to_pyarrow().to_pylist()
    when = {r["seizure_id"]: r["seized_on"] for r in s}
    seen: dict[str, set[str]] = {}
    for record, e in entities.items():
        if record.startswith("seizure:"):
            seen.setdefault(e, set()).add(record.split(":")[1])
    out = {}
    for e, ids in seen.items():
        dates = [when[i] for i in ids if i in when and when[i] is not None and when[i] < span.end]
        out[e] = {"all": len(dates), "period": sum(d >= span.start for d in dates)}
    return out


def _reasons(r: dict[str, Any], national_rate: float) -> list[str]:
    """Why the entity is on the list, in the auditor's words, the largest part first."""
    out = []
    if r["valuation_items"]:
        out.append(f"{r['valuation_items']} item(s) priced far below the reference unit value")
    if r["hs_items"]:
        out.append(f"{r['hs_items']} item(s) whose HS code does not fit the description")
    if r["frauds"]:
        out.append(f"fraud found in {r['frauds']} of {r['inspected']} inspected item(s)")
    elif r["inspected"]:
        out.append(f"no fraud found in {r['inspected']} inspected item(s)")
    if r["network_frauds"]:
        via = ["its brokers' other clients"]
        if r["network_entities"]:
            n = r["network_entities"]
            via.insert(0, f"{n} entit{'y' if n == 1 else 'ies'} sharing its contacts")
        out.append(
            f"its network ({' and '.join(via)}): fraud in {r['network_frauds']} of {r['network_inspected']} "
            "inspected item(s)"
        )
    if r["seizures"]:
        out.append(
            f"named in {r['seizures']} seizure(s)"
            + (f", {r['seizures_in_period']} in the period" if r["seizures_in_period"] else "")
        )
    if r["fraud_rate"] > 2 * national_rate > 0:
        out.append(f"expected fraud rate {r['fraud_rate']:.1%} against {national_rate:.1%} nationally")
    if len(r["party_ids"]) > 1:
        out.append(f"trades under {len(r['party_ids'])} ids: {', '.join(r['party_ids'])}")
    return out


__all__ = [
    "MIN_NETWORK_ITEMS", "PRIOR_ITEMS", "Period", "audit_candidates", "hs_flags", "last_months", "parse_period",
]  # fmt: skip
