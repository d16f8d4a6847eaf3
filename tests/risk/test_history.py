"""Point-in-time history: no label from the future, none from the item itself, frozen at a cutoff;
the in-memory snapshot gives the same label history; DuckDB and Spark agree."""

from __future__ import annotations

import pyarrow as pa
import pytest
from risk_planted import DECLARATIONS, INSPECTIONS, day, load

from clearsight.risk.history import label_columns, point_in_time
from clearsight.risk.snapshot import Snapshot, prepare_items


def by_decl(table: pa.Table, column: str) -> dict:
    return dict(zip(table["declaration_id"].to_pylist(), table[column].to_pylist(), strict=True))


@pytest.fixture
def planted(duckdb_warehouse):
    return load(duckdb_warehouse)


def test_each_item_sees_only_labels_known_before_its_lodgement(planted):
    t = point_in_time(planted)
    # D1: nothing yet. D2 (day 5): D1's fraud (known day 3). D3 (day 10): D2's label ends day 12, its own
    # label has no inspected_at so it is known at its lodgement: not before it. D4 (same instant as D3):
    # D3's label is not strictly before. D5 (day 20): D1, D2, D3.
    assert by_decl(t, "hist_n_importer") == {"D1": 0, "D2": 1, "D3": 1, "D4": 1, "D5": 3, "D6": 0}
    assert by_decl(t, "hist_fraud_importer") == {"D1": 0, "D2": 1, "D3": 1, "D4": 1, "D5": 2, "D6": 0}
    assert by_decl(t, "hist_revenue_importer")["D5"] == 1400.0
    # HS6 is shared by everyone: D6 (IMB, day 20) sees the same three labels as D5
    assert by_decl(t, "hist_n_hs6")["D6"] == 3
    # volume: items of the importer lodged strictly before; D6 has no seller, so seller history is unknown
    assert by_decl(t, "prior_items_importer") == {"D1": 0, "D2": 1, "D3": 2, "D4": 2, "D5": 4, "D6": 0}
    assert by_decl(t, "hist_n_seller")["D6"] is None
    assert by_decl(t, "prior_items_seller")["D6"] is None


def test_history_is_frozen_at_the_cutoff(planted):
    t = point_in_time(planted, freeze=day(11))
    # D5 (day 20) sees only labels known before day 11: D1 and D3
    assert by_decl(t, "hist_n_importer")["D5"] == 2
    assert by_decl(t, "hist_fraud_importer")["D5"] == 2
    assert by_decl(t, "hist_n_importer")["D2"] == 1  # items before the cutoff keep their own past


def test_snapshot_equals_frozen_history(planted):
    frozen = point_in_time(planted, start=day(11), freeze=day(11))
    items, notes = prepare_items(
        frozen.select(
            [
                "declaration_id",
                "item_no",
                "lodged_at",
                "importer_id",
                "declarant_id",
                "seller_id",
                "office_id",
                "country_of_origin",
                "hs_code",
                "customs_value",
            ]
        )
    )
    assert any("net_mass_kg" in n for n in notes)  # missing optional fields are said, not fatal
    snap = Snapshot(planted, as_of=day(11)).history(items)
    for col in label_columns():
        assert snap[col].to_pylist() == frozen[col].to_pylist(), col


def test_spark_gives_the_same_history(planted, spark_warehouse):
    """Two history keys only (each key is a few Spark stages): the same windows and joins as all of them."""
    load(spark_warehouse)
    keys = ("importer", "hs6_origin")
    cols = [
        "declaration_id",
        "hist_n_importer",
        "hist_fraud_importer",
        "hist_revenue_importer",
        "hist_n_hs6_origin",
        "prior_items_importer",
        "first_seen_importer",
        "uv_ref_median",
        "items_in_declaration",
    ]
    duck = point_in_time(planted, freeze=day(11), keys=keys).select(cols).to_pylist()
    spark = point_in_time(spark_warehouse, freeze=day(11), keys=keys).select(cols).to_pylist()
    assert spark == duck
    assert [r["hist_n_importer"] for r in spark] == [0, 1, 1, 1, 2, 0]


def test_an_item_inspected_twice_is_one_label_and_is_counted(planted):
    from risk_planted import canonical

    from clearsight.risk.history import repeated_inspections

    again = {"declaration_id": "D1", "item_no": 1, "inspected_at": day(6), "result": "compliant"}
    planted.insert("inspections", canonical("inspections", [again]))
    t = point_in_time(planted)
    assert by_decl(t, "hist_n_importer")["D5"] == 3  # D1 still counts once, as the fraud it was found to be
    assert by_decl(t, "hist_fraud_importer")["D5"] == 2
    assert by_decl(t, "hist_n_importer")["D2"] == 0  # known when its last result ended: day 6, after D2
    assert repeated_inspections(planted) == 1


def test_unreadable_scoring_column_is_one_message():
    from clearsight.core.errors import UserError

    bad = pa.table(
        {
            "declaration_id": ["X"],
            "item_no": [1],
            "lodged_at": ["not a date"],
            "importer_id": ["I"],
            "country_of_origin": ["CN"],
            "hs_code": ["610910"],
            "customs_value": [1.0],
        }
    )
    with pytest.raises(UserError, match="column lodged_at"):
        prepare_items(bad)


def _correct_d1(wh) -> None:
    """D1's fraud (its entry given a batch) corrected to compliant on day 6: a new entry naming it."""
    from risk_planted import canonical

    wh.run_sql("UPDATE inspections SET batch_id = 'B-D1' WHERE declaration_id = 'D1'")
    fix = {"declaration_id": "D1", "item_no": 1, "inspected_at": day(6), "result": "compliant",
           "batch_id": "B-FIX", "supersedes": "B-D1", "correction_reason": "the invoice was genuine"}
    wh.insert("inspections", canonical("inspections", [fix]))


def test_a_corrected_result_counts_as_its_correction(planted):
    from clearsight.risk.history import labels, repeated_inspections

    _correct_d1(planted)
    lab = {r["declaration_id"]: r for r in labels(planted, "additional_revenue").to_pyarrow().to_pylist()}
    assert (lab["D1"]["fraud"], lab["D1"]["known_at"]) == (0, day(6))  # compliant, known when corrected
    t = point_in_time(planted)
    assert by_decl(t, "hist_n_importer")["D5"] == 3  # still one label for D1
    assert by_decl(t, "hist_fraud_importer")["D5"] == 1  # no longer a fraud
    assert repeated_inspections(planted) == 0  # a correction is not a second inspection


def test_spark_follows_corrections_too(spark_warehouse):
    from risk_planted import canonical

    from clearsight.risk.history import labels

    rows = [r | {"batch_id": "B-D1"} if r["declaration_id"] == "D1" else r for r in INSPECTIONS]
    spark_warehouse.insert("declarations", canonical("declarations", DECLARATIONS))
    spark_warehouse.insert("inspections", canonical("inspections", rows))
    fix = {"declaration_id": "D1", "item_no": 1, "inspected_at": day(6), "result": "compliant",
           "batch_id": "B-FIX", "supersedes": "B-D1", "correction_reason": "the invoice was genuine"}
    spark_warehouse.insert("inspections", canonical("inspections", [fix]))
    lab = {r["declaration_id"]: r["fraud"] for r in labels(spark_warehouse, "additional_revenue").to_pyarrow().to_pylist()}
    assert lab["D1"] == 0 and lab["D5"] == 1
