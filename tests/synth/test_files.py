"""Files on disk: determinism, CSV conventions, ground truth in its own file, parquet."""

from __future__ import annotations

import csv
import json

import pyarrow.parquet as pq
import pytest

from clearsight.schema import TABLES
from clearsight.synth import generate_world, write_world

TABLE_FILES = ("declarations", "inspections", "events", "trade_flows", "seizures", "parties")


def _bytes(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        write_world(generate_world(3000, seed), tmp_path / name, "csv")
    a, b, c = (_bytes(tmp_path / n) for n in "abc")
    assert a == b
    assert a.keys() == c.keys()
    for name in ("declarations.csv", "events.csv", "ground_truth.csv", "trade_flows.csv"):
        assert a[name] != c[name], name


def test_every_table_has_its_file_with_canonical_header(world_dir):
    names = {p.name for p in world_dir.iterdir()}
    assert {f"{t}.csv" for t in TABLE_FILES} | {"ground_truth.csv", "world.json"} <= names
    for table in TABLE_FILES:
        with (world_dir / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh))
        assert header == [f.name for f in TABLES[table].fields if not f.derived]


def test_csv_conventions(world_dir):
    with (world_dir / "declarations.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    row = rows[0]
    assert len(row["lodged_at"]) == 19 and row["lodged_at"][10] == " "  # 2024-03-05 14:22:00
    assert {r["aeo_status"] for r in rows} <= {"true", "false"}
    assert any(r["hs_code"].startswith("0") for r in rows)
    assert all(r["hs_code"].isdigit() for r in rows)
    assert any(r["preference_code"] == "" for r in rows)  # null is an empty cell
    assert all("e" not in r["customs_value"].lower() for r in rows)  # no exponents
    with (world_dir / "seizures.csv").open(encoding="utf-8", newline="") as fh:
        seized = [r["seized_on"] for r in csv.DictReader(fh)]
    assert all(len(s) == 10 and s[4] == "-" for s in seized)
    with (world_dir / "trade_flows.csv").open(encoding="utf-8", newline="") as fh:
        periods = {r["period"] for r in csv.DictReader(fh)}
    assert {len(p) for p in periods} == {4, 6}


def test_ground_truth_only_in_its_own_file(world_dir):
    truth_columns = {"is_fraud", "is_critical", "fraud_type", "true_hs_code", "revenue_at_stake"}
    for table in TABLE_FILES:
        with (world_dir / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
            header = set(next(csv.reader(fh)))
        assert not (truth_columns - {"fraud_type"}) & header
    with (world_dir / "ground_truth.csv").open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert header[:2] == ["declaration_id", "item_no"]
    assert truth_columns <= set(header)
    for key in ("true_customs_value", "true_country_of_origin", "true_net_mass_kg", "true_quantity",
                "true_duty_tax_amount"):  # fmt: skip
        assert key in header


def test_world_json(world_dir):
    meta = json.loads((world_dir / "world.json").read_text())
    assert meta["seed"] == 11 and meta["items"] == 20_000 and meta["reporter"] == "KE"
    assert meta["start"] == "2023-01-01" and meta["end"] == "2024-12-31"
    assert meta["start"] < meta["scheme"]["start"] < meta["end"]
    assert "ground_truth.csv" in meta["files"]


def test_parquet_keeps_types(tmp_path):
    world = generate_world(1000, 3)
    write_world(world, tmp_path, "parquet")
    decl = pq.read_table(tmp_path / "declarations.parquet")
    assert str(decl.schema.field("hs_code").type) == "string"
    # Parquet stores timestamps in ms at least; the values are the same
    assert decl.cast(world.declarations.schema).equals(world.declarations)


def test_bad_format_is_refused(tmp_path):
    with pytest.raises(ValueError, match="format"):
        write_world(generate_world(500, 1), tmp_path, "xlsx")
