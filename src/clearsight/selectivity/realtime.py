"""Lanes for one declaration at a time, for the clearance system calling the scoring API.

A batch (``clearsight select``) fills each office's budget with the best-ranked items of a window.
A declaration arriving alone cannot be ranked against the others of its day, so the real-time
decider uses what the last batch learned: per office, the lowest priority the model admitted to red,
yellow and blue (saved with the policy in ``<home>/selectivity/realtime.json``). Then, per item, the
batch's own precedence (:func:`clearsight.selectivity.lanes.decide_by_thresholds`): the rules propose
the strictest lane among those hit, the random control red with the same draw the batch would make
for that item, the model the strictest lane whose threshold the item's priority reaches; the item
takes the strictest of these, and ``selected_by`` names its source (a tie goes to the random
control, then the rule). Exploration is a batch decision (it ranks items against each other) and is
not made here. Each decision says why in one sentence (:mod:`clearsight.selectivity.why`) and, when
the model selected it, the office's threshold it reached.

:func:`decide_declarations` is "score and decide a declaration" as the scoring API asks it: the
office checked, the items scored by the promoted model, their lanes decided, one
:class:`ItemDecision` per item; :func:`clearsight.selectivity.decisions.outbox_rows` makes them the
rows the API commits before it answers.

Before any batch decision exists the thresholds are the policy's budget quantiles of the promoted
model's scores over the most recent items in the warehouse (:data:`FALLBACK_ITEMS`), and the decider
says so in :attr:`RealtimeDecider.source`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from clearsight.core.errors import UserError
from clearsight.core.settings import Settings
from clearsight.core.store import Store, open_store
from clearsight.core.warehouse import Warehouse
from clearsight.core.workspace import Workspace
from clearsight.rules import RowRules, enabled_rules
from clearsight.schema.items import ItemsUnreadable, canonical_items, office_refusal
from clearsight.schema.tables import DECLARATIONS, LANES
from clearsight.selectivity.lanes import (
    BUDGET_LANES,
    MODEL,
    RANDOM,
    SELECTED_BY,
    aeo_adjusted,
    decide_by_thresholds,
    quantile_thresholds,
    threshold_lanes,
)
from clearsight.selectivity.policy import SelectionPolicy
from clearsight.selectivity.select import SelectSettings, random_draws
from clearsight.selectivity.why import ModelView, why

#: Items (the most recently lodged) scored to set thresholds before any batch decision exists.
FALLBACK_ITEMS = 20_000
Thresholds = dict[str, float | None]


@dataclass
class RealtimeDecider:
    """The policy, rules and per-office thresholds one declaration is decided with."""

    policy: SelectionPolicy
    rules: RowRules
    thresholds: dict[str, Thresholds]
    overall: Thresholds
    source: str
    model_version: str | None = None
    notes: list[str] = field(default_factory=list)

    @classmethod
    def load(
        cls, settings: Settings, store: Store | None = None, warehouse: Warehouse | None = None
    ) -> RealtimeDecider:
        """The last batch's thresholds and policy (or the fallback), and the enabled rules."""
        own_store = store is None
        store = store or open_store(settings)
        try:
            rules = RowRules(enabled_rules(store))
        finally:
            if own_store:
                store.close()
        path = Workspace(settings).realtime_thresholds
        if path.exists():
            try:
                state = json.loads(path.read_text(encoding="utf-8"))
                policy = SelectionPolicy(**state["policy"])
            except (OSError, ValueError, KeyError) as exc:
                raise UserError(f"{path} cannot be read ({exc}); run `clearsight select` again") from None
            return cls(
                policy=policy,
                rules=rules,
                thresholds=state["thresholds"],
                overall=state["overall"],
                source=f"thresholds of selection {state['selection_id']} ({state['window']['from']} to "
                f"{state['window']['to']})",
                model_version=state.get("model_version"),
            )
        policy = SelectSettings().policy()
        overall, model_version, n = fallback_thresholds(settings, policy, warehouse)
        return cls(
            policy=policy,
            rules=rules,
            thresholds={},
            overall=overall,
            source=f"no batch decision yet: the policy's budget quantiles of model {model_version}'s scores "
            f"over the {n:,} most recent items",
            model_version=model_version,
            notes=[] if n else ["the warehouse holds no items: only rules and the random control select"],
        )

    def office_thresholds(self, office: str | None) -> Thresholds:
        return self.thresholds.get(office or "", self.overall)

    def _limits(self, office: str | None) -> np.ndarray:
        """An office's thresholds as a row of :data:`BUDGET_LANES` (NaN: none), kept once made."""
        cache = self.__dict__.setdefault("_limit_rows", {})
        found = cache.get(office)
        if found is None:
            limits = self.office_thresholds(office)
            found = cache[office] = np.array(
                [np.nan if limits.get(x) is None else limits[x] for x in BUDGET_LANES], dtype=np.float64
            )
        return found

    def decide(self, items: pa.Table, scored: pa.Table) -> list[dict]:
        """Per item (in order): lane, selected_by, random_control, rules_hit, threshold (the office's
        threshold of the lane the model selected; None when the model did not select it) and why (one
        sentence for the officer), with the item's declaration_id, item_no, office_id and lodged_at.

        ``items``: canonical declaration rows (missing optional fields are NULL; no ``lodged_at``
        means now); ``scored``: :meth:`RiskScorer.score`'s rows for the same items, same order.
        """
        if items.num_rows != scored.num_rows:
            raise ValueError(f"{items.num_rows} items but {scored.num_rows} scores")
        rows = canonical_rows(items)
        draws = random_draws(
            pa.array([r["declaration_id"] for r in rows], pa.string()),
            pa.array([r["item_no"] for r in rows], pa.int64()),
            self.policy.seed,
        )
        aeo = np.array([bool(r.get("aeo_status")) for r in rows], dtype=bool)
        priority = aeo_adjusted(
            pc.fill_null(scored["score"], np.nan).to_numpy(zero_copy_only=False), aeo, self.policy.aeo_factor
        )
        hits = [self.rules.hits(row) for row in rows]
        rule_lane = np.array([LANES.index(self.rules.lane(h)) if h else -1 for h in hits], dtype=np.int8)
        limits = np.array([self._limits(row.get("office_id")) for row in rows]).reshape(len(rows), len(BUDGET_LANES))
        lane, by = decide_by_thresholds(self.policy, priority, limits, draws, aeo, rule_lane)
        model = threshold_lanes(priority, limits)
        rule_lanes = {r.name: r.lane for r in self.rules.rules}
        out = []
        for i, row in enumerate(rows):
            office = row.get("office_id")
            final = LANES[lane[i]]
            view = ModelView(
                lane=LANES[model[i]] if model[i] >= 0 else None,
                priority=float(priority[i]),
                aeo_adjusted=bool(aeo[i]) and self.policy.aeo_factor != 1.0,
                thresholds=self.office_thresholds(office),
                office=office if (office or "") in self.thresholds else None,
            )
            out.append(
                {
                    "declaration_id": row["declaration_id"],
                    "item_no": row["item_no"],
                    "office_id": office,
                    "lodged_at": row.get("lodged_at"),
                    "lane": final,
                    "selected_by": SELECTED_BY[by[i]],
                    "random_control": bool(by[i] == RANDOM),
                    "rules_hit": hits[i],
                    "threshold": model_threshold(limits[i], final) if by[i] == MODEL else None,
                    "why": why(
                        final,
                        SELECTED_BY[by[i]],
                        [(name, rule_lanes.get(name)) for name in hits[i]],
                        office=office,
                        model=view,
                        random_share=self.policy.random_rate * (self.policy.aeo_factor if aeo[i] else 1.0),
                        aeo=bool(aeo[i]),
                    ),
                }
            )
        return out


