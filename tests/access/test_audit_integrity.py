"""The audit log survives its own entries: large filters stay valid JSON, a row that cannot be read is
shown as unreadable (and reported as tampered by verify) instead of breaking the readers, and an
external anchor detects what the unkeyed chain alone cannot: removed newest entries and a rewritten chain."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import httpx
import pytest
from typer.testing import CliRunner

from clearsight.access import audit
from clearsight.access.users import add_user
from clearsight.cli import app
from portal_live import app_store, password_of, start_portal, workspace

runner = CliRunner()
OFFICES = [f"KEX{i:04d}" for i in range(600)]


def run(home, *args, input=None):
    return runner.invoke(app, ["--home", str(home), *args], input=input)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    yield from app_store(request.param, tmp_path)


def _stored_filters(store) -> list[str]:
    from sqlalchemy import text

    with store.session() as s:
        return list(s.execute(text("SELECT filter FROM audit_log ORDER BY id")).scalars())


def test_a_large_filter_is_summarised_as_valid_json_and_hashed(store):
    audit.record(store, actor="wide", role="officer", action="queue.list", resource="queue",
                 filter={"offices": OFFICES, "limit": 30, "note": "x" * 10_000})
    stored = json.loads(_stored_filters(store)[-1])  # valid JSON, read back without the product's code
    assert stored["limit"] == 30
    assert stored["offices"]["count"] == 600 and stored["offices"]["first"] == OFFICES[: len(stored["offices"]["first"])]
    assert 0 < len(stored["offices"]["first"]) < 600
    assert stored["note"]["length"] == 10_000 and set(stored["note"]["first"]) == {"x"}
    assert len(_stored_filters(store)[-1]) <= audit.MAX_FILTER_CHARS
    shown = audit.as_dict(audit.entries(store, limit=1)[0])
    assert shown["filter"] == stored and "unreadable" not in shown
    assert audit.verify(store).ok
    # A small filter is stored as it is.
    audit.record(store, actor="ana", role="analyst", action="declarations.list", resource="declarations",
                 filter={"q": "IM000109", "limit": 7, "offices": ["KESEA01"]})
    assert json.loads(_stored_filters(store)[-1]) == {"q": "IM000109", "limit": 7, "offices": ["KESEA01"]}


def test_any_filter_is_bounded_valid_json():
    many_keys = {f"key-{i}-" + "k" * 50: i for i in range(2_000)}
    deep = {"a": [[["y" * 5_000] * 50] * 50]}
    for value in (many_keys, deep, {"offices": OFFICES}, {"z" * 9_000: 1}):
        text = audit.filter_json(value)
        assert len(text) <= audit.MAX_FILTER_CHARS and isinstance(json.loads(text), dict)


def _insert_raw(path, **values) -> None:
    """An entry written by hand into the SQLite file (not through the product's code)."""
    row = {"at": "2026-01-01 00:00:00.000000", "actor": "x", "role": "admin", "action": "a", "resource": "r",
           "filter": "{}", "rows": 0, "client": "", "outcome": "ok", "prev_hash": "0" * 64, "hash": "f" * 64, **values}
    con = sqlite3.connect(path)
    con.execute(f"INSERT INTO audit_log ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
    con.commit()
    con.close()


def test_unreadable_rows_are_shown_and_reported_as_tampered(tmp_path):
    for name in ("a1", "a2"):
        assert run(tmp_path, "users", "add", name, "--role", "analyst", "--password-stdin", input="correct-horse-battery\n").exit_code == 0
    _insert_raw(tmp_path / "app.sqlite", at="garbage")
    _insert_raw(tmp_path / "app.sqlite", filter='{"offices": ["KEX0001", "KEX00')  # JSON cut mid-way
    assert run(tmp_path, "users", "add", "a3", "--role", "analyst", "--password-stdin", input="correct-horse-battery\n").exit_code == 0

    r = run(tmp_path, "audit", "verify")
    assert r.exit_code == 1, r.output
    assert "entry 3: unreadable" in r.output and "entry 4: unreadable" in r.output and "tampered" in r.output
    assert "Traceback" not in r.output

    r = run(tmp_path, "audit", "export")
    assert r.exit_code == 0, r.output
    lines = [json.loads(line) for line in r.output.strip().splitlines()]
    assert [e["id"] for e in lines] == [1, 2, 3, 4, 5]
    assert lines[2]["unreadable"] == ["at"] and lines[2]["at"] == "garbage"
    assert lines[3]["unreadable"] == ["filter"] and lines[3]["filter"] == '{"offices": ["KEX0001", "KEX00'
    assert "unreadable" not in lines[4] and lines[4]["action"] == "users.add"


@pytest.fixture
def wide_portal(tmp_path):
    """A portal over an empty workspace with an officer of 600 offices and an auditor."""
    settings = workspace(None, tmp_path / "home")
    server, _ = start_portal(settings)
    add_user(server.portal.store, "wide", "officer", password_of("wide"), OFFICES)
    yield server, settings
    server.stop()


def _token(url: str, name: str) -> dict[str, str]:
    r = httpx.post(f"{url}/api/v1/auth/token", data={"username": name, "password": password_of(name)})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_an_officer_of_600_offices_leaves_a_readable_log(wide_portal):
    server, settings = wide_portal
    assert httpx.get(f"{server.url}/queue", params={"format": "json"}, headers=_token(server.url, "wide")).status_code == 200
    auditor = _token(server.url, "auditor")
    api = httpx.get(f"{server.url}/api/v1/audit", params={"actor": "wide"}, headers=auditor)
    assert api.status_code == 200, api.text
    queued = next(e for e in api.json() if e["action"] == "queue.list")
    assert queued["filter"]["offices"]["count"] == 600
    assert httpx.get(f"{server.url}/audit", headers=auditor).status_code == 200
    assert httpx.get(f"{server.url}/api/v1/audit/verify", headers=auditor).json()["ok"]
    r = run(settings.home, "audit", "export")
    assert r.exit_code == 0 and any('"count": 600' in line for line in r.output.splitlines())


def test_the_portal_shows_an_unreadable_row(wide_portal):
    server, settings = wide_portal
    _insert_raw(settings.home / "app.sqlite", at="not a time", actor="intruder")
    auditor = _token(server.url, "auditor")
    api = httpx.get(f"{server.url}/api/v1/audit", params={"actor": "intruder"}, headers=auditor)
    assert api.status_code == 200 and api.json()[0]["unreadable"] == ["at"]
    page = httpx.get(f"{server.url}/audit", params={"verify": "true"}, headers=auditor)
    assert page.status_code == 200 and "unreadable" in page.text and "TAMPERED" in page.text
    verdict = httpx.get(f"{server.url}/api/v1/audit/verify", headers=auditor).json()
    assert not verdict["ok"] and any("unreadable" in p for p in verdict["problems"])


# --- the anchor ---------------------------------------------------------------------------------------


def _log_of(home, n: int) -> None:
    for i in range(n):
        r = run(home, "users", "add", f"user{i}", "--role", "analyst", "--password-stdin", input="correct-horse-battery\n")
        assert r.exit_code == 0, r.output


def _sql(home, *statements: str) -> None:
    con = sqlite3.connect(home / "app.sqlite")
    for statement in statements:
        con.execute(statement)
    con.commit()
    con.close()


def _rewrite_chain_from(home, first_id: int) -> None:
    """What an attacker with write access does: change an entry, then recompute every hash after it,
    so the chain is consistent again (the hash is public and unkeyed)."""
    con = sqlite3.connect(home / "app.sqlite")
    con.execute("DROP TRIGGER audit_log_no_update")
    con.execute("UPDATE audit_log SET resource = 'user/nobody' WHERE id = ?", (first_id,))
    cols = ("id", *audit.FIELDS, "prev_hash")
    rows = con.execute(f"SELECT {', '.join(cols)} FROM audit_log ORDER BY id").fetchall()
    prev = audit.GENESIS
    for row in rows:
        values = dict(zip(cols, row, strict=True))
        values["at"] = dt.datetime.fromisoformat(values["at"])
        digest = audit.entry_hash(prev, values)
        con.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, values["id"]))
        prev = digest
    con.commit()
    con.close()


