"""Small synthetic worlds for the feedback, retraining and drift tests: a few months of items with
enough inspection results per week, ingested through the real quality gate once per test run."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from clearsight.core.warehouse import Warehouse, connect

TABLES = ("parties", "declarations", "inspections")


def world_file(
    tmp_path_factory, name: str, *, items: int, days: int, seed: int, start: dt.date = dt.date(2024, 1, 1)
) -> Path:
    """A DuckDB warehouse file holding the world (built once per run and name; copy it before writing)."""
    from clearsight.ingest.load import ingest_file
    from clearsight.synth import generate_world, write_world

    folder = tmp_path_factory.getbasetemp() / f"world-{name}"
    path = folder / "warehouse.duckdb"
    done = folder / ".done"
    if done.exists():
        return path
    folder.mkdir(exist_ok=True)
    world = folder / "world"
    write_world(generate_world(items=items, seed=seed, start=start, days=days), world, "csv")
    wh = connect(f"duckdb://{path}")
    try:
        for table in TABLES:
            ingest_file(wh, table, world / f"{table}.csv")
    finally:
        wh.close()
    done.touch()
    return path


def copy(source: Path, dest: Path) -> Warehouse:
    """A private, writable copy of a world's warehouse at ``dest``."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, dest)
    return connect(f"duckdb://{dest}")
