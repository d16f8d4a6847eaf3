"""Integrity indicators, as the WCO Performance Measurement Contracts Guide uses them: patterns in an
officer's or an office's own records that differ from their peers' more than chance would make them.

A flag is a reason to look, not a finding: an officer who handles a trader often may be the office's
specialist for that trade. Each indicator therefore states its peers, its test and its minimum volume,
and flags a unit only when (1) it has at least the minimum volume, (2) its p-value, corrected for the
number of units tested (Benjamini–Hochberg, per indicator and level), is below ``alpha``, and (3) the
difference is large in size, not only significant (a large office's small difference is significant
and means nothing).

| indicator | unit vs peers | test |
|---|---|---|
| ``lane_downgrades`` | share of inspected items recorded in a less severe lane than the system decided | Fisher exact, one-sided |
| ``compliant_where_others_find`` | find rate on controls of traders or HS codes where others found fraud | Fisher exact, one-sided |
| ``fast_red_clearance`` | duration of physical (red) controls, inspection start to end | Mann–Whitney U, one-sided |
| ``trader_affinity`` | an officer's count of a trader's controls at the office vs chance, month by month | exact, stratified by month, upper tail |

Peers: every other officer (or office); for durations, an officer's are the other officers of the
same office (offices differ in speed), and offices are compared on durations relative to the national
median of the mode of transport. A control is a declaration inspected by one officer (its items'
results combined: a find if any item was found). The aggregations are Ibis expressions, the same on
DuckDB and Spark; the tests run on the few rows per unit they return.

Lane decisions come from the warehouse's ``selections`` (batch and real-time decisions, read through
the selectivity room): an inspected item's decided lane is the system's latest decision made at or
before the inspection. The lane an officer works in is the one recorded with the result (the portal's
inspection form records it), or the one the officer gave the item with the portal's "change lane"
(a decision of channel ``officer``, compared with the system's latest decision before it); an item
decided after its inspection (a decision replayed on history) is not compared.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir

from clearsight.core.errors import UserError
from clearsight.core.warehouse import Warehouse
from clearsight.schema.derived import OFFICER_CHANNEL
from clearsight.schema.measures import FOUND_RESULTS, in_force

LEVELS = ("officer", "office")
#: Lane severity: a lane recorded below the decided one is a downgrade.
SEVERITY = {"green": 0, "blue": 1, "yellow": 2, "red": 3}

INDICATORS: dict[str, dict[str, str]] = {
    "lane_downgrades": {
        "label": "Lane downgrades",
        "question": "How often does the unit put an item in a less severe lane than the system decided (recording "
        "its inspection in that lane, or changing its lane in the portal)?",
        "test": "Fisher exact test (one-sided: more downgrades than peers)",
    },
    "compliant_where_others_find": {
        "label": "Compliant where others find fraud",
        "question": "How often does the unit find nothing on controls of traders or HS codes where others "
        "found fraud?",
        "test": "Fisher exact test (one-sided: fewer finds than peers on the same exposure)",
    },
    "fast_red_clearance": {
        "label": "Red controls cleared far faster than peers",
        "question": "Are the unit's physical inspections (inspection start to end) far shorter than its peers'?",
        "test": "Mann–Whitney U test (one-sided: shorter than peers)",
    },
    "trader_affinity": {
        "label": "Trader handled more than chance",
        "question": "Does an officer handle one trader's controls far more often than their share of the "
        "office's controls would give?",
        "test": "exact test stratified by month (the officer's count of the trader's controls against chance "
        "in each month the officer worked there), one-sided; Mantel–Haenszel odds ratio",
    },
}


@dataclass(frozen=True)
class IntegrityOptions:
    """The period (controls inspected in it, inclusive), the false-discovery rate, minimum volumes and
    effect sizes below which a unit is not flagged however small its p-value."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    alpha: float = 0.05
    min_controls: int = 20  # controls (or decided items, or red controls) of a unit to test it
    min_red_controls: int = 10
    min_trader_controls: int = 8  # a trader's controls at the office to test affinity
    rate_ratio: float = 0.5  # compliant-where-others-find: unit rate at most this times the peers'
    downgrade_ratio: float = 2.0  # lane downgrades: at least this times the peers' rate ...
    downgrade_excess: float = 0.05  # ... and this much above it
    duration_ratio: float = 0.5  # fast clearance: unit median at most this times the peers'
    affinity_ratio: float = 3.0  # trader affinity: odds ratio (Mantel–Haenszel, by month) at least this ...
    affinity_share: float = 0.25  # ... and at least this share of the trader's controls at the office

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 1:
            raise UserError(f"alpha must be between 0 and 1, got {self.alpha}")
        for name in ("min_controls", "min_red_controls", "min_trader_controls"):
            if getattr(self, name) < 1:
                raise UserError(f"{name.replace('_', ' ')} must be at least 1, got {getattr(self, name)}")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise UserError(f"the period starts ({self.date_from}) after it ends ({self.date_to})")


