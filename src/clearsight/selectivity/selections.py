"""The warehouse table ``selections``: every lane decision with its reasons, one row per goods item
and decision — the store of record of lane decisions (:mod:`clearsight.selectivity.decisions`).

``clearsight select`` writes batch decisions, one ``selection_id`` per run (``channel`` batch); the
real-time decisions of the scoring API are moved here from the app store's outbox (``channel``
realtime, one ``selection_id`` per request). The feedback loop, the indicators and
``clearsight rules stats`` read it (joined with ``inspections``). A batch is written in one step —
one transaction on DuckDB, one overwrite job on Spark — so a failed run leaves nothing half-written,
and items are decided once by a batch unless a run is asked to replace them (real-time decisions of
the same items stay: they are other decisions).

Other rooms read it with :func:`clearsight.selectivity.decisions.lane_decisions`. It is a derived
table (declared with its columns in ``clearsight.schema.derived``): the warehouse creates it, nobody
ingests it.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from clearsight.core.errors import UserError
from clearsight.core.warehouse import Warehouse
from clearsight.schema.derived import SELECTIONS
from clearsight.schema.measures import FOUND_RESULTS, in_force

BATCH = "batch"
TABLE = SELECTIONS.name
SCHEMA = SELECTIONS.schema()
ARROW_SCHEMA: pa.Schema = SCHEMA.to_pyarrow()


def selections_table(warehouse: Warehouse) -> ir.Table:
    """The ``selections`` table (created empty the first time)."""
    return warehouse.table(TABLE)


def is_batch(t: ir.Table) -> ir.BooleanValue:
    """Rows a batch decided (a warehouse made before real-time decisions were stored has no channel)."""
    return t.channel.fill_null(BATCH) == BATCH


def _window(t: ir.Table, start: dt.datetime, end: dt.datetime) -> ir.BooleanValue:
    """The batch decisions of the items lodged in ``[start, end)``."""
    return (t.lodged_at >= ibis.timestamp(start)) & (t.lodged_at < ibis.timestamp(end)) & is_batch(t)


def already_decided(warehouse: Warehouse, start: dt.datetime, end: dt.datetime) -> dict | None:
    """Items lodged in ``[start, end)`` that a batch already decided: how many, by which run, when."""
    t = selections_table(warehouse)
    hit = t.filter(_window(t, start, end))
    found = hit.aggregate(n=hit.count(), last=hit.decided_at.max()).to_pyarrow().to_pylist()[0]
    if not found["n"]:
        return None
    runs = hit.filter(hit.decided_at == found["last"]).select("selection_id").limit(1).to_pyarrow()
    return {
        "items": int(found["n"]),
        "selection_id": runs["selection_id"][0].as_py(),
        "decided_at": found["last"],
    }


def write_selections(
    warehouse: Warehouse, rows: pa.Table, start: dt.datetime, end: dt.datetime, *, replace: bool = False
) -> int:
    """Store the decisions of the items lodged in ``[start, end)`` in one step.

    Items of that window decided before are refused (UserError) unless ``replace``, in which case
    their previous rows are removed in the same step. Returns the number of rows replaced.
    """
    rows = rows.select(ARROW_SCHEMA.names).cast(ARROW_SCHEMA)
    previous = already_decided(warehouse, start, end)
    if previous and not replace:
        raise UserError(
            f"{previous['items']:,} items lodged from {start:%Y-%m-%d} to {end - dt.timedelta(days=1):%Y-%m-%d} "
            f"were already decided (selection {previous['selection_id']} at {previous['decided_at']:%Y-%m-%d %H:%M}); "
            "add --replace to decide them again"
        )
    replaced = previous["items"] if previous else 0
    if previous:  # one step: a transaction on DuckDB, one overwrite job on Spark
        warehouse.replace_rows(TABLE, rows, where=lambda t: _window(t, start, end))
    else:
        warehouse.insert(TABLE, rows)
    return replaced


def latest_selection_id(warehouse: Warehouse) -> str | None:
    """The selection_id of the most recent batch run, or None when no batch was decided yet."""
    t = selections_table(warehouse)
    t = t.filter(is_batch(t))
    found = t.order_by(ibis.desc("decided_at")).select("selection_id").limit(1).to_pyarrow()
    return found["selection_id"][0].as_py() if found.num_rows else None


def selection_summary(warehouse: Warehouse, selection_id: str) -> dict:
    """One run in figures: when, which model, the window of items, items per lane and per office."""
    t = selections_table(warehouse)
    run = t.filter(t.selection_id == selection_id)
    head = run.aggregate(
        items=run.count(),
        decided_at=run.decided_at.max(),
        model_version=run.model_version.max(),
        first_lodged=run.lodged_at.min(),
        last_lodged=run.lodged_at.max(),
    )
    summary = {"selection_id": selection_id, **head.to_pyarrow().to_pylist()[0]}
    offices: dict[str, dict[str, int]] = {}
    lanes = {lane: 0 for lane in ("red", "yellow", "blue", "green")}
    for row in lanes_by_office(warehouse, selection_id):
        offices.setdefault(row["office_id"], dict.fromkeys(lanes, 0))[row["lane"]] = row["items"]
        lanes[row["lane"]] += row["items"]
    return {**summary, "lanes": lanes, "offices": offices}


def lanes_by_office(warehouse: Warehouse, selection_id: str) -> list[dict]:
    """Items per office and lane of one run (``office_id``, ``lane``, ``items``), sorted."""
    t = selections_table(warehouse)
    run = t.filter(t.selection_id == selection_id)
    counts = run.group_by(["office_id", "lane"]).aggregate(items=run.count()).order_by(["office_id", "lane"])
    return counts.to_pyarrow().to_pylist()


def rule_stats(warehouse: Warehouse) -> dict[str, dict]:
    """Per rule name, over every stored decision: items hit, of them inspected, frauds found among
    those, hit rate (frauds / inspected), revenue found, and the lodgement of the last item hit."""
    t = selections_table(warehouse)
    hits = t.filter(t.rules_hit.length() > 0)
    hits = hits.select("declaration_id", "item_no", "lodged_at", rule=hits.rules_hit.unnest())
    ins = in_force(warehouse.table("inspections"))  # a corrected result counts as its correction
    ins = ins.select("declaration_id", "item_no", "result", "additional_revenue")
    # one label per item, whatever the inspections table holds
    ins = ins.group_by(["declaration_id", "item_no"]).aggregate(
        found=ins.result.isin(FOUND_RESULTS).any(),
        inspected=ins.result.notnull().any(),
        revenue=ins.additional_revenue.sum(),
    )
    j = hits.left_join(ins, ["declaration_id", "item_no"])
    found = j.found.fill_null(False)
    stats = j.group_by("rule").aggregate(
        items=j.count(),
        inspected=j.inspected.fill_null(False).cast("int64").sum(),
        frauds=found.cast("int64").sum(),
        revenue=ibis.ifelse(found, j.revenue.fill_null(0.0), 0.0).sum(),
        last_hit=j.lodged_at.max(),
    )
    out = {}
    for row in stats.to_pyarrow().to_pylist():
        inspected = int(row["inspected"] or 0)
        frauds = int(row["frauds"] or 0)
        out[row["rule"]] = {
            "items": int(row["items"]),
            "inspected": inspected,
            "frauds": frauds,
            "hit_rate": frauds / inspected if inspected else None,
            "revenue": float(row["revenue"] or 0.0),
            "last_hit": row["last_hit"],
        }
    return out
