"""One palette: the portal's lane badges, its charts and the reports' all take their colours from
``clearsight.core.palette``."""

from __future__ import annotations

from pathlib import Path

import clearsight.portal
from clearsight.core.palette import LANES, lane_css
from clearsight.core.reports import report_css
from clearsight.portal.charts import lanes_by_office, overview_charts

STYLE = Path(clearsight.portal.__file__).parent / "static" / "style.css"


def test_style_css_carries_the_palettes_lane_badges():
    css = STYLE.read_text(encoding="utf-8")
    block = css.split("/* lane colours:", 1)[1].split("*/", 1)[1].split("/* end of lane colours */", 1)[0]
    assert block.strip() == lane_css(), "style.css's lane colours differ from clearsight.core.palette: paste lane_css()"
    assert css.count(".lane.") == len(LANES)  # no second definition elsewhere in the sheet


def test_reports_carry_the_same_lane_badges():
    assert lane_css() in report_css()


def test_portal_charts_colour_lanes_by_the_palette():
    summary = {"offices": {"A": {"red": 1, "yellow": 2, "blue": 0, "green": 5}, "B": {"red": 0, "yellow": 1, "blue": 0, "green": 3}}}
    html = str(lanes_by_office(summary, "chart-lanes"))
    for colour in LANES.values():
        assert f'"color":"{colour}"' in html.replace(" ", "")
    data = {
        "months": [{"month": "2024-01", "items": 5, "hit_rate": 0.1, "revenue_recovered": 10.0}],
        "lanes": [{"lane": "yellow", "items": 3}, {"lane": "red", "items": 2}],
    }
    lanes = str(overview_charts(data)["lanes"]).replace(" ", "")
    assert f'"color":["{LANES["yellow"]}","{LANES["red"]}"]' in lanes


def test_one_lane_is_a_number_not_a_chart():
    data = {"months": [{"month": "2024-01", "items": 5, "hit_rate": None, "revenue_recovered": 0.0}],
            "lanes": [{"lane": "red", "items": 2}]}
    assert "lanes" not in overview_charts(data)
    assert lanes_by_office({"offices": {"A": {"red": 1}}}, "x") is None
