"""Domain measures shared by every room: what counts as a find, and the robust unit-value statistics.

Defined once here so the risk engine, the valuation analysis, the mirror analysis, the data-quality
report and the selectivity figures measure the same thing the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir
import numpy as np

from clearsight.schema.tables import RESULTS

#: Inspection results that count as a find (a hit): anything but "compliant".
FOUND_RESULTS: tuple[str, ...] = tuple(r for r in RESULTS if r != "compliant")
#: Makes the median absolute deviation estimate a standard deviation under a normal distribution.
MAD_SCALE = 1.4826


def in_force(inspections: ir.Table) -> ir.Table:
    """The inspection entries that count: an entry a correction names (its batch in the correction's
    ``supersedes``, for the same item) drops out; the correction counts in its place. Every reader of
    results starts here, so a correction changes the labels, indicators and pages at once. A table
    without the column (read before the warehouse gained it) holds no correction."""
    if "supersedes" not in inspections.columns:
        return inspections
    corrected = inspections.filter(inspections.supersedes.notnull())
    corrected = corrected.select("declaration_id", "item_no", batch_id=corrected.supersedes).distinct()
    return inspections.anti_join(corrected, ["declaration_id", "item_no", "batch_id"])


def is_priced(t: ir.Table) -> ir.BooleanValue:
    """Items with a unit value: positive customs value and positive net mass."""
    return (t.net_mass_kg > 0) & (t.customs_value > 0)


def log_unit_value(t: ir.Table) -> ir.FloatingValue:
    """ln(customs value per kg of net mass); meaningful on priced items only (see ``is_priced``)."""
    return (t.customs_value / t.net_mass_kg).ln()


def priced_log_unit_value(t: ir.Table) -> ir.FloatingValue:
    """``log_unit_value`` of priced items, NULL for the others (no log of zero or of a negative)."""
    return ibis.ifelse(is_priced(t), t.customs_value / t.net_mass_kg, ibis.null("float64")).ln()


def robust_z(value: ir.FloatingValue, median: ir.FloatingValue, mad: ir.FloatingValue) -> ir.FloatingValue:
    """How many (MAD-estimated) standard deviations ``value`` lies from ``median``, signed; NULL where
    the MAD is 0 or missing (most values equal: no spread to measure by)."""
    return ibis.ifelse(mad > 0, (value - median) / (MAD_SCALE * mad), ibis.null("float64"))


def robust_z_array(value: np.ndarray, median: np.ndarray, mad: np.ndarray) -> np.ndarray:
    """:func:`robust_z` over NumPy arrays (NaN where it is NULL), for the in-memory scoring path."""
    value, median, mad = (np.asarray(a, dtype=np.float64) for a in (value, median, mad))
    # both branches are computed: a zero MAD divides by zero, a subnormal one overflows to ±inf, as SQL's does
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where(mad > 0, (value - median) / (MAD_SCALE * mad), np.nan)


def robust_log_unit_values(
    items: ir.Table,
    keys: Sequence[str],
    *,
    min_count: int = 1,
    quartiles: bool = False,
) -> ir.Table:
    """Per group of ``keys``: ``items`` (count), ``median_log_unit_value`` and ``mad_log_unit_value``
    (median absolute deviation from that median) of the ``log_uv`` column, for groups of at least
    ``min_count`` items; with ``quartiles``, also ``q1_log_unit_value`` and ``q3_log_unit_value``.

    Lazy: an Ibis expression for any backend. Which items go in (a period, a point-in-time window) is
    the caller's choice. A group whose key is NULL is left out (the MAD is found by joining on keys).
    """
    keys = list(keys)
    aggs = {"items": items.count(), "median_log_unit_value": items.log_uv.median()}
    if quartiles:
        aggs["q1_log_unit_value"] = items.log_uv.quantile(0.25)
        aggs["q3_log_unit_value"] = items.log_uv.quantile(0.75)
    stats = items.group_by(keys).aggregate(**aggs)
    if min_count > 1:
        stats = stats.filter(stats["items"] >= min_count)
    dev = items.select(*keys, "log_uv").inner_join(stats, keys)
    mad = dev.group_by(keys).aggregate(
        mad_log_unit_value=(dev.log_uv - dev.median_log_unit_value).abs().median()
    )
    return stats.inner_join(mad, keys)
