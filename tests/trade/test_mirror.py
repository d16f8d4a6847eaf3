"""Mirror analysis on planted flows (hand-computed), on the synthetic world (planted gaps found), and
the same results on Spark."""

from __future__ import annotations

import json
import math
import statistics

import pytest
from trade_planted import (
    COMPARED,
    DUTY_RATE,
    EXPECTED_PATTERN,
    HK_REEXPORTS,
    LOG_RATIOS,
    load,
    planted_flows,
)

from clearsight.core.errors import UserError
from clearsight.trade.flows import normalised_flows
from clearsight.trade.mirror import MirrorSettings, mirror_pairs, with_revenue
from clearsight.trade.report import build_mirror

#: The planted flows are worth a few thousand USD: every pair is ranked (min_value 0).
ONE_FACTOR = MirrorSettings(mode_factors={}, duty_rate=DUTY_RATE, min_value=0)


@pytest.fixture
def planted_wh(duckdb_warehouse):
    load(duckdb_warehouse, planted_flows())
    return duckdb_warehouse


def pairs_by_partner(wh, settings=ONE_FACTOR, hs="610910", **kw):
    flows, counts = normalised_flows(wh, **kw)
    rows = mirror_pairs(flows, settings).to_pyarrow().to_pylist()
    return {r["partner"]: r for r in rows if r["reporter"] == "KE" and r["hs_code"] == hs}, counts


def expected_z() -> dict[str, float]:
    """Robust z by hand: median and MAD of the product's eight log ratios."""
    logs = list(LOG_RATIOS.values())
    med = statistics.median(logs)
    mad = statistics.median(abs(v - med) for v in logs)
    return {p: (v - med) / (1.4826 * mad) for p, v in LOG_RATIOS.items()}


def test_ratios_z_scores_and_patterns_by_hand(planted_wh):
    pairs, counts = pairs_by_partner(planted_wh)
    z = expected_z()
    for partner, (m, mw, x, xw) in COMPARED.items():
        r = pairs[partner]
        assert r["import_value"] == m and r["export_value"] == x
        assert r["import_fob"] == pytest.approx(m / 1.1)
        assert r["log_ratio"] == pytest.approx(LOG_RATIOS[partner])
        assert r["robust_z"] == pytest.approx(z[partner])
        assert r["weight_ratio"] == pytest.approx(mw / xw)
        assert r["unit_value_ratio"] == pytest.approx((m / 1.1 / mw) / (x / xw))
    assert {p: r["pattern"] for p, r in pairs.items()} == EXPECTED_PATTERN
    # the flagged ones are the three halved flows, well past 3.5
    assert z["TH"] < -3.5 and abs(z["TR"]) < 3.5
    # re-exports are kept apart from exports, and mark HK as a hub
    assert pairs["HK"]["export_value"] == 1000.0 and pairs["HK"]["reexport_value"] == HK_REEXPORTS
    assert pairs["ZA"]["log_ratio"] is None and pairs["ZA"]["robust_z"] is None
    # every row is in exactly one count: 29 rows, 1 chapter-level, 2 months under a year
    assert (counts.rows, counts.coarser_than_level, counts.superseded) == (29, 1, 2)
    assert counts.used == 26 and counts.by_flow == {"M": 13, "X": 12, "RX": 1}


def test_cif_fob_by_mode(planted_wh):
    pairs, _ = pairs_by_partner(planted_wh, MirrorSettings(), hs="847130")
    r = pairs["CN"]
    assert r["import_value"] == 2150.0
    assert r["import_fob"] == pytest.approx(1100 / 1.10 + 1050 / 1.05)
    assert r["log_ratio"] == pytest.approx(0.0, abs=1e-12)


def test_hs_and_period_levels(planted_wh):
    pairs, counts = pairs_by_partner(planted_wh, hs="61", hs_level=2)
    # the chapter row wins over its subheading at HS2; the months are superseded by the year
    assert pairs["CN"]["import_value"] == 99.0
    assert (counts.coarser_than_level, counts.superseded) == (0, 3)
    flows, counts = normalised_flows(planted_wh, period_level="month")
    monthly = mirror_pairs(flows, ONE_FACTOR).order_by("period").to_pyarrow().to_pylist()
    assert [(r["partner"], r["period"], r["import_value"]) for r in monthly] == [
        ("CN", "202301", 500.0),
        ("CN", "202302", 600.0),
    ]
    # CN publishes no monthly exports
    assert {r["pattern"] for r in monthly} == {"partner_not_reporting"}
    assert counts.wrong_period_level == 26


