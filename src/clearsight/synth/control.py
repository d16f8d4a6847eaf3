"""Controls: which declarations a legacy rule profile sends to the yellow or red lane, a random
physical control, and what the officers find.

The legacy profile sees only declared data (watched chapters and origins, high values, new traders,
known offenders), so it under-covers what it was never told about: false origins claimed from a
partner nobody watches, and the new scheme. A small random sample of declarations is controlled
regardless of the rules, the one unbiased view of the fraud rate. Officers miss fraud: detection
depends on the fraud type, the control method and the officer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from clearsight.synth.calendar import Calendar
from clearsight.synth.catalogue import Catalogue
from clearsight.synth.events import BLUE, GREEN, RED, YELLOW
from clearsight.synth.fraud import ALL_FRAUD_TYPES, Declared, Fraud
from clearsight.synth.goods import Economy, Goods
from clearsight.synth.parties import Population
from clearsight.synth.reference import WATCH_CHAPTERS, WATCH_ORIGINS

#: Chance an inspection finds a fraud, by fraud type and control method (before officer skill).
DETECTION: dict[str, dict[str, float]] = {
    "valuation": {"documentary": 0.45, "physical": 0.65, "scan": 0.35},
    "classification": {"documentary": 0.4, "physical": 0.85, "scan": 0.5},
    "origin": {"documentary": 0.3, "physical": 0.35, "scan": 0.1},
    "quantity": {"documentary": 0.15, "physical": 0.9, "scan": 0.7},
    "prohibited": {"documentary": 0.05, "physical": 0.85, "scan": 0.75},
}
METHODS: tuple[str, ...] = ("documentary", "physical", "scan")
DOCUMENTARY, PHYSICAL, SCAN = range(len(METHODS))
#: Legacy selectivity rules: (name, chance a hit is controlled before scaling, share sent to red).
LEGACY_RULES: tuple[tuple[str, float, float], ...] = (
    ("watched_chapter", 0.05, 0.5),
    ("watched_origin", 0.07, 0.6),
    ("high_value", 0.12, 0.4),
    ("new_importer", 0.15, 0.5),
    ("known_offender", 0.5, 0.8),
)
HIGH_VALUE_QUANTILE = 0.975
NEW_IMPORTER_DAYS = 180
SELECTED_BY: tuple[str, ...] = ("rule", "random")


def legacy_profile(*, reporter: str | None = None, rule_scale: float = 1.0) -> dict[str, Any]:
    """The legacy rule profile as ``world.json`` records it: what the rules watch, and each rule's
    chance that a hit is controlled (times ``rule_scale``, at most 0.95) and share sent to red. The
    reporter's own country is never a watched origin."""
    return {
        "watched_chapters": [f"{c:02d}" for c in WATCH_CHAPTERS],
        "watched_origins": [o for o in WATCH_ORIGINS if o != reporter],
        "high_value_quantile": HIGH_VALUE_QUANTILE,
        "new_importer_days": NEW_IMPORTER_DAYS,
        "rules": [
            {"name": n, "probability": round(min(p * rule_scale, 0.95), 4), "red_share": r}
            for n, p, r in LEGACY_RULES
        ],
        "aeo_exempt": True,
    }


def rule_control_chance(hits: np.ndarray, chances: np.ndarray) -> np.ndarray:
    """Chance each row of ``hits`` (rows × legacy rules, in :data:`LEGACY_RULES` order) is controlled
    when a hit of rule k is controlled with ``chances[k]``, independently: 1 − Π(1 − chance) over the
    rules hit."""
    return 1 - np.prod(np.where(hits, 1 - chances, 1.0), axis=1)


@dataclass(frozen=True)
class Control:
    # per declaration
    lane: np.ndarray  # index into events.LANES
    selected_by: np.ndarray  # index into SELECTED_BY, -1 = not selected
    method: np.ndarray  # index into METHODS, -1 = no control
    officer: np.ndarray  # index into Offices.officer_id, -1 = none
    rule_scale: float  # what the rule chances were multiplied by to meet the inspection rate
    # per item
    inspected: np.ndarray
    detection_probability: np.ndarray
    detected: np.ndarray


