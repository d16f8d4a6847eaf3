"""Where resolution keeps its results and the reviewers' decisions: warehouse tables declared in
``clearsight.schema.derived`` (``entity_pairs``, ``entity_clusters``, ``entity_reviews``). A decision
is also written to the audit log, so who merged or split which traders can always be shown.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from clearsight.core.errors import UserError
from clearsight.core.warehouse import Warehouse
from clearsight.entities.resolve import Decision, Resolution
from clearsight.schema.derived import ENTITY_CLUSTERS, ENTITY_PAIRS, ENTITY_REVIEWS

DECISIONS = ("same", "different")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def save_resolution(warehouse: Warehouse, resolution: Resolution) -> None:
    """Replace the stored pairs and entities by this run's."""
    at = _now()
    pairs = resolution.pairs.append_column(
        "resolved_at", pa.array([at] * resolution.pairs.num_rows, pa.timestamp("s"))
    )
    clusters = resolution.clusters.append_column(
        "resolved_at", pa.array([at] * resolution.clusters.num_rows, pa.timestamp("s"))
    )
    warehouse.replace(
        ENTITY_PAIRS.name, pairs.select(ENTITY_PAIRS.arrow_schema().names).cast(ENTITY_PAIRS.arrow_schema())
    )
    warehouse.replace(
        ENTITY_CLUSTERS.name,
        clusters.select(ENTITY_CLUSTERS.arrow_schema().names).cast(ENTITY_CLUSTERS.arrow_schema()),
    )


def decisions(warehouse: Warehouse) -> list[Decision]:
    """The latest decision on each pair."""
    rows = warehouse.table(ENTITY_REVIEWS.name).order_by("decided_at").to_pyarrow().to_pylist()
    latest: dict[tuple[str, str], str] = {}
    for r in rows:
        latest[tuple(sorted((r["left_id"], r["right_id"])))] = r["decision"]
    return [Decision(a, b, d) for (a, b), d in latest.items()]  # type: ignore[arg-type]


def review_queue(warehouse: Warehouse, limit: int = 50) -> list[dict[str, Any]]:
    """Pairs waiting for a decision, the most uncertain (nearest 0.5) first, with both records."""
    pairs = warehouse.table(ENTITY_PAIRS.name)
    queue = pairs.filter(pairs.status == "review")
    queue = queue.order_by((queue.match_probability - 0.5).abs()).limit(limit).to_pyarrow().to_pylist()
    if not queue:
        return []
    ids = sorted({r["left_id"] for r in queue} | {r["right_id"] for r in queue})
    records = _records(warehouse, ids)
    return [
        {
            "left": records.get(r["left_id"], {"record_id": r["left_id"]}),
            "right": records.get(r["right_id"], {"record_id": r["right_id"]}),
            "match_probability": round(r["match_probability"], 4),
        }
        for r in queue
    ]


def _records(warehouse: Warehouse, ids: list[str]) -> dict[str, dict[str, Any]]:
    from clearsight.entities.records import warehouse_records

    table = warehouse_records(warehouse)
    wanted = set(ids)
    return {r["record_id"]: r for r in table.to_pylist() if r["record_id"] in wanted}


def record_decision(
    warehouse: Warehouse,
    store: Any,
    left_id: str,
    right_id: str,
    decision: str,
    *,
    actor: str,
    role: str,
    note: str = "",
) -> Decision:
    """Store a reviewer's decision on a pair and write it to the audit log; the next run applies it."""
    if decision not in DECISIONS:
        raise UserError(f"decision must be one of {', '.join(DECISIONS)}, got {decision!r}")
    if left_id == right_id:
        raise UserError(f"a record is always the same entity as itself: {left_id}")
    known = set(_records(warehouse, [left_id, right_id]))
    missing = [r for r in (left_id, right_id) if r not in known]
    if missing:
        raise UserError(
            f"no such record: {', '.join(missing)} (records are party:<party_id> or seizure:<seizure_id>:<party_no>)"
        )
    from clearsight.access import record as audit_record

    a, b = sorted((left_id, right_id))
    audit_record(
        store, actor=actor, role=role, action="entities.decide", resource=f"entity-pair/{a}|{b}",
        filter={"decision": decision, "note": note}, client="cli",
    )  # fmt: skip
    row = {
        "left_id": a,
        "right_id": b,
        "decision": decision,
        "decided_by": actor,
        "decided_at": _now(),
        "note": note,
    }
    warehouse.insert(ENTITY_REVIEWS.name, pa.Table.from_pylist([row], schema=ENTITY_REVIEWS.arrow_schema()))
    return Decision(a, b, decision)  # type: ignore[arg-type]


def resolve_warehouse(
    warehouse: Warehouse,
    *,
    backend: str = "duckdb",
    accept: float | None = None,
    review: float | None = None,
    truth_groups: list[list[str]] | None = None,
) -> Resolution:
    """Resolve every party and seizure party of the warehouse, apply the stored decisions, and store
    the pairs and entities (``entity_pairs``, ``entity_clusters``)."""
    from clearsight.entities.records import normalised, warehouse_records
    from clearsight.entities.resolve import ACCEPT, REVIEW, resolve_records

    records = normalised(warehouse_records(warehouse))
    resolution = resolve_records(
        records,
        decisions=decisions(warehouse),
        backend=backend,  # type: ignore[arg-type]
        accept=ACCEPT if accept is None else accept,
        review=REVIEW if review is None else review,
        truth_groups=truth_groups,
    )
    save_resolution(warehouse, resolution)
    return resolution


__all__ = [
    "DECISIONS",
    "decisions",
    "record_decision",
    "resolve_warehouse",
    "review_queue",
    "save_resolution",
]
