"""Small planted trade flows and declarations: every ratio, z-score and pattern known in advance.

Reporter KE, year 2023. Product 610910 has eight compared pairs (log ratios written beside them),
and one row of each awkward kind: a partner that reports nothing, a missing mirror, an unreported
import, a zero value, a coarser HS code, monthly rows beside a yearly one, re-exports through a hub.
Product 847130 checks the CIF/FOB factor by mode.
"""

from __future__ import annotations

import datetime as dt
import math

import pyarrow as pa

from clearsight.core.warehouse import Warehouse
from clearsight.schema import TABLES

ARROW_TYPES = {
    "string": pa.string(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
    "boolean": pa.bool_(),
}


def arrow_table(name: str, rows: list[dict]) -> pa.Table:
    schema = TABLES[name].storage_schema()
    return pa.table(
        {col: pa.array([r.get(col) for r in rows], ARROW_TYPES[dtype]) for col, dtype in schema.items()}
    )


def flow(reporter, partner, flow_, value, weight=None, hs="610910", period="2023", mode=None, qty=None):
    return {
        "reporter": reporter,
        "partner": partner,
        "flow": flow_,
        "hs_code": hs,
        "period": period,
        "value_usd": value,
        "net_weight_kg": weight,
        "quantity": qty,
        "quantity_unit": None if qty is None else "u",
        "mode": mode,
        "batch_id": "planted",
    }


#: partner -> (imports CIF, import kg, mirror exports FOB, export kg); imports FOB = CIF / 1.1
COMPARED = {
    "CN": (1100.0, 100.0, 1000.0, 100.0),  # log ratio 0
    "IN": (2200.0, 200.0, 2000.0, 200.0),  # 0
    "US": (3300.0, 300.0, 3000.0, 300.0),  # 0
    "TR": (1210.0, 100.0, 1000.0, 100.0),  # ln 1.1
    "EG": (990.0, 100.0, 1000.0, 100.0),  # ln 0.9
    "TH": (550.0, 100.0, 1000.0, 100.0),  # ln 0.5, same weight: valuation
    "VN": (550.0, 40.0, 1000.0, 100.0),  # ln 0.5, 40 % of the weight: volume or classification
    "HK": (550.0, 100.0, 1000.0, 100.0),  # ln 0.5 from an entrepot hub
}
LOG_RATIOS = {p: math.log((m / 1.1) / x) for p, (m, _, x, _) in COMPARED.items()}
EXPECTED_PATTERN = {
    "CN": "consistent",
    "IN": "consistent",
    "US": "consistent",
    "TR": "consistent",
    "EG": "consistent",
    "TH": "valuation",
    "VN": "volume_or_classification",
    "HK": "entrepot",
    "BR": "no_mirror_export",  # BR reports exports, but none to KE
    "MX": "partner_not_reporting",  # MX reports no exports at all
    "JP": "no_reported_import",
    "ZA": "zero_or_missing_value",
}
HK_REEXPORTS = 500.0
DUTY_RATE = 10.0  # percent, for revenue at risk


def planted_flows() -> pa.Table:
    rows = []
    for partner, (m, mw, x, xw) in COMPARED.items():
        rows.append(flow("KE", partner, "M", m, mw))
        rows.append(flow(partner, "KE", "X", x, xw))
    rows += [
        flow("HK", "KE", "RX", HK_REEXPORTS, 50.0),  # kept apart from HK's exports
        flow("KE", "BR", "M", 500.0, 50.0),
        flow("BR", "UG", "X", 400.0, 40.0),  # BR does report exports (to UG)
        flow("KE", "MX", "M", 700.0, 70.0),
        flow("JP", "KE", "X", 800.0, 80.0),
        flow("KE", "ZA", "M", 0.0, 10.0),
        flow("ZA", "KE", "X", 1000.0, 100.0),
        # a chapter-level row: coarser than HS6, used only at --hs-level 2
        flow("KE", "CN", "M", 99.0, 9.0, hs="61"),
        # months beside the year: superseded at year level
        flow("KE", "CN", "M", 500.0, 45.0, period="202301"),
        flow("KE", "CN", "M", 600.0, 55.0, period="202302"),
        # CIF/FOB by mode: sea 1.10, road 1.05 -> 1000 + 1000 FOB against 2000
        flow("KE", "CN", "M", 1100.0, 10.0, hs="847130", mode="sea"),
        flow("KE", "CN", "M", 1050.0, 10.0, hs="847130", mode="road"),
        flow("CN", "KE", "X", 2000.0, 20.0, hs="847130"),
    ]
    return arrow_table("trade_flows", rows)


#: HS6 610910 from CN in 2023: 11 items on a log grid around 10 per kg, plus one at 1 per kg.
GRID = [10.0 * math.exp(0.1 * k) for k in range(-5, 6)]
CHEAP = 1.0
#: 3 items from IN: too few for their own reference, so the HS6 reference (all origins) is used.
FEW_IN = [9.0, 10.0, 11.0]


def planted_declarations() -> pa.Table:
    rows = []
    start = dt.datetime(2023, 3, 1, 9, 0)

    def add(origin: str, unit_value: float, mass: float = 100.0) -> None:
        n = len(rows)
        value = unit_value * mass
        rows.append(
            {
                "declaration_id": f"D{n:04d}",
                "item_no": 1,
                "lodged_at": start + dt.timedelta(days=n),
                "office_id": "KEMBA",
                "declarant_id": "B1",
                "importer_id": f"IM{n % 3}",
                "country_of_origin": origin,
                "hs_code": "61091000",
                "hs2": "61",
                "hs4": "6109",
                "hs6": "610910",
                "net_mass_kg": mass,
                "customs_value": value,
                "duty_rate": 25.0,
                "duty_tax_amount": value * 0.25,
                "batch_id": "planted",
            }
        )

    for uv in GRID:
        add("CN", uv)
    add("CN", CHEAP)
    for uv in FEW_IN:
        add("IN", uv)
    return arrow_table("declarations", rows)


def load(wh: Warehouse, flows: pa.Table | None = None, declarations: pa.Table | None = None) -> None:
    if flows is not None:
        wh.insert("trade_flows", flows)
    if declarations is not None:
        wh.insert("declarations", declarations)
