"""The simulator: does the feedback loop pay off?

A synthetic world knows the truth about every item, so inspection strategies can be replayed against
it week by week, as an administration would live them. Each strategy starts from the same history —
the world's own legacy inspections before the simulated weeks (the warm-up) — and from then on it
only learns what it paid for:

1. each simulated week, the strategy decides the lanes of the week's items with
   :func:`~clearsight.selectivity.lanes.decide_lanes` (red budget = the inspection budget; a random
   control of a tenth of it; for ``model+explore`` an exploration share of it);
2. the ground truth is revealed for the items it sent to red, and only for them: a fraud is found
   with the world's chance for its fraud type under a physical inspection (drawn once per item, the
   same draw for every strategy), otherwise the inspection records "compliant";
3. those results join that strategy's own label history (its own warehouse), known from the end of
   the week; model strategies retrain every ``retrain_every`` weeks on their own labels.

Strategies: ``random`` (the budget drawn at random), ``rules`` (a legacy rule profile like the
world's own: watched chapters and origins, high values, new importers, known offenders — filled up to
the budget), ``model`` (the risk room's point-in-time history features and :class:`RiskModel`, ranked
by expected revenue) and ``model+explore`` (the same, with a share of the red budget given to
:func:`~clearsight.selectivity.explore.exploration_priority`).

The oracle of a strategy is the best selection of as many items in the same week with full knowledge
(every item's revenue and whether its fraud would be found); it may pick across offices, so it bounds
any per-office selection. A strategy "detects" the new scheme in the week its cumulative number of
scheme frauds found reaches :data:`SCHEME_FOUND`; ``weeks_to_detect_new_scheme`` counts the weeks from
the first simulated week with scheme items to that week (1 = the first week).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from clearsight.core.errors import UserError
from clearsight.core.warehouse import Warehouse, connect
from clearsight.risk import (
    ITEM_FIELDS,
    KEY,
    RiskModel,
    as_percent,
    fit_on_labels,
    known_before,
    labelled_history,
    point_in_time,
    read_ground_truth,
    revenue_basis,
)
from clearsight.schema.items import ItemsUnreadable, canonical_items
from clearsight.schema.measures import FOUND_RESULTS
from clearsight.schema.tables import DECLARATIONS, INSPECTIONS, LANES, RESULTS, Table
from clearsight.selectivity import LaneDecision, SelectionPolicy, decide_lanes, exploration_priority
from clearsight.synth import (
    DETECTION,
    LEGACY_RULES,
    legacy_profile,
    read_world_params,
    read_world_table,
    rule_control_chance,
)

STRATEGIES = ("random", "rules", "model", "model+explore")
#: Scheme frauds a strategy must have found to have detected the new scheme.
SCHEME_FOUND = 3
#: Random control of the rule and model strategies, as a share of the red budget.
RANDOM_SHARE = 0.1
DEFAULT_EXPLORE_SHARE = 0.2
MIN_WEEKS = 2
#: A world folder must leave at least this many weeks of legacy labels before the simulated weeks.
MIN_WARMUP_WEEKS = 8
#: Weeks of legacy history of a generated world; its scheme starts this many weeks into the simulation.
WARMUP_WEEKS = 26
SCHEME_LEAD_WEEKS = 4
WEEK = dt.timedelta(days=7)
RED = LANES.index("red")
#: Detection chance of a physical inspection per fraud type, when the world folder does not say.
PHYSICAL_DETECTION = {kind: chances["physical"] for kind, chances in DETECTION.items()}
#: The legacy rules, in the synthetic world's order (:data:`clearsight.synth.control.LEGACY_RULES`).
RULE_NAMES = tuple(name for name, _, _ in LEGACY_RULES)
TRUTH_COLUMNS = (
    "declaration_id",
    "item_no",
    "is_fraud",
    "is_critical",
    "fraud_type",
    "in_scheme",
    "additional_revenue_if_detected",
)


# -- the world ------------------------------------------------------------------------------------
@dataclass
class SimWorld:
    """What the simulator needs of a synthetic world, items in lodgement order.

    ``declarations``: the columns the risk features read (plus ``hs2``, ``hs4``, ``hs6``);
    ``legacy``: the world's own inspections; the arrays are the ground truth per item.
    """

    declarations: pa.Table
    legacy: pa.Table
    is_fraud: np.ndarray
    is_critical: np.ndarray
    in_scheme: np.ndarray
    fraud_type: np.ndarray  # text, "" when compliant
    revenue_if_found: np.ndarray
    detection: dict[str, float]
    profile: dict[str, Any]
    source: str
    lodged: np.ndarray = field(init=False)  # datetime64[s]
    #: Chance a physical inspection finds each item's fraud (0 when compliant).
    detection_chance: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.lodged = (
            pc.cast(self.declarations["lodged_at"], pa.timestamp("s")).to_numpy().astype("datetime64[s]")
        )
        chance = np.zeros(self.items)
        for kind, p in self.detection.items():
            chance[self.fraud_type == kind] = p
        self.detection_chance = np.where(self.is_fraud, chance, 0.0)

    @property
    def items(self) -> int:
        return self.declarations.num_rows


def _canonical(table: pa.Table, table_def: Table, columns: list[str]) -> pa.Table:
    """The world's rows as the canonical goods item has them (see ``clearsight.schema.items``)."""
    try:
        return canonical_items(table, columns, table=table_def)[0]
    except ItemsUnreadable as exc:
        raise UserError(str(exc)) from None


