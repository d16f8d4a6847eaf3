"""The quarantine browser: rows the quality gate refused, per file, and why."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from clearsight.access.security import Principal
from clearsight.ingest import quarantine as quarantine_reader
from clearsight.portal.deps import Portal, PortalDep, PrincipalDep, audit_read
from clearsight.portal.pages.render import page

router = APIRouter(include_in_schema=False)


@router.get("/quarantine", name="page.quarantine")
def quarantine(
    request: Request,
    batch: Annotated[str | None, Query(max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    portal: Portal = PortalDep,
    principal: Principal = PrincipalDep,
) -> Response:
    with portal.warehouse() as wh:
        batches = quarantine_reader.summary(wh).to_pylist()
        rows = quarantine_reader.rows(wh, batch=batch, limit=limit).to_pylist() if batch else []
    if batch:  # quarantined rows are declaration-level data as read from the source
        audit_read(request, principal, "quarantine.rows", f"quarantine/{batch}", {"limit": limit}, rows=len(rows))
    data = {"batches": batches, "batch": batch, "rows": rows}
    return page(request, "quarantine.html", data, title="Quarantine", principal=principal)
