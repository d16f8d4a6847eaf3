"""Declared against predicted: misclassified items fit their declared code worse, are flagged, and the
queries behind the check and the training data give the same rows on DuckDB and Spark."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from clearsight.core.warehouse import connect
from clearsight.hs.check import FIT_SCHEMA, check_declarations, declared_code_fit
from clearsight.hs.classifier import HSClassifier
from clearsight.hs.history import history_expr, read_history, texts_and_codes
from clearsight.hs.nomenclature import duty_by_hs6
from clearsight.hs.suggest import load_suggester, save_model

KEY = ["declaration_id", "item_no"]


@pytest.fixture(scope="module")
def models_dir(synthetic_warehouse_file, retriever, tmp_path_factory):
    """A workspace models folder holding a model trained on the synthetic declarations."""
    wh = connect(f"duckdb://{synthetic_warehouse_file}")
    texts, codes = texts_and_codes(read_history(wh).pairs)
    wh.close()
    folder = tmp_path_factory.mktemp("models")
    save_model(HSClassifier().fit(texts, codes, retriever=retriever), {}, folder)
    return folder


def test_misclassified_items_fit_worse_and_are_flagged(synthetic_warehouse, models_dir, ground_truth):
    result = check_declarations(synthetic_warehouse, load_suggester(models_dir))
    assert result.mode == "trained"
    assert result.items.num_rows + result.no_description == result.period_items == 12_000
    table = result.items.join(ground_truth.select(["declaration_id", "item_no", "fraud_type"]), KEY)
    wrong = pc.equal(pc.fill_null(table["fraud_type"], ""), "classification")
    assert pc.sum(wrong).as_py() >= 20
    fit_wrong = pc.mean(table.filter(wrong)["declared_fit"]).as_py()
    fit_right = pc.mean(table.filter(pc.invert(wrong))["declared_fit"]).as_py()
    assert fit_wrong < 0.5 * fit_right
    flagged = table.filter(table["flagged"])
    hits = pc.sum(pc.equal(pc.fill_null(flagged["fraud_type"], ""), "classification")).as_py()
    assert flagged.num_rows > 0 and hits / flagged.num_rows > 0.6
    # revenue at risk only where the likely code is dearer, never negative
    risk = flagged.filter(pc.greater(flagged["revenue_at_risk"], 0))
    assert risk.num_rows > 0
    assert pc.all(pc.greater(risk["likely_duty"], risk["declared_duty"])).as_py()
    assert pc.min(table["revenue_at_risk"]).as_py() == 0.0


def test_risk_feature_is_keyed_by_item(synthetic_warehouse, models_dir):
    feature = declared_code_fit(synthetic_warehouse, models_dir, since=dt.date(2023, 7, 1))
    assert feature.schema == FIT_SCHEMA
    keys = pc.binary_join_element_wise(
        feature["declaration_id"], pc.cast(feature["item_no"], pa.string()), "#"
    )
    decl = synthetic_warehouse.table("declarations")
    later = decl.filter(decl.lodged_at >= dt.datetime(2023, 7, 1)).count().execute()
    assert pc.count_distinct(keys).as_py() == feature.num_rows == later > 0
    fit = feature["declared_fit"]
    assert pc.min(fit).as_py() >= 0.0 and pc.max(fit).as_py() <= 1.0
    assert pc.all(pc.greater_equal(pc.add(feature["declared_heading_fit"], 1e-9), fit)).as_py()


def _sorted_rows(table: pa.Table, keys: list[str]) -> list[dict]:
    return table.sort_by([(k, "ascending") for k in keys]).to_pylist()


def test_training_pairs_and_duties_match_on_spark(synthetic_warehouse, spark_warehouse):
    decl = synthetic_warehouse.table("declarations")
    sample = decl.order_by(["declaration_id", "item_no"]).limit(400).to_pyarrow()
    insp = synthetic_warehouse.table("inspections")
    insp = insp.filter(insp.declaration_id.isin(sample["declaration_id"].to_pylist())).to_pyarrow()
    # one item found misclassified, so the exclusion is exercised on both engines
    first = {"declaration_id": sample["declaration_id"][0].as_py(), "item_no": sample["item_no"][0].as_py()}
    insp = insp.filter(
        pc.invert(
            pc.and_(
                pc.equal(insp["declaration_id"], first["declaration_id"]),
                pc.equal(insp["item_no"], first["item_no"]),
            )
        )
    )
    planted = {name: [None] for name in insp.column_names}
    planted.update(
        {**{k: [v] for k, v in first.items()}, "result": ["fraud"], "fraud_type": ["classification"]}
    )
    insp = pa.concat_tables([insp, pa.table(planted, schema=insp.schema)])
    spark_warehouse.insert("declarations", sample)
    spark_warehouse.insert("inspections", insp)
    small = synthetic_warehouse
    small.replace("declarations", sample)
    small.replace("inspections", insp)
    on_duckdb = _sorted_rows(history_expr(small).to_pyarrow(), KEY)
    on_spark = _sorted_rows(history_expr(spark_warehouse).to_pyarrow(), KEY)
    assert on_duckdb == on_spark
    assert len(on_duckdb) == 399  # the misclassified item is left out
    duty_duckdb = _sorted_rows(duty_by_hs6(small).to_pyarrow(), ["hs6"])
    duty_spark = _sorted_rows(duty_by_hs6(spark_warehouse).to_pyarrow(), ["hs6"])
    assert duty_duckdb == duty_spark and len(duty_duckdb) > 50
