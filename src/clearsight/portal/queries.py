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
from clearsight.portal.listing import Listing, filter_table, page_table
from clearsight.schema.measures import FOUND_RESULTS, in_force
from clearsight.selectivity import lane_decisions
from clearsight.selectivity.decisions import OFFICER

KEY = ("declaration_id", "item_no")
LIST_COLUMNS = (
    "declaration_id", "item_no", "lodged_at", "office_id", "importer_id", "declarant_id", "hs_code",
    "goods_description", "country_of_origin", "customs_value", "duty_tax_amount",
)
#: What the last batch selection said of an item, and its result in force, beside its declared fields.
DECISION_COLUMNS = ("lane", "score", "selected_by")
RESULT_COLUMNS = ("result",)
MAX_LIMIT = 1000
#: How bad a result is: an item with several results in force shows the worst (as the labels count it).
SEVERITY = {"compliant": 0, "fraud": 1, "critical": 2}


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


def item_results(wh: Warehouse) -> ir.Table:
    """One row per inspected item, from the entries in force (a corrected entry no longer counts):
    the worst result, the lane and officer of the latest entry, the revenue summed, and ``corrected``
    when an entry in force is a correction."""
    i = in_force(wh.table("inspections"))
    severity = i.result.substitute(SEVERITY, else_=ibis.null("int64"))
    latest = i.inspected_at
    per = i.group_by(list(KEY)).aggregate(
        severity=severity.max(),
        lane=i.lane.argmax(latest).coalesce(i.lane.max()),
        method=i.method.argmax(latest).coalesce(i.method.max()),
        fraud_type=i.fraud_type.max(),
        additional_revenue=i.additional_revenue.sum(),
        inspected_at=latest.max(),
        officer_id=i.officer_id.argmax(latest).coalesce(i.officer_id.max()),
        corrected=i.supersedes.notnull().any() if "supersedes" in i.columns else ibis.literal(False),
    )
    result = per.severity.cases(*((rank, name) for name, rank in SEVERITY.items()))
    return per.mutate(result=result).drop("severity")


def decided_lanes(wh: Warehouse) -> ir.Table:
    """Per item, the lane in force: the last batch selection's (``clearsight select``) or an officer's
    change made after it (``selected_by`` officer); the score is the last batch's."""
    t = lane_decisions(wh)
    t = t.mutate(channel=t.channel.fill_null("batch"))
    t = t.filter(t.channel.isin(["batch", OFFICER]))
    return t.group_by(list(KEY)).aggregate(
        lane=t.lane.argmax(t.decided_at),
        score=t.score.argmax(t.decided_at, where=t.channel == "batch"),
        selected_by=t.selected_by.argmax(t.decided_at),
    )


def officer_lanes(wh: Warehouse, declaration_ids: list[str]) -> dict[tuple[str, int], dict[str, Any]]:
    """The latest officer's lane change of each item of these declarations: (declaration, item) ->
    lane, decided_by, decided_at, reasons."""
    if not declaration_ids:
        return {}
    t = lane_decisions(wh)
    t = t.filter((t.channel == OFFICER) & t.declaration_id.isin(sorted(set(declaration_ids))))
    latest = t.group_by(list(KEY)).aggregate(
        lane=t.lane.argmax(t.decided_at), decided_by=t.decided_by.argmax(t.decided_at),
        reasons=t.reasons.argmax(t.decided_at), decided_at=t.decided_at.max(),
    )
    return {(r["declaration_id"], r["item_no"]): r for r in _rows(latest)}


def overview(wh: Warehouse, offices: list[str] | None) -> dict[str, Any]:
    """Volumes, inspections, hits and revenue recovered per month, and items per lane."""
    d = declarations_in(wh, offices)
    i = item_results(wh)
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


def _search(d: ir.Table, q: str) -> ir.Table:
    q = q.strip()
    return d.filter((d.declaration_id == q) | (d.importer_id == q) | d.hs_code.startswith(q))


