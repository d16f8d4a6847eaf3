"""Comtrade presets through the real gate: the bulk sample in ../shared/data, an API-layout file,
world totals and areas quarantined with their reason, and matched pairs counted independently."""

from __future__ import annotations

import csv
from pathlib import Path

import pycountry
import pytest

from clearsight.core.errors import UserError
from clearsight.ingest.load import ingest_file
from clearsight.trade.presets import detect_layout, mapping_path
from clearsight.trade.report import build_mirror

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "data" / "comtrade" / "sawnwood_2005_2009.csv"
needs_sample = pytest.mark.skipif(
    not SAMPLE.is_file(), reason=f"shared Comtrade sample not found at {SAMPLE}"
)


def quarantine_reasons(wh) -> list[str]:
    q = wh.table("quarantine")
    return q.select("reasons").to_pyarrow().column(0).to_pylist()


@pytest.fixture(scope="module")
def sample_warehouse(tmp_path_factory):
    from clearsight.core.warehouse import connect

    if not SAMPLE.is_file():
        pytest.skip(f"shared Comtrade sample not found at {SAMPLE}")
    wh = connect(f"duckdb://{tmp_path_factory.mktemp('comtrade') / 'warehouse.duckdb'}")
    result = ingest_file(wh, "trade_flows", SAMPLE, mapping_path("comtrade", "trade_flows", SAMPLE))
    yield wh, result
    wh.close()


@needs_sample
def test_bulk_sample_loads_and_world_totals_are_quarantined(sample_warehouse):
    wh, result = sample_warehouse
    assert result.rows_in == 28_070 == result.accepted + result.quarantined
    t = wh.table("trade_flows").to_pyarrow()
    assert t.num_rows == result.accepted
    assert set(t["hs_code"].to_pylist()) == {"440799"}  # "440799.0" read as a code
    assert set(t["flow"].to_pylist()) == {"M", "X", "RX", "RM"}  # re-exports and re-imports kept apart
    assert set(t["period"].to_pylist()) == {"2005", "2006", "2007", "2008", "2009"}
    assert "WLD" not in t["partner"].to_pylist() and None not in t["partner"].to_pylist()
    reasons = quarantine_reasons(wh)
    assert len(reasons) == result.quarantined
    world = [r for r in reasons if "not a country (world total or area): World" in r]
    with SAMPLE.open(newline="") as fh:
        world_rows = sum(
            1 for r in csv.DictReader(fh) if r["partneriso"] == "WLD" or r["reporteriso"] == "WLD"
        )
    assert len(world) == world_rows > 1000
    assert any("Other Asia, nes" in r for r in reasons) and any("'ANT'" in r for r in reasons)


def _alpha2(iso3: str) -> str | None:
    country = pycountry.countries.get(alpha_3=iso3) if iso3 and len(iso3) == 3 else None
    return country.alpha_2 if country else None


@needs_sample
def test_matched_pairs_equal_an_independent_count(sample_warehouse):
    """Pairs (year, importer, exporter) where both report, counted from the CSV with the csv module."""
    wh, _ = sample_warehouse
    areas = {"0.0", "97.0", "490.0", "899.0", "568.0", "838.0", "837.0", "577.0", "527.0", "839.0"}
    imports, exports = set(), set()
    with SAMPLE.open(newline="") as fh:
        for r in csv.DictReader(fh):
            if r["reportercode"] in areas or r["partnercode"] in areas:
                continue
            rep, par = _alpha2(r["reporteriso"]), _alpha2(r["partneriso"])
            if not rep or not par or float(r["tradevalue"]) <= 0:
                continue
            if r["flowcode"] == "1.0":
                imports.add((r["year"], rep, par))
            elif r["flowcode"] == "2.0":
                exports.add((r["year"], par, rep))  # seen from the importer
    report = build_mirror(wh, limit=5)
    assert report.pairs == len(imports & exports) > 5000
    assert report.patterns["no_reported_import"] == len(exports - imports)
    assert report.patterns["no_mirror_export"] + report.patterns["partner_not_reporting"] == len(
        imports - exports
    )
    # real statistics: imports CIF run above exports FOB, by a few percent at the median
    assert 0.9 < report.median_ratio < 1.3
    fr = build_mirror(wh, reporter="FR", year_from=2007, year_to=2007)
    assert fr.pairs == len({p for p in imports & exports if p[0] == "2007" and p[1] == "FR"})


API_HEADER = "reporterCode,partnerCode,flowCode,cmdCode,period,primaryValue,netWgt,qty,qtyUnitCode,motCode\n"


