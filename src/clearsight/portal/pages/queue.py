"""The officer's queue: uninspected items of their offices, riskiest first, with a form to record results."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from clearsight.access.security import Principal
from clearsight.portal import queries
from clearsight.portal.api.routes.declarations import save_inspection
from clearsight.portal.deps import Portal, PortalDep, PrincipalDep, audit_read, office_scope
from clearsight.portal.pages.render import page
from clearsight.portal.schemas import InspectionIn
from clearsight.portal.scoring import NoModel

router = APIRouter(include_in_schema=False)
CANDIDATES = 300


@router.get("/queue", name="page.queue")
def queue(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=200)] = 30,
    recorded: Annotated[str | None, Query(max_length=200)] = None,
    portal: Portal = PortalDep,
    principal: Principal = PrincipalDep,
) -> Response:
    offices = office_scope(principal)
    with portal.warehouse() as wh:
        candidates = queries.uninspected(wh, offices, CANDIDATES)
    note = None
    rows = candidates.select(["declaration_id", "item_no", "lodged_at", "office_id", "importer_id", "hs_code", "customs_value"]).to_pylist()
    if rows:
        try:
            results = portal.scoring.score(candidates, explain_top=limit)
            by_key = {(r.declaration_id, r.item_no): r for r in results}
            for row in rows:
                r = by_key[(row["declaration_id"], row["item_no"])]
                row.update(score=r.score, lane=r.lane, reasons=r.reasons, expected_revenue=r.expected_revenue)
            rows.sort(key=lambda r: -r["score"])
        except NoModel as exc:
            note = f"{exc}: items are listed newest first, without scores"
    rows = rows[:limit]
    audit_read(request, principal, "queue.list", "queue", {"offices": offices, "limit": limit}, rows=len(rows))
    data = {"offices": offices or "all", "items": rows, "note": note, "recorded": recorded}
    return page(request, "queue.html", data, title="Queue", principal=principal)


@router.post("/queue/record", name="page.queue_record")
def record(
    request: Request,
    declaration_id: Annotated[str, Form(max_length=64)],
    item_no: Annotated[str, Form(max_length=8)],
    result: Annotated[str, Form(max_length=16)],
    method: Annotated[str | None, Form(max_length=32)] = None,
    fraud_type: Annotated[str | None, Form(max_length=32)] = None,
    additional_revenue: Annotated[str | None, Form(max_length=32)] = None,
    portal: Portal = PortalDep,
    principal: Principal = PrincipalDep,
) -> Response:
    try:
        body = InspectionIn(
            declaration_id=declaration_id, item_no=item_no, result=result, method=method or None,
            fraud_type=fraud_type or None, additional_revenue=additional_revenue or None,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise HTTPException(422, f"{field}: {first['msg']}") from None
    saved = save_inspection(request, portal, principal, body)
    if "application/json" in request.headers.get("accept", ""):
        from fastapi.responses import JSONResponse

        return JSONResponse(saved, status_code=201)
    return RedirectResponse(f"/queue?recorded={declaration_id}/{body.item_no}", status_code=303)
