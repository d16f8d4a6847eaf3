"""The one store of lane decisions, batch and real time, with one set of columns.

Where decisions live:

- the warehouse table ``selections`` (:mod:`clearsight.selectivity.selections`) is the store of
  record: every decision, ``channel`` batch (``clearsight select``, one ``selection_id`` per run) or
  realtime (the scoring API, one ``selection_id`` per request). The indicators, the rule statistics,
  the feedback loop and the portal's declaration page read it, through :func:`lane_decisions`.
- the app store table ``decisions`` is the **outbox** of real-time decisions, with the same columns:
  the scoring API commits a request's decisions there with its audit entry (the portal's group
  commit) before it answers, so a decision is durable when answered and the API never waits for the
  warehouse file, which a command may hold. An officer's change of an item's lane (the portal's
  "change lane", channel ``officer``, ``selected_by`` officer, the reason in ``reasons``) goes the
  same way: a decision like the others, made by a person and kept with its audit entry.

:func:`move_decisions` moves the outbox's rows into ``selections``; whoever holds the warehouse runs
it: :func:`lane_decisions` (so every reader sees every decision), ``clearsight select`` and the
portal, now and then after scoring, when the warehouse is free. A row is moved exactly once: the rows
not yet marked are inserted unless ``selections`` already holds their (selection_id, declaration_id,
item_no), then marked (``moved_at``); a crash between the insert and the mark leaves rows that the
next move finds already there, inserts nothing for and marks.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterable
from typing import Any

import ibis.expr.types as ir
import pyarrow as pa
from sqlalchemy import Table, func, select, update

from clearsight.core.store import Store
from clearsight.core.store.models import Decision, utcnow
from clearsight.core.warehouse import Warehouse
from clearsight.schema.derived import OFFICER_CHANNEL
from clearsight.selectivity.selections import ARROW_SCHEMA, TABLE, selections_table
from clearsight.selectivity.why import stored_why

REALTIME = "realtime"
#: An officer's change of the lane the system decided (the portal's "change lane").
OFFICER = OFFICER_CHANNEL
#: The channels that reach ``selections`` through the outbox.
OUTBOX_CHANNELS = (REALTIME, OFFICER)
OUTBOX: Table = Decision.__table__
#: Outbox rows moved per warehouse insert.
MOVE_ROWS = 5_000
#: Identity of a decision in ``selections`` (a request's selection_id is unique).
IDENTITY = ("selection_id", "declaration_id", "item_no")


def realtime_selection_id(decided_at: dt.datetime) -> str:
    """The ``selection_id`` of one request's decisions (as a batch run's, with ``rt-``)."""
    return f"rt-{decided_at:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}"


def outbox_rows(decisions: Iterable[Any], *, decided_by: str, decided_at: dt.datetime | None = None) -> list[tuple[Table, dict]]:
    """The outbox rows of one request's decisions (:class:`clearsight.selectivity.realtime.ItemDecision`),
    as ``(table, values)`` pairs to commit with the request's audit entry."""
    decided_at = decided_at or utcnow()
    selection_id = realtime_selection_id(decided_at)
    return [
        (
            OUTBOX,
            {
                "selection_id": selection_id,
                "channel": REALTIME,
                "decided_at": decided_at,
                "declaration_id": d.declaration_id,
                "item_no": d.item_no,
                "office_id": d.office_id,
                "lodged_at": d.lodged_at,
                "lane": d.lane,
                "selected_by": d.selected_by,
                "random_control": d.random_control,
                "exploration": d.exploration,
                "rules_hit": d.rules_hit or [],
                "model_version": d.model_version,
                "score": d.score,
                "fraud_probability": d.fraud_probability,
                "expected_revenue": d.expected_revenue,
                "decided_by": decided_by,
                "reasons": d.reasons,
            },
        )
        for d in decisions
    ]


def lane_change_row(
    item: dict[str, Any], lane: str, reason: str, *, decided_by: str, decided_at: dt.datetime | None = None
) -> tuple[Table, dict]:
    """The outbox row of an officer's lane change for one goods item (``item``: its declaration_id,
    item_no, office_id and lodged_at), to commit with its audit entry."""
    decided_at = decided_at or utcnow()
    return (
        OUTBOX,
        {
            "selection_id": f"officer-{decided_at:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}",
            "channel": OFFICER,
            "decided_at": decided_at,
            "declaration_id": item["declaration_id"],
            "item_no": item["item_no"],
            "office_id": item["office_id"],
            "lodged_at": item["lodged_at"],
            "lane": lane,
            "selected_by": OFFICER,
            "random_control": False,
            "exploration": False,
            "rules_hit": [],
            "model_version": None,
            "score": None,
            "fraud_probability": None,
            "expected_revenue": None,
            "decided_by": decided_by,
            "reasons": [reason],
        },
    )


def latest_decision(warehouse: Warehouse, store: Store | None, declaration_id: str, item_no: int) -> dict | None:
    """The item's latest lane decision, of any channel (:func:`lane_decisions`), or None."""
    t = lane_decisions(warehouse, store)
    t = t.filter((t.declaration_id == declaration_id) & (t.item_no == item_no))
    rows = t.order_by(t.decided_at.desc()).limit(1).to_pyarrow().to_pylist()
    return rows[0] if rows else None


