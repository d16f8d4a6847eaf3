"""Data quality: the quality room's report inside the portal's frame (navigation, sign-out), its
charts sized by the page; the same report is also a file of its own (``clearsight quality``)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from clearsight.access.security import Principal
from clearsight.core.reports import report_css
from clearsight.core.workspace import Workspace
from clearsight.portal.deps import Portal, PortalDep, PrincipalDep
from clearsight.portal.pages.render import page, wants_json
from clearsight.quality.html import render_body
from clearsight.quality.report import build_report

router = APIRouter(include_in_schema=False)


@router.get("/quality", name="page.quality")
def quality(request: Request, portal: Portal = PortalDep, principal: Principal = PrincipalDep) -> Response:
    with portal.warehouse() as wh:
        report = build_report(wh, dt.date.today())
    if wants_json(request):
        return JSONResponse(jsonable_encoder(report.to_json_dict()))
    body = render_body(report, Workspace(portal.settings).currency)
    extra = {"body": body, "report_css": report_css(), "as_of": report.as_of}
    return page(request, "quality.html", {}, title="Data quality", principal=principal, extra=extra)
