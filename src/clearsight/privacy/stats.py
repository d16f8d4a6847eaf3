"""Public statistics from the declarations: trade value, revenue and release times by chosen dimensions.

Two ways to publish safely:

* **Cell suppression** (default). Primary: a cell is withheld when fewer than ``k`` importers
  contribute to it, or when one importer holds more than ``p`` % of its trade value (whose figure a
  competitor could otherwise read off). Secondary: the totals over each dimension are published too,
  so a line (the cells sharing all dimensions but one) with exactly one withheld cell would give it
  away by subtraction; the smallest published cell of such a line is withheld as well, until no line
  has exactly one. A line's total that is itself withheld protects its line.
* **Differential privacy** (``--dp-epsilon``). Every combination of the dimensions' values gets a
  figure with Laplace noise from OpenDP (one goods item is the unit protected; values are clipped to a
  stated bound); epsilon is split equally over items, trade value and revenue (parallel composition
  over cells: each item is in exactly one cell). No suppression, no totals (add the cells), no release
  times; each figure comes with the half-width of its 95 % interval.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from itertools import product
from pathlib import Path

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from clearsight.core.errors import UserError
from clearsight.core.warehouse import Warehouse

MISSING = "?"
MEASURES = ("items", "trade_value", "revenue")
DP_ALPHA = 0.05  # 95 % accuracy


def _dimensions(d: ir.Table) -> dict[str, ir.Value]:
    ts = d.lodged_at
    return {
        "hs2": d.hs_code.substr(0, 2),
        "hs4": d.hs_code.substr(0, 4),
        "partner": d.country_of_origin,
        "export_country": d.country_of_export,
        "month": ts.truncate("M").date().cast("string").substr(0, 7),
        "quarter": ts.year().cast("string") + "-Q" + ts.quarter().cast("string"),
        "year": ts.year().cast("string"),
        "office": d.office_id,
        "office_group": d.office_id.re_replace(r"[0-9]+$", ""),
        "mode": d.mode_of_transport,
    }


DIMENSIONS = (
    "hs2",
    "hs4",
    "partner",
    "export_country",
    "month",
    "quarter",
    "year",
    "office",
    "office_group",
    "mode",
)


@dataclass
class StatsOptions:
    by: list[str]
    k: int = 3
    p: float = 80.0
    dp_epsilon: float | None = None
    dp_value_clip: float = 1_000_000.0
    dp_revenue_clip: float = 1_000_000.0
    out: Path | None = None
    overwrite: bool = False
    seed: int | None = None


def check_options(o: StatsOptions) -> None:
    if not o.by:
        raise UserError(f"--by needs at least one dimension; choose from: {', '.join(DIMENSIONS)}")
    for name in o.by:
        if name not in DIMENSIONS:
            raise UserError(f"unknown dimension {name!r} in --by; choose from: {', '.join(DIMENSIONS)}")
    if len(set(o.by)) != len(o.by):
        raise UserError("a dimension is named twice in --by")
    if o.k < 2:
        raise UserError("--k must be at least 2 (a cell of one importer discloses that importer)")
    if not 0 < o.p < 100:
        raise UserError("--p must be a percentage between 0 and 100")
    if o.dp_epsilon is not None and not 0 < o.dp_epsilon <= 10:
        raise UserError("--dp-epsilon must be above 0 and at most 10")
    if o.dp_value_clip <= 0 or o.dp_revenue_clip <= 0:
        raise UserError("--dp-value-clip and --dp-revenue-clip must be positive")


def base_table(warehouse: Warehouse, by: list[str]) -> ir.Table:
    """One row per goods item: its dimensions (NULL as '?'), importer, value, revenue and release hours."""
    d = warehouse.table("declarations")
    e = warehouse.table("events")
    released = e.filter(e.event == "release").group_by("declaration_id").aggregate(released_at=e.at.min())
    j = d.left_join(released, "declaration_id")
    dims = _dimensions(j)
    hours = (j.released_at.epoch_seconds() - j.lodged_at.epoch_seconds()) / 3600.0
    return j.select(
        **{name: dims[name].fill_null(MISSING) for name in by},
        importer_id=j.importer_id,
        customs_value=j.customs_value.fill_null(0.0),
        duty_tax_amount=j.duty_tax_amount.fill_null(0.0),
        release_hours=ibis.ifelse(hours >= 0, hours, ibis.null("float64")),
    )


def aggregate(base: ir.Table, keys: list[str]) -> pa.Table:
    """Measures and the two primary-suppression inputs (importers, top importer's value) by ``keys``."""
    per_trader = base.group_by([*keys, "importer_id"]).aggregate(v=base.customs_value.sum())
    top = (
        per_trader.group_by(keys).aggregate(top_value=per_trader.v.max())
        if keys
        else per_trader.aggregate(top_value=per_trader.v.max())
    )
    cells = (base.group_by(keys) if keys else base).aggregate(
        items=base.count(),
        trade_value=base.customs_value.sum(),
        revenue=base.duty_tax_amount.sum(),
        release_hours_mean=base.release_hours.mean(),
        released_items=base.release_hours.count(),
        importers=base.importer_id.nunique(),
    )
    if keys:
        cells = cells.join(top, keys)
        cells = cells.select([c for c in cells.columns if not c.endswith("_right")]).order_by(keys)
        return cells.to_pyarrow()
    return pa.concat_tables([cells.to_pyarrow()]).append_column("top_value", top.to_pyarrow()["top_value"])


def primary(row: dict, k: int, p: float) -> str | None:
    """Why a cell must be withheld on its own, or None."""
    if row["importers"] < k:
        return f"fewer than {k} importers"
    if row["trade_value"] > 0 and row["top_value"] > p / 100 * row["trade_value"]:
        return f"one importer holds more than {p:g} % of the value"
    return None


def secondary_suppression(cells: list[dict], totals: dict[str, dict[tuple, dict]], by: list[str]) -> int:
    """Withhold more cells until no published total has exactly one withheld cell in its line."""
    lines: dict[str, dict[tuple, list[dict]]] = {}
    for dim in by:
        rest = [d for d in by if d != dim]
        grouped: dict[tuple, list[dict]] = defaultdict(list)
        for c in cells:
            grouped[tuple(c[d] for d in rest)].append(c)
        lines[dim] = grouped
    added = 0
    changed = True
    while changed:
        changed = False
        for dim in by:
            for key, members in lines[dim].items():
                if totals[dim][key]["status"] != "published":
                    continue
                withheld = [c for c in members if c["status"] != "published"]
                if len(withheld) != 1:
                    continue
                others = [c for c in members if c["status"] == "published"]
                if others:
                    pick = min(others, key=lambda c: (c["trade_value"], c["items"]))
                    pick["status"], pick["reason"] = (
                        "secondary",
                        f"protects a withheld cell (total over {dim})",
                    )
                else:  # the line has one cell: its total would repeat it
                    totals[dim][key]["status"] = "secondary"
                    totals[dim][key]["reason"] = "equals a withheld cell"
                added += 1
                changed = True
    return added


def _rows_out(rows: list[dict], keys: list[str]) -> pa.Table:
    out = []
    for r in rows:
        shown = r["status"] == "published"
        out.append(
            {
                **{k: r[k] for k in keys},
                "items": r["items"] if shown else None,
                "trade_value": round(r["trade_value"], 2) if shown else None,
                "revenue": round(r["revenue"], 2) if shown else None,
                "release_hours_mean": (
                    round(r["release_hours_mean"], 2)
                    if shown and r["release_hours_mean"] is not None
                    else None
                ),
                "status": r["status"],
                "reason": r.get("reason") or "",
            }
        )
    schema = pa.schema(
        [
            *[(k, pa.string()) for k in keys],
            ("items", pa.int64()),
            ("trade_value", pa.float64()),
            ("revenue", pa.float64()),
            ("release_hours_mean", pa.float64()),
            ("status", pa.string()),
            ("reason", pa.string()),
        ]
    )
    return pa.Table.from_pylist(out, schema=schema)


def suppressed_tables(base: ir.Table, o: StatsOptions) -> tuple[pa.Table, dict[str, pa.Table], dict]:
    """Cells and the totals over each dimension, with primary and secondary suppression applied."""
    by = o.by
    cells = aggregate(base, by).to_pylist()
    for c in cells:
        reason = primary(c, o.k, o.p)
        c["status"], c["reason"] = ("primary", reason) if reason else ("published", "")
    totals: dict[str, dict[tuple, dict]] = {}
    for dim in by:
        rest = [d for d in by if d != dim]
        rows = aggregate(base, rest).to_pylist()
        for r in rows:
            reason = primary(r, o.k, o.p)
            r["status"], r["reason"] = ("primary", reason) if reason else ("published", "")
        totals[dim] = {tuple(r[d] for d in rest): r for r in rows}
    primary_cells = sum(c["status"] == "primary" for c in cells)
    added = secondary_suppression(cells, totals, by)
    counts = {
        "cells": len(cells),
        "primary": primary_cells,
        "secondary": sum(c["status"] == "secondary" for c in cells),
        "published": sum(c["status"] == "published" for c in cells),
        "totals_withheld": sum(r["status"] != "published" for t in totals.values() for r in t.values()),
        "secondary_steps": added,
    }
    out_totals = {dim: _rows_out(list(totals[dim].values()), [d for d in by if d != dim]) for dim in by}
    return _rows_out(cells, by), out_totals, counts


def laplace_release(
    values: np.ndarray, sensitivity: float, epsilon: float, integer: bool
) -> tuple[np.ndarray, dict]:
    """Values with OpenDP Laplace noise of scale sensitivity/epsilon; the privacy loss is checked by OpenDP."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    scale = sensitivity / epsilon
    if integer:
        space = dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int)
        meas = dp.m.make_laplace(*space, scale=scale)
        noisy = np.asarray(meas([int(v) for v in values]), dtype=np.float64)
        spent = float(meas.map(int(sensitivity)))
        accuracy = float(dp.discrete_laplacian_scale_to_accuracy(scale, DP_ALPHA))
    else:
        space = dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.l1_distance(T=float)
        meas = dp.m.make_laplace(*space, scale=scale)
        noisy = np.asarray(meas([float(v) for v in values]), dtype=np.float64)
        spent = float(meas.map(float(sensitivity)))
        accuracy = float(dp.laplacian_scale_to_accuracy(scale, DP_ALPHA))
    if spent > epsilon * (1 + 1e-9):
        raise RuntimeError(f"OpenDP reports epsilon {spent} above the {epsilon} allotted")
    return noisy, {
        "sensitivity": sensitivity,
        "epsilon": epsilon,
        "epsilon_spent": spent,
        "scale": scale,
        "accuracy95": accuracy,
    }


def dp_table(base: ir.Table, o: StatsOptions) -> tuple[pa.Table, dict]:
    """Noisy items, clipped trade value and clipped revenue for every combination of the dimension values."""
    by = o.by
    clipped = base.mutate(
        cv=ibis.greatest(ibis.least(base.customs_value, o.dp_value_clip), 0.0),
        rv=ibis.greatest(ibis.least(base.duty_tax_amount, o.dp_revenue_clip), 0.0),
    )
    true = (
        clipped.group_by(by)
        .aggregate(items=clipped.count(), trade_value=clipped.cv.sum(), revenue=clipped.rv.sum())
        .to_pyarrow()
    )
    domains = [sorted(set(base.select(d).distinct()[d].to_pyarrow().to_pylist())) for d in by]
    index = {tuple(r[d] for d in by): r for r in true.to_pylist()}
    combos = list(product(*domains))
    eps = o.dp_epsilon / len(MEASURES)
    values = {m: np.array([index.get(c, {}).get(m) or 0 for c in combos], dtype=np.float64) for m in MEASURES}
    items, p_items = laplace_release(values["items"], 1, eps, integer=True)
    value, p_value = laplace_release(values["trade_value"], o.dp_value_clip, eps, integer=False)
    revenue, p_rev = laplace_release(values["revenue"], o.dp_revenue_clip, eps, integer=False)
    cols = {d: [c[i] for c in combos] for i, d in enumerate(by)}
    cols |= {
        "items": items.astype(np.int64),
        "items_accuracy95": np.full(len(combos), p_items["accuracy95"]),
        "trade_value": np.round(value, 0),
        "trade_value_accuracy95": np.full(len(combos), round(p_value["accuracy95"], 0)),
        "revenue": np.round(revenue, 0),
        "revenue_accuracy95": np.full(len(combos), round(p_rev["accuracy95"], 0)),
    }
    params = {
        "items": p_items,
        "trade_value": p_value,
        "revenue": p_rev,
        "domains": {d: len(v) for d, v in zip(by, domains, strict=True)},
        "cells": len(combos),
    }
    return pa.table(cols), params


def publish(warehouse: Warehouse, o: StatsOptions, statistics_dir: Path, now: dt.datetime | None = None) -> dict:
    """Compute and write the statistics (all files or none); returns the manifest."""
    check_options(o)
    now = now or dt.datetime.now(dt.UTC)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    out = Path(o.out) if o.out else statistics_dir / f"{'-'.join(o.by)}-{stamp}"
    if out.exists() and any(out.iterdir()) and not o.overwrite:
        raise UserError(f"{out} already exists and is not empty: choose another --out or pass --overwrite")
    base = base_table(warehouse, o.by)
    n_items = int(base.count().to_pyarrow().as_py())
    if not n_items:
        raise UserError(
            "the declarations table is empty: nothing to publish (load data with `clearsight ingest`)"
        )
    manifest: dict = {
        "created_at": now.isoformat(timespec="seconds"),
        "by": o.by,
        "source_items": n_items,
        "measures": {
            "items": "goods items declared",
            "trade_value": "sum of customs values, national currency",
            "revenue": "sum of duties and taxes assessed, national currency",
            "release_hours_mean": "mean hours from lodgement to release (items with a release event)",
        },
        "files": {},
    }
    files: dict[str, pa.Table] = {}
    if o.dp_epsilon is not None:
        table, params = dp_table(base, o)
        files["cells.csv"] = table
        manifest["method"] = "differential privacy (OpenDP Laplace mechanism)"
        manifest["differential_privacy"] = {
            "epsilon": o.dp_epsilon,
            "unit": "one goods item (adding or removing one item changes one cell)",
            "value_clip": o.dp_value_clip,
            "revenue_clip": o.dp_revenue_clip,
            "split": "epsilon / 3 for each of items, trade_value, revenue (cells are disjoint)",
            "domain": "every combination of the values each dimension takes (treated as public lists)",
            "not_published": "release times and totals (add the noisy cells for totals)",
            **params,
        }
    else:
        cells, totals, counts = suppressed_tables(base, o)
        files["cells.csv"] = cells
        for dim, table in totals.items():
            files[f"totals_over_{dim}.csv"] = table
        manifest["method"] = "cell suppression"
        manifest["suppression"] = {
            "k": o.k,
            "p": o.p,
            "primary": f"fewer than {o.k} importers, or one importer above {o.p:g} % of the cell's trade value",
            "secondary": "no published total has exactly one withheld cell in its line",
            **counts,
        }
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        for name, table in files.items():
            pacsv.write_csv(table, tmp / name)
            manifest["files"][name] = {"rows": table.num_rows}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    manifest["path"] = str(out)
    return manifest


def accuracy_check(scale: float) -> float:
    """The 95 % half-width of continuous Laplace noise of ``scale``: scale × ln(1/0.05)."""
    return scale * math.log(1 / DP_ALPHA)
