"""Network history of each goods item, point in time: who the importer really is, who it is linked to,
and what was known about them before the item was lodged.

Smuggling networks hide behind several trader ids, brokers that front for them, shared offices and
telephones. For each item this module counts, from events known strictly before its ``as_of`` (the
lodgement, or the evaluation cutoff when earlier):

* **entity** — the importer's resolved entity (``entity_clusters``, written by ``clearsight entities
  resolve``; without it each party id is its own entity): inspections, frauds and critical results of
  every item the entity lodged under any of its ids, and the seizures naming it;
* **community** — the importers linked to it by a shared address, telephone or e-mail in the trader
  register, or by being one entity (connected components): the same counts, and the community's size;
* **broker's clients** — critical results and seizures of the entities the item's declarant had
  lodged for, each counted once both the link and the event were known;
* **degree** — distinct declarants the importer's entity used, and distinct entities the declarant
  served, before the item.

A label is known when its inspection ended (as in :mod:`clearsight.risk.history`); a seizure at the
end of the day it was made (``seized_on`` + 1 day: a seizure dated on the day of a lodgement may
have been made after it). Every count is a running sum over time in the warehouse (DuckDB, Spark);
only the trader register and the seizure links — small tables — are grouped in numpy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from clearsight.core.warehouse import Warehouse

#: Network columns per item (NULL when the item names no importer).
NETWORK_COLUMNS = (
    "net_entity_n",
    "net_entity_fraud",
    "net_entity_critical",
    "net_entity_seizures",
    "net_community_n",
    "net_community_fraud",
    "net_community_critical",
    "net_community_seizures",
    "net_community_size",
    "net_broker_clients_critical",
    "net_broker_clients_seizures",
    "net_importer_declarants",
    "net_declarant_entities",
)
#: A seizure record is known at the end of the day it was made.
SEIZURE_KNOWN_AFTER = dt.timedelta(days=1)


@dataclass(frozen=True)
class Graph:
    """The trader graph: party → entity and community, and seizure → entities naming it."""

    parties: pa.Table  # party_id, entity_id, community_id, community_size
    seizures: pa.Table  # entity_id, community_id, known_at
    resolved: bool  # True when entity_clusters gave the entities
    records: int  # party records mapped to an entity by entity_clusters

    @property
    def basis(self) -> str:
        """Which entities the features use, in words (stated by every evaluation)."""
        if self.resolved:
            return f"resolved entities (entity_clusters: {self.records:,} party records)"
        return "party ids (entity resolution has not run: each party id is its own entity)"


def _clusters(warehouse: Warehouse) -> dict[str, str]:
    """record_id → entity_id of the latest ``clearsight entities resolve`` (empty when it never ran)."""
    if not warehouse.has_table("entity_clusters"):
        return {}
    ec = warehouse.table("entity_clusters").select("record_id", "entity_id").to_pyarrow()
    return dict(zip(ec["record_id"].to_pylist(), ec["entity_id"].to_pylist(), strict=True))


def _contact_keys(parties: pa.Table) -> list[list[str]]:
    """Per party, the contact values it shares with others: address, telephone, e-mail (normalised)."""
    from clearsight.entities import address_form, email_form, phone_form

    keys: list[list[str]] = []
    for address, phone, email in zip(
        parties["address"].to_pylist(),
        parties["phone"].to_pylist(),
        parties["email"].to_pylist(),
        strict=True,
    ):
        k = []
        if a := address_form(address):
            k.append("a:" + a)
        if p := phone_form(phone):
            k.append("p:" + p)
        if e := email_form(email):
            k.append("e:" + e)
        keys.append(k)
    return keys


def trader_graph(warehouse: Warehouse) -> Graph:
    """Entities and communities of every party, and the entities each seizure names."""
    clusters = _clusters(warehouse)
    p = warehouse.table("parties").select("party_id", "address", "phone", "email").distinct().to_pyarrow()
    d = warehouse.table("declarations")
    used = (
        d.select(party_id=d.importer_id)
        .union(d.select(party_id=d.declarant_id))
        .filter(lambda t: t.party_id.notnull())
        .distinct()
        .to_pyarrow()
    )
    ids = sorted(set(p["party_id"].to_pylist()) | set(used["party_id"].to_pylist()))
    index = {pid: i for i, pid in enumerate(ids)}
    entity = [clusters.get(f"party:{pid}", f"party:{pid}") for pid in ids]
    # Nodes: parties, then each entity and each contact value; an edge joins a party to both.
    nodes = {f"entity:{e}": len(ids) + i for i, e in enumerate(sorted(set(entity)))}
    rows, cols = [index[pid] for pid in ids], [nodes[f"entity:{e}"] for e in entity]
    for pid, keys in zip(p["party_id"].to_pylist(), _contact_keys(p), strict=True):
        for k in keys:
            rows.append(index[pid])
            cols.append(nodes.setdefault(k, len(ids) + len(nodes)))
    n = len(ids) + len(nodes)
    adjacency = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    _, label = connected_components(adjacency, directed=False)
    community = label[: len(ids)]
    size = np.bincount(community)[community]
    parties = pa.table(
        {
            "party_id": pa.array(ids, pa.string()),
            "entity_id": pa.array(entity, pa.string()),
            "community_id": pa.array(community.astype(np.int64)),
            "community_size": pa.array(size.astype(np.int64)),
        }
    )
    community_of = dict(zip(entity, community.tolist(), strict=True))
    seizures = _seizure_links(warehouse, clusters, community_of)
    resolved = any(k.startswith("party:") for k in clusters)
    return Graph(parties, seizures, resolved, sum(k.startswith("party:") for k in clusters))


def _seizure_links(warehouse: Warehouse, clusters: dict[str, str], community_of: dict[str, int]) -> pa.Table:
    """One row per seizure and entity it names: by the known trader ids of the record (``party_ids``),
    the trader id a person or company of it gives, and — when entities are resolved — every person
    and company of it resolved to an entity."""
    s = warehouse.table("seizures").select("seizure_id", "seized_on", "party_ids").to_pyarrow()
    when = dict(zip(s["seizure_id"].to_pylist(), s["seized_on"].to_pylist(), strict=True))
    links: set[tuple[str, str]] = set()
    for sid, ids in zip(s["seizure_id"].to_pylist(), s["party_ids"].to_pylist(), strict=True):
        for pid in (ids or "").split(";"):
            if pid.strip():
                links.add((sid, clusters.get(f"party:{pid.strip()}", f"party:{pid.strip()}")))
    sp = warehouse.table("seizure_parties")
    sp = sp.select("seizure_id", "party_no", "identifier", "identifier_type").to_pyarrow()
    for sid, no, ident, kind in zip(*(sp[c].to_pylist() for c in sp.column_names), strict=True):
        resolved = clusters.get(f"seizure:{sid}:{no}")
        if resolved is not None:
            links.add((sid, resolved))
        elif ident and kind == "trader_id":
            links.add((sid, clusters.get(f"party:{ident}", f"party:{ident}")))
    rows = sorted((sid, ent) for sid, ent in links if when.get(sid) is not None)
    known = [dt.datetime.combine(when[sid], dt.time()) + SEIZURE_KNOWN_AFTER for sid, _ in rows]
    return pa.table(
        {
            "entity_id": pa.array([e for _, e in rows], pa.string()),
            "community_id": pa.array([community_of.get(e) for _, e in rows], pa.int64()),
            "known_at": pa.array(known, pa.timestamp("us")),
        }
    )


def _running(items: ir.Table, events: ir.Table, key: str, sums: dict[str, str]) -> ir.Table:
    """Per item (declaration_id, item_no): the sums of the events (``k``, ``t``, values) whose ``k`` is
    the item's ``key`` and whose ``t`` is strictly before its ``as_of`` — one window over the union of
    query rows and event rows, queries first on ties."""
    zero = {name: ibis.literal(0, "int64") for name in sums}
    q = items.select(
        k=items[key],
        declaration_id=items.declaration_id,
        item_no=items.item_no,
        t=items.as_of.cast("timestamp"),
        kind=ibis.literal(0, "int8"),
        **zero,
    )
    e = events.select(
        k=events.k,
        declaration_id=ibis.null("string"),
        item_no=ibis.null("int64"),
        t=events.t.cast("timestamp"),
        kind=ibis.literal(1, "int8"),
        **{name: events[col].cast("int64") for name, col in sums.items()},
    )
    u = q.union(e.filter(e.k.notnull()))
    w = ibis.window(group_by=u.k, order_by=[u.t, u.kind], rows=(None, 0))
    u = u.mutate(**{name: u[name].sum().over(w) for name in sums})
    return u.filter(u.kind == 0).select("declaration_id", "item_no", *sums)


#: One timestamp type for the unions of label and seizure events: Spark's tables give ``timestamp``,
#: an Arrow table ``timestamp(6)``, and Ibis unions only equal schemas.
_TS = "timestamp"


def network_history(
    warehouse: Warehouse, items: ir.Table, labels: ir.Table, past: ir.Table, graph: Graph
) -> ir.Table:
    """``items`` (declaration_id, item_no, importer_id, declarant_id, as_of) with the network columns.

    ``labels``: the label rows the caller may use (``known_at``, ``fraud``, ``critical``, importer_id);
    ``past``: the declarations lodged so far (the importer–declarant links).
    """
    parties = warehouse.memtable(graph.parties)
    seized = warehouse.memtable(graph.seizures)
    imp = parties.select(
        importer_id=parties.party_id,
        entity=parties.entity_id,
        community=parties.community_id,
        net_community_size=parties.community_size,
    )
    it = items.left_join(imp, "importer_id").drop("importer_id_right")
    # A party missing from the graph is its own entity; with no importer, no entity (NULL).
    it = it.mutate(
        entity=it.entity.fill_null("party:" + it.importer_id), community=it.community.cast("string")
    )
    it = it.cache()
    lab = labels.left_join(imp, "importer_id").drop("importer_id_right")
    lab = lab.mutate(
        entity=lab.entity.fill_null("party:" + lab.importer_id), community=lab.community.cast("string")
    )

    def events(level: str) -> ir.Table:
        one, nil = ibis.literal(1, "int64"), ibis.literal(0, "int64")
        from_labels = lab.select(
            k=lab[level], t=lab.known_at.cast(_TS), n=one, f=lab.fraud, c=lab.critical, s=nil
        )
        col = seized.entity_id if level == "entity" else seized.community_id.cast("string")
        from_seizures = seized.select(k=col, t=seized.known_at.cast(_TS), n=nil, f=nil, c=nil, s=one)
        return from_labels.union(from_seizures)

    sums = {"n": "n", "fraud": "f", "critical": "c", "seizures": "s"}
    out = it
    for level in ("entity", "community"):
        ev = events(level)
        got = _running(it, ev, level, {f"net_{level}_{name}": col for name, col in sums.items()})
        out = out.left_join(got, ["declaration_id", "item_no"]).drop("declaration_id_right", "item_no_right")

    # Links importer entity – declarant, from the first item that made them.
    pj = past.left_join(imp, "importer_id").drop("importer_id_right")
    pj = pj.mutate(entity=pj.entity.fill_null("party:" + pj.importer_id))
    pj = pj.filter(pj.importer_id.notnull() & pj.declarant_id.notnull())
    link = pj.group_by(["entity", "declarant_id"]).aggregate(since=pj.lodged_at.min()).cache()
    one = link.select(k=link.entity, t=link.since, n=ibis.literal(1, "int64"))
    got = _running(it, one, "entity", {"net_importer_declarants": "n"})
    out = out.left_join(got, ["declaration_id", "item_no"]).drop("declaration_id_right", "item_no_right")
    one = link.select(k=link.declarant_id, t=link.since, n=ibis.literal(1, "int64"))
    got = _running(it, one, "declarant_id", {"net_declarant_entities": "n"})
    out = out.left_join(got, ["declaration_id", "item_no"]).drop("declaration_id_right", "item_no_right")

    # The declarant's clients: a critical result or seizure of an entity reaches the declarant once
    # both the event and the link were known.
    crit = lab.filter(lab.critical == 1).select(
        "entity", t=lab.known_at.cast(_TS), c=ibis.literal(1, "int64")
    )
    crit = crit.mutate(s=ibis.literal(0, "int64"))
    sz = seized.select(entity=seized.entity_id, t=seized.known_at.cast(_TS), c=ibis.literal(0, "int64"))
    sz = sz.mutate(s=ibis.literal(1, "int64"))
    ev = crit.union(sz)
    reach = ev.join(link, "entity")
    reach = reach.select(k=reach.declarant_id, t=ibis.greatest(reach.t, reach.since), c=reach.c, s=reach.s)
    got = _running(
        it, reach, "declarant_id", {"net_broker_clients_critical": "c", "net_broker_clients_seizures": "s"}
    )
    out = out.left_join(got, ["declaration_id", "item_no"]).drop("declaration_id_right", "item_no_right")
    out = out.mutate(net_community_size=out.net_community_size.cast("int64"))
    return out.select("declaration_id", "item_no", *NETWORK_COLUMNS)


def null_unknown(table: pa.Table) -> pa.Table:
    """An item without an importer has no network: its columns are unknown (NULL), not zero; an item
    without a declarant has no broker figures."""
    no_imp = pc.is_null(table["importer_id"])
    no_dec = pc.is_null(table["declarant_id"])
    for c in NETWORK_COLUMNS:
        if c not in table.column_names:
            continue
        missing = no_dec if c.startswith(("net_broker", "net_declarant")) else no_imp
        if pc.any(missing).as_py():
            i = table.column_names.index(c)
            col = table[c]
            table = table.set_column(i, c, pc.if_else(missing, pa.scalar(None, col.type), col))
    return table
