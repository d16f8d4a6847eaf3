"""The Time Release Study report: one JSON-ready dict built from the warehouse.

The keys ``declarations``, ``excluded``, ``overall``, ``stages``, ``groups`` and ``bottlenecks`` are
the stable contract of ``clearsight release report --json``; the others (event quality, dimensions,
curves, paths) feed the HTML page and may grow.
"""

from __future__ import annotations

from typing import Any

from clearsight.core.errors import UserError
from clearsight.core.warehouse import Warehouse
from clearsight.release import paths
from clearsight.release.times import (
    ALWAYS_EXCLUDED,
    DEFECTS,
    DIMENSIONS,
    OUTLIER_RULE,
    ReleaseOptions,
    curve_horizon,
    distribution,
    group_statistics,
    open_study,
    release_curves,
)

#: Dimensions the page shows one by one, whatever ``--by`` asked for.
PAGE_DIMENSIONS: tuple[str, ...] = (
    "lane",
    "office",
    "mode",
    "hs_section",
    "aeo",
    "pre_arrival",
    "weekday",
    "hour",
)
MAX_CURVES = 12


def _event_span(wh: Warehouse) -> tuple[Any, Any, int]:
    ev = wh.table("events")
    row = ev.aggregate(first=ev.at.min(), last=ev.at.max(), n=ev.count()).to_pyarrow().to_pylist()[0]
    return row["first"], row["last"], row["n"]


def _check_period(wh: Warehouse, options: ReleaseOptions, with_events: int) -> None:
    if with_events:
        return
    first, last, n = _event_span(wh)
    if not n:
        raise UserError(
            "the warehouse holds no clearance events: load them with `clearsight ingest events FILE`"
        )
    raise UserError(
        f"no clearance events between {options.date_from or 'the start'} and {options.date_to or 'the end'}; "
        f"the events run from {first:%Y-%m-%d} to {last:%Y-%m-%d}"
    )


def build_release_report(
    wh: Warehouse,
    options: ReleaseOptions | None = None,
    by: list[str] | None = None,
    dimensions: tuple[str, ...] = PAGE_DIMENSIONS,
) -> dict[str, Any]:
    """Release times, event quality, stages, groups, bottlenecks, paths and curves of one period;
    ``dimensions``: the groupings shown one by one on the page, besides ``by``."""
    options = options or ReleaseOptions()
    by = by or ["lane"]
    study = open_study(wh, options)
    try:
        c = study.counts
        _check_period(wh, options, c["with_events"])
        overall_rows = distribution(study.kept, "total_h", [], options.targets)
        if not overall_rows:
            raise UserError(
                f"none of the {c['with_events']} declarations with events in the period can be measured: "
                + ", ".join(
                    f"{r} {c['excluded_' + r]}" for r in (*ALWAYS_EXCLUDED, *DEFECTS) if c["excluded_" + r]
                )
            )
        overall = overall_rows[0]
        horizon = curve_horizon(study.p99_h)
        stages = paths.stages_of(study)
        stage_stats = paths.stage_statistics(stages)
        bottlenecks = paths.bottlenecks(stages)
        ranked, sequences = paths.milestone_sequences(study)  # read by the graph and the variants
        try:
            edges = paths.directly_follows(sequences)
            n_variants, top_variants = paths.variants(sequences)
        finally:
            ranked.release()
        curves = release_curves(study, "lane", horizon)
        if by[0] != "lane":
            other = release_curves(study, by[0], horizon)
            if len(other) <= MAX_CURVES + 1:
                curves |= {k: v for k, v in other.items() if k != "all"}
        report = {
            "engine": wh.kind,
            "period": {
                "from": options.date_from.isoformat() if options.date_from else None,
                "to": options.date_to.isoformat() if options.date_to else None,
            },
            "targets": list(options.targets),
            "declarations": c["kept"],
            "declarations_with_events": c["with_events"],
            "excluded": {
                r: c[f"excluded_{r}"]
                for r in (*ALWAYS_EXCLUDED, *DEFECTS)
                if r in ALWAYS_EXCLUDED or r in options.exclude
            },
            "lodgement_fallback": c["lodgement_fallback"],
            "pre_arrival": c["pre_arrival"],
            "event_quality": {
                **{r: c[f"flag_{r}"] for r in (*ALWAYS_EXCLUDED, *DEFECTS)},
                "missing_milestones": c["missing_milestones"],
                "unmapped_events": c["unmapped_events"],
                "excluded_defects": sorted(options.exclude),
                "kept_defects": [d for d in DEFECTS if d not in options.exclude],
                "outlier_rule": OUTLIER_RULE.format(k=options.outlier_iqr),
                "outlier_fence_h": study.outlier_fence_h,
            },
            "overall": overall,
            "stages": stage_stats,
            "by": by,
            "groups": group_statistics(study, by),
            "dimensions": {d: group_statistics(study, [d]) for d in dimensions if d in DIMENSIONS},
            "bottlenecks": bottlenecks,
            "paths": {"edges": edges, "variants": n_variants, "top_variants": top_variants},
            "curves": {"horizon_h": horizon, "series": curves},
        }
    finally:
        study.release()
    return report
