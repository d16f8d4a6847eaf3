"""Forecast revenue across the budget hierarchy: aggregate, backtest and choose, forecast, reconcile,
apply the scenario, and keep the result in the warehouse (``forecasts``) for the portal.

Reconciliation (hierarchicalforecast) makes the forecasts add up: **bottom-up** sums the office ×
chapter forecasts; **MinTrace** (structural weights) adjusts every level's forecast the least it can
so that chapters add up to offices and offices to the national total, using what each level knows.
The published method is MinTrace unless asked otherwise; both are kept.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from clearsight.core.errors import UserError
from clearsight.core.warehouse import Warehouse
from clearsight.forecast.models import (
    BASELINE,
    FALLBACK,
    ModelOptions,
    backtest_windows,
    base_forecasts,
    choose,
    cross_validate,
    fallback_reasons,
    mase_by_series,
)
from clearsight.forecast.scenarios import Scenario, heading_shares, tariff_effect
from clearsight.forecast.series import (
    MEASURE_LABELS,
    NATIONAL,
    Hierarchy,
    build_hierarchy,
    check_measure,
    monthly_frame,
    split_id,
)
from clearsight.schema.derived import FORECASTS

METHODS = {"bottom_up": "forecast/BottomUp", "min_trace": "forecast/MinTrace_method-wls_struct"}
METHOD_LABELS = {"base": "each series on its own", "bottom_up": "bottom-up", "min_trace": "MinTrace"}
#: Months of history shown with the forecast (the JSON, the report and the stored rows).
HISTORY_SHOWN = 36


@dataclass(frozen=True)
class ForecastOptions:
    measures: tuple[str, ...] = ("duty", "value")
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    method: str = "min_trace"
    min_share: float = 0.01
    models: ModelOptions = field(default_factory=ModelOptions)

    def check(self) -> ForecastOptions:
        for m in self.measures:
            check_measure(m)
        if self.method not in METHODS:
            raise UserError(f"unknown reconciliation method {self.method!r}; methods: {', '.join(METHODS)}")
        if not 0 <= self.min_share < 0.5:
            raise UserError(f"--min-share must be between 0 and 0.5, got {self.min_share}")
        self.models.check()
        return self


def _reconcile(hier: Hierarchy, base: pd.DataFrame, levels: list[int]) -> pd.DataFrame:
    from hierarchicalforecast.core import HierarchicalReconciliation
    from hierarchicalforecast.methods import BottomUp, MinTrace

    reconciler = HierarchicalReconciliation([BottomUp(), MinTrace(method="wls_struct")])
    rec = reconciler.reconcile(
        Y_hat_df=base, S_df=hier.s_df, tags=hier.tags, level=levels, intervals_method="normality"
    )
    out = rec[["unique_id", "ds"]].copy()
    for method, prefix in (("base", "forecast"), *METHODS.items()):
        out[method] = rec[prefix]
        for lv in levels:
            for side in ("lo", "hi"):
                out[f"{method}_{side}_{lv}"] = rec[f"{prefix}-{side}-{lv}"]
    return out


def coherence_gap(frame: pd.DataFrame, hier: Hierarchy, column: str) -> float:
    """Largest relative gap between a parent's forecast and the sum of its children's (0 when coherent)."""
    wide = frame.pivot(index="ds", columns="unique_id", values=column)
    bottoms = wide[hier.bottom].to_numpy()
    parents = hier.s_df.set_index("unique_id").loc[:, hier.bottom].to_numpy() @ bottoms.T  # series x months
    have = wide[list(hier.s_df["unique_id"])].to_numpy().T
    return float(np.max(np.abs(have - parents) / np.maximum(np.abs(parents), 1e-9)))


def forecast_measure(
    warehouse: Warehouse, measure: str, options: ForecastOptions, scenario: Scenario | None = None
) -> dict[str, Any]:
    """The whole forecast of one measure, as the report (JSON) gives it."""
    mo = options.models
    frame = monthly_frame(warehouse, measure, options.date_from, options.date_to)
    hier = build_hierarchy(frame, measure, options.min_share)
    months = len(hier.months)
    reasons = fallback_reasons(hier.y, mo)
    windows = backtest_windows(months, mo)
    modelled = [s for s in hier.s_df["unique_id"] if s not in reasons]
    if windows == 0:
        for s in modelled:
            reasons[s] = f"short: the history holds {months} months, too few for a backtest"
        modelled = []
    mase = pd.DataFrame(columns=list(mo.candidates))
    if modelled:
        y_mod = hier.y[hier.y["unique_id"].isin(modelled)]
        cv = cross_validate(y_mod, mo, windows)
        mase = mase_by_series(cv, y_mod, mo.candidates, mo.season_length)
    chosen = choose(mase, mo.candidates).to_dict() if len(mase) else {}
    chosen.update({s: FALLBACK for s in reasons})
    base = base_forecasts(hier.y, chosen, mo)
    levels = list(mo.levels)
    rec = _reconcile(hier, base, levels)
    effect = _scenario_effect(warehouse, hier, rec, options, scenario)
    gaps = {m: coherence_gap(rec, hier, m) for m in METHODS}
    return _report(hier, rec, chosen, reasons, mase, windows, options, gaps, effect, scenario)


def _scenario_effect(
    warehouse: Warehouse, hier: Hierarchy, rec: pd.DataFrame, options: ForecastOptions, scenario: Scenario | None
) -> pd.DataFrame | None:
    """Effect of the scenario on every series and month (summed up from the bottom)."""
    if scenario is None or (scenario.tariff is None and scenario.fx is None):
        return None
    published = options.method
    bottom = rec[rec["unique_id"].isin(hier.bottom)][["unique_id", "ds", published]]
    bottom = bottom.rename(columns={published: "amount"})
    effect = pd.Series(0.0, index=pd.MultiIndex.from_frame(bottom[["unique_id", "ds"]]))
    if scenario.tariff is not None:
        t = scenario.tariff
        first_month, last_month = bottom["ds"].min(), bottom["ds"].max()
        if not first_month <= pd.Timestamp(t.start) <= last_month:
            raise UserError(
                f"the tariff change starts {t.start:%Y-%m}, outside the forecast ({first_month:%Y-%m} to "
                f"{last_month:%Y-%m}): choose a month the forecast covers"
            )
        window_start = (hier.months[-1] - pd.DateOffset(months=11)).date()
        window_end = (hier.months[-1] + pd.DateOffset(months=1)).date()
        shares = heading_shares(warehouse, t.headings, window_start, window_end, hier.merged_chapters)
        recent = hier.y[(hier.y["ds"] >= pd.Timestamp(window_start)) & hier.y["unique_id"].isin(hier.bottom)]
        totals = recent.groupby("unique_id", as_index=False)["y"].sum().rename(columns={"y": "total"})
        tariff = tariff_effect(bottom, totals, shares, t, hier.measure).set_index(["unique_id", "ds"])["effect"]
        effect = effect.add(tariff, fill_value=0.0)
    after_tariff = bottom.set_index(["unique_id", "ds"])["amount"] + effect
    if scenario.fx is not None:
        months = after_tariff.index.get_level_values("ds")
        factor = scenario.fx.factor(pd.DatetimeIndex(months))
        effect = effect + after_tariff * (factor - 1)
    wide = effect.rename("effect").reset_index().pivot(index="ds", columns="unique_id", values="effect")
    wide = wide.reindex(columns=hier.bottom).fillna(0.0)
    s = hier.s_df.set_index("unique_id")[hier.bottom].to_numpy()
    every = wide.to_numpy() @ s.T
    return pd.DataFrame(
        {
            "unique_id": np.repeat(hier.s_df["unique_id"].to_numpy(), len(wide.index)),
            "ds": np.tile(wide.index.to_numpy(), len(hier.s_df)),
            "effect": every.T.reshape(-1),
        }
    )


def _num(v: Any) -> float | None:
    return None if v is None or not np.isfinite(v) else round(float(v), 4)


def _report(
    hier: Hierarchy,
    rec: pd.DataFrame,
    chosen: dict[str, str],
    reasons: dict[str, str],
    mase: pd.DataFrame,
    windows: int,
    options: ForecastOptions,
    gaps: dict[str, float],
    effect: pd.DataFrame | None,
    scenario: Scenario | None,
) -> dict[str, Any]:
    published, levels = options.method, options.models.levels
    history = hier.y[hier.y["ds"] >= hier.months[-min(HISTORY_SHOWN, len(hier.months))]]
    hist_by = {sid: g for sid, g in history.groupby("unique_id", sort=False)}
    rec_by = {sid: g.sort_values("ds") for sid, g in rec.groupby("unique_id", sort=False)}
    eff_by = {sid: g.set_index("ds")["effect"] for sid, g in effect.groupby("unique_id")} if effect is not None else {}
    series = []
    for sid in hier.s_df["unique_id"]:
        office, chapter = split_id(sid)
        row_mase = mase.loc[sid].to_dict() if sid in mase.index else {}
        sn = row_mase.get(BASELINE)
        points = []
        for r in rec_by[sid].itertuples(index=False):
            p = {"month": r.ds.strftime("%Y-%m"), "forecast": _num(getattr(r, published))}
            for lv in levels:
                p[f"lo_{lv}"] = _num(max(getattr(r, f"{published}_lo_{lv}"), 0.0))  # revenue is never negative
                p[f"hi_{lv}"] = _num(getattr(r, f"{published}_hi_{lv}"))
            p.update({m: _num(getattr(r, m)) for m in ("base", *METHODS)})
            if sid in eff_by:
                p["scenario"] = _num(getattr(r, published) + eff_by[sid].get(r.ds, 0.0))
            points.append(p)
        series.append(
            {
                "series_id": sid,
                "level": hier.level_of(sid),
                "office_id": office,
                "chapter": chapter,
                "model": chosen[sid],
                "fallback": reasons.get(sid),
                "mase": {k: _num(v) for k, v in row_mase.items()},
                "mase_vs_seasonal_naive": {k: _num(v / sn) if sn else None for k, v in row_mase.items()},
                "history": [
                    {"month": d.strftime("%Y-%m"), "amount": _num(v)}
                    for d, v in zip(hist_by[sid]["ds"], hist_by[sid]["y"], strict=True)
                ],
                "forecast": points,
            }
        )
    modelled = mase.dropna(how="all")
    chosen_mase = [modelled.loc[s, chosen[s]] for s in modelled.index]
    overall = float(np.nanmean(chosen_mase)) if chosen_mase else None
    overall_sn = float(np.nanmean(modelled[BASELINE])) if len(modelled) else None
    national = next(s for s in series if s["series_id"] == NATIONAL)
    quarter = national["forecast"][:3]
    headline = {
        "months": [p["month"] for p in quarter],
        "forecast": _num(sum(p["forecast"] for p in quarter)),
        # consecutive months' errors move together: their half-widths add (the cautious end)
        "lo_80": _num(sum(p["forecast"] for p in quarter) - sum(p["forecast"] - p["lo_80"] for p in quarter)),
        "hi_80": _num(sum(p["hi_80"] for p in quarter)),
    }
    if scenario is not None and "scenario" in quarter[0]:
        headline["scenario"] = _num(sum(p["scenario"] for p in quarter))
    counts: dict[str, int] = {}
    for m in chosen.values():
        counts[m] = counts.get(m, 0) + 1
    return {
        "measure": hier.measure,
        "label": MEASURE_LABELS[hier.measure],
        "history": {
            "from": hier.months[0].strftime("%Y-%m"),
            "to": hier.months[-1].strftime("%Y-%m"),
            "months": len(hier.months),
            "partial_months_left_out": hier.partial_months_dropped,
        },
        "hierarchy": {
            "levels": ["national", "office", "office × HS chapter"],
            "series": len(series),
            "offices": len(hier.tags["office"]),
            "bottom_series": len(hier.bottom),
            "chapters_summed_into_other": {o: len(c) for o, c in hier.merged_chapters.items()},
            "tax_type": "not a level: the declarations carry duty and taxes as one amount",
        },
        "backtest": {
            "origins": windows,
            "horizon_months": options.models.backtest_horizon,
            "series_backtested": len(modelled),
            "overall_mase": _num(overall),
            "overall_mase_seasonal_naive": _num(overall_sn),
            "overall_vs_seasonal_naive": _num(overall / overall_sn) if overall and overall_sn else None,
        },
        "models_chosen": dict(sorted(counts.items())),
        "fallbacks": len(reasons),
        "reconciliation": {
            "published": published,
            "methods": list(METHODS),
            "largest_relative_gap": {m: _num(g) for m, g in gaps.items()},
        },
        "levels": list(levels),
        "horizon": options.models.horizon,
        "headline_next_quarter": headline,
        "scenario": scenario.describe() if scenario else None,
        "series": series,
    }


def forecast_revenue(
    warehouse: Warehouse, options: ForecastOptions, scenario: Scenario | None = None
) -> dict[str, Any]:
    """Forecast each measure; the report every door shows (``--json``, the HTML page, the portal)."""
    options = options.check()
    if scenario is not None:
        if scenario.tariff is not None:
            scenario.tariff.check()
        if scenario.fx is not None:
            scenario.fx.check()
    made_at = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    return {
        "run_id": uuid.uuid4().hex[:12],
        "made_at": made_at.isoformat(),
        "engine": warehouse.kind,
        "measures": {m: forecast_measure(warehouse, m, options, scenario) for m in options.measures},
    }


def forecast_rows(report: dict[str, Any]) -> pa.Table:
    """The report as ``forecasts`` rows: history, forecast (every method) and scenario, per series."""
    cols: dict[str, list] = {name: [] for name, _ in FORECASTS.columns}
    made_at = dt.datetime.fromisoformat(report["made_at"])

    def add(m: dict, s: dict, month: str, kind: str, method: str, amount, bounds=None) -> None:
        bounds = bounds or {}
        row = {
            "run_id": report["run_id"], "made_at": made_at, "measure": m["measure"], "series_id": s["series_id"],
            "level": s["level"], "office_id": s["office_id"], "chapter": s["chapter"],
            "month": dt.date.fromisoformat(month + "-01"), "kind": kind, "method": method, "amount": amount,
            "lo_80": bounds.get("lo_80"), "hi_80": bounds.get("hi_80"),
            "lo_95": bounds.get("lo_95"), "hi_95": bounds.get("hi_95"),
            "model": s["model"], "fallback": s["fallback"],
            "mase": s["mase"].get(s["model"]), "mase_seasonal_naive": s["mase"].get(BASELINE),
            "backtest": json.dumps(s["mase"]), "scenario": m["scenario"],
        }
        for k, v in row.items():
            cols[k].append(v)

    for m in report["measures"].values():
        published = m["reconciliation"]["published"]
        for s in m["series"]:
            for h in s["history"]:
                add(m, s, h["month"], "actual", "", h["amount"])
            for p in s["forecast"]:
                add(m, s, p["month"], "forecast", published, p["forecast"], p)
                for other in ("base", *METHODS):
                    if other != published:
                        add(m, s, p["month"], "forecast", other, p[other])
                if "scenario" in p:
                    add(m, s, p["month"], "scenario", published, p["scenario"])
    return pa.Table.from_pydict(cols, schema=FORECASTS.arrow_schema())


def store_forecasts(warehouse: Warehouse, report: dict[str, Any]) -> int:
    """Keep the report in ``forecasts``, replacing the earlier forecast of the same measures."""
    rows = forecast_rows(report)
    measures = list(report["measures"])
    warehouse.table(FORECASTS.name)  # created when first used
    warehouse.replace_rows(FORECASTS.name, rows, lambda t: t.measure.isin(measures))
    return rows.num_rows


def stored_forecasts(warehouse: Warehouse, measure: str = "duty", method: str | None = None) -> dict[str, Any]:
    """The latest stored forecast of a measure for the portal: national and office series (history,
    the published forecast with its intervals, the scenario) and their models; {} when none is stored."""
    check_measure(measure)
    if not warehouse.has_table(FORECASTS.name):
        return {}
    t = warehouse.table(FORECASTS.name)
    t = t.filter((t.measure == measure) & (t.level != "office_chapter"))
    rows = t.to_pyarrow().to_pylist()
    if not rows:
        return {}
    published = method or next(r["method"] for r in rows if r["kind"] == "forecast" and r["lo_80"] is not None)
    series: dict[str, dict[str, Any]] = {}
    for r in sorted(rows, key=lambda r: r["month"]):
        s = series.setdefault(
            r["series_id"],
            {
                "series_id": r["series_id"], "level": r["level"], "office_id": r["office_id"], "model": r["model"],
                "fallback": r["fallback"], "mase": r["mase"], "mase_seasonal_naive": r["mase_seasonal_naive"],
                "history": [], "forecast": [], "scenario": [],
            },
        )
        month = r["month"].strftime("%Y-%m")
        if r["kind"] == "actual":
            s["history"].append({"month": month, "amount": r["amount"]})
        elif r["kind"] == "forecast" and r["method"] == published:
            s["forecast"].append(
                {"month": month, "forecast": r["amount"], **{k: r[k] for k in ("lo_80", "hi_80", "lo_95", "hi_95")}}
            )
        elif r["kind"] == "scenario" and r["method"] == published:
            s["scenario"].append({"month": month, "amount": r["amount"]})
    first = rows[0]
    ordered = sorted(series.values(), key=lambda s: (s["level"] != "national", s["series_id"]))
    return {
        "measure": measure,
        "label": MEASURE_LABELS[measure],
        "run_id": first["run_id"],
        "made_at": first["made_at"].isoformat(),
        "method": published,
        "scenario": first["scenario"],
        "series": ordered,
    }


__all__ = [
    "METHODS",
    "ForecastOptions",
    "coherence_gap",
    "forecast_measure",
    "forecast_revenue",
    "forecast_rows",
    "store_forecasts",
    "stored_forecasts",
]