def sim_world(
    declarations: pa.Table,
    inspections: pa.Table,
    truth: pa.Table,
    params: dict[str, Any] | None = None,
    source: str = "",
) -> SimWorld:
    """Assemble a :class:`SimWorld` from the world's tables and its ``world.json`` parameters."""
    params = params or {}
    missing = [c for c in TRUTH_COLUMNS if c not in truth.column_names]
    if missing:
        raise UserError(f"the ground truth lacks {', '.join(missing)} (generate the world again)")
    columns = [*ITEM_FIELDS, "hs2", "hs4"]
    decl = _canonical(declarations, DECLARATIONS, columns)
    decl = decl.append_column("_pos", pa.array(np.arange(decl.num_rows)))
    decl = decl.sort_by(
        [("lodged_at", "ascending"), ("declaration_id", "ascending"), ("item_no", "ascending")]
    )
    joined = (
        decl.select([*KEY, "_pos"])
        .append_column("_order", pa.array(np.arange(decl.num_rows)))
        .join(truth.select(list(TRUTH_COLUMNS)), list(KEY), join_type="left outer")
        .sort_by("_order")
    )
    if joined.num_rows != decl.num_rows or joined["is_fraud"].null_count:
        raise UserError(
            f"the ground truth does not cover every declaration ({joined['is_fraud'].null_count:,} items "
            "without a row): it belongs to another world"
        )
    # What the world's rules watch (its world.json, else the synthetic world's own profile); the chance
    # a hit is controlled stays the unscaled one of LEGACY_RULES (the strategy fills a budget, it does
    # not meet an inspection rate).
    profile = legacy_profile()
    profile.update(
        {k: v for k, v in params.get("legacy_rules", {}).items() if k in profile and k != "rules"}
    )
    detection = {k: v["physical"] for k, v in params.get("detection", {}).items()} or dict(PHYSICAL_DETECTION)

    def arr(name: str) -> np.ndarray:
        return joined[name].to_numpy(zero_copy_only=False)

    return SimWorld(
        declarations=decl.drop_columns(["_pos"]),
        legacy=_canonical(inspections, INSPECTIONS, INSPECTIONS.field_names),
        is_fraud=arr("is_fraud").astype(bool),
        is_critical=arr("is_critical").astype(bool),
        in_scheme=arr("in_scheme").astype(bool),
        fraud_type=np.asarray(
            pc.fill_null(joined["fraud_type"], "").to_numpy(zero_copy_only=False), dtype=object
        ),
        revenue_if_found=np.nan_to_num(arr("additional_revenue_if_detected").astype(np.float64)),
        detection=detection,
        profile=profile,
        source=source,
    )


