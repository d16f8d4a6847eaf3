"""``clearsight hs`` through the real app: JSON contracts, the batch form, one-line refusals, and the
train -> evaluate -> check flow on the synthetic workspace."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from clearsight.cli import app

runner = CliRunner()


def run(*args: str, code: int = 0, stdin: str | None = None):
    result = runner.invoke(app, list(args), input=stdin)
    assert result.exit_code == code, result.output
    return result


def test_suggest_json_in_a_fresh_workspace(tmp_path):
    result = run("--home", str(tmp_path), "hs", "suggest", "Frozen shrimps, peeled", "--top", "3", "--json")
    data = json.loads(result.stdout)
    assert data["text"] == "Frozen shrimps, peeled"
    assert 1 <= len(data["suggestions"]) <= 3
    first = data["suggestions"][0]
    assert set(first) == {"code", "level", "score", "description"}
    assert first["code"] == "030617" and len(first["code"]) == 6


def test_suggest_file_writes_one_json_line_per_line(tmp_path):
    lines = ["cotton t-shirts", "", "冷冻虾", "84713000", "x" * 2000, "portland cement 50kg bags"]
    path = tmp_path / "in.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("--home", str(tmp_path), "hs", "suggest", "--file", str(path), "--json", "--top", "2")
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["text"] for o in out] == lines
    assert [bool(o["suggestions"]) for o in out] == [True, False, False, False, False, True]
    assert out[5]["suggestions"][0]["code"][:4] == "2523"
    assert "4 without" in result.stderr and "not in Latin script" in result.stderr


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    home = ["--home", str(tmp_path)]
    for args, fragment in (
        (("hs", "show", "84713"), "5 digits"),
        (("hs", "show", "999999"), "not a code of HS 2022"),
        (("hs", "suggest", ""), "empty"),
        (("hs", "suggest", "8471.30"), "hs show"),
        (("hs", "suggest", "--file", str(tmp_path / "missing.txt")), "no such file"),
        (("hs", "check", "--from", "yesterday"), "--from must be a date"),
        (
            (
                "hs",
                "train",
            ),
            "at least 50 are needed",
        ),
    ):
        result = run(*home, *args, code=2)
        assert fragment in result.stderr and len(result.stderr.strip().splitlines()) <= 2, result.stderr
        assert "Traceback" not in result.output


def test_show_and_search_json(tmp_path):
    shown = json.loads(run("hs", "show", "6109.10", "--json").stdout)
    assert [e["code"] for e in shown["path"]] == ["61", "6109", "610910"]
    assert shown["section"]["id"] == "XI"
    found = json.loads(run("hs", "search", "solar panels", "--json", "--limit", "5").stdout)
    assert "854143" in [c["code"] for c in found["codes"]]


def test_train_evaluate_check_on_the_synthetic_workspace(synthetic_home):
    home = ["--home", str(synthetic_home)]
    trained = json.loads(run(*home, "hs", "train", "--json").stdout)
    assert trained["examples"] == 12_000 - trained["misclassified_left_out"] - trained["no_description"]
    assert (synthetic_home / "models" / "hs" / "classifier.joblib").is_file()
    assert json.loads((synthetic_home / "models" / "hs" / "metrics.json").read_text())["fingerprint"]
    suggestion = json.loads(run(*home, "hs", "suggest", "ladies leather handbags", "--json").stdout)
    assert suggestion["suggestions"][0]["code"] == "420221"
    checked = json.loads(run(*home, "hs", "check", "--from", "2024-01-01", "--json", "--top", "5").stdout)
    assert checked["mode"] == "trained" and checked["checked"] > 0
    assert checked["flagged"] >= checked["listed"] > 0
    risks = [i["revenue_at_risk"] for i in checked["flagged_items"]]
    assert risks == sorted(risks, reverse=True)
    assert checked["revenue_at_risk"] >= sum(risks)
    said = runner.invoke(app, [*home, "hs", "check", "--from", "2024-01-01", "--top", "1"], env={"CLEARSIGHT_CURRENCY": "KES"})
    assert said.exit_code == 0 and f"revenue at risk {checked['revenue_at_risk']:,.2f} KES" in said.stdout
    loaded = json.loads(run(*home, "hs", "load", "--json").stdout)
    assert loaded["nomenclature_codes"] > 6900