def model_threshold(limits: np.ndarray, lane: str) -> float | None:
    """An office's threshold for a lane (a row of :data:`BUDGET_LANES`), None where there is none
    (a lane closed to the model, or a batch whose model admitted an unscored item)."""
    value = float(limits[BUDGET_LANES.index(lane)])
    return value if np.isfinite(value) else None


class ItemRefused(UserError):
    """An item the canonical goods item refuses for a field (the API answers 422 naming it)."""

    def __init__(self, field: str, reason: str, value: object = None) -> None:
        super().__init__(reason)
        self.field, self.reason, self.value = field, reason, value


@dataclass
class ItemDecision:
    """One goods item scored and decided in real time: what the API answers and the outbox stores."""

    declaration_id: str
    item_no: int
    score: float
    fraud_probability: float
    expected_revenue: float
    lane: str
    reasons: list[str]
    model_version: str
    selected_by: str = "none"
    random_control: bool = False
    rules_hit: list[str] | None = None
    office_id: str | None = None
    lodged_at: dt.datetime | None = None
    exploration: bool = False
    #: the office's model threshold for the lane the model selected; None when it did not select it
    threshold: float | None = None
    #: who selected the lane and what the others proposed, in one sentence for the officer
    why: str = ""


def decide_declarations(scorer, decider, rows: pa.Table, explain_top: int | None = None) -> list[ItemDecision]:
    """Score and decide the items of one declaration, or of several arriving together (each item is
    scored and decided as it would be alone).

    ``scorer``: the promoted model's :class:`~clearsight.risk.scorer.RiskScorer`; ``decider``: a
    :class:`RealtimeDecider`, or a function giving it (called once the offices are checked);
    ``rows``: canonical declaration rows. Raises :class:`ItemRefused` for an office no declaration
    of the scorer's history was lodged at (the offices come with the model's history snapshot).
    """
    if "office_id" in rows.column_names:
        for office in dict.fromkeys(rows["office_id"].to_pylist()):
            if (reason := office_refusal(office, scorer.snapshot.offices)) is not None:
                raise ItemRefused("office_id", reason, office)
    if not isinstance(decider, RealtimeDecider):
        decider = decider()
    scored = scorer.score(rows, explain_top=explain_top, critical_weight=decider.policy.critical_weight)
    lanes = decider.decide(rows, scored)
    version = scorer.entry.name
    return [
        ItemDecision(
            declaration_id=r["declaration_id"],
            item_no=r["item_no"],
            score=float(r["score"]),
            fraud_probability=float(r["fraud_probability"]),
            expected_revenue=float(r["expected_revenue"]),
            lane=d["lane"],
            reasons=list(r["reasons"] or []),
            model_version=version,
            selected_by=d["selected_by"],
            random_control=d["random_control"],
            rules_hit=list(d["rules_hit"] or []),
            office_id=d["office_id"],
            lodged_at=d["lodged_at"],
            threshold=d["threshold"],
            why=d["why"],
        )
        for r, d in zip(scored.to_pylist(), lanes, strict=True)
    ]


