"""The shared synthetic warehouse every room's tests build on: complete and consistent."""


def test_synthetic_warehouse_holds_every_table(synthetic_warehouse):
    counts = {
        t: synthetic_warehouse.table(t).count().execute()
        for t in ("declarations", "inspections", "events", "trade_flows", "parties")
    }
    assert counts["declarations"] == 12_000
    assert 0 < counts["inspections"] < counts["declarations"]
    assert counts["events"] > counts["declarations"] / 3
    assert counts["trade_flows"] > 0 and counts["parties"] > 0
    batches = synthetic_warehouse.table("ingest_batches").to_pyarrow().to_pylist()
    assert all(b["rows_in"] == b["accepted"] + b["quarantined"] for b in batches)
