"""Warehouse reads of the trader pages: an entity (every trader id and record entity resolution put
together), its declarations, results, seizures, network and monthly risk, each read within the
caller's offices. Every declaration-level read starts at :func:`clearsight.portal.queries.declarations_in`,
so an officer sees a trader only through the declarations of their offices."""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from clearsight.core.warehouse import Warehouse
from clearsight.entities import contact_neighbours, entity_of_party, members, names_of, plain
from clearsight.portal.listing import Filter, Listing, ListSpec, filter_table, page_table
from clearsight.portal.queries import KEY, decided_lanes, declarations_in, item_results
from clearsight.schema.derived import ENTITY_CLUSTERS
from clearsight.schema.measures import FOUND_RESULTS

#: The columns of a trader's declarations list, and the role the trader plays on each item.
TRADER_ITEM_COLUMNS = (
    "declaration_id", "item_no", "lodged_at", "office_id", "role", "hs_code", "country_of_origin",
    "customs_value", "duty_tax_amount", "result", "additional_revenue",
)  # fmt: skip
TRADER_ITEMS = ListSpec(
    name="trader_items",
    columns=TRADER_ITEM_COLUMNS,
    sortable=("lodged_at", "declaration_id", "office_id", "hs_code", "customs_value", "duty_tax_amount", "result"),
    default_sort="lodged_at",
    descending_first=("lodged_at", "customs_value", "duty_tax_amount"),
    filters=(
        Filter("role", "as", "choice", "role", choices=("importer", "declarant", "seller")),
        Filter("result", "result", "choice", "result", choices=("compliant", "fraud", "critical", "uninspected"),
               empty="uninspected"),
        Filter("lodged_from", "lodged from", "date_from", "lodged_at"),
        Filter("lodged_to", "lodged to", "date_to", "lodged_at"),
    ),
    page_size=25,
)  # fmt: skip
#: Entities a search answers at most.
SEARCH_LIMIT = 50


def resolved(wh: Warehouse) -> bool:
    """Whether entity resolution has run (the trader pages read its entities)."""
    return wh.has_table(ENTITY_CLUSTERS.name) and int(wh.table(ENTITY_CLUSTERS.name).count().execute()) > 0


def entity_id_of(wh: Warehouse, key: str) -> str | None:
    """The entity a page address names: an entity id (``party:...``, ``seizure:...``) or a trader id."""
    if key.startswith(("party:", "seizure:")):
        c = wh.table(ENTITY_CLUSTERS.name)
        found = c.filter(c.entity_id == key).select("entity_id").limit(1).to_pyarrow()
        return key if found.num_rows else None
    return entity_of_party(wh, key)


def _items_of(wh: Warehouse, party_ids: list[str], offices: list[str] | None) -> ir.Table:
    """The goods items naming any of ``party_ids`` as importer, declarant or seller, within ``offices``,
    with the role and the result in force."""
    d = declarations_in(wh, offices)
    roles = ibis.cases(
        (d.importer_id.isin(party_ids), "importer"),
        (d.declarant_id.isin(party_ids), "declarant"),
        (d.seller_id.isin(party_ids), "seller"),
        else_=ibis.null("string"),
    )
    mine = d.filter(
        d.importer_id.isin(party_ids) | d.declarant_id.isin(party_ids) | d.seller_id.isin(party_ids)
    )
    mine = mine.mutate(role=roles)
    i = item_results(wh).select(*KEY, "result", "additional_revenue")
    joined = mine.left_join(i, list(KEY))
    return joined.drop(*[c for c in joined.columns if c.endswith("_right")])


def _present(wh: Warehouse, party_ids: list[str], offices: list[str] | None) -> set[str]:
    """Which of ``party_ids`` a declaration within ``offices`` names (as importer, declarant or seller)."""
    d = declarations_in(wh, offices)
    seen = d.filter(
        d.importer_id.isin(party_ids) | d.declarant_id.isin(party_ids) | d.seller_id.isin(party_ids)
    )
    present: set[str] = set()
    for col in ("importer_id", "declarant_id", "seller_id"):
        present |= set(seen.select(col).distinct().to_pyarrow().column(col).to_pylist())
    return present & set(party_ids)