def _in_period(t: ir.Table, column: str, options: IntegrityOptions) -> ir.Table:
    if options.date_from:
        t = t.filter(t[column] >= ibis.timestamp(dt.datetime.combine(options.date_from, dt.time())))
    if options.date_to:
        end = dt.datetime.combine(options.date_to + dt.timedelta(days=1), dt.time())
        t = t.filter(t[column] < ibis.timestamp(end))
    return t


def inspected_items(wh: Warehouse, options: IntegrityOptions) -> ir.Table:
    """One row per inspected item (results in force) with its office, importer, HS code and officer."""
    i = in_force(wh.table("inspections"))
    i = _in_period(i.filter(i.officer_id.notnull()), "inspected_at", options)
    d = wh.table("declarations")
    d = d.select(
        "declaration_id", "item_no", "office_id", "importer_id", "mode_of_transport", hs6=d.hs_code.substr(0, 6)
    )
    t = i.select("declaration_id", "item_no", "lane", "result", "officer_id", "inspected_at").inner_join(
        d, ["declaration_id", "item_no"]
    )
    return t.mutate(found=t.result.isin(FOUND_RESULTS))


def _exposure(items: ir.Table, unit: str, key: str) -> ir.Table:
    """Per item: whether someone other than its ``unit`` found fraud on the item's ``key``."""
    total = items.group_by(key).aggregate(_all=items.count(where=items.found))
    own = items.group_by([key, unit]).aggregate(_own=items.count(where=items.found))
    t = items.left_join(total, key).drop(f"{key}_right")
    t = t.left_join(own, [key, unit]).drop(f"{key}_right", f"{unit}_right")
    return t.mutate(**{f"exposed_{key}": (t._all.fill_null(0) - t._own.fill_null(0)) > 0}).drop("_all", "_own")


def compliant_where_others_find_counts(items: ir.Table, level: str) -> list[dict[str, Any]]:
    """Per unit: controls exposed (trader or HS code found fraudulent by others) and finds among them."""
    unit = "officer_id" if level == "officer" else "office_id"
    t = _exposure(_exposure(items, unit, "importer_id"), unit, "hs6")
    t = t.mutate(exposed=t.exposed_importer_id | t.exposed_hs6)
    per = t.group_by(["declaration_id", "officer_id"]).aggregate(
        office_id=t.office_id.min(), exposed=t.exposed.any(), found=t.found.any()
    )
    keys = ["office_id", "officer_id"] if level == "officer" else ["office_id"]
    out = per.group_by(keys).aggregate(
        controls=per.count(), n=per.count(where=per.exposed), k=per.count(where=per.exposed & per.found)
    )
    return out.order_by(keys).to_pyarrow().to_pylist()


