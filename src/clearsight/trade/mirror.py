"""Mirror analysis: a reporter's imports from a partner against the partner's exports to it.

Imports are valued CIF, exports FOB, so imports are first brought to FOB with a factor (by mode of
transport where the statistics give it). Per reporter × partner × product × period the comparison
gives value, weight and quantity ratios, the log value ratio, and a robust z-score of that log ratio
*within the product* (median and MAD of the product's pairs), because real statistics disagree widely
and a plain ranking by gap would only list the biggest flows. Each row gets a pattern:

- ``valuation``: values disagree, weights agree — suspect under- (or over-) invoicing;
- ``volume_or_classification``: weights disagree too — goods missing, or declared under another code;
- ``value_gap``: values disagree and weights are missing on a side, so the two cannot be told apart;
- ``entrepot``: a large gap with a re-export hub (the goods' origin and the shipping country differ);
- ``consistent``: within the product's usual spread;
- ``no_mirror_export``: imports with no matching exports although the partner reports exports;
- ``partner_not_reporting``: the partner reports no exports at all in that period;
- ``no_reported_import``: the partner reports exports the reporter does not show as imports;
- ``zero_or_missing_value``: a side has no positive value, so no ratio can be formed.

All of it is Ibis over the warehouse: the same code runs on DuckDB and Spark.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from clearsight.schema.measures import robust_z

#: Conventional CIF/FOB factor when the mode is unknown (the IMF's long-standing 10 %).
DEFAULT_CIF_FOB = 1.10
#: CIF/FOB factors by mode of transport: freight and insurance weigh less over land.
MODE_CIF_FOB: dict[str, float] = {
    "sea": 1.10,
    "air": 1.10,
    "road": 1.05,
    "rail": 1.06,
    "inland_water": 1.06,
    "post": 1.10,
    "courier": 1.10,
    "fixed": 1.03,
    "own_propulsion": 1.03,
}
#: Entrepot hubs: much of what they export was made elsewhere.
ENTREPOT_HUBS: tuple[str, ...] = ("HK", "SG", "AE", "NL", "BE", "PA")
#: A partner whose re-exports to the reporter are at least this share of what it ships is a hub too.
REEXPORT_HUB_SHARE = 0.10
#: |robust z| above which a gap is flagged.
Z_THRESHOLD = 3.5
#: A product needs this many pairs for its own median and MAD; below, the pairs of all products are used.
MIN_PAIRS = 5
#: Gaps are ranked only for pairs where the larger side reaches this value (USD): below it, a ratio of
#: 1 USD against 18,400 USD tops the list while meaning nothing for revenue or enforcement.
MIN_VALUE = 10_000.0
#: Weights "agree" when their ratio is within this factor (either way).
WEIGHT_TOLERANCE = 1.5
FLAGGED = ("valuation", "volume_or_classification", "value_gap", "entrepot")
PATTERNS = (
    *FLAGGED,
    "consistent",
    "no_mirror_export",
    "partner_not_reporting",
    "no_reported_import",
    "zero_or_missing_value",
)


@dataclass(frozen=True)
class MirrorSettings:
    """The knobs of a mirror comparison (each has a documented default)."""

    cif_fob_factor: float = DEFAULT_CIF_FOB
    mode_factors: dict[str, float] = field(default_factory=lambda: dict(MODE_CIF_FOB))
    z_threshold: float = Z_THRESHOLD
    min_pairs: int = MIN_PAIRS
    hubs: tuple[str, ...] = ENTREPOT_HUBS
    #: percent; used where the declarations give no duty rate for the product (None: no estimate)
    duty_rate: float | None = None
    #: USD the larger side of a pair must reach for its gap to be ranked (0: every pair)
    min_value: float = MIN_VALUE


def cif_fob(mode: ir.StringValue, s: MirrorSettings) -> ir.FloatingValue:
    """The CIF/FOB factor of each row: by mode where known, else the default."""
    if not s.mode_factors:
        return ibis.literal(s.cif_fob_factor)
    return mode.substitute(s.mode_factors, else_=ibis.literal(s.cif_fob_factor)).cast("float64")


def _positive(x: ir.NumericValue) -> ir.FloatingValue:
    return ibis.ifelse(x > 0, x.cast("float64"), ibis.null(dt.float64))


def _side(t: ir.Table, prefix: str, fob: ir.FloatingValue | None = None) -> ir.Table:
    """Sum one side per pair. Weight and quantity only when every row of the pair has them."""
    t = t.mutate(_fob=t.value_usd if fob is None else fob)
    n = t.count()
    full_weight = t.net_weight_kg.count() == n
    # one unit on every row (min = max is far cheaper than a distinct count per group)
    full_qty = (
        (t.quantity.count() == n)
        & (t.quantity_unit.count() == n)
        & (t.quantity_unit.min() == t.quantity_unit.max())
    )
    agg = t.group_by(["reporter", "partner", "hs_code", "period"]).aggregate(
        **{
            f"{prefix}_value": t.value_usd.sum(),
            f"{prefix}_fob": t._fob.sum(),
            f"{prefix}_weight": ibis.ifelse(full_weight, t.net_weight_kg.sum(), ibis.null(dt.float64)),
            f"{prefix}_qty": ibis.ifelse(full_qty, t.quantity.sum(), ibis.null(dt.float64)),
            f"{prefix}_unit": t.quantity_unit.max(),
            f"{prefix}_rows": n,
        }
    )
    return agg


def mirror_pairs(
    flows: ir.Table,
    s: MirrorSettings,
    imports: ir.Table | None = None,
    exporters: ir.Table | None = None,
) -> ir.Table:
    """``compare_sides`` then ``score``: the pairs with ratios, z-scores and patterns (one expression)."""
    return score(compare_sides(flows, s, imports, exporters), s)


def compare_sides(
    flows: ir.Table,
    s: MirrorSettings,
    imports: ir.Table | None = None,
    exporters: ir.Table | None = None,
) -> ir.Table:
    """One row per reporter × partner × product × period with both sides, ratios, z-scores, patterns.

    ``flows`` are normalised trade flows (see ``flows.normalised_flows``). Imports are its M rows,
    unless ``imports`` (e.g. the administration's declarations) is given. ``exporters`` (partner,
    period) says who reports exports at all (default: the X rows of ``flows``; pass the whole
    table's when ``flows`` is limited to one reporter). ``revenue_at_risk`` is left for ``with_revenue``.
    """
    m = flows.filter(flows.flow == "M") if imports is None else imports
    m_side = _side(m, "import", m.value_usd / cif_fob(m.mode, s))
    # The partner's exports to the reporter, turned round to the reporter's point of view.
    x = flows.filter(flows.flow == "X")
    x = x.mutate(reporter=x.partner, partner=x.reporter)
    x_side = _side(x, "export")
    rx = flows.filter(flows.flow == "RX")
    rx = rx.mutate(reporter=rx.partner, partner=rx.reporter)
    rx_side = rx.group_by(["reporter", "partner", "hs_code", "period"]).aggregate(
        reexport_value=rx.value_usd.sum()
    )
    # Which partners report exports at all, per period.
    if exporters is None:
        x_rows = flows.filter(flows.flow == "X")
        exporters = x_rows.select(partner=x_rows.reporter, period=x_rows.period).distinct()
    exporters = exporters.mutate(_reports=ibis.literal(True))

    keys = ["reporter", "partner", "hs_code", "period"]
    xr = x_side.rename({f"_x_{k}": k for k in keys})
    j = m_side.outer_join(xr, [m_side[k] == xr[f"_x_{k}"] for k in keys])
    j = j.mutate(**{k: ibis.coalesce(j[k], j[f"_x_{k}"]) for k in keys}).drop(*[f"_x_{k}" for k in keys])
    j = j.left_join(rx_side, keys).drop(*[f"{k}_right" for k in keys])
    j = j.left_join(exporters, ["partner", "period"]).drop("partner_right", "period_right")

    imp, exp_ = _positive(j.import_fob), _positive(j.export_value)
    log_ratio = imp.ln() - exp_.ln()
    iw, ew = _positive(j.import_weight), _positive(j.export_weight)
    iq, eq = _positive(j.import_qty), _positive(j.export_qty)
    same_unit = (j.import_unit == j.export_unit) & (j.import_unit != "none")
    weight_ratio = iw / ew
    qty_ratio = ibis.ifelse(same_unit, iq / eq, ibis.null(dt.float64))
    j = j.mutate(
        log_ratio=log_ratio,
        weight_ratio=weight_ratio,
        quantity_ratio=qty_ratio,
        # unit value (per kg, else per unit of quantity) of imports over that of exports
        unit_value_ratio=ibis.coalesce(
            (imp / iw) / (exp_ / ew),
            (imp / iq) / ibis.ifelse(same_unit, exp_ / eq, ibis.null(dt.float64)),
        ),
        reexport_value=j.reexport_value,
        partner_reports=j._reports.fill_null(False),
    ).drop("_reports")
    return j


def score(j: ir.Table, s: MirrorSettings) -> ir.Table:
    """Robust z of the log ratio within the product (or across all pairs for a product with few), and
    the pattern. ``j`` (from ``compare_sides``) is read several times: cache it on big data."""
    pairs = j.filter(j.log_ratio.notnull())
    per_hs = pairs.group_by("hs_code").aggregate(_n=pairs.count(), _med=pairs.log_ratio.median())
    dev = pairs.inner_join(per_hs, "hs_code")
    dev = dev.mutate(_dev=(dev.log_ratio - dev._med).abs())
    mad_hs = dev.group_by("hs_code").aggregate(_mad=dev._dev.median())
    g_med = pairs.log_ratio.median().as_scalar()
    g_mad = (pairs.log_ratio - g_med).abs().median().as_scalar()
    stats = per_hs.inner_join(mad_hs, "hs_code")
    own = (stats._n >= s.min_pairs) & (stats._mad > 0)
    stats = stats.select(
        "hs_code",
        _center=ibis.ifelse(own, stats._med, g_med),
        _spread=ibis.ifelse(own, stats._mad, g_mad),
    )
    j = j.left_join(stats, "hs_code").drop("hs_code_right")
    # Guarded explicitly: x / 0 is +inf on DuckDB but NULL on Spark.
    z = robust_z(j.log_ratio, j._center, j._spread)
    j = j.mutate(robust_z=z).drop("_center", "_spread")
    rx = j.reexport_value.fill_null(0)
    re_exporter = (rx > 0) & (rx >= REEXPORT_HUB_SHARE * (j.export_value.fill_null(0) + rx))
    hub = j.partner.isin(list(s.hubs)) | re_exporter
    big = j.robust_z.abs() > s.z_threshold
    weights_agree = j.weight_ratio.ln().abs() <= math.log(WEIGHT_TOLERANCE)
    has_import = j.import_rows.fill_null(0) > 0
    has_export = j.export_rows.fill_null(0) > 0
    pattern = ibis.cases(
        (has_import & ~has_export & ~j.partner_reports, "partner_not_reporting"),
        (has_import & ~has_export, "no_mirror_export"),
        (~has_import & has_export, "no_reported_import"),
        (j.log_ratio.isnull(), "zero_or_missing_value"),
        (~big.fill_null(False), "consistent"),
        (hub, "entrepot"),
        (j.weight_ratio.isnull(), "value_gap"),
        (weights_agree, "valuation"),
        else_="volume_or_classification",
    )
    return j.mutate(pattern=pattern, entrepot_hub=hub)


def larger_side(pairs: ir.Table) -> ir.FloatingValue:
    """The larger of the pair's two values (imports as declared, mirror exports), 0 where both lack one."""
    imp, exp_ = pairs.import_value.fill_null(0), pairs.export_value.fill_null(0)
    return ibis.greatest(imp, exp_).cast("float64")


def duty_rates(declarations: ir.Table, hs_level: int) -> ir.Table:
    """Mean duty rate (percent) per product at ``hs_level``, from the administration's declarations."""
    d = declarations.filter(declarations.duty_rate.notnull(), declarations.hs_code.length() >= hs_level)
    d = d.mutate(_hs=d.hs_code.substr(0, hs_level))
    return d.group_by("_hs").aggregate(_duty_rate=d.duty_rate.mean())


def with_revenue(pairs: ir.Table, rates: ir.Table | None, s: MirrorSettings) -> ir.Table:
    """Revenue at risk (USD): for flagged gaps where imports fall short of the mirror exports
    (``at_risk``), the shortfall brought back to CIF times the duty rate (the product's, else
    ``s.duty_rate``). Null where such a gap has no duty rate: not estimated, which is not zero."""
    if rates is not None:
        pairs = pairs.left_join(rates, pairs.hs_code == rates._hs).drop("_hs")
        rate = pairs._duty_rate
    else:
        rate = ibis.null(dt.float64)
    if s.duty_rate is not None:
        rate = rate.fill_null(s.duty_rate)
    shortfall = (pairs.export_value - pairs.import_fob) * s.cif_fob_factor
    at_risk = pairs.pattern.isin(list(FLAGGED)) & (shortfall > 0)
    pairs = pairs.mutate(
        duty_rate=rate.cast("float64"),
        at_risk=at_risk.fill_null(False),
        revenue_at_risk=ibis.ifelse(at_risk, shortfall * rate / 100.0, 0.0).cast("float64"),
    )
    return pairs.drop("_duty_rate") if "_duty_rate" in pairs.columns else pairs
