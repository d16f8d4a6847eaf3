"""``clearsight select`` and ``clearsight rules`` through the real app, on the synthetic warehouse with
a trained model: budgets per office, mandatory rules, the stored decisions, the report, refusals that
write nothing, and rule statistics against the inspections."""

from __future__ import annotations

import json
import math
from collections import Counter

import duckdb
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from clearsight.cli import app
from portal_live import trained_home, workspace

runner = CliRunner()
RULES = """\
rules:
  - name: sea-docs
    lane: yellow
    reason: documentary check of the main seaport's electronics
    offices: [KESEA01]
    hs_codes: ["85"]
  - name: cheap-kilos
    lane: red
    reason: customs value below 2 per kg
    max_unit_value: 2
  - name: aeo-small
    lane: green
    reason: AEO traders with small consignments
    condition: aeo_status AND customs_value < 20000
"""


def run(home, *args: str, code: int = 0):
    result = runner.invoke(app, ["--home", str(home), *args])
    assert result.exit_code == code, result.output
    return result


def query(home, sql: str) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def rows_of(home, sql: str) -> list[dict]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        result = con.execute(sql).arrow()
        return (result.read_all() if isinstance(result, pa.RecordBatchReader) else result).to_pylist()
    finally:
        con.close()


def stored(home) -> int:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        found = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'selections'").fetchone()
        if not found[0]:
            return 0
        return con.execute("SELECT count(*) FROM selections").fetchone()[0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def template(tmp_path_factory, synthetic_warehouse_file):
    return trained_home(tmp_path_factory, synthetic_warehouse_file)


@pytest.fixture
def home(template, tmp_path):
    return workspace(template, tmp_path / "home").home


@pytest.fixture
def ruled_home(home, tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(RULES)
    added = json.loads(run(home, "rules", "add", "--file", str(path), "--json").stdout)
    assert [r["name"] for r in added] == ["sea-docs", "cheap-kilos", "aeo-small"]
    return home


def test_rules_add_list_disable(home, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(RULES + "  - name: typo\n    lane: red\n    reason: x\n    origin: [CN]\n")
    refused = run(home, "rules", "add", "--file", str(bad), code=2)
    assert "bad.yaml line 15 (rule 'typo'): unknown field 'origin'" in refused.output
    assert "Traceback" not in refused.output
    assert json.loads(run(home, "rules", "list", "--json").stdout) == []  # nothing of the file was written

    run(
        home,
        "rules",
        "add",
        "--name",
        "watch",
        "--lane",
        "red",
        "--reason",
        "intelligence report 12",
        "--importer",
        "IM000109,IM000110",
        "--valid-to",
        "2025-03-31",
        "--owner",
        "ana",
    )
    refused = run(
        home,
        "rules",
        "add",
        "--name",
        "sql",
        "--lane",
        "red",
        "--reason",
        "x",
        "--where",
        "value > 1",
        code=2,
    )
    assert "unknown field 'value'" in refused.output and "customs_value" in refused.output
    refused = run(
        home,
        "rules",
        "add",
        "--name",
        "late",
        "--lane",
        "red",
        "--reason",
        "x",
        "--hs",
        "85",
        "--valid-from",
        "2024-13-01",
        code=2,
    )
    assert "'2024-13-01' is not a date" in refused.output
    run(home, "rules", "add", "--name", "watch", "--lane", "red", "--reason", "x", "--hs", "85", code=2)

    listed = json.loads(run(home, "rules", "list", "--json").stdout)
    assert [(r["name"], r["lane"], r["owner"], r["valid_to"], r["enabled"]) for r in listed] == [
        ("watch", "red", "ana", "2025-03-31", True)
    ]
    assert listed[0]["criteria"] == {"importers": ["IM000109", "IM000110"]}
    run(home, "rules", "disable", "watch")
    assert json.loads(run(home, "rules", "list", "--enabled", "--json").stdout) == []
    assert "already disabled" in run(home, "rules", "disable", "watch", code=2).output


def test_select_a_week_within_budgets(ruled_home):
    home = ruled_home
    out = run(
        home,
        "select",
        "--from",
        "2024-12-01",
        "--to",
        "2024-12-07",
        "--red-budget",
        "10",
        "--yellow-budget",
        "15",
        "--random-rate",
        "1",
        "--explore-share",
        "20",
        "--json",
    )
    data = json.loads(out.stdout)
    (n,) = query(
        home, "SELECT count(*) FROM declarations WHERE lodged_at >= '2024-12-01' AND lodged_at < '2024-12-08'"
    )[0]
    assert data["items"] == n > 0 and sum(data["lanes"].values()) == n
    assert data["policy"]["red_budget"] == 10 and data["policy"]["explore_share"] == 20

    rows = query(
        home,
        "SELECT office_id, lane, selected_by, random_control, exploration, rules_hit, score FROM selections "
        f"WHERE selection_id = '{data['selection_id']}'",
    )
    assert len(rows) == n
    per_office = Counter(r[0] for r in rows)
    for office, counts in data["offices"].items():
        assert sum(counts.values()) == per_office[office]
        if office not in data["over_budget"]:
            assert counts["red"] <= math.floor(0.10 * per_office[office] + 1e-9)
        yellow_by_model = sum(1 for r in rows if r[0] == office and r[1] == "yellow" and r[2] == "model")
        assert yellow_by_model <= math.floor(0.15 * per_office[office] + 1e-9)
    for _, lane, by, random_control, exploration, hit, _ in rows:
        assert random_control == (by == "random") and exploration == (by == "explore")
        if "cheap-kilos" in hit:
            assert lane == "red"  # a red rule is mandatory
        elif hit and by == "rule":
            assert lane == ("yellow" if "sea-docs" in hit else "green")
        if "sea-docs" in hit:
            assert lane in ("yellow", "red")  # a rule raises a lane, never lowers it
        if by == "model":  # the model is named where it raised the item above every rule it hit
            assert "cheap-kilos" not in hit and not ("sea-docs" in hit and lane == "yellow")
    assert {r["rule"]: r["items"] for r in data["rules"]} == {
        name: sum(1 for r in rows if name in r[5]) for name in ("sea-docs", "cheap-kilos", "aeo-small")
    }
    assert any(r[5] for r in rows), "the rules must hit something in this week"

    # the model's red picks outrank every item left green in the same office (AEO priority halved)
    priority = query(
        home,
        "SELECT s.office_id, s.lane, s.selected_by, CASE WHEN d.aeo_status THEN s.score * 0.5 ELSE s.score END "
        "FROM selections s JOIN declarations d USING (declaration_id, item_no) "
        f"WHERE selection_id = '{data['selection_id']}'",
    )
    compared = 0
    for office in per_office:
        red = [p for o, lane, by, p in priority if o == office and by == "model" and lane == "red"]
        green = [p for o, lane, by, p in priority if o == office and by == "none"]
        if red and green:
            assert min(red) >= max(green)
            compared += 1
    assert compared > 0
    reasons = {r["reason"]: r for r in data["reasons"]}
    assert sum(r["items"] for r in reasons.values()) == n and reasons["model"]["items"] > 0

    page = (home / "reports" / "selection.html").read_text(encoding="utf-8")
    assert 'id="chart-lanes-by-office"' in page and 'id="chart-reasons"' in page
    body = page.split("<body>", 1)[1]  # Plotly's own code (in the head) names its CDN; the page uses none
    assert "cheap-kilos" in body and "cdn.plot.ly" not in body and "<script src=" not in page
    state = json.loads((home / "selectivity" / "realtime.json").read_text())
    assert state["selection_id"] == data["selection_id"] and set(state["thresholds"]) == set(data["offices"])


def test_decisions_are_stored_once_and_replaced_on_request(ruled_home):
    home = ruled_home
    first = json.loads(run(home, "select", "--date", "2024-12-02", "--json").stdout)
    before = stored(home)
    assert before == first["items"]
    refused = run(home, "select", "--date", "2024-12-02", code=2)
    assert "already decided" in refused.output and "--replace" in refused.output
    second = json.loads(run(home, "select", "--date", "2024-12-02", "--replace", "--json").stdout)
    assert stored(home) == before and second["replaced"] == before
    assert second["selection_id"] != first["selection_id"] and second["offices"] == first["offices"]
    ids = query(home, "SELECT DISTINCT selection_id FROM selections")
    assert ids == [(second["selection_id"],)]
    run(home, "select", "--date", "2024-12-03")  # another day is added alongside
    assert query(home, "SELECT count(DISTINCT selection_id) FROM selections")[0][0] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--date", "2024-12-02", "--red-budget", "150"],
            "--red-budget must be between 0 and 100 % (got 150 %)",
        ),
        (["--date", "2024-12-02", "--yellow-budget", "-1"], "--yellow-budget must be between 0 and 100 %"),
        (["--date", "2024-12-02", "--random-rate", "20"], "--random-rate (20 %) is larger than --red-budget"),
        (["--date", "2031-01-01"], "no declarations lodged on 2031-01-01"),
        (["--from", "2024-12-05", "--to", "2024-12-01"], "before --from"),
        (["--date", "2024-12-32"], "--date must be a date like 2024-06-30"),
        (["--from", "2024-12-01"], "--from and --to go together"),
        ([], "give --date DATE, or --from DATE --to DATE"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(home, args, message):
    out = run(home, "select", *args, code=2)
    assert message in out.output and "Traceback" not in out.output
    assert stored(home) == 0


def test_no_promoted_model_writes_nothing(template, tmp_path):
    home = workspace(template, tmp_path / "bare", with_model=False).home
    out = run(home, "select", "--date", "2024-12-02", code=2)
    assert "no risk model is promoted" in out.output and stored(home) == 0


def test_rule_stats_against_the_inspections(ruled_home):
    home = ruled_home
    run(home, "select", "--from", "2024-11-01", "--to", "2024-11-30")
    stats = {r["rule"]: r for r in json.loads(run(home, "rules", "stats", "--json").stdout)}
    assert list(stats) == ["sea-docs", "cheap-kilos", "aeo-small"]
    # the same figures computed here, from the stored rows and the inspections
    sel = rows_of(home, "SELECT declaration_id, item_no, rules_hit, lodged_at FROM selections")
    ins = rows_of(home, "SELECT declaration_id, item_no, result, additional_revenue FROM inspections")
    labels = {(r["declaration_id"], r["item_no"]): r for r in ins}
    for name, got in stats.items():
        hit = [r for r in sel if name in r["rules_hit"]]
        inspected = [
            labels[(r["declaration_id"], r["item_no"])]
            for r in hit
            if (r["declaration_id"], r["item_no"]) in labels
        ]
        frauds = [x for x in inspected if x["result"] in ("fraud", "critical")]
        assert (got["items"], got["inspected"], got["frauds"]) == (len(hit), len(inspected), len(frauds))
        assert got["revenue"] == pytest.approx(sum(x["additional_revenue"] or 0 for x in frauds))
        assert got["hit_rate"] == (len(frauds) / len(inspected) if inspected else None)
        assert (got["last_hit"] is None) == (not hit)
    assert stats["sea-docs"]["inspected"] > 0, "the month must hold inspected hits"
    table = run(home, "rules", "stats").stdout
    assert "rule hits" in table and "sea-" in table  # the test terminal is narrow
