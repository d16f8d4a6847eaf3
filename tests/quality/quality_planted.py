"""Planted canonical tables for the quality tests: small, deterministic, every fact known in advance.

The facts the tests assert (counts, shares, outliers) are written next to the rows that plant them.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pyarrow as pa

from clearsight.core.warehouse import Warehouse
from clearsight.schema import TABLES

AS_OF = dt.date(2024, 7, 1)
START = dt.datetime(2024, 1, 1, 8, 0)

ARROW_TYPES = {
    "string": pa.string(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
    "boolean": pa.bool_(),
}

# --- declarations: HS6 groups with known log unit values ----------------------------------------
#: 101 items on a grid around ln(10) (MAD 0.25) plus 5 items 1000 times dearer: exactly 5 outliers.
GRID_610910 = [math.log(10) + k * 0.01 for k in range(-50, 51)]
EXTREME_610910 = [math.log(10_000)] * 5
#: 300 and 60 items on plain grids: no outliers.
GRID_300490 = [math.log(50) + k * 0.005 for k in range(-150, 150)]
GRID_847130 = [math.log(200) + k * 0.02 for k in range(-30, 30)]
NULL_IMPORTER_ROWS = 10  # rows 0..9 have no importer_id (a required field)
BAD_MODE_ROWS = 4  # mode_of_transport "ship": not an allowed value
NULL_MODE_ROWS = 6
NOT_IN_HS_ROWS = 20  # flagged hs_code:not_in_hs2022
ZERO_VALUE_ROWS = 7  # customs_value 0, flagged customs_value:zero,hs_code:hs_zero_padded (HS6 090111)
SMALL_090111 = 10  # below the minimum count: never assessed
ZERO_MASS_ROWS = 4  # net_mass_kg 0 (HS6 847130): no unit value
#: duplicated keys: one key on 3 rows, one on 2 rows -> 2 duplicate keys, 3 duplicate rows
DUPLICATE_OF = (201, 201, 202)
ORPHAN_INSPECTIONS = 2
BAD_LANE_ROWS = 2


def _arrow(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    schema = TABLES[name].storage_schema()
    return pa.table(
        {col: pa.array([r.get(col) for r in rows], ARROW_TYPES[dtype]) for col, dtype in schema.items()}
    )


def _declarations() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def add(hs6: str, log_uv: float | None, **extra: Any) -> None:
        n = len(rows)
        mass = float(10 + n % 7)
        row = {
            "declaration_id": f"D{n:05d}",
            "item_no": 1 + n % 3,
            "lodged_at": START + dt.timedelta(hours=8 * n),
            "office_id": f"OF{n % 4}",
            "procedure_code": "4000",
            "declaration_type": "IM",
            "mode_of_transport": "sea",
            "declarant_id": f"DC{n % 9}",
            "importer_id": f"IM{n % 25}",
            "country_of_origin": "CN",
            "hs_code": hs6 + "00",
            "hs2": hs6[:2],
            "hs4": hs6[:4],
            "hs6": hs6,
            "net_mass_kg": mass,
            "customs_value": math.exp(log_uv) * mass if log_uv is not None else 100.0,
            "aeo_status": n % 5 == 0,
            "batch_id": "b-decl-1" if n < 250 else "b-decl-2",
        }
        row.update(extra)
        rows.append(row)

    for v in GRID_610910:
        add("610910", v)
    for v in EXTREME_610910:
        add("610910", v, quality_flags="customs_value:extreme_unit_value")
    for v in GRID_300490:
        add("300490", v)
    for v in GRID_847130:
        add("847130", v)
    for _ in range(ZERO_MASS_ROWS):
        add("847130", None, net_mass_kg=0.0)
    for i in range(SMALL_090111):
        if i < ZERO_VALUE_ROWS:
            add("090111", None, customs_value=0.0, quality_flags="customs_value:zero, hs_code:hs_zero_padded")
        else:
            add("090111", math.log(3))
    for i in range(NULL_IMPORTER_ROWS):
        rows[i]["importer_id"] = None
    for i in range(BAD_MODE_ROWS):
        rows[20 + i]["mode_of_transport"] = "ship"
    for i in range(NULL_MODE_ROWS):
        rows[30 + i]["mode_of_transport"] = None
    for i in range(NOT_IN_HS_ROWS):  # in HS6 300490, away from the duplicated rows
        rows[120 + i]["quality_flags"] = "hs_code:not_in_hs2022"
    for src in DUPLICATE_OF:  # same key, no mass: they never enter unit values
        rows.append({**rows[src], "net_mass_kg": None, "batch_id": "b-decl-2"})
    return rows


def _inspections(decl: list[dict[str, Any]]) -> list[dict[str, Any]]:
    results = ("compliant", "compliant", "fraud", "critical")
    rows = []
    for n, d in enumerate(decl[: -len(DUPLICATE_OF)]):
        if n % 4:
            continue
        rows.append(
            {
                "declaration_id": d["declaration_id"],
                "item_no": d["item_no"],
                "lane": "red" if n % 8 else "yellow",
                "method": "physical",
                "inspected_at": d["lodged_at"] + dt.timedelta(days=2),
                "result": results[(n // 4) % 4],
                "officer_id": f"OFF{n % 3}",
                "batch_id": "b-insp",
            }
        )
    for i in range(BAD_LANE_ROWS):
        rows[i]["lane"] = "purple"
    rows.append(dict(rows[5]))  # one duplicated inspection key
    for i in range(ORPHAN_INSPECTIONS):
        rows.append({**rows[6], "declaration_id": f"X{i}"})
    return rows


def _events(decl: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for d in decl[:100]:
        for event, hours in (("lodgement", 0), ("release", 30)):
            rows.append(
                {
                    "declaration_id": d["declaration_id"],
                    "event": event,
                    "at": d["lodged_at"] + dt.timedelta(hours=hours),
                    "office_id": d["office_id"],
                    "agency": "customs",
                    "batch_id": "b-events",
                }
            )
    return rows


def _trade_flows() -> list[dict[str, Any]]:
    rows = []
    for partner in ("CN", "DE", "US", "IN"):
        for period in ("2023", "202401", "202402", "202403", "202404", "202405", "202406"):
            for flow in ("M", "X"):
                rows.append(
                    {
                        "reporter": "KE",
                        "partner": partner,
                        "flow": flow,
                        "hs_code": "610910",
                        "period": period,
                        "value_usd": 1000.0,
                        "net_weight_kg": 100.0,
                        "mode": "sea",
                        "batch_id": "b-tf",
                    }
                )
    rows[0]["quality_flags"] = "value_usd:extreme_unit_value"
    return rows


def _seizures() -> list[dict[str, Any]]:
    rows = [
        {
            "seizure_id": f"S{n:03d}",
            "seized_on": dt.date(2024, 1, 5) + dt.timedelta(days=13 * n),
            "office_id": "OF1",
            "commodity": "cigarettes",
            "batch_id": "b-seiz",
        }
        for n in range(12)
    ]
    rows[3]["seized_on"] = None  # a required date missing
    return rows


def _parties() -> list[dict[str, Any]]:
    return [
        {
            "party_id": f"IM{n}",
            "role": "importer",
            "name": f"Trader {n}",
            "country": "KE",
            "aeo_status": n % 3 == 0,
            "registered_on": dt.date(2015, 1, 1) + dt.timedelta(days=57 * n),
            "batch_id": "b-parties",
        }
        for n in range(50)
    ]


def _lineage() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    batches = [
        {
            "batch_id": b,
            "table_name": t,
            "source": f"{b}.csv",
            "sha256": b * 2,
            "rows_in": 0,
            "accepted": 0,
            "quarantined": 0,
            "warnings": 0,
            "started_at": START,
            "finished_at": START,
        }
        for b, t in (
            ("b-decl-1", "declarations"),
            ("b-decl-2", "declarations"),
            ("b-insp", "inspections"),
            ("b-events", "events"),
            ("b-tf", "trade_flows"),
            ("b-seiz", "seizures"),
            ("b-parties", "parties"),
        )
    ]
    faults = (
        [("declarations", "hs_code", "hs_code: not 6 to 10 digits")] * 4
        + [("declarations", "customs_value,hs_code", "customs_value: negative; hs_code: empty")] * 2
        + [("declarations", "lodged_at", "lodged_at: not a timestamp")]
        + [("inspections", "result", "result: not one of compliant, fraud, critical")] * 3
    )
    quarantine = [
        {
            "batch_id": "b-decl-1" if t == "declarations" else "b-insp",
            "table_name": t,
            "source": "x.csv",
            "row_no": n + 1,
            "raw": "{}",
            "fields": fields,
            "reasons": reasons,
        }
        for n, (t, fields, reasons) in enumerate(faults)
    ]
    return batches, quarantine


def planted_tables() -> dict[str, pa.Table]:
    """Every canonical table, as PyArrow tables in storage schema order."""
    decl = _declarations()
    batches, quarantine = _lineage()
    return {
        "declarations": _arrow("declarations", decl),
        "inspections": _arrow("inspections", _inspections(decl)),
        "events": _arrow("events", _events(decl)),
        "trade_flows": _arrow("trade_flows", _trade_flows()),
        "seizures": _arrow("seizures", _seizures()),
        "parties": _arrow("parties", _parties()),
        "ingest_batches": _arrow("ingest_batches", batches),
        "quarantine": _arrow("quarantine", quarantine),
    }


def load_duckdb(wh: Warehouse, tables: dict[str, pa.Table]) -> None:
    for name, data in tables.items():
        wh.replace(name, data)


def load_spark(wh: Warehouse, tables: dict[str, pa.Table]) -> None:
    """Load into the existing canonical tables: ``Warehouse.replace`` writes Arrow straight into
    Spark (Ibis's pandas route would turn a NULL string into the text 'NaN' and lose the planted NULLs)."""
    for name, data in tables.items():
        wh.replace(name, data)
