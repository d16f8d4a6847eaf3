"""Clearance milestones per declaration, for the Time Release Study.

Green declarations flow through in minutes once lodged; yellow ones wait for a documentary check and
red ones for a physical inspection, which depends on the office's congestion that day and on office
hours (officers work 08:00-17:00 on working days except at 24-hour offices). Some declarations are
lodged before the goods arrive. As in real event logs, a few milestones are missing and a few are
recorded out of order; ground truth says which declarations carry such a defect.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from clearsight.schema.tables import EVENT_CODES, LANES, MODES  # noqa: F401 (LANES: read by callers)
from clearsight.synth.calendar import DAY, HOUR, Calendar
from clearsight.synth.parties import Offices
from clearsight.synth.sampling import take

EVENTS: tuple[str, ...] = EVENT_CODES
E = {name: i for i, name in enumerate(EVENTS)}
GREEN, YELLOW, RED, BLUE = range(4)
DEFECTS: tuple[str, ...] = ("", "missing_milestone", "out_of_order")
AGENCIES: tuple[str, ...] = ("customs", "terminal_operator", "bank", "agriculture", "health", "standards")
MINUTE = 60

#: Hours between arrival and lodgement (goods wait), and between lodgement and arrival (pre-arrival).
_WAIT_BEFORE = {"sea": 30, "air": 5, "road": 1.5, "rail": 10, "courier": 2, "post": 20, "inland_water": 6}
_PRE_ARRIVAL = {"sea": 40, "air": 6, "road": 3, "rail": 12, "courier": 5, "post": 24, "inland_water": 8}
_PRE_ARRIVAL_SHARE = {"sea": 0.25, "air": 0.4, "courier": 0.7, "road": 0.15, "rail": 0.2, "post": 0.05}
_EXIT_AFTER = {"sea": 40, "air": 5, "road": 1, "rail": 20, "courier": 2, "post": 24, "inland_water": 10}


@dataclass(frozen=True)
class Clearance:
    table: pa.Table
    times: np.ndarray  # (declarations, events) true times, seconds since epoch, -1 where none
    defect: np.ndarray  # declaration -> index into DEFECTS
    pre_arrival: np.ndarray


def _by_mode(table: dict[str, float], default: float) -> np.ndarray:
    return np.array([table.get(m, default) for m in MODES])


def _ln(rng: np.random.Generator, median: np.ndarray | float, sigma: float, n: int) -> np.ndarray:
    return (np.asarray(median) * np.exp(sigma * rng.standard_normal(n))).astype(np.int64)


def build_events(
    rng: np.random.Generator,
    cal: Calendar,
    offices: Offices,
    declaration_id: pa.Array,
    office: np.ndarray,
    mode: np.ndarray,  # index into MODES
    lodged: np.ndarray,  # seconds since epoch
    lane: np.ndarray,
    scan: np.ndarray,  # red lane by scanner instead of a full physical examination
    aeo: np.ndarray,
    agency: np.ndarray,  # inspecting agency (index into AGENCIES)
) -> Clearance:
    n = len(lodged)
    always = offices.always_open[office]
    eff = offices.efficiency[office]
    # Congestion: the office's load that day relative to its average day.
    day = lodged // DAY
    key = office * (cal.days + 1) + np.clip(day - cal.epoch_day, 0, cal.days)
    load = np.bincount(key, minlength=len(offices.code) * (cal.days + 1)).astype(float)
    per_office = load.reshape(len(offices.code), -1)
    mean = per_office.sum(axis=1) / np.maximum((per_office > 0).sum(axis=1), 1)
    congestion = np.clip((load[key] / mean[office]) ** 0.6, 0.5, 3.0)

    pre = rng.random(n) < np.where(aeo, 0.8, _by_mode(_PRE_ARRIVAL_SHARE, 0.1)[mode])
    t = np.full((n, len(EVENTS)), -1, dtype=np.int64)
    t[:, E["lodgement"]] = lodged
    t[:, E["arrival"]] = np.where(
        pre,
        lodged + _ln(rng, _by_mode(_PRE_ARRIVAL, 8)[mode] * HOUR, 0.7, n),
        lodged - _ln(rng, _by_mode(_WAIT_BEFORE, 5)[mode] * HOUR, 0.9, n),
    )
    t[:, E["registration"]] = lodged + _ln(rng, 6 * MINUTE, 0.8, n)
    t[:, E["selection"]] = t[:, E["registration"]] + _ln(rng, 2 * MINUTE, 0.7, n)
    # goods lodged in advance arrive after the declaration was registered and selected
    t[:, E["arrival"]] = np.where(
        pre, np.maximum(t[:, E["arrival"]], t[:, E["selection"]] + MINUTE), t[:, E["arrival"]]
    )
    base = np.where(pre, np.maximum(t[:, E["selection"]], t[:, E["arrival"]]), t[:, E["selection"]])
    controlled = (lane == YELLOW) | (lane == RED)
    red = lane == RED
    doc = cal.to_working_time(base + _ln(rng, 3 * HOUR * np.sqrt(congestion) * eff, 0.9, n), always)
    start = cal.to_working_time(doc + _ln(rng, 16 * HOUR * congestion * eff, 0.8, n), always)
    end = start + _ln(rng, np.where(scan, 0.6, 2.5) * HOUR, 0.6, n)
    t[:, E["document_check"]] = np.where(controlled, doc, -1)
    t[:, E["inspection_start"]] = np.where(red, start, -1)
    t[:, E["inspection_end"]] = np.where(red, end, -1)
    last = np.where(red, end, np.where(controlled, doc, base))
    assess = np.where(
        controlled,
        cal.to_working_time(last + _ln(rng, 40 * MINUTE, 0.8, n), always),
        last + _ln(rng, 15 * MINUTE, 0.8, n),
    )
    t[:, E["assessment"]] = assess
    t[:, E["payment"]] = assess + np.where(aeo, _ln(rng, 10 * MINUTE, 0.5, n), _ln(rng, 2 * HOUR, 1.3, n))
    release = t[:, E["payment"]] + np.where(red, _ln(rng, 1.5 * HOUR, 0.6, n), _ln(rng, 20 * MINUTE, 0.7, n))
    release = np.where(pre, np.maximum(release, t[:, E["arrival"]] + _ln(rng, 20 * MINUTE, 0.6, n)), release)
    t[:, E["release"]] = release
    t[:, E["exit"]] = release + _ln(rng, _by_mode(_EXIT_AFTER, 5)[mode] * HOUR, 0.9, n)
    t = np.where(t >= 0, t - t % MINUTE, -1)  # minute precision; flooring keeps the order

    # Planted defects: a missing milestone, or one recorded after the milestone that follows it.
    recorded = t.copy()
    defect = np.zeros(n, dtype=np.int8)
    missing = rng.random(n) < 0.004
    droppable = np.array([E["registration"], E["selection"], E["assessment"], E["payment"], E["exit"]])
    drop = droppable[rng.integers(0, len(droppable), n)]
    recorded[np.flatnonzero(missing), drop[missing]] = -1
    defect[missing] = 1
    swapped = (rng.random(n) < 0.002) & ~missing
    pairs = np.array(
        [
            [E["registration"], E["selection"]],
            [E["assessment"], E["payment"]],
            [E["payment"], E["release"]],
            [E["release"], E["exit"]],
        ]
    )
    pick = pairs[rng.integers(0, len(pairs), n)]
    rows = np.flatnonzero(swapped)
    late = recorded[rows, pick[rows, 1]] + MINUTE * (1 + _ln(rng, 25, 0.8, len(rows)))
    recorded[rows, pick[rows, 0]] = late
    defect[swapped] = 2

    rows, cols = np.nonzero(recorded >= 0)
    at = recorded[rows, cols]
    terminal = np.isin(offices.kind, ["SEA", "AIR", "COU", "RAL", "INL", "WAT"])[office]
    agency_matrix = np.zeros((n, len(EVENTS)), dtype=np.int64)
    agency_matrix[:, E["arrival"]] = np.where(terminal, 1, 0)
    agency_matrix[:, E["exit"]] = np.where(terminal, 1, 0)
    agency_matrix[:, E["payment"]] = 2
    agency_matrix[:, E["inspection_start"]] = agency
    agency_matrix[:, E["inspection_end"]] = agency
    table = pa.table(
        {
            "declaration_id": declaration_id.take(pa.array(rows)),
            "event": take(EVENTS, cols),
            "at": pa.array(at.astype("datetime64[s]"), pa.timestamp("s")),
            "office_id": take(offices.code, office[rows]),
            "agency": take(AGENCIES, agency_matrix[rows, cols]),
        }
    )
    return Clearance(table=table, times=t, defect=defect, pre_arrival=pre)
