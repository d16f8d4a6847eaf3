"""``clearsight users``, ``apikeys`` and ``audit`` as a user runs them."""

from __future__ import annotations

import json
import sqlite3

from typer.testing import CliRunner

from clearsight.cli import app

runner = CliRunner()


def run(home, *args, input=None):
    return runner.invoke(app, ["--home", str(home), *args], input=input)


def test_users_lifecycle(tmp_path):
    r = run(tmp_path, "users", "add", "ana", "--role", "analyst", "--password-stdin", input="correct-horse-battery\n")
    assert r.exit_code == 0, r.output
    assert "correct-horse-battery" not in r.output
    r = run(tmp_path, "users", "add", "otto", "--role", "officer", "--office", "KESEA01", "--office", "KEAIR01")
    assert r.exit_code == 0 and "one-time password (shown once):" in r.output
    r = run(tmp_path, "users", "add", "ivy", "--role", "officer", "--password-stdin", input="correct-horse-battery\n")
    assert r.exit_code == 2 and "needs at least one --office" in r.output
    r = run(tmp_path, "users", "add", "max", "--role", "boss", "--password-stdin", input="correct-horse-battery\n")
    assert r.exit_code == 2 and "unknown role 'boss'" in r.output
    assert run(tmp_path, "users", "set-role", "ana", "auditor").exit_code == 0
    assert run(tmp_path, "users", "disable", "otto").exit_code == 0
    listed = json.loads(run(tmp_path, "users", "list", "--json").output)
    assert [(u["name"], u["role"], u["disabled"]) for u in listed] == [("ana", "auditor", False), ("otto", "officer", True)]
    assert listed[1]["offices"] == ["KESEA01", "KEAIR01"]
    r = run(tmp_path, "users", "disable", "nobody")
    assert r.exit_code == 2 and "no user called 'nobody'" in r.output


def test_apikeys_create_and_revoke(tmp_path):
    r = run(tmp_path, "apikeys", "create", "ccs")
    assert r.exit_code == 0
    key = r.output.strip().splitlines()[-1]
    assert key.startswith("cs_")
    keys = json.loads(run(tmp_path, "apikeys", "list", "--json").output)
    assert keys[0]["name"] == "ccs" and keys[0]["role"] == "service" and not keys[0]["revoked"]
    assert run(tmp_path, "apikeys", "revoke", keys[0]["prefix"]).exit_code == 0
    assert json.loads(run(tmp_path, "apikeys", "list", "--json").output)[0]["revoked"]
    assert run(tmp_path, "apikeys", "revoke", "ffffffff").exit_code == 2


def test_audit_verify_detects_tampering(tmp_path):
    for name in ("a1", "a2", "a3"):
        run(tmp_path, "users", "add", name, "--role", "analyst", "--password-stdin", input="correct-horse-battery\n")
    r = run(tmp_path, "audit", "verify")
    assert r.exit_code == 0 and "audit log intact: 3 entries" in r.output
    exported = run(tmp_path, "audit", "export").output.strip().splitlines()
    assert [json.loads(line)["action"] for line in exported] == ["users.add"] * 3
    con = sqlite3.connect(tmp_path / "app.sqlite")
    con.execute("DROP TRIGGER audit_log_no_update")
    con.execute("UPDATE audit_log SET resource = 'user/someone-else' WHERE id = 2")
    con.commit()
    con.close()
    r = run(tmp_path, "audit", "verify")
    assert r.exit_code == 1
    assert "entry 2: its content does not match its hash" in r.output and "tampered" in r.output


def test_demo_admin_gets_a_new_one_time_password_at_each_run(tmp_path):
    from clearsight.access.users import authenticate, list_users
    from clearsight.core.settings import Settings
    from clearsight.core.store import open_store
    from clearsight.portal.demo import DEMO_ADMIN, demo_admin

    settings = Settings(home=tmp_path)
    first = demo_admin(settings)
    second = demo_admin(settings)
    store = open_store(settings)
    assert [u.name for u in list_users(store)] == [DEMO_ADMIN]
    assert authenticate(store, DEMO_ADMIN, first) is None
    signed_in = authenticate(store, DEMO_ADMIN, second)
    assert signed_in.role == "admin" and signed_in.must_change_password
    store.close()


def test_demo_step_prints_the_password_once(tmp_path, capsys):
    from clearsight.core.settings import Settings
    from clearsight.portal.demo import demo_step

    settings = Settings(home=tmp_path)
    assert demo_step(settings) == []
    first = capsys.readouterr().out
    assert "one-time password (new at each demo run):" in first
    demo_step(settings)
    second = capsys.readouterr().out
    assert "one-time password (new at each demo run):" in second and second != first