def pending_decisions(store: Store, limit: int | None = None) -> tuple[list[int], pa.Table]:
    """The outbox rows not moved yet, oldest first: their ids and the rows as ``selections`` columns
    (a row written before the outbox had a selection_id gets ``rt-<id>``)."""
    query = (
        select(OUTBOX.c.id, *(OUTBOX.c[name] for name in ARROW_SCHEMA.names))
        .where(OUTBOX.c.moved_at.is_(None))
        .order_by(OUTBOX.c.id)
    )
    if limit is not None:
        query = query.limit(limit)
    with store.session() as s:
        found = s.execute(query).mappings().all()
    rows = [
        {
            **row,
            "selection_id": row["selection_id"] or f"rt-{row['id']}",
            "channel": row["channel"] or REALTIME,
            "rules_hit": row["rules_hit"] or [],
            "reasons": row["reasons"] or [],
        }
        for row in found
    ]
    return [row["id"] for row in found], pa.Table.from_pylist(rows, schema=ARROW_SCHEMA)


def held_since(warehouse: Warehouse, oldest: dt.datetime) -> set[tuple]:
    """The identities (:data:`IDENTITY`) of the outbox's decisions ``selections`` holds that were
    decided at ``oldest`` or later: the only ones a pending row can be (read as a time range, one
    query per move: an IN list of every request id takes longer to compile than to run)."""
    t = selections_table(warehouse)
    recent = t.filter(t.channel.isin(OUTBOX_CHANNELS) & (t.decided_at >= oldest))
    held = recent.select(*IDENTITY).to_pyarrow()
    return set(zip(*(held[c].to_pylist() for c in IDENTITY), strict=True))


def not_in(rows: pa.Table, held: set[tuple]) -> pa.Table:
    """The ``rows`` whose identity is not in ``held``."""
    if not held or rows.num_rows == 0:
        return rows
    keys = zip(*(rows[c].to_pylist() for c in IDENTITY), strict=True)
    return rows.filter(pa.array([key not in held for key in keys]))


def mark_moved(store: Store, ids: list[int], at: dt.datetime | None = None) -> None:
    """Mark outbox rows as moved into ``selections``."""
    at = at or utcnow()
    with store.session() as s:
        for start in range(0, len(ids), 500):
            s.execute(update(OUTBOX).where(OUTBOX.c.id.in_(ids[start : start + 500])).values(moved_at=at))


def move_decisions(store: Store, warehouse: Warehouse, *, batch: int = MOVE_ROWS, pause_s: float = 0.0) -> int:
    """Move the outbox's real-time decisions into ``selections``, exactly once, ``batch`` rows at a
    time (``pause_s`` between batches); returns the rows inserted. The caller holds the warehouse (two
    processes moving at once on an engine without a file lock, such as Spark, could both insert)."""
    with store.session() as s:
        oldest = s.execute(select(func.min(OUTBOX.c.decided_at)).where(OUTBOX.c.moved_at.is_(None))).scalar()
    if oldest is None:
        return 0
    held = held_since(warehouse, oldest)  # read once: the rows this move inserts are marked as it goes
    inserted = 0
    first = True
    while True:
        if not first and pause_s:
            time.sleep(pause_s)
        first = False
        ids, rows = pending_decisions(store, batch)
        if not ids:
            return inserted
        new = not_in(rows, held)
        if new.num_rows:
            warehouse.insert(TABLE, new)
        mark_moved(store, ids)
        inserted += new.num_rows
        if len(ids) < batch:
            return inserted


def lane_decisions(warehouse: Warehouse, store: Store | None = None) -> ir.Table:
    """Every lane decision, batch and real time, as one table (the ``selections`` columns). With
    ``store``, the real-time decisions still in its outbox are moved in first (the caller holds the
    warehouse), so none is missing; without, those already moved."""
    if store is not None:
        move_decisions(store, warehouse)
    return selections_table(warehouse)


def declaration_decisions(
    warehouse: Warehouse, store: Store | None, declaration_id: str, limit: int = 50
) -> list[dict]:
    """The decisions of one declaration's items, latest first (:func:`lane_decisions`), each with
    ``why``: who selected its lane and what the rules hit asked for, in one sentence
    (:func:`clearsight.selectivity.why.stored_why`; the rules' lanes from ``store``, where given)."""
    t = lane_decisions(warehouse, store)
    t = t.filter(t.declaration_id == declaration_id)
    rows = t.order_by([t.decided_at.desc(), t.item_no]).limit(limit).to_pyarrow().to_pylist()
    rule_lanes = {}
    if store is not None and any(row["rules_hit"] for row in rows):
        from clearsight.rules import list_rules

        rule_lanes = {stored.rule.name: stored.rule.lane for stored in list_rules(store)}
    return [{**row, "why": stored_why(row, rule_lanes)} for row in rows]