def _by_key(t: ir.Table, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> dict[tuple, dict[str, Any]]:
    """``columns`` of ``t`` for the items of ``rows`` (one page: an IN list of its declarations)."""
    ids = sorted({r["declaration_id"] for r in rows})
    if not ids:
        return {}
    found = t.filter(t.declaration_id.isin(ids)).select(*KEY, *columns).to_pyarrow().to_pylist()
    return {(r["declaration_id"], r["item_no"]): r for r in found}


def list_items(wh: Warehouse, *, offices: list[str] | None, listing: Listing) -> tuple[list[dict[str, Any]], int]:
    """Goods items of ``offices`` under the listing's filters and sort, with the last batch selection's
    lane, score and selected_by and the result in force: the window's rows and the total. The
    decisions and results are joined before paging only when a filter or the sort needs them."""
    q, office_id = listing.value("q"), listing.value("office_id")
    if _matches_nothing(q, office_id):
        return [], 0
    d = declarations_in(wh, offices)
    if q:
        d = _search(d, q)
    items = filter_table(d.select(*LIST_COLUMNS), listing, only=("office_id", "hs", "origin", "lodged_from", "lodged_to"))
    decisions, results = decided_lanes(wh), item_results(wh).select(*KEY, *RESULT_COLUMNS)
    joined = {"lane", "selected_by", "result"} & set(listing.filters) or listing.sort in (*DECISION_COLUMNS, *RESULT_COLUMNS)
    if not joined:
        rows, total = page_table(items, listing, tie=KEY)
        by_decision, by_result = _by_key(decisions, rows, DECISION_COLUMNS), _by_key(results, rows, RESULT_COLUMNS)
        for row in rows:
            key = (row["declaration_id"], row["item_no"])
            row.update({c: by_decision.get(key, {}).get(c) for c in DECISION_COLUMNS})
            row.update({c: by_result.get(key, {}).get(c) for c in RESULT_COLUMNS})
        return rows, total
    full = items.left_join(decisions, list(KEY)).left_join(results, list(KEY))
    full = full.select(*LIST_COLUMNS, *DECISION_COLUMNS, *RESULT_COLUMNS)
    return page_table(filter_table(full, listing, only=("lane", "selected_by", "result")), listing, tie=KEY)


def declaration(wh: Warehouse, declaration_id: str, *, offices: list[str] | None) -> dict[str, Any] | None:
    """A declaration's items with their results in force, every result entry (corrected ones marked),
    and the importer's other declarations within ``offices`` (None when the declaration does not exist
    or belongs to an office outside ``offices``: the two are told apart nowhere, so a caller cannot
    learn which ids exist elsewhere)."""
    if _matches_nothing(declaration_id):
        return None
    d = declarations_in(wh, offices)
    i = item_results(wh)
    items = d.filter(d.declaration_id == declaration_id).left_join(
        i.select(*KEY, "lane", "result", "fraud_type", "additional_revenue", "inspected_at", "officer_id", "corrected"),
        list(KEY),
    )
    rows = _rows(items.drop("batch_id", "quality_flags").order_by("item_no"))
    if not rows:
        return None
    importer = rows[0]["importer_id"]
    history = importer_history(wh, importer, offices=offices, exclude=declaration_id)
    return {
        "declaration_id": declaration_id, "office_id": rows[0]["office_id"], "items": rows,
        "results": result_entries(wh, declaration_id), "importer": history,
    }


def result_entries(wh: Warehouse, declaration_id: str, item_no: int | None = None) -> list[dict[str, Any]]:
    """Every result entry recorded for the declaration's items (or one item), oldest first, each with
    ``in_force`` false once a correction names it and ``superseded_by``: the correcting entry's batch.
    The caller has checked that the declaration is within the reader's offices."""
    i = wh.table("inspections")
    i = i.filter(i.declaration_id == declaration_id)
    if item_no is not None:
        i = i.filter(i.item_no == item_no)
    columns = ["item_no", "lane", "method", "inspected_at", "result", "fraud_type", "additional_revenue", "officer_id",
               "batch_id", *(c for c in ("supersedes", "correction_reason") if c in i.columns)]
    entries = _rows(i.select(*columns).order_by("item_no", "inspected_at", "batch_id"))
    by = {(e["item_no"], e["supersedes"]): e["batch_id"] for e in entries if e.get("supersedes")}
    for e in entries:
        e.setdefault("supersedes", None)
        e.setdefault("correction_reason", None)
        e["superseded_by"] = by.get((e["item_no"], e["batch_id"]))
        e["in_force"] = e["superseded_by"] is None
    return entries


def importer_history(
    wh: Warehouse, importer_id: str, *, offices: list[str] | None, exclude: str | None = None, recent: int = 20
) -> dict[str, Any]:
    """The importer's totals and latest items, counted within ``offices``, leaving out the declaration
    ``exclude`` (the one being read: its own items are not its history)."""
    d = declarations_in(wh, offices)
    d = d.filter(d.importer_id == importer_id)
    if exclude is not None:
        d = d.filter(d.declaration_id != exclude)
    i = item_results(wh)
    mine = d.left_join(i.select(*KEY, "result", "additional_revenue"), list(KEY))
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


def uninspected(wh: Warehouse, offices: list[str] | None, limit: int = 500, listing: Listing | None = None) -> pa.Table:
    """The latest items of the offices with no inspection result yet (the queue's candidates), under
    the listing's office and HS code filters when given."""
    d = declarations_in(wh, offices)
    if listing is not None:
        if _matches_nothing(listing.value("office_id")):
            d = d.filter(ibis.literal(False))
        d = filter_table(d, listing, only=("office_id", "hs"))
    i = wh.table("inspections")
    open_items = d.anti_join(i, ["declaration_id", "item_no"])
    return open_items.drop("batch_id", "quality_flags").order_by(ibis.desc("lodged_at"), "declaration_id", "item_no").limit(limit).to_pyarrow()


def item(wh: Warehouse, declaration_id: str, item_no: int, *, offices: list[str] | None) -> dict[str, Any] | None:
    """The goods item (keys, office, lodgement time) if it exists within ``offices`` (None otherwise,
    whichever the reason)."""
    if _matches_nothing(declaration_id):
        return None
    d = declarations_in(wh, offices)
    found = _rows(d.filter((d.declaration_id == declaration_id) & (d.item_no == item_no))
                  .select("declaration_id", "item_no", "office_id", "lodged_at"))
    return found[0] if found else None


def has_result(wh: Warehouse, declaration_id: str, item_no: int) -> bool:
    i = wh.table("inspections")
    return int(i.filter((i.declaration_id == declaration_id) & (i.item_no == item_no)).count().execute()) > 0


def record_inspection(
    wh: Warehouse, values: dict[str, Any], officer: str, *, supersedes: str | None = None, reason: str | None = None,
) -> str:
    """Append one inspection result with a batch of its own (and its lineage row); return the batch id.
    A correction names the batch of the entry it ``supersedes`` and why: the entry it corrects stays
    as it was, and no longer counts. Nothing is ever updated or removed."""
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
        "supersedes": supersedes,
        "correction_reason": reason,
        "batch_id": batch,
        "quality_flags": None,
    }
    schema = wh.table("inspections").schema().to_pyarrow()
    wh.insert("inspections", pa.Table.from_pylist([row], schema=schema))
    digest = hashlib.sha256(json.dumps(row, default=str, sort_keys=True).encode()).hexdigest()
    source = "portal: correction of " + supersedes if supersedes else "portal: inspection form"
    lineage = {
        "batch_id": batch, "table_name": "inspections", "source": source, "sha256": digest,
        "rows_in": 1, "accepted": 1, "quarantined": 0, "warnings": 0, "mapping": None, "loaded_by": officer,
        "started_at": now, "finished_at": now,
    }
    wh.insert("ingest_batches", pa.Table.from_pylist([lineage], schema=wh.table("ingest_batches").schema().to_pyarrow()))
    return batch
