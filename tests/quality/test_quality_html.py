"""The HTML page: written, every chart present, Plotly embedded (nothing fetched from the network)."""

from __future__ import annotations

import re

from quality_planted import AS_OF

from clearsight.quality import build_report
from clearsight.quality.html import CHART_IDS, pct, write_html

SCRIPT_SRC = re.compile(r"<script[^>]*\bsrc\s*=", re.IGNORECASE)
REMOTE_LINK = re.compile(r"<link[^>]*\bhref\s*=\s*[\"']?(https?:)?//", re.IGNORECASE)


def test_page_has_charts_and_inline_plotly(planted_duckdb, tmp_path):
    report = build_report(planted_duckdb, AS_OF)
    path = write_html(report, tmp_path / "reports" / "quality.html")
    html = path.read_text(encoding="utf-8")
    for div_id in CHART_IDS.values():
        assert f'id="{div_id}"' in html, div_id
    # plotly.js itself is inline, exactly once; no script or stylesheet comes from anywhere
    assert html.count("plotly.js v") >= 1 and len(html) > 1_000_000
    assert not SCRIPT_SRC.search(html)
    assert not REMOTE_LINK.search(html)
    assert "cdn.plot.ly" not in html.split("<body>", 1)[1]
    # the outlier rule is stated, facts are shown
    assert "1.4826" in html and "robust z" in html
    assert "610910" in html and "importer_id" in html
    assert "nothing to show" not in html


def test_empty_page_says_so(duckdb_warehouse, tmp_path):
    report = build_report(duckdb_warehouse, AS_OF)
    html = write_html(report, tmp_path / "q.html").read_text(encoding="utf-8")
    assert 'id="empty-warehouse"' in html and "holds no data yet" in html
    assert not any(f'id="{div_id}"' in html for div_id in CHART_IDS.values())


def test_pct_never_rounds_to_a_lie():
    assert pct(None) == "—"
    assert pct(1.0) == "100.0 %"
    assert pct(0.99999) == "99.9 %"
    assert pct(0.000001) == "0.1 %"
    assert pct(0.0) == "0.0 %"
    assert pct(0.25) == "25.0 %"