def test_api_layout_translates_m49_codes(duckdb_warehouse, tmp_path):
    path = tmp_path / "comtrade-api.csv"
    path.write_text(
        API_HEADER
        + "842.0,251.0,M,440799.0,2021.0,1000.0,10.0,5.0,12.0,0\n"  # USA (M49 842) from France (251)
        + "251,842,X,440799,2021,900,9,,-1,0\n"  # France's exports to the USA
        + "699,0,M,4407,202103,50,,,1,0\n"  # India from the World: not a country
        + "381,899,1,440799,2021,70,,,1,0\n"  # Italy from 'Areas, nes'
        + "999,276,M,440799,2021,70,,,1,0\n",  # 999: no such country
        encoding="utf-8",
    )
    assert detect_layout(API_HEADER.strip().split(",")) == "comtrade-api"
    result = ingest_file(duckdb_warehouse, "trade_flows", path, mapping_path("comtrade", "trade_flows", path))
    assert (result.rows_in, result.accepted, result.quarantined) == (5, 2, 3)
    t = duckdb_warehouse.table("trade_flows").order_by("flow").to_pyarrow().to_pylist()
    assert [(r["reporter"], r["partner"], r["flow"], r["hs_code"], r["period"]) for r in t] == [
        ("US", "FR", "M", "440799", "2021"),
        ("FR", "US", "X", "440799", "2021"),
    ]
    assert t[0]["quantity"] == 5.0 and t[0]["quantity_unit"] == "m3" and t[1]["quantity"] is None
    reasons = sorted(quarantine_reasons(duckdb_warehouse))
    assert sum("not a country (world total or area)" in r for r in reasons) == 2
    assert any("unknown country: '999'" in r for r in reasons)


def test_preset_errors_are_one_line(tmp_path):
    with pytest.raises(UserError, match="unknown preset 'eurostat'; presets: comtrade"):
        mapping_path("eurostat", "trade_flows", tmp_path / "x.csv")
    with pytest.raises(UserError, match="loads trade_flows, not declarations"):
        mapping_path("comtrade", "declarations", tmp_path / "x.csv")
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(UserError, match="not a Comtrade bulk or API file"):
        mapping_path("comtrade", "trade_flows", other)
    with pytest.raises(UserError, match="no such file"):
        mapping_path("comtrade", "trade_flows", tmp_path / "missing.csv")
    assert mapping_path("comtrade-bulk").name == "comtrade-bulk.yaml"


@needs_sample
def test_real_statistics_rank_gaps_above_the_minimum_value_and_say_revenue_is_not_estimated(
    sample_warehouse,
):
    """The Comtrade extract has no declarations, hence no duty rate: revenue at risk is "not estimated"
    (None), not 0, and the flagged shortfalls are counted; trivial flows are left out of the ranking."""
    from clearsight.trade.mirror import MirrorSettings

    wh, _ = sample_warehouse
    every = build_mirror(wh, settings=MirrorSettings(min_value=0), limit=1_000_000)
    larger = [max(r.import_value or 0, r.mirror_export_value or 0) for r in every.rows]
    small = sum(1 for v in larger if v < 10_000)
    assert 0 < small < len(every.rows)
    report = build_mirror(wh, limit=1_000_000)  # the default: 10,000 USD
    assert report.min_value == 10_000 and report.small_pairs_not_ranked == small
    assert len(report.rows) == len(every.rows) - small
    assert all(max(r.import_value or 0, r.mirror_export_value or 0) >= 10_000 for r in report.rows)
    assert (
        report.ranking
        == f"gaps of pairs where either side reaches 10,000 USD; {small:,} smaller pairs not ranked"
    )
    # the largest gap by |z| among ranked pairs is the largest among them in the unfiltered ranking
    ranked_keys = [
        (r.period, r.reporter, r.partner)
        for r in every.rows
        if max(r.import_value or 0, r.mirror_export_value or 0) >= 10_000
    ]
    assert [(r.period, r.reporter, r.partner) for r in report.rows[:20]] == ranked_keys[:20]
    # no duty rate anywhere: not estimated, with the count of shortfalls it would need a rate for
    shortfalls = sum(1 for r in every.rows if r.revenue_at_risk is None)
    assert report.revenue_at_risk is None and report.gaps_without_duty_rate == shortfalls > 0
    assert all(r.revenue_at_risk in (None, 0.0) for r in every.rows)
    assert report.revenue_note and "no declarations give duty rates and no --duty-rate" in report.revenue_note
    assert report.to_json_dict()["revenue_at_risk"] is None
    rated = build_mirror(wh, settings=MirrorSettings(duty_rate=5.0), limit=5)
    assert rated.gaps_without_duty_rate == 0 and rated.revenue_at_risk and rated.revenue_at_risk > 0
