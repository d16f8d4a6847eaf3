"""What a finance ministry asks of a forecast: what if the tariff changes, what if the currency moves.

**Tariff change**: from a month on, the duty rate of chosen HS headings becomes ``rate`` (percent of
the customs value). Each heading's part of its office × chapter forecast is its share over the last
twelve months of history; its import value answers the price change with the user's elasticity
(value × ((1 + new rate) / (1 + old rate)) ^ elasticity, old rate being the heading's effective rate
over those months); the duty is the new rate × that value, and the other taxes (VAT on the
duty-paid value) follow the duty-paid value.

**Exchange-rate path**: from each month named, the national-currency value of imports is that many
per cent above (or below) the baseline; duty and taxes, charged on value, follow it.

The scenario is applied to the bottom series (office × chapter) and summed up the hierarchy, so the
scenario's offices add up to its national total as the baseline's do.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import ibis
import numpy as np
import pandas as pd

from clearsight.core.errors import UserError
from clearsight.core.warehouse import Warehouse

ELASTICITY_RANGE = (-3.0, 0.0)
MAX_RATE = 200.0
FX_RANGE = (-50.0, 100.0)


@dataclass(frozen=True)
class TariffChange:
    """New duty ``rate`` (percent) on ``headings`` (4 digits) from the month of ``start``."""

    headings: tuple[str, ...]
    rate: float
    start: dt.date
    elasticity: float = 0.0

    def check(self) -> TariffChange:
        if not self.headings:
            raise UserError("a tariff change names at least one HS heading (4 digits, like 8703)")
        for h in self.headings:
            if not re.fullmatch(r"\d{4}", h):
                raise UserError(f"HS heading {h!r} is not 4 digits (like 8703)")
        if not 0 <= self.rate <= MAX_RATE:
            raise UserError(f"the new duty rate must be between 0 and {MAX_RATE:g} %, got {self.rate:g}")
        lo, hi = ELASTICITY_RANGE
        if not lo <= self.elasticity <= hi:
            raise UserError(
                f"the import-value elasticity must be between {lo:g} and {hi:g} (imports fall or stay when "
                f"duty rises), got {self.elasticity:g}"
            )
        return self


@dataclass(frozen=True)
class FxPath:
    """From each month named, import values in national currency are ``pct`` % off the baseline."""

    steps: tuple[tuple[dt.date, float], ...]

    def check(self) -> FxPath:
        lo, hi = FX_RANGE
        for month, pct in self.steps:
            if not lo <= pct <= hi:
                raise UserError(f"an exchange-rate change must be between {lo:g} % and +{hi:g} %, got {pct:g} % ({month})")
        return self

    def factor(self, months: pd.DatetimeIndex) -> np.ndarray:
        out = np.ones(len(months))
        for month, pct in sorted(self.steps):
            out[months >= pd.Timestamp(month.replace(day=1))] = 1 + pct / 100
        return out


@dataclass(frozen=True)
class Scenario:
    tariff: TariffChange | None = None
    fx: FxPath | None = None

    def describe(self) -> str:
        parts = []
        if self.tariff:
            t = self.tariff
            parts.append(
                f"duty on {', '.join(t.headings)} at {t.rate:g} % from {t.start:%Y-%m} (elasticity {t.elasticity:g})"
            )
        if self.fx:
            parts.append(
                "import values in national currency "
                + ", ".join(f"{p:+g} % from {m:%Y-%m}" for m, p in sorted(self.fx.steps))
            )
        return "; ".join(parts)


def parse_month(text: str, what: str) -> dt.date:
    """``2025-03`` or ``2025-03-01`` -> the first day of that month."""
    try:
        value = dt.date.fromisoformat(text.strip() + ("-01" if len(text.strip()) == 7 else ""))
    except ValueError:
        raise UserError(f"{what} must be a month like 2025-03, got {text!r}") from None
    return value.replace(day=1)


def parse_fx(text: str) -> FxPath:
    """``2025-03:+5,2025-09:+10`` -> from March +5 %, from September +10 %."""
    steps = []
    for part in (p for p in text.split(",") if p.strip()):
        month, sep, pct = part.partition(":")
        if not sep:
            raise UserError(f"--fx takes MONTH:PERCENT pairs like 2025-03:+5, got {part!r}")
        try:
            value = float(pct.strip().rstrip("%"))
        except ValueError:
            raise UserError(f"--fx: {pct!r} is not a percentage") from None
        steps.append((parse_month(month, "--fx"), value))
    if not steps:
        raise UserError("--fx takes MONTH:PERCENT pairs like 2025-03:+5")
    return FxPath(tuple(steps)).check()


def heading_shares(
    warehouse: Warehouse, headings: tuple[str, ...], first: dt.date, last: dt.date, merged: dict[str, list[str]]
) -> pd.DataFrame:
    """Per office × chapter series and heading, over [first, last): customs value, customs duty
    (value × rate) and duty and taxes; an unknown heading is an error naming the busiest ones."""
    d = warehouse.table("declarations")
    d = d.filter(
        (d.lodged_at >= ibis.timestamp(dt.datetime.combine(first, dt.time())))
        & (d.lodged_at < ibis.timestamp(dt.datetime.combine(last, dt.time())))
    )
    heading = d.hs4.fill_null(d.hs_code.substr(0, 4))
    chapter = d.hs2.fill_null(d.hs_code.substr(0, 2))
    found = (
        d.filter(heading.isin(list(headings)))
        .group_by(office_id=d.office_id, chapter=chapter, heading=heading)
        .aggregate(
            value=d.customs_value.fill_null(0).sum().cast("float64"),
            duty=(d.customs_value.fill_null(0) * d.duty_rate.fill_null(0) / 100).sum().cast("float64"),
            duty_tax=d.duty_tax_amount.fill_null(0).sum().cast("float64"),
        )
        .to_pandas()
    )
    missing = sorted(set(headings) - set(found["heading"]))
    if missing:
        busiest = (
            d.group_by(heading=heading).aggregate(duty=d.duty_tax_amount.sum()).order_by(ibis.desc("duty")).limit(8)
        ).to_pandas()["heading"]
        raise UserError(
            f"HS heading {', '.join(missing)} has no declarations in the last twelve months of history "
            f"({first:%Y-%m} to {last - dt.timedelta(days=1):%Y-%m}); headings with the most duty: {', '.join(busiest)}"
        )
    merged_set = {(o, c) for o, cs in merged.items() for c in cs}
    found["chapter"] = [
        "other" if (o, c) in merged_set else c for o, c in zip(found["office_id"], found["chapter"], strict=True)
    ]
    found["series_id"] = found["office_id"] + "/" + found["chapter"]
    return found


def tariff_effect(
    baseline: pd.DataFrame, totals: pd.DataFrame, shares: pd.DataFrame, change: TariffChange, measure: str
) -> pd.DataFrame:
    """Change of each bottom series and month (``unique_id``, ``ds``, ``effect``).

    ``baseline``: the bottom series' forecasts (``unique_id``, ``ds``, ``amount``); ``totals``: each
    bottom series' measure over the share window (``unique_id``, ``total``)."""
    rate = change.rate / 100
    rows = []
    total_of = dict(zip(totals["unique_id"], totals["total"], strict=True))
    for r in shares.itertuples():
        base = baseline[(baseline["unique_id"] == r.series_id) & (baseline["ds"] >= pd.Timestamp(change.start))]
        if base.empty or r.value <= 0:
            continue
        own = r.duty_tax if measure == "duty" else r.value
        total = total_of.get(r.series_id, 0.0)
        share = own / total if total else 0.0
        part = base["amount"].to_numpy() * share  # the heading's part of the series' forecast
        value = part if measure == "value" else part * (r.value / r.duty_tax if r.duty_tax else 0.0)
        old = r.duty / r.value
        other = (r.duty_tax - r.duty) / r.value  # taxes other than duty, per unit of value
        volume = ((1 + rate) / (1 + old)) ** change.elasticity
        new_value = value * volume
        if measure == "value":
            effect = new_value - value
        else:
            effect = rate * new_value + other * new_value * (1 + rate) / (1 + old) - part
        rows.append(pd.DataFrame({"unique_id": r.series_id, "ds": base["ds"].to_numpy(), "effect": effect}))
    if not rows:
        return pd.DataFrame({"unique_id": [], "ds": [], "effect": []})
    return pd.concat(rows).groupby(["unique_id", "ds"], as_index=False)["effect"].sum()


__all__ = [
    "FxPath",
    "Scenario",
    "TariffChange",
    "heading_shares",
    "parse_fx",
    "parse_month",
    "tariff_effect",
]
