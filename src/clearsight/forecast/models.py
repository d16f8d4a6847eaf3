"""Model choice per series by rolling-origin backtests, and the base forecasts with their intervals.

Four candidates by default (statsforecast): AutoETS, AutoTheta, a seasonal ARIMA, and seasonal
naive (the same month last year), the baseline every other must beat. The ARIMA is the "airline"
model, ARIMA(0,1,1)(0,1,1) with the season: the one X-13ARIMA-SEATS starts from for monthly
trade and revenue, fitted once. AutoARIMA (a stepwise search of orders) can be asked for as well
(``--models``): it lowers the overall backtest MASE by 1.5 to 2 % and takes four times as long
(``benchmarks/results/forecast-autoarima.json``), which would put 2,000 series past two minutes. Each series' history is cut at a few origins
(the last months, one quarter apart); each candidate forecasts the quarter after each origin; its
error is scaled by the series' own seasonal-naive error in the months before the origin (MASE). The
candidate with the lowest mean MASE is the series' model; a tie goes to seasonal naive, the simplest.

A series too short to learn a season (fewer than two seasons since its first amount) or mostly zeros
(more than ``max_zero_share`` of its months) is not backtested: it gets the stated fallback, the mean
of its months since the first amount (``HistoricAverage``, with a normal interval from their spread).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clearsight.core.errors import UserError

CANDIDATES: tuple[str, ...] = ("SeasonalNaive", "AutoETS", "AutoTheta", "ARIMA")  # ties: the first
#: Every model a user may ask for (``--models``): the defaults and the slower AutoARIMA search.
KNOWN: tuple[str, ...] = (*CANDIDATES, "AutoARIMA")
BASELINE = "SeasonalNaive"
FALLBACK = "HistoricAverage"


@dataclass(frozen=True)
class ModelOptions:
    """How far to forecast, how to backtest, which intervals."""

    horizon: int = 12
    season_length: int = 12
    backtest_horizon: int = 3  # one quarter ahead: the budget's review cycle
    backtest_windows: int = 4
    levels: tuple[int, ...] = (80, 95)
    max_zero_share: float = 0.3
    n_jobs: int = 1
    candidates: tuple[str, ...] = field(default=CANDIDATES)

    def check(self) -> ModelOptions:
        if not 1 <= self.horizon <= 60:
            raise UserError(f"the horizon must be between 1 and 60 months, got {self.horizon}")
        if not 1 <= self.backtest_windows <= 12:
            raise UserError(f"backtest windows must be between 1 and 12, got {self.backtest_windows}")
        if not 0 <= self.max_zero_share < 1:
            raise UserError(f"the largest share of zero months must be in [0, 1), got {self.max_zero_share}")
        unknown = set(self.candidates) - set(KNOWN)
        if unknown or BASELINE not in self.candidates:
            raise UserError(f"models must be among {', '.join(KNOWN)} and include {BASELINE}")
        return self


def make_model(name: str, season: int):
    """A statsforecast model under its own name (AutoARIMA's search kept to small orders: monthly
    revenue rarely needs more, and the search is most of the time spent)."""
    from statsforecast import models as m

    if name == "AutoETS":
        return m.AutoETS(season_length=season, alias=name)
    if name == "ARIMA":
        return m.ARIMA(order=(0, 1, 1), seasonal_order=(0, 1, 1), season_length=season, alias=name)
    if name == "AutoARIMA":
        return m.AutoARIMA(season_length=season, max_p=2, max_q=2, max_P=1, max_Q=1, alias=name)
    if name == "AutoTheta":
        return m.AutoTheta(season_length=season, alias=name)
    if name == "SeasonalNaive":
        return m.SeasonalNaive(season_length=season, alias=name)
    if name == FALLBACK:
        return m.HistoricAverage(alias=name)
    raise ValueError(name)


def fallback_reasons(y: pd.DataFrame, options: ModelOptions) -> dict[str, str]:
    """Series id -> why it gets the fallback (short or sparse); series not named are modelled."""
    reasons: dict[str, str] = {}
    need = 2 * options.season_length
    for sid, group in y.groupby("unique_id", sort=False):
        values = group["y"].to_numpy()
        nonzero = np.flatnonzero(values != 0)
        if len(nonzero) == 0:
            reasons[str(sid)] = "no amount in any month"
            continue
        span = values[nonzero[0] :]
        zero_share = float((span == 0).mean())
        if len(span) < need:
            reasons[str(sid)] = f"short: {len(span)} months since its first amount, fewer than two seasons ({need})"
        elif zero_share > options.max_zero_share:
            reasons[str(sid)] = f"sparse: {zero_share:.0%} of its months are zero"
    return reasons


def backtest_windows(months: int, options: ModelOptions) -> int:
    """Origins that leave at least one season and a month before the first (seasonal naive's scale)."""
    room = (months - options.season_length - 1) // options.backtest_horizon
    return max(0, min(options.backtest_windows, room))


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings():  # convergence notes of single fits: the backtest judges the result
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


def cross_validate(y: pd.DataFrame, options: ModelOptions, windows: int) -> pd.DataFrame:
    """statsforecast's rolling-origin cross-validation of every candidate (fitted once at the first
    origin, then updated with each new month: the forecasts an analyst would have made then)."""
    from statsforecast import StatsForecast

    sf = StatsForecast(
        models=[make_model(n, options.season_length) for n in options.candidates], freq="MS", n_jobs=options.n_jobs
    )
    h = options.backtest_horizon
    return _quiet(sf.cross_validation, h=h, df=y, n_windows=windows, step_size=h, refit=False)


def mase_by_series(cv: pd.DataFrame, y: pd.DataFrame, models: tuple[str, ...], season: int) -> pd.DataFrame:
    """Mean MASE per series and model over the backtest origins: the mean absolute error of each
    origin's forecasts over the mean absolute seasonal difference of the months before it."""
    hist = y.sort_values(["unique_id", "ds"])
    scales = []
    for sid, group in hist.groupby("unique_id", sort=False):
        values = group["y"].to_numpy()
        diffs = np.abs(values[season:] - values[:-season])
        cumulative = np.concatenate([[0.0], np.cumsum(diffs)])
        mean_level = np.concatenate([[0.0], np.cumsum(np.abs(values))])
        for k, ds in enumerate(group["ds"].to_numpy()):
            n = k + 1 - season  # seasonal differences known at origin ds
            scale = cumulative[n] / n if n > 0 else np.nan
            if not scale > 0:  # a flat history: errors are measured against its mean level instead
                scale = mean_level[k + 1] / (k + 1) if mean_level[k + 1] > 0 else 1.0
            scales.append((sid, ds, scale))
    scale = pd.DataFrame(scales, columns=["unique_id", "cutoff", "scale"])
    frame = cv.merge(scale, on=["unique_id", "cutoff"], how="left")
    errors = {m: (frame[m] - frame["y"]).abs() / frame["scale"] for m in models}
    per_origin = pd.DataFrame({"unique_id": frame["unique_id"], "cutoff": frame["cutoff"], **errors})
    return per_origin.groupby(["unique_id", "cutoff"]).mean().groupby("unique_id").mean()


def choose(mase: pd.DataFrame, models: tuple[str, ...]) -> pd.Series:
    """The model of lowest MASE per series, ties to the earliest in ``models`` (seasonal naive first)."""
    ordered = mase[list(models)].fillna(np.inf)
    return ordered.idxmin(axis=1)


def base_forecasts(y: pd.DataFrame, chosen: dict[str, str], options: ModelOptions) -> pd.DataFrame:
    """Each series forecast by its own model, with ``forecast``, ``forecast-lo-80`` ... columns. The
    fallback fits the months since the first amount. (No in-sample fitted values: MinTrace's
    structural weights do not need residuals, and computing them costs a quarter of the time.)"""
    from statsforecast import StatsForecast

    out = []
    levels = list(options.levels)
    for name in sorted(set(chosen.values())):
        ids = [s for s, m in chosen.items() if m == name]
        df = y[y["unique_id"].isin(ids)]
        if name == FALLBACK:
            first = df[df["y"] != 0].groupby("unique_id")["ds"].min()
            df = df[df["ds"] >= df["unique_id"].map(first).fillna(df["ds"].max())]
        sf = StatsForecast(models=[make_model(name, options.season_length)], freq="MS", n_jobs=options.n_jobs)
        fc = _quiet(sf.forecast, h=options.horizon, df=df, level=levels)
        rename = {c: c.replace(name, "forecast", 1) for c in fc.columns if c.startswith(name)}
        out.append(fc.rename(columns=rename))
    return pd.concat(out, ignore_index=True)


__all__ = [
    "BASELINE",
    "CANDIDATES",
    "FALLBACK",
    "KNOWN",
    "ModelOptions",
    "backtest_windows",
    "base_forecasts",
    "choose",
    "cross_validate",
    "fallback_reasons",
    "make_model",
    "mase_by_series",
]
