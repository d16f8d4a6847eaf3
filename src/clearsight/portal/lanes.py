"""Lanes from scores: a plain threshold rule, until the selectivity room supplies budgets and rules.

red: fraud probability or expected revenue at or above the red thresholds; yellow: at or above the
yellow ones; green otherwise. Thresholds come from :class:`PortalSettings` (``CLEARSIGHT_PORTAL_*``).
"""

from __future__ import annotations

from clearsight.portal.settings import PortalSettings


def lane_of(fraud_probability: float, expected_revenue: float, settings: PortalSettings) -> str:
    if fraud_probability >= settings.red_probability or expected_revenue >= settings.red_expected_revenue:
        return "red"
    if fraud_probability >= settings.yellow_probability or expected_revenue >= settings.yellow_expected_revenue:
        return "yellow"
    return "green"
