"""Declared against predicted: how well each declared code fits its goods description, the likely code,
and the revenue at risk when the likely code carries a higher duty.

``declared_code_fit`` is the feature the Risk engine reads: an Arrow table keyed by
(declaration_id, item_no).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from clearsight.core.warehouse import Warehouse
from clearsight.hs.history import described_items
from clearsight.hs.nomenclature import duty_by_hs6
from clearsight.hs.suggest import MIN_CONFIDENCE, Suggester, load_suggester, rank_at

#: The declared subheading is called unlikely below this probability ...
UNLIKELY = 0.05
#: ... when another subheading is at least this likely.
LIKELY = 0.5

FIT_SCHEMA = pa.schema(
    [
        ("declaration_id", pa.string()),
        ("item_no", pa.int64()),
        ("declared_hs6", pa.string()),
        ("declared_fit", pa.float64()),
        ("declared_heading_fit", pa.float64()),
        ("likely_hs6", pa.string()),
        ("likely_score", pa.float64()),
        ("declared_duty", pa.float64()),
        ("likely_duty", pa.float64()),
        ("revenue_at_risk", pa.float64()),
        ("flagged", pa.bool_()),
    ]
)


@dataclass(frozen=True)
class CheckResult:
    """The per-item table and the counts that say what was and was not checked."""

    items: pa.Table  # FIT_SCHEMA plus goods_description and customs_value
    period_items: int
    no_description: int
    mode: str

    @property
    def flagged(self) -> pa.Table:
        return self.items.filter(self.items["flagged"])


def check_declarations(
    warehouse: Warehouse, suggester: Suggester, since: dt.date | None = None
) -> CheckResult:
    """Score every described item lodged on or after ``since`` (each distinct description once)."""
    decl = warehouse.table("declarations")
    if since is not None:
        decl = decl.filter(decl.lodged_at >= dt.datetime.combine(since, dt.time()))
    period_items = int(decl.count().execute())
    items = described_items(warehouse, since)
    duties = duty_by_hs6(warehouse)
    rows = (
        items.select("declaration_id", "item_no", "goods_description", "hs6", "customs_value")
        .order_by(["declaration_id", "item_no"])
        .to_pyarrow()
    )
    duty = dict(zip(*duties.to_pyarrow().to_pydict().values(), strict=True))
    texts = rows["goods_description"].to_pylist()
    distinct = sorted(set(texts))
    probs, conf = suggester.probabilities(distinct)
    at = {t: i for i, t in enumerate(distinct)}
    idx = np.array([at[t] for t in texts], dtype=np.int64)
    codes = suggester.codes
    col = {c: i for i, c in enumerate(codes)}
    heads, head_probs = rank_at(codes, probs, 4)
    head_col = {h: i for i, h in enumerate(heads)}
    declared = [c if c is not None else "" for c in rows["hs6"].to_pylist()]
    best = probs.argmax(axis=1) if len(distinct) else np.zeros(0, dtype=np.int64)
    fit, head_fit, likely, likely_score = [], [], [], []
    for i, d in zip(idx, declared, strict=True):
        j = col.get(d)
        h = head_col.get(d[:4])
        confident = conf[i] >= MIN_CONFIDENCE
        fit.append(float(probs[i, j]) if j is not None and confident else (0.0 if confident else None))
        head_fit.append(
            float(head_probs[i, h]) if h is not None and confident else (0.0 if confident else None)
        )
        likely.append(str(codes[best[i]]) if confident else None)
        likely_score.append(float(probs[i, best[i]]) if confident else None)
    values = rows["customs_value"].to_pylist()
    d_duty = [duty.get(d) for d in declared]
    l_duty = [duty.get(c) if c else None for c in likely]
    at_risk, flagged = [], []
    for f, ls, lc, d, dd, ld, v in zip(
        fit, likely_score, likely, declared, d_duty, l_duty, values, strict=True
    ):
        flag = f is not None and f < UNLIKELY and ls is not None and ls >= LIKELY and lc != d
        flagged.append(flag)
        gap = (ld - dd) if flag and ld is not None and dd is not None else 0.0
        at_risk.append(round(max(gap, 0.0) / 100 * (v or 0.0), 2))
    table = pa.table(
        {
            "declaration_id": rows["declaration_id"],
            "item_no": pc.cast(rows["item_no"], pa.int64()),
            "declared_hs6": pa.array(declared, pa.string()),
            "declared_fit": pa.array(fit, pa.float64()),
            "declared_heading_fit": pa.array(head_fit, pa.float64()),
            "likely_hs6": pa.array(likely, pa.string()),
            "likely_score": pa.array(likely_score, pa.float64()),
            "declared_duty": pa.array(d_duty, pa.float64()),
            "likely_duty": pa.array(l_duty, pa.float64()),
            "revenue_at_risk": pa.array(at_risk, pa.float64()),
            "flagged": pa.array(flagged, pa.bool_()),
        },
        schema=FIT_SCHEMA,
    )
    table = table.append_column("goods_description", rows["goods_description"]).append_column(
        "customs_value", rows["customs_value"]
    )
    return CheckResult(table, period_items, period_items - rows.num_rows, suggester.mode)


def declared_code_fit(
    warehouse: Warehouse, models_dir: Path | None = None, since: dt.date | None = None
) -> pa.Table:
    """The Risk engine's feature: per (declaration_id, item_no), how well the declared code fits the
    description (``declared_fit``, probability of the declared subheading, and ``declared_heading_fit``),
    the likely subheading and the duty gap turned into ``revenue_at_risk``. Items without a
    description are absent (join with a left join and treat a missing fit as unknown, not as fitting).
    Uses the workspace's trained model when ``models_dir`` holds one, else the nomenclature alone."""
    result = check_declarations(warehouse, load_suggester(models_dir), since)
    return result.items.select(FIT_SCHEMA.names)
