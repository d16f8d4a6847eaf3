"""Entity resolution for risk analysts and auditors: which importers, exporters, brokers and persons
named in declarations, the trader register and seizure records are one and the same, with a match
probability per pair, the entities, and a review queue whose decisions are audited and kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.core.exports import lazy_exports

if TYPE_CHECKING:
    from clearsight.entities.normalise import address_form, email_form, name_parts, phone_form
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
    "Resolution",
    "address_form",
    "decisions",
    "email_form",
    "name_parts",
    "normalised",
    "pairwise_quality",
    "phone_form",
    "record_decision",
    "resolve_records",
    "resolve_warehouse",
    "review_queue",
    "warehouse_records",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "address_form": "normalise",
        "email_form": "normalise",
        "name_parts": "normalise",
        "phone_form": "normalise",
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