def test_report_revenue_and_json_contract(planted_wh):
    report = build_mirror(planted_wh, reporter="ke", settings=ONE_FACTOR, limit=3)
    assert report.reporter == "KE"
    assert report.pairs == 9  # eight of 610910 and one of 847130
    logs = sorted([*LOG_RATIOS.values(), math.log(2150 / 1.1 / 2000)])
    assert report.median_ratio == pytest.approx(math.exp(statistics.median(logs)))
    # TH, VN, HK fall short by 500 FOB: 500 x 1.1 x 10 %
    assert report.revenue_at_risk == pytest.approx(3 * 500 * 1.1 * DUTY_RATE / 100)
    assert report.partners_not_reporting == ["MX"]
    assert report.patterns["valuation"] == 1 and report.flagged == 3
    data = json.loads(json.dumps(report.to_json_dict(3)))
    assert list(data)[:4] == ["pairs", "median_ratio", "cif_fob_factor", "rows"]
    assert len(data["rows"]) == 3
    keys = [
        "period",
        "reporter",
        "partner",
        "hs_code",
        "import_value",
        "mirror_export_value",
        "log_ratio",
        "robust_z",
        "weight_ratio",
        "unit_value_ratio",
        "pattern",
        "revenue_at_risk",
    ]
    assert all(list(r) == keys for r in data["rows"])
    assert {r["partner"] for r in data["rows"]} == {"TH", "VN", "HK"}  # the largest |z| first
    assert data["rows"][0]["revenue_at_risk"] == pytest.approx(55.0)


def test_empty_warehouse_and_bad_options(duckdb_warehouse):
    report = build_mirror(duckdb_warehouse)
    assert report.pairs == 0 and report.median_ratio is None and report.rows == []
    with pytest.raises(UserError, match="hs-level"):
        build_mirror(duckdb_warehouse, hs_level=5)
    with pytest.raises(UserError, match="after"):
        build_mirror(duckdb_warehouse, year_from=2024, year_to=2023)
    with pytest.raises(UserError, match="needs --reporter"):
        build_mirror(duckdb_warehouse, source="declarations")
    with pytest.raises(UserError, match="below 1"):
        build_mirror(duckdb_warehouse, settings=MirrorSettings(cif_fob_factor=0.9))


def test_planted_misinvoicing_is_found(synthetic_warehouse, synthetic_world_dir):
    """The synthetic world's under-invoicing hotspots show as valuation gaps; silent partners are named."""
    world = json.loads((synthetic_world_dir / "world.json").read_text())
    hotspots = {(h["partner"], h["hs6"]) for h in world["misinvoicing_hotspots"]}
    assert hotspots
    for source in ("trade_flows", "declarations"):
        report = build_mirror(synthetic_warehouse, reporter=world["reporter"], source=source, limit=100_000)
        assert report.partners_not_reporting == sorted(world["non_reporting_partners"])
        found = {
            (r.partner, r.hs_code)
            for r in report.rows
            if r.pattern == "valuation" and r.robust_z is not None and r.robust_z < -3.5
        }
        assert len(hotspots & found) >= 0.8 * len(hotspots), source
        # hotspots sit far lower than ordinary pairs
        hot_z = [r.robust_z for r in report.rows if (r.partner, r.hs_code) in hotspots and r.robust_z]
        other_z = [r.robust_z for r in report.rows if (r.partner, r.hs_code) not in hotspots and r.robust_z]
        assert statistics.median(hot_z) < statistics.median(other_z) - 1


def _pairs(wh) -> tuple[dict, object]:
    settings = MirrorSettings(duty_rate=DUTY_RATE)
    flows, counts = normalised_flows(wh)
    pairs = with_revenue(mirror_pairs(flows, settings), None, settings)
    rows = pairs.to_pyarrow().to_pylist()
    return {(r["period"], r["reporter"], r["partner"], r["hs_code"]): r for r in rows}, counts


def test_spark_gives_the_same_pairs(planted_wh, spark_warehouse):
    """The same Ibis expressions on Spark: same pairs, counts, patterns, ratios, z-scores, revenue."""
    load(spark_warehouse, planted_flows())
    duck, duck_counts = _pairs(planted_wh)
    spark, spark_counts = _pairs(spark_warehouse)
    assert spark_counts == duck_counts
    assert sorted(spark) == sorted(duck) and len(duck) == 14
    for key, d in duck.items():
        r = spark[key]
        assert (r["pattern"], r["entrepot_hub"], r["partner_reports"]) == (
            d["pattern"],
            d["entrepot_hub"],
            d["partner_reports"],
        ), key
        for name in (
            "import_value",
            "import_fob",
            "export_value",
            "log_ratio",
            "robust_z",
            "revenue_at_risk",
        ):
            if d[name] is None:
                assert r[name] is None, (key, name)
            else:
                assert r[name] == pytest.approx(d[name], rel=1e-9, abs=1e-12), (key, name)


def test_reporter_by_iso2_iso3_numeric_or_name_and_an_unknown_one_names_the_known(planted_wh):
    by_iso2 = build_mirror(planted_wh, reporter="KE", settings=ONE_FACTOR, limit=3)
    for spelling in ("KEN", "404", "Kenya", " ken "):  # Comtrade files use alpha-3
        other = build_mirror(planted_wh, reporter=spelling, settings=ONE_FACTOR, limit=3)
        assert (other.reporter, other.pairs, other.flagged) == ("KE", by_iso2.pairs, by_iso2.flagged), (
            spelling
        )
    assert by_iso2.pairs == 9
    with pytest.raises(UserError, match=r"'Atlantis' is not a country.*reporters in the warehouse: .*KE"):
        build_mirror(planted_wh, reporter="Atlantis")
    with pytest.raises(UserError, match=r"no trade flows reported by GB; reporters in the warehouse: .*KE"):
        build_mirror(planted_wh, reporter="GBR")


