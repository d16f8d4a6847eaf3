"""Process paths: stages, the directly-follows graph, the main variants and the bottlenecks.

Stages follow the expected chain (from a recorded milestone to the next recorded one); the
directly-follows graph and the variants follow the milestones in the order they were recorded (ties
broken by the chain order), so an out-of-order record shows there as an unexpected edge. They use
each milestone's first record: repeated records and codes that are no milestone are counted under
event quality, not drawn. Plain Ibis aggregates over the per-declaration timeline: no window over
the events, no process-mining library.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from clearsight.release.milestones import CHAIN, stage_rows
from clearsight.release.times import Study, distribution, readable

VARIANT_SEPARATOR = " > "


def stages_of(study: Study) -> ir.Table:
    """The kept declarations' stages, long form, with office and lane (an expression over the cached
    timeline: streaming it twice is cheaper than storing ten rows per declaration)."""
    return stage_rows(study.kept, ("office_id", "lane"))


def stage_statistics(stages: ir.Table) -> list[dict[str, Any]]:
    """Per stage (``from`` -> ``to``): n, mean, median, p90 hours, in chain order."""
    rows = distribution(stages, "hours", ["stage_from", "stage_to"])
    rows.sort(key=lambda r: (r["stage_from"], r["stage_to"]))
    return [
        {
            "from": CHAIN[r["stage_from"]],
            "to": CHAIN[r["stage_to"]],
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
    s = stages.filter(stages.stage_from != CHAIN.index("release"))
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
            "from": CHAIN[r["stage_from"]],
            "to": CHAIN[r["stage_to"]],
            "share": share,
            "median_h": r["median_h"],
            "declarations": r["declarations"],
        }
        out.append(row)
    return out


def milestone_sequences(study: Study) -> tuple[ir.Table, ir.Table]:
    """Per kept declaration, its milestones in the order they were recorded: ``n<k>`` the milestone
    (position in CHAIN) recorded k-th, ``t<k>`` its time. A milestone's rank is the number of
    milestones recorded before it (same second: chain order), computed across the row's columns, so no
    window over the events is needed. Returns the cached ranks (release them when done) and the
    sequences, an expression over them."""
    t = study.kept
    times = {m: t[f"{m}_s"] for m in CHAIN}
    rank = {}
    for i, m in enumerate(CHAIN):
        earlier = [
            ((times[n] < times[m]) | ((times[n] == times[m]) & (j < i))).fill_null(False).cast("int64")
            for j, n in enumerate(CHAIN)
            if j != i
        ]
        rank[m] = ibis.ifelse(times[m].notnull(), sum(earlier), ibis.null("int64"))
    # ranks are stored first: inlined into the 22 columns below, each would be recomputed 22 times
    n = len(CHAIN)
    ranked = t.select(
        "total_h",
        **{f"r{i}": rank[m] for i, m in enumerate(CHAIN)},
        **{f"s{i}": times[m] for i, m in enumerate(CHAIN)},
    ).cache()
    columns: dict[str, ir.Value] = {}
    for k in range(n):
        hit = [ranked[f"r{i}"] == k for i in range(n)]
        columns[f"n{k}"] = ibis.cases(*[(h, i) for i, h in enumerate(hit)], else_=ibis.null("int64"))
        columns[f"t{k}"] = ibis.cases(
            *[(h, ranked[f"s{i}"]) for i, h in enumerate(hit)], else_=ibis.null("int64")
        )
    return ranked, ranked.select("total_h", **columns)


def directly_follows(sequences: ir.Table) -> list[dict[str, Any]]:
    """Edges ``from`` -> ``to`` between consecutive recorded milestones: count and duration."""
    parts = [
        sequences.filter(sequences[f"n{k + 1}"].notnull()).select(
            edge_from=sequences[f"n{k}"],
            edge_to=sequences[f"n{k + 1}"],
            hours=(sequences[f"t{k + 1}"] - sequences[f"t{k}"]).cast("float64") / 3600.0,
        )
        for k in range(len(CHAIN) - 1)
    ]
    e = ibis.union(*parts)
    per = e.group_by(["edge_from", "edge_to"]).aggregate(
        n=e.count(), median_h=e.hours.quantile(0.5), mean_h=e.hours.mean()
    )
    rows = per.order_by([ibis.desc("n"), "edge_from", "edge_to"]).to_pyarrow().to_pylist()
    return [
        {
            "from": CHAIN[r["edge_from"]],
            "to": CHAIN[r["edge_to"]],
            "n": r["n"],
            "median_h": r["median_h"],
            "mean_h": r["mean_h"],
        }
        for r in rows
    ]


def variants(sequences: ir.Table, top: int = 10) -> tuple[int, list[dict[str, Any]]]:
    """The number of distinct variants and the ``top`` most frequent (trace, declarations, share,
    median release hours)."""
    trace = ibis.literal(" ").join([sequences[f"n{k}"].cast("string") for k in range(len(CHAIN))])
    per = sequences.mutate(trace=trace)
    counts = per.group_by("trace").aggregate(n=per.count(), median_h=per.total_h.quantile(0.5))
    total = counts.n.sum().over()
    counts = counts.mutate(share=counts.n / total, variants=counts.count().over())
    rows = counts.order_by([ibis.desc("n"), "trace"]).limit(top).to_pyarrow().to_pylist()
    n_variants = rows[0]["variants"] if rows else 0
    return int(n_variants), [
        {
            "trace": VARIANT_SEPARATOR.join(CHAIN[int(i)] for i in r["trace"].split()),
            "n": r["n"],
            "share": r["share"],
            "median_h": r["median_h"],
        }
        for r in rows
    ]
