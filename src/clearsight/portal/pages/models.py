"""Models: what the risk room's registry holds, which one is promoted, their metrics and features, and
drift warnings when the scored population has moved away from the one the model learned from."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response

from clearsight.access.security import Principal
from clearsight.core.workspace import Workspace
from clearsight.portal.charts import budget_chart
from clearsight.portal.deps import Portal, PortalDep, PrincipalDep
from clearsight.portal.pages.render import page

router = APIRouter(include_in_schema=False)


def registry_view(portal: Portal) -> dict:
    from dataclasses import asdict

    from clearsight.risk.registry import ModelRegistry

    registry = ModelRegistry(Workspace(portal.settings).models_dir)
    models = []
    for entry in registry.entries():
        row = asdict(entry)
        meta_path = registry.dir / entry.name / "model.json"
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            meta = {}
        importance = meta.get("importance") or {}
        row["top_features"] = sorted(importance.items(), key=lambda kv: -kv[1])[:10]
        row["notes"] = meta.get("notes", [])
        models.append(row)
    return {"promoted": registry.promoted(), "models": models}


def drift_view(portal: Portal) -> list[str]:
    """Drift warnings, cached per promoted model and warehouse state (see ``risk.drift``)."""
    from clearsight.risk.drift import drift_warnings

    with portal.warehouse() as wh:
        return drift_warnings(wh, portal.settings)


@router.get("/models", name="page.models")
def models(request: Request, portal: Portal = PortalDep, principal: Principal = PrincipalDep) -> Response:
    data = registry_view(portal)
    data["drift_warnings"] = drift_view(portal) if data["promoted"] else []
    charts = {
        m["name"]: budget_chart(m["metrics"], f"chart-budget-{i}") for i, m in enumerate(data["models"])
    }
    return page(request, "models.html", data, title="Models", principal=principal, extra={"charts": charts})
