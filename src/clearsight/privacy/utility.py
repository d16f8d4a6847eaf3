"""How useful a release stays: distributions before and after, and the targeting use case.

The use case that matters most: a researcher trains a risk model on the release; does it still find
fraud? Inspected items are split in time (the first 70 % train, the last 30 % are held out). The
*original* model learns from the training items as stored; the *release* model learns from the same
items as released (generalised columns, suppressed rows gone). Both score the held-out items, the
release model seeing them through the same generalisation (the administration knows its rules), and
the report gives the share of the original model's precision and recovered revenue at 5 % and 10 %
inspection budgets that the release model keeps.
"""

from __future__ import annotations

import contextlib
import math
import re

import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from clearsight.privacy.kanon import failing, generalise
from clearsight.schema.measures import FOUND_RESULTS

BUDGETS = (0.05, 0.10)
TRAIN_SHARE = 0.7
#: Columns the item-level model reads (the risk engine's "raw" feature set).
MODEL_COLUMNS = {
    "customs_value": "num",
    "net_mass_kg": "num",
    "quantity": "num",
    "gross_mass_kg": "num",
    "duty_rate": "num",
    "preference_code": "str",
    "hs6": "str",
    "aeo_status": "bool",
    "mode_of_transport": "str",
    "office_id": "str",
    "country_of_origin": "str",
}
_BAND = re.compile(r"^(-?[0-9.]+)-([0-9.]+)$")


def total_variation(p: np.ndarray, q: np.ndarray) -> float:
    """Half the L1 distance between two distributions given as counts (0 = identical, 1 = disjoint)."""
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    if not p.sum() or not q.sum():
        return 0.0
    return float(0.5 * np.abs(p / p.sum() - q / q.sum()).sum())


def distributions(
    source: ir.Table, levels: dict[str, int], classes: ir.Table, k: int, l_div: int | None, top: int = 12
) -> list[dict]:
    """Per quasi-identifier: distinct values before/after generalisation, and shares before/after suppression."""
    qis = list(levels)
    g = generalise(source, levels)
    bad = classes.filter(failing(classes, k, l_div)).select(*qis, _bad=classes.n * 0 + 1)
    flagged = g.left_join(bad, qis).select(*qis, _released=lambda t: t._bad.isnull())
    raw_distinct = source.aggregate(**{c: source[c].nunique() for c in qis}).to_pyarrow().to_pylist()[0]
    out = []
    for c in qis:
        counts = (
            flagged.group_by(c)
            .aggregate(before=flagged.count(), after=flagged._released.ifelse(1, 0).sum())
            .order_by([ibis_desc("before"), c])
            .to_pyarrow()
        )
        before = counts["before"].to_numpy()
        after = counts["after"].to_numpy()
        shares = [
            {"value": v, "before": int(b) / max(before.sum(), 1), "after": int(a) / max(after.sum(), 1)}
            for v, b, a in zip(counts[c].to_pylist()[:top], before[:top], after[:top], strict=True)
        ]
        out.append(
            {
                "column": c,
                "distinct_stored": int(raw_distinct[c]),
                "distinct_released": int((after > 0).sum()),
                "total_variation": total_variation(before, after),
                "top": shares,
            }
        )
    return out


def ibis_desc(name: str):
    import ibis

    return ibis.desc(name)


def _parse_number(values: list) -> np.ndarray:
    """Released text or numbers to a float: a band's geometric middle, a number as is, NaN for '*' or '?'."""
    out = np.full(len(values), np.nan)
    for i, v in enumerate(values):
        if v is None:
            continue
        if isinstance(v, (int, float)):
            out[i] = float(v)
            continue
        m = _BAND.match(v)
        if m:
            lo, hi = float(m.group(1)), float(m.group(2))
            out[i] = math.sqrt(max(lo, hi / 2) * hi)
        else:
            with contextlib.suppress(ValueError):
                out[i] = float(v)
    return out


def model_frame(table: pa.Table, released: bool) -> pa.Table:
    """The columns the model reads, from the stored values or from their released form (``rel_`` columns)."""
    cols = {}
    for name, kind in MODEL_COLUMNS.items():
        source = "hs_code" if name == "hs6" else name
        if not released:
            col = table[source]
            if name == "hs6":
                col = pc.utf8_slice_codeunits(col, 0, 6)
            cols[name] = col
            continue
        rel = f"rel_{source}"
        if rel not in table.column_names:
            cols[name] = pa.nulls(
                table.num_rows, {"num": pa.float64(), "str": pa.string(), "bool": pa.bool_()}[kind]
            )
            continue
        col = table[rel]
        if kind == "num":
            cols[name] = pa.array(_parse_number(col.to_pylist()), pa.float64())
        elif kind == "bool":
            is_bool = pa.types.is_boolean(col.type)
            cols[name] = col if is_bool else pc.equal(pc.utf8_lower(col.cast(pa.string())), "true")
        else:
            text = col.cast(pa.string())
            cols[name] = pc.if_else(pc.is_in(text, pa.array(["*", "?"])), None, text)
    cols["items_in_declaration"] = table["items_in_declaration"]
    return pa.table(cols)


def _precision(y: np.ndarray, scores: np.ndarray, budget: float) -> float:
    n = max(1, math.ceil(budget * len(y)))
    idx = np.argsort(-scores, kind="stable")[:n]
    return float(y[idx].mean())


