"""Reading the quarantine: what was refused, where it came from and why."""

from __future__ import annotations

from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.csv as pacsv

from clearsight.warehouse import Warehouse


def summary(warehouse: Warehouse) -> pa.Table:
    """Quarantined rows per batch, with the file and the most frequent fields at fault."""
    q = warehouse.table("quarantine")
    b = warehouse.table("ingest_batches")
    per_batch = q.group_by("batch_id", "table_name", "source").aggregate(rows=q.count())
    joined = per_batch.left_join(b.select("batch_id", "rows_in", "finished_at"), "batch_id")
    return (
        joined.select("batch_id", "table_name", "source", "rows", "rows_in", "finished_at")
        .order_by(ibis.desc("finished_at"), "batch_id")
        .to_pyarrow()
    )


def rows(
    warehouse: Warehouse, batch: str | None = None, table: str | None = None, limit: int | None = 50
) -> pa.Table:
    q = warehouse.table("quarantine")
    if batch:
        q = q.filter(q.batch_id == batch)
    if table:
        q = q.filter(q.table_name == table)
    q = q.order_by("batch_id", "row_no")
    if limit:
        q = q.limit(limit)
    return q.to_pyarrow()


def export(warehouse: Warehouse, out: Path, batch: str | None = None, table: str | None = None) -> int:
    """Write quarantined rows to CSV (or Parquet when ``out`` ends in .parquet) for correction."""
    data = rows(warehouse, batch, table, limit=None)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".parquet":
        import pyarrow.parquet as pq

        pq.write_table(data, out)
    else:
        pacsv.write_csv(data, out)
    return data.num_rows