def lane_downgrade_counts(
    wh: Warehouse, items: ir.Table, level: str, decisions: ir.Table | None, options: IntegrityOptions | None = None,
) -> list[dict[str, Any]]:
    """Per unit: goods items it handled that the system had decided a lane for, and those it put in a
    less severe lane than decided. An officer handles an item by inspecting it (the lane recorded with
    the result, against the system's latest decision made before the inspection) or by changing its
    lane in the portal (the new lane against the system's latest decision before the change; a green
    lane given to a red item leaves no inspection to read it from)."""
    if decisions is None:
        return []
    channel = decisions.channel.fill_null("batch")
    system = decisions.filter(channel != OFFICER_CHANNEL)
    s = system.select("declaration_id", "item_no", "decided_at", decided_lane=system.lane)

    def severity(col: ir.Column) -> ir.Column:
        return ibis.cases(*[(col == k, v) for k, v in SEVERITY.items()], else_=ibis.null("int64"))

    def compared(t: ir.Table, at: str) -> ir.Table:
        """``t`` (office_id, officer_id, declaration_id, item_no, lane, ``at``) against the system's
        latest decision made at or before ``at``: one row per handling, with ``down``."""
        j = t.inner_join(s, ["declaration_id", "item_no"])
        j = j.filter(j.decided_at <= j[at])
        latest = ibis.row_number().over(ibis.window(group_by=["declaration_id", "item_no", "officer_id", at],
                                                    order_by=ibis.desc(j.decided_at)))
        j = j.mutate(_n=latest).filter(lambda x: x._n == 0)
        down = (severity(j.lane) < severity(j.decided_lane)).fill_null(False)
        return j.select("office_id", "officer_id", "declaration_id", "item_no", down=down)

    inspected = compared(items.select("office_id", "officer_id", "declaration_id", "item_no", "lane", "inspected_at"),
                         "inspected_at")
    changes = decisions.filter(channel == OFFICER_CHANNEL)
    changes = _in_period(changes, "decided_at", options or IntegrityOptions())
    changes = changes.select("office_id", "declaration_id", "item_no", "lane", officer_id=changes.decided_by,
                             changed_at=changes.decided_at)
    handled = inspected.union(compared(changes, "changed_at"))
    per_item = handled.group_by(["office_id", "officer_id", "declaration_id", "item_no"]).aggregate(
        down=handled.down.any())
    keys = ["office_id", "officer_id"] if level == "officer" else ["office_id"]
    out = per_item.group_by(keys).aggregate(n=per_item.count(), k=per_item.count(where=per_item.down))
    return out.order_by(keys).to_pyarrow().to_pylist()


def red_control_durations(wh: Warehouse, items: ir.Table) -> list[dict[str, Any]]:
    """One row per red control with both inspection milestones: office, officer, hours from start to end."""
    ev = wh.table("events")
    ev = ev.filter(ev.event.isin(["inspection_start", "inspection_end"]))
    span = ev.group_by("declaration_id").aggregate(
        start=ev.at.min(where=ev.event == "inspection_start"), end=ev.at.max(where=ev.event == "inspection_end")
    )
    red = items.filter(items.lane == "red")
    red = red.group_by(["declaration_id", "officer_id"]).aggregate(
        office_id=red.office_id.min(), mode=red.mode_of_transport.min()
    )
    j = red.inner_join(span, "declaration_id")
    j = j.filter(j.start.notnull() & j.end.notnull() & (j.end >= j.start))
    hours = (j.end.epoch_seconds() - j.start.epoch_seconds()).cast("float64") / 3600.0
    return j.select("office_id", "officer_id", "mode", hours=hours).to_pyarrow().to_pylist()


