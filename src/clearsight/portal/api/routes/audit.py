"""``GET /api/v1/audit``: audit entries for auditors and admins, newest first, filtered, sorted,
paged and exported; ``/audit/verify``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from clearsight.access import audit
from clearsight.access.security import Principal
from clearsight.portal import listing
from clearsight.portal.deps import Portal, PortalDep, PrincipalDep, audit_read
from clearsight.portal.listing import Filter, Listing, ListSpec

router = APIRouter(tags=["audit"])

#: The audit log as a list: the page, its JSON twin, the API and the CSV export read it the same way.
AUDIT = ListSpec(
    name="audit-log",
    columns=("id", "at", "actor", "role", "action", "resource", "filter", "rows", "client", "outcome", "hash"),
    sortable=audit.SORTABLE,
    default_sort="id",
    descending_first=("id", "at"),
    filters=(
        Filter("actor", "user", "text", "actor"),
        Filter("action", "action starts with", "prefix", "action", pattern=r"[A-Za-z0-9_.-]{1,64}",
               hint="e.g. inspections"),
        Filter("outcome", "outcome", "text", "outcome", pattern=r"[A-Za-z0-9_.-]{1,16}", hint="ok, refused..."),
        Filter("from", "from", "date_from", "at"),
        Filter("to", "to", "date_to", "at"),
    ),
    page_size=100,
    max_page_size=1000,
)


def read_entries(request: Request, portal: Portal, principal: Principal, found: Listing) -> tuple[list[dict], int]:
    """The window of entries (or the whole export) and how many match; an export is itself audited."""
    limit, offset = found.window
    entries, total = audit.search(
        portal.store, actor=found.value("actor"), action=found.value("action"), outcome=found.value("outcome"),
        since=found.value("from"), until=found.value("to"), sort=found.sort, descending=found.order == "desc",
        limit=limit, offset=offset,
    )
    if found.csv:
        audit_read(request, principal, "audit.export", "audit", found.audit_filter(), rows=min(len(entries), found.spec.export_cap))
    return [audit.as_dict(e) for e in entries], total


@router.get("/audit", name="api.audit", openapi_extra={"parameters": AUDIT.openapi_parameters()})
def entries(request: Request, portal: Portal = PortalDep, principal: Principal = PrincipalDep) -> Response:
    """Audit entries; the body is the page of entries, ``X-Total-Count`` how many match and ``Link``
    the next and previous pages; ``format=csv``: every matching entry (up to the cap) as a CSV file."""
    found = listing.parse(request, AUDIT, api=True)
    rows, total = read_entries(request, portal, principal, found)
    if found.csv:
        return listing.csv_response(found, rows, total)
    return JSONResponse(rows, headers=listing.paging_headers(found, total, len(rows)))


@router.get("/audit/verify", name="api.audit_verify")
def verify(portal: Portal = PortalDep) -> dict:
    """Walk the hash chain: ``ok`` false and the problems named when an entry was edited or removed."""
    result = audit.verify(portal.store)
    return {"entries": result.entries, "ok": result.ok, "problems": result.problems}
