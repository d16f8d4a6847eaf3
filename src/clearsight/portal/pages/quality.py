"""Data quality: the quality room's report, as its own page."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, Response

from clearsight.access.security import Principal
from clearsight.portal.deps import Portal, PortalDep, PrincipalDep
from clearsight.portal.pages.render import wants_json
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