def _revenue(rev: np.ndarray, scores: np.ndarray, budget: float) -> float:
    n = max(1, math.ceil(budget * len(rev)))
    idx = np.argsort(-scores, kind="stable")[:n]
    return float(rev[idx].sum() / rev.sum()) if rev.sum() > 0 else 0.0


def _estimator(engine: str = "auto"):
    """The risk engine's model when it is installed (or asked for), else a plain LightGBM on the same columns."""
    if engine == "lightgbm":
        return None, "LightGBM on the released columns"
    try:
        from clearsight.risk import RiskModel
    except ImportError:
        return None, "LightGBM on the released columns (the risk engine is not installed)"
    model = RiskModel(feature_set="raw", n_estimators=200, calibrate=False, n_jobs=1)
    return model, "clearsight risk engine (RiskModel, raw item features)"


def _fit_score(
    train: pa.Table, y: np.ndarray, rev: np.ndarray, test: pa.Table, engine: str = "auto"
) -> np.ndarray:
    model, _ = _estimator(engine)
    if model is not None:
        model.fit(train, y, rev)
        return model.score_items(test)["score"]
    import lightgbm as lgb

    def matrix(t: pa.Table, cats: dict[str, list]) -> np.ndarray:
        cols = []
        for name, kind in MODEL_COLUMNS.items():
            col = t[name]
            if kind == "str":
                codes = pc.index_in(col, value_set=pa.array(cats[name], pa.string()))
                cols.append(np.asarray(pc.cast(codes, pa.float64()).to_numpy(zero_copy_only=False)))
            else:
                cols.append(np.asarray(pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)))
        return np.column_stack(cols)

    cats = {
        n: sorted(v for v in pc.unique(train[n]).to_pylist() if v)
        for n, k in MODEL_COLUMNS.items()
        if k == "str"
    }
    clf = lgb.LGBMClassifier(n_estimators=200, learning_rate=0.03, num_leaves=15, verbose=-1, n_jobs=1)
    clf.fit(matrix(train, cats), y)
    return clf.predict_proba(matrix(test, cats))[:, 1]


def model_utility(labelled: pa.Table, engine: str = "auto") -> dict:
    """Original vs release model on held-out inspected items (see the module docstring)."""
    _, engine_name = _estimator(engine)
    labelled = labelled.sort_by(
        [("lodged_at", "ascending"), ("declaration_id", "ascending"), ("item_no", "ascending")]
    )
    n = labelled.num_rows
    cut = int(n * TRAIN_SHARE)
    y_all = np.asarray(
        pc.is_in(labelled["result"], pa.array(FOUND_RESULTS)).to_numpy(zero_copy_only=False),
        dtype=np.int64,
    )
    rev_all = np.nan_to_num(
        np.asarray(pc.cast(labelled["additional_revenue"], pa.float64()).to_numpy(zero_copy_only=False))
    )
    train, test = labelled.slice(0, cut), labelled.slice(cut)
    y_train, y_test, rev_train, rev_test = y_all[:cut], y_all[cut:], rev_all[:cut], rev_all[cut:]
    kept = np.asarray(train["released"].to_numpy(zero_copy_only=False), dtype=bool)
    base = {
        "engine": engine_name,
        "labelled_items": n,
        "train_items": cut,
        "test_items": n - cut,
        "train_items_released": int(kept.sum()),
        "test_frauds": int(y_test.sum()),
    }
    if min(int(y_train[kept].sum()), int(len(y_train[kept]) - y_train[kept].sum())) < 5 or y_test.sum() < 1:
        return base | {"skipped": "too few inspected frauds to train and evaluate a model"}
    try:
        original = _fit_score(model_frame(train, False), y_train, rev_train, model_frame(test, False), engine)
        release = _fit_score(
            model_frame(train.filter(pa.array(kept)), True),
            y_train[kept],
            rev_train[kept],
            model_frame(test, True),
            engine,
        )
    except Exception as exc:  # a model that cannot be trained is a finding of the report, not a crash
        return base | {"skipped": f"model could not be trained: {exc}"}
    out = base | {"budgets": {}}
    for b in BUDGETS:
        key = f"{b * 100:g}"
        po, pr = _precision(y_test, original, b), _precision(y_test, release, b)
        ro, rr = _revenue(rev_test, original, b), _revenue(rev_test, release, b)
        out["budgets"][key] = {
            "precision_original": po,
            "precision_release": pr,
            "precision_kept": pr / po if po else None,
            "revenue_original": ro,
            "revenue_release": rr,
            "revenue_kept": rr / ro if ro else None,
        }
    return out


def utility_report(
    source: ir.Table, plan, levels: dict[str, int], classes: ir.Table, labelled: pa.Table | None
) -> dict:
    """Distributions, and (when the release carries inspection outcomes) the targeting use case.

    ``labelled`` holds the inspected items with their released columns (the release builds it); None
    when the profile releases no inspection outcomes.
    """
    report: dict = {"distributions": distributions(source, levels, classes, plan.k, plan.l_diversity)}
    if labelled is not None:
        report["model"] = model_utility(labelled)
    else:
        report["model"] = {"skipped": "the public profile releases no inspection outcomes"}
    return report