def test_the_report_counts_rows_by_flow_in_words_not_as_a_python_dict(planted_wh):
    from clearsight.trade.html import render_html

    html = render_html(build_mirror(planted_wh, reporter="KE", settings=ONE_FACTOR, limit=3))
    counts = html[html.index('<table id="counts">') :]
    counts = counts[: counts.index("</table>")]
    assert "{" not in counts and "'M'" not in counts
    assert 'rows by flow: imports (M)</td><td class="num">13<' in counts
    assert 'rows by flow: re-exports (RX)</td><td class="num">1<' in counts


def test_gaps_are_ranked_only_where_the_larger_side_reaches_the_minimum_value(planted_wh):
    every = build_mirror(planted_wh, reporter="KE", settings=ONE_FACTOR, limit=1000)
    assert every.small_pairs_not_ranked == 0 and every.ranking == "gaps of every pair, whatever its value"
    larger = {
        (r.partner, r.hs_code): max(r.import_value or 0, r.mirror_export_value or 0) for r in every.rows
    }
    settings = MirrorSettings(mode_factors={}, duty_rate=DUTY_RATE, min_value=2000)
    some = build_mirror(planted_wh, reporter="KE", settings=settings, limit=1000)
    kept = [(r.partner, r.hs_code) for r in every.rows if larger[(r.partner, r.hs_code)] >= 2000]
    assert [(r.partner, r.hs_code) for r in some.rows] == kept  # same order, small pairs left out
    assert {p for p, _ in kept} == {"IN", "US", "CN"} and len(kept) == 3  # CN: 847130 (2,150 vs 2,000)
    assert some.small_pairs_not_ranked == len(every.rows) - 3
    # the patterns, flagged gaps and revenue still count every pair
    assert (some.patterns, some.flagged, some.revenue_at_risk) == (
        every.patterns,
        every.flagged,
        every.revenue_at_risk,
    )
    data = some.to_json_dict()
    assert data["min_value"] == 2000 and data["small_pairs_not_ranked"] == len(every.rows) - 3
    assert (
        data["ranking"]
        == f"gaps of pairs where either side reaches 2,000 USD; {len(every.rows) - 3} smaller pairs not ranked"
    )
    # the default hides flows of a few thousand USD, and says so
    default = build_mirror(planted_wh, reporter="KE", settings=MirrorSettings(mode_factors={}), limit=1000)
    assert default.min_value == 10_000 and default.rows == []
    assert default.ranking.endswith(f"{len(every.rows)} smaller pairs not ranked")
    with pytest.raises(UserError, match="--min-value must be 0 or more"):
        build_mirror(planted_wh, settings=MirrorSettings(min_value=-1))


def test_revenue_without_a_duty_rate_is_not_estimated_rather_than_zero(planted_wh):
    no_rate = MirrorSettings(mode_factors={}, min_value=0)  # no declarations, no --duty-rate
    report = build_mirror(planted_wh, reporter="KE", settings=no_rate, limit=1000)
    shortfalls = {"TH", "VN", "HK"}  # the three flagged gaps where imports fall short
    assert report.flagged == 3 and report.revenue_at_risk is None
    assert report.gaps_without_duty_rate == 3
    assert report.revenue_note == (
        "revenue at risk not estimated: 3 flagged shortfalls, no declarations give duty rates and no "
        "--duty-rate was given"
    )
    assert report.revenue_note in report.notes
    for r in report.rows:  # not estimated where a shortfall has no rate; no shortfall is no revenue
        assert r.revenue_at_risk == (None if r.partner in shortfalls and r.hs_code == "610910" else 0.0), r
    data = json.loads(json.dumps(report.to_json_dict()))
    assert data["revenue_at_risk"] is None and data["gaps_without_duty_rate"] == 3
    assert data["revenue_at_risk_note"].startswith("revenue at risk not estimated")
    # with a rate every shortfall is estimated: no note, nothing left out
    rated = build_mirror(planted_wh, reporter="KE", settings=ONE_FACTOR, limit=3)
    assert rated.gaps_without_duty_rate == 0 and rated.revenue_note is None
    assert rated.revenue_at_risk == pytest.approx(3 * 500 * 1.1 * DUTY_RATE / 100)


def test_the_page_says_not_estimated_and_what_is_ranked(planted_wh):
    from clearsight.trade.html import render_html

    report = build_mirror(planted_wh, reporter="KE", settings=MirrorSettings(min_value=0, mode_factors={}))
    html = render_html(report)
    card = html[html.index('id="revenue-at-risk"') :]
    assert (
        card.split("<", 1)[0] == 'id="revenue-at-risk">not estimated'
        and "3 flagged shortfalls without a duty rate" in card
    )
    assert "not estimated</td>" in html[html.index('id="top-gaps"') :]
    default = render_html(build_mirror(planted_wh, reporter="KE", settings=MirrorSettings(mode_factors={})))
    assert "Gaps of pairs where either side reaches 10,000 USD; 13 smaller pairs not ranked." in default
