"""Disclosure risk from equivalence-class sizes: pure functions, as ARX and El Emam define them.

An equivalence class is the set of released records sharing one combination of quasi-identifiers;
``f`` is its size in the release (the sample), ``F`` its size in the population (every record of the
source table, generalised the same way, before suppression):

* prosecutor (the attacker knows the target is in the release): a record's risk is 1/f; highest risk
  = 1/min f; success rate = classes / records.
* journalist (the attacker does not know whether the target is in the release): risk 1/F.
* marketer (the attacker re-identifies as many records as possible): (1/n) Σ f/F.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel


class DisclosureRisk(BaseModel):
    records: int
    classes: int
    k: int
    threshold: float
    smallest_class: int
    median_class: float
    records_below_k: int
    sample_uniques: int
    #: class size -> number of classes (sizes above 50 are counted under 50)
    class_size_histogram: dict[int, int]
    prosecutor_highest: float
    prosecutor_records_at_risk: float
    prosecutor_success_rate: float
    journalist_highest: float
    journalist_records_at_risk: float
    marketer: float
    max_marketer_risk: float
    checks: dict[str, bool]
    passed: bool


def class_size_histogram(f: np.ndarray, cap: int = 50) -> dict[int, int]:
    sizes, counts = np.unique(np.minimum(f, cap), return_counts=True)
    return {int(s): int(c) for s, c in zip(sizes, counts, strict=True)}


def prosecutor_risk(f: np.ndarray) -> tuple[float, float]:
    """(highest risk, success rate) from sample class sizes."""
    f = np.asarray(f, dtype=np.float64)
    if not len(f):
        return 0.0, 0.0
    return float(1 / f.min()), float(len(f) / f.sum())


def records_at_risk(f: np.ndarray, sizes: np.ndarray, threshold: float) -> float:
    """Share of the records (weights ``f``) whose risk 1/``sizes`` is above ``threshold``."""
    f = np.asarray(f, dtype=np.float64)
    if not f.sum():
        return 0.0
    return float(f[1 / np.asarray(sizes, dtype=np.float64) > threshold + 1e-12].sum() / f.sum())


def journalist_risk(F: np.ndarray) -> float:
    F = np.asarray(F, dtype=np.float64)
    return float(1 / F.min()) if len(F) else 0.0


def marketer_risk(f: np.ndarray, F: np.ndarray) -> float:
    f, F = np.asarray(f, dtype=np.float64), np.asarray(F, dtype=np.float64)
    return float((f / F).sum() / f.sum()) if f.sum() else 0.0


def assess(f: np.ndarray, F: np.ndarray, k: int, max_marketer_risk: float) -> DisclosureRisk:
    """Every figure of the risk report for sample sizes ``f`` and matching population sizes ``F``."""
    f = np.asarray(f, dtype=np.int64)
    F = np.asarray(F, dtype=np.int64)
    threshold = 1 / k
    highest, success = prosecutor_risk(f)
    checks = {
        f"every class has at least k={k} records": bool(not len(f) or f.min() >= k),
        f"highest prosecutor risk ≤ 1/k = {threshold:.3f}": highest <= threshold + 1e-12,
        f"highest journalist risk ≤ 1/k = {threshold:.3f}": journalist_risk(F) <= threshold + 1e-12,
        f"marketer risk ≤ {max_marketer_risk:g}": marketer_risk(f, F) <= max_marketer_risk,
    }
    return DisclosureRisk(
        records=int(f.sum()),
        classes=len(f),
        k=k,
        threshold=threshold,
        smallest_class=int(f.min()) if len(f) else 0,
        median_class=float(np.median(f)) if len(f) else 0.0,
        records_below_k=int(f[f < k].sum()),
        sample_uniques=int((f == 1).sum()),
        class_size_histogram=class_size_histogram(f),
        prosecutor_highest=highest,
        prosecutor_records_at_risk=records_at_risk(f, f, threshold),
        prosecutor_success_rate=success,
        journalist_highest=journalist_risk(F),
        journalist_records_at_risk=records_at_risk(f, F, threshold),
        marketer=marketer_risk(f, F),
        max_marketer_risk=max_marketer_risk,
        checks=checks,
        passed=all(checks.values()),
    )
