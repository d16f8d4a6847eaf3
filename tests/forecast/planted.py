"""A planted customs history for the forecast tests: two offices, two HS chapters each, 36 months of
trend and seasonality with known duty rates, and a month of closure at one office."""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import pyarrow as pa

from clearsight.schema import TABLES

START = dt.date(2022, 1, 1)
MONTHS = 36
#: office -> chapter -> [(heading, duty rate %, base monthly value)]
PLAN = {
    "OFFA": {"87": [("8703", 25.0, 800_000.0), ("8708", 10.0, 200_000.0)], "84": [("8418", 20.0, 500_000.0)]},
    "OFFB": {"22": [("2208", 25.0, 300_000.0)], "84": [("8471", 0.0, 400_000.0), ("8418", 20.0, 100_000.0)]},
}
SHOCK = ("OFFB", 30)  # OFFB takes almost nothing in month 30 (2024-07): a port closure


def month_start(k: int) -> dt.date:
    y, m = divmod(START.month - 1 + k, 12)
    return dt.date(START.year + y, m + 1, 1)


def planted_declarations(shock: bool = True, seed: int = 0) -> pa.Table:
    """Rows lodged on the first and last day of each month (half the month's value each), so every
    month is complete; duty and taxes = value × rate (no VAT), so the tariff arithmetic is exact."""
    rng = np.random.default_rng(seed)
    rows: dict[str, list] = {n: [] for n in TABLES["declarations"].storage_schema()}
    serial = 0
    for office, chapters in PLAN.items():
        for chapter, lines in chapters.items():
            peak = 3 if chapter == "87" else 9
            for heading, rate, base in lines:
                for k in range(MONTHS):
                    level = base * (1 + 0.015 * k) * (1 + 0.25 * np.cos(2 * np.pi * (k % 12 - peak) / 12))
                    level *= 1 + rng.normal(0, 0.02)
                    if shock and (office, k) == SHOCK:
                        level *= 0.05
                    first = month_start(k)
                    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
                    for day in (first, last):
                        serial += 1
                        value = round(level / 2, 2)
                        row = {n: None for n in rows}
                        row.update(
                            declaration_id=f"{office}-{serial:06d}", item_no=1,
                            lodged_at=dt.datetime.combine(day, dt.time(10)), office_id=office,
                            declarant_id="D1", importer_id="I1", country_of_origin="CN",
                            hs_code=f"{heading}1000", hs2=chapter, hs4=heading, hs6=f"{heading}10",
                            customs_value=value, duty_rate=rate, duty_tax_amount=round(value * rate / 100, 2),
                        )
                        for n, v in row.items():
                            rows[n].append(v)
    schema = TABLES["declarations"].storage_schema()
    import ibis

    arrow = ibis.schema(schema).to_pyarrow()
    return pa.Table.from_pydict(rows, schema=arrow)
