"""Data quality (the quality room's report, as its own page) and the quarantine browser."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, Response

from clearsight.access.security import Principal
from clearsight.ingest import quarantine as quarantine_reader
from clearsight.portal.deps import Portal, PortalDep, PrincipalDep, audit_read
from clearsight.portal.pages.render import page, wants_json
from clearsight.quality.html import render_html
from clearsight.quality.report import build_report

router = APIRouter(include_in_schema=False)


@router.get("/quality", name="page.quality")
def quality(request: Request, portal: Portal = PortalDep, principal: Principal = PrincipalDep) -> Response:
    with portal.warehouse() as wh:
        report = build_report(wh, dt.date.today())
    if wants_json(request):
        return JSONResponse(jsonable_encoder(report.to_json_dict()))
    return HTMLResponse(render_html(report))


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
