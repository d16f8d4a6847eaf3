"""Declaration search and detail (score, reasons, the importer's history); every read is audited."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import pyarrow as pa
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from clearsight.access.security import Principal
from clearsight.portal.api.routes.declarations import get_declaration, list_declarations
from clearsight.portal.deps import Portal, PortalDep, PrincipalDep
from clearsight.portal.pages.render import page
from clearsight.portal.scoring import NoModel
from clearsight.schema.tables import DECLARATIONS
from clearsight.selectivity.decisions import declaration_decisions

router = APIRouter(include_in_schema=False)


@router.get("/declarations", name="page.declarations")
def search(
    request: Request,
    q: Annotated[str | None, Query(max_length=64)] = None,
    office_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    portal: Portal = PortalDep,
    principal: Principal = PrincipalDep,
) -> Response:
    rows = list_declarations(request, portal, principal, q=q or None, office_id=office_id or None, limit=limit, offset=0)
    data = {"q": q, "office_id": office_id, "rows": rows}
    return page(request, "declarations.html", data, title="Declarations", principal=principal)


@router.get("/declarations/{declaration_id}", name="page.declaration")
def detail(request: Request, declaration_id: str, portal: Portal = PortalDep, principal: Principal = PrincipalDep) -> Response:
    data = get_declaration(request, portal, principal, declaration_id)
    with portal.warehouse() as wh:  # every lane decision, batch and real time, from the one store
        data["decisions"] = declaration_decisions(wh, portal.store, declaration_id)
    data["model_scores"], data["model_note"] = _model_scores(portal, data["items"])
    return page(request, "declaration.html", data, title=f"Declaration {declaration_id}", principal=principal)


def _model_scores(portal: Portal, items: list[dict]) -> tuple[list[dict], str | None]:
    """The promoted model's view of the items as they are now (nothing is stored: this is a read)."""
    fields = set(DECLARATIONS.field_names)
    rows = pa.Table.from_pylist([{k: v for k, v in item.items() if k in fields} for item in items])
    try:
        results = portal.scoring.score(rows)
    except NoModel as exc:
        return [], str(exc)
    return [asdict(r) for r in results], None
