"""The mirror report: a typed result of ``build_mirror``, small enough to print, serialise and chart.

Every figure is an Ibis aggregate executed at the edge; Python only reshapes already-aggregated rows.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import ibis.expr.types as ir
from pydantic import BaseModel

from clearsight.core.errors import UserError
from clearsight.core.warehouse import Warehouse
from clearsight.schema.items import country_code
from clearsight.trade.flows import (
    FlowCounts,
    declared_imports,
    exporters,
    normalised_flows,
    usd_rates_from_invoices,
)
from clearsight.trade.mirror import (
    FLAGGED,
    PATTERNS,
    MirrorSettings,
    compare_sides,
    duty_rates,
    larger_side,
    score,
    with_revenue,
)

#: Points drawn in the imports-against-exports chart (the largest flows, plus every flagged row shown).
SCATTER_POINTS = 3000


class MirrorRow(BaseModel):
    """One reporter × partner × product × period (the ``rows`` of ``mirror --json``)."""

    period: str
    reporter: str
    partner: str
    hs_code: str
    import_value: float | None
    mirror_export_value: float | None
    log_ratio: float | None
    robust_z: float | None
    weight_ratio: float | None
    unit_value_ratio: float | None
    pattern: str
    revenue_at_risk: float | None


class Total(BaseModel):
    """A group (partner, product or period) of compared pairs (``revenue_at_risk``: what was estimated)."""

    key: str
    pairs: int
    flagged: int
    import_fob: float
    mirror_export_value: float
    revenue_at_risk: float


class MirrorReport(BaseModel):
    engine: str
    source: Literal["trade_flows", "declarations"]
    reporter: str | None
    hs_level: int
    period_level: str
    year_from: int | None
    year_to: int | None
    cif_fob_factor: float
    mode_factors: dict[str, float]
    z_threshold: float
    min_pairs: int
    duty_rate_default: float | None
    min_value: float
    usd_rates: dict[str, float]
    counts: dict[str, Any]
    quarantined_trade_rows: int
    pairs: int
    median_ratio: float | None
    patterns: dict[str, int]
    flagged: int
    #: USD; None when no flagged shortfall has a duty rate (not estimated, not zero)
    revenue_at_risk: float | None
    #: flagged gaps where imports fall short but the product has no duty rate: not in the estimate
    gaps_without_duty_rate: int
    #: why revenue at risk is not (or only partly) estimated; None when every such gap has a rate
    revenue_note: str | None
    #: pairs where both sides stay under ``min_value``: counted in the patterns, not ranked
    small_pairs_not_ranked: int
    partners_not_reporting: list[str]
    rows: list[MirrorRow]
    scatter: list[MirrorRow]
    by_partner: list[Total]
    by_product: list[Total]
    by_period: list[Total]
    notes: list[str]

    @property
    def ranking(self) -> str:
        """What the list of largest gaps holds, in words (the report, the terminal and the JSON say it)."""
        if self.min_value <= 0:
            return "gaps of every pair, whatever its value"
        return (
            f"gaps of pairs where either side reaches {self.min_value:,.0f} USD; "
            f"{self.small_pairs_not_ranked:,} smaller pairs not ranked"
        )

    def to_json_dict(self, limit: int | None = None) -> dict[str, Any]:
        """The ``mirror --json`` object: the contract first, then the context."""
        rows = self.rows if limit is None else self.rows[:limit]
        return {
            "pairs": self.pairs,
            "median_ratio": self.median_ratio,
            "cif_fob_factor": self.cif_fob_factor,
            "rows": [r.model_dump() for r in rows],
            "min_value": self.min_value,
            "small_pairs_not_ranked": self.small_pairs_not_ranked,
            "ranking": self.ranking,
            "source": self.source,
            "reporter": self.reporter,
            "hs_level": self.hs_level,
            "period": self.period_level,
            "patterns": self.patterns,
            "flagged": self.flagged,
            "revenue_at_risk": self.revenue_at_risk,
            "revenue_at_risk_note": self.revenue_note,
            "gaps_without_duty_rate": self.gaps_without_duty_rate,
            "partners_not_reporting": self.partners_not_reporting,
            "counts": self.counts,
            "notes": self.notes,
        }


def _num(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def _row(r: dict[str, Any]) -> MirrorRow:
    return MirrorRow(
        period=r["period"],
        reporter=r["reporter"],
        partner=r["partner"],
        hs_code=r["hs_code"],
        import_value=_num(r["import_value"]),
        mirror_export_value=_num(r["export_value"]),
        log_ratio=_num(r["log_ratio"]),
        robust_z=_num(r["robust_z"]),
        weight_ratio=_num(r["weight_ratio"]),
        unit_value_ratio=_num(r["unit_value_ratio"]),
        pattern=r["pattern"],
        revenue_at_risk=_num(r["revenue_at_risk"]),
    )


ROW_COLUMNS = [
    "period",
    "reporter",
    "partner",
    "hs_code",
    "import_value",
    "export_value",
    "log_ratio",
    "robust_z",
    "weight_ratio",
    "unit_value_ratio",
    "pattern",
    "revenue_at_risk",
]


#: Columns of the scored pairs the report reads (the rest is not kept in the cached table).
KEPT_COLUMNS = [*ROW_COLUMNS, "import_fob", "at_risk", "duty_rate"]


def ranked(pairs: ir.Table) -> ir.Table:
    """Rows by |robust z| (largest gaps first; rows without a z last), ties by revenue at risk, then key."""
    return pairs.order_by(
        pairs.robust_z.abs().desc(nulls_first=False),
        pairs.revenue_at_risk.desc(nulls_first=False),
        "period",
        "reporter",
        "partner",
        "hs_code",
    )


def _totals(pairs: ir.Table, key: str, top: int | None) -> list[Total]:
    flagged = pairs.pattern.isin(list(FLAGGED))
    compared = pairs.log_ratio.notnull()
    agg = pairs.group_by(key).aggregate(
        pairs=pairs.count(where=compared),
        flagged=pairs.count(where=flagged),
        import_fob=pairs.import_fob.sum(where=compared),
        mirror_export_value=pairs.export_value.sum(where=compared),
        revenue_at_risk=pairs.revenue_at_risk.sum(),
    )
    if top is not None:
        agg = agg.order_by(
            agg.revenue_at_risk.desc(nulls_first=False), agg.flagged.desc(), agg.import_fob.desc(), key
        ).limit(top)
    else:
        agg = agg.order_by(key)
    return [
        Total(
            key=str(r[key]),
            pairs=r["pairs"],
            flagged=r["flagged"],
            import_fob=r["import_fob"] or 0.0,
            mirror_export_value=r["mirror_export_value"] or 0.0,
            revenue_at_risk=r["revenue_at_risk"] or 0.0,
        )
        for r in agg.to_pyarrow().to_pylist()
    ]


def build_mirror(
    wh: Warehouse,
    *,
    reporter: str | None = None,
    hs_level: int = 6,
    period_level: str = "year",
    year_from: int | None = None,
    year_to: int | None = None,
    source: Literal["trade_flows", "declarations"] = "trade_flows",
    settings: MirrorSettings | None = None,
    usd_rate: float | None = None,
    partner_field: str = "country_of_origin",
    limit: int = 50,
    top: int = 15,
) -> MirrorReport:
    """Compare imports (trade statistics, or the administration's declarations) with mirror exports."""
    s = settings or MirrorSettings()
    if s.cif_fob_factor < 1 or any(f < 1 for f in s.mode_factors.values()):
        raise UserError("a CIF/FOB factor below 1 would make freight negative")
    if not s.min_value >= 0:  # also refuses NaN
        raise UserError(f"--min-value must be 0 or more (USD), not {s.min_value:g}")
    reporter = reporter_code(wh, reporter, source) if reporter else None
    notes: list[str] = []
    flows, counts = normalised_flows(wh, hs_level, period_level, year_from, year_to, reporter)
    imports = None
    usd_rates: dict[str, float] = {}
    count_dict: dict[str, Any] = _counts_dict(counts)
    if source == "declarations":
        if not reporter:
            raise UserError("--source declarations needs --reporter: the administration's own country")
        if usd_rate is not None:
            if usd_rate <= 0:
                raise UserError("--usd-rate must be positive (national currency per US dollar)")
            years = _declaration_years(wh)
            usd_rates = {y: usd_rate for y in years}
        else:
            usd_rates = usd_rates_from_invoices(wh, s.cif_fob_factor, year_from, year_to)
            if not usd_rates and _has_rows(wh, "declarations"):
                raise UserError(
                    "no year has 20 items invoiced in USD to estimate the exchange rate: give --usd-rate"
                )
            if usd_rates:
                notes.append(
                    "declared values converted to USD at rates estimated from items invoiced in USD "
                    f"(median customs value / invoice amount ÷ {s.cif_fob_factor:g}): "
                    + ", ".join(f"{y}: {r:,.2f}" for y, r in usd_rates.items())
                )
        imports, used, left_out = declared_imports(
            wh, reporter, usd_rates, hs_level, period_level, year_from, year_to, partner_field
        )
        count_dict["declared_items_used"] = used
        count_dict["declared_items_left_out"] = left_out
        if left_out:
            notes.append(
                f"{left_out:,} declared items left out (no {partner_field}, no customs value, an HS code "
                f"shorter than {hs_level} digits, or a year without an exchange rate)"
            )
    sides = compare_sides(flows, s, imports, exporters(wh, period_level) if reporter else None)
    if reporter:  # z-scores rank the reporter's gaps among its own
        sides = sides.filter(sides.reporter == reporter)
    has_decl = _has_rows(wh, "declarations")
    rates = duty_rates(wh.table("declarations"), hs_level) if has_decl else None
    # Computed once each in the engine (cached tables): scoring reads the sides several times, and
    # every figure below reads the same pairs.
    base = sides.cache()
    try:
        t = with_revenue(score(base, s), rates, s).select(*KEPT_COLUMNS).cache()
    finally:
        base.release()  # the scored pairs are materialised: the sides are no longer needed
    try:
        context = {
            "engine": wh.kind,
            "source": source,
            "reporter": reporter,
            "hs_level": hs_level,
            "period_level": period_level,
            "year_from": year_from,
            "year_to": year_to,
            "usd_rates": usd_rates,
            "counts": count_dict,
        }
        return _report(wh, t, s, context, notes, rates is not None, limit, top)
    finally:
        t.release()


def _report(
    wh: Warehouse,
    t: ir.Table,
    s: MirrorSettings,
    context: dict[str, Any],
    notes: list[str],
    has_rates: bool,
    limit: int,
    top: int,
) -> MirrorReport:
    """The report's figures from the cached pairs ``t``; ``context`` holds the options as given."""
    big = larger_side(t) >= s.min_value
    summary = (
        t.aggregate(
            pairs=t.count(where=t.log_ratio.notnull()),
            median_log=t.log_ratio.median(),
            revenue=t.revenue_at_risk.sum(),
            estimated=t.count(where=t.at_risk & t.revenue_at_risk.notnull()),
            no_rate=t.count(where=t.at_risk & t.revenue_at_risk.isnull()),
            small=t.count(where=~big),
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    by_pattern = {
        r["pattern"]: r["n"] for r in t.group_by("pattern").aggregate(n=t.count()).to_pyarrow().to_pylist()
    }
    patterns = {p: by_pattern.get(p, 0) for p in PATTERNS}
    silent = t.filter(t.pattern == "partner_not_reporting").select("partner").distinct().order_by("partner")
    listed = ranked(t.filter(big)).select(*ROW_COLUMNS).limit(limit)
    rows = [_row(r) for r in listed.to_pyarrow().to_pylist()]
    compared = t.filter(t.log_ratio.notnull())
    scatter_rows = compared.order_by(compared.import_fob.desc(), "partner", "hs_code", "period").limit(
        SCATTER_POINTS
    )
    scatter = [_row(r) for r in scatter_rows.select(*ROW_COLUMNS).to_pyarrow().to_pylist()]
    quarantined = _quarantined(wh)
    if quarantined:
        notes.append(
            f"{quarantined:,} trade_flows rows are in quarantine (world totals, areas, unknown country "
            "codes...): see `clearsight quarantine list`"
        )
    revenue, revenue_note = _revenue(summary, has_rates, s)
    if revenue_note:
        notes.append(revenue_note)
    return MirrorReport(
        **context,
        cif_fob_factor=s.cif_fob_factor,
        mode_factors=dict(s.mode_factors),
        z_threshold=s.z_threshold,
        min_pairs=s.min_pairs,
        duty_rate_default=s.duty_rate,
        quarantined_trade_rows=quarantined,
        pairs=summary["pairs"],
        median_ratio=None if summary["median_log"] is None else math.exp(summary["median_log"]),
        patterns=patterns,
        flagged=sum(patterns[p] for p in FLAGGED),
        min_value=s.min_value,
        small_pairs_not_ranked=summary["small"],
        revenue_at_risk=revenue,
        gaps_without_duty_rate=summary["no_rate"],
        revenue_note=revenue_note,
        partners_not_reporting=[r["partner"] for r in silent.to_pyarrow().to_pylist()],
        rows=rows,
        scatter=scatter,
        by_partner=_totals(t, "partner", top),
        by_product=_totals(t, "hs_code", top),
        by_period=_totals(t, "period", None),
        notes=notes,
    )


def _revenue(summary: dict[str, Any], has_rates: bool, s: MirrorSettings) -> tuple[float | None, str | None]:
    """Revenue at risk and, where part or all of it could not be estimated, why (no duty rate)."""
    estimated, missing = summary["estimated"], summary["no_rate"]
    where = (
        "no declarations give duty rates and no --duty-rate was given"
        if not has_rates and s.duty_rate is None
        else "their products have no duty rate in the declarations (give --duty-rate for them)"
    )
    if not missing:
        return (summary["revenue"] or 0.0), None
    if not estimated:
        return None, f"revenue at risk not estimated: {missing:,} flagged shortfalls, {where}"
    return summary["revenue"] or 0.0, (
        f"revenue at risk leaves out {missing:,} of {estimated + missing:,} flagged shortfalls: {where}"
    )


def _counts_dict(c: FlowCounts) -> dict[str, Any]:
    return {
        "trade_flows_rows": c.rows,
        "rows_used": c.used,
        "rows_by_flow": c.by_flow,
        "rows_other_reporters": c.other_reporters,
        "rows_outside_years": c.outside_years,
        "rows_coarser_than_hs_level": c.coarser_than_level,
        "rows_superseded": c.superseded,
        "rows_wrong_period_level": c.wrong_period_level,
    }


def reporter_code(wh: Warehouse, text: str, source: str = "trade_flows") -> str:
    """The reporter as the warehouse holds it (ISO alpha-2), from an alpha-2 or alpha-3 code, a numeric
    code or a name (``GBR``, ``826``, ``United Kingdom`` -> ``GB``): the Comtrade files use alpha-3.
    A text that is no country, or (comparing trade statistics) a country that reports no flows, is an
    error naming the reporters the warehouse holds."""
    code = country_code(text.strip())
    if source != "trade_flows" and code is not None:
        return code  # the administration's own country: its declarations, not its statistics
    t = wh.table("trade_flows")
    known = sorted(v for v in t.select("reporter").distinct().to_pyarrow()["reporter"].to_pylist() if v)
    if code is not None and code in known:
        return code
    why = f"{text!r} is not a country code or name" if code is None else f"no trade flows reported by {code}"
    listed = ", ".join(known[:40]) + (f" and {len(known) - 40} more" if len(known) > 40 else "")
    raise UserError(
        f"--reporter {why}; reporters in the warehouse: {listed or 'none (load trade_flows first)'}"
    )


def _has_rows(wh: Warehouse, table: str) -> bool:
    t = wh.table(table)
    return t.limit(1).count().to_pyarrow().as_py() > 0


def _declaration_years(wh: Warehouse) -> list[str]:
    d = wh.table("declarations")
    years = d.filter(d.lodged_at.notnull()).select(y=d.lodged_at.year()).distinct().order_by("y")
    return [str(r["y"]) for r in years.to_pyarrow().to_pylist()]


def _quarantined(wh: Warehouse) -> int:
    q = wh.table("quarantine")
    return int(q.filter(q.table_name == "trade_flows").count().to_pyarrow().as_py())
