"""The two sides of a mirror comparison, as Ibis tables at one HS level and one period level.

Trade statistics mix levels: a reporter may publish years and months, chapters and subheadings, and
imports by mode of transport. Summing everything would count the same trade twice, so each side is
built from the most direct rows: at a given (reporter, flow, period, product), rows coded exactly at
the requested HS level win over more detailed ones (which are summed only where the exact level is
absent), and yearly rows win over months. Every row left out is counted, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir

from clearsight.core.errors import UserError
from clearsight.core.warehouse import Warehouse

#: Columns of a side: one row per (reporter, partner, hs_code, period, mode).
SIDE_KEYS = ["reporter", "partner", "hs_code", "period"]
HS_LEVELS = (2, 4, 6)


@dataclass
class FlowCounts:
    """What happened to the trade_flows rows read (every row is in exactly one count)."""

    rows: int = 0
    used: int = 0
    outside_years: int = 0
    coarser_than_level: int = 0  # coded above the requested HS level (e.g. HS4 rows for an HS6 analysis)
    superseded: int = 0  # a more direct row (exact HS level, yearly figure) gives the same flow
    wrong_period_level: int = 0  # yearly rows in a monthly analysis
    other_reporters: int = 0  # outside --reporter (neither its imports nor its partners' exports to it)
    by_flow: dict[str, int] = field(default_factory=dict)  # used rows by flow (M, X, RM, RX)


def check_options(hs_level: int, period_level: str, year_from: int | None, year_to: int | None) -> None:
    if hs_level not in HS_LEVELS:
        raise UserError(f"--hs-level must be one of {', '.join(map(str, HS_LEVELS))}, not {hs_level}")
    if period_level not in ("year", "month"):
        raise UserError(f"--period must be year or month, not {period_level!r}")
    if year_from is not None and year_to is not None and year_from > year_to:
        raise UserError(f"--from {year_from} is after --to {year_to}")


def _year(period: ir.StringValue) -> ir.IntegerValue:
    return period.substr(0, 4).cast("int64")


def _prefer(t: ir.Table, keys: list[str], direct: ir.BooleanValue) -> ir.Table:
    """Rows where ``direct`` holds, plus the others only for keys with no direct row."""
    t = t.mutate(_direct=direct)
    have = t.filter(t._direct).select(*keys).distinct()
    kept = t.filter(t._direct).union(t.filter(~t._direct).anti_join(have, keys), distinct=False)
    return kept.drop("_direct")


def normalised_flows(
    wh: Warehouse,
    hs_level: int = 6,
    period_level: str = "year",
    year_from: int | None = None,
    year_to: int | None = None,
    reporter: str | None = None,
) -> tuple[ir.Table, FlowCounts]:
    """trade_flows at ``hs_level`` digits and ``period_level`` (year or month), with the counts.

    ``reporter`` keeps its imports and what its partners report as trade with it.
    """
    check_options(hs_level, period_level, year_from, year_to)
    t = wh.table("trade_flows")
    ours = (t.reporter == reporter) | (t.partner == reporter) if reporter else ibis.literal(True)
    year = _year(t.period)
    in_years = ibis.literal(True)
    if year_from is not None:
        in_years &= year >= year_from
    if year_to is not None:
        in_years &= year <= year_to
    fine = t.hs_code.length() >= hs_level
    monthly = t.period.length() == 6
    # One pass over the table for the counts of rows left out before the comparison.
    first = (
        t.aggregate(
            rows=t.count(),
            other=t.count(where=~ours),
            outside=t.count(where=ours & ~in_years),
            coarser=t.count(where=ours & in_years & ~fine),
            yearly=t.count(where=ours & in_years & fine & ~monthly),
            monthly=t.count(where=ours & in_years & fine & monthly),
            exact=t.count(where=ours & in_years & (t.hs_code.length() == hs_level)),
            detailed=t.count(where=ours & in_years & (t.hs_code.length() > hs_level)),
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    counts = FlowCounts(
        rows=first["rows"],
        other_reporters=first["other"],
        outside_years=first["outside"],
        coarser_than_level=first["coarser"],
        wrong_period_level=first["yearly"] if period_level == "month" else 0,
    )
    t = t.filter(ours, in_years, fine)
    t = t.mutate(hs_code=t.hs_code.substr(0, hs_level), _hs_len=t.hs_code.length())
    flow_keys = ["reporter", "partner", "flow", "hs_code", "period"]
    if period_level == "month":
        t = t.filter(t.period.length() == 6)
    # Preference costs joins over the whole table: paid only where both kinds of rows exist.
    if first["exact"] and first["detailed"]:
        t = _prefer(t, flow_keys, t._hs_len == hs_level)
    if period_level == "year":
        t = t.mutate(period=t.period.substr(0, 4), _monthly=t.period.length() == 6)
        if first["yearly"] and first["monthly"]:
            t = _prefer(t, flow_keys, ~t._monthly)
        t = t.drop("_monthly")
    t = t.select(
        "reporter",
        "partner",
        "flow",
        "hs_code",
        "period",
        "mode",
        "value_usd",
        "net_weight_kg",
        "quantity",
        "quantity_unit",
    )
    by_flow = t.group_by("flow").aggregate(n=t.count()).to_pyarrow().to_pylist()
    counts.by_flow = {r["flow"]: r["n"] for r in by_flow}
    counts.used = sum(counts.by_flow.values())
    # Every row is in exactly one count: what is neither used nor left out above was superseded.
    left_out = counts.other_reporters + counts.outside_years + counts.coarser_than_level
    counts.superseded = counts.rows - left_out - counts.wrong_period_level - counts.used
    return t, counts


def exporters(wh: Warehouse, period_level: str = "year") -> ir.Table:
    """(partner, period): every country that reports exports in a period, whoever they go to."""
    t = wh.table("trade_flows")
    x = t.filter(t.flow == "X")
    yearly = period_level == "year"
    x = x.mutate(period=x.period.substr(0, 4)) if yearly else x.filter(x.period.length() == 6)
    return x.select(partner=x.reporter, period=x.period).distinct()


def _count(t: ir.Table) -> int:
    return int(t.count().to_pyarrow().as_py())


def declared_imports(
    wh: Warehouse,
    reporter: str,
    usd_rates: dict[str, float],
    hs_level: int = 6,
    period_level: str = "year",
    year_from: int | None = None,
    year_to: int | None = None,
    partner_field: str = "country_of_origin",
) -> tuple[ir.Table, int, int]:
    """The administration's own declarations as import flows of ``reporter``, in US dollars.

    Values are converted at ``usd_rates`` (year -> national currency per USD). Returns the flows
    (one row per item, flow M), the items used, and the items left out (no partner country, no value,
    or a year without a rate).
    """
    if partner_field not in ("country_of_origin", "country_of_export"):
        raise UserError(f"partner field must be country_of_origin or country_of_export, not {partner_field}")
    check_options(hs_level, period_level, year_from, year_to)
    d = wh.table("declarations")
    year = d.lodged_at.year()
    cond = [d.lodged_at.notnull()]
    if year_from is not None:
        cond.append(year >= year_from)
    if year_to is not None:
        cond.append(year <= year_to)
    d = d.filter(*cond)
    total = _count(d)
    rates = ibis.memtable({"_year": [int(y) for y in usd_rates], "_rate": list(usd_rates.values())})
    year = d.lodged_at.year()
    if period_level == "year":
        period = year.cast("string")
    else:
        period = year.cast("string") + d.lodged_at.month().cast("string").lpad(2, "0")
    t = d.mutate(_year=year, _period=period)
    t = t.inner_join(rates, "_year")
    t = t.filter(t[partner_field].notnull(), t.customs_value.notnull(), t.hs_code.length() >= hs_level)
    flows = t.select(
        reporter=ibis.literal(reporter),
        partner=t[partner_field],
        flow=ibis.literal("M"),
        hs_code=t.hs_code.substr(0, hs_level),
        period=t._period,
        mode=t.mode_of_transport,
        value_usd=t.customs_value / t._rate,
        net_weight_kg=t.net_mass_kg,
        quantity=t.quantity,
        quantity_unit=t.quantity_unit,
    )
    used = _count(flows)
    return flows, used, total - used


def usd_rates_from_invoices(
    wh: Warehouse, cif_fob_factor: float, year_from: int | None = None, year_to: int | None = None
) -> dict[str, float]:
    """National currency per US dollar by year, estimated from items invoiced in USD.

    median(customs_value / invoice_amount) is the rate times the CIF/FOB factor (customs value is
    CIF, the invoice usually FOB), so it is divided by the factor. Years with fewer than 20 such items
    get no rate.
    """
    d = wh.table("declarations")
    ok = d.filter(
        d.invoice_currency == "USD", d.invoice_amount > 0, d.customs_value > 0, d.lodged_at.notnull()
    )
    ok = ok.mutate(_year=ok.lodged_at.year(), _ratio=ok.customs_value / ok.invoice_amount)
    if year_from is not None:
        ok = ok.filter(ok._year >= year_from)
    if year_to is not None:
        ok = ok.filter(ok._year <= year_to)
    per_year = ok.group_by("_year").aggregate(n=ok.count(), ratio=ok._ratio.median())
    rows = per_year.filter(per_year.n >= 20).order_by("_year").to_pyarrow().to_pylist()
    return {str(r["_year"]): r["ratio"] / cif_fob_factor for r in rows}
