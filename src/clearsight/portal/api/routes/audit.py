"""``GET /api/v1/audit``: audit entries for auditors and admins, newest first; ``/audit/verify``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from clearsight.access import audit
from clearsight.portal.deps import Portal, PortalDep

router = APIRouter(tags=["audit"])


@router.get("/audit", name="api.audit")
def entries(
    actor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    portal: Portal = PortalDep,
) -> list[dict]:
    return [audit.as_dict(e) for e in audit.entries(portal.store, limit=limit, offset=offset, actor=actor)]


@router.get("/audit/verify", name="api.audit_verify")
def verify(portal: Portal = PortalDep) -> dict:
    """Walk the hash chain: ``ok`` false and the problems named when an entry was edited or removed."""
    result = audit.verify(portal.store)
    return {"entries": result.entries, "ok": result.ok, "problems": result.problems}
