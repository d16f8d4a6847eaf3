"""Process paths: stages, the directly-follows graph, the main variants and the bottlenecks.

Stages follow the expected chain (from a recorded milestone to the next recorded one); the
directly-follows graph and the variants follow the events as they were recorded, in time order (ties
broken by the chain order), so an out-of-order record shows there as an unexpected edge. Plain Ibis
windows and aggregates: no process-mining library is needed.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from clearsight.release.milestones import CHAIN, event_log, stage_rows
from clearsight.release.times import Study, distribution, readable

#: Events of a declaration shown in its variant; longer traces end with "…".
MAX_VARIANT_EVENTS = 16
VARIANT_SEPARATOR = " > "


def stages_of(study: Study) -> ir.Table:
    """The kept declarations' stages, long form, with office and lane (cached)."""
    return stage_rows(study.kept, ("declaration_id", "office_id", "lane")).cache()


def stage_statistics(stages: ir.Table) -> list[dict[str, Any]]:
    """Per stage (``from`` -> ``to``): n, mean, median, p90 hours, in chain order."""
    rows = distribution(stages, "hours", ["stage_order", "stage_from", "stage_to"])
    rows.sort(key=lambda r: (r["stage_order"], CHAIN.index(r["stage_to"])))
    return [
        {
            "from": r["stage_from"],
            "to": r["stage_to"],
            "n": r["n"],
            "mean_h": r["mean_h"],
            "median_h": r["median_h"],
            "p75_h": r["p75_h"],
            "p90_h": r["p90_h"],
            "p95_h": r["p95_h"],
        }
        for r in rows
    ]


def bottlenecks(stages: ir.Table, by: tuple[str, ...] = ("office_id", "lane")) -> list[dict[str, Any]]:
    """Per group, the stage holding the largest share of the time from the first milestone to release.

    Stages after release (release -> exit) are not part of the release time and are left out.
    """
    s = stages.filter(stages.stage_from != "release")
    per = s.group_by([*by, "stage_from", "stage_to"]).aggregate(
        hours=s.hours.sum(), n=s.count(), median_h=s.hours.quantile(0.5)
    )
    total = per.hours.sum().over(group_by=list(by))
    rank = ibis.row_number().over(
        group_by=list(by), order_by=[ibis.desc(per.hours), per.stage_from, per.stage_to]
    )
    top = per.mutate(share=per.hours / total, rank=rank, declarations=per.n.max().over(group_by=list(by)))
    top = top.filter(top["rank"] == 0).order_by(list(by))
    out = []
    for r in top.to_pyarrow().to_pylist():
        row = readable({k: r[k] for k in by})
        share = r["share"] if r["hours"] and r["hours"] > 0 else None
        row |= {
            "from": r["stage_from"],
            "to": r["stage_to"],
            "share": share,
            "median_h": r["median_h"],
            "declarations": r["declarations"],
        }
        out.append(row)
    return out


def ordered_events(study: Study) -> ir.Table:
    """Events of the kept declarations, numbered in time order within each declaration."""
    ev = event_log(study.warehouse)
    ids = study.kept.select("declaration_id", "total_h")
    ev = ev.inner_join(ids, "declaration_id")
    window = ibis.window(group_by=ev.declaration_id, order_by=[ev.at_s, ev.code_order, ev.code])
    return ev.mutate(
        position=ibis.row_number().over(window),
        next_code=ev.code.lead().over(window),
        next_s=ev.at_s.lead().over(window),
    )


def directly_follows(events: ir.Table) -> list[dict[str, Any]]:
    """Edges ``from`` -> ``to`` between consecutive recorded events: count and duration."""
    e = events.filter(events.next_code.notnull())
    hours = (e.next_s - e.at_s).cast("float64") / 3600.0
    e = e.mutate(hours=hours)
    per = e.group_by([e.code, e.next_code]).aggregate(
        n=e.count(), median_h=e.hours.quantile(0.5), mean_h=e.hours.mean()
    )
    rows = per.order_by([ibis.desc("n"), "code", "next_code"]).to_pyarrow().to_pylist()
    return [
        {
            "from": r["code"],
            "to": r["next_code"],
            "n": r["n"],
            "median_h": r["median_h"],
            "mean_h": r["mean_h"],
        }
        for r in rows
    ]


def variants(events: ir.Table, top: int = 10) -> tuple[int, list[dict[str, Any]]]:
    """The number of distinct variants and the ``top`` most frequent (trace, declarations, share,
    median release hours)."""
    positions = {f"p{k}": events.code.max(where=events.position == k) for k in range(MAX_VARIANT_EVENTS)}
    per = events.group_by("declaration_id").aggregate(
        **positions, events=events.count(), total_h=events.total_h.max()
    )
    more = ibis.ifelse(per.events > MAX_VARIANT_EVENTS, "…", ibis.null("string"))
    trace = ibis.literal(VARIANT_SEPARATOR).join([per[f"p{k}"] for k in range(MAX_VARIANT_EVENTS)] + [more])
    per = per.mutate(trace=trace)
    counts = per.group_by("trace").aggregate(n=per.count(), median_h=per.total_h.quantile(0.5))
    total = counts.n.sum().over()
    counts = counts.mutate(share=counts.n / total, variants=counts.count().over())
    rows = counts.order_by([ibis.desc("n"), "trace"]).limit(top).to_pyarrow().to_pylist()
    n_variants = rows[0]["variants"] if rows else 0
    return int(n_variants), [
        {"trace": r["trace"], "n": r["n"], "share": r["share"], "median_h": r["median_h"]} for r in rows
    ]
