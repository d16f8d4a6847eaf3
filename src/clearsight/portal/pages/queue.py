"""The officer's queue: uninspected items of their offices, strictest lane first and riskiest first
within it, filtered, paged and exported; a form to record each result, confirmed before it is saved."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from clearsight.access.security import Principal
from clearsight.portal import listing, queries
from clearsight.portal.api.routes.declarations import refuse_other_office, save_inspection
from clearsight.portal.deps import Portal, PortalDep, PrincipalDep, audit_read, office_scope
from clearsight.portal.listing import Filter, ListSpec
from clearsight.portal.pages.declarations import ResultForm, ResultFormDep, form_model, why_of
from clearsight.portal.pages.render import page
from clearsight.portal.schemas import InspectionIn
from clearsight.portal.scoring import NoModel
from clearsight.schema.tables import LANES
from clearsight.selectivity.decisions import OFFICER
from clearsight.selectivity.why import stored_why

router = APIRouter(include_in_schema=False)
#: The newest uninspected items (under the office and HS filters) that are scored for the queue.
CANDIDATES = 500
#: Lanes from the strictest: the queue's order, then the score.
LANE_ORDER = {lane: rank for rank, lane in enumerate(("red", "yellow", "blue", "green"))}
QUEUE = ListSpec(
    name="queue",
    columns=("declaration_id", "item_no", "lodged_at", "office_id", "importer_id", "hs_code", "customs_value", "lane",
             "score", "expected_revenue", "selected_by", "why", "reasons"),
    sortable=("priority", "score", "lodged_at", "customs_value", "expected_revenue"),
    default_sort="priority",
    default_order="asc",
    descending_first=("score", "lodged_at", "customs_value", "expected_revenue"),
    filters=(
        Filter("office_id", "office", "text", "office_id"),
        Filter("lane", "lane", "choice", "lane", choices=LANES),
        Filter("hs", "HS code starts with", "prefix", "hs_code", pattern=r"[0-9]{1,10}", hint="1 to 10 digits"),
        Filter("selected_by", "selected by", "choice", "selected_by", choices=("model", "rule", "random", "none", OFFICER)),
    ),
    page_size=30,
    max_page_size=CANDIDATES,
    export_cap=CANDIDATES,
)
SORT_KEYS = {"priority": lambda r: (LANE_ORDER.get(r.get("lane"), len(LANE_ORDER)), -(r.get("score") or 0.0))}


@router.get("/queue", name="page.queue")
def queue(
    request: Request,
    recorded: Annotated[str | None, Query(max_length=200)] = None,
    portal: Portal = PortalDep,
    principal: Principal = PrincipalDep,
) -> Response:
    found = listing.parse(request, QUEUE)
    action = "queue.export" if found.csv else "queue.list"
    refuse_other_office(request, principal, found, action, "queue")
    offices = office_scope(principal)
    with portal.warehouse() as wh:
        candidates = queries.uninspected(wh, offices, CANDIDATES, listing=found)
    columns = ["declaration_id", "item_no", "lodged_at", "office_id", "importer_id", "hs_code", "customs_value"]
    rows: list[dict[str, Any]] = candidates.select(columns).to_pylist()
    note = None
    if rows:
        try:
            limit, offset = found.window
            results = portal.scoring.score(candidates, explain_top=min(offset + limit, CANDIDATES))
            by_key = {(r.declaration_id, r.item_no): r for r in results}
            for row in rows:
                r = by_key[(row["declaration_id"], row["item_no"])]
                row.update(score=r.score, lane=r.lane, reasons=r.reasons, expected_revenue=r.expected_revenue,
                           selected_by=r.selected_by, why=why_of(r))
        except NoModel as exc:
            note = f"{exc}: items are listed newest first, without scores or lanes"
        with portal.warehouse() as wh:  # an officer's lane change stands over the system's lane
            changed = queries.officer_lanes(wh, [row["declaration_id"] for row in rows])
        for row in rows:
            c = changed.get((row["declaration_id"], row["item_no"]))
            if c is not None:
                row.update(lane=c["lane"], selected_by=OFFICER, why=stored_why({**c, "channel": OFFICER}))
    if note is None:
        rows = listing.sort_rows(listing.filter_rows(rows, found, only=("lane", "selected_by")), found, SORT_KEYS)
    elif {"lane", "selected_by"} & set(found.filters):
        rows = []  # no lanes without a model: nothing is in the lane asked for
    total = len(rows)
    shown = listing.page_rows(rows, found)
    audit_read(request, principal, action, "queue", {"offices": offices, **found.audit_filter()}, rows=len(shown))
    if found.csv:
        return listing.csv_response(found, shown, total)
    if len(candidates) >= CANDIDATES:
        window = f"the {CANDIDATES:,} newest uninspected items matching the office and HS filters are scored"
        note = f"{note}; {window}" if note else window
    data = {"offices": offices or "all", "items": shown, "note": note, "recorded": recorded,
            "list": listing.meta(found, total, len(shown))}
    return page(request, "queue.html", data, title="Queue", principal=principal, extra=listing.view(found))


@router.post("/queue/record", name="page.queue_record")
def record(
    request: Request,
    declaration_id: Annotated[str, Form(max_length=64)],
    item_no: Annotated[str, Form(max_length=8)],
    result: Annotated[str, Form(max_length=16)] = "",
    view: Annotated[str, Form(max_length=1000)] = "",
    form: ResultForm = ResultFormDep,
    portal: Portal = PortalDep,
    principal: Principal = PrincipalDep,
) -> Response:
    """Record a result: the form is checked and shown back for confirmation; only the confirmed form
    (``confirm=yes``) records it, so a stray click records nothing. ``view``: the queue's filters, sort
    and page the officer recorded from, which Back and the page after recording return to."""
    back = queue_url(view)
    fields = form.fields(declaration_id=declaration_id, item_no=item_no, result=result)
    body = form_model(InspectionIn, fields)
    if not body.method:
        raise HTTPException(422, "method: choose how the item was inspected (documentary, physical or scan)")
    if not form.confirmed:
        save_inspection(request, portal, principal, body, check_only=True)
        question = f"Record {body.result} for item {body.item_no} of declaration {body.declaration_id}?"
        details = {"method": body.method, "offence": body.fraud_type, "revenue recovered": body.additional_revenue}
        return page(request, "confirm.html", {
            "question": question, "action": request.url.path, "back": back,
            "fields": {k: v for k, v in {**fields, "view": view}.items() if v}, "details": details,
        }, title="Confirm the result", principal=principal)
    saved = save_inspection(request, portal, principal, body)
    if listing.wants(request) == "json":
        return JSONResponse(saved, status_code=201)
    recorded = urlencode({"recorded": f"{declaration_id}/{body.item_no}"})
    return RedirectResponse(f"{back}{'&' if '?' in back else '?'}{recorded}", status_code=303)


def queue_url(view: str) -> str:
    """The queue with the query string an officer was on (its filters, sort and page), rebuilt from
    its parsed pairs so that nothing but a query string on ``/queue`` can come out of it."""
    pairs = [(k, v) for k, v in parse_qsl(view.lstrip("?")) if k != "recorded"]
    return f"/queue?{urlencode(pairs)}" if pairs else "/queue"
