"""Deciding a batch: the declarations lodged in a window, scored, matched against the rules, given
lanes within each office's budgets, and stored in ``selections`` with their reasons.

The steps, in order: the promoted model scores every item with what was known when the window
opened (history as of its first day); the enabled rules valid in the window are compiled into one
Ibis expression and run in the warehouse; exploration ranks the items the model knows least (when
the policy explores); then :func:`~clearsight.selectivity.lanes.decide_lanes` applies the policy.
The random control draws per item from a hash of the item and the seed, so the real-time decider
draws the same number for the same item and a re-run decides the same way.

After a run, the lowest priority the model admitted to each lane in each office is saved with the
policy (``<home>/selectivity/realtime.json``): the real-time decider applies those thresholds to one
declaration at a time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic_settings import BaseSettings, SettingsConfigDict

from clearsight.core.errors import UserError
from clearsight.core.files import write_json_atomic
from clearsight.core.settings import Settings
from clearsight.core.store import Store
from clearsight.core.warehouse import Warehouse
from clearsight.core.workspace import Workspace
from clearsight.risk import CRITICAL_WEIGHT
from clearsight.rules import RuleHits, RuleSet, enabled_rules
from clearsight.schema.tables import DECLARATIONS, LANES
from clearsight.selectivity.decisions import move_decisions
from clearsight.selectivity.explore import exploration_priority
from clearsight.selectivity.lanes import SELECTED_BY, LaneDecision, decide_lanes, lane_capacity
from clearsight.selectivity.policy import SelectionPolicy
from clearsight.selectivity.selections import BATCH, selection_summary, write_selections

KEY = ["declaration_id", "item_no"]
#: Policy fields given in percent on the command line and in CLEARSIGHT_SELECT_* settings.
#: ``decided_by`` of a batch decision (real-time ones name the API caller).
DECIDED_BY = "clearsight select"
PERCENT_FIELDS = ("red_budget", "yellow_budget", "blue_budget", "random_rate", "explore_share", "aeo_factor")


class SelectSettings(BaseSettings):
    """Default selection policy, in percent (env ``CLEARSIGHT_SELECT_RED_BUDGET=5`` and so on)."""

    model_config = SettingsConfigDict(env_prefix="CLEARSIGHT_SELECT_", extra="ignore")

    red_budget: float = 5.0
    yellow_budget: float = 10.0
    blue_budget: float = 0.0
    random_rate: float = 0.5
    explore_share: float = 0.0
    aeo_factor: float = 50.0
    seed: int = 0
    critical_weight: float = CRITICAL_WEIGHT

    def policy(self, **percent: float | int | None) -> SelectionPolicy:
        """The policy from these defaults and ``percent`` overrides (None keeps the default)."""
        values = {**self.model_dump(), **{k: v for k, v in percent.items() if v is not None}}
        return SelectionPolicy.of(**{k: (v / 100 if k in PERCENT_FIELDS else v) for k, v in values.items()})


def policy_percent(policy: SelectionPolicy) -> dict[str, float | int]:
    """A policy as an analyst writes it (percent), for messages, JSON and reports."""
    return {k: (round(v * 100, 6) if k in PERCENT_FIELDS else v) for k, v in policy.model_dump().items()}


def policy_text(policy: SelectionPolicy) -> str:
    """A policy in the words the selection report and the portal's Selection page show it in."""
    p = policy_percent(policy)
    return (
        f"red {p['red_budget']:g} % of each office's items (of which a random control of {p['random_rate']:g} % "
        f"of items and {p['explore_share']:g} % of the red budget for exploration), yellow {p['yellow_budget']:g} %, "
        f"blue {p['blue_budget']:g} %; AEO traders at {p['aeo_factor']:g} % of others' priority and random rate; "
        f"seed {p['seed']}. Rules and the random control are mandatory and count against the budget; the model "
        "fills what is left, best-ranked first, and may raise an item a rule sent to a less strict lane: the "
        "strictest lane proposed wins."
    )


