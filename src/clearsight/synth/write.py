"""Write a generated world as files: one per canonical table, plus ground truth, tariff and world.json.

CSV files follow the conventions ``clearsight ingest`` reads without a mapping file: comma-delimited,
a header of canonical field names, UTF-8, ISO dates and timestamps, ``true``/``false``, empty cells
for nulls, HS codes as text (leading zeros kept), money with two decimals.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from clearsight.core.errors import UserError
from clearsight.schema.tables import Table
from clearsight.synth.world import World

FORMATS = ("csv", "parquet")
GROUND_TRUTH = "ground_truth"
TARIFF = "tariff"
#: Money columns written as fixed-point decimals in CSV (never 1.2e+10).
MONEY = {
    "customs_value",
    "invoice_amount",
    "duty_tax_amount",
    "additional_revenue",
    "value_usd",
    "true_customs_value",
    "true_duty_tax_amount",
    "revenue_at_stake",
    "additional_revenue_if_detected",
}


#: Rates and probabilities: decimals kept in CSV (other measures keep 3).
DECIMALS = {"duty_rate": 2, "importer_risk": 4, "detection_probability": 4}


def _fixed_point(table: pa.Table) -> pa.Table:
    """Floats as fixed-point decimals (money 2 places, masses and quantities 3), so CSV never shows
    exponents such as 1.2e+10."""
    for i, f in enumerate(table.schema):
        if pa.types.is_floating(f.type):
            scale = 2 if f.name in MONEY else DECIMALS.get(f.name, 3)
            col = pc.round(table.column(i), scale)
            table = table.set_column(i, f.name, pc.cast(col, pa.decimal128(20, scale), safe=False))
    return table


def _write_csv(table: pa.Table, path: Path) -> None:
    with path.open("wb") as fh:
        fh.write((",".join(table.column_names) + "\n").encode("utf-8"))
        pacsv.write_csv(
            _fixed_point(table),
            fh,
            pacsv.WriteOptions(include_header=False, batch_size=65_536, delimiter=","),
        )


def write_world(
    world: World, out_dir: str | Path, fmt: str = "csv", progress: Any | None = None
) -> list[Path]:
    """Write every table of ``world`` to ``out_dir`` as ``<table>.<fmt>`` and return the paths written."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = {**world.data_tables(), GROUND_TRUTH: world.ground_truth, TARIFF: world.tariff}
    task = progress.add_task("writing", total=len(tables) + 1) if progress is not None else None
    paths: list[Path] = []
    for name, table in tables.items():
        path = out / f"{name}.{fmt}"
        if progress is not None:
            progress.update(task, description=f"writing {path.name}")
        if fmt == "csv":
            _write_csv(table, path)
        else:
            pq.write_table(table, path, compression="zstd")
        paths.append(path)
        if progress is not None:
            progress.advance(task)
    meta = out / "world.json"
    meta.write_text(
        json.dumps({**world.params, "format": fmt, "files": [p.name for p in paths]}, indent=2) + "\n"
    )
    paths.append(meta)
    if progress is not None:
        progress.advance(task)
    return paths


def read_world_table(folder: str | Path, table: Table) -> pa.Table:
    """A canonical table of a world folder written by :func:`write_world` (``<name>.parquet`` or
    ``<name>.csv``), its CSV columns read with the canonical storage types."""
    folder = Path(folder)
    parquet, csv = folder / f"{table.name}.parquet", folder / f"{table.name}.csv"
    if parquet.exists():
        return pq.read_table(parquet)
    if csv.exists():
        schema = ibis.schema(table.storage_schema()).to_pyarrow()
        types = {name: schema.field(name).type for name in schema.names}
        return pacsv.read_csv(
            csv, convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True)
        )
    raise UserError(f"{folder} holds no {table.name}.parquet or {table.name}.csv (a synthetic world folder)")


def read_world_params(folder: str | Path) -> dict[str, Any]:
    """The parameters :func:`write_world` recorded in ``world.json`` (empty when the file is absent)."""
    meta = Path(folder) / "world.json"
    return json.loads(meta.read_text()) if meta.exists() else {}
