"""A tiny warehouse whose point-in-time history can be worked out by hand."""

from __future__ import annotations

import datetime as dt

import ibis.expr.schema as sch
import pyarrow as pa

from clearsight.core.warehouse import Warehouse
from clearsight.schema import get_table

D = dt.datetime(2024, 1, 1, 9, 0)


def day(n: int) -> dt.datetime:
    return D + dt.timedelta(days=n)


def canonical(name: str, rows: list[dict]) -> pa.Table:
    """Rows as a table with every stored column of ``name`` (missing ones NULL)."""
    schema = sch.Schema(get_table(name).storage_schema()).to_pyarrow()
    return pa.Table.from_pylist([{f.name: r.get(f.name) for f in schema} for r in rows], schema=schema)


def item(decl: str, no: int, lodged: int, importer: str = "IMA", **kw) -> dict:
    row = {
        "declaration_id": decl,
        "item_no": no,
        "lodged_at": day(lodged),
        "office_id": "OF1",
        "declarant_id": "DC1",
        "importer_id": importer,
        "seller_id": "SL1",
        "country_of_origin": "CN",
        "hs_code": "61091000",
        "hs2": "61",
        "hs4": "6109",
        "hs6": "610910",
        "net_mass_kg": 100.0,
        "gross_mass_kg": 110.0,
        "quantity": 50.0,
        "customs_value": 1000.0,
        "duty_rate": 25.0,
        "mode_of_transport": "sea",
    }
    row.update(kw)
    return row


DECLARATIONS = [
    item("D1", 1, 1),
    item("D2", 1, 5),
    item("D3", 1, 10),
    item("D4", 1, 10),
    item("D5", 1, 20),
    item("D6", 1, 20, importer="IMB", seller_id=None),
]
#: D1 fraud known day 3; D2 compliant known day 12; D3 fraud without inspected_at (known at lodgement,
#: day 10); D5 fraud known day 25.
INSPECTIONS = [
    {
        "declaration_id": "D1",
        "item_no": 1,
        "inspected_at": day(3),
        "result": "fraud",
        "additional_revenue": 500.0,
    },
    {
        "declaration_id": "D2",
        "item_no": 1,
        "inspected_at": day(12),
        "result": "compliant",
        "additional_revenue": 0.0,
    },
    {
        "declaration_id": "D3",
        "item_no": 1,
        "inspected_at": None,
        "result": "critical",
        "additional_revenue": 900.0,
    },
    {
        "declaration_id": "D5",
        "item_no": 1,
        "inspected_at": day(25),
        "result": "fraud",
        "additional_revenue": 100.0,
    },
]


def load(wh: Warehouse) -> Warehouse:
    wh.insert("declarations", canonical("declarations", DECLARATIONS))
    wh.insert("inspections", canonical("inspections", INSPECTIONS))
    return wh
