"""Before and after: did a reform change release times?

The medians and 90th percentiles of the two periods come from the warehouse; their differences get
percentile bootstrap confidence intervals (each period resampled with replacement, independently).
The bootstrap needs the release times themselves, one float per declaration, fetched once per period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import numpy as np

from clearsight.core.errors import UserError
from clearsight.core.warehouse import Warehouse
from clearsight.release.times import ReleaseOptions, open_study

#: Quantiles compared, and the name each difference takes in the result.
COMPARED: dict[str, float] = {"median_h": 0.5, "p90_h": 0.9}


def bootstrap_difference(
    before: np.ndarray,
    after: np.ndarray,
    q: float,
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, float, float]:
    """``quantile(after, q) - quantile(before, q)`` and its percentile bootstrap interval (low, high).

    Quantiles interpolate linearly, as the warehouse's do.
    """
    if len(before) == 0 or len(after) == 0:
        raise ValueError("both samples need at least one value")
    rng = np.random.default_rng(seed)
    diffs = np.empty(n_boot)
    for b in range(n_boot):
        a = np.quantile(after[rng.integers(0, len(after), len(after))], q)
        c = np.quantile(before[rng.integers(0, len(before), len(before))], q)
        diffs[b] = a - c
    alpha = (1 - level) / 2
    low, high = np.quantile(diffs, [alpha, 1 - alpha])
    return float(np.quantile(after, q) - np.quantile(before, q)), float(low), float(high)


def _times(wh: Warehouse, options: ReleaseOptions) -> tuple[np.ndarray, dict[str, int]]:
    study = open_study(wh, options)
    try:
        values = study.kept.select("total_h").to_pyarrow().column(0).to_numpy(zero_copy_only=False)
        return np.sort(values.astype(float)), study.counts
    finally:
        study.release()


def compare_periods(
    wh: Warehouse,
    before: tuple[dt.date, dt.date],
    after: tuple[dt.date, dt.date],
    options: ReleaseOptions | None = None,
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> dict[str, Any]:
    """Release times of two periods side by side, and the after-minus-before differences in median
    and p90 with bootstrap confidence intervals (negative: faster after)."""
    options = options or ReleaseOptions()
    periods: dict[str, Any] = {}
    samples: dict[str, np.ndarray] = {}
    for name, (start, end) in (("before", before), ("after", after)):
        values, counts = _times(wh, replace(options, date_from=start, date_to=end))
        if len(values) == 0:
            raise UserError(
                f"no measurable declaration in the {name} period {start} to {end} "
                f"({counts['with_events']} with events)"
            )
        samples[name] = values
        periods[name] = {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "declarations": len(values),
            "excluded": counts["with_events"] - counts["kept"],
            "mean_h": float(values.mean()),
            **{k: float(np.quantile(values, q)) for k, q in COMPARED.items()},
        }
    differences = {}
    for name, q in COMPARED.items():
        diff, low, high = bootstrap_difference(
            samples["before"], samples["after"], q, n_boot=n_boot, level=level, seed=seed
        )
        differences[name] = {
            "difference": diff,
            "ci_low": low,
            "ci_high": high,
            "significant": low > 0 or high < 0,
        }
    return {
        **periods,
        "differences": differences,
        "level": level,
        "bootstrap_samples": n_boot,
        "seed": seed,
    }
