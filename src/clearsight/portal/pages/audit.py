"""The audit log, for auditors and admins: browse (and export as JSON) the newest entries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from clearsight.access import audit
from clearsight.access.security import Principal
from clearsight.portal.deps import Portal, PortalDep, PrincipalDep
from clearsight.portal.pages.render import page

router = APIRouter(include_in_schema=False)


@router.get("/audit", name="page.audit")
def audit_page(
    request: Request,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    verify: bool = False,
    portal: Portal = PortalDep,
    principal: Principal = PrincipalDep,
) -> Response:
    rows = [audit.as_dict(e) for e in audit.entries(portal.store, limit=limit, offset=offset, actor=actor or None)]
    data: dict = {"actor": actor, "entries": rows}
    if verify:
        result = audit.verify(portal.store)
        data["verification"] = {"entries": result.entries, "ok": result.ok, "problems": result.problems}
    return page(request, "audit.html", data, title="Audit log", principal=principal)
