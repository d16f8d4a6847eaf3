"""Reference unit values from the administration's own declarations, and items priced far below them.

A unit value is customs value per kilogram of net mass. Per HS6 × country of origin × period the
reference keeps robust statistics of the log unit value (median, quartiles, MAD) and the item count;
a group with fewer than ``min_count`` items falls back to the HS6 × period reference (all origins),
and an item with neither has no reference (counted, never flagged). ``reference_unit_values`` gives
these statistics as an Ibis table. The statistics themselves (log unit value, median, MAD) come from
:func:`clearsight.schema.measures.robust_log_unit_values`, which the Risk engine's point-in-time
unit-value features (:mod:`clearsight.risk.history`) and the data-quality report use too.

Medians and quartiles are exact (``percentile_cont`` on DuckDB, ``percentile`` on Spark), so both
engines give the same references.
"""

from __future__ import annotations

import math

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from clearsight.core.errors import UserError
from clearsight.schema.measures import is_priced, log_unit_value, robust_log_unit_values, robust_z

#: Items a group needs before its unit values serve as a reference.
MIN_COUNT = 10
#: An item is flagged when its robust z of log unit value is at or below minus this.
Z_BELOW = 3.0
#: When the group's MAD is 0 (most items share one price): flagged below this share of the median.
RATIO_BELOW = 0.5
REFERENCE_COLUMNS = (
    "hs6",
    "country_of_origin",
    "period",
    "level",
    "items",
    "median_unit_value",
    "q1_unit_value",
    "q3_unit_value",
    "median_log_unit_value",
    "mad_log_unit_value",
)


def period_of(lodged_at: ir.TimestampValue, period: str) -> ir.StringValue:
    """YYYY, YYYYQn or YYYYMM of a timestamp."""
    year = lodged_at.year().cast("string")
    if period == "year":
        return year
    if period == "quarter":
        return year + "Q" + lodged_at.quarter().cast("string")
    if period == "month":
        return year + lodged_at.month().cast("string").lpad(2, "0")
    raise UserError(f"period must be year, quarter or month, not {period!r}")


def priced_items(declarations: ir.Table, period: str = "year") -> ir.Table:
    """Declared items with a unit value: positive customs value and net mass, HS6, origin and date."""
    d = declarations
    hs6 = ibis.coalesce(d.hs6, d.hs_code.substr(0, 6)) if "hs6" in d.columns else d.hs_code.substr(0, 6)
    ok = d.filter(
        is_priced(d),
        d.hs_code.notnull(),
        d.country_of_origin.notnull(),
        d.lodged_at.notnull(),
    )
    return ok.mutate(
        hs6=hs6,
        period=period_of(ok.lodged_at, period),
        unit_value=ok.customs_value / ok.net_mass_kg,
        log_uv=log_unit_value(ok),
    )


def _robust(items: ir.Table, keys: list[str], min_count: int) -> ir.Table:
    out = robust_log_unit_values(items, keys, min_count=min_count, quartiles=True)
    return out.mutate(
        median_unit_value=out.median_log_unit_value.exp(),
        q1_unit_value=out.q1_log_unit_value.exp(),
        q3_unit_value=out.q3_log_unit_value.exp(),
    )


def reference_unit_values(
    declarations: ir.Table, period: str = "year", min_count: int = MIN_COUNT
) -> ir.Table:
    """Reference unit values per HS6 × origin × period (``level`` 'hs6_origin'), and per HS6 × period
    over all origins (``level`` 'hs6', ``country_of_origin`` NULL), for groups of ``min_count`` items
    or more. Unit values are national currency per kg; quartiles are those of the log, exponentiated.
    """
    if min_count < 2:
        raise UserError(f"the minimum count must be at least 2, not {min_count}")
    items = priced_items(declarations, period)
    by_origin = _robust(items, ["hs6", "country_of_origin", "period"], min_count)
    by_origin = by_origin.mutate(level=ibis.literal("hs6_origin"))
    by_hs6 = _robust(items, ["hs6", "period"], min_count).mutate(
        level=ibis.literal("hs6"), country_of_origin=ibis.null(dt.string)
    )
    return ibis.union(by_origin.select(*REFERENCE_COLUMNS), by_hs6.select(*REFERENCE_COLUMNS), distinct=False)


def valuation_flags(
    declarations: ir.Table,
    period: str = "year",
    min_count: int = MIN_COUNT,
    z_below: float = Z_BELOW,
    ratio_below: float = RATIO_BELOW,
) -> ir.Table:
    """Every priced item with its reference (origin group, else HS6), robust z, and whether it is flagged.

    ``duty_at_risk`` = (reference median × net mass − customs value) × effective rate, where the rate
    is duty_tax_amount / customs_value when both are known, else duty_rate / 100.
    """
    if not 0 < ratio_below < 1:
        raise UserError(
            f"the ratio below which an item is flagged must be between 0 and 1, not {ratio_below}"
        )
    items = priced_items(declarations, period)
    ref = reference_unit_values(declarations, period, min_count)
    cols = ["median_log_unit_value", "mad_log_unit_value", "items", "median_unit_value"]
    own = ref.filter(ref.level == "hs6_origin").select(
        "hs6", "country_of_origin", "period", **{f"_o_{c}": ref[c] for c in cols}
    )
    wide = ref.filter(ref.level == "hs6").select("hs6", "period", **{f"_h_{c}": ref[c] for c in cols})
    t = items.left_join(own, ["hs6", "country_of_origin", "period"])
    t = t.drop(*[c for c in t.columns if c.endswith("_right")])
    t = t.left_join(wide, ["hs6", "period"])
    t = t.drop(*[c for c in t.columns if c.endswith("_right")])
    use_own = t._o_items.notnull()
    pick = {c: ibis.ifelse(use_own, t[f"_o_{c}"], t[f"_h_{c}"]) for c in cols}
    level = ibis.ifelse(use_own, "hs6_origin", ibis.ifelse(t._h_items.notnull(), "hs6", ibis.null(dt.string)))
    t = t.mutate(
        reference_level=level,
        reference_items=pick["items"],
        reference_unit_value=pick["median_unit_value"],
        _med=pick["median_log_unit_value"],
        _mad=pick["mad_log_unit_value"],
    )
    z = robust_z(t.log_uv, t._med, t._mad)
    flagged = ibis.ifelse(t._mad > 0, z <= -z_below, t.log_uv < t._med + math.log(ratio_below)).fill_null(
        False
    )
    rate = ibis.ifelse(
        t.duty_tax_amount.notnull() & (t.customs_value > 0),
        t.duty_tax_amount / t.customs_value,
        t.duty_rate / 100.0,
    )
    shortfall = t.reference_unit_value * t.net_mass_kg - t.customs_value
    t = t.mutate(
        robust_z=z,
        ratio_to_reference=t.unit_value / t.reference_unit_value,
        flagged=flagged,
        duty_at_risk=ibis.ifelse(flagged & (shortfall > 0), shortfall * rate, 0.0),
    )
    return t.select(
        "declaration_id",
        "item_no",
        "lodged_at",
        "hs6",
        "country_of_origin",
        "period",
        "importer_id",
        "customs_value",
        "net_mass_kg",
        "unit_value",
        "reference_level",
        "reference_items",
        "reference_unit_value",
        "ratio_to_reference",
        "robust_z",
        "flagged",
        "duty_at_risk",
    )
