"""Releases through the real command: k-anonymity recounted independently, no identifier in any file,
pseudonyms keyed per recipient, and bad input refused with nothing written."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections import Counter
from pathlib import Path

import duckdb
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from privacy_helpers import TEST_QIS, build, invoke

TOKEN = re.compile(rb"[A-Za-z0-9_.\-]+")


def release_files(manifest: dict) -> list[Path]:
    folder = Path(manifest["path"])
    return [*sorted(folder.iterdir()), Path(manifest["report"])]


def recount(table, columns: list[str]) -> Counter:
    """Equivalence classes counted by hand, from the released rows as Python tuples."""
    return Counter(zip(*(table[c].to_pylist() for c in columns), strict=True))


def test_release_is_k_anonymous_recounted(research_release, originals):
    m = research_release
    folder = Path(m["path"])
    assert sorted(p.name for p in folder.iterdir()) == [
        "data_dictionary.csv",
        "declarations.csv",
        "declarations.parquet",
        "manifest.json",
    ]
    assert m["quasi_identifiers"] == TEST_QIS.split(",")
    parquet = pq.read_table(folder / "declarations.parquet")
    csv = pacsv.read_csv(
        folder / "declarations.csv",
        convert_options=pacsv.ConvertOptions(column_types={c: "string" for c in m["quasi_identifiers"]}),
    )
    for table in (parquet, csv):
        classes = recount(table, m["quasi_identifiers"])
        assert min(classes.values()) >= m["k"] == 5
        assert sum(classes.values()) == m["rows"]["released"]
        assert len(classes) == m["risk"]["classes"]
    # nothing silently dropped: released + suppressed = every row of the source
    assert m["rows"]["released"] + m["rows"]["suppressed"] == m["rows"]["source"] == originals["rows"]
    # the manifest states what each file is, and the files are what it says
    for name, info in m["files"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == info["sha256"]


def test_no_original_identifier_in_any_file(research_release, public_release, originals):
    ids = originals["ids"]
    # free texts shorter than 10 characters ("ev", "tea") are ordinary words, not traces of a record
    texts = {t for t in originals["texts"] if len(t) >= 10}
    assert len(ids) > 1000 and len(texts) > 100  # the check has something to find
    for manifest in (research_release, public_release):
        for path in release_files(manifest):
            data = path.read_bytes()
            if path.suffix == ".html":  # the page's own part; the embedded Plotly library is not ours
                data = data.split(b"<body>", 1)[1]
            found = {t.decode() for t in TOKEN.findall(data)} & ids
            assert not found, f"{path.name} holds identifiers {sorted(found)[:5]}"
            text = data.decode("utf-8", errors="replace")
            named = [t for t in texts if t in text]
            assert not named, f"{path.name} holds names, addresses or descriptions: {named[:3]}"
            if path.suffix == ".parquet":  # compressed: read the values too
                values = {str(v) for col in pq.read_table(path).columns for v in col.to_pylist()}
                assert not values & ids and not values & texts


def test_pseudonyms_are_keyed_hmac(research_release, shared_home, synthetic_warehouse_file):
    key_file = shared_home / "secrets" / "share-keys" / "uni.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    key = bytes.fromhex(key_file.read_text().strip())
    con = duckdb.connect(str(synthetic_warehouse_file), read_only=True)
    importers = [r[0] for r in con.execute("select distinct importer_id from declarations").fetchall()]
    con.close()
    expected = {hmac.new(key, f"party:{i}".encode(), hashlib.sha256).hexdigest()[:16] for i in importers}
    released = set(
        pq.read_table(Path(research_release["path"]) / "declarations.parquet")["importer_ref"].to_pylist()
    )
    assert released and released <= expected
    assert research_release["key_fingerprint"] and research_release["key_fingerprint"] not in key.hex()


def test_pseudonyms_stable_per_recipient_and_differ_between_recipients(home):
    args = ("--quasi-identifiers", TEST_QIS, "--no-utility")
    a1 = build(home, "--recipient", "uni", "--new-key", *args, "--out", str(home / "a1"))
    a2 = build(home, "--recipient", "uni", *args, "--out", str(home / "a2"))
    b = build(home, "--recipient", "ministry", "--new-key", *args, "--out", str(home / "b"))

    def refs(m):
        return pq.read_table(Path(m["path"]) / "declarations.parquet").select(
            ["importer_ref", "declaration_ref"]
        )

    assert refs(a1).equals(refs(a2))  # same key: same pseudonyms, same rows
    assert not set(refs(a1)["importer_ref"].to_pylist()) & set(refs(b)["importer_ref"].to_pylist())
    assert a1["key_fingerprint"] == a2["key_fingerprint"] != b["key_fingerprint"]


def test_public_release_has_no_identifiers_or_outcomes(public_release):
    table = pq.read_table(Path(public_release["path"]) / "declarations.parquet")
    assert not [
        c for c in table.column_names if c.endswith("_ref") or (c.endswith("_id") and c != "office_id")
    ]
    assert "result" not in table.column_names and "item_no" not in table.column_names
    classes = recount(table, public_release["quasi_identifiers"])
    assert min(classes.values()) >= 10 == public_release["k"]
    assert public_release["risk"]["passed"] is True


def test_l_diversity_recounted(home):
    m = build(
        home,
        "--recipient",
        "uni",
        "--new-key",
        "--no-utility",
        "--l-diversity",
        "2",
        "--quasi-identifiers",
        "lodged_at,hs_code,customs_value",
        "--max-suppression",
        "0.9",
    )
    table = pq.read_table(Path(m["path"]) / "declarations.parquet")
    qis = m["quasi_identifiers"]
    outcomes: dict[tuple, set] = {}
    for row in table.select([*qis, "result"]).to_pylist():
        outcomes.setdefault(tuple(row[c] for c in qis), set()).add(row["result"] or "not inspected")
    assert min(len(v) for v in outcomes.values()) >= 2
    assert min(recount(table, qis).values()) >= 5


def test_risk_report_figures(research_release):
    risk, before = research_release["risk"], research_release["risk_before"]
    assert risk["records_below_k"] == 0 and risk["sample_uniques"] == 0
    assert risk["prosecutor_highest"] <= 1 / 5
    assert abs(risk["prosecutor_success_rate"] - risk["classes"] / risk["records"]) < 1e-12
    assert before["sample_uniques"] > 0.5 * before["records"]  # stored values single out most items
    assert set(risk["checks"]) and risk["passed"] == all(risk["checks"].values())
    page = Path(research_release["report"]).read_text(encoding="utf-8")
    assert 'id="chart-class-sizes"' in page and 'id="verdict"' in page
    assert "<script src=" not in page and "cdn.plot.ly" not in page.split("<body>", 1)[1]  # self-contained


def test_utility_report(research_release):
    util = research_release["utility"]
    assert {d["column"] for d in util["distributions"]} == set(research_release["quasi_identifiers"])
    for d in util["distributions"]:
        assert d["distinct_released"] <= d["distinct_stored"] and 0 <= d["total_variation"] <= 1
    model = util["model"]
    assert model["test_items"] > 0 and model["train_items_released"] <= model["train_items"]
    assert "risk engine" in model["engine"] or "LightGBM" in model["engine"]
    assert set(model["budgets"]) == {"5", "10"}
    for figures in model["budgets"].values():
        assert 0 <= figures["precision_release"] <= 1 and 0 <= figures["precision_original"] <= 1


def _nothing_written(home: Path) -> bool:
    releases = home / "releases"
    return not releases.exists() or not any(releases.iterdir())


def test_bad_input_is_one_line_and_writes_nothing(home):
    cases = [
        (("--recipient", "uni", "--new-key", "--k", "1"), "--k must be at least 2"),
        (
            ("--recipient", "uni", "--new-key", "--quasi-identifiers", "lodged_at,colour"),
            "unknown quasi-identifier 'colour'",
        ),
        (("--recipient", "uni", "--new-key", "--quasi-identifiers", "importer_id"), "is an identifier"),
        (("--recipient", "uni", "--new-key", "--k", "60"), "no release written"),
        (("--recipient", "uni"), "no key for recipient 'uni'"),
        ((), "needs --recipient"),
        (("--profile", "secret"), "unknown --profile"),
        (("--table", "parties"), "cannot be released"),
    ]
    for args, message in cases:
        result = invoke(home, "share", "build", "--no-utility", *args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output and "Traceback" not in result.output
        assert _nothing_written(home), args
    assert not (home / "secrets" / "share-keys" / "uni.key").exists()  # a failed run keeps no new key


def test_lost_key_of_an_existing_recipient_is_not_recreated(home):
    build(home, "--recipient", "uni", "--new-key", "--no-utility", "--quasi-identifiers", TEST_QIS)
    (home / "secrets" / "share-keys" / "uni.key").unlink()
    result = invoke(
        home, "share", "build", "--recipient", "uni", "--no-utility", "--quasi-identifiers", TEST_QIS
    )
    assert result.exit_code == 2 and "restore it from your backup" in result.output
    assert not (home / "secrets" / "share-keys" / "uni.key").exists()
    assert len(list((home / "releases").iterdir())) == 1  # only the first release
    history = json.loads((home / "secrets" / "share-keys" / "releases.json").read_text())
    assert len(history["uni"]) == 1


def test_existing_folder_is_kept_unless_overwrite(home):
    out = home / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = invoke(home, "share", "build", "--profile", "public", "--no-utility", "--out", str(out))
    assert result.exit_code == 2 and "already exists" in result.output
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_demo_step_is_rerunnable(home):
    from clearsight.core.settings import Settings
    from clearsight.core.warehouse import connect
    from clearsight.privacy.demo import demo_step

    settings = Settings(home=home)
    wh = connect(settings.warehouse_url)
    try:
        first = demo_step(settings, wh)
        refs = pq.read_table(home / "releases" / "demo-university" / "declarations.parquet")["importer_ref"]
        second = demo_step(settings, wh)  # same key, same folder: same pseudonyms
    finally:
        wh.close()
    assert first == second and first[0].is_file()
    again = pq.read_table(home / "releases" / "demo-university" / "declarations.parquet")["importer_ref"]
    assert refs.equals(again)
    assert (home / "reports" / "statistics" / "hs2-partner-month" / "cells.csv").is_file()


def test_plain_lightgbm_utility_on_the_same_split(synthetic_warehouse):
    """The fallback used when the risk engine is absent: same split, same figures' shape."""
    from clearsight.privacy.kanon import class_table, generalise
    from clearsight.privacy.release import ReleaseOptions, labelled_expression, make_plan, source_table
    from clearsight.privacy.utility import model_utility

    plan = make_plan(ReleaseOptions(recipient="uni"))
    source = source_table(synthetic_warehouse)
    levels = {"lodged_at": 4, "hs_code": 3, "office_id": 2, "country_of_origin": 0}
    classes = class_table(generalise(source, levels), list(levels))
    labelled = labelled_expression(source, plan, levels, classes).to_pyarrow()
    inspected = duckdb_count(synthetic_warehouse, "select count(*) from inspections")
    assert labelled.num_rows == inspected  # every inspected item, released or not
    result = model_utility(labelled, engine="lightgbm")
    assert result["engine"].startswith("LightGBM") and set(result["budgets"]) == {"5", "10"}
    assert result["train_items"] + result["test_items"] == labelled.num_rows
    for figures in result["budgets"].values():
        assert 0 <= figures["precision_original"] <= 1 and 0 <= figures["revenue_release"] <= 1


def duckdb_count(warehouse, sql: str) -> int:
    return int(warehouse.sql_scalar(sql))


def test_two_releases_in_the_same_second_get_a_folder_each(home):
    import datetime as dt

    from clearsight.core.warehouse import connect
    from clearsight.privacy import ReleaseOptions, build_release

    now = dt.datetime(2026, 12, 7, 3, 30, 0, tzinfo=dt.UTC)
    options = ReleaseOptions(profile="public", quasi_identifiers=TEST_QIS.split(","))
    warehouse = connect(f"duckdb://{home / 'warehouse.duckdb'}")
    try:
        first = build_release(warehouse, options, home / "secrets", home / "releases", now=now)
        second = build_release(warehouse, options, home / "secrets", home / "releases", now=now)
    finally:
        warehouse.close()
    assert first.path != second.path
    assert second.path.name == first.path.name + "-2"
    assert sorted(p.name for p in (home / "releases").iterdir()) == [first.path.name, second.path.name]
