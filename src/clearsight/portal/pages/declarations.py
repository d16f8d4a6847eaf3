"""Declaration search and detail (score, reasons, results and their corrections, the importer's other
declarations); every read is audited."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated, Any, TypeVar

import pyarrow as pa
from fastapi import APIRouter, Depends, Form, HTTPException, Path, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from clearsight.access.security import Principal
from clearsight.portal import listing
from clearsight.portal.api.routes.declarations import (
    DECLARATIONS,
    get_declaration,
    list_declarations,
    save_correction,
    save_lane_change,
)
from clearsight.portal.deps import Portal, PortalDep, PrincipalDep
from clearsight.portal.pages.render import page
from clearsight.portal.schemas import CorrectionIn, LaneChangeIn
from clearsight.portal.scoring import NoModel
from clearsight.schema.tables import DECLARATIONS as DECLARATIONS_TABLE
from clearsight.selectivity.decisions import declaration_decisions

router = APIRouter(include_in_schema=False)
Model = TypeVar("Model", bound=BaseModel)


def form_model(model: type[Model], fields: dict[str, Any]) -> Model:
    """A form's fields as ``model`` (empty fields left out): 422 naming the first field at fault."""
    try:
        return model(**{k: v for k, v in fields.items() if v not in (None, "")})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "form"
        raise HTTPException(422, f"{field}: {first['msg']}") from None


@dataclass
class ResultForm:
    """The fields every result form has (recording one, correcting one), and its confirmation."""

    method: Annotated[str | None, Form(max_length=32)] = None
    fraud_type: Annotated[str | None, Form(max_length=32)] = None
    additional_revenue: Annotated[str | None, Form(max_length=32)] = None
    confirm: Annotated[str | None, Form(max_length=8)] = None

    @property
    def confirmed(self) -> bool:
        """Whether this is the confirmation step's form (its Confirm button sends ``confirm=yes``)."""
        return self.confirm == "yes"

    def fields(self, **others: Any) -> dict[str, Any]:
        return {**others, "method": self.method, "fraud_type": self.fraud_type, "additional_revenue": self.additional_revenue}


ResultFormDep = Depends(ResultForm)


@router.get("/declarations", name="page.declarations")
def search(request: Request, portal: Portal = PortalDep, principal: Principal = PrincipalDep) -> Response:
    found = listing.parse(request, DECLARATIONS)
    rows, total = list_declarations(request, portal, principal, found)
    if found.csv:
        return listing.csv_response(found, rows, total)
    data = {**{k: found.value(k) for k in ("q", "office_id")}, "rows": rows, "list": listing.meta(found, total, len(rows))}
    return page(request, "declarations.html", data, title="Declarations", principal=principal, extra=listing.view(found))


@router.get("/declarations/{declaration_id}", name="page.declaration")
def detail(
    request: Request, declaration_id: str, corrected: int | None = None, rerouted: int | None = None,
    portal: Portal = PortalDep, principal: Principal = PrincipalDep,
) -> Response:
    data = get_declaration(request, portal, principal, declaration_id)
    with portal.warehouse() as wh:  # every lane decision, batch and real time, from the one store
        data["decisions"] = declaration_decisions(wh, portal.store, declaration_id)
    data["model_scores"], data["model_note"] = _model_scores(portal, data["items"])
    data["corrected"], data["rerouted"] = corrected, rerouted
    return page(request, "declaration.html", data, title=f"Declaration {declaration_id}", principal=principal)


