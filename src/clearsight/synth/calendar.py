"""Time in the synthetic world: how busy each day is, which days are worked, and office hours.

Lodgement volume follows a weekly cycle (quiet weekends), a yearly cycle (an import peak before the
year-end holidays, a January dip), slow growth and public holidays. Officers work 08:00-17:00 on
working days at most offices, so controls wait for the next shift; 24-hour offices never wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from clearsight.synth.reference import FIXED_HOLIDAYS

DAY = 86_400
HOUR = 3_600
SHIFT_START = 8 * HOUR
SHIFT_END = 17 * HOUR
#: Calendar days kept after the last lodgement day, so late milestones still find a working day.
TAIL_DAYS = 120

WEEKDAY_FACTOR = np.array([1.05, 1.1, 1.1, 1.05, 1.0, 0.35, 0.12])  # Monday .. Sunday


def easter(year: int) -> date:
    """Western Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


@dataclass(frozen=True)
class Calendar:
    """Days of the world: ``start`` + ``days`` lodgement days, plus a tail for late milestones."""

    start: date
    days: int
    holidays: tuple[date, ...]
    weight: np.ndarray  # lodgement day -> relative volume
    cdf: np.ndarray  # len days + 1, cdf[0] = 0, cdf[days] = 1
    working: np.ndarray  # calendar day (lodgement days + tail) -> worked
    next_working: np.ndarray  # calendar day -> first working day on or after it

    @property
    def epoch_day(self) -> int:
        """Days from 1970-01-01 to the first day."""
        return (self.start - date(1970, 1, 1)).days

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.days - 1)

    def sample_days(self, rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """A lodgement day per row, following the seasonal volume, within [lo, hi) (day indices)."""
        a, b = self.cdf[lo], self.cdf[hi]
        u = a + rng.random(len(lo)) * (b - a)
        day = np.searchsorted(self.cdf, u, side="right") - 1
        return np.clip(day, lo, hi - 1)

    def to_working_time(self, t: np.ndarray, always_open: np.ndarray) -> np.ndarray:
        """Seconds since the epoch moved to the next moment an officer is on duty (unless 24 h)."""
        day = t // DAY - self.epoch_day
        day = np.clip(day, 0, len(self.working) - 2)
        sec = t % DAY
        worked = self.working[day]
        on_duty = worked & (sec >= SHIFT_START) & (sec < SHIFT_END)
        early = worked & (sec < SHIFT_START)
        later_day = self.next_working[np.minimum(day + 1, len(self.working) - 1)]
        target_day = np.where(early, day, later_day)
        moved = (target_day + self.epoch_day) * DAY + SHIFT_START
        return np.where(always_open | on_duty, t, moved)


def build_calendar(start: date, days: int) -> Calendar:
    """Daily volume weights and working days for ``days`` days from ``start``."""
    n = days + TAIL_DAYS
    dates = np.arange(np.datetime64(start, "D"), np.datetime64(start, "D") + n)
    weekday = (dates.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    years = range(start.year, (start + timedelta(days=n)).year + 1)
    holidays: list[date] = []
    for y in years:
        holidays += [date(y, m, d) for m, d in FIXED_HOLIDAYS]
        e = easter(y)
        holidays += [e - timedelta(days=2), e + timedelta(days=1)]
    is_holiday = np.isin(dates, np.array(sorted(holidays), dtype="datetime64[D]"))
    doy = (dates - dates.astype("datetime64[Y]")).astype(np.int64)
    t = np.arange(n)
    weight = (
        WEEKDAY_FACTOR[weekday]
        * (1 + 0.08 * np.sin(2 * np.pi * (doy - 80) / 365.25))
        * (1 + 0.3 * np.exp(-(((doy - 318) / 28.0) ** 2)))  # pre-Christmas stocking up, peak mid-November
        * (1 - 0.2 * np.exp(-(((doy - 8) / 10.0) ** 2)))  # early-January lull
        * (1 + 0.06 * t / 365.25)  # growth
        * np.where(is_holiday, 0.12, 1.0)
    )[:days]
    cdf = np.concatenate([[0.0], np.cumsum(weight)])
    cdf /= cdf[-1]
    working = (weekday < 5) & ~is_holiday
    next_working = np.empty(n, dtype=np.int64)
    nxt = n - 1
    for i in range(n - 1, -1, -1):  # once per calendar day, not per item
        if working[i]:
            nxt = i
        next_working[i] = nxt
    in_range = tuple(h for h in sorted(set(holidays)) if start <= h <= start + timedelta(days=days - 1))
    return Calendar(start, days, in_range, weight, cdf, working, next_working)
