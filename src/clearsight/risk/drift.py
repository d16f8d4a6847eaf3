"""Drift: has the population the model scores moved away from the one it learned from?

The population stability index (PSI) compares the share of items in each bin of a feature in one week
(``a``) with the share in a reference period (``e``): ``PSI = Σ (a − e) × ln(a / e)``. Bins:

* numbers (customs value, unit value, duty rate, the model's fraud probability): the deciles of the
  reference (ties merged, so a feature with few distinct values gets fewer bins), plus one bin for a
  missing value;
* categories (HS chapter, origin, mode of transport): the reference's most frequent values, one bin
  for every other value and one for a missing value;
* the importer's history at lodgement: fixed, stated bins (prior items 0 / 1–4 / 5–19 / 20–99 / 100+;
  past fraud rate never inspected / 0 / up to 10 % / up to 30 % / above).

An empty bin counts as a share of ``FLOOR`` (0.0001) so the logarithm stays finite. The usual reading:
below 0.1 stable, 0.1 to 0.25 watch, 0.25 or more act (the model is scoring a population it has not
seen: check the data, then retrain). The reference is the last weeks of the promoted model's training
window when at least one whole week of items was lodged after it, otherwise the warehouse's first weeks.

A week the data only partly covers (the last week of the data when it ends on a Tuesday, or the first
when it starts on a Thursday) holds a different mix of weekdays, so its PSI can pass ``ACT`` with no
change in the population. Such a week is shown, flagged ``partial`` with its days of data, and never
raises an alert: the alerts (CLI, demo, report, the portal's Models page) read the latest full week.

Every count is an Ibis aggregation executed in the warehouse (DuckDB or Spark); only the model's
scores need the items themselves (point-in-time history and a LightGBM prediction), which is why
:func:`drift_warnings` — called by pages that must stay fast — uses the feature counts alone unless a
full report (with scores) for the same model and data is cached.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np

from clearsight.core.errors import UserError
from clearsight.core.files import write_json_atomic
from clearsight.core.settings import Settings
from clearsight.core.warehouse import Warehouse
from clearsight.core.workspace import Workspace
from clearsight.risk.history import label_history, labels, quiet, revenue_basis

#: PSI thresholds: at or above WATCH the feature is worth a look, at or above ACT it calls for action.
WATCH = 0.10
ACT = 0.25
#: Share given to an empty bin (in either period) so that ln(a / e) stays finite.
FLOOR = 1e-4
#: Quantile bins of numeric features (deciles of the reference).
N_BINS = 10
#: Most frequent categories of the reference kept as bins of their own.
TOP_CATEGORIES = 15
#: A week with fewer items is left out (its PSI would be mostly noise: about bins / items).
MIN_WEEK_ITEMS = 500
#: Fewest reference items; with fewer there is nothing to compare with.
MIN_REFERENCE_ITEMS = 2000
#: Weeks forming the reference (the model's last training weeks, or the warehouse's first weeks).
REFERENCE_WEEKS = 8
MISSING = "missing"
OTHER = "other"

NUMERIC = {
    "customs_value": "customs value",
    "unit_value": "unit value (customs value per kg)",
    "duty_rate": "duty rate",
}
CATEGORY = {
    "hs2": "HS chapter mix",
    "country_of_origin": "origin mix",
    "mode_of_transport": "mode of transport",
}
PRIOR_ITEMS_BINS = ((0, "0"), (1, "1–4"), (5, "5–19"), (20, "20–99"), (100, "100+"))
FRAUD_RATE_BOUNDS = (0.0, 0.10, 0.30)
FRAUD_RATE_NAMES = ("0", "up to 10 %", "10–30 %", "above 30 %")
HISTORY = {
    "importer_prior_items": "importer's prior items",
    "importer_fraud_rate": "importer's past fraud rate",
}
SCORE = {"score": "the model's fraud probability"}
LABELS = {**NUMERIC, **CATEGORY, **HISTORY, **SCORE}


def psi(expected: np.ndarray, actual: np.ndarray, floor: float = FLOOR) -> float:
    """Population stability index of two count (or share) vectors over the same bins."""
    e = np.asarray(expected, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    if e.shape != a.shape or e.sum() <= 0 or a.sum() <= 0:
        raise ValueError("psi needs two non-empty count vectors of the same length")
    e = np.maximum(e / e.sum(), floor)
    a = np.maximum(a / a.sum(), floor)
    return float(np.sum((a - e) * np.log(a / e)))


def level(value: float | None) -> str:
    """``stable``, ``watch`` or ``act`` for a PSI value (``none`` when there is none)."""
    if value is None:
        return "none"
    return "act" if value >= ACT else "watch" if value >= WATCH else "stable"


@dataclass
class FeatureDrift:
    name: str
    label: str
    bins: list[str]
    reference: list[int]
    weeks: list[list[int]]
    psi: list[float]


@dataclass
class DriftReport:
    """PSI per feature per week against one reference period."""

    reference_from: str
    reference_to: str
    reference_source: str
    reference_items: int
    model: str | None
    weeks: list[str]
    week_items: list[int]
    features: list[FeatureDrift]
    engine: str
    scores: bool
    notes: list[str] = field(default_factory=list)
    #: days with lodgements in each week, and whether the data covers the week only in part
    week_days: list[int] = field(default_factory=list)
    week_partial: list[bool] = field(default_factory=list)

    def latest_index(self) -> int | None:
        """The latest full week (partial weeks are shown, never alerted on), None when there is none."""
        partial = self.week_partial or [False] * len(self.weeks)
        return next((i for i in range(len(self.weeks) - 1, -1, -1) if not partial[i]), None)

    def latest(self, name: str) -> float | None:
        """PSI of a feature in the latest full week."""
        f = next((f for f in self.features if f.name == name), None)
        i = self.latest_index()
        return f.psi[i] if f is not None and i is not None else None

    def acting(self) -> list[FeatureDrift]:
        """Features whose PSI in the latest full week is at or above ``ACT``."""
        i = self.latest_index()
        return [] if i is None else [f for f in self.features if f.psi[i] >= ACT]

    def partial_weeks(self) -> list[tuple[str, int]]:
        """(week, days of data) of the weeks the data covers only in part."""
        return [(w, d) for w, d, p in zip(self.weeks, self.week_days, self.week_partial, strict=True) if p]

    def warnings(self) -> list[str]:
        """One sentence per feature whose PSI in the latest full week is at or above ``ACT``."""
        i = self.latest_index()
        return [
            f"{f.label[0].upper()}{f.label[1:]} has drifted: population stability index {f.psi[i]:.2f} "
            f"in the week of {self.weeks[i]} against {self.reference_source} "
            f"({self.reference_from} to {self.reference_to}); at {ACT} or more, check the data and "
            "consider retraining the model."
            for f in self.acting()
            if i is not None
        ]

    def headline(self) -> str:
        """One line for the terminal and the demo: weeks compared, partial weeks, features past ``ACT``."""
        i = self.latest_index()
        acting = ", ".join(f.label for f in self.acting()) or "no feature"
        line = f"{len(self.weeks)} week(s) compared"
        if not self.weeks:  # say why: weeks too small to measure (a small world), not a quiet model
            left_out = [n for n in self.notes if "left out" in n]
            return "no week compared" + (f": {left_out[0]}" if left_out else "")
        if i is not None:
            line += f"; in the latest full week ({self.weeks[i]}) {acting} past {ACT}"
        else:
            line += "; no full week to judge"
        partial = self.partial_weeks()
        if partial:
            line += "; partial week(s) shown, not alerted on: " + ", ".join(
                f"{w} ({d} day{'s' if d != 1 else ''})" for w, d in partial
            )
        return line

    def trimmed(self, weeks: int | None) -> DriftReport:
        """The same report with only the last ``weeks`` weeks."""
        if weeks is None or weeks >= len(self.weeks):
            return self
        cut = len(self.weeks) - weeks
        feats = [
            FeatureDrift(f.name, f.label, f.bins, f.reference, f.weeks[cut:], f.psi[cut:])
            for f in self.features
        ]
        return DriftReport(
            **{
                **asdict(self),
                "features": feats,
                "weeks": self.weeks[cut:],
                "week_items": self.week_items[cut:],
                "week_days": self.week_days[cut:],
                "week_partial": self.week_partial[cut:],
            }
        )

    def to_json_dict(self) -> dict[str, Any]:
        """``latest`` and ``level`` of each feature are those of ``latest_week``, the latest full week."""
        i = self.latest_index()
        days = self.week_days or [7] * len(self.weeks)
        partial = self.week_partial or [False] * len(self.weeks)
        return {
            "reference": {
                "from": self.reference_from,
                "to": self.reference_to,
                "source": self.reference_source,
                "items": self.reference_items,
            },
            "model": self.model,
            "thresholds": {"watch": WATCH, "act": ACT, "empty_bin_share": FLOOR},
            "weeks": [
                {"week": w, "items": n, "days": d, "partial": p}
                for w, n, d, p in zip(self.weeks, self.week_items, days, partial, strict=True)
            ],
            "latest_week": None if i is None else self.weeks[i],
            "features": [
                {
                    "name": f.name,
                    "label": f.label,
                    "psi": f.psi,
                    "latest": None if i is None else f.psi[i],
                    "level": level(None if i is None else f.psi[i]),
                    "bins": f.bins,
                    "reference_counts": f.reference,
                    "week_counts": f.weeks,
                }
                for f in self.features
            ],
            "warnings": self.warnings(),
            "headline": self.headline(),
            "scores": self.scores,
            "engine": self.engine,
            "notes": self.notes,
        }

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> DriftReport:
        ref = data["reference"]
        return cls(
            reference_from=ref["from"],
            reference_to=ref["to"],
            reference_source=ref["source"],
            reference_items=ref["items"],
            model=data["model"],
            weeks=[w["week"] for w in data["weeks"]],
            week_items=[w["items"] for w in data["weeks"]],
            week_days=[w.get("days", 7) for w in data["weeks"]],
            week_partial=[w.get("partial", False) for w in data["weeks"]],
            features=[
                FeatureDrift(
                    f["name"], f["label"], f["bins"], f["reference_counts"], f["week_counts"], f["psi"]
                )
                for f in data["features"]
            ],
            engine=data["engine"],
            scores=data["scores"],
            notes=data.get("notes", []),
        )


# -- the reference period and the weeks -------------------------------------------------------------
@dataclass
class Periods:
    ref_from: dt.datetime
    ref_to: dt.datetime  # exclusive; also the first monitored week's start
    source: str
    end: dt.datetime  # exclusive end of the monitored weeks
    #: False for the warehouse's first weeks: trader histories are still building up in them, so
    #: history features would drift by construction and are left out.
    history: bool = True


def _monday(t: dt.datetime) -> dt.datetime:
    day = dt.datetime(t.year, t.month, t.day)
    return day - dt.timedelta(days=day.weekday())


def _parse(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return value.replace(tzinfo=None)


def periods(
    weekly: dict[dt.datetime, int], model: Any | None, reference_weeks: int = REFERENCE_WEEKS
) -> Periods:
    """The last weeks of the model's training window when a whole week follows it, else the first weeks.

    ``weekly``: items per week (Monday). A reference takes ``reference_weeks`` weeks, more if they hold
    fewer than ``MIN_REFERENCE_ITEMS`` items. With a model, they are the last weeks it was trained on
    (the most recent population it learned from: its whole window would reach back to weeks when
    trader histories were shorter), and the first monitored week is the first whole week after
    training (the days between are left out).
    """
    weeks = sorted(weekly)
    end = weeks[-1] + dt.timedelta(days=7)
    if model is not None:
        until = _parse(model.trained_until)
        if until is not None:
            # ``--until`` is exclusive (a Monday starts a whole week after it); a last lodgement is not.
            first_week = until if until == _monday(until) else _monday(until) + dt.timedelta(days=7)
            before = [w for w in weeks if w < first_week]
            if before and first_week + dt.timedelta(days=7) <= end:
                taken = _enough(weekly, before[::-1], reference_weeks)
                start = max(before[-taken], _parse(model.trained_from) or before[-taken])
                return Periods(
                    start, first_week, f"the last {taken} training weeks of model {model.name}", end
                )
    taken = _enough(weekly, weeks[:-1], reference_weeks)
    return Periods(weeks[0], weeks[taken], f"the first {taken} weeks of the warehouse", end, history=False)


def _enough(weekly: dict[dt.datetime, int], weeks: list[dt.datetime], reference_weeks: int) -> int:
    """How many of ``weeks`` (in order) make a reference: ``reference_weeks``, more if items are few."""
    taken, items = 0, 0
    while taken < len(weeks) and (taken < reference_weeks or items < MIN_REFERENCE_ITEMS):
        items += weekly[weeks[taken]]
        taken += 1
    return max(taken, 1)


def _weekly(warehouse: Warehouse) -> tuple[dict[dt.datetime, int], dict[dt.datetime, int]]:
    """Items lodged per week, and days with lodgements per week (both keyed by the week's Monday)."""
    d = warehouse.table("declarations")
    t = d.select(week=d.lodged_at.truncate("W").cast("timestamp"), day=d.lodged_at.date())
    rows = t.group_by("week").aggregate(n=t.count(), days=t.day.nunique()).to_pyarrow().to_pylist()
    weekly = {_naive(r["week"]): int(r["n"]) for r in rows if r["week"] is not None}
    days = {_naive(r["week"]): int(r["days"]) for r in rows if r["week"] is not None}
    return weekly, days


def partial_weeks(days: dict[dt.datetime, int]) -> dict[dt.datetime, int]:
    """The edge weeks the data covers only in part, with their days of data.

    The first and the last week of the data are partial when they hold fewer days with lodgements
    than a typical week (the median over the weeks): an office closed at weekends lodges on five days
    every week, so a last week ending on a Friday is full, and one ending on a Tuesday is not. A
    quiet week inside the data (a holiday) is a real week of the population, not a partial one.
    """
    if not days:
        return {}
    typical = float(np.median(list(days.values())))
    weeks = sorted(days)
    edges = {weeks[0], weeks[-1]}
    return {w: days[w] for w in sorted(edges) if days[w] < typical}


# -- counts in the warehouse -----------------------------------------------------------------------
def _base(warehouse: Warehouse, p: Periods, basis: str) -> ir.Table:
    """Items of [ref_from, end) with their feature values, ``ref`` and ``week`` (Ibis, not executed)."""
    d = warehouse.table("declarations")
    past = d.filter(d.lodged_at < p.end)
    cols = {
        "unit_value": ((past.net_mass_kg > 0) & (past.customs_value > 0)).ifelse(
            past.customs_value / past.net_mass_kg, ibis.null("float64")
        )
    }
    if p.history:
        prior = ibis.rank().over(ibis.window(group_by="importer_id", order_by=past.lodged_at)).cast("int64")
        cols["importer_prior_items"] = past.importer_id.isnull().ifelse(ibis.null("int64"), prior)
    keep = ("declaration_id", "item_no", "lodged_at", "importer_id", "customs_value", "duty_rate", *CATEGORY)
    items = past.select(*keep, **cols)
    items = items.filter(items.lodged_at >= p.ref_from)
    extra = {}
    if p.history:
        lab = labels(warehouse, basis)
        lab = lab.filter(lab.known_at < p.end)
        hist = label_history(items.mutate(as_of=items.lodged_at), lab, "importer", ("importer_id",))
        items = items.left_join(hist, ["declaration_id", "item_no"])
        n, f = items.hist_n_importer.fill_null(0), items.hist_fraud_importer.fill_null(0)
        extra = {
            "importer_prior_items": items.importer_prior_items,
            "importer_n": items.importer_id.isnull().ifelse(ibis.null("int64"), n),
            "importer_rate": (n > 0).ifelse(f.cast("float64") / n, ibis.null("float64")),
        }
    ref = items.lodged_at < p.ref_to
    return items.select(
        *NUMERIC,
        *CATEGORY,
        **extra,
        ref=ref,
        week=ref.ifelse(ibis.null("timestamp"), items.lodged_at.truncate("W").cast("timestamp")),
    )


def _edges(values: list[float | None]) -> list[float]:
    return sorted({float(v) for v in values if v is not None and math.isfinite(float(v))})


def _steps(value: ir.NumericValue, bounds: list[float], strict: bool = True) -> ir.IntegerValue:
    """How many bounds ``value`` is above (``strict``) or at least: the bin index, -1 when missing."""
    index = ibis.literal(0, "int64")
    for b in bounds:
        index = index + ((value > b) if strict else (value >= b)).cast("int64")
    return value.isnull().ifelse(ibis.literal(-1, "int64"), index)


def _numeric_bins(base: ir.Table) -> dict[str, tuple[ir.IntegerValue, list[float]]]:
    """Bin index per numeric feature (-1 missing, 0..k by the reference deciles) and the edges."""
    ref = base.filter(base.ref)
    probs = [i / N_BINS for i in range(1, N_BINS)]
    aggs = {f"{c}__{i}": ref[c].approx_quantile(q) for c in NUMERIC for i, q in enumerate(probs)}
    row = ref.aggregate(**aggs).to_pyarrow().to_pylist()[0]
    out = {}
    for c in NUMERIC:
        edges = _edges([row[f"{c}__{i}"] for i in range(len(probs))])
        out[c] = (_steps(base[c].cast("float64"), edges), edges)
    return out


def _numeric_names(edges: list[float]) -> list[str]:
    """Bin names ``≤ e1``, ``> e1 ≤ e2``, ..., ``> ek`` for the edges."""
    bounds = [-math.inf, *edges, math.inf]
    names = []
    for lo, hi in itertools.pairwise(bounds):
        left = "" if lo == -math.inf else f"> {lo:.4g}"
        right = "" if hi == math.inf else f"≤ {hi:.4g}"
        names.append(f"{left} {right}".strip())
    return names


def _category_bins(base: ir.Table, column: str) -> tuple[ir.StringValue, list[str]]:
    """The reference's most frequent values, ``other`` and ``missing``."""
    ref = base.filter(base.ref & base[column].notnull())
    top = (
        ref.group_by(column).aggregate(n=ref.count()).order_by([ibis.desc("n"), column]).limit(TOP_CATEGORIES)
    )
    cats = [str(v) for v in top.to_pyarrow()[column].to_pylist()]
    value = base[column].cast("string")
    named = value.isin(cats).ifelse(value, OTHER) if cats else ibis.literal(OTHER)
    return value.isnull().ifelse(MISSING, named), [MISSING, *cats, OTHER]


def _counts(
    base: ir.Table, expr: ir.Value, bins: list[Any]
) -> tuple[list[int], dict[dt.datetime, list[int]]]:
    """Reference counts and counts per week over ``bins`` (values the expression takes)."""
    t = base.select(base.ref, base.week, b=expr)
    rows = t.group_by(["ref", "week", "b"]).aggregate(n=t.count()).to_pyarrow().to_pylist()
    where = {b: i for i, b in enumerate(bins)}
    ref = [0] * len(bins)
    weeks: dict[dt.datetime, list[int]] = {}
    for r in rows:
        target = ref if r["ref"] else weeks.setdefault(_naive(r["week"]), [0] * len(bins))
        target[where[r["b"]]] += int(r["n"])
    return ref, weeks


def _naive(value: Any) -> dt.datetime:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value.replace(tzinfo=None)


def _promoted(settings: Settings, with_model: bool) -> tuple[Any, Any]:
    """The promoted model's registry entry, and the model itself only when its scores are wanted
    (reading the model files is the costly part, and the features' drift needs only the entry)."""
    from clearsight.risk.registry import ModelRegistry

    registry = ModelRegistry(Workspace(settings).models_dir)
    name = registry.promoted()
    if name is None:
        return None, None
    if with_model:
        return registry.load(name)
    return registry.entry(name), None


def compute_drift(
    warehouse: Warehouse,
    settings: Settings,
    *,
    scores: bool = True,
    min_week_items: int = MIN_WEEK_ITEMS,
    reference_weeks: int = REFERENCE_WEEKS,
) -> DriftReport:
    """PSI of every feature (and, with ``scores``, of the promoted model's fraud probability) per week."""
    quiet(warehouse)
    weekly, days = _weekly(warehouse)
    if not weekly:
        raise UserError("the warehouse holds no declarations: load them with `clearsight ingest` first")
    entry, model = _promoted(settings, with_model=scores)
    p = periods(weekly, entry, reference_weeks)
    basis = entry.revenue_basis if entry is not None else revenue_basis(warehouse)
    notes: list[str] = []
    base = _base(warehouse, p, basis).cache()
    try:
        specs: list[tuple[str, Any, list[Any], list[str]]] = []
        for c, (expr, edges) in _numeric_bins(base).items():
            specs.append((c, expr, list(range(-1, len(edges) + 1)), [MISSING, *_numeric_names(edges)]))
        for c in CATEGORY:
            expr, cats = _category_bins(base, c)
            specs.append((c, expr, cats, cats))
        if p.history:
            prior = _steps(base.importer_prior_items, [b for b, _ in PRIOR_ITEMS_BINS[1:]], strict=False)
            specs.append(
                (
                    "importer_prior_items",
                    prior,
                    list(range(-1, len(PRIOR_ITEMS_BINS))),
                    [MISSING, *(name for _, name in PRIOR_ITEMS_BINS)],
                )
            )
            # -2: never inspected, -1: no importer, then 0 / up to 10 % / 10-30 % / above 30 %.
            never = (base.importer_n == 0).ifelse(ibis.literal(-2, "int64"), ibis.literal(-1, "int64"))
            rate = base.importer_rate.isnull().ifelse(
                never, _steps(base.importer_rate, list(FRAUD_RATE_BOUNDS))
            )
            specs.append(
                (
                    "importer_fraud_rate",
                    rate,
                    list(range(-2, len(FRAUD_RATE_BOUNDS) + 1)),
                    ["never inspected", MISSING, *FRAUD_RATE_NAMES],
                )
            )
        counted = {name: (_counts(base, expr, values), names) for name, expr, values, names in specs}
    finally:
        base.release()

    ref_n = sum(counted["customs_value"][0][0])
    if ref_n < MIN_REFERENCE_ITEMS:
        raise UserError(
            f"the reference period ({p.source}, {p.ref_from:%Y-%m-%d} to {p.ref_to:%Y-%m-%d}) holds "
            f"{ref_n:,} items; at least {MIN_REFERENCE_ITEMS:,} are needed to measure drift"
        )
    week_totals = {w: sum(c) for w, c in counted["customs_value"][0][1].items()}
    kept = sorted(w for w, n in week_totals.items() if n >= min_week_items)
    small = len(week_totals) - len(kept)
    if small:
        notes.append(f"{small} week(s) with fewer than {min_week_items} items left out")
    partial = partial_weeks(days)
    shown_partial = [w for w in kept if w in partial]
    if shown_partial:
        notes.append(
            "partial week(s), shown but not alerted on (the data covers only part of them, so their "
            "mix of weekdays differs): "
            + ", ".join(
                f"{w:%Y-%m-%d} ({partial[w]} day{'s' if partial[w] != 1 else ''})" for w in shown_partial
            )
        )
    features = []
    for name, ((ref, weeks), names) in counted.items():
        rows = [weeks[w] for w in kept]
        features.append(FeatureDrift(name, LABELS[name], names, ref, rows, [psi(ref, r) for r in rows]))
    if not p.history:
        notes.append(
            "the importer's history features are not compared with the warehouse's first weeks: trader "
            "histories are still building up in them, so they would drift by construction"
        )
    with_scores = False
    if scores and model is not None and kept:
        features.append(_score_drift(warehouse, model, p, basis, kept))
        with_scores = True
    elif scores and model is None:
        notes.append("no promoted model: the score's drift is not measured")
    return DriftReport(
        reference_from=f"{p.ref_from:%Y-%m-%d}",
        reference_to=f"{p.ref_to - dt.timedelta(days=1):%Y-%m-%d}",
        reference_source=p.source,
        reference_items=ref_n,
        model=entry.name if entry is not None else None,
        weeks=[f"{w:%Y-%m-%d}" for w in kept],
        week_items=[week_totals[w] for w in kept],
        week_days=[days.get(w, 0) for w in kept],
        week_partial=[w in partial for w in kept],
        features=features,
        engine=warehouse.kind,
        scores=with_scores,
        notes=notes,
    )


def _score_drift(
    warehouse: Warehouse, model: Any, p: Periods, basis: str, weeks: list[dt.datetime]
) -> FeatureDrift:
    """The promoted model's fraud probability for every item, with the history it had at lodgement."""
    import pyarrow.compute as pc

    from clearsight.risk.history import point_in_time

    hist = point_in_time(warehouse, start=p.ref_from, end=p.end, basis=basis)
    prob = model.score_items(hist)["fraud_probability"]
    lodged = pc.cast(hist["lodged_at"], "timestamp[us]").to_numpy(zero_copy_only=False)
    is_ref = lodged < np.datetime64(p.ref_to)
    edges = (
        np.unique(np.quantile(prob[is_ref], [i / N_BINS for i in range(1, N_BINS)])) if is_ref.any() else []
    )
    index = np.searchsorted(np.asarray(edges), prob, side="left")
    k = len(edges) + 1
    ref = np.bincount(index[is_ref], minlength=k)
    monday = lodged.astype("datetime64[D]")
    monday = monday - ((monday.view("int64") - 4) % 7).astype("timedelta64[D]")  # 1970-01-05 was a Monday
    rows, values = [], []
    for w in weeks:
        mask = (monday == np.datetime64(w, "D")) & ~is_ref
        counts = np.bincount(index[mask], minlength=k)
        rows.append([int(x) for x in counts])
        values.append(psi(ref, counts) if counts.sum() else 0.0)
    names = _numeric_names([float(e) for e in edges])
    return FeatureDrift("score", LABELS["score"], names, [int(x) for x in ref], rows, values)


# -- cached warnings -------------------------------------------------------------------------------
def state_key(warehouse: Warehouse, settings: Settings) -> str:
    """What the drift depends on: the promoted model and the warehouse's items and labels (cheap)."""
    from clearsight.risk.registry import ModelRegistry

    registry = ModelRegistry(Workspace(settings).models_dir)
    name = registry.promoted()
    created = registry.entry(name).created_at if name else None
    d = warehouse.table("declarations")
    i = warehouse.table("inspections")
    decl = d.aggregate(n=d.count(), hi=d.lodged_at.max()).to_pyarrow().to_pylist()[0]
    insp = int(i.count().execute())
    return json.dumps([name, created, decl["n"], str(decl["hi"]), insp])


def cache_path(settings: Settings) -> Path:
    return Workspace(settings).drift_cache


def save_cached(settings: Settings, key: str, report: DriftReport) -> None:
    write_json_atomic(cache_path(settings), {"key": key, "report": report.to_json_dict()})


def load_cached(settings: Settings, key: str) -> DriftReport | None:
    try:
        data = json.loads(cache_path(settings).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    if data.get("key") != key:
        return None
    try:
        return DriftReport.from_json_dict(data["report"])
    except (KeyError, TypeError):
        return None


def drift_warnings(warehouse: Warehouse, settings: Settings) -> list[str]:
    """One plain sentence per feature (or the score) whose latest weekly PSI is at or above ``ACT``.

    Empty when stable or when there is too little data. Cached per model and warehouse state: the
    first call after the data or the promoted model changes counts the features in the warehouse
    (the score is included when ``clearsight drift`` computed it for the same state).
    """
    key = state_key(warehouse, settings)
    report = load_cached(settings, key)
    if report is None:
        try:
            report = compute_drift(warehouse, settings, scores=False)
        except UserError:
            return []
        save_cached(settings, key, report)
    return report.warnings()