def decider_stamp(settings: Settings, store: Store) -> tuple:
    """Changes whenever what :meth:`RealtimeDecider.load` reads changes (a new batch decision, a rule
    added or disabled): a server compares stamps now and then and reloads the decider when they differ."""
    from sqlalchemy import func, select

    from clearsight.core.store.models import RuleProfile

    try:
        saved = Workspace(settings).realtime_thresholds.stat().st_mtime_ns
    except OSError:
        saved = None
    with store.session() as session:
        rules = session.execute(
            select(func.count(RuleProfile.id), func.max(RuleProfile.id), func.max(RuleProfile.disabled_at))
        ).one()
    return (saved, *rules)


def canonical_rows(items: pa.Table, now: dt.datetime | None = None) -> list[dict]:
    """The items as dicts of every canonical declaration field, typed as in the warehouse (the rules
    read any of them), as the canonical goods item has them
    (:func:`clearsight.schema.items.canonical_items`): absent fields NULL, hs2 / hs4 / hs6 from
    hs_code, no lodged_at = now (to the second)."""
    try:
        table, _ = canonical_items(items, now=now)
    except ItemsUnreadable as exc:
        raise UserError(str(exc)) from None
    return table.to_pylist()


def fallback_thresholds(
    settings: Settings, policy: SelectionPolicy, warehouse: Warehouse | None = None
) -> tuple[Thresholds, str, int]:
    """Thresholds at the policy's budgets over the promoted model's scores of the latest items.

    The model's share of red is the red budget less the random control (rules are not counted:
    their hits are not known in advance). Returns (thresholds, model name, items scored).
    """
    from clearsight.risk import ModelRegistry, RiskScorer

    registry = ModelRegistry(Workspace(settings).models_dir)
    if registry.promoted() is None:
        raise UserError("no risk model is promoted: train one with `clearsight risk train` first")
    own = warehouse is None
    wh = warehouse or Workspace(settings).open_warehouse()
    try:
        d = wh.table("declarations")
        latest = (
            d.order_by(ibis.desc("lodged_at"))
            .limit(FALLBACK_ITEMS)
            .select(*DECLARATIONS.field_names)
            .to_pyarrow()
        )
        if latest.num_rows == 0:
            return dict.fromkeys(BUDGET_LANES), registry.promoted() or "", 0
        first = pc.min(latest["lodged_at"]).as_py()
        scorer = RiskScorer.load(settings, warehouse=wh, as_of=first)
        scored = scorer.score(latest, explain_top=0, critical_weight=policy.critical_weight)
    finally:
        if own:
            wh.close()
    aeo = pc.fill_null(latest["aeo_status"], False).to_numpy(zero_copy_only=False)
    priority = aeo_adjusted(scored["score"].to_numpy(zero_copy_only=False), aeo, policy.aeo_factor)
    shares = {
        "red": max(policy.red_budget - policy.random_rate, 0.0),
        "yellow": policy.yellow_budget,
        "blue": policy.blue_budget,
    }
    return quantile_thresholds(priority, shares), scorer.entry.name, latest.num_rows