def test_anchor_prints_and_writes_the_head(tmp_path):
    _log_of(tmp_path, 3)
    r = run(tmp_path, "audit", "anchor")
    assert r.exit_code == 0, r.output
    printed = json.loads(r.output.strip().splitlines()[-1])
    con = sqlite3.connect(tmp_path / "app.sqlite")
    head, count = con.execute("SELECT hash, (SELECT count(*) FROM audit_log) FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    con.close()
    assert printed["head_hash"] == head and printed["entries"] == count == 3
    assert dt.datetime.fromisoformat(printed["anchored_at"])
    out = tmp_path / "anchor.json"
    assert run(tmp_path, "audit", "anchor", "--out", str(out)).exit_code == 0
    written = json.loads(out.read_text())
    assert written["head_hash"] == head and written["entries"] == 3


@pytest.mark.parametrize("where", ["file", "store"])
def test_truncating_the_newest_entries_is_detected_with_the_anchor_only(tmp_path, where):
    home = tmp_path / "home"
    _log_of(home, 5)
    target = str(tmp_path / "anchor.json") if where == "file" else f"sqlite:///{tmp_path / 'anchors.sqlite'}"
    option = "--out" if where == "file" else "--to"
    assert run(home, "audit", "anchor", option, target).exit_code == 0
    assert run(home, "audit", "verify", "--anchor", target).exit_code == 0
    _sql(home, "DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log WHERE id > 3")
    alone = run(home, "audit", "verify")
    assert alone.exit_code == 0 and "3 entries" in alone.output  # the chain alone cannot tell
    anchored = run(home, "audit", "verify", "--anchor", target)
    assert anchored.exit_code == 1, anchored.output
    assert "entry 5" in anchored.output and "5 entries" in anchored.output and "removed" in anchored.output


@pytest.mark.parametrize("where", ["file", "store"])
def test_a_consistently_rewritten_chain_is_detected_with_the_anchor_only(tmp_path, where):
    home = tmp_path / "home"
    _log_of(home, 4)
    target = str(tmp_path / "anchor.json") if where == "file" else f"sqlite:///{tmp_path / 'anchors.sqlite'}"
    option = "--out" if where == "file" else "--to"
    assert run(home, "audit", "anchor", option, target).exit_code == 0
    _rewrite_chain_from(home, 2)
    alone = run(home, "audit", "verify")
    assert alone.exit_code == 0 and "4 entries" in alone.output  # consistent again: the chain alone cannot tell
    anchored = run(home, "audit", "verify", "--anchor", target)
    assert anchored.exit_code == 1, anchored.output
    assert "entry 4" in anchored.output and "rewritten" in anchored.output


def test_an_older_anchor_still_verifies_a_grown_log_and_a_bad_anchor_is_one_line(tmp_path):
    home = tmp_path / "home"
    _log_of(home, 2)
    anchor_file = tmp_path / "anchor.json"
    assert run(home, "audit", "anchor", "--out", str(anchor_file)).exit_code == 0
    assert run(home, "apikeys", "create", "ccs").exit_code == 0
    r = run(home, "audit", "verify", "--anchor", str(anchor_file))
    assert r.exit_code == 0 and "3 entries" in r.output and "anchor" in r.output
    anchor_file.write_text("{not json")
    r = run(home, "audit", "verify", "--anchor", str(anchor_file))
    assert r.exit_code == 2 and "anchor.json" in r.output and "Traceback" not in r.output
    r = run(home, "audit", "verify", "--anchor", str(tmp_path / "missing.json"))
    assert r.exit_code == 2 and "missing.json" in r.output
    r = run(home, "audit", "verify", "--anchor", f"sqlite:///{tmp_path / 'no-anchors.sqlite'}")
    assert r.exit_code == 2 and "cannot read an anchor" in r.output and "audit_anchors" in r.output


def test_verify_with_an_anchor_through_the_api(store):
    for i in range(3):
        audit.record(store, actor=f"u{i}", role="analyst", action="declarations.list", resource="declarations")
    anchor = audit.anchor(store)
    assert audit.verify(store, anchor).ok
    audit.record(store, actor="later", role="analyst", action="declarations.list", resource="declarations")
    assert audit.verify(store, anchor).ok
    forged = audit.Anchor(head_hash="a" * 64, entries=anchor.entries, last_id=anchor.last_id, anchored_at=anchor.anchored_at)
    result = audit.verify(store, forged)
    assert not result.ok and any("rewritten" in p for p in result.problems)