def rule_hits(
    cat: Catalogue, econ: Economy, pop: Population, d: dict[str, np.ndarray], goods: Goods, declared: Declared
) -> np.ndarray:
    """(declarations, rules) which legacy rules each declaration triggers; AEO importers are exempt."""
    imp = d["importer"]
    chapter = np.array([p.chapter for p in cat.products])[declared.product]
    watched_origin = np.isin(np.array(econ.partners)[declared.origin], list(WATCH_ORIGINS))
    total = np.add.reduceat(declared.customs_value, goods.starts)
    hits = np.stack(
        [
            np.maximum.reduceat(np.isin(chapter, WATCH_CHAPTERS).astype(np.int8), goods.starts) > 0,
            np.maximum.reduceat(watched_origin.astype(np.int8), goods.starts) > 0,
            total >= np.quantile(total, HIGH_VALUE_QUANTILE),
            d["day"] - pop.imp_registered[imp] < NEW_IMPORTER_DAYS,
            pop.imp_prior_seizures[imp] > 0,
        ],
        axis=1,
    )
    return hits & ~pop.imp_aeo[imp][:, None]


def control(
    rng: np.random.Generator,
    cal: Calendar,
    pop: Population,
    d: dict[str, np.ndarray],
    goods: Goods,
    fraud: Fraud,
    hits: np.ndarray,
    *,
    inspection_rate: float,
    random_share: float,
) -> Control:
    """Lanes from the legacy rules (scaled so that about ``inspection_rate`` of items are controlled),
    random physical controls, methods, officers and detection."""
    n = len(hits)
    base = np.array([p for _, p, _ in LEGACY_RULES])
    red_share = np.array([r for _, _, r in LEGACY_RULES])
    # Only 2^rules hit patterns exist: solve the scale on them, weighted by the items they hold.
    pattern = hits.astype(np.int64) @ (1 << np.arange(hits.shape[1]))
    patterns = (np.arange(1 << hits.shape[1])[:, None] >> np.arange(hits.shape[1])) & 1
    items_per_pattern = np.bincount(pattern, weights=d["n_items"], minlength=len(patterns))

    def p_rules(scale: float) -> np.ndarray:  # chance per pattern
        return rule_control_chance(patterns, np.minimum(base * scale, 0.95))

    def share(scale: float) -> float:
        controlled = 1 - (1 - p_rules(scale)) * (1 - random_share)
        return float((controlled * items_per_pattern).sum() / items_per_pattern.sum())

    lo, hi = 0.0, 50.0
    for _ in range(50):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if share(mid) < inspection_rate else (lo, mid)
    by_rule = rng.random(n) < p_rules(hi)[pattern]
    weights = hits * base
    red_p = np.where(
        weights.sum(axis=1) > 0,
        (weights * red_share).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-12),
        0.5,
    )
    by_random = rng.random(n) < random_share
    lane = np.full(n, GREEN, dtype=np.int64)
    lane[by_rule] = np.where(rng.random(n) < red_p, RED, YELLOW)[by_rule]
    lane[by_random] = RED  # random controls are physical
    imp = d["importer"]
    lane[(lane == GREEN) & pop.imp_aeo[imp] & (rng.random(n) < 0.1)] = BLUE  # post-clearance audit
    selected_by = np.where(by_random, 1, np.where(by_rule, 0, -1))
    scanner = pop.offices.scanner[d["office"]]
    method = np.where(
        lane == YELLOW,
        DOCUMENTARY,
        np.where(lane == RED, np.where(scanner & (rng.random(n) < 0.3), SCAN, PHYSICAL), -1),
    )
    office = d["office"]
    officer = np.where(
        method >= 0,
        pop.offices.officer_offset[office] + (rng.random(n) * pop.offices.officers[office]).astype(np.int64),
        -1,
    )
    # detection: by fraud type and method, times the officer's skill
    items = len(goods.product)
    inspected = ((lane == YELLOW) | (lane == RED))[goods.decl_of]
    skill = pop.offices.officer_skill[np.maximum(officer, 0)][goods.decl_of]
    table = np.array([[DETECTION[t][m] for m in METHODS] for t in ALL_FRAUD_TYPES])
    method_i = np.maximum(method[goods.decl_of], 0)
    p = np.where(fraud.is_fraud, table[np.maximum(fraud.fraud_type, 0), method_i] * skill, 0.0)
    p = np.where(inspected, np.minimum(p, 0.98), 0.0)
    detected = inspected & fraud.is_fraud & (rng.random(items) < p)
    return Control(lane, selected_by, method, officer, hi, inspected, p, detected)
