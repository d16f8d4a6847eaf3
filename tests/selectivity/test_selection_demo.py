"""The selectivity demo step: rules added once, the last week decided (again in place on a re-run),
the report written."""

from __future__ import annotations

import duckdb

from clearsight.core.store import open_store
from clearsight.core.warehouse import connect
from clearsight.core.workspace import Workspace
from clearsight.rules.store import list_rules
from clearsight.selectivity.demo import demo_selectivity
from portal_live import trained_home, workspace


def test_demo_step_runs_twice(tmp_path_factory, synthetic_warehouse_file, tmp_path):
    settings = workspace(trained_home(tmp_path_factory, synthetic_warehouse_file), tmp_path / "home")
    for _ in range(2):
        wh = connect(settings.warehouse_url)
        try:
            (path,) = demo_selectivity(settings, wh)
        finally:
            wh.close()
        assert (
            path == Workspace(settings).reports_dir / "selection.html"
            and 'id="chart-lanes-by-office"' in path.read_text()
        )
    store = open_store(settings)
    names = [r.name for r in list_rules(store)]
    store.close()
    assert names[:2] == ["low-unit-value", "aeo-small"] and len(names) == len(set(names)) <= 3
    con = duckdb.connect(str(settings.home / "warehouse.duckdb"), read_only=True)
    try:
        ((runs, rows),) = con.execute(
            "SELECT count(DISTINCT selection_id), count(*) FROM selections"
        ).fetchall()
        (week,) = con.execute(
            "SELECT count(*) FROM declarations WHERE lodged_at >= (SELECT date_trunc('day', max(lodged_at)) "
            "- INTERVAL 6 DAY FROM declarations)"
        ).fetchone()
    finally:
        con.close()
    assert runs == 1 and rows == week > 0
