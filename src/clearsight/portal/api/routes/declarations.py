"""Declaration-level reads (filtered by role, every read audited) and inspection results."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from clearsight.access.security import Principal
from clearsight.portal import listing, queries
from clearsight.portal.deps import Portal, PortalDep, PrincipalDep, audit_read, audit_saved, office_scope
from clearsight.portal.listing import Filter, Listing, ListSpec
from clearsight.portal.schemas import CorrectionIn, InspectionIn, LaneChangeIn
from clearsight.schema.tables import LANES, RESULTS
from clearsight.selectivity.decisions import OFFICER, lane_change_row, latest_decision, move_decisions

router = APIRouter(tags=["declarations"])

#: The declarations list: the page, its JSON twin, the API and the CSV export read it the same way.
DECLARATIONS = ListSpec(
    name="declarations",
    columns=(*queries.LIST_COLUMNS, *queries.DECISION_COLUMNS, *queries.RESULT_COLUMNS),
    sortable=("lodged_at", "declaration_id", "office_id", "hs_code", "country_of_origin", "customs_value", "score",
              "lane", "result"),
    default_sort="lodged_at",
    descending_first=("lodged_at", "customs_value", "score"),
    filters=(
        Filter("q", "declaration id, importer id or HS code prefix", "search"),
        Filter("office_id", "office", "text", "office_id"),
        Filter("lane", "lane (last selection, or an officer's change after it)", "choice", "lane", choices=LANES),
        Filter("hs", "HS code starts with", "prefix", "hs_code", pattern=r"[0-9]{1,10}", hint="1 to 10 digits"),
        Filter("origin", "origin", "text", "country_of_origin", pattern=r"[A-Za-z]{2}", hint="a 2-letter ISO code",
               upper=True),
        Filter("lodged_from", "lodged from", "date_from", "lodged_at"),
        Filter("lodged_to", "lodged to", "date_to", "lodged_at"),
        Filter("selected_by", "selected by", "choice", "selected_by", choices=("model", "rule", "random", "none", OFFICER)),
        Filter("result", "result", "choice", "result", choices=(*RESULTS, "uninspected"), empty="uninspected"),
    ),
    max_page_size=queries.MAX_LIMIT,
)


def refuse_other_office(request: Request, principal: Principal, listing_: Listing, action: str, resource: str) -> None:
    """403 (audited) when an office-bound caller filters by an office that is not theirs."""
    offices, office_id = office_scope(principal), listing_.value("office_id")
    if offices is not None and office_id and office_id not in offices:
        audit_read(request, principal, action, resource, {"office_id": office_id}, outcome="refused")
        raise HTTPException(403, f"office {office_id} is not one of your offices")


def list_declarations(request: Request, portal: Portal, principal: Principal, found: Listing) -> tuple[list[dict], int]:
    """The window of goods items (or the whole export) the caller may read, and how many match."""
    action = "declarations.export" if found.csv else "declarations.list"
    refuse_other_office(request, principal, found, action, "declarations")
    with portal.warehouse() as wh:
        rows, total = queries.list_items(wh, offices=office_scope(principal), listing=found)
    audit_read(request, principal, action, "declarations", found.audit_filter(), len(rows[: found.spec.export_cap]))
    return rows, total


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


def _item_or_404(request: Request, principal: Principal, wh, declaration_id: str, item_no: int, action: str) -> dict:
    """The item; 404 (audited) when it is missing or of another office: the same answer for both."""
    offices = office_scope(principal)
    found = queries.item(wh, declaration_id, item_no, offices=offices)
    if found is None:
        scope = None if offices is None else {"offices": offices}
        audit_read(request, principal, action, f"declarations/{declaration_id}/items/{item_no}", scope, outcome="not_found")
        raise HTTPException(404, f"declaration {declaration_id} has no item {item_no}")
    return found


def save_inspection(request: Request, portal: Portal, principal: Principal, body: InspectionIn, *, check_only: bool = False) -> dict:
    """Record a result (404 for an item missing or of another office, 409 when it has one already);
    ``check_only``: the same checks, nothing recorded (a form's confirmation step)."""
    resource = f"declarations/{body.declaration_id}/items/{body.item_no}"
    with portal.warehouse() as wh:
        _item_or_404(request, principal, wh, body.declaration_id, body.item_no, "inspections.record")
        if queries.has_result(wh, body.declaration_id, body.item_no):
            raise HTTPException(
                409,
                f"item {body.item_no} of declaration {body.declaration_id} already has an inspection result; "
                f"correct it (POST {request.app.url_path_for('api.correction', declaration_id=body.declaration_id, item_no=str(body.item_no))}, "
                "or on the declaration's page) with the reason",
            )
        if check_only:
            return {"declaration_id": body.declaration_id, "item_no": body.item_no, "result": body.result}
        batch = queries.record_inspection(wh, body.model_dump(), principal.name)
    fold_into_scoring(portal, body.declaration_id, body.item_no)
    audit_read(request, principal, "inspections.record", resource, {"result": body.result, "batch_id": batch}, rows=1)
    return {"declaration_id": body.declaration_id, "item_no": body.item_no, "result": body.result, "batch_id": batch}


def entry_to_correct(entries: list[dict[str, Any]], supersedes: str | None, declaration_id: str, item_no: int) -> dict[str, Any]:
    """The entry in force a correction replaces: the one named, or the only one (409 otherwise, saying why)."""
    where = f"item {item_no} of declaration {declaration_id}"
    in_force = [e for e in entries if e["in_force"]]
    if supersedes is None:
        if not in_force:
            raise HTTPException(409, f"{where} has no inspection result to correct; record one first")
        if len(in_force) > 1:
            named = ", ".join(e["batch_id"] for e in in_force)
            raise HTTPException(409, f"{where} has {len(in_force)} results in force; name the one to correct in supersedes ({named})")
        return in_force[0]
    named = [e for e in entries if e["batch_id"] == supersedes]
    if not named:
        raise HTTPException(409, f"{where} has no result entry {supersedes}")
    current = [e for e in named if e["in_force"]]
    if not current:
        raise HTTPException(409, f"entry {supersedes} of {where} was already corrected by {named[0]['superseded_by']}; correct that one")
    return current[0]


def save_correction(
    request: Request, portal: Portal, principal: Principal, declaration_id: str, item_no: int, body: CorrectionIn,
    *, check_only: bool = False,
) -> dict:
    """A new entry superseding a result in force, with the reason; audited naming the old and the new.
    ``check_only``: the same checks, nothing recorded; the answer names the entry it would correct."""
    resource = f"declarations/{declaration_id}/items/{item_no}"
    with portal.warehouse() as wh:
        _item_or_404(request, principal, wh, declaration_id, item_no, "inspections.correct")
        old = entry_to_correct(queries.result_entries(wh, declaration_id, item_no), body.supersedes, declaration_id, item_no)
        if check_only:
            return {"declaration_id": declaration_id, "item_no": item_no, "result": body.result,
                    "supersedes": old["batch_id"], "was": old["result"]}
        values = {
            "declaration_id": declaration_id, "item_no": item_no, "result": body.result,
            "lane": body.lane or old["lane"], "method": body.method or old["method"],
            "fraud_type": body.fraud_type, "additional_revenue": body.additional_revenue,
        }
        batch = queries.record_inspection(wh, values, principal.name, supersedes=old["batch_id"], reason=body.reason)
    fold_into_scoring(portal, declaration_id, item_no)
    audit_read(request, principal, "inspections.correct", resource, {
        "supersedes": old["batch_id"], "was": old["result"], "result": body.result, "batch_id": batch, "reason": body.reason,
    }, rows=1)
    return {"declaration_id": declaration_id, "item_no": item_no, "result": body.result, "batch_id": batch,
            "supersedes": old["batch_id"], "was": old["result"], "reason": body.reason}


def save_lane_change(
    request: Request, portal: Portal, principal: Principal, declaration_id: str, item_no: int, body: LaneChangeIn,
    *, check_only: bool = False,
) -> dict:
    """An officer's change of the lane decided for an item (404 for an item missing or of another
    office; 409 when no lane was decided yet, or it is that lane already): a decision of channel
    ``officer`` with the reason, committed with its audit entry. ``check_only``: the same checks,
    nothing saved; the answer says the lane it would change."""
    resource = f"declarations/{declaration_id}/items/{item_no}"
    offices = office_scope(principal)
    with portal.warehouse() as wh:
        found = _item_or_404(request, principal, wh, declaration_id, item_no, "lanes.change")
        current = latest_decision(wh, portal.store, declaration_id, item_no)
    where = f"item {item_no} of declaration {declaration_id}"
    if current is None:
        raise HTTPException(409, f"no lane has been decided for {where} yet (clearsight select or the scoring API): "
                                 "there is no decision to change")
    if current["lane"] == body.lane:
        raise HTTPException(409, f"{where} is in the {body.lane} lane already")
    answer = {"declaration_id": declaration_id, "item_no": item_no, "lane": body.lane, "was": current["lane"],
              "was_selected_by": current["selected_by"], "reason": body.reason}
    if check_only:
        return answer
    row = lane_change_row(found, body.lane, body.reason, decided_by=principal.name)
    audit_saved(request, principal, "lanes.change", resource, {
        "was": current["lane"], "lane": body.lane, "reason": body.reason, "selection_id": row[1]["selection_id"],
        **({} if offices is None else {"offices": offices}),
    }, [row])
    with portal.warehouse() as wh:  # into ``selections`` now: the lists and the queue show it at once
        move_decisions(portal.store, wh)
    return {**answer, "selection_id": row[1]["selection_id"]}


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


@router.get("/declarations", name="api.declarations", openapi_extra={"parameters": DECLARATIONS.openapi_parameters()})
def declarations(request: Request, portal: Portal = PortalDep, principal: Principal = PrincipalDep) -> Response:
    """Goods items (newest first unless sorted), with the lane in force (the last batch selection's, or
    an officer's change after it), the batch's score, selected_by and the result in force; an officer sees their own offices only. The body is the
    page of rows; ``X-Total-Count`` says how many match and ``Link`` gives the next and previous pages.
    ``format=csv``: every matching row (up to the export cap) as a CSV file."""
    found = listing.parse(request, DECLARATIONS, api=True)
    rows, total = list_declarations(request, portal, principal, found)
    if found.csv:
        return listing.csv_response(found, rows, total)
    return JSONResponse(jsonable_encoder(rows), headers=listing.paging_headers(found, total, len(rows)))


@router.get("/declarations/{declaration_id}", name="api.declaration")
def declaration(request: Request, declaration_id: str, portal: Portal = PortalDep, principal: Principal = PrincipalDep) -> dict:
    """A declaration's items and inspection results, with the importer's history."""
    return jsonable_encoder(get_declaration(request, portal, principal, declaration_id))


@router.post("/inspections", name="api.inspections", status_code=201)
def inspections(request: Request, body: InspectionIn, portal: Portal = PortalDep, principal: Principal = PrincipalDep) -> dict:
    """Record an inspection result (it lands in the warehouse's ``inspections`` with a batch of its own)."""
    return save_inspection(request, portal, principal, body)


@router.post("/inspections/{declaration_id}/{item_no}/corrections", name="api.correction", status_code=201)
def correction(
    request: Request,
    declaration_id: Annotated[str, Path(max_length=64)],
    item_no: Annotated[int, Path(ge=1, le=9999)],
    body: CorrectionIn,
    portal: Portal = PortalDep,
    principal: Principal = PrincipalDep,
) -> dict:
    """Correct a result already recorded: a new entry supersedes it (``supersedes``: its batch; may be
    left out when the item has one result in force), with the reason. The old entry stays as it was
    and no longer counts; both are in the audit log."""
    return save_correction(request, portal, principal, declaration_id, item_no, body)


@router.post("/declarations/{declaration_id}/items/{item_no}/lane", name="api.lane_change", status_code=201)
def lane_change(
    request: Request,
    declaration_id: Annotated[str, Path(max_length=64)],
    item_no: Annotated[int, Path(ge=1, le=9999)],
    body: LaneChangeIn,
    portal: Portal = PortalDep,
    principal: Principal = PrincipalDep,
) -> dict:
    """Change the lane decided for a goods item, with the reason (an officer of the item's office):
    kept as a lane decision of channel ``officer`` and in the audit log; the lane downgrades
    indicator counts it."""
    return save_lane_change(request, portal, principal, declaration_id, item_no, body)