def read_world(folder: Path) -> SimWorld:
    """A world folder written by ``clearsight synth`` (ground truth required)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"{folder} is not a folder (a synthetic world written by `clearsight synth`)")
    try:
        truth = read_ground_truth(folder, TRUTH_COLUMNS)
    except (pa.ArrowInvalid, KeyError) as exc:
        raise UserError(f"{folder}: the ground truth lacks a column the simulator needs ({exc})") from None
    declarations = read_world_table(folder, DECLARATIONS)
    inspections = read_world_table(folder, INSPECTIONS)
    return sim_world(declarations, inspections, truth, read_world_params(folder), source=str(folder))


def generated_world(items: int, seed: int, weeks: int) -> SimWorld:
    """A world generated in memory: :data:`WARMUP_WEEKS` weeks of legacy history, then ``weeks`` weeks
    to simulate, the new scheme starting :data:`SCHEME_LEAD_WEEKS` weeks into them."""
    from clearsight.synth import generate_world

    days = (WARMUP_WEEKS + weeks) * 7 + 1
    lead = min(SCHEME_LEAD_WEEKS, max(weeks // 4, 1))
    scheme_at = min(max((WARMUP_WEEKS + lead) * 7 / days, 0.05), 0.95)
    try:
        world = generate_world(items=items, seed=seed, days=days, scheme_at=scheme_at)
    except ValueError as exc:
        raise UserError(f"synthetic world: {exc}") from None
    return sim_world(
        world.declarations,
        world.inspections,
        world.ground_truth,
        world.params,
        source=f"generated: {items:,} items, seed {seed}, {days} days",
    )


# -- the simulated weeks --------------------------------------------------------------------------
@dataclass(frozen=True)
class Week:
    number: int  # 1-based
    start: dt.datetime
    end: dt.datetime
    lo: int  # items [lo, hi) of the world, in lodgement order
    hi: int
    draw: np.ndarray  # uniform draws of the random control (the same for every strategy)


@dataclass(frozen=True)
class Inspected:
    """What a strategy learns from one week's inspections: the items (world positions) and results."""

    items: np.ndarray
    found: np.ndarray
    critical: np.ndarray
    revenue: np.ndarray
    fraud_type: np.ndarray


def simulation_start(world: SimWorld, weeks: int) -> dt.datetime:
    """The first simulated day: :data:`SCHEME_LEAD_WEEKS` before the new scheme's first item when the
    weeks fit, else the last ``weeks`` whole weeks of the world; at least :data:`MIN_WARMUP_WEEKS` of
    legacy history before it."""
    first = world.lodged[0].astype(dt.datetime)
    last = world.lodged[-1].astype(dt.datetime)
    first_day = dt.datetime.combine(first.date(), dt.time())
    earliest = first_day + MIN_WARMUP_WEEKS * WEEK
    latest = dt.datetime.combine(last.date(), dt.time()) + dt.timedelta(days=1) - weeks * WEEK
    span = (last - first).days // 7
    if latest < earliest:
        raise UserError(
            f"the world spans {span} weeks: {weeks} simulated weeks after {MIN_WARMUP_WEEKS} weeks of "
            "legacy history do not fit (simulate fewer weeks, or generate a longer world)"
        )
    start = latest
    if world.in_scheme.any():
        scheme = world.lodged[int(np.argmax(world.in_scheme))].astype(dt.datetime)
        start = dt.datetime.combine(scheme.date(), dt.time()) - SCHEME_LEAD_WEEKS * WEEK
    return min(max(start, earliest), latest)


def reveal(world: SimWorld, found_draw: np.ndarray, items: np.ndarray) -> Inspected:
    """The inspection results of ``items`` (and of nothing else): the one place strategies see truth."""
    found = world.is_fraud[items] & (found_draw[items] < world.detection_chance[items])
    return Inspected(
        items=items,
        found=found,
        critical=found & world.is_critical[items],
        revenue=np.where(found, world.revenue_if_found[items], 0.0),
        fraud_type=np.where(found, world.fraud_type[items], ""),
    )


# -- strategies -----------------------------------------------------------------------------------
class Strategy:
    """Decides a week's lanes from what it knows, then learns from its own inspections."""

    name = ""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        #: Every item this strategy inspected in the simulated weeks (world positions).
        self.inspected: list[np.ndarray] = []

    def decide(self, week: Week) -> LaneDecision:
        raise NotImplementedError

    def learn(self, week: Week, result: Inspected) -> None:
        self.inspected.append(result.items)

    def close(self) -> None:
        pass

    def _lanes(self, week: Week, priority: np.ndarray, **kw: Any) -> LaneDecision:
        office = self.sim.world.declarations["office_id"].slice(week.lo, week.hi - week.lo)
        return decide_lanes(
            office, priority, kw.pop("policy", self.sim.policy()), random_draw=week.draw, **kw
        )