def visible(wh: Warehouse, entity_id: str, offices: list[str] | None) -> dict[str, Any] | None:
    """The entity's records, when the caller may see it: anyone with every office; an office-bound
    caller only when one of its declarations is within their offices (None otherwise, the same answer
    as for an entity that does not exist)."""
    found = members(wh, entity_id)
    if found is None:
        return None
    if offices is not None and not (found["party_ids"] and _present(wh, found["party_ids"], offices)):
        return None
    return found


def items(
    wh: Warehouse, party_ids: list[str], offices: list[str] | None, listing: Listing
) -> tuple[list[dict], int]:
    """A window of the trader's goods items under the listing's filters, sort and paging, and the total."""
    t = _items_of(wh, party_ids, offices).select(*TRADER_ITEM_COLUMNS)
    return page_table(filter_table(t, listing), listing, tie=KEY)


def summary(wh: Warehouse, party_ids: list[str], offices: list[str] | None) -> dict[str, Any]:
    """Totals of the trader's items: as importer, declarant and seller; inspected, frauds found and the
    revenue they added (results in force)."""
    t = _items_of(wh, party_ids, offices)
    found = t.result.isin(FOUND_RESULTS).fill_null(False)
    row = (
        t.aggregate(
            items=t.count(),
            declarations=t.declaration_id.nunique(),
            first=t.lodged_at.min(),
            last=t.lodged_at.max(),
            customs_value=t.customs_value.sum(),
            duty=t.duty_tax_amount.sum(),
            inspected=t.result.notnull().sum(),
            frauds=found.sum(),
            revenue_recovered=ibis.ifelse(found, t.additional_revenue, 0.0).sum(),
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    by_role = t.group_by("role").aggregate(items=t.count()).to_pyarrow().to_pylist()
    row["by_role"] = {r["role"]: r["items"] for r in by_role}
    for k in ("inspected", "frauds"):
        row[k] = int(row[k] or 0)
    row["hit_rate"] = row["frauds"] / row["inspected"] if row["inspected"] else None
    return row


def monthly(wh: Warehouse, party_ids: list[str], offices: list[str] | None) -> list[dict[str, Any]]:
    """Per month of the trader's items: items, mean model score of the last batch selection, inspected,
    frauds found."""
    t = _items_of(wh, party_ids, offices)
    scored = t.left_join(decided_lanes(wh).select(*KEY, "score"), list(KEY))
    scored = scored.drop(*[c for c in scored.columns if c.endswith("_right")])
    month = scored.lodged_at.truncate("M").cast("date").name("month")
    rows = (
        scored.group_by(month)
        .aggregate(
            items=scored.count(),
            mean_score=scored.score.mean(),
            inspected=scored.result.notnull().sum(),
            frauds=scored.result.isin(FOUND_RESULTS).fill_null(False).sum(),
        )
        .order_by("month")
        .to_pyarrow()
        .to_pylist()
    )
    for r in rows:
        r["month"] = r["month"].isoformat()[:7]
        r["inspected"], r["frauds"] = int(r["inspected"] or 0), int(r["frauds"] or 0)
        r["hit_rate"] = r["frauds"] / r["inspected"] if r["inspected"] else None
    return rows


def seizures(wh: Warehouse, record_ids: list[str], offices: list[str] | None) -> list[dict[str, Any]]:
    """The seizures naming the entity (its seizure records), within ``offices``, newest first, with how
    the seizure wrote the trader."""
    named = [r.split(":") for r in record_ids if r.startswith("seizure:")]
    if not named:
        return []
    ids = sorted({n[1] for n in named})
    s = wh.table("seizures")
    s = s.filter(s.seizure_id.isin(ids))
    if offices is not None:
        s = s.filter(s.office_id.isin(offices) if offices else ibis.literal(False))
    sp = wh.table("seizure_parties")
    sp = sp.filter(sp.seizure_id.isin(ids)).select("seizure_id", "party_no", "role", "name")
    rows = s.select(
        "seizure_id", "seized_on", "office_id", "commodity", "hs_code", "concealment", "detection_method",
        "declaration_id",
    ).to_pyarrow().to_pylist()  # fmt: skip
    wanted = {(n[1], int(n[2])) for n in named}
    written: dict[str, list[str]] = {}
    for p in sp.to_pyarrow().to_pylist():
        if (p["seizure_id"], p["party_no"]) in wanted:
            written.setdefault(p["seizure_id"], []).append(f"{p['name']} ({p['role']})")
    for r in rows:
        r["named_as"] = written.get(r["seizure_id"], [])
    return sorted(rows, key=lambda r: (r["seized_on"] is None, r["seized_on"]), reverse=True)


def neighbours(
    wh: Warehouse, entity_id: str, party_ids: list[str], offices: list[str] | None
) -> list[dict[str, Any]]:
    """Entities close to this one: those giving one of its addresses, telephones or e-mails, and the
    brokers (declarants) lodging its declarations, with how many items. An office-bound caller sees a
    neighbour only when one of its declarations is within their offices."""
    out: dict[str, dict[str, Any]] = {}
    for n in contact_neighbours(wh, {entity_id}).get(entity_id, []):
        e = out.setdefault(n["entity_id"], {"entity_id": n["entity_id"], "via": [], "items_brokered": 0})
        e["via"].append(f"same {n['via']}")
    if party_ids:
        t = _items_of(wh, party_ids, offices)
        t = t.filter(t.role == "importer")
        brokers = t.group_by("declarant_id").aggregate(items=t.count()).to_pyarrow().to_pylist()
        c = wh.table(ENTITY_CLUSTERS.name)
        ids = [f"party:{b['declarant_id']}" for b in brokers if b["declarant_id"]]
        of = {
            r["record_id"]: r["entity_id"]
            for r in c.filter(c.record_id.isin(ids)).select("record_id", "entity_id").to_pyarrow().to_pylist()
        }
        for b in brokers:
            if not b["declarant_id"]:
                continue
            broker = of.get(f"party:{b['declarant_id']}", f"party:{b['declarant_id']}")
            if broker == entity_id:
                continue
            e = out.setdefault(broker, {"entity_id": broker, "via": [], "items_brokered": 0})
            e["via"].append("its broker")
            e["items_brokered"] += int(b["items"])
    if offices is not None and out:
        c = wh.table(ENTITY_CLUSTERS.name)
        rows = c.filter(c.entity_id.isin(list(out))).select("record_id", "entity_id").to_pyarrow().to_pylist()
        party_of: dict[str, list[str]] = {}
        for r in rows:
            if r["record_id"].startswith("party:"):
                party_of.setdefault(r["entity_id"], []).append(r["record_id"].split(":", 1)[1])
        present = _present(wh, [p for ps in party_of.values() for p in ps], offices)
        out = {e: v for e, v in out.items() if any(p in present for p in party_of.get(e, []))}
    names = names_of(wh, list(out))
    result = [{**v, "name": names.get(e, e)} for e, v in out.items()]
    return sorted(result, key=lambda n: (-n["items_brokered"], n["entity_id"]))


def search(wh: Warehouse, q: str, offices: list[str] | None) -> list[dict[str, Any]]:
    """Entities whose trader id is ``q`` or whose name (any spelling) contains it, as written once
    normalised (``acacia foods`` finds ``ACACIA FOODS LIMITED``); an office-bound caller only finds
    traders with declarations in their offices."""
    from clearsight.entities import warehouse_records

    text = plain(q)
    if not text:
        return []
    c = wh.table(ENTITY_CLUSTERS.name).select("record_id", "entity_id").to_pyarrow().to_pylist()
    of = {r["record_id"]: r["entity_id"] for r in c}
    hits: dict[str, set[str]] = {}
    ident = q.strip().upper()
    for r in warehouse_records(wh).select(["record_id", "source", "name", "identifier"]).to_pylist():
        if (r["source"] == "parties" and r["identifier"] == ident) or text in plain(r["name"]):
            e = of.get(r["record_id"], r["record_id"])
            hits.setdefault(e, set()).add(r["name"] or "")
    entities = sorted(hits)
    if offices is not None and entities:
        parties = {
            e: [k.split(":", 1)[1] for k, v in of.items() if v == e and k.startswith("party:")]
            for e in entities
        }
        present = _present(wh, [p for ps in parties.values() for p in ps], offices)
        entities = [e for e in entities if any(p in present for p in parties[e])]
    entities = entities[:SEARCH_LIMIT]
    names = names_of(wh, entities)
    return [{"entity_id": e, "name": names.get(e, e), "names": sorted(hits[e])} for e in entities]


__all__ = [
    "SEARCH_LIMIT",
    "TRADER_ITEMS",
    "entity_id_of",
    "items",
    "monthly",
    "neighbours",
    "resolved",
    "search",
    "seizures",
    "summary",
    "visible",
]
