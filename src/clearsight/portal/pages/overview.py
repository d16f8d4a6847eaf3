"""The overview: volumes, lanes, hit rates and revenue recovered over time (aggregates only)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from clearsight.access.security import Principal
from clearsight.core.workspace import Workspace
from clearsight.portal import queries
from clearsight.portal.charts import overview_charts
from clearsight.portal.deps import Portal, PortalDep, PrincipalDep, office_scope
from clearsight.portal.pages.render import page

router = APIRouter(include_in_schema=False)


@router.get("/", name="page.overview")
def overview(request: Request, portal: Portal = PortalDep, principal: Principal = PrincipalDep) -> Response:
    with portal.warehouse() as wh:
        data = queries.overview(wh, office_scope(principal))
    data["offices"] = office_scope(principal) or "all"
    return page(request, "overview.html", data, title="Overview", principal=principal, extra={"charts": overview_charts(data, Workspace(portal.settings).currency)})
