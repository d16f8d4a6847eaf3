"""The release room's pages: lanes in their own colours, money with its currency, and no pointer to
a note the page does not hold."""

from __future__ import annotations

import re

from clearsight.core.palette import LANES, NEUTRAL
from clearsight.release.html import curves_figure, write_kpi_html
from clearsight.release.kpi import NO_REASON_NOTE, kpi_report


def test_each_lanes_release_curve_is_drawn_in_its_lanes_colour():
    shares = [0.1, 0.5, 1.0]
    report = {
        "curves": {"horizon_h": 2, "series": {"all": shares, "lane=green": shares, "lane=red": shares, "lane=yellow": shares}},
        "targets": [1.0],
    }
    colours = {trace.name: trace.line.color for trace in curves_figure(report).data}
    assert colours == {"all": NEUTRAL["text"], "lane green": LANES["green"], "lane red": LANES["red"],
                       "lane yellow": LANES["yellow"]}


def test_kpi_page_money_has_the_currency(planted_duckdb, tmp_path):
    page = write_kpi_html(kpi_report(planted_duckdb), tmp_path / "kpi.html", "XOF").read_text(encoding="utf-8")
    amounts = re.findall(r'<td class="num">([\d,]+(?: [A-Z]{3})?)</td></tr>', page)  # the last column: per control
    assert amounts and all(a.endswith(" XOF") for a in amounts)


def test_kpi_page_points_to_no_missing_note(planted_duckdb, tmp_path):
    report = kpi_report(planted_duckdb)
    page = write_kpi_html(report, tmp_path / "kpi.html").read_text(encoding="utf-8")
    assert "note above" not in page
    # the reason of each case is said where the sample would be
    if NO_REASON_NOTE in report["notes"]:
        assert "do not record why a declaration was selected" in page
    report = {**report, "notes": [], "random_sample": None, "by_selection_reason": [], "by_selected_by": None}
    page = write_kpi_html(report, tmp_path / "kpi-2.html").read_text(encoding="utf-8")
    assert "No random control in this period" in page and NO_REASON_NOTE not in page
