"""Who a trader is and who it is close to, from the stored resolution: an entity's records (its ids,
names, and the match probabilities that joined them), and its network: other entities that give the
same address, telephone or e-mail, and the brokers (declarants) that lodge for it.

Post-clearance auditors and analysts read an entity, not a trader id: a company under two ids, or a
phoenix and its predecessor, is one history. The network is a lead, not an identity: a broker that
fronts for a ring gives its own telephone to every importer of the ring.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from clearsight.core.errors import UserError
from clearsight.core.warehouse import Warehouse
from clearsight.schema.derived import ENTITY_CLUSTERS, ENTITY_PAIRS

#: Contact fields that make two entities neighbours when they share a value.
SHARED_FIELDS = (("address_norm", "address"), ("phone_norm", "telephone"), ("email_norm", "e-mail"))


def entity_map(warehouse: Warehouse) -> dict[str, str]:
    """Every record's entity (``party:<id>`` or ``seizure:<id>:<n>`` -> entity id), from the last run."""
    table = warehouse.table(ENTITY_CLUSTERS.name).select("record_id", "entity_id").to_pyarrow()
    if table.num_rows == 0:
        raise UserError("no entities yet: run 'clearsight entities resolve' first")
    return dict(
        zip(table.column("record_id").to_pylist(), table.column("entity_id").to_pylist(), strict=True)
    )


def party_entity(entities: dict[str, str], party_id: str | None) -> str | None:
    """The entity of a trader id (its own record's id when the last run did not see it)."""
    if not party_id:
        return None
    record = f"party:{party_id}"
    return entities.get(record, record)


def entity_of_party(warehouse: Warehouse, party_id: str) -> str | None:
    """The entity a trader id belongs to, or None when no resolution holds it."""
    t = warehouse.table(ENTITY_CLUSTERS.name)
    rows = t.filter(t.record_id == f"party:{party_id}").select("entity_id").limit(1).to_pyarrow().to_pylist()
    return rows[0]["entity_id"] if rows else None


def members(warehouse: Warehouse, entity_id: str) -> dict[str, Any] | None:
    """An entity's records (name, role, address, country, identifier, contacts) and the pairs that
    join them, with their match probability and status; None when there is no such entity."""
    from clearsight.entities.records import warehouse_records

    c = warehouse.table(ENTITY_CLUSTERS.name)
    ids = c.filter(c.entity_id == entity_id).select("record_id").to_pyarrow().column("record_id").to_pylist()
    if not ids:
        return None
    wanted = set(ids)
    records = [r for r in warehouse_records(warehouse).to_pylist() if r["record_id"] in wanted]
    p = warehouse.table(ENTITY_PAIRS.name)
    pairs = (
        p.filter(p.left_id.isin(ids) & p.right_id.isin(ids))
        .select("left_id", "right_id", "match_probability", "status")
        .order_by([p.match_probability.desc(), "left_id", "right_id"])
        .to_pyarrow()
        .to_pylist()
    )
    party_ids = sorted(r["identifier"] for r in records if r["source"] == "parties" and r["identifier"])
    return {
        "entity_id": entity_id,
        "name": _display_name(records),
        "party_ids": party_ids,
        "records": sorted(records, key=lambda r: r["record_id"]),
        "pairs": pairs,
    }


def _display_name(records: list[dict[str, Any]]) -> str:
    """The name the register gives most often (a seizure's spelling only when the register has none)."""
    names = [r["name"] for r in records if r["source"] == "parties" and r["name"]] or [
        r["name"] for r in records if r["name"]
    ]
    return max(sorted(set(names)), key=names.count) if names else "(no name)"


def contact_neighbours(
    warehouse: Warehouse, entity_ids: set[str] | None = None
) -> dict[str, list[dict[str, str]]]:
    """For each entity (of ``entity_ids``, or every one), the other entities whose records give one of
    its addresses, telephones or e-mails: ``[{"entity_id", "via", "value"}]``, each neighbour once per
    field it shares."""
    from clearsight.entities.records import normalised, warehouse_records

    entities = entity_map(warehouse)
    records = normalised(warehouse_records(warehouse))
    by_value: dict[tuple[str, str], set[str]] = {}
    columns = records.select(["record_id", *(f for f, _ in SHARED_FIELDS)]).to_pylist()
    for r in columns:
        entity = entities.get(r["record_id"], r["record_id"])
        for field, _ in SHARED_FIELDS:
            if r[field]:
                by_value.setdefault((field, r[field]), set()).add(entity)
    label = dict(SHARED_FIELDS)
    out: dict[str, dict[tuple[str, str], dict[str, str]]] = {}
    for (field, value), group in by_value.items():
        if len(group) < 2:
            continue
        for e in group:
            if entity_ids is not None and e not in entity_ids:
                continue
            for other in group - {e}:
                out.setdefault(e, {})[(other, field)] = {
                    "entity_id": other,
                    "via": label[field],
                    "value": value,
                }
    return {e: sorted(v.values(), key=lambda n: (n["entity_id"], n["via"])) for e, v in out.items()}


def names_of(warehouse: Warehouse, entity_ids: list[str]) -> dict[str, str]:
    """A display name for each entity of ``entity_ids`` (the register's most frequent spelling)."""
    from clearsight.entities.records import warehouse_records

    if not entity_ids:
        return {}
    c = warehouse.table(ENTITY_CLUSTERS.name)
    rows = c.filter(c.entity_id.isin(entity_ids)).select("record_id", "entity_id").to_pyarrow().to_pylist()
    of = {r["record_id"]: r["entity_id"] for r in rows}
    grouped: dict[str, list[dict[str, Any]]] = {}
    records = warehouse_records(warehouse)
    wanted = pa.array(list(of))
    import pyarrow.compute as pc

    for r in records.filter(pc.is_in(records.column("record_id"), wanted)).to_pylist():
        grouped.setdefault(of[r["record_id"]], []).append(r)
    return {e: _display_name(grouped.get(e, [])) for e in entity_ids}


__all__ = [
    "SHARED_FIELDS",
    "contact_neighbours",
    "entity_map",
    "entity_of_party",
    "members",
    "names_of",
    "party_entity",
]
