"""Warehouse reads and writes for the portal, as Ibis expressions executed at the edge."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from clearsight.core.warehouse import Warehouse
from clearsight.schema.measures import FOUND_RESULTS

LIST_COLUMNS = (
    "declaration_id", "item_no", "lodged_at", "office_id", "importer_id", "declarant_id", "hs_code",
    "goods_description", "country_of_origin", "customs_value", "duty_tax_amount",
)
MAX_LIMIT = 1000


def _rows(expr: ir.Table) -> list[dict[str, Any]]:
    return expr.to_pyarrow().to_pylist()


def declarations_in(wh: Warehouse, offices: list[str] | None) -> ir.Table:
    """The ``declarations`` table as the caller may read it: only ``offices``' rows (None: every office;
    an empty list: none). Every read of declaration-level data below starts here, and each takes
    ``offices`` without a default, so no route or page can read across offices by leaving it out."""
    t = wh.table("declarations")
    if offices is None:
        return t
    return t.filter(t.office_id.isin(offices) if offices else ibis.literal(False))


def overview(wh: Warehouse, offices: list[str] | None) -> dict[str, Any]:
    """Volumes, inspections, hits and revenue recovered per month, and items per lane."""
    d = declarations_in(wh, offices)
    i = wh.table("inspections")
    joined = d.select("declaration_id", "item_no", "lodged_at").left_join(
        i.select("declaration_id", "item_no", "lane", "result", "additional_revenue"), ["declaration_id", "item_no"]
    )
    month = joined.lodged_at.truncate("M").cast("date").name("month")
    inspected = joined.result.notnull()
    hit = joined.result.isin(FOUND_RESULTS).fill_null(False)
    monthly = (
        joined.group_by(month)
        .aggregate(
            items=joined.count(),
            declarations=joined.declaration_id.nunique(),
            inspected=inspected.sum(),
            hits=hit.sum(),
            revenue_recovered=joined.additional_revenue.sum(),
        )
        .order_by("month")
    )
    months = _rows(monthly)
    for m in months:
        m["inspected"], m["hits"] = int(m["inspected"] or 0), int(m["hits"] or 0)
        m["month"] = m["month"].isoformat()[:7] if m["month"] else None
        m["hit_rate"] = (m["hits"] / m["inspected"]) if m["inspected"] else None
        m["revenue_recovered"] = float(m["revenue_recovered"] or 0.0)
    laned = joined.filter(joined.lane.notnull())
    lanes = _rows(
        laned.group_by("lane").aggregate(items=laned.count(), hits=laned.result.isin(FOUND_RESULTS).fill_null(False).sum()).order_by("lane")
    )
    totals = {
        "items": sum(m["items"] for m in months),
        "inspected": sum(m["inspected"] for m in months),
        "hits": sum(m["hits"] for m in months),
        "revenue_recovered": sum(m["revenue_recovered"] for m in months),
    }
    totals["hit_rate"] = totals["hits"] / totals["inspected"] if totals["inspected"] else None
    return {"totals": totals, "months": months, "lanes": lanes}


def _matches_nothing(*texts: str | None) -> bool:
    """A text holding a NUL character: no identifier or code in the warehouse holds one, and the
    engine's SQL text cannot carry it, so such a filter answers nothing rather than fail."""
    return any(t is not None and "\x00" in t for t in texts)


def search(
    wh: Warehouse, *, offices: list[str] | None, q: str | None = None, office_id: str | None = None,
    limit: int = 50, offset: int = 0,
) -> list[dict[str, Any]]:
    """Goods items matching a declaration or importer id (exact) or an HS code prefix, newest first."""
    if _matches_nothing(q, office_id):
        return []
    d = declarations_in(wh, offices)
    if office_id:
        d = d.filter(d.office_id == office_id)
    if q:
        q = q.strip()
        d = d.filter((d.declaration_id == q) | (d.importer_id == q) | d.hs_code.startswith(q))
    expr = d.select(*LIST_COLUMNS).order_by(ibis.desc("lodged_at"), "declaration_id", "item_no")
    return _rows(expr.limit(min(limit, MAX_LIMIT), offset=offset))


