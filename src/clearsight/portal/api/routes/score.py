"""``POST /api/v1/score``: real-time scoring for the clearance system; each decision is stored."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from clearsight.access.security import Principal
from clearsight.access.store.models import Decision, utcnow
from clearsight.portal.deps import Portal, PortalDep, PrincipalDep, audit_read, needs
from clearsight.portal.schemas import DeclarationIn, ItemScore, ScoreOut
from clearsight.portal.scoring import NoModel, score_declaration

router = APIRouter(tags=["scoring"])


@router.post("/score", name="api.score", response_model=ScoreOut, **needs("score"),
             responses={503: {"description": "no risk model has been promoted"}})
def score(request: Request, body: DeclarationIn, portal: Portal = PortalDep, principal: Principal = PrincipalDep) -> ScoreOut:
    """Score each item of a declaration: score, expected revenue, lane, reasons, model version."""
    try:
        results = score_declaration(portal.scoring, body)
        version = portal.scoring.model_version
    except NoModel as exc:
        raise HTTPException(503, str(exc)) from None
    decisions = [
        Decision(
            declaration_id=r.declaration_id, item_no=r.item_no, score=r.score, fraud_probability=r.fraud_probability,
            expected_revenue=r.expected_revenue, lane=r.lane, reasons=r.reasons, model_version=version,
            decided_by=principal.name, decided_at=utcnow(),
        )
        for r in results
    ]
    # The decisions and their audit entry are written in one transaction: both or neither.
    audit_read(request, principal, "score", f"declarations/{body.declaration_id}", {"model": version},
               rows=len(results), also=decisions)
    return ScoreOut(
        declaration_id=body.declaration_id,
        model_version=version,
        items=[ItemScore(item_no=r.item_no, score=r.score, fraud_probability=r.fraud_probability,
                         expected_revenue=r.expected_revenue, lane=r.lane, reasons=r.reasons) for r in results],
    )
