"""Declaration-level reads (filtered by role, every read audited) and inspection results."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.encoders import jsonable_encoder

from clearsight.access.security import Principal
from clearsight.portal import queries
from clearsight.portal.deps import Portal, PortalDep, PrincipalDep, audit_read, office_scope
from clearsight.portal.schemas import InspectionIn

router = APIRouter(tags=["declarations"])


def list_declarations(
    request: Request, portal: Portal, principal: Principal, *, q: str | None, office_id: str | None, limit: int, offset: int
) -> list[dict]:
    offices = office_scope(principal)
    if offices is not None and office_id and office_id not in offices:
        audit_read(request, principal, "declarations.list", "declarations", {"office_id": office_id}, outcome="refused")
        raise HTTPException(403, f"office {office_id} is not one of your offices")
    with portal.warehouse() as wh:
        rows = queries.search(wh, q=q, office_id=office_id, offices=offices, limit=limit, offset=offset)
    audit_read(request, principal, "declarations.list", "declarations", {"q": q, "office_id": office_id, "limit": limit, "offset": offset}, len(rows))
    return rows


def get_declaration(request: Request, portal: Portal, principal: Principal, declaration_id: str) -> dict:
    """The declaration within the caller's offices; another office's declaration is answered exactly
    like one that does not exist (the audit entry names the caller's offices)."""
    offices = office_scope(principal)
    scope = None if offices is None else {"offices": offices}
    with portal.warehouse() as wh:
        found = queries.declaration(wh, declaration_id, offices=offices)
    resource = f"declarations/{declaration_id}"
    if found is None:
        audit_read(request, principal, "declarations.get", resource, scope, outcome="not_found")
        raise HTTPException(404, f"declaration {declaration_id} not found")
    audit_read(request, principal, "declarations.get", resource, scope, rows=len(found["items"]) + len(found["importer"]["recent"]))
    return found


def save_inspection(request: Request, portal: Portal, principal: Principal, body: InspectionIn) -> dict:
    resource = f"declarations/{body.declaration_id}/items/{body.item_no}"
    offices = office_scope(principal)
    with portal.warehouse() as wh:
        found = queries.item(wh, body.declaration_id, body.item_no, offices=offices)
        if found is None:  # missing, or another office's: the same answer
            scope = None if offices is None else {"offices": offices}
            audit_read(request, principal, "inspections.record", resource, scope, outcome="not_found")
            raise HTTPException(404, f"declaration {body.declaration_id} has no item {body.item_no}")
        if queries.has_result(wh, body.declaration_id, body.item_no):
            raise HTTPException(409, f"item {body.item_no} of declaration {body.declaration_id} already has an inspection result")
        batch = queries.record_inspection(wh, body.model_dump(), principal.name)
    fold_into_scoring(portal, body.declaration_id, body.item_no)
    audit_read(request, principal, "inspections.record", resource, {"result": body.result, "batch_id": batch}, rows=1)
    return {"declaration_id": body.declaration_id, "item_no": body.item_no, "result": body.result, "batch_id": batch}


def fold_into_scoring(portal: Portal, declaration_id: str, item_no: int) -> None:
    """Feedback: the next score sees this result at once (the importer's, declarant's... history), by
    folding it into the loaded model's history snapshot; a model not loaded yet reads it when it loads."""
    from clearsight.portal.scoring import NoModel

    if portal.scoring.needs_loading():
        return
    try:
        scorer = portal.scoring.scorer()
    except NoModel:
        return
    with portal.warehouse() as wh:
        scorer.snapshot.record_items(wh, [(declaration_id, item_no)])


@router.get("/declarations", name="api.declarations")
def declarations(
    request: Request,
    office_id: Annotated[str | None, Query(max_length=64)] = None,
    q: Annotated[str | None, Query(max_length=64, description="declaration id, importer id or HS code prefix")] = None,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    portal: Portal = PortalDep,
    principal: Principal = PrincipalDep,
) -> list[dict]:
    """Goods items, newest first; an officer sees their own offices only."""
    return jsonable_encoder(list_declarations(request, portal, principal, q=q, office_id=office_id, limit=limit, offset=offset))


@router.get("/declarations/{declaration_id}", name="api.declaration")
def declaration(request: Request, declaration_id: str, portal: Portal = PortalDep, principal: Principal = PrincipalDep) -> dict:
    """A declaration's items and inspection results, with the importer's history."""
    return jsonable_encoder(get_declaration(request, portal, principal, declaration_id))


@router.post("/inspections", name="api.inspections", status_code=201)
def inspections(request: Request, body: InspectionIn, portal: Portal = PortalDep, principal: Principal = PrincipalDep) -> dict:
    """Record an inspection result (it lands in the warehouse's ``inspections`` with a batch of its own)."""
    return save_inspection(request, portal, principal, body)
