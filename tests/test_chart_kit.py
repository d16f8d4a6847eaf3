"""The chart kit and the formats every page and report share: monthly axes tick every month on the
data's real span, charts have no fixed width, money carries its currency, shares never read 0 when
they are not, the currency setting is an ISO 4217 code."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from clearsight.core import charts
from clearsight.core.palette import LANES
from clearsight.core.reports import money, share
from clearsight.core.settings import Settings
from clearsight.core.workspace import Workspace


def test_a_few_rows_dated_decades_away_do_not_stretch_the_axis():
    rows = {f"2023-{m:02d}": 500 for m in range(1, 13)} | {"2024-01": 480, "1993-04": 3, "2093-01": 1}
    span = charts.month_span(rows)
    assert span.months[0] == "2023-01" and span.months[-1] == "2024-01" and len(span.months) == 13
    assert span.left_out_rows == 4 and span.left_out == ["1993-04", "2093-01"]
    assert "4 rows dated outside 2023-01 to 2024-01" in span.note()


def test_a_month_without_rows_inside_the_span_is_kept():
    span = charts.month_span({"2023-01": 10, "2023-04": 12})
    assert span.months == ["2023-01", "2023-02", "2023-03", "2023-04"] and span.left_out_rows == 0


def test_a_monthly_axis_ticks_every_month_within_the_span():
    months = [f"{y}-{m:02d}" for y in (2023, 2024) for m in range(1, 13)]
    span = charts.month_span(dict.fromkeys(months, 1))
    fig = charts.figure("t", [charts.plotly().Bar(x=months, y=[1] * 24)])
    charts.month_axis(fig, span)
    axis = fig.layout.xaxis
    assert axis.type == "date" and axis.dtick == "M1" and axis.tick0 == "2023-01-01"
    assert axis.range[0] < "2023-01-01" < "2024-12-01" < axis.range[1] < "2025-01-01"


def test_a_chart_is_sized_by_its_card():
    fig = charts.figure("t", width=1320)
    assert fig.layout.width is None and fig.layout.autosize is True
    fig.layout.width = 900
    html = str(charts.div(fig, "chart-x"))
    assert '"responsive": true' in html and "width:100%" in html.replace(" ", "") and '"width":900' not in html


def test_counts_start_at_zero_and_one_bar_is_not_a_chart():
    fig = charts.count_axis(charts.figure("t"))
    assert fig.layout.yaxis.rangemode == "tozero"
    assert not charts.enough_bars(["red"]) and charts.enough_bars(["red", "green"])


def test_lane_bars_are_coloured_by_the_palette():
    bars = charts.lane_bars(["A", "B"], [{"red": 1, "green": 4}, {"yellow": 2}])
    assert {b.name: b.marker.color for b in bars} == LANES
    assert [list(b.y) for b in bars if b.name == "red"] == [[1, 0]]


def test_money_carries_its_currency():
    assert money(1_234_567.4, "XOF") == "1,234,567 XOF"
    assert money(1_234_567.4, "USD", compact=True) == "1.2 M USD"
    assert money(0.456, "KES", digits=2) == "0.46 KES"
    assert money(None, "XOF") == "—" and money(12.0) == "12"


@pytest.mark.parametrize(
    ("value", "shown"), [(0.27, "27 %"), (0.048, "4.8 %"), (0.0034, "0.34 %"), (0.00004, "0.0040 %"), (0, "0 %")]
)
def test_a_share_reads_zero_only_when_it_is_zero(value, shown):
    assert share(value) == shown


def test_the_currency_setting_is_an_iso_4217_code(monkeypatch, tmp_path):
    assert Settings(currency=" xof ").currency == "XOF"
    with pytest.raises(ValidationError, match="ISO 4217"):
        Settings(currency="ABC")
    monkeypatch.setenv("CLEARSIGHT_CURRENCY", "KES")
    assert Workspace(Settings(home=tmp_path)).currency == "KES"


def test_a_demo_workspace_takes_the_synthetic_worlds_currency(tmp_path):
    workspace = Workspace(Settings(home=tmp_path))
    assert workspace.currency is None  # real data without the setting: amounts shown bare
    workspace.demo_world_dir.mkdir(parents=True)
    (workspace.demo_world_dir / "world.json").write_text(json.dumps({"national_currency": "UGX"}))
    assert workspace.currency == "UGX"
    assert Workspace(Settings(home=tmp_path, currency="EUR")).currency == "EUR"
