"""k-anonymity (and optional distinct l-diversity) by generalisation, then suppression.

The search is a greedy walk up the generalisation ladders: while rows in classes smaller than k (or
with fewer than l distinct outcomes) exceed the target share, try raising each quasi-identifier by one
level (within the profile's highest levels) and keep the raise that saves the most rows from suppression
per unit of cost (the profile says what a level of each column costs its users; ties: the earlier
quasi-identifier). Then the rows still in failing classes are suppressed (left out,
and counted). Each try is one Ibis aggregate, so the search runs where the data is (DuckDB or Spark).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis.expr.types as ir

from clearsight.privacy.hierarchy import LADDERS

OUTCOME = "outcome"  # sensitive attribute for l-diversity: inspection result or 'not inspected'


@dataclass
class Step:
    levels: dict[str, str]
    suppressed: int


@dataclass
class SearchResult:
    levels: dict[str, int]
    suppressed: int
    records: int
    steps: list[Step] = field(default_factory=list)

    @property
    def level_names(self) -> dict[str, str]:
        return {c: LADDERS[c].names[i] for c, i in self.levels.items()}

    @property
    def suppressed_share(self) -> float:
        return self.suppressed / self.records if self.records else 0.0


def generalise(source: ir.Table, levels: dict[str, int]) -> ir.Table:
    """``source`` with each column of ``levels`` replaced by its generalised text."""
    return source.mutate(**{c: LADDERS[c].apply(source[c], lvl) for c, lvl in levels.items()})


def class_table(g: ir.Table, qis: list[str], l_diversity: int | None = None) -> ir.Table:
    """One row per equivalence class: its quasi-identifiers, size ``n`` and distinct outcomes ``l``."""
    aggs = {"n": g.count()}
    if l_diversity:
        aggs["l"] = g[OUTCOME].nunique()
    return g.group_by(qis).aggregate(**aggs)


def failing(classes: ir.Table, k: int, l_diversity: int | None = None) -> ir.BooleanValue:
    cond = classes.n < k
    if l_diversity:
        cond = cond | (classes.l < l_diversity)
    return cond


def count_failing(g: ir.Table, qis: list[str], k: int, l_diversity: int | None = None) -> tuple[int, int]:
    """(rows in failing classes, all rows), in one aggregate."""
    classes = class_table(g, qis, l_diversity)
    bad = failing(classes, k, l_diversity)
    row = classes.aggregate(suppressed=bad.ifelse(classes.n, 0).sum(), records=classes.n.sum()).to_pyarrow()
    return int(row["suppressed"][0].as_py() or 0), int(row["records"][0].as_py() or 0)


def search(
    source: ir.Table,
    start: dict[str, int],
    highest: dict[str, int],
    k: int,
    target_suppression: float,
    l_diversity: int | None = None,
    costs: dict[str, float] | None = None,
) -> SearchResult:
    """Levels that bring suppression to at most ``target_suppression`` (or the highest levels allowed)."""
    qis = list(start)
    levels = dict(start)
    steps: list[Step] = []
    # every try reads the same few columns: materialise them once (a temp table on DuckDB, cached on Spark)
    source = source.select(*qis, OUTCOME).cache()
    suppressed, records = count_failing(generalise(source, levels), qis, k, l_diversity)
    while True:
        steps.append(Step({c: LADDERS[c].names[i] for c, i in levels.items()}, suppressed))
        candidates = [c for c in qis if levels[c] < highest[c]]
        if not records or suppressed <= target_suppression * records or not candidates:
            return SearchResult(levels, suppressed, records, steps)
        tries = []
        for c in candidates:
            trial = levels | {c: levels[c] + 1}
            after = count_failing(generalise(source, trial), qis, k, l_diversity)[0]
            saved_per_cost = (suppressed - after) / (costs or {}).get(c, 1.0)
            tries.append((-saved_per_cost, qis.index(c), after, trial))
        _, _, suppressed, levels = min(tries, key=lambda t: (t[0], t[1]))
