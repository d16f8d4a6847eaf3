"""The audit log, for auditors and admins: browse, filter and export the entries; verify the chain."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from clearsight.access import audit
from clearsight.access.security import Principal
from clearsight.portal import listing
from clearsight.portal.api.routes.audit import AUDIT, read_entries
from clearsight.portal.deps import Portal, PortalDep, PrincipalDep
from clearsight.portal.pages.render import page

router = APIRouter(include_in_schema=False)


@router.get("/audit", name="page.audit")
def audit_page(request: Request, verify: bool = False, portal: Portal = PortalDep, principal: Principal = PrincipalDep) -> Response:
    found = listing.parse(request, AUDIT, keep=("verify",) if verify else ())
    rows, total = read_entries(request, portal, principal, found)
    if found.csv:
        return listing.csv_response(found, rows, total)
    data: dict = {"actor": found.value("actor"), "entries": rows, "list": listing.meta(found, total, len(rows))}
    if verify:
        result = audit.verify(portal.store)
        data["verification"] = {"entries": result.entries, "ok": result.ok, "problems": result.problems}
    return page(request, "audit.html", data, title="Audit log", principal=principal, extra=listing.view(found))
