"""``GET /api/v1/overview`` (aggregates) and ``GET /api/v1/models`` (the registry)."""

from __future__ import annotations

from fastapi import APIRouter

from clearsight.access.security import Principal
from clearsight.portal import queries
from clearsight.portal.deps import Portal, PortalDep, PrincipalDep, office_scope
from clearsight.portal.pages.models import registry_view

router = APIRouter(tags=["overview"])


@router.get("/overview", name="api.overview")
def overview(portal: Portal = PortalDep, principal: Principal = PrincipalDep) -> dict:
    """Volumes, inspections, hits and revenue recovered per month; items per lane."""
    with portal.warehouse() as wh:
        return queries.overview(wh, office_scope(principal))


@router.get("/models", name="api.models")
def models(portal: Portal = PortalDep) -> dict:
    """The risk models the registry holds and which one is promoted."""
    return registry_view(portal)
