"""``risk explain``: one declaration's items scored with what was known at its lodgement, with reasons."""

from __future__ import annotations

from clearsight.core.errors import UserError
from clearsight.core.settings import Settings
from clearsight.core.warehouse import Warehouse
from clearsight.core.workspace import Workspace
from clearsight.risk.history import ITEM_FIELDS
from clearsight.risk.registry import ModelRegistry
from clearsight.risk.scorer import score_history
from clearsight.risk.snapshot import Snapshot


def explain_declaration(
    settings: Settings,
    warehouse: Warehouse,
    declaration_id: str,
    item: int | None = None,
    model: str | None = None,
) -> list[dict]:
    """Score and reasons per item of a declaration in the warehouse (history as of its lodgement)."""
    entry, risk_model = ModelRegistry(Workspace(settings).models_dir).load(model)
    d = warehouse.table("declarations")
    items = d.filter(d.declaration_id == declaration_id).select(*ITEM_FIELDS).order_by("item_no").to_pyarrow()
    if items.num_rows == 0:
        raise UserError(f"no declaration {declaration_id!r} in the warehouse")
    numbers = items["item_no"].to_pylist()
    if item is not None and item not in numbers:
        raise UserError(
            f"declaration {declaration_id} has no item {item}; its items: {', '.join(map(str, numbers))}"
        )
    lodged = min(items["lodged_at"].to_pylist())
    snapshot = Snapshot(warehouse, as_of=lodged, basis=entry.revenue_basis)
    scored = score_history(risk_model, snapshot.history(items)).to_pylist()
    return [
        {**row, "model": entry.name, "history_as_of": str(lodged)}
        for row in scored
        if item is None or row["item_no"] == item
    ]
