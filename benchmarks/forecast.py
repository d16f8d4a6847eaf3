"""Forecast speed, peak memory and accuracy: 2,000 series × 60 months of trend and seasonality, every
candidate backtested (rolling origins) and each series forecast 12 months by its chosen model, then
reconciled (bottom-up and MinTrace) across a national > office > office × chapter hierarchy.

The issue's target: under 2 minutes on a developer's machine. Writes benchmarks/results/forecast.json
(seconds per stage, peak RSS, overall backtest MASE against seasonal naive).
Run: .venv/bin/python benchmarks/forecast.py [--series 2000] [--months 60] [--jobs N] [--models M,...] [--out F]
(``--models SeasonalNaive,AutoETS,AutoTheta,ARIMA,AutoARIMA --out benchmarks/results/forecast-autoarima.json``
measures what the AutoARIMA search would add.)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

RESULTS = Path(__file__).parent / "results" / "forecast.json"


def planted_hierarchy(series: int, months: int, seed: int):
    """Bottom series (20 offices × series/20 chapters) of trend × chapter season × noise, and their sums."""
    from clearsight.forecast.series import build_hierarchy

    rng = np.random.default_rng(seed)
    offices = 20
    chapters = series // offices
    dates = pd.date_range("2020-01-01", periods=months, freq="MS")
    rows = []
    t = np.arange(months)
    for o in range(offices):
        for c in range(chapters):
            level = rng.lognormal(12, 1) * (1 + rng.uniform(-0.005, 0.02) * t)
            season = 1 + rng.uniform(0.05, 0.3) * np.cos(2 * np.pi * (t % 12 - c % 12) / 12)
            y = level * season * np.exp(rng.normal(0, 0.08, months))
            rows.append(pd.DataFrame({"month": dates, "office_id": f"OFF{o:02d}", "chapter": f"{c:02d}",
                                      "amount": y, "items": 1, "first_lodged": dates,
                                      "last_lodged": dates + pd.offsets.MonthEnd(0)}))
    return build_hierarchy(pd.concat(rows, ignore_index=True), "duty", min_share=0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--models", default=None, help="candidates, comma-separated (default: the product's)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    from clearsight.forecast.engine import METHODS, _reconcile, coherence_gap
    from clearsight.forecast.models import (
        BASELINE,
        CANDIDATES,
        ModelOptions,
        backtest_windows,
        base_forecasts,
        choose,
        cross_validate,
        mase_by_series,
    )

    candidates = tuple(args.models.split(",")) if args.models else CANDIDATES
    options = ModelOptions(horizon=12, n_jobs=args.jobs, candidates=candidates).check()
    t0 = time.perf_counter()
    hier = planted_hierarchy(args.series, args.months, args.seed)
    t1 = time.perf_counter()
    windows = backtest_windows(len(hier.months), options)
    cv = cross_validate(hier.y, options, windows)
    mase = mase_by_series(cv, hier.y, options.candidates, options.season_length)
    chosen = choose(mase, options.candidates).to_dict()
    t2 = time.perf_counter()
    base = base_forecasts(hier.y, chosen, options)
    t3 = time.perf_counter()
    rec = _reconcile(hier, base, list(options.levels))
    t4 = time.perf_counter()
    overall = float(np.mean([mase.loc[s, m] for s, m in chosen.items()]))
    overall_sn = float(mase[BASELINE].mean())
    figures = {
        "series_bottom": len(hier.bottom),
        "series_all": len(hier.s_df),
        "months": args.months,
        "backtest_origins": windows,
        "jobs": args.jobs,
        "candidates": list(candidates),
        "seconds": {"aggregate": round(t1 - t0, 2), "backtest_and_choice": round(t2 - t1, 2),
                    "forecast": round(t3 - t2, 2), "reconcile": round(t4 - t3, 2), "total": round(t4 - t0, 2)},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "peak_rss_mb_largest_worker": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "overall_mase": round(overall, 4),
        "overall_mase_seasonal_naive": round(overall_sn, 4),
        "models_chosen": pd.Series(chosen).value_counts().to_dict(),
        "largest_relative_gap": {m: coherence_gap(rec, hier, m) for m in METHODS},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_1min": os.getloadavg()[0]},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
