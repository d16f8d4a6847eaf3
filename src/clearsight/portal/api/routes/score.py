"""``POST /api/v1/score``: real-time scoring for the clearance system; each decision is stored.

The route parses the declaration, has the selectivity room score and decide it
(:func:`clearsight.selectivity.realtime.decide_declarations`, through the portal's
:class:`~clearsight.portal.scoring.ScoringService`), records the decisions in the app store's outbox
of lane decisions (:func:`clearsight.selectivity.decisions.outbox_rows`) and answers. It is a
coroutine that holds no thread while it waits: the declarations of the requests waiting together are
scored in one call of the scorer (:meth:`ScoringService.score_together`), and the decision rows and
the audit entry go to the portal's group commit, which answers once they are committed.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError

from clearsight.portal.deps import audit_committed, current_principal, get_portal
from clearsight.portal.schemas import DeclarationIn, ScoreOut
from clearsight.portal.scoring import NoModel, score_declaration
from clearsight.selectivity import ItemRefused, outbox_rows

router = APIRouter(tags=["scoring"])


@router.post("/score", name="api.score", response_model=ScoreOut,
             responses={503: {"description": "no risk model has been promoted"}})
async def score(request: Request, body: DeclarationIn) -> Response:
    """Score each item of a declaration: score, expected revenue, lane, who selected it (the
    strictest of a rule profile, the random control and the model wins), the office's threshold the
    model reached, why in one sentence, reasons, model version."""
    portal, principal = get_portal(request), current_principal(request)
    try:
        results = await score_declaration(portal.scoring, body)
    except NoModel as exc:
        raise HTTPException(503, str(exc)) from None
    except ItemRefused as exc:  # a field the canonical goods item refuses: 422 naming it, as Pydantic's are
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("body", exc.field), "msg": exc.reason, "input": exc.value}]
        ) from None
    version = results[0].model_version
    decisions = outbox_rows(results, decided_by=principal.name)
    # The decisions and their audit entry are committed in one transaction (both or neither) before
    # the answer leaves.
    await audit_committed(request, principal, "score", f"declarations/{body.declaration_id}", {"model": version},
                          rows=len(results), also=decisions)
    out = {
        "declaration_id": body.declaration_id,
        "model_version": version,
        "items": [{"item_no": r.item_no, "score": r.score, "fraud_probability": r.fraud_probability,
                   "expected_revenue": r.expected_revenue, "lane": r.lane, "reasons": r.reasons,
                   "selected_by": r.selected_by, "random_control": r.random_control, "rules_hit": r.rules_hit,
                   "threshold": r.threshold, "why": r.why}
                  for r in results],
    }
    # Built by hand (the fields of ScoreOut, which documents it): FastAPI's response-model pass would
    # validate and re-encode what was built just above.
    return Response(json.dumps(out, separators=(",", ":")), media_type="application/json")
