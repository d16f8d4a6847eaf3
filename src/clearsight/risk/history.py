"""Point-in-time history of each goods item, computed in the warehouse with Ibis.

For every item we want what an officer could have known at its lodgement: how often its importer,
declarant, seller, HS6, origin, office (and some combinations) were inspected and found at fault,
how long and how much the trader has been declaring, and the usual unit value of its HS6 from its
origin. Labels are only known once an inspection ends (``inspected_at``; ``lodged_at`` of the
inspected item when it is missing), so each item sees the labels that ended strictly before its
lodgement — and, in an evaluation, before the cutoff (``freeze``), never its own.

The label history is one running sum per key over a union of "label" and "query" rows, ordered by time
with queries first on ties: a window every Ibis backend runs (DuckDB, Spark). The same figures for new
items are looked up in a :class:`~clearsight.risk.snapshot.Snapshot`; both return the columns named
here, which :mod:`clearsight.risk.features` turns into model features.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from clearsight.core.warehouse import Warehouse
from clearsight.risk.network import NETWORK_COLUMNS, Graph, network_history, null_unknown
from clearsight.schema.measures import (
    FOUND_RESULTS,
    in_force,
    is_priced,
    log_unit_value,
    robust_log_unit_values,
)

KEY = ("declaration_id", "item_no")

#: History keys: label counts (inspections, frauds, revenue) before the item, per key.
LABEL_KEYS: dict[str, tuple[str, ...]] = {
    "importer": ("importer_id",),
    "declarant": ("declarant_id",),
    "seller": ("seller_id",),
    "hs6": ("hs6",),
    "origin": ("country_of_origin",),
    "office": ("office_id",),
    "importer_hs6": ("importer_id", "hs6"),
    "office_hs6": ("office_id", "hs6"),
    "hs6_origin": ("hs6", "country_of_origin"),
}
#: Volume keys: items lodged before the item, and when the key was first seen.
VOLUME_KEYS: dict[str, tuple[str, ...]] = {
    "importer": ("importer_id",),
    "declarant": ("declarant_id",),
    "seller": ("seller_id",),
    "importer_hs6": ("importer_id", "hs6"),
    "importer_origin": ("importer_id", "country_of_origin"),
    "importer_seller": ("importer_id", "seller_id"),
}
#: Declaration fields carried into the feature table (optional ones may be all NULL).
ITEM_FIELDS = (
    "declaration_id",
    "item_no",
    "lodged_at",
    "office_id",
    "mode_of_transport",
    "declarant_id",
    "importer_id",
    "seller_id",
    "country_of_origin",
    "hs_code",
    "hs6",
    "quantity",
    "net_mass_kg",
    "gross_mass_kg",
    "customs_value",
    "duty_rate",
    "preference_code",
    "aeo_status",
)
#: Unit-value reference: a group needs this many items with a unit value to count.
UV_MIN_COUNT = 5


def label_columns() -> list[str]:
    cols = []
    for k in LABEL_KEYS:
        cols += [f"hist_n_{k}", f"hist_fraud_{k}"]
    return [*cols, "hist_revenue_importer"]


def volume_columns() -> list[str]:
    cols = []
    for k in VOLUME_KEYS:
        cols += [f"prior_items_{k}", f"first_seen_{k}"]
    return cols


UV_COLUMNS = ["uv_ref_median", "uv_ref_mad", "uv_ref_n", "uv_ref_level"]
HISTORY_COLUMNS = label_columns() + volume_columns() + UV_COLUMNS + ["items_in_declaration"]
#: Ibis type of each history column.
HISTORY_TYPES = {
    c: "float64"
    if c == "hist_revenue_importer" or c.startswith("uv_ref_m")
    else "timestamp"
    if c.startswith("first_seen_")
    else "string"
    if c == "uv_ref_level"
    else "int64"
    for c in HISTORY_COLUMNS
}


def quiet(warehouse: Warehouse) -> None:
    """No DuckDB progress bar: it would land in the middle of ``--json`` output on stdout."""
    warehouse.hide_progress()


def labels(warehouse: Warehouse, revenue_basis: str) -> ir.Table:
    """Inspection outcomes joined to their items: key fields, when the label became known, fraud, revenue.

    ``known_at`` is never before the item's lodgement, so bad inspection dates cannot leak a label
    into its own item's history.
    """
    d = warehouse.table("declarations")
    # A corrected entry no longer counts: its correction does (``in_force``). Then an item inspected
    # twice counts once: fraud if any result in force found it, the revenue summed, known when the last
    # result ended (see ``repeated_inspections``, which the reports state).
    i = in_force(warehouse.table("inspections"))
    i = i.group_by(["declaration_id", "item_no"]).aggregate(
        inspected_at=i.inspected_at.max(),
        fraud=i.result.isin(FOUND_RESULTS).cast("int64").max(),
        critical=(i.result == "critical").cast("int64").max(),
        additional_revenue=i.additional_revenue.sum(),
    )
    j = i.join(d, [i.declaration_id == d.declaration_id, i.item_no == d.item_no])
    known = ibis.greatest(j.inspected_at.fill_null(j.lodged_at), j.lodged_at)
    duty = j.customs_value.fill_null(0) * j.duty_rate.fill_null(0) / 100
    if revenue_basis == "additional_revenue":
        revenue = j.additional_revenue.fill_null(0).cast("float64")
    else:
        revenue = (j.fraud == 1).ifelse(duty, 0.0).cast("float64")
    return j.select(
        *(c for c in ITEM_FIELDS if c not in ("declaration_id", "item_no")),
        declaration_id=j.declaration_id,
        item_no=j.item_no,
        known_at=known,
        fraud=j.fraud,
        critical=j.critical,
        revenue=revenue,
    )


def repeated_inspections(warehouse: Warehouse) -> int:
    """Items with more than one inspection result in force (combined into one label; a corrected
    entry is not a second result)."""
    i = in_force(warehouse.table("inspections"))
    per_item = i.group_by(["declaration_id", "item_no"]).aggregate(n=i.count())
    return int(per_item.filter(per_item.n > 1).count().execute())


def revenue_basis(warehouse: Warehouse) -> str:
    """``additional_revenue`` when inspections record it for fraud items, else ``duty_at_stake``."""
    i = warehouse.table("inspections")
    recorded = i.filter(i.result.isin(FOUND_RESULTS) & i.additional_revenue.notnull()).count()
    return "additional_revenue" if int(recorded.execute()) > 0 else "duty_at_stake"


def unit_value_reference(decl: ir.Table) -> tuple[ir.Table, ir.Table]:
    """Median and MAD of ln(customs value per kg) per HS6 × origin and per HS6 (the fallback).

    The same statistics as the valuation references (``clearsight.trade.valuation``), but over the
    point-in-time window the caller passes in and with no period: a feature may only use items lodged
    before the cutoff, while valuation compares each period with itself.
    """
    ok = decl.filter(is_priced(decl))
    ok = ok.select("hs6", "country_of_origin", log_uv=log_unit_value(ok))
    out = []
    for keys in (("hs6", "country_of_origin"), ("hs6",)):
        ref = robust_log_unit_values(ok, keys, min_count=UV_MIN_COUNT)
        names = {"uv_ref_median": "median_log_unit_value", "uv_ref_mad": "mad_log_unit_value"}
        out.append(ref.rename(uv_ref_n="items", **names))
    return out[0], out[1]


def label_history(items: ir.Table, lab: ir.Table, name: str, keys: tuple[str, ...]) -> ir.Table:
    """Per item: labels of its key that became known strictly before its ``as_of`` (running sums)."""
    rows = [
        items.select(
            *keys,
            declaration_id=items.declaration_id,
            item_no=items.item_no,
            t=items.as_of.cast("timestamp"),
            kind=ibis.literal(0, "int8"),
            n=ibis.literal(0, "int64"),
            f=ibis.literal(0, "int64"),
            r=ibis.literal(0.0, "float64"),
        ),
        lab.select(
            *keys,
            declaration_id=ibis.null("string"),
            item_no=ibis.null("int64"),
            t=lab.known_at.cast("timestamp"),
            kind=ibis.literal(1, "int8"),
            n=ibis.literal(1, "int64"),
            f=lab.fraud,
            r=lab.revenue,
        ),
    ]
    u = rows[0].union(rows[1])
    w = ibis.window(group_by=list(keys), order_by=[u.t, u.kind], rows=(None, 0))
    cols = {f"hist_n_{name}": u.n.sum().over(w), f"hist_fraud_{name}": u.f.sum().over(w)}
    if name == "importer":
        cols["hist_revenue_importer"] = u.r.sum().over(w)
    u = u.mutate(**cols)
    return u.filter(u.kind == 0).select("declaration_id", "item_no", *cols)


def point_in_time(
    warehouse: Warehouse,
    *,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    freeze: dt.datetime | None = None,
    reference_until: dt.datetime | None = None,
    basis: str | None = None,
    keys: tuple[str, ...] | None = None,
    network: Graph | None = None,
) -> pa.Table:
    """History columns of every item lodged in [start, end), as a PyArrow table ordered by lodgement.

    ``freeze``: labels known at or after it are never used (evaluation cutoff, or training end);
    ``reference_until``: unit-value references use items lodged before it (default: ``freeze``, else
    every item up to ``end``); ``keys``: only these history keys (default all; the others come back
    NULL — tests on slow engines use it); ``network``: the trader graph
    (:func:`clearsight.risk.network.trader_graph`) whose point-in-time network columns are added.
    """
    quiet(warehouse)
    basis = basis or revenue_basis(warehouse)
    d = warehouse.table("declarations")
    past = d if end is None else d.filter(d.lodged_at < end)
    # Volume: items of the same key lodged strictly before (rank) and the key's first lodgement.
    vol = {}
    label_keys = {k: v for k, v in LABEL_KEYS.items() if keys is None or k in keys}
    volume_keys = {k: v for k, v in VOLUME_KEYS.items() if keys is None or k in keys}
    for name, cols in volume_keys.items():
        w_rank = ibis.window(group_by=list(cols), order_by=past.lodged_at)
        w_all = ibis.window(group_by=list(cols))
        vol[f"prior_items_{name}"] = ibis.rank().over(w_rank).cast("int64")
        vol[f"first_seen_{name}"] = past.lodged_at.min().over(w_all)
    vol["items_in_declaration"] = past.count().over(ibis.window(group_by="declaration_id"))
    base = past.select(*ITEM_FIELDS, **vol)
    items = base if start is None else base.filter(base.lodged_at >= start)
    as_of = (
        items.lodged_at
        if freeze is None
        else ibis.least(items.lodged_at, ibis.literal(freeze).cast("timestamp"))
    )
    # Materialised once: every history key below reads them (Spark would recompute each branch).
    items = items.mutate(as_of=as_of).cache()

    lab = labels(warehouse, basis)
    if freeze is not None:
        lab = lab.filter(lab.known_at < freeze)
    if end is not None:
        lab = lab.filter(lab.known_at < end)
    lab = lab.cache()
    out = items
    for name, cols in label_keys.items():
        out = out.left_join(label_history(items, lab, name, cols), list(KEY)).drop(
            "declaration_id_right", "item_no_right"
        )

    if network is not None:
        net = network_history(warehouse, items, lab, past, network)
        out = out.left_join(net, list(KEY)).drop("declaration_id_right", "item_no_right")

    ref_until = reference_until or freeze
    ref_src = past if ref_until is None else d.filter(d.lodged_at < ref_until)
    by_pair, by_hs6 = unit_value_reference(ref_src)
    pair = by_pair.rename(p_med="uv_ref_median", p_mad="uv_ref_mad", p_n="uv_ref_n")
    solo = by_hs6.rename(s_med="uv_ref_median", s_mad="uv_ref_mad", s_n="uv_ref_n")
    out = out.left_join(pair, ["hs6", "country_of_origin"]).drop("hs6_right", "country_of_origin_right")
    out = out.left_join(solo, "hs6").drop("hs6_right")
    has_pair = out.p_med.notnull()
    out = out.mutate(
        uv_ref_median=has_pair.ifelse(out.p_med, out.s_med),
        uv_ref_mad=has_pair.ifelse(out.p_mad, out.s_mad),
        uv_ref_n=has_pair.ifelse(out.p_n, out.s_n),
        uv_ref_level=has_pair.ifelse("hs6_origin", out.s_med.notnull().ifelse("hs6", ibis.null("string"))),
    )
    absent = {c: ibis.null(HISTORY_TYPES[c]) for c in HISTORY_COLUMNS if c not in out.columns}
    out = (
        out.mutate(**absent)
        .select(*ITEM_FIELDS, *HISTORY_COLUMNS, *(NETWORK_COLUMNS if network is not None else ()))
        .order_by(["lodged_at", "declaration_id", "item_no"])
    )
    return null_unknown(_null_keys(out.to_pyarrow()))


def _null_keys(table: pa.Table) -> pa.Table:
    """History of a missing key (no seller recorded) is unknown, not "never inspected": set it NULL."""
    import pyarrow.compute as pc

    for name, keys in {**LABEL_KEYS, **VOLUME_KEYS}.items():
        missing = None
        for k in keys:
            m = pc.is_null(table[k])
            missing = m if missing is None else pc.or_(missing, m)
        if not pc.any(missing).as_py():
            continue
        prefixes = ("hist_n_", "hist_fraud_") if name in LABEL_KEYS else ()
        cols = [p + name for p in prefixes]
        if name in VOLUME_KEYS:
            cols += [f"prior_items_{name}", f"first_seen_{name}"]
        if name == "importer":
            cols.append("hist_revenue_importer")
        for c in cols:
            if c in table.column_names:
                col = table[c]
                i = table.column_names.index(c)
                table = table.set_column(i, c, pc.if_else(missing, pa.scalar(None, col.type), col))
    return table
