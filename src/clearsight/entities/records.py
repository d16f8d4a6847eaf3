"""The records entity resolution compares: every registered party and every person or company a
seizure names, in one shape, with their names, addresses and contacts normalised.

A record is ``party:<party_id>`` (importers, declarants, sellers, carriers of ``parties``) or
``seizure:<seizure_id>:<party_no>`` (``seizure_parties``). A party's identifier is its party_id; a
seizure party's is the identifier the officer recorded (a trader id, a passport number), if any.
"""

from __future__ import annotations

from collections import Counter

import ibis
import pyarrow as pa

from clearsight.core.warehouse import Warehouse
from clearsight.entities.normalise import address_form, email_form, name_parts, name_skeleton, phone_form

#: Columns of a record, as resolution reads them.
RECORD_COLUMNS = (
    "record_id",
    "source",
    "role",
    "kind",
    "name",
    "address",
    "country",
    "identifier",
    "phone",
    "email",
    "context_ids",
)


def warehouse_records(warehouse: Warehouse) -> pa.Table:
    """Every party and seizure party of the warehouse, as records (not yet normalised). A seizure
    party made on a declaration carries ``context_ids``: the records of the declaration's importer,
    declarant and seller (``party:<id>;...``)."""
    parties = warehouse.table("parties")
    sp = warehouse.table("seizure_parties")
    left = parties.select(
        record_id="party:" + parties.party_id,
        source=ibis.literal("parties"),
        role=parties.role,
        kind=ibis.literal("company"),
        name=parties.name,
        address=parties.address,
        country=parties.country,
        identifier=parties.party_id,
        phone=parties.phone,
        email=parties.email,
        context_ids=ibis.null("string"),
    )
    # the traders the seizure's declaration names, by id: whom a seizure party known by name only can be
    seizures = warehouse.table("seizures")
    decl = warehouse.table("declarations")
    named = (
        decl.filter(decl.declaration_id.isin(seizures.declaration_id))
        .group_by("declaration_id")
        .aggregate(
            importer=decl.importer_id.min(), declarant=decl.declarant_id.min(), seller=decl.seller_id.min()
        )
    )
    context = seizures.select("seizure_id", "declaration_id").inner_join(named, "declaration_id")
    context = context.select(
        "seizure_id",
        context_ids=ibis.literal("party:")
        + context.importer.fill_null("")
        + ";party:"
        + context.declarant.fill_null("")
        + ";party:"
        + context.seller.fill_null(""),
    )
    sp = sp.left_join(context, "seizure_id")
    sp = sp.drop(*[c for c in sp.columns if c.endswith("_right")])
    right = sp.select(
        record_id="seizure:" + sp.seizure_id + ":" + sp.party_no.cast("string"),
        source=ibis.literal("seizure_parties"),
        role=sp.role,
        kind=sp.kind.fill_null("company"),
        name=sp.name,
        address=sp.address,
        country=sp.country,
        identifier=sp.identifier,
        phone=sp.phone,
        email=sp.email,
        context_ids=sp.context_ids,
    )
    return left.union(right).order_by("record_id").to_pyarrow()


#: A blocking key more records than this share says too little to compare on: it is dropped for them
#: (the name key, address and contacts still block them). Without the cap, a million records whose
#: names start with one long word would all be compared with each other.
BLOCK_CAP = 20
#: Letters of the name key, spaces dropped, in the prefix blocking key.
PREFIX_LETTERS = 14


def _rare(values: list[str]) -> list[str]:
    """``values`` with those more than ``BLOCK_CAP`` records share blanked."""
    counts = Counter(values)
    return [v if counts[v] <= BLOCK_CAP else "" for v in values]


def normalised(records: pa.Table) -> pa.Table:
    """``records`` with the columns resolution compares: ``name_core``, ``legal_form``, ``name_key``,
    ``name_first``, ``name_last``, ``address_norm``, ``phone_norm``, ``email_norm``,
    ``identifier_norm``; and blocking keys a typing slip does not move: ``name_skeleton`` (the key's
    consonants), ``name_prefix`` (its first ``PREFIX_LETTERS`` letters without spaces), ``name_ends``
    (its first and last words), each blank where more than ``BLOCK_CAP`` records share it. Empty
    values are nulls, so that two missing values never agree."""
    names = records.column("name").to_pylist()
    parts = [name_parts(n) for n in names]
    keys = [p[2] for p in parts]

    def col(values: list[str]) -> pa.Array:
        return pa.array([v or None for v in values], pa.string())

    first = [k.split(" ")[0] if k else "" for k in keys]
    last = [k.split(" ")[-1] if k else "" for k in keys]
    ident = [(i or "").strip().upper().replace(" ", "") for i in records.column("identifier").to_pylist()]
    return (
        records.append_column("name_core", col([p[0] for p in parts]))
        .append_column("legal_form", col([p[1] for p in parts]))
        .append_column("name_key", col(keys))
        .append_column("name_first", col(first))
        .append_column("name_last", col(last))
        .append_column("name_skeleton", col(_rare([name_skeleton(k) for k in keys])))
        .append_column("name_prefix", col(_rare([k.replace(" ", "")[:PREFIX_LETTERS] for k in keys])))
        .append_column(
            "name_ends", col(_rare([f"{a} {b}" if a else "" for a, b in zip(first, last, strict=True)]))
        )
        .append_column("address_norm", col([address_form(a) for a in records.column("address").to_pylist()]))
        .append_column("phone_norm", col([phone_form(p) for p in records.column("phone").to_pylist()]))
        .append_column("email_norm", col([email_form(e) for e in records.column("email").to_pylist()]))
        .append_column("identifier_norm", col(ident))
    )


__all__ = ["BLOCK_CAP", "PREFIX_LETTERS", "RECORD_COLUMNS", "normalised", "warehouse_records"]
