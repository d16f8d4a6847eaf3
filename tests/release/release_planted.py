"""A small planted event log for the release tests: every declaration's release time and defect is
written next to its events, so the expected figures are known in advance."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from clearsight.core.warehouse import Warehouse
from clearsight.schema import TABLES

BASE = dt.datetime(2024, 3, 4, 8, 0)  # a Monday, 08:00
ARROW_TYPES = {
    "string": pa.string(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
    "boolean": pa.bool_(),
}
GREEN_PATH = ("arrival", "lodgement", "registration", "selection", "assessment", "payment", "release", "exit")


def _path(total: float, codes: tuple[str, ...] = GREEN_PATH) -> list[tuple[str, float]]:
    """Milestones spread over ``total`` hours from arrival to release, exit two hours after."""
    before = [c for c in codes if c not in ("release", "exit")]
    step = total / len(before)
    out = [(c, i * step) for i, c in enumerate(before)]
    return [*out, ("release", total), ("exit", total + 2)]


RED_PATH = (
    "arrival",
    "lodgement",
    "registration",
    "selection",
    "document_check",
    "inspection_start",
    "inspection_end",
    "assessment",
    "payment",
    "release",
    "exit",
)
YELLOW_PATH = tuple(c for c in RED_PATH if not c.startswith("inspection"))

#: declaration -> (lane or None, events as (code, hours after BASE + day offset))
EVENTS: dict[str, tuple[str | None, list[tuple[str, float]]]] = {
    "G1": (None, _path(3)),
    "G2": (None, _path(4)),
    "G3": (None, _path(5)),
    "G4": (None, _path(6)),
    "R1": ("red", _path(30, RED_PATH)),
    "R2": ("red", _path(50, RED_PATH)),
    "Y1": ("yellow", _path(10, YELLOW_PATH)),
    # no arrival: measured from lodgement (4 h)
    "F1": (
        None,
        [
            ("lodgement", 0),
            ("registration", 0.5),
            ("selection", 1),
            ("assessment", 2),
            ("payment", 3),
            ("release", 4),
            ("exit", 6),
        ],
    ),
    # lodged 5 h before the goods arrived, released 2 h after arrival
    "P1": (
        None,
        [
            ("lodgement", 0),
            ("registration", 0.1),
            ("selection", 0.2),
            ("arrival", 5),
            ("assessment", 5.5),
            ("payment", 6),
            ("release", 7),
            ("exit", 8),
        ],
    ),
    # events of a declaration the warehouse does not hold
    "U1": (None, _path(3)),
    # never released
    "N1": (None, [c for c in _path(3) if c[0] != "release"]),
    # payment recorded after release: out of order
    "O1": (None, [(c, h + (3 if c == "payment" else 0)) for c, h in _path(3)]),
    # registration missing (kept by default)
    "M1": (None, [c for c in _path(3) if c[0] != "registration"]),
    # release recorded twice (3 h and 6 h): the first counts
    "DUP1": (None, [*_path(3), ("release", 6.0)]),
    # codes in another spelling, and one code that is no milestone
    "ALIAS1": (
        None,
        [
            ("Arrived", 0),
            ("LODGED", 0.5),
            ("registration", 0.6),
            ("selection", 0.7),
            ("assessment", 1),
            ("weird event", 1.5),
            ("Paid", 2),
            ("released", 3),
            ("gate-out", 5),
        ],
    ),
    # only a release: nothing to measure from
    "S1": (None, [("release", 3)]),
    # a very slow green declaration
    "SLOW": (None, _path(500)),
}
#: release time in hours of every declaration that can be measured (not U1, N1, S1), O1 included
TOTALS: dict[str, float] = {
    "G1": 3,
    "G2": 4,
    "G3": 5,
    "G4": 6,
    "R1": 30,
    "R2": 50,
    "Y1": 10,
    "F1": 4,
    "P1": 2,
    "O1": 3,
    "M1": 3,
    "DUP1": 3,
    "ALIAS1": 3,
    "SLOW": 500,
}
OFFICE_OF = {"R2": "OF2", "Y1": "OF2", "G4": "OF2"}
INSPECTED = {"R1": ("fraud", 100.0), "R2": ("compliant", 0.0), "Y1": ("compliant", 0.0)}


def _arrow(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    schema = TABLES[name].storage_schema()
    return pa.table({c: pa.array([r.get(c) for r in rows], ARROW_TYPES[t]) for c, t in schema.items()})


def planted_tables() -> dict[str, pa.Table]:
    decls, events, inspections = [], [], []
    for n, (decl, (lane, evs)) in enumerate(EVENTS.items()):
        start = BASE + dt.timedelta(days=n)
        office = OFFICE_OF.get(decl, "OF1")
        if decl != "U1":
            decls.append(
                {
                    "declaration_id": decl,
                    "item_no": 1,
                    "lodged_at": start,
                    "office_id": office,
                    "mode_of_transport": "road",
                    "declarant_id": "X",
                    "importer_id": "I",
                    "country_of_origin": "CN",
                    "hs_code": "847130",
                    "hs2": "84",
                    "hs4": "8471",
                    "hs6": "847130",
                    "customs_value": 1000.0,
                    "aeo_status": False,
                }
            )
        for code, hours in evs:
            events.append(
                {
                    "declaration_id": decl,
                    "event": code,
                    "at": start + dt.timedelta(hours=hours),
                    "office_id": office,
                    "agency": "customs",
                }
            )
        if decl in INSPECTED:
            result, revenue = INSPECTED[decl]
            inspections.append(
                {
                    "declaration_id": decl,
                    "item_no": 1,
                    "lane": lane,
                    "method": "physical" if lane == "red" else "documentary",
                    "result": result,
                    "additional_revenue": revenue,
                }
            )
    return {
        "declarations": _arrow("declarations", decls),
        "events": _arrow("events", events),
        "inspections": _arrow("inspections", inspections),
    }


def load(wh: Warehouse, tables: dict[str, pa.Table]) -> None:
    for name, data in tables.items():
        wh.replace(name, data)
