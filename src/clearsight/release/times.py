"""Which declarations a release study keeps, and the statistics of their release times.

A declaration is measured from arrival (or lodgement, when arrival was not recorded) to release.
Some declarations cannot be measured (no release, no start, events for a declaration the warehouse
does not hold); others can but carry an event defect. The first are always left out, the second as
the user chooses; every one is counted under one reason, the first that applies in ``REASONS``.
All figures are Ibis aggregates; quantiles are exact and interpolate linearly on every engine.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir

from clearsight.core.errors import UserError
from clearsight.core.warehouse import Warehouse
from clearsight.release.milestones import WEEKDAYS, declaration_timeline

#: Reasons a declaration can be left out, in the order they are tried.
ALWAYS_EXCLUDED: tuple[str, ...] = ("unknown_declaration", "no_start", "no_release")
DEFECTS: tuple[str, ...] = ("out_of_order", "missing_milestone", "duplicate", "outlier")
REASONS: tuple[str, ...] = ALWAYS_EXCLUDED + DEFECTS
DEFAULT_EXCLUDE: frozenset[str] = frozenset({"out_of_order"})
#: Group dimension -> column of the timeline.
DIMENSIONS: dict[str, str] = {
    "office": "office_id",
    "lane": "lane",
    "mode": "mode",
    "hs_section": "hs_section",
    "aeo": "aeo",
    "pre_arrival": "pre_arrival",
    "weekday": "weekday",
    "hour": "hour",
}
QUANTILES: dict[str, float] = {"median_h": 0.5, "p75_h": 0.75, "p90_h": 0.9, "p95_h": 0.95}
OUTLIER_RULE = (
    "total release time above Q3 + {k:g} × (Q3 − Q1), the quartiles taken over the declarations "
    "left after the other exclusions"
)
MAX_CURVE_HOURS = 24 * 30


@dataclass(frozen=True)
class ReleaseOptions:
    """What a study measures: the period (by arrival, else lodgement, else first event; inclusive),
    the release-time targets in hours, which event defects exclude a declaration, the outlier rule."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    targets: tuple[float, ...] = (24.0, 48.0)
    exclude: frozenset[str] = DEFAULT_EXCLUDE
    outlier_iqr: float = 3.0

    def __post_init__(self) -> None:
        unknown = set(self.exclude) - set(DEFECTS)
        if unknown:
            raise UserError(f"cannot exclude {', '.join(sorted(unknown))}: choose among {', '.join(DEFECTS)}")
        if not self.targets or any(not math.isfinite(t) or t <= 0 for t in self.targets):
            raise UserError(f"release-time targets must be positive hours, got {list(self.targets)}")
        if self.outlier_iqr <= 0:
            raise UserError(f"the outlier multiplier must be positive, got {self.outlier_iqr}")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise UserError(f"the period starts ({self.date_from}) after it ends ({self.date_to})")


def target_label(hours: float) -> str:
    return f"{hours:g}"


def parse_dimensions(text: str) -> list[str]:
    """``office,lane`` -> ["office", "lane"], or a UserError naming the known dimensions."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    aliases = {"office_id": "office", "mode_of_transport": "mode", "aeo_status": "aeo"}
    names = [aliases.get(n, n) for n in names]
    unknown = [n for n in names if n not in DIMENSIONS]
    if unknown or not names:
        raise UserError(
            f"unknown group dimension {', '.join(unknown) or repr(text)}: choose among {', '.join(DIMENSIONS)}"
        )
    return list(dict.fromkeys(names))


@dataclass
class Study:
    """The declarations of one period with their reason for exclusion (``reason`` null when kept)."""

    warehouse: Warehouse
    options: ReleaseOptions
    cached: ir.Table  # the period's timeline, computed once
    timeline: ir.Table  # every declaration with events in the period, with outlier and reason
    kept: ir.Table
    counts: dict[str, Any] = field(default_factory=dict)
    outlier_fence_h: float | None = None
    p99_h: float | None = None

    def release(self) -> None:
        self.cached.release()


def _period(t: ir.Table, options: ReleaseOptions) -> ir.Table:
    if options.date_from:
        t = t.filter(t.period_at >= ibis.timestamp(dt.datetime.combine(options.date_from, dt.time())))
    if options.date_to:
        end = dt.datetime.combine(options.date_to + dt.timedelta(days=1), dt.time())
        t = t.filter(t.period_at < ibis.timestamp(end))
    return t


def open_study(wh: Warehouse, options: ReleaseOptions) -> Study:
    """Select the period's declarations, flag outliers, assign reasons and count them."""
    t = _period(declaration_timeline(wh), options)
    flags = {
        "unknown_declaration": ~t.known,
        "no_start": t.no_start,
        "no_release": t.no_release,
        **{d: t[d] for d in DEFECTS if d != "outlier"},
    }
    pre = [
        (flags[r], r) for r in REASONS if r in ALWAYS_EXCLUDED or (r in options.exclude and r != "outlier")
    ]
    base = t.mutate(pre_reason=ibis.cases(*pre, else_=ibis.null("string"))).cache()
    t = base
    q = t.filter(t.pre_reason.isnull()).aggregate(q=t.total_h.quantile([0.25, 0.75]))
    quartiles = q.to_pyarrow().to_pylist()[0]["q"]
    fence = None
    if quartiles and quartiles[0] is not None:
        fence = quartiles[1] + options.outlier_iqr * (quartiles[1] - quartiles[0])
    outlier = (t.total_h > fence).fill_null(False) if fence is not None else ibis.literal(False)
    reason = t.pre_reason
    if "outlier" in options.exclude:
        reason = ibis.coalesce(reason, ibis.ifelse(outlier, "outlier", ibis.null("string")))
    t = t.mutate(outlier=outlier, reason=reason).drop("pre_reason")
    flags["outlier"] = t.outlier
    flags = {k: (~t.known if k == "unknown_declaration" else t[k]) for k in flags}
    aggs: dict[str, ir.Scalar] = {"with_events": t.count(), "kept": t.count(where=t.reason.isnull())}
    aggs |= {f"flag_{k}": t.count(where=v) for k, v in flags.items()}
    aggs |= {f"excluded_{r}": t.count(where=t.reason == r) for r in REASONS}
    aggs["lodgement_fallback"] = t.count(where=t.reason.isnull() & t.lodgement_fallback)
    aggs["pre_arrival"] = t.count(where=t.reason.isnull() & t.pre_arrival)
    aggs["missing_milestones"] = t.missing_count.sum()
    aggs["p99_h"] = t.total_h.quantile(0.99, where=t.reason.isnull())
    aggs["unmapped_events"] = t.other_events.sum()
    row = t.aggregate(**aggs).to_pyarrow().to_pylist()[0]
    p99 = row.pop("p99_h")
    counts = {k: int(v or 0) for k, v in row.items()}
    return Study(wh, options, base, t, t.filter(t.reason.isnull()), counts, fence, p99)