@router.post("/declarations/{declaration_id}/items/{item_no}/correct", name="page.correct")
def correct(
    request: Request,
    declaration_id: Annotated[str, Path(max_length=64)],
    item_no: Annotated[int, Path(ge=1, le=9999)],
    result: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
    supersedes: Annotated[str | None, Form(max_length=64)] = None,
    form: ResultForm = ResultFormDep,
    portal: Portal = PortalDep,
    principal: Principal = PrincipalDep,
) -> Response:
    """Correct a result: the form is checked, then shown back for confirmation; only the confirmed
    form records the correcting entry (nothing is recorded by one stray click)."""
    fields = form.fields(result=result, reason=reason, supersedes=supersedes)
    body = form_model(CorrectionIn, fields)
    back = request.app.url_path_for("page.declaration", declaration_id=declaration_id)
    if not form.confirmed:
        old = save_correction(request, portal, principal, declaration_id, item_no, body, check_only=True)
        question = f"Correct the result of item {item_no} of declaration {declaration_id} from {old['was']} to {body.result}?"
        return page(request, "confirm.html", {
            "question": question, "action": request.url.path, "back": f"{back}#results",
            "fields": {**{k: v for k, v in fields.items() if v}, "supersedes": old["supersedes"]},
            "details": {"why": body.reason, "corrects entry": old["supersedes"], "offence": body.fraud_type,
                        "revenue recovered": body.additional_revenue},
        }, title="Confirm the correction", principal=principal)
    saved = save_correction(request, portal, principal, declaration_id, item_no, body)
    if listing.wants(request) == "json":
        return JSONResponse(saved, status_code=201)
    return RedirectResponse(f"{back}?corrected={item_no}#results", status_code=303)


@router.post("/declarations/{declaration_id}/items/{item_no}/lane", name="page.lane_change")
def change_lane(
    request: Request,
    declaration_id: Annotated[str, Path(max_length=64)],
    item_no: Annotated[int, Path(ge=1, le=9999)],
    lane: Annotated[str, Form(max_length=8)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
    confirm: Annotated[str | None, Form(max_length=8)] = None,
    portal: Portal = PortalDep,
    principal: Principal = PrincipalDep,
) -> Response:
    """Change an item's lane: the form is checked, then shown back for confirmation; only the
    confirmed form saves the change (with its reason, audited)."""
    body = form_model(LaneChangeIn, {"lane": lane, "reason": reason})
    back = request.app.url_path_for("page.declaration", declaration_id=declaration_id)
    if confirm != "yes":
        change = save_lane_change(request, portal, principal, declaration_id, item_no, body, check_only=True)
        question = (f"Change the lane of item {item_no} of declaration {declaration_id} from {change['was']} "
                    f"(selected by {change['was_selected_by']}) to {body.lane}?")
        return page(request, "confirm.html", {
            "question": question, "action": request.url.path, "back": f"{back}#lanes",
            "fields": {"lane": body.lane, "reason": body.reason},
            "details": {"why": body.reason, "note": "the change is kept with your name and counted by the "
                        "integrity indicators (lane downgrades)"},
        }, title="Confirm the lane change", principal=principal)
    saved = save_lane_change(request, portal, principal, declaration_id, item_no, body)
    if listing.wants(request) == "json":
        return JSONResponse(saved, status_code=201)
    return RedirectResponse(f"{back}?rerouted={item_no}#lanes", status_code=303)


def _model_scores(portal: Portal, items: list[dict]) -> tuple[list[dict], str | None]:
    """The promoted model's view of the items as they are now (nothing is stored: this is a read)."""
    fields = set(DECLARATIONS_TABLE.field_names)
    rows = pa.Table.from_pylist([{k: v for k, v in item.items() if k in fields} for item in items])
    try:
        results = portal.scoring.score(rows)
    except NoModel as exc:
        return [], str(exc)
    return [{**asdict(r), "why": why_of(r)} for r in results], None


def why_of(decision) -> str:
    """Why the item is in its lane, in words: the decision's own ``why`` where it gives one, else
    who selected it and the rule profiles it matched."""
    why = getattr(decision, "why", None)
    if why:
        return why
    rules = getattr(decision, "rules_hit", None) or []
    return decision.selected_by + (f" ({', '.join(rules)})" if rules else "")
