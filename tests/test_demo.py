"""`clearsight demo`, the README's main job, end to end on a small world (without serving)."""

from __future__ import annotations

from typer.testing import CliRunner

from clearsight.cli import app


def test_demo_runs_every_room_and_says_where_to_look(tmp_path):
    home = tmp_path / "home"
    result = CliRunner().invoke(app, ["--home", str(home), "demo", "--items", "6000"], catch_exceptions=False)
    assert result.exit_code == 0, result.stdout
    out = result.stdout
    assert "where to look" in out and "skipped:" not in out
    assert "office extract" in out and "quarantined" in out
    assert "scenario, duty on " in out and "against the baseline" in out  # the forecast shows its scenario
    reports = home / "reports"
    for name in (
        "quality.html",
        "risk-evaluation.html",
        "drift.html",
        "selection.html",
        "simulation.html",
        "mirror.html",
        "release.html",
        "kpi.html",
        "hs-check.json",
        "forecast.html",
        "pca-candidates.html",
    ):
        assert (reports / name).stat().st_size > 0, name
    assert "one-time password" in out
    # the audit candidates: the world's last 12 months, three traders with an amount and a reason
    assert "post-clearance audit candidates, " in out and "/traders" in out and "/audit-candidates" in out
    top = [line for line in out.splitlines() if line.startswith(("   1. ", "   2. ", "   3. "))]
    assert len(top) >= 3 and all(": " in line and "]  " in line for line in top[-3:]), top
    assert "pca candidates report" in out  # listed under where to look
    assert "not counted in the demo" in (reports / "pca-candidates.html").read_text()  # HS codes: says why
    # Idempotent: a second run ingests nothing new and still completes.
    again = CliRunner().invoke(app, ["--home", str(home), "demo", "--items", "6000"], catch_exceptions=False)
    assert again.exit_code == 0 and "already ingested" in again.stdout