def declaration(wh: Warehouse, declaration_id: str, *, offices: list[str] | None) -> dict[str, Any] | None:
    """A declaration's items with their inspection results, and its importer's history within ``offices``
    (None when the declaration does not exist or belongs to an office outside ``offices``: the two are
    told apart nowhere, so a caller cannot learn which ids exist elsewhere)."""
    if _matches_nothing(declaration_id):
        return None
    d = declarations_in(wh, offices)
    i = wh.table("inspections")
    items = d.filter(d.declaration_id == declaration_id).left_join(
        i.select("declaration_id", "item_no", "lane", "result", "fraud_type", "additional_revenue", "inspected_at", "officer_id"),
        ["declaration_id", "item_no"],
    )
    rows = _rows(items.drop("batch_id", "quality_flags").order_by("item_no"))
    if not rows:
        return None
    importer = rows[0]["importer_id"]
    history = importer_history(wh, importer, offices=offices)
    return {"declaration_id": declaration_id, "office_id": rows[0]["office_id"], "items": rows, "importer": history}


def importer_history(wh: Warehouse, importer_id: str, *, offices: list[str] | None, recent: int = 20) -> dict[str, Any]:
    """The importer's totals and latest items, counted within ``offices``."""
    d = declarations_in(wh, offices)
    i = wh.table("inspections")
    mine = d.filter(d.importer_id == importer_id).left_join(
        i.select("declaration_id", "item_no", "result", "additional_revenue"), ["declaration_id", "item_no"]
    )
    agg = _rows(
        mine.aggregate(
            items=mine.count(),
            declarations=mine.declaration_id.nunique(),
            first=mine.lodged_at.min(),
            last=mine.lodged_at.max(),
            customs_value=mine.customs_value.sum(),
            inspected=mine.result.notnull().sum(),
            hits=mine.result.isin(FOUND_RESULTS).fill_null(False).sum(),
            revenue_recovered=mine.additional_revenue.sum(),
        )
    )[0]
    latest = _rows(
        mine.select("declaration_id", "item_no", "lodged_at", "hs_code", "customs_value", "result")
        .order_by(ibis.desc("lodged_at"))
        .limit(recent)
    )
    return {"importer_id": importer_id, **agg, "recent": latest}


def uninspected(wh: Warehouse, offices: list[str] | None, limit: int = 500) -> pa.Table:
    """The latest items of the offices with no inspection result yet (the queue's candidates)."""
    d = declarations_in(wh, offices)
    i = wh.table("inspections")
    open_items = d.anti_join(i, ["declaration_id", "item_no"])
    return open_items.drop("batch_id", "quality_flags").order_by(ibis.desc("lodged_at"), "declaration_id", "item_no").limit(limit).to_pyarrow()


def item(wh: Warehouse, declaration_id: str, item_no: int, *, offices: list[str] | None) -> dict[str, Any] | None:
    """The goods item if it exists within ``offices`` (None otherwise, whichever the reason)."""
    if _matches_nothing(declaration_id):
        return None
    d = declarations_in(wh, offices)
    found = _rows(d.filter((d.declaration_id == declaration_id) & (d.item_no == item_no)).select("declaration_id", "item_no", "office_id"))
    return found[0] if found else None


def has_result(wh: Warehouse, declaration_id: str, item_no: int) -> bool:
    i = wh.table("inspections")
    return int(i.filter((i.declaration_id == declaration_id) & (i.item_no == item_no)).count().execute()) > 0


def record_inspection(wh: Warehouse, values: dict[str, Any], officer: str) -> str:
    """Append one inspection result with a batch of its own (and its lineage row); return the batch id."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    batch = f"portal-{now:%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8]}"
    row = {
        "declaration_id": values["declaration_id"],
        "item_no": values["item_no"],
        "lane": values.get("lane"),
        "method": values.get("method"),
        "inspected_at": now,
        "result": values["result"],
        "fraud_type": values.get("fraud_type"),
        "additional_revenue": values.get("additional_revenue"),
        "officer_id": officer,
        "batch_id": batch,
        "quality_flags": None,
    }
    schema = wh.table("inspections").schema().to_pyarrow()
    wh.insert("inspections", pa.Table.from_pylist([row], schema=schema))
    digest = hashlib.sha256(json.dumps(row, default=str, sort_keys=True).encode()).hexdigest()
    lineage = {
        "batch_id": batch, "table_name": "inspections", "source": "portal: inspection form", "sha256": digest,
        "rows_in": 1, "accepted": 1, "quarantined": 0, "warnings": 0, "mapping": None, "loaded_by": officer,
        "started_at": now, "finished_at": now,
    }
    wh.insert("ingest_batches", pa.Table.from_pylist([lineage], schema=wh.table("ingest_batches").schema().to_pyarrow()))
    return batch