class RandomStrategy(Strategy):
    name = "random"

    def decide(self, week: Week) -> LaneDecision:
        # The whole budget in a random order (no separate per-item draw, which could overshoot it).
        rng = np.random.default_rng([self.sim.seed, week.number, 1])
        return self._lanes(week, rng.random(week.hi - week.lo), policy=self.sim.policy(random_rate=0.0))


class RulesStrategy(Strategy):
    """The legacy profile: a hit raises the chance of control as the world's own rules do
    (1 − Π(1 − weight) over the rules hit); the budget is filled in that order, ties at random."""

    name = "rules"

    def __init__(self, sim: Simulation) -> None:
        super().__init__(sim)
        world, profile = sim.world, sim.world.profile
        decl = world.declarations
        warm = decl.slice(0, sim.first_item)
        value = decl["customs_value"]
        self.high_value = (
            float(
                np.nanquantile(
                    warm["customs_value"].to_numpy(zero_copy_only=False), profile["high_value_quantile"]
                )
            )
            if warm.num_rows
            else float("inf")
        )
        chapter = pc.utf8_slice_codeunits(decl["hs6"], 0, 2)
        first_seen = _first_seen(decl["importer_id"], world.lodged)
        age = (world.lodged - first_seen).astype("timedelta64[D]").astype(np.int64)
        #: Every item's hits of the rules that read declared data (known offenders are added each week).
        self.hits = np.zeros((world.items, len(RULE_NAMES)), dtype=bool)
        for rule, hit in {
            "watched_chapter": _bool(pc.is_in(chapter, pa.array(profile["watched_chapters"], pa.string()))),
            "watched_origin": _bool(
                pc.is_in(decl["country_of_origin"], pa.array(profile["watched_origins"], pa.string()))
            ),
            "high_value": np.nan_to_num(value.to_numpy(zero_copy_only=False), nan=0.0) >= self.high_value,
            "new_importer": age < profile["new_importer_days"],
        }.items():
            self.hits[:, RULE_NAMES.index(rule)] = hit
        self.chances = np.array([p for _, p, _ in LEGACY_RULES])
        self.aeo = _bool(decl["aeo_status"])
        self.importer = decl["importer_id"]
        self.offenders: set[str] = set()
        # Frauds found by the legacy controls, as they became known.
        legacy = sim.legacy_labels
        fraud = legacy.filter(pc.is_in(legacy["result"], pa.array(FOUND_RESULTS)))
        self._legacy_offenders = fraud.select(["importer_id", "known_at"]).sort_by("known_at")
        self._legacy_done = 0

    def decide(self, week: Week) -> LaneDecision:
        known = self._legacy_offenders
        times = known["known_at"].to_numpy(zero_copy_only=False).astype("datetime64[s]")
        upto = int(np.searchsorted(times, np.datetime64(week.start, "s")))
        self.offenders.update(
            known["importer_id"].slice(self._legacy_done, upto - self._legacy_done).to_pylist()
        )
        self._legacy_done = max(self._legacy_done, upto)
        sl = slice(week.lo, week.hi)
        hits = self.hits[sl].copy()
        hits[:, RULE_NAMES.index("known_offender")] = _bool(
            pc.is_in(
                self.importer.slice(week.lo, week.hi - week.lo), pa.array(sorted(self.offenders), pa.string())
            )
        )
        score = np.where(self.aeo[sl], 0.0, rule_control_chance(hits, self.chances))
        tie = np.random.default_rng([self.sim.seed, week.number, 2]).random(score.size) * 1e-6
        return self._lanes(week, score + tie, aeo=self.aeo[sl])

    def learn(self, week: Week, result: Inspected) -> None:
        super().learn(week, result)
        importers = self.importer.take(pa.array(result.items[result.found])).to_pylist()
        self.offenders.update(i for i in importers if i is not None)


