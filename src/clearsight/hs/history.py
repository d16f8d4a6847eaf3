"""Past declarations as training and test data: (description, declared subheading), read with Ibis.

Items an inspection found misclassified are left out (their declared code is known to be wrong), and
so are items without a description; both are counted.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from clearsight.core.warehouse import Warehouse
from clearsight.schema.measures import in_force


@dataclass(frozen=True)
class History:
    """Declared (description, hs6) pairs and what was left out."""

    pairs: pa.Table  # declaration_id, item_no, goods_description, hs6
    items: int  # declaration items in the period
    no_description: int
    misclassified: int  # left out: an inspection found a classification offence


def described_items(warehouse: Warehouse, since: dt.date | None = None) -> ibis.Table:
    """Declaration items with a non-blank description (optionally lodged on or after ``since``)."""
    decl = warehouse.table("declarations")
    if since is not None:
        decl = decl.filter(decl.lodged_at >= ibis.timestamp(dt.datetime.combine(since, dt.time())))
    return decl.filter(decl.goods_description.notnull() & (decl.goods_description.strip().length() > 0))


def history_expr(warehouse: Warehouse, since: dt.date | None = None) -> ibis.Table:
    """The training pairs as an Ibis expression (runs on DuckDB and Spark)."""
    insp = in_force(warehouse.table("inspections"))  # a corrected finding no longer counts
    wrong = insp.filter(insp.fraud_type == "classification").select("declaration_id", "item_no")
    items = described_items(warehouse, since).filter(lambda t: t.hs6.notnull())
    kept = items.anti_join(wrong, ["declaration_id", "item_no"])
    return kept.select("declaration_id", "item_no", "goods_description", "hs6").order_by(
        ["declaration_id", "item_no"]
    )


def read_history(warehouse: Warehouse, since: dt.date | None = None) -> History:
    """Execute ``history_expr`` and count what was left out."""
    decl = warehouse.table("declarations")
    if since is not None:
        decl = decl.filter(decl.lodged_at >= ibis.timestamp(dt.datetime.combine(since, dt.time())))
    items = int(decl.count().execute())
    described = int(described_items(warehouse, since).count().execute())
    pairs = history_expr(warehouse, since).to_pyarrow()
    with_code = int(described_items(warehouse, since).filter(lambda t: t.hs6.notnull()).count().execute())
    return History(pairs, items, items - described, with_code - pairs.num_rows)


def holdout_mask(declaration_ids: pa.Array | pa.ChunkedArray, share: float = 0.2) -> np.ndarray:
    """True for the items of a fixed ``share`` of declarations (by a hash of the id, so it is stable)."""
    ids = declaration_ids.to_pylist()
    cut = int(share * 10_000)
    return np.array([zlib.crc32(i.encode()) % 10_000 < cut for i in ids], dtype=bool)


def texts_and_codes(pairs: pa.Table) -> tuple[list[str], list[str]]:
    return pairs["goods_description"].to_pylist(), pc.utf8_slice_codeunits(pairs["hs6"], 0, 6).to_pylist()
