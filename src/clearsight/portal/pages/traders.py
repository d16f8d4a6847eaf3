"""Trader pages: a trader as entity resolution sees it (every id, spelling and seizure record of one
company), its declarations, results, seizures, network and monthly risk; the search; and the
post-clearance audit candidates. Officers see a trader only through their offices' declarations; every
read is audited."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from clearsight.access.security import Principal
from clearsight.core import charts
from clearsight.core.errors import UserError
from clearsight.core.palette import CATEGORICAL
from clearsight.core.workspace import Workspace
from clearsight.portal import listing, traders
from clearsight.portal.deps import Portal, PortalDep, PrincipalDep, audit_read, office_scope
from clearsight.portal.pages.render import page

router = APIRouter(include_in_schema=False)
NOT_RESOLVED = "no entities yet: run 'clearsight entities resolve' (the trader pages read its entities)"


def trader_url(entity_id: str) -> str:
    """The trader page of an entity (or of a trader id, which the page redirects to its entity)."""
    return "/traders/" + quote(entity_id, safe=":")


def _scope(principal: Principal) -> dict[str, Any] | None:
    offices = office_scope(principal)
    return None if offices is None else {"offices": offices}


@router.get("/traders", name="page.traders")
def search(
    request: Request,
    q: str = Query("", max_length=64, description="a trader id, or part of a name (any spelling)"),
    portal: Portal = PortalDep,
    principal: Principal = PrincipalDep,
) -> Response:
    offices = office_scope(principal)
    with portal.warehouse() as wh:
        ready = traders.resolved(wh)
        found = traders.search(wh, q, offices) if ready and q.strip() else []
    audit_read(
        request,
        principal,
        "traders.search",
        "traders",
        {"q": q, **(_scope(principal) or {})},
        rows=len(found),
    )
    data = {"q": q, "resolved": ready, "note": None if ready else NOT_RESOLVED, "traders": found,
            "limit": traders.SEARCH_LIMIT}  # fmt: skip
    return page(
        request, "traders.html", data, title="Traders", principal=principal, extra={"trader_url": trader_url}
    )


@router.get("/traders/{key}", name="page.trader")
def detail(
    request: Request, key: str, portal: Portal = PortalDep, principal: Principal = PrincipalDep
) -> Response:
    """A trader by entity id (``party:IM000102``) or by any of its trader ids (``IM000141``: answered with
    a redirect to its entity's page, so every id of one company shows one page)."""
    if len(key) > 128:
        raise HTTPException(422, "a trader is named by an entity id or a trader id of at most 128 characters")
    offices = office_scope(principal)
    found = listing.parse(request, traders.TRADER_ITEMS)
    with portal.warehouse() as wh:
        if not traders.resolved(wh):
            raise HTTPException(409, NOT_RESOLVED)
        entity_id = traders.entity_id_of(wh, key)
        entity = traders.visible(wh, entity_id, offices) if entity_id else None
        if entity is not None and entity_id != key:
            query = f"?{request.url.query}" if request.url.query else ""
            return RedirectResponse(trader_url(entity_id) + query, status_code=303)
        if entity is None:
            audit_read(
                request, principal, "traders.get", f"traders/{key}", _scope(principal), outcome="not_found"
            )
            raise HTTPException(404, f"trader {key} not found")
        party_ids = entity["party_ids"]
        rows, total = traders.items(wh, party_ids, offices, found) if party_ids else ([], 0)
        data = {
            **entity,
            "summary": traders.summary(wh, party_ids, offices) if party_ids else None,
            "items": rows,
            "list": listing.meta(found, total, len(rows)),
            "seizures": traders.seizures(wh, [r["record_id"] for r in entity["records"]], offices),
            "neighbours": traders.neighbours(wh, entity_id, party_ids, offices),
            "months": traders.monthly(wh, party_ids, offices) if party_ids else [],
        }
    if found.csv:
        audit_read(
            request, principal, "traders.export", f"traders/{entity_id}", found.audit_filter(), len(rows)
        )
        return listing.csv_response(found, rows, total)
    shown = len(rows) + len(data["records"]) + len(data["seizures"]) + len(data["neighbours"])
    audit_read(
        request,
        principal,
        "traders.get",
        f"traders/{entity_id}",
        {**found.audit_filter(), **(_scope(principal) or {})},
        rows=shown,
    )
    extra = {**listing.view(found), "chart": _risk_chart(data["months"]), "trader_url": trader_url}
    return page(
        request, "trader.html", data, title=f"Trader {data['name']}", principal=principal, extra=extra
    )


def _risk_chart(months: list[dict[str, Any]]) -> Markup | None:
    """The trader's risk by month. With model scores (a batch selection has run): the mean score of its
    items and the share of its inspected items found fraudulent, on one 0–1 axis. Without: its items
    inspected and frauds found per month, counted."""
    if not months:
        return None
    go = charts.plotly()
    span = charts.month_span({m["month"]: m["items"] for m in months})
    kept = [m for m in months if m["month"] in set(span.months)]
    scored = [m for m in kept if m["mean_score"] is not None]
    if scored:
        rated = [m for m in kept if m["hit_rate"] is not None]
        fig = charts.figure("Risk by month", [
            go.Scatter(x=[m["month"] for m in scored], y=[m["mean_score"] for m in scored], mode="lines+markers",
                       name="mean risk score", line={"color": CATEGORICAL[0]}),
            go.Scatter(x=[m["month"] for m in rated], y=[m["hit_rate"] for m in rated], mode="markers",
                       name="fraud found per inspection", marker={"color": CATEGORICAL[1], "size": 9}),
        ])  # fmt: skip
        charts.share_axis(charts.month_axis(fig, span), "score, share", top=1.0)
    else:
        x = [m["month"] for m in kept]
        fig = charts.figure("Inspections and frauds found by month (no risk score yet: clearsight select)", [
            go.Bar(x=x, y=[m["inspected"] for m in kept], name="items inspected", marker_color=CATEGORICAL[0]),
            go.Bar(x=x, y=[m["frauds"] for m in kept], name="frauds found", marker_color=CATEGORICAL[1]),
        ])  # fmt: skip
        charts.count_axis(charts.month_axis(fig, span), "goods items")
    return charts.div(fig, "chart-trader-risk")


def _default_period(portal: Portal) -> str:
    """The last twelve months the declarations cover, as the demo and ``clearsight pca`` count them."""
    from clearsight.entities import last_months

    with portal.warehouse() as wh:
        period = last_months(wh, 12)
    year = dt.date.today().year - 1
    return period or f"{year}-01..{year}-12"


@router.get("/audit-candidates", name="page.audit_candidates")
def audit_candidates(
    request: Request,
    period: str | None = Query(None, max_length=32, description="whole months, like 2024-01..2024-12"),
    top: int = Query(20, ge=1, le=200, description="traders listed"),
    portal: Portal = PortalDep,
    principal: Principal = PrincipalDep,
) -> Response:
    from clearsight.core.reports import money_filter, pct, render_fragment
    from clearsight.entities import audit_candidates as rank
    from clearsight.entities import hs_flags

    period = period or _default_period(portal)
    workspace = Workspace(portal.settings)
    try:
        with portal.warehouse() as wh:
            report = rank(wh, period, top=top, hs_flags=hs_flags(wh, workspace.models_dir, period))
    except UserError as exc:
        audit_read(
            request, principal, "pca.candidates", "audit-candidates", {"period": period}, outcome="refused"
        )
        raise HTTPException(422, str(exc)) from None
    audit_read(request, principal, "pca.candidates", "audit-candidates", {"period": period, "top": top},
               rows=len(report["candidates"]))  # fmt: skip
    body = render_fragment(
        "clearsight.entities", "_pca_candidates.html", {"pct": pct, "money": money_filter},
        report=report, trader_url=trader_url, currency=workspace.currency,
    )  # fmt: skip
    return page(request, "audit_candidates.html", report, title="Post-clearance audit candidates", principal=principal,
                extra={"body": body, "period": period, "top": top})  # fmt: skip
