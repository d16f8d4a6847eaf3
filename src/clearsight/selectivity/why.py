"""Why an item is in its lane, in one plain sentence for the officer who opens it.

The sentence names the source of the lane (``selected_by``, by the tie order of
:mod:`clearsight.selectivity.lanes`) and what the others proposed: "red by the model: score 0.499 ≥
office CTN01's red threshold 0.4905; rule low-unit-value asked for yellow", "yellow by rule
low-unit-value; the model agreed: score 0.31 ≥ office CTN01's yellow threshold 0.27", "red by random
control (0.5 % of items)", "green: no rule hit, score 0.136 below office CTN01's yellow threshold
0.27".

The real-time decider knows the model's own lane and the office's threshold (:class:`ModelView`); a
stored decision read back (:func:`stored_why`) knows the lane, who selected it and the rules hit,
and says what a batch or a threshold did in words.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from clearsight.selectivity.lanes import BUDGET_LANES, STRICTNESS


def number(x: float) -> str:
    """A score or threshold as an officer reads it: four significant digits, or one decimal from 100 up."""
    if not math.isfinite(x):
        return "none"
    return f"{x:,.1f}" if abs(x) >= 100 else f"{x:.4g}"


def percent(share: float) -> str:
    return f"{share * 100:g} %"


def names(rules: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return rules[0] if len(rules) == 1 else f"{', '.join(rules[:-1])} and {rules[-1]}"


@dataclass(frozen=True)
class ModelView:
    """What the model proposed for one item in real time."""

    #: the strictest lane whose threshold the priority reaches (None: none, the model leaves it green)
    lane: str | None
    #: the priority compared (the score, AEO-adjusted), and whether AEO status adjusted it
    priority: float
    aeo_adjusted: bool
    #: the office's threshold per budget lane (None: the model admits nobody there)
    thresholds: Mapping[str, float | None]
    #: the office whose thresholds these are; None: the overall ones (an office the last batch did
    #: not hold, or no batch yet)
    office: str | None

    @property
    def owner(self) -> str:
        return f"office {self.office}'s" if self.office else "the overall"

    def compared(self) -> str:
        """The priority against the threshold that placed it: reached, or the lowest one missed."""
        score = f"{'AEO-adjusted score' if self.aeo_adjusted else 'score'} {number(self.priority)}"
        if self.lane is not None:
            return f"{score} ≥ {self.owner} {self.lane} threshold {number(self.thresholds[self.lane])}"
        lowest = next((x for x in reversed(BUDGET_LANES) if self.thresholds.get(x) is not None), None)
        if lowest is None:
            return f"{score}; no model threshold is set at {f'office {self.office}' if self.office else 'any office'}"
        return f"{score} below {self.owner} {lowest} threshold {number(self.thresholds[lowest])}"


def why(
    lane: str,
    selected_by: str,
    rules: Iterable[tuple[str, str | None]] = (),
    *,
    office: str | None = None,
    model: ModelView | None = None,
    random_share: float | None = None,
    aeo: bool = False,
    batch: bool = False,
) -> str:
    """One sentence: the lane and who selected it, then what the rules and the model proposed.

    ``rules``: (name, lane) of every rule the item hit (lane None when unknown); ``model``: the
    model's own proposal, in real time; ``random_share``: the random control's rate for this item
    (``aeo``: its trader's, an AEO's); ``batch``: the decision filled an office's budgets (a batch) rather than met a threshold.
    """
    rules = list(rules)
    where = f"office {office}" if office else "the office"
    own = [name for name, rule_lane in rules if rule_lane in (lane, None)]
    if selected_by == "random":
        whose = "AEO traders' items" if aeo else "items"
        share = f" ({percent(random_share)} of {whose})" if random_share else ""
        head = f"{lane} by random control{share}"
    elif selected_by == "rule":
        head = f"{lane} by rule{'s' if len(own) > 1 else ''} {names(own)}"
    elif selected_by == "explore":
        head = f"{lane} by exploration: part of {where}'s red budget for what the model knows least"
    elif selected_by == "model":
        if model is not None:
            head = f"{lane} by the model: {model.compared()}"
        elif batch:
            head = f"{lane} by the model: among {where}'s best-ranked items within its {lane} budget"
        else:
            head = f"{lane} by the model: its score reached {where}'s {lane} threshold"
    else:
        head = f"{lane}: {'' if rules else 'no rule hit, '}" + (
            model.compared() if model is not None
            else f"not among {where}'s best-ranked items" if batch
            else f"its score below {where}'s thresholds"
        )
    parts = [head]
    others = [(name, rule_lane) for name, rule_lane in rules if selected_by != "rule" or name not in own]
    if others:
        parts.append(
            "; ".join(
                f"rule {name} hit" if rule_lane is None
                else f"rule {name} {'also ' if rule_lane == lane else ''}asked for {rule_lane}"
                for name, rule_lane in others
            )
        )
    if model is not None and selected_by not in ("model", "none"):
        proposed = model.lane or "green"
        if proposed == lane:
            parts.append(f"the model agreed: {model.compared()}")
        elif STRICTNESS.index(proposed) < STRICTNESS.index(lane):
            parts.append(f"the model alone would say {proposed}")
    return "; ".join(parts)


def stored_why(row: Mapping, rule_lanes: Mapping[str, str] | None = None) -> str:
    """:func:`why` of a stored decision (a ``selections`` row): batch or real time by its channel, or
    an officer's lane change with the reason given;
    ``rule_lanes``: each rule's lane by name, where known (the rules store keeps retired ones too)."""
    rule_lanes = rule_lanes or {}
    if row.get("channel") == "officer":  # a person's change: who, and the reason they gave
        reason = "; ".join(row.get("reasons") or []) or "no reason recorded"
        return f"{row['lane']} by officer {row.get('decided_by') or 'unknown'}, who changed the lane: {reason}"
    return why(
        row["lane"],
        row.get("selected_by") or "none",
        [(name, rule_lanes.get(name)) for name in row.get("rules_hit") or []],
        office=row.get("office_id"),
        batch=(row.get("channel") or "batch") == "batch",
    )
