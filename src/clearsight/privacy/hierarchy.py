"""Generalisation ladders for quasi-identifiers, as Ibis expressions (DuckDB and Spark alike).

Each ladder is a list of levels, from the value as stored (level 0) to ``*`` (suppressed entirely).
Every level yields text, with NULL shown as ``?``, so equivalence classes are plain string groups and
a missing value is a value like any other (never silently merged or dropped).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

MISSING = "?"
STAR = "*"


@dataclass(frozen=True)
class Ladder:
    """Named generalisation levels of one column; ``levels[i]`` maps the raw column to level i."""

    column: str
    names: tuple[str, ...]
    levels: tuple[Callable[[ir.Value], ir.StringValue], ...]

    def apply(self, value: ir.Value, level: int) -> ir.StringValue:
        return self.levels[level](value).fill_null(MISSING)

    @property
    def top(self) -> int:
        return len(self.levels) - 1


def _star(_: ir.Value) -> ir.StringValue:
    return ibis.literal(STAR)


def _text(v: ir.Value) -> ir.StringValue:
    return v.cast("string")


def _prefix(n: int) -> Callable[[ir.Value], ir.StringValue]:
    return lambda v: v.cast("string").substr(0, n)


def _day(v: ir.TimestampValue) -> ir.StringValue:
    return v.date().cast("string")


def _week(v: ir.TimestampValue) -> ir.StringValue:
    """The Monday the ISO week starts on, e.g. 2024-01-01."""
    return v.truncate("W").date().cast("string")


def _month(v: ir.TimestampValue) -> ir.StringValue:
    return v.truncate("M").date().cast("string").substr(0, 7)


def _quarter(v: ir.TimestampValue) -> ir.StringValue:
    return v.year().cast("string") + "-Q" + v.quarter().cast("string")


def _year(v: ir.TimestampValue) -> ir.StringValue:
    return v.year().cast("string")


def _office_group(v: ir.StringValue) -> ir.StringValue:
    """Office code without its trailing number: KESEA02 -> KESEA (the country's sea offices)."""
    return v.re_replace(r"[0-9]+$", "")


def _significant2(v: ir.NumericValue) -> ir.StringValue:
    """Rounded to two significant figures (12 345 -> 12000)."""
    e = v.abs().log10().floor() - 1
    scale = ibis.literal(10.0) ** e
    rounded = (v / scale).round() * scale
    return ibis.ifelse(v > 0, rounded.round(2).cast("string"), v.cast("string"))


def _band(steps: tuple[float, ...]) -> Callable[[ir.Value], ir.StringValue]:
    """A band label like ``2000-5000``: the decade of the value split at ``steps`` (1-2-5 or 1 only)."""

    def band(v: ir.NumericValue) -> ir.StringValue:
        e = v.log10().floor()
        decade = ibis.literal(10.0) ** e
        m = v / decade
        lower = ibis.literal(steps[0])
        upper = ibis.literal(10.0)
        for s in steps[1:]:
            lower = ibis.ifelse(m >= s, s, lower)
        for s in reversed(steps[1:]):
            upper = ibis.ifelse(m < s, s, upper)
        # both bounds are whole numbers from 1 upwards: cast before printing (no "1000.0")
        lo = (lower * decade).round().cast("int64").cast("string")
        hi = (upper * decade).round().cast("int64").cast("string")
        return ibis.ifelse(
            v >= 1, lo + "-" + hi, ibis.ifelse(v >= 0, ibis.literal("0-1"), ibis.null("string"))
        )

    return band


def _ladder(column: str, *levels: tuple[str, Callable]) -> Ladder:
    return Ladder(column, tuple(n for n, _ in levels), tuple(f for _, f in levels))


_DATE = (("day", _day), ("week", _week), ("month", _month), ("quarter", _quarter), ("year", _year))
_AMOUNT = (
    ("2 significant figures", _significant2),
    ("1-2-5 band", _band((1.0, 2.0, 5.0))),
    ("decade band", _band((1.0,))),
)
_HS = (("hs_code", _text), ("hs8", _prefix(8)), ("hs6", _prefix(6)), ("hs4", _prefix(4)), ("hs2", _prefix(2)))

LADDERS: dict[str, Ladder] = {
    "lodged_at": _ladder("lodged_at", *_DATE, (STAR, _star)),
    "hs_code": _ladder("hs_code", *_HS, (STAR, _star)),
    "office_id": _ladder(
        "office_id",
        ("office", _text),
        ("office group", _office_group),
        ("country", _prefix(2)),
        (STAR, _star),
    ),
    **{
        name: _ladder(name, *_AMOUNT, (STAR, _star))
        for name in ("customs_value", "net_mass_kg", "gross_mass_kg", "quantity", "duty_tax_amount")
    },
    **{
        name: _ladder(name, ("value", _text), (STAR, _star))
        for name in (
            "country_of_origin",
            "country_of_export",
            "mode_of_transport",
            "procedure_code",
            "declaration_type",
            "quantity_unit",
            "duty_rate",
            "preference_code",
            "aeo_status",
            "invoice_currency",
        )
    },
}

#: Identifiers: pseudonymised (research) or dropped (public); never quasi-identifiers.
IDENTIFIERS: dict[str, str] = {
    "declaration_id": "declaration",
    "importer_id": "party",
    "declarant_id": "party",
    "seller_id": "party",
    "carrier_id": "party",
}
#: Dropped from every release: free text that can name a trader, and lineage columns.
DROPPED: dict[str, str] = {
    "goods_description": "free text (may name traders or brands)",
    "invoice_amount": "exact amount in the invoice currency (re-identifies the invoice)",
    "batch_id": "lineage (internal)",
    "quality_flags": "lineage (internal)",
    "hs2": "derived from hs_code (released at the hs_code level)",
    "hs4": "derived from hs_code (released at the hs_code level)",
    "hs6": "derived from hs_code (released at the hs_code level)",
}


def level_index(column: str, name: str) -> int:
    return LADDERS[column].names.index(name)