class ModelStrategy(Strategy):
    """The risk room's model on this strategy's own warehouse (declarations + its own inspections)."""

    def __init__(self, sim: Simulation, name: str, explore_share: float) -> None:
        super().__init__(sim)
        self.name = name
        self.explore_share = explore_share
        self.warehouse = sim.new_warehouse()
        self.training = sim.warm_training
        self.model = sim.warm_model
        self._week_history: pa.Table | None = None

    def decide(self, week: Week) -> LaneDecision:
        hist = self.sim.history(self.warehouse, week)
        scores = self.model.score_items(hist)
        aeo = _bool(hist["aeo_status"])
        if self.explore_share > 0:
            explore = exploration_priority(
                hist,
                scores["fraud_probability"],
                seed=self.sim.seed * 1000 + week.number,
                bonus=self.sim.explore_bonus,
                value=self.model.revenue_if_fraud(hist, scores["matrix"]),
            )
            policy = self.sim.policy(explore_share=self.explore_share)
            decision = self._lanes(
                week, scores["expected_revenue"], policy=policy, explore_priority=explore, aeo=aeo
            )
        else:
            decision = self._lanes(week, scores["expected_revenue"], aeo=aeo)
        self._week_history = hist
        return decision

    def learn(self, week: Week, result: Inspected) -> None:
        super().learn(week, result)
        if result.items.size and self._week_history is not None:
            self._add_labels(week, result, self._week_history)
        self._week_history = None
        if week.number % self.sim.retrain_every == 0:
            self.model = self.sim.fit(self.training, week.end)

    def _add_labels(self, week: Week, result: Inspected, week_history: pa.Table) -> None:
        """The week's results into this strategy's warehouse (future history features) and its
        training rows (the features the items were scored with, and their labels)."""
        self.warehouse.insert("inspections", _inspection_rows(self.sim.world, result, week.end))
        rows = week_history.take(pa.array(result.items - week.lo))
        types = self.training.schema
        labels = {
            "known_at": pa.array([week.end] * rows.num_rows, pa.timestamp("s")),
            "fraud": pa.array(result.found.astype(np.int64)),
            "critical": pa.array(result.critical.astype(np.int64)),
            "revenue": pa.array(result.revenue, pa.float64()),
        }
        for name, col in labels.items():
            rows = rows.append_column(name, pc.cast(col, types.field(name).type))
        self.training = pa.concat_tables([self.training, rows.select(self.training.column_names)])

    def close(self) -> None:
        self.warehouse.close()


def _bool(values) -> np.ndarray:
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)