def random_draws(declaration_id, item_no, seed: int) -> np.ndarray:
    """Uniform draws in [0, 1), one per item, a function of the item and the seed only.

    The same item gets the same draw in a batch and in the real-time decider, whatever else is in
    the batch; another seed gives independent draws. The declaration reference is hashed with
    FNV-1a over its UTF-8 bytes, mixed with the item number and the seed, and finished with the
    SplitMix64 mixer — all vectorised over the batch.
    """
    seed_key = int.from_bytes(hashlib.blake2b(str(seed).encode(), digest_size=8).digest(), "little")
    if len(declaration_id) <= _SMALL:  # one declaration (the real-time decider): plain Python is faster
        return np.array(
            [
                _draw(d or "", i or 0, seed_key)
                for d, i in zip(
                    pa.array(declaration_id).to_pylist(), pa.array(item_no).to_pylist(), strict=True
                )
            ]
        )
    ids = pc.fill_null(pc.cast(declaration_id, pa.large_string()), "")
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    n = len(ids)
    offsets = np.frombuffer(ids.buffers()[1], dtype=np.int64)[ids.offset : ids.offset + n + 1]
    data = np.frombuffer(ids.buffers()[2] or b"\0", dtype=np.uint8)
    starts, lengths = offsets[:-1], np.diff(offsets)
    with np.errstate(over="ignore"):
        h = np.full(n, _FNV_OFFSET, dtype=np.uint64)
        for j in range(int(lengths.max()) if n else 0):
            live = lengths > j
            byte = data[starts[live] + j].astype(np.uint64)
            h[live] = (h[live] ^ byte) * _FNV_PRIME
        items = np.asarray(pc.fill_null(pc.cast(item_no, pa.int64()), 0).to_numpy(zero_copy_only=False))
        x = h ^ (items.astype(np.uint64) * np.uint64(_GOLDEN)) ^ np.uint64(seed_key)
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return (x >> np.uint64(11)).astype(np.float64) / float(2**53)


_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_GOLDEN = 0x9E3779B97F4A7C15
_MASK = 2**64 - 1
_SMALL = 64


def _draw(declaration_id: str, item_no: int, seed_key: int) -> float:
    """:func:`random_draws` for one item, in plain Python (the same arithmetic modulo 2**64)."""
    h = int(_FNV_OFFSET)
    for byte in declaration_id.encode("utf-8"):
        h = ((h ^ byte) * int(_FNV_PRIME)) & _MASK
    x = h ^ ((item_no * _GOLDEN) & _MASK) ^ seed_key
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & _MASK
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & _MASK
    x ^= x >> 31
    return (x >> 11) / float(2**53)


def _day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return dt.datetime.combine(start, dt.time()), dt.datetime.combine(end + dt.timedelta(days=1), dt.time())


def window_items(
    warehouse: Warehouse, rules: RuleSet, start: dt.date, end: dt.date
) -> tuple[pa.Table, RuleHits]:
    """The canonical declaration rows lodged from ``start`` to ``end`` (inclusive), in key order,
    with the rules they hit — one warehouse query."""
    lo, hi = _day_bounds(start, end)
    d = warehouse.table("declarations")
    d = d.filter(d.lodged_at >= ibis.timestamp(lo), d.lodged_at < ibis.timestamp(hi))
    return rules.evaluate(d.select(*DECLARATIONS.field_names), order_by=KEY)


