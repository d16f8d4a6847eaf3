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
from clearsight.risk.metric_names import metric_name

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
        row["top_features"] = top_features(meta.get("importance") or {})
        row["metric_rows"], row["budgets"], row["metric_facts"] = metric_table(row["metrics"])
        row["notes"] = meta.get("notes", [])
        models.append(row)
    return {"promoted": registry.promoted(), "models": models}


def top_features(importance: dict[str, float], n: int = 10) -> list[tuple[str, float]]:
    """The ``n`` features that matter most, each as its share of the model's total importance,
    largest first."""
    total = sum(v for v in importance.values() if v > 0)
    shares = [(name, (v / total) if total else 0.0) for name, v in importance.items()]
    return sorted(shares, key=lambda kv: -kv[1])[:n]


def metric_table(metrics: dict) -> tuple[list[dict], list[str], list[tuple[str, object]]]:
    """The validation metrics for reading: one row per metric measured at a budget (its name in words,
    a value per budget), the budgets in order, and the single-valued metrics as (name, value)."""
    at_budget = {k: v for k, v in metrics.items() if isinstance(v, dict)}
    budgets = sorted({b for v in at_budget.values() for b in v}, key=float)
    rows = [
        {"metric": metric_name(k), "key": k, "values": [v.get(b) for b in budgets]} for k, v in at_budget.items()
    ]
    facts = [(metric_name(k), v) for k, v in metrics.items() if not isinstance(v, dict)]
    return rows, budgets, facts


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