def _first_seen(keys: pa.ChunkedArray, lodged: np.ndarray) -> np.ndarray:
    """Lodgement of each key's first item (items in lodgement order), per item."""
    enc = pc.dictionary_encode(keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys)
    codes = np.asarray(pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    first = np.full(len(enc.dictionary) + 1, np.datetime64("NaT"), dtype="datetime64[s]")
    order = np.arange(codes.size)[::-1]  # later items first, so the earliest write wins
    first[codes[order]] = lodged[order]
    out = first[codes]
    return np.where(codes < 0, lodged, out)


def _inspection_rows(world: SimWorld, result: Inspected, known_at: dt.datetime) -> pa.Table:
    decl = world.declarations
    idx = pa.array(result.items)
    code = np.where(result.critical, 2, np.where(result.found, 1, 0))
    n = result.items.size
    return pa.table(
        {
            "declaration_id": decl["declaration_id"].take(idx),
            "item_no": decl["item_no"].take(idx),
            "lane": pa.array(["red"] * n, pa.string()),
            "method": pa.array(["physical"] * n, pa.string()),
            "inspected_at": pa.array([known_at] * n, pa.timestamp("s")),
            "result": pa.array(np.array(RESULTS, dtype=object)[code].tolist(), pa.string()),
            "fraud_type": pa.array([t or None for t in result.fraud_type.tolist()], pa.string()),
            "additional_revenue": pa.array(result.revenue, pa.float64()),
            "officer_id": pa.nulls(n, pa.string()),
        }
    )


# -- the run --------------------------------------------------------------------------------------
@dataclass
class StrategyResult:
    inspected: list[int] = field(default_factory=list)
    frauds_found: list[int] = field(default_factory=list)
    revenue: list[float] = field(default_factory=list)
    oracle: list[float] = field(default_factory=list)
    critical_found: list[int] = field(default_factory=list)
    scheme_found: list[int] = field(default_factory=list)
    explored: list[int] = field(default_factory=list)
    explored_found: list[int] = field(default_factory=list)


@dataclass
class SimulationResult:
    weeks: int
    budget: float
    explore_share: float
    retrain_every: int
    start: dt.datetime
    source: str
    items: int
    items_simulated: int
    critical_items: list[int]
    scheme_items: list[int]
    strategies: dict[str, StrategyResult]
    seconds: float
    notes: list[str]

    @property
    def scheme_first_week(self) -> int | None:
        weeks = [i + 1 for i, n in enumerate(self.scheme_items) if n]
        return weeks[0] if weeks else None

    def weeks_to_detect(self, name: str) -> int | None:
        first = self.scheme_first_week
        if first is None:
            return None
        cumulative = np.cumsum(self.strategies[name].scheme_found)
        hit = np.flatnonzero(cumulative >= SCHEME_FOUND)
        return int(hit[0]) + 2 - first if hit.size else None

    def to_json_dict(self) -> dict:
        out = {}
        for name, s in self.strategies.items():
            precision = [f / i if i else None for f, i in zip(s.frauds_found, s.inspected, strict=True)]
            recall = [
                f / n if n else None for f, n in zip(s.critical_found, self.critical_items, strict=True)
            ]
            out[name] = {
                "cumulative_revenue": round(float(sum(s.revenue)), 2),
                "oracle_revenue": round(float(sum(s.oracle)), 2),
                "precision": precision,
                "revenue": [round(r, 2) for r in s.revenue],
                "critical_recall": recall,
                "weeks_to_detect_new_scheme": self.weeks_to_detect(name),
                "share_of_oracle": (sum(s.revenue) / sum(s.oracle)) if sum(s.oracle) else None,
                "inspected": s.inspected,
                "frauds_found": s.frauds_found,
                "oracle_weekly": [round(r, 2) for r in s.oracle],
                "critical_found": s.critical_found,
                "scheme_found": s.scheme_found,
            }
            if name == "model+explore":
                out[name]["explored"] = s.explored
                out[name]["explored_found"] = s.explored_found
        return {
            "weeks": self.weeks,
            "budget": as_percent(self.budget),
            "strategies": out,
            "explore_share": as_percent(self.explore_share),
            "retrain_every": self.retrain_every,
            "start": self.start.isoformat(),
            "world": self.source,
            "items": self.items,
            "items_simulated": self.items_simulated,
            "critical_items": self.critical_items,
            "scheme_items": self.scheme_items,
            "scheme_first_week": self.scheme_first_week,
            "scheme_found_threshold": SCHEME_FOUND,
            "definitions": DEFINITIONS,
            "seconds": round(self.seconds, 1),
            "notes": self.notes,
        }


DEFINITIONS = {
    "precision": "frauds found / items inspected, per week",
    "revenue": "additional revenue (duties, taxes and penalties; fines for prohibited goods) of the frauds found",
    "critical_recall": "prohibited-goods items found / prohibited-goods items lodged that week (null: none lodged)",
    "oracle_revenue": (
        "the best selection of as many items each week with full knowledge (revenue of each item and whether"
        " its fraud would be found), across offices"
    ),
    "weeks_to_detect_new_scheme": (
        f"weeks from the first simulated week with scheme items to the week the strategy's cumulative scheme"
        f" frauds found reach {SCHEME_FOUND} (1 = that first week; null = never)"
    ),
    "detection": (
        "a fraud is found with the world's chance for its fraud type under a physical inspection, drawn once per"
        " item and shared by every strategy; an undetected fraud is recorded as compliant"
    ),
}


class Simulation:
    """One run: the world, the settings, and what every strategy shares (warm-up model, draws)."""

    def __init__(
        self,
        world: SimWorld,
        *,
        weeks: int,
        budget: float,
        strategies: list[str],
        explore_share: float = DEFAULT_EXPLORE_SHARE,
        retrain_every: int = 1,
        seed: int = 0,
        model_params: dict | None = None,
        explore_bonus: float = 1.0,
    ) -> None:
        self.world = world
        self.weeks = weeks
        self.budget = budget
        self.names = list(strategies)
        self.explore_share = explore_share
        self.retrain_every = retrain_every
        self.seed = seed
        self.explore_bonus = explore_bonus
        self.model_params = {"objective": "revenue", "random_state": seed, **(model_params or {})}
        self.start = simulation_start(world, weeks)
        self.first_item = int(np.searchsorted(world.lodged, np.datetime64(self.start, "s")))
        self.notes: list[str] = []
        self._found_draw = np.random.default_rng([seed, 0]).random(world.items)
        legacy = world.legacy
        pos = _positions(world.declarations, legacy)
        warm = (pos >= 0) & (pos < self.first_item)
        legacy = legacy.filter(pa.array(warm))
        known = pc.max_element_wise(
            pc.cast(legacy["inspected_at"], pa.timestamp("s")),
            world.declarations["lodged_at"].take(pa.array(pos[warm])).cast(pa.timestamp("s")),
        )
        self.legacy_inspections = legacy
        self.legacy_labels = pa.table(
            {
                "importer_id": world.declarations["importer_id"].take(pa.array(pos[warm])),
                "result": legacy["result"],
                "known_at": known,
            }
        )
        self.warm_training: pa.Table | None = None
        self.warm_model: RiskModel | None = None
        self.basis = "additional_revenue"
        #: The strategies of the last run, with what each learnt (its inspections, its labels).
        self.strategies: dict[str, Strategy] = {}

    def policy(self, **options: float) -> SelectionPolicy:
        values = {
            "red_budget": self.budget,
            "yellow_budget": 0.0,
            "blue_budget": 0.0,
            "random_rate": self.budget * RANDOM_SHARE,
            "explore_share": 0.0,
            "seed": self.seed,
            **options,
        }
        return SelectionPolicy.of(**values)

    def new_warehouse(self) -> Warehouse:
        """An in-memory warehouse with every declaration and the legacy inspections before the start
        (features only ever read items lodged before the week they score)."""
        wh = connect("duckdb://")
        wh.insert("declarations", self.world.declarations)
        wh.insert("inspections", self.legacy_inspections)
        return wh

    def history(self, warehouse: Warehouse, week: Week) -> pa.Table:
        """Point-in-time history of the week's items, in world order."""
        hist = point_in_time(warehouse, start=week.start, end=week.end, basis=self.basis)
        pos = _positions(self.world.declarations.slice(week.lo, week.hi - week.lo), hist)
        if (pos < 0).any() or hist.num_rows != week.hi - week.lo:
            raise RuntimeError("the week's history does not cover its items")
        return hist.take(pa.array(np.argsort(pos)))

    def fit(self, training: pa.Table, now: dt.datetime, what: str = "training") -> RiskModel:
        """The risk engine's model on the labels known before ``now``, in lodgement order."""
        known = known_before(training, now).sort_by(
            [("lodged_at", "ascending"), ("declaration_id", "ascending"), ("item_no", "ascending")]
        )
        return fit_on_labels(known, self.model_params, what)

    def _warm_up(self) -> None:
        """History and labels of the legacy period, and the first model (shared by model strategies)."""
        wh = self.new_warehouse()
        try:
            self.basis = revenue_basis(wh)
            self.warm_training = labelled_history(wh, self.basis, end=self.start)
        finally:
            wh.close()
        try:
            self.warm_model = self.fit(self.warm_training, self.start, "the warm-up")
        except UserError as exc:
            raise UserError(f"{exc} (the legacy inspections before {self.start:%Y-%m-%d})") from None

    def _strategy(self, name: str) -> Strategy:
        if name == "random":
            return RandomStrategy(self)
        if name == "rules":
            return RulesStrategy(self)
        if name not in STRATEGIES:
            raise ValueError(f"unknown strategy {name!r}: one of {', '.join(STRATEGIES)}")
        return ModelStrategy(self, name, self.explore_share if name == "model+explore" else 0.0)

    def run(self, progress: Callable[[str, float], None] | None = None) -> SimulationResult:
        """Simulate every week for every strategy. ``progress(description, weeks_done)`` is called as
        it goes."""
        started = time.perf_counter()
        report = progress or (lambda _d, _w: None)
        world = self.world
        if any(n.startswith("model") for n in self.names):
            report("warm-up: legacy history and the first model", 0)
            self._warm_up()
        strategies = {n: self._strategy(n) for n in self.names}
        results = {n: StrategyResult() for n in self.names}
        critical, scheme = [], []
        bounds = [self.start + k * WEEK for k in range(self.weeks + 1)]
        edges = np.searchsorted(world.lodged, np.array(bounds, dtype="datetime64[s]"))
        realised = world.revenue_if_found * (world.is_fraud & (self._found_draw < world.detection_chance))
        try:
            for k in range(self.weeks):
                lo, hi = int(edges[k]), int(edges[k + 1])
                week = Week(
                    k + 1,
                    bounds[k],
                    bounds[k + 1],
                    lo,
                    hi,
                    np.random.default_rng([self.seed, k, 3]).random(hi - lo),
                )
                critical.append(int(world.is_critical[lo:hi].sum()))
                scheme.append(int(world.in_scheme[lo:hi].sum()))
                best = np.sort(realised[lo:hi])[::-1]
                for name, strategy in strategies.items():
                    report(f"week {k + 1}/{self.weeks}: {name}", k)
                    decision = strategy.decide(week) if hi > lo else None
                    red = np.flatnonzero(decision.lane == RED) if decision is not None else np.array([], int)
                    result = reveal(world, self._found_draw, red + lo)
                    strategy.learn(week, result)
                    r = results[name]
                    r.inspected.append(int(red.size))
                    r.frauds_found.append(int(result.found.sum()))
                    r.revenue.append(float(result.revenue.sum()))
                    r.oracle.append(float(best[: red.size].sum()))
                    r.critical_found.append(int(result.critical.sum()))
                    r.scheme_found.append(int((result.found & world.in_scheme[result.items]).sum()))
                    if decision is not None and name == "model+explore":
                        explored = np.flatnonzero(decision.explore) + lo
                        r.explored.append(int(explored.size))
                        r.explored_found.append(int(np.isin(explored, result.items[result.found]).sum()))
                report(f"week {k + 1}/{self.weeks}", k + 1)
        finally:
            for strategy in strategies.values():
                strategy.close()
        for s in strategies.values():
            if isinstance(s, ModelStrategy):
                self.notes += [f"{s.name}: {n}" for n in s.model.notes_ if f"{s.name}: {n}" not in self.notes]
        self.strategies = strategies
        return SimulationResult(
            weeks=self.weeks,
            budget=self.budget,
            explore_share=self.explore_share,
            retrain_every=self.retrain_every,
            start=self.start,
            source=world.source,
            items=world.items,
            items_simulated=int(edges[-1] - edges[0]),
            critical_items=critical,
            scheme_items=scheme,
            strategies=results,
            seconds=time.perf_counter() - started,
            notes=self.notes,
        )


def _positions(declarations: pa.Table, rows: pa.Table) -> np.ndarray:
    """Position in ``declarations`` of each row of ``rows`` (by declaration_id, item_no; -1 if absent)."""
    index = declarations.select(list(KEY)).append_column("_pos", pa.array(np.arange(declarations.num_rows)))
    probe = rows.select(list(KEY)).append_column("_row", pa.array(np.arange(rows.num_rows)))
    joined = probe.join(index, list(KEY), join_type="left outer").sort_by("_row")
    return np.asarray(pc.fill_null(joined["_pos"], -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def simulate(
    world: SimWorld,
    *,
    weeks: int,
    budget: float,
    strategies: list[str] | tuple[str, ...] = STRATEGIES,
    explore_share: float = DEFAULT_EXPLORE_SHARE,
    retrain_every: int = 1,
    seed: int = 0,
    progress: Callable[[str, float], None] | None = None,
    model_params: dict | None = None,
    explore_bonus: float = 1.0,
) -> SimulationResult:
    """Run the strategies on ``world`` for ``weeks`` weeks at ``budget`` (share of items inspected)."""
    sim = Simulation(
        world,
        weeks=weeks,
        budget=budget,
        strategies=list(strategies),
        explore_share=explore_share,
        retrain_every=retrain_every,
        seed=seed,
        model_params=model_params,
        explore_bonus=explore_bonus,
    )
    return sim.run(progress)
