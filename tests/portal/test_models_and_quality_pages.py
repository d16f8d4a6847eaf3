"""/models reads in words and shares; /quality is the quality report inside the portal's frame."""

from __future__ import annotations

import re

import httpx
import numpy as np

from clearsight.core.reports import share
from clearsight.portal.pages.models import metric_table, top_features
from clearsight.risk.metric_names import METRIC_NAMES
from clearsight.risk.metrics import budget_metrics


def test_importances_are_shares_sorted_and_none_reads_zero():
    raw = {"hs2": 812.0, "uv_log_ratio": 455.5, "age_days_seller": 3.1, "rare": 0.02, "unused": 0.0}
    shown = top_features(raw)
    assert [name for name, _ in shown] == ["hs2", "uv_log_ratio", "age_days_seller", "rare", "unused"]
    assert abs(sum(v for _, v in shown) - 1) < 1e-9
    assert [share(v) for _, v in shown] == ["64 %", "36 %", "0.24 %", "0.0016 %", "0 %"]


def test_every_metric_the_engine_computes_has_a_name_in_words():
    y = np.array([0, 1, 0, 1, 0, 0, 1, 0, 0, 0])
    metrics = budget_metrics(y, y, y * 100.0, np.linspace(0, 1, 10), [0.1, 0.5])
    assert set(metrics) <= set(METRIC_NAMES)
    rows, budgets, facts = metric_table({**metrics, "validated_on": "last 10 items"})
    assert budgets == ["10", "50"]
    assert {r["metric"] for r in rows} >= {"normalised revenue found at budget", "precision (hit rate) at budget"}
    assert ("validated on", "last 10 items") in facts and not any("_" in r["metric"] for r in rows)


def test_models_page_shows_names_and_shares(live, auth):
    html = httpx.get(f"{live.url}/models", headers=auth("analyst")).text
    assert "normalised revenue found at budget" in html and "normalised_revenue_at</th>" not in html
    shares = re.findall(r'<td class="num">([\d.,]+) %</td></tr>', html.split("Features that matter most", 1)[1])
    assert shares and all(float(s.replace(",", "")) > 0 for s in shares)


def test_quality_page_is_inside_the_portal_frame(live, auth):
    html = httpx.get(f"{live.url}/quality", headers=auth("auditor")).text
    assert '<a href="/quality">Data quality</a>' in html and 'id="logout"' in html
    assert 'id="quality-report"' in html and 'id="chart-rows-by-period"' in html
    assert html.count("<html") == 1 and "plotly.js v" not in html  # Plotly served once, not inlined
