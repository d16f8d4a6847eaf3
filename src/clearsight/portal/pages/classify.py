"""The classification assistant page: type a goods description, read the likely HS subheadings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from clearsight.access.security import Principal
from clearsight.core.errors import UserError
from clearsight.core.workspace import Workspace
from clearsight.portal.api.routes.hs import SUGGESTERS
from clearsight.portal.deps import Portal, PortalDep, PrincipalDep
from clearsight.portal.pages.render import page

router = APIRouter(include_in_schema=False)


@router.get("/classify", name="page.classify")
def classify(
    request: Request,
    text: Annotated[str, Query(max_length=2000)] = "",
    top: Annotated[int, Query(ge=1, le=20)] = 5,
    portal: Portal = PortalDep,
    principal: Principal = PrincipalDep,
) -> Response:
    data: dict = {"text": text, "top": top, "mode": None, "suggestions": [], "note": None}
    if text.strip():
        try:
            suggester = SUGGESTERS.get(Workspace(portal.settings).models_dir)
        except UserError as exc:
            data["note"] = str(exc)
        else:
            answer = suggester.suggest([text], top)[0]
            data.update(
                mode=suggester.mode, suggestions=[vars(s) for s in answer.suggestions], note=answer.note
            )
    return page(request, "classify.html", data, title="HS classification", principal=principal)
