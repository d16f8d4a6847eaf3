"""One way to answer a page: HTML from a template, or the same data as JSON (``?format=json`` or
``Accept: application/json``), so every page has a JSON twin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates

from clearsight.access.roles import allowed
from clearsight.access.security import Principal
from clearsight.core.charts import FIT_SCRIPT
from clearsight.core.reports import money_filter, pct, share
from clearsight.core.workspace import Workspace

templates = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates"))
# The reports' formats: every amount through ``money`` (with the workspace's currency), shares through
# ``pct`` and ``share``.
templates.env.filters.update(money=money_filter, pct=pct, share=share)
templates.env.globals["fit_charts"] = FIT_SCRIPT  # base.html: charts follow their cards' width

#: (label, path, permission): the navigation bar shows what the caller's role may open.
NAV = (
    ("Overview", "/", "overview"),
    ("Declarations", "/declarations", "declarations.read"),
    ("Queue", "/queue", "declarations.read"),
    ("Data quality", "/quality", "quality.read"),
    ("Quarantine", "/quarantine", "quality.read"),
    ("Models", "/models", "models.read"),
    ("Selection", "/selection", "selections.read"),
    ("Classify", "/classify", "hs.suggest"),
    ("Forecast", "/forecast", "forecast.read"),
    ("Performance", "/performance", "performance.read"),
    ("Integrity", "/integrity", "integrity.read"),
    ("Traders", "/traders", "traders.read"),
    ("Audit candidates", "/audit-candidates", "pca.read"),
    ("Releases", "/releases", "releases.read"),
    ("Audit log", "/audit", "audit.read"),
    ("Users", "/admin/users", "users.admin"),
)


def wants_json(request: Request) -> bool:
    if request.query_params.get("format") == "json":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def page(
    request: Request, template: str, data: dict[str, Any], *, title: str, principal: Principal | None = None,
    status_code: int = 200, extra: dict[str, Any] | None = None,
) -> Response:
    """Render ``template`` with ``data`` (plus layout context), or return ``data`` as JSON."""
    if wants_json(request):
        return JSONResponse(jsonable_encoder(data), status_code=status_code)
    nav = [(label, path) for label, path, perm in NAV if principal is not None and allowed(perm, principal.role)]
    portal = getattr(request.app.state, "portal", None)
    context = {
        "request": request, "title": title, "data": data, "principal": principal, "nav": nav,
        "csrf": principal.csrf if principal is not None else None,
        "currency": Workspace(portal.settings).currency if portal is not None else None, **(extra or {}),
    }
    return templates.TemplateResponse(request, template, context, status_code=status_code)