@dataclass
class SelectionResult:
    """What one ``select`` run decided."""

    selection_id: str
    decided_at: dt.datetime
    start: dt.date
    end: dt.date
    policy: SelectionPolicy
    model_version: str
    rules: RuleSet
    hits: RuleHits
    decision: LaneDecision
    rows: pa.Table  # the selections rows written
    priority: np.ndarray  # AEO-adjusted priority the budgets were filled by
    replaced: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def items(self) -> int:
        return self.rows.num_rows

    def lanes(self) -> dict[str, int]:
        counts = np.bincount(self.decision.lane, minlength=len(LANES))
        return {lane: int(counts[i]) for i, lane in enumerate(LANES)}

    def contributions(self) -> list[dict]:
        """Per reason (rule, random, explore, model, none): items per lane, expected revenue, mean
        fraud probability — what each part of the policy put where."""
        by = self.decision.selected_by
        lane = self.decision.lane
        revenue = np.nan_to_num(self.rows["expected_revenue"].to_numpy(zero_copy_only=False))
        probability = np.nan_to_num(self.rows["fraud_probability"].to_numpy(zero_copy_only=False))
        out = []
        for code, reason in enumerate(SELECTED_BY):
            mask = by == code
            if not mask.any():
                continue
            lanes = np.bincount(lane[mask], minlength=len(LANES))
            out.append(
                {
                    "reason": reason,
                    "items": int(mask.sum()),
                    "lanes": {name: int(lanes[i]) for i, name in enumerate(LANES) if lanes[i]},
                    "expected_revenue": float(revenue[mask].sum()),
                    "mean_fraud_probability": float(probability[mask].mean()),
                }
            )
        return out

    def rule_hits(self) -> list[dict]:
        """Per rule applied: items hit, how many of them the rule itself decided (``in_its_lane``),
        and how many a stricter source outranked (``outranked``: a stricter rule, the random control,
        exploration or the model took them to a stricter lane)."""
        from clearsight.selectivity.lanes import RANK, RULE

        decided = self.decision.selected_by == RULE
        final = RANK[self.decision.lane]
        out = []
        for i, rule in enumerate(self.rules.rules):
            hit = self.hits.matrix[:, i]
            code = LANES.index(rule.lane)
            own = hit & decided & (self.decision.lane == code)
            out.append(
                {
                    "rule": rule.name,
                    "lane": rule.lane,
                    "reason": rule.reason,
                    "criteria": rule.describe(),
                    "items": int(hit.sum()),
                    "in_its_lane": int(own.sum()),
                    "outranked": int((hit & (final > RANK[code])).sum()),
                }
            )
        return out

    def to_json_dict(self) -> dict:
        return {
            "selection_id": self.selection_id,
            "decided_at": self.decided_at.isoformat(timespec="seconds"),
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "items": self.items,
            "model": self.model_version,
            "policy": policy_percent(self.policy),
            "policy_text": policy_text(self.policy),
            "lanes": self.lanes(),
            "offices": self.decision.counts(),
            "over_budget": self.decision.over_budget(),
            "reasons": self.contributions(),
            "rules": self.rule_hits(),
            "replaced": self.replaced,
            "notes": self.notes,
        }