def trader_affinity_counts(items: ir.Table, min_trader_controls: int) -> list[dict[str, Any]]:
    """The month strata of the affinity test: per office, trader with at least ``min_trader_controls``
    controls there, officer and month in which both the trader was controlled and the officer worked
    at the office: the pair's controls ``k_m``, the officer's ``o_m``, the trader's ``n_m``, the
    office's ``all_m``, and the trader's controls at the office in the whole period ``n``."""
    c = items.group_by(["declaration_id", "officer_id"]).aggregate(
        office_id=items.office_id.min(), importer_id=items.importer_id.min(),
        month=items.inspected_at.min().truncate("M"),
    )
    trader_m = c.group_by(["office_id", "importer_id", "month"]).aggregate(n_m=c.count())
    trader = trader_m.group_by(["office_id", "importer_id"]).aggregate(n=trader_m.n_m.sum())
    trader = trader.filter(trader.n >= min_trader_controls)
    officer_m = c.group_by(["office_id", "officer_id", "month"]).aggregate(o_m=c.count())
    office_m = c.group_by(["office_id", "month"]).aggregate(all_m=c.count())
    pair_m = c.group_by(["office_id", "officer_id", "importer_id", "month"]).aggregate(k_m=c.count())
    j = trader_m.inner_join(trader, ["office_id", "importer_id"])
    j = j.inner_join(officer_m, ["office_id", "month"]).inner_join(office_m, ["office_id", "month"])
    keys = ["office_id", "officer_id", "importer_id", "month"]
    j = j.left_join(pair_m, keys).drop(*[f"{k}_right" for k in keys])
    j = j.select(*keys, "n", "n_m", "o_m", "all_m", k_m=j.k_m.fill_null(0))
    return j.order_by(keys).to_pyarrow().to_pylist()


# -- the tests, on the few rows the warehouse returned ---------------------------------------------


def benjamini_hochberg(p_values: list[float]) -> list[float]:
    """q-values (BH-adjusted p-values), in the order given."""
    if not p_values:
        return []
    from scipy.stats import false_discovery_control

    return [float(q) for q in false_discovery_control(p_values, method="bh")]