def distribution(
    expr: ir.Table, column: str, by: list[str], targets: tuple[float, ...] = ()
) -> list[dict[str, Any]]:
    """Count, mean, exact quantiles and the share within each target, of ``column`` per group."""
    x = expr[column]
    aggs: dict[str, ir.Scalar] = {"n": expr.count(), "mean_h": x.mean()}
    aggs["quantiles"] = x.quantile(list(QUANTILES.values()))  # one sort for all of them
    # counted, then divided here: an average of 1.0/0.0 literals is a DECIMAL average on Spark
    aggs |= {f"within_{i}": expr.count(where=x <= t) for i, t in enumerate(targets)}
    grouped = expr.group_by(by).aggregate(**aggs).order_by(by) if by else expr.aggregate(**aggs)
    rows = grouped.to_pyarrow().to_pylist()
    out = []
    for row in rows:
        if not row["n"]:
            continue
        row |= dict(zip(QUANTILES, row.pop("quantiles"), strict=True))
        within = {target_label(t): row.pop(f"within_{i}") / row["n"] for i, t in enumerate(targets)}
        if targets:
            row["within_target"] = within
        out.append(row)
    return out


def readable(row: dict[str, Any]) -> dict[str, Any]:
    """Group keys as a reader wants them: weekday names, office rather than office_id."""
    names = {v: k for k, v in DIMENSIONS.items()}
    out = {}
    for key, value in row.items():
        if key == "weekday" and isinstance(value, int):
            value = WEEKDAYS[value]
        out[names.get(key, key)] = value
    return out


def group_statistics(study: Study, dims: list[str]) -> list[dict[str, Any]]:
    rows = distribution(study.kept, "total_h", [DIMENSIONS[d] for d in dims], study.options.targets)
    return [readable(r) for r in rows]


def curve_horizon(p99: float | None) -> int:
    """Hours the cumulative curves run to: p99 rounded up to whole days, at most 30 days."""
    if p99 is None or p99 <= 0:
        return 24
    return int(min(MAX_CURVE_HOURS, max(24, math.ceil(p99 / 24) * 24)))


def release_curves(study: Study, by: str, horizon: int) -> dict[str, list[float]]:
    """Share released within h hours, h = 0 .. horizon, overall (key "all") and per value of ``by``
    (keys ``<by>=<value>``).

    Times are counted in whole hours rounded up, so the share at h is the share released within h.
    """
    kept = study.kept
    bucket = kept.total_h.ceil().clip(lower=0, upper=horizon + 1).cast("int64").name("bucket")
    key = kept[DIMENSIONS[by]].cast("string").name("key")
    rows = kept.group_by([key, bucket]).aggregate(n=kept.count()).to_pyarrow().to_pylist()
    counts: dict[str, list[int]] = {"all": [0] * (horizon + 2)}
    for r in rows:
        counts.setdefault(f"{by}={r['key']}", [0] * (horizon + 2))[r["bucket"]] += r["n"]
        counts["all"][r["bucket"]] += r["n"]
    curves = {}
    for key in sorted(counts):
        c, total, running, shares = counts[key], sum(counts[key]), 0, []
        for h in range(horizon + 1):
            running += c[h]
            shares.append(running / total)
        curves[key] = shares
    return curves