def select_batch(
    settings: Settings,
    warehouse: Warehouse,
    store: Store,
    start: dt.date,
    end: dt.date,
    policy: SelectionPolicy,
    *,
    replace: bool = False,
    now: dt.datetime | None = None,
) -> SelectionResult:
    """Decide the lanes of every item lodged from ``start`` to ``end`` (inclusive) and store them.

    Raises UserError (nothing written) when the window is empty or reversed, no model is promoted,
    or the window's items were already decided and ``replace`` is not set.
    """
    from clearsight.risk import ModelRegistry, RiskScorer, prepare_items, score_history

    if end < start:
        raise UserError(f"--to ({end}) is before --from ({start})")
    if ModelRegistry(Workspace(settings).models_dir).promoted() is None:
        raise UserError("no risk model is promoted: train one with `clearsight risk train` first")
    rules = enabled_rules(store).applying(start, end)
    table, hits = window_items(warehouse, rules, start, end)
    span = f"on {start}" if start == end else f"from {start} to {end}"
    if table.num_rows == 0:
        raise UserError(f"no declarations lodged {span} in the warehouse")
    lo, hi = _day_bounds(start, end)
    scorer = RiskScorer.load(settings, warehouse=warehouse, as_of=lo)
    items, notes = prepare_items(table)
    history = scorer.snapshot.history(items)
    scored = score_history(scorer.model, history, explain_top=0, critical_weight=policy.critical_weight)
    probability = scored["fraud_probability"].to_numpy(zero_copy_only=False)
    explore = None
    if policy.explore_share > 0:
        explore = exploration_priority(history, probability, seed=policy.seed)
    aeo = pc.fill_null(table["aeo_status"], False).to_numpy(zero_copy_only=False)
    priority = scored["score"].to_numpy(zero_copy_only=False)
    decision = decide_lanes(
        table["office_id"],
        priority,
        policy,
        rule_lane=hits.rule_lane,
        explore_priority=explore,
        aeo=aeo,
        random_draw=random_draws(table["declaration_id"], table["item_no"], policy.seed),
    )
    decided_at = (now or dt.datetime.now(dt.UTC).replace(tzinfo=None)).replace(microsecond=0)
    selection_id = f"sel-{decided_at:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
    n = table.num_rows
    lanes = decision.to_arrow()  # lane, selected_by, random_control, exploration
    rows = pa.table(
        {
            "selection_id": pa.array([selection_id] * n, pa.string()),
            "decided_at": pa.array([decided_at] * n, pa.timestamp("us")),
            "declaration_id": table["declaration_id"],
            "item_no": table["item_no"],
            "office_id": table["office_id"],
            "lodged_at": table["lodged_at"],
            **{c: lanes[c] for c in lanes.column_names},
            "rules_hit": hits.rules_hit,
            "model_version": pa.array([scorer.entry.name] * n, pa.string()),
            "score": scored["score"],
            "fraud_probability": scored["fraud_probability"],
            "expected_revenue": scored["expected_revenue"],
            "channel": pa.array([BATCH] * n, pa.string()),
            "decided_by": pa.array([DECIDED_BY] * n, pa.string()),
            "reasons": pa.array([[]] * n, pa.list_(pa.string())),
        }
    )
    replaced = write_selections(warehouse, rows, lo, hi, replace=replace)
    move_decisions(store, warehouse)  # the real-time decisions waiting in the app store, while it holds both
    result = SelectionResult(
        selection_id=selection_id,
        decided_at=decided_at,
        start=start,
        end=end,
        policy=policy,
        model_version=scorer.entry.name,
        rules=rules,
        hits=hits,
        decision=decision,
        rows=rows,
        priority=decision.priority,
        replaced=replaced,
        notes=notes,
    )
    save_realtime_state(settings, result)
    return result


# -- thresholds for the real-time decider ----------------------------------------------------------
def save_realtime_state(settings: Settings, result: SelectionResult) -> Path:
    """The policy and thresholds of the last batch, written atomically for the real-time decider."""
    per_office, overall = result.decision.thresholds()
    state = {
        "source": "batch",
        "selection_id": result.selection_id,
        "decided_at": result.decided_at.isoformat(),
        "window": {"from": result.start.isoformat(), "to": result.end.isoformat()},
        "model_version": result.model_version,
        "policy": result.policy.model_dump(),
        "thresholds": per_office,
        "overall": overall,
    }
    path = Workspace(settings).realtime_thresholds
    write_json_atomic(path, state, indent=1)
    return path


def saved_policy(settings: Settings, selection_id: str) -> SelectionPolicy | None:
    """The policy a batch run was decided with, as saved for the real-time decider: known for the
    latest run only (None for another run, or when the file is missing or unreadable)."""
    try:
        state = json.loads(Workspace(settings).realtime_thresholds.read_text(encoding="utf-8"))
        if state.get("selection_id") != selection_id:
            return None
        return SelectionPolicy(**state["policy"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def selection_overview(settings: Settings, warehouse: Warehouse, selection_id: str) -> dict:
    """One stored run as the selection report shows it: :func:`selection_summary` with the policy
    (in percent) and the offices over budget — where rules and random controls alone sent more items
    to red than the red budget, by how many. Both None when the policy was not kept (not the latest run)."""
    summary = selection_summary(warehouse, selection_id)
    policy = saved_policy(settings, selection_id)
    over = None
    if policy is not None:
        offices = list(summary["offices"])
        red = np.array([summary["offices"][o]["red"] for o in offices], dtype=np.int64)
        items = np.array([sum(summary["offices"][o].values()) for o in offices], dtype=np.int64)
        excess = red - lane_capacity(policy.red_budget, items)
        over = {office: int(e) for office, e in zip(offices, excess, strict=True) if e > 0}
    return {
        **summary,
        "policy": policy_percent(policy) if policy else None,
        "policy_text": policy_text(policy) if policy else None,
        "over_budget": over,
    }