def _peer_totals(rows: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """(peer n, peer k) per row: every other unit of the level."""
    n, k = sum(r["n"] for r in rows), sum(r["k"] for r in rows)
    return [(n - r["n"], k - r["k"]) for r in rows]


def _unit(r: dict[str, Any], level: str) -> dict[str, Any]:
    return {"office_id": r["office_id"], **({"officer_id": r["officer_id"]} if level == "officer" else {})}


def _rate_test(
    rows: list[dict[str, Any]], level: str, min_volume: int, alternative: str
) -> list[dict[str, Any]]:
    """Fisher exact test of each unit's k/n against its peers'."""
    from scipy.stats import fisher_exact

    out = []
    for r, (pn, pk) in zip(rows, _peer_totals(rows), strict=True):
        if r["n"] < min_volume or pn < min_volume:
            continue
        _, p = fisher_exact([[r["k"], r["n"] - r["k"]], [pk, pn - pk]], alternative=alternative)
        out.append({**_unit(r, level), "n": r["n"], "k": r["k"], "rate": r["k"] / r["n"],
                    "peer_n": pn, "peer_k": pk, "peer_rate": pk / pn, "p_value": float(p)})
    return out


def _finish(rows: list[dict[str, Any]], alpha: float, large: Any, family: int | None = None) -> list[dict[str, Any]]:
    """q-values, and the flag: corrected significance and a large effect. ``family``: how many
    hypotheses were looked at in all, when ``rows`` keeps only those worth testing (the others count
    in the correction as p = 1, so leaving them out of the list does not loosen it)."""
    padded = [r["p_value"] for r in rows] + [1.0] * max(0, (family or 0) - len(rows))
    for r, q in zip(rows, benjamini_hochberg(padded)[: len(rows)], strict=True):
        r["q_value"] = q
        r["large_effect"] = bool(large(r))
        r["flagged"] = bool(q < alpha and r["large_effect"])
    rows.sort(key=lambda r: (not r["flagged"], r["q_value"], r["p_value"]))
    return rows


def _durations_test(durations: list[dict[str, Any]], level: str, min_volume: int) -> list[dict[str, Any]]:
    """Mann–Whitney U of each unit's red-control durations against its peers'. Officers are compared
    with their office's other officers in hours; offices with the other offices on durations relative
    to the national median of the declaration's mode of transport (a courier office inspects parcels,
    a sea office containers)."""
    import numpy as np
    from scipy.stats import mannwhitneyu

    per_mode: dict[Any, list[float]] = {}
    for r in durations:
        per_mode.setdefault(r["mode"], []).append(r["hours"])
    mode_median = {m: float(np.median(h)) for m, h in per_mode.items()}
    hours: dict[tuple, list[float]] = {}
    score: dict[tuple, list[float]] = {}
    for r in durations:
        key = (r["office_id"], r["officer_id"]) if level == "officer" else (r["office_id"],)
        scale = 1.0 if level == "officer" or not mode_median[r["mode"]] else mode_median[r["mode"]]
        hours.setdefault(key, []).append(r["hours"])
        score.setdefault(key, []).append(r["hours"] / scale)
    groups: dict[Any, list[tuple]] = {}
    for key in score:
        groups.setdefault(key[0] if level == "officer" else None, []).append(key)
    out = []
    for key, own in sorted(score.items()):
        others = [o for o in groups[key[0] if level == "officer" else None] if o != key]
        peers = [x for o in others for x in score[o]]
        if len(own) < min_volume or len(peers) < min_volume:
            continue
        p = float(mannwhitneyu(own, peers, alternative="less").pvalue)
        unit = {"office_id": key[0], **({"officer_id": key[1]} if level == "officer" else {})}
        out.append({**unit, "n": len(own), "median_h": float(np.median(hours[key])), "peer_n": len(peers),
                    "peer_median_h": float(np.median([x for o in others for x in hours[o]])),
                    "median_ratio": float(np.median(own) / np.median(peers)) if np.median(peers) else None,
                    "p_value": p})
    return out


def stratified_exact_test(strata: list[tuple[int, int, int, int]]) -> dict[str, float | None]:
    """One officer and one trader over months, each month a 2×2 table (the officer's controls or not ×
    the trader's or not) given as (k, officer's, trader's, office's). With each month's margins fixed,
    the officer's count of the trader's controls is hypergeometric under chance; their sum over months
    is the statistic (an exact stratified test, one-sided: more than chance). Returns the p-value, the
    expected count, and the Mantel–Haenszel odds ratio (None when unbounded: the officer did nothing
    else those months)."""
    import numpy as np
    from scipy.stats import hypergeom

    dist = np.ones(1)
    k = 0
    expected = num = den = 0.0
    for k_m, o_m, n_m, all_m in strata:
        low, high = max(0, o_m + n_m - all_m), min(o_m, n_m)
        pmf = np.zeros(high + 1)
        pmf[low:] = hypergeom.pmf(np.arange(low, high + 1), all_m, n_m, o_m)
        dist = np.convolve(dist, pmf)
        k += k_m
        expected += n_m * o_m / all_m
        num += k_m * (all_m - o_m - n_m + k_m) / all_m
        den += (o_m - k_m) * (n_m - k_m) / all_m
    p = float(min(1.0, dist[k:].sum()))
    return {"p_value": p, "expected": expected, "odds_ratio": num / den if den > 0 else None}


def _affinity_test(strata: list[dict[str, Any]], min_volume: int) -> tuple[list[dict[str, Any]], int]:
    """The pairs tested, and the family they belong to: every officer at the office in the trader's
    months against every trader with enough controls there (an officer who never controlled the
    trader is a hypothesis too: testing only the pairs seen twice would pick the family after looking
    at the data). The months are strata: an officer who joined, left or was away that year is
    compared with the office only when there, and a small office's few officers with the trader's
    share of what they did."""
    pairs: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for r in strata:
        if r["n"] >= min_volume:
            pairs.setdefault((r["office_id"], r["officer_id"], r["importer_id"]), []).append(r)
    out = []
    for (office, officer, importer), months in pairs.items():
        k, n = sum(m["k_m"] for m in months), months[0]["n"]
        if k < 2:
            continue
        test = stratified_exact_test([(m["k_m"], m["o_m"], m["n_m"], m["all_m"]) for m in months])
        out.append({"office_id": office, "officer_id": officer, "importer_id": importer, "n": n, "k": k,
                    "share": k / n, "expected": test["expected"], "chance": test["expected"] / n,
                    "odds_ratio": test["odds_ratio"], "months": len(months), "p_value": test["p_value"]})
    return out, len(pairs)


def integrity_report(
    wh: Warehouse, options: IntegrityOptions | None = None, *, decisions: ir.Table | None = None
) -> dict[str, Any]:
    """Every indicator at both levels, as one JSON-ready dict. ``decisions``: the lane decisions (the
    selectivity room's ``lane_decisions``); without them lane downgrades cannot be measured."""
    options = options or IntegrityOptions()
    items = inspected_items(wh, options).cache()
    try:
        durations = red_control_durations(wh, items)
        affinity = trader_affinity_counts(items, options.min_trader_controls)
        by_level = {
            level: {
                "lane_downgrades": lane_downgrade_counts(wh, items, level, decisions, options),
                "compliant_where_others_find": compliant_where_others_find_counts(items, level),
            }
            for level in LEVELS
        }
    finally:
        items.release()
    o = options
    sections = []
    for level in LEVELS:
        down = _rate_test(by_level[level]["lane_downgrades"], level, o.min_controls, "greater")
        sections.append(("lane_downgrades", level, _finish(down, o.alpha, lambda r: r["rate"] >= max(
            o.downgrade_ratio * r["peer_rate"], r["peer_rate"] + o.downgrade_excess)), o.min_controls))
        lenient = _rate_test(by_level[level]["compliant_where_others_find"], level, o.min_controls, "less")
        sections.append(("compliant_where_others_find", level, _finish(
            lenient, o.alpha, lambda r: r["rate"] <= o.rate_ratio * r["peer_rate"]), o.min_controls))
        fast = _durations_test(durations, level, o.min_red_controls)
        sections.append(("fast_red_clearance", level, _finish(
            fast, o.alpha, lambda r: r["median_ratio"] is not None and r["median_ratio"] <= o.duration_ratio), o.min_red_controls))
    pairs, family = _affinity_test(affinity, o.min_trader_controls)
    sections.append(("trader_affinity", "officer", _finish(
        pairs, o.alpha, lambda r: (r["odds_ratio"] is None or r["odds_ratio"] >= o.affinity_ratio)
        and r["share"] >= o.affinity_share, family),
        o.min_trader_controls))
    indicators = []
    for name, level, rows, min_volume in sections:
        note = None
        if name == "lane_downgrades" and decisions is None:
            note = "no lane decisions are stored (clearsight select or the scoring API): nothing to compare"
        elif name == "lane_downgrades" and not rows:
            note = "no item inspected or changed by an officer has a lane decision made before it"
        indicators.append({
            "indicator": name, **INDICATORS[name], "level": level, "min_volume": min_volume,
            "tested": len(rows), "flagged": sum(r["flagged"] for r in rows), "rows": rows, "note": note,
        })
    return {
        "period": {"from": o.date_from.isoformat() if o.date_from else None,
                   "to": o.date_to.isoformat() if o.date_to else None},
        "alpha": o.alpha,
        "correction": "Benjamini–Hochberg, per indicator and level",
        "indicators": indicators,
        "flags": [
            {"indicator": i["indicator"], "label": i["label"], "level": i["level"], **_flag_summary(i["indicator"], r)}
            for i in indicators for r in i["rows"] if r["flagged"]
        ],
        "caution": "A flag is a reason to look, not a finding: read the unit's records and ask before "
        "concluding anything.",
    }


def _flag_summary(indicator: str, r: dict[str, Any]) -> dict[str, Any]:
    keep = ("office_id", "officer_id", "importer_id", "n", "k", "p_value", "q_value")
    out = {k: r[k] for k in keep if k in r}
    if indicator == "fast_red_clearance":
        out["detail"] = f"median {r['median_h']:.1f} h vs peers' {r['peer_median_h']:.1f} h over {r['n']} red controls"
    elif indicator == "trader_affinity":
        out["detail"] = (f"{r['k']} of the trader's {r['n']} controls ({r['share']:.0%}) where chance gives "
                         f"{r['expected']:.1f} ({r['chance']:.0%})")
    else:
        out["detail"] = f"{r['k']} of {r['n']} ({r['rate']:.0%}) vs peers' {r['peer_rate']:.0%} of {r['peer_n']}"
    return out

