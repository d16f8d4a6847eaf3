"""The HS step of ``clearsight demo``: the classifier trained on the declarations, then the declared
codes that do not fit their description."""

from __future__ import annotations

from pathlib import Path

from clearsight.console import console
from clearsight.core.reports import money
from clearsight.core.settings import Settings
from clearsight.core.steps import DemoStep
from clearsight.core.warehouse import Warehouse
from clearsight.core.workspace import Workspace


def demo_hs(settings: Settings, warehouse: Warehouse) -> list[Path]:
    """Train the HS classifier on the declarations, then list declared codes that do not fit."""
    import json

    from clearsight.hs.check import check_declarations
    from clearsight.hs.suggest import load_suggester
    from clearsight.hs.train import train

    trained = train(warehouse, Workspace(settings).models_dir)
    result = check_declarations(warehouse, load_suggester(Workspace(settings).models_dir))
    flagged = result.flagged.sort_by([("revenue_at_risk", "descending")])
    at_risk = sum(v or 0 for v in flagged["revenue_at_risk"].to_pylist())
    console.print(
        f"   trained on {trained.examples:,} items ({trained.distinct_texts:,} distinct descriptions); "
        f"{flagged.num_rows:,} declared codes do not fit their description, revenue at risk "
        f"{money(at_risk, Workspace(settings).currency)}",
        highlight=False,
    )
    path = Workspace(settings).reports_dir / "hs-check.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    summary = {
        "checked": result.items.num_rows,
        "flagged": flagged.num_rows,
        "revenue_at_risk": round(at_risk, 2),
    }
    path.write_text(
        json.dumps({**summary, "items": flagged.slice(0, 100).to_pylist()}, indent=1, default=str)
    )
    return [path]


STEP = DemoStep("HS classification: declared codes against descriptions", demo_hs)
