"""Entity resolution for risk analysts and auditors: which importers, exporters, brokers and persons
named in declarations, the trader register and seizure records are one and the same, with a match
probability per pair, the entities, and a review queue whose decisions are audited and kept; each
entity's records and network; and post-clearance audit candidates ranked by expected revenue at risk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.core.exports import lazy_exports

if TYPE_CHECKING:
    from clearsight.entities.candidates import Period, audit_candidates, hs_flags, last_months, parse_period
    from clearsight.entities.network import (
        contact_neighbours,
        entity_map,
        entity_of_party,
        members,
        names_of,
        party_entity,
    )
    from clearsight.entities.normalise import address_form, email_form, name_parts, phone_form, plain
    from clearsight.entities.records import normalised, warehouse_records
    from clearsight.entities.resolve import (
        ACCEPT,
        REVIEW,
        Decision,
        Resolution,
        pairwise_quality,
        resolve_records,
    )
    from clearsight.entities.store import decisions, record_decision, resolve_warehouse, review_queue

__all__ = [
    "ACCEPT",
    "REVIEW",
    "Decision",
    "Period",
    "Resolution",
    "address_form",
    "audit_candidates",
    "contact_neighbours",
    "decisions",
    "email_form",
    "entity_map",
    "entity_of_party",
    "hs_flags",
    "last_months",
    "members",
    "name_parts",
    "names_of",
    "normalised",
    "pairwise_quality",
    "parse_period",
    "party_entity",
    "phone_form",
    "plain",
    "record_decision",
    "resolve_records",
    "resolve_warehouse",
    "review_queue",
    "warehouse_records",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Period": "candidates",
        "audit_candidates": "candidates",
        "hs_flags": "candidates",
        "last_months": "candidates",
        "parse_period": "candidates",
        "contact_neighbours": "network",
        "entity_map": "network",
        "entity_of_party": "network",
        "members": "network",
        "names_of": "network",
        "party_entity": "network",
        "address_form": "normalise",
        "email_form": "normalise",
        "name_parts": "normalise",
        "phone_form": "normalise",
        "plain": "normalise",
        "normalised": "records",
        "warehouse_records": "records",
        "ACCEPT": "resolve",
        "REVIEW": "resolve",
        "Decision": "resolve",
        "Resolution": "resolve",
        "pairwise_quality": "resolve",
        "resolve_records": "resolve",
        "decisions": "store",
        "record_decision": "store",
        "resolve_warehouse": "store",
        "review_queue": "store",
    },
)
