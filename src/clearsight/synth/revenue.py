"""What makes the world's revenue worth forecasting: seasons per HS chapter, a tariff change and a port
closure, each at a known date recorded in ``world.json`` (``revenue_effects``).

The world already grows (more lodgements, creeping prices, a sliding exchange rate: ``calendar`` and
``economy``). On top of that:

- **seasonality per chapter**: shipments of each HS chapter are larger in some months than others
  (±8 to ±20 %, peaking in a month of its own), a fixed formula of the chapter number;
- **a tariff change**: the duty on two busy headings rises by :data:`TARIFF_INCREASE` points on the
  first day of a month part-way through the period;
- **a shock**: the busiest sea port is closed for a month; the declarations it would have taken are
  lodged in the :data:`BACKLOG_DAYS` days after it reopens (the ships wait at anchor).

None of these draws from the world's random generator, so every other draw stays as it was: the
effects are deterministic given the seed, and mild enough that targeting is not changed by them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from clearsight.synth.calendar import DAY, Calendar

#: Percentage points added to the duty rate of the chosen headings from the change date.
TARIFF_INCREASE = 10.0
#: The tariff's highest rate (the East African CET's top band), which the change never exceeds.
TOP_RATE = 35.0
#: Where in the period the tariff change and the port closure fall (fractions of the period).
TARIFF_AT = 0.45
SHOCK_AT = 0.75
#: Days after reopening in which the closure's backlog is lodged.
BACKLOG_DAYS = 10


def chapter_amplitude(chapter: np.ndarray) -> np.ndarray:
    """Seasonal swing of a chapter's shipment size: 0.08 to 0.20."""
    return 0.08 + 0.012 * ((np.asarray(chapter) * 37) % 11)


def chapter_peak_month(chapter: np.ndarray) -> np.ndarray:
    """Month (1-12) in which a chapter's shipments are largest."""
    return (np.asarray(chapter) * 5) % 12 + 1


def season_factor(chapter: np.ndarray, day: np.ndarray, cal: Calendar) -> np.ndarray:
    """Multiplier of each item's size for its chapter and lodgement month (mean 1 over a year)."""
    days = np.datetime64(cal.start, "D") + np.asarray(day)
    month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    phase = 2 * np.pi * (month - chapter_peak_month(chapter)) / 12
    return 1 + chapter_amplitude(chapter) * np.cos(phase)


def _month_start(cal: Calendar, at: float) -> int:
    """Day index of the first day of the month holding the fraction ``at`` of the period."""
    day = np.datetime64(cal.start, "D") + int(cal.days * at)
    first = day.astype("datetime64[M]").astype("datetime64[D]")
    return int((first - np.datetime64(cal.start, "D")).astype(np.int64))


@dataclass(frozen=True)
class TariffChange:
    """The duty of ``headings`` rises by ``points`` from day ``day`` (a day index of the world)."""

    headings: tuple[str, ...]
    day: int
    points: float
    lines: np.ndarray  # national tariff line -> whether it is in a chosen heading

    def bump(self, line: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Points added to the duty rate of each item (0 outside the change)."""
        return np.where(self.lines[line] & (day >= self.day), self.points, 0.0)


def plan_tariff_change(cal: Calendar, line_code: np.ndarray, line_duty: np.ndarray, popularity: np.ndarray,
                       line_product: np.ndarray) -> TariffChange:
    """Two headings among the most traded dutiable ones (by the world's own popularity of products),
    whose rates stay within the tariff's top band (:data:`TOP_RATE`) after the increase."""
    heading = np.array([c[:4] for c in line_code])
    too_high = set(heading[line_duty + TARIFF_INCREASE > TOP_RATE])
    weight: dict[str, float] = {}
    for h, p, duty in zip(heading, line_product, line_duty, strict=True):
        if duty > 0 and h not in too_high:
            weight[h] = weight.get(h, 0.0) + float(popularity[p])
    ranked = sorted(weight, key=lambda h: (-weight[h], h))
    chosen = tuple(sorted(ranked[1:3]))  # not the very busiest: the change should not dominate revenue
    return TariffChange(chosen, _month_start(cal, TARIFF_AT), TARIFF_INCREASE, np.isin(heading, chosen))


@dataclass(frozen=True)
class PortClosure:
    """Office ``office`` takes no declaration from day ``start`` to ``end`` (exclusive)."""

    office: int
    office_id: str
    start: int
    end: int


def plan_closure(cal: Calendar, codes: np.ndarray, kinds: np.ndarray, weights: np.ndarray) -> PortClosure:
    """A month's closure of the busiest sea port (of the busiest office when there is no sea port)."""
    sea = np.flatnonzero(kinds == "SEA")
    pool = sea if len(sea) else np.arange(len(codes))
    office = int(pool[np.argmax(weights[pool])])
    start = _month_start(cal, SHOCK_AT)
    first = np.datetime64(cal.start, "D") + start
    end = start + int(((first.astype("datetime64[M]") + 1).astype("datetime64[D]") - first).astype(np.int64))
    return PortClosure(office, str(codes[office]), start, end)


def close_port(d: dict[str, np.ndarray], closure: PortClosure) -> dict[str, np.ndarray]:
    """Declarations the closed office would have taken are lodged in the days after it reopens, in the
    order they would have come (declaration order is kept: every later draw stays as it was)."""
    hit = (d["office"] == closure.office) & (d["day"] >= closure.start) & (d["day"] < closure.end)
    span = closure.end - closure.start
    new_day = np.where(hit, closure.end + (d["day"] - closure.start) * BACKLOG_DAYS // span, d["day"])
    out = dict(d)
    out["lodged"] = d["lodged"] + (new_day - d["day"]) * DAY
    out["day"] = new_day
    return out


def effects_record(cal: Calendar, chapters: list[int], change: TariffChange, closure: PortClosure) -> dict[str, Any]:
    """The ``revenue_effects`` of world.json: what a forecast should find, and when."""

    def iso(day: int) -> str:
        return (np.datetime64(cal.start, "D") + day).astype(date).isoformat()

    chs = np.array(sorted(set(chapters)))
    return {
        "trend": {
            "volume_growth_per_year": 0.06,
            "price_growth_per_year": 0.03,
            "national_currency_per_usd_growth_per_year": 0.04,
        },
        "seasonality": {
            f"{c:02d}": {"amplitude": round(float(a), 3), "peak_month": int(m)}
            for c, a, m in zip(chs, chapter_amplitude(chs), chapter_peak_month(chs), strict=True)
        },
        "tariff_change": {
            "headings": list(change.headings),
            "from": iso(change.day),
            "duty_rate_increase_points": change.points,
        },
        "shock": {
            "kind": "port closure",
            "office_id": closure.office_id,
            "from": iso(closure.start),
            "to": iso(closure.end - 1),
            "backlog_lodged_within_days": BACKLOG_DAYS,
        },
    }


__all__ = [
    "PortClosure",
    "TariffChange",
    "close_port",
    "effects_record",
    "plan_closure",
    "plan_tariff_change",
    "season_factor",
]
