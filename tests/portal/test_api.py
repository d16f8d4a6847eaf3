"""The REST API against a live server: tokens, role filters, scoring, inspections, audit, bad input."""

from __future__ import annotations

import logging
import re
import time
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import func, select

from clearsight.access.security import Principal, issue_token
from clearsight.access.users import add_user, create_api_key, revoke_api_key, set_disabled
from clearsight.core.store.models import Decision
from clearsight.rules.profiles import Rule
from clearsight.rules.store import add_rules, disable_rule
from clearsight.selectivity.decisions import lane_decisions
from portal_live import OFFICE, OTHER_OFFICE, password_of, sample_declaration


def test_openapi_document_lists_the_contract(live):
    spec = httpx.get(f"{live.url}/api/v1/openapi.json").json()
    for path in ("/api/v1/auth/token", "/api/v1/score", "/api/v1/declarations", "/api/v1/health"):
        assert path in spec["paths"]
    for path, ops in spec["paths"].items():
        for op in ops.values():
            assert "x-permission" in op, path


def test_token_is_an_oauth2_password_flow(live):
    r = httpx.post(
        f"{live.url}/api/v1/auth/token", data={"username": "analyst", "password": password_of("analyst")}
    )
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"access_token", "token_type"} and body["token_type"] == "bearer"
    me = httpx.get(
        f"{live.url}/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    ).json()
    assert me == {"name": "analyst", "role": "analyst", "offices": [], "via": "token"}


def test_wrong_password_is_refused_and_the_password_never_logged(live, caplog):
    secret = "wrong-but-distinctive-9f3a"
    with caplog.at_level(logging.WARNING, logger="clearsight.portal"):
        r = httpx.post(f"{live.url}/api/v1/auth/token", data={"username": "analyst", "password": secret})
    assert r.status_code == 401
    assert r.json()["detail"] == "wrong user name or password"
    assert "failed sign-in for 'analyst'" in caplog.text
    assert secret not in caplog.text


def test_declarations_are_filtered_by_role(live, auth):
    analyst = httpx.get(
        f"{live.url}/api/v1/declarations", params={"limit": 500}, headers=auth("analyst")
    ).json()
    assert len(analyst) == 500 and len({r["office_id"] for r in analyst}) > 1
    officer = httpx.get(
        f"{live.url}/api/v1/declarations", params={"limit": 200}, headers=auth("officer")
    ).json()
    assert officer and {r["office_id"] for r in officer} == {OFFICE}
    own = httpx.get(
        f"{live.url}/api/v1/declarations", params={"office_id": OFFICE, "limit": 3}, headers=auth("officer")
    )
    assert own.status_code == 200 and len(own.json()) == 3


def test_officer_cannot_read_another_office(live, auth):
    r = httpx.get(
        f"{live.url}/api/v1/declarations", params={"office_id": OTHER_OFFICE}, headers=auth("officer")
    )
    assert r.status_code == 403 and r.json()["detail"] == f"office {OTHER_OFFICE} is not one of your offices"
    other = httpx.get(
        f"{live.url}/api/v1/declarations",
        params={"office_id": OTHER_OFFICE, "limit": 1},
        headers=auth("analyst"),
    ).json()[0]
    r = httpx.get(f"{live.url}/api/v1/declarations/{other['declaration_id']}", headers=auth("officer"))
    assert r.status_code == 404 and r.json()["detail"] == f"declaration {other['declaration_id']} not found"


@pytest.mark.parametrize("role", ["researcher", "manager", "service"])
def test_roles_without_row_access_are_refused(live, auth, role):
    r = httpx.get(f"{live.url}/api/v1/declarations", headers=auth(role))
    assert r.status_code == 403
    assert r.json() == {"detail": f"your role ({role}) may not do this"}


def test_declaration_detail_has_items_and_importer_history(live, auth):
    first = httpx.get(
        f"{live.url}/api/v1/declarations", params={"office_id": OFFICE, "limit": 1}, headers=auth("officer")
    ).json()[0]
    r = httpx.get(f"{live.url}/api/v1/declarations/{first['declaration_id']}", headers=auth("officer"))
    body = r.json()
    assert r.status_code == 200 and body["office_id"] == OFFICE
    assert any(i["item_no"] == first["item_no"] for i in body["items"])
    assert body["importer"]["importer_id"] == first["importer_id"] and body["importer"]["items"] >= 1
    assert (
        httpx.get(f"{live.url}/api/v1/declarations/NO-SUCH-DECL", headers=auth("analyst")).status_code == 404
    )


def test_reads_are_audited_and_the_chain_verifies(live, auth):
    httpx.get(
        f"{live.url}/api/v1/declarations", params={"q": "IM000109", "limit": 7}, headers=auth("analyst")
    )
    entries = httpx.get(
        f"{live.url}/api/v1/audit", params={"actor": "analyst", "limit": 20}, headers=auth("auditor")
    ).json()
    listed = [e for e in entries if e["action"] == "declarations.list" and e["filter"].get("q") == "IM000109"]
    assert listed and listed[0]["role"] == "analyst" and listed[0]["filter"]["limit"] == 7
    assert listed[0]["client"] == "127.0.0.1" and listed[0]["rows"] >= 1
    verdict = httpx.get(f"{live.url}/api/v1/audit/verify", headers=auth("auditor")).json()
    assert verdict["ok"] and verdict["entries"] >= len(entries)


@pytest.mark.parametrize(
    "q", ["' OR 1=1 --", "x'; DROP TABLE declarations; --", "%", "<script>alert(1)</script>"]
)  # control characters (NUL) are refused at the door: test_control_characters.py
def test_injected_search_text_is_only_text(live, auth, q):
    r = httpx.get(f"{live.url}/api/v1/declarations", params={"q": q}, headers=auth("analyst"))
    assert r.status_code == 200 and r.json() == []
    by_office = httpx.get(f"{live.url}/api/v1/declarations", params={"office_id": q}, headers=auth("analyst"))
    assert by_office.status_code == 200 and by_office.json() == []
    one = httpx.get(f"{live.url}/api/v1/declarations/{quote(q, safe='')}", headers=auth("analyst"))
    assert one.status_code == 404
    page = httpx.get(f"{live.url}/declarations", params={"q": q}, headers=auth("analyst"))
    assert page.status_code == 200 and "<script>alert(1)</script>" not in page.text
    assert httpx.get(f"{live.url}/api/v1/declarations", params={"limit": 1}, headers=auth("analyst")).json()


def test_score_end_to_end_with_the_promoted_model(live):
    key = {"X-API-Key": live.extra["service_key"]}
    r = httpx.post(f"{live.url}/api/v1/score", json=sample_declaration("E2E-SCORE-1", items=3), headers=key)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["declaration_id"] == "E2E-SCORE-1" and body["model_version"] == "portal-test-model"
    assert [i["item_no"] for i in body["items"]] == [1, 2, 3]
    for item in body["items"]:
        assert 0 <= item["fraud_probability"] <= 1 and item["expected_revenue"] >= 0 and item["score"] >= 0
        assert item["lane"] in ("green", "yellow", "red", "blue")
        assert item["selected_by"] in ("none", "rule", "random", "model") and item["rules_hit"] == []
        # who selected the lane, in a sentence; the office's threshold only where the model selected it
        assert item["why"].startswith(item["lane"]) and "\n" not in item["why"]
        assert (item["threshold"] is not None) == (item["selected_by"] == "model")
        if item["selected_by"] == "model":
            assert item["score"] >= item["threshold"] and f"{item['lane']} by the model: score" in item["why"]
        assert isinstance(item["reasons"], list) and all(isinstance(t, str) and t for t in item["reasons"])
    with live.portal.store.session() as s:
        stored = s.scalar(
            select(func.count()).select_from(Decision).where(Decision.declaration_id == "E2E-SCORE-1")
        )
        who = s.scalar(select(Decision.decided_by).where(Decision.declaration_id == "E2E-SCORE-1").limit(1))
    assert stored == 3 and who == "key:clearance-system"
    # ...and in the one store of lane decisions, beside the batch's, for the indicators and the pages
    with live.portal.warehouse() as wh:
        t = lane_decisions(wh, live.portal.store)
        rows = t.filter(t.declaration_id == "E2E-SCORE-1").to_pyarrow().to_pylist()
    assert sorted(r["item_no"] for r in rows) == [1, 2, 3]
    assert {(r["channel"], r["decided_by"]) for r in rows} == {("realtime", "key:clearance-system")}
    assert [r["lane"] for r in sorted(rows, key=lambda r: r["item_no"])] == [i["lane"] for i in body["items"]]


def test_a_rule_profile_decides_the_lane_of_the_next_call(live):
    """An analyst's rule applies to the clearance system's next calls (no restart), and the stored
    decision says why the item is in its lane."""
    key = {"X-API-Key": live.extra["service_key"]}
    decl = sample_declaration("E2E-RULE-1")
    decl["importer_id"] = "IM-WATCHED-1"
    before = httpx.post(f"{live.url}/api/v1/score", json=decl, headers=key).json()["items"][0]
    assert before["rules_hit"] == [] and before["selected_by"] != "rule"
    add_rules(live.portal.store, [Rule(name="watch-im-1", lane="red", importers=["IM-WATCHED-1"],
                                       reason="intelligence report", owner="analyst")])
    try:
        deadline = time.monotonic() + 10
        while True:
            decl["declaration_id"] = f"E2E-RULE-{time.monotonic_ns()}"
            item = httpx.post(f"{live.url}/api/v1/score", json=decl, headers=key).json()["items"][0]
            if item["rules_hit"] or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        # the rule's red, unless the random control drew the item too: it is named first on a tie
        by = "random" if item["random_control"] else "rule"
        assert item["lane"] == "red" and item["selected_by"] == by and item["rules_hit"] == ["watch-im-1"]
        assert item["threshold"] is None and item["why"].startswith(f"red by {'random control' if item['random_control'] else 'rule watch-im-1'}")
        with live.portal.store.session() as s:
            stored = s.execute(
                select(Decision.lane, Decision.selected_by, Decision.rules_hit, Decision.random_control)
                .where(Decision.declaration_id == decl["declaration_id"])
            ).one()
        assert tuple(stored) == ("red", by, ["watch-im-1"], item["random_control"])
    finally:
        disable_rule(live.portal.store, "watch-im-1")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["items"][0].update(customs_value=-5), "items.0.customs_value"),
        (lambda d: d["items"][0].update(hs_code="12ab"), "items.0.hs_code"),
        (lambda d: d["items"][0].update(country_of_origin="China"), "items.0.country_of_origin"),
        (lambda d: d.pop("importer_id"), "importer_id"),
        (lambda d: d.update(items=[]), "items"),
        (lambda d: d.update(colour="red"), "colour"),
        (lambda d: d.update(mode_of_transport="teleport"), "mode_of_transport"),
        (lambda d: d["items"].append(dict(d["items"][0])), "items"),
    ],
)
def test_bad_payloads_get_422_naming_the_field(live, change, field):
    payload = sample_declaration("BAD-1")
    change(payload)
    r = httpx.post(f"{live.url}/api/v1/score", json=payload, headers={"X-API-Key": live.extra["service_key"]})
    assert r.status_code == 422
    assert field in [e["field"] for e in r.json()["errors"]] or r.json()["detail"].startswith(field)
    assert "Traceback" not in r.text


def test_what_the_gate_refuses_the_api_refuses_naming_the_field(live):
    """An unknown origin, an HS code outside HS 2022 and an office no declaration was lodged at are
    refused with 422 naming the field and the gate's reason, never scored (green)."""
    key = {"X-API-Key": live.extra["service_key"]}
    url = f"{live.url}/api/v1/score"

    origin = sample_declaration("BAD-ORIGIN")
    origin["items"][0]["country_of_origin"] = "ZZ"
    r = httpx.post(url, json=origin, headers=key)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "items.0.country_of_origin"
    assert "country_of_origin: unknown country: 'ZZ'" in r.json()["errors"][0]["message"]

    hs = sample_declaration("BAD-HS")
    hs["items"][0]["hs_code"] = "999999"
    r = httpx.post(url, json=hs, headers=key)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "items.0.hs_code"
    assert "hs_code: not a code of HS 2022: '999999'" in r.json()["errors"][0]["message"]

    office = sample_declaration("BAD-OFFICE")
    office["office_id"] = "NOSUCHOFFICE"
    r = httpx.post(url, json=office, headers=key)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "office_id"
    assert r.json()["errors"][0]["message"].startswith("office_id: unknown office")
    assert "'NOSUCHOFFICE'" in r.json()["detail"]
    with live.portal.store.session() as s:
        stored = s.scalar(select(func.count()).select_from(Decision).where(Decision.declaration_id.like("BAD-%")))
    assert stored == 0


def test_malformed_json_and_oversized_bodies(live):
    key = {"X-API-Key": live.extra["service_key"], "Content-Type": "application/json"}
    r = httpx.post(f"{live.url}/api/v1/score", content=b"{not json", headers=key)
    assert r.status_code == 422 and "Traceback" not in r.text
    big = b'{"declaration_id": "' + b"x" * 2_000_000 + b'"}'
    r = httpx.post(f"{live.url}/api/v1/score", content=big, headers=key)
    assert r.status_code == 413 and "larger than" in r.json()["detail"]


def test_expired_token_disabled_user_and_revoked_key(live, caplog):
    expired = issue_token(live.portal.secret, Principal("analyst", "analyst"), minutes=-1)
    with caplog.at_level(logging.WARNING, logger="clearsight.portal"):
        r = httpx.get(f"{live.url}/api/v1/me", headers={"Authorization": f"Bearer {expired}"})
    assert r.status_code == 401 and "expired" in r.json()["detail"]
    assert (
        "refused GET /api/v1/me from 127.0.0.1: the token has expired" in caplog.text
        and expired not in caplog.text
    )
    forged = issue_token("not-the-secret-but-long-enough-for-hs256-0123", Principal("admin", "admin"))
    assert (
        httpx.get(f"{live.url}/api/v1/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    )

    store = live.portal.store
    add_user(store, "leaver", "analyst", "leaver-password-1")
    token = httpx.post(
        f"{live.url}/api/v1/auth/token", data={"username": "leaver", "password": "leaver-password-1"}
    ).json()["access_token"]
    assert httpx.get(f"{live.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    set_disabled(store, "leaver")
    r = httpx.get(f"{live.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and "disabled" in r.json()["detail"]

    key, row = create_api_key(store, "old-system", "service", "tests")
    assert httpx.get(f"{live.url}/api/v1/me", headers={"X-API-Key": key}).status_code == 200
    revoke_api_key(store, row.prefix)
    r = httpx.get(f"{live.url}/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 401 and "revoked" in r.json()["detail"] and key not in r.text


def _uninspected(live, office: str) -> tuple[str, int]:
    with live.portal.warehouse() as wh:
        from clearsight.portal.queries import uninspected

        row = uninspected(wh, [office], 1).to_pylist()[0]
    return row["declaration_id"], row["item_no"]


def test_officer_records_an_inspection_result(live, auth):
    declaration_id, item_no = _uninspected(live, OFFICE)
    body = {
        "declaration_id": declaration_id,
        "item_no": item_no,
        "result": "fraud",
        "fraud_type": "valuation",
        "additional_revenue": 1234.5,
    }
    r = httpx.post(f"{live.url}/api/v1/inspections", json=body, headers=auth("officer"))
    assert r.status_code == 201, r.text
    batch = r.json()["batch_id"]
    assert batch.startswith("portal-")
    with live.portal.warehouse() as wh:
        i = wh.table("inspections")
        rows = (
            i.filter((i.declaration_id == declaration_id) & (i.item_no == item_no)).to_pyarrow().to_pylist()
        )
        b = wh.table("ingest_batches")
        lineage = b.filter(b.batch_id == batch).to_pyarrow().to_pylist()
    assert (
        len(rows) == 1
        and rows[0]["result"] == "fraud"
        and rows[0]["officer_id"] == "officer"
        and rows[0]["batch_id"] == batch
    )
    assert rows[0]["additional_revenue"] == 1234.5
    assert lineage[0]["accepted"] == 1 and lineage[0]["loaded_by"] == "officer"
    again = httpx.post(f"{live.url}/api/v1/inspections", json=body, headers=auth("officer"))
    assert again.status_code == 409 and "already has an inspection result" in again.json()["detail"]
    audit = httpx.get(f"{live.url}/api/v1/audit", params={"actor": "officer"}, headers=auth("auditor")).json()
    assert any(e["action"] == "inspections.record" and e["filter"]["batch_id"] == batch for e in audit)


def test_officer_cannot_record_for_another_office(live, auth):
    declaration_id, item_no = _uninspected(live, OTHER_OFFICE)
    body = {"declaration_id": declaration_id, "item_no": item_no, "result": "compliant"}
    r = httpx.post(f"{live.url}/api/v1/inspections", json=body, headers=auth("officer"))
    assert r.status_code == 404 and r.json()["detail"] == f"declaration {declaration_id} has no item {item_no}"
    assert httpx.post(f"{live.url}/api/v1/inspections", json=body, headers=auth("analyst")).status_code == 403
    bad = httpx.post(
        f"{live.url}/api/v1/inspections", json={**body, "result": "maybe"}, headers=auth("officer")
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "result"


def _session(live, role: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=live.url, follow_redirects=False)
    r = client.post("/login", data={"username": role, "password": password_of(role), "next": "/queue"})
    assert r.status_code == 303 and r.headers["location"] == "/queue"
    page = client.get("/queue")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client, csrf


def test_cookie_sessions_need_the_csrf_token(live):
    client, csrf = _session(live, "officer")
    declaration_id, item_no = _uninspected(live, OFFICE)
    form = {
        "declaration_id": declaration_id,
        "item_no": str(item_no),
        "result": "compliant",
        "method": "documentary",
    }
    missing = client.post("/queue/record", data=form, headers={"Accept": "application/json"})
    assert missing.status_code == 403 and "CSRF" in missing.json()["detail"]
    wrong = client.post(
        "/queue/record", data={**form, "csrf_token": "forged"}, headers={"Accept": "application/json"}
    )
    assert wrong.status_code == 403
    asked = client.post("/queue/record", data={**form, "csrf_token": csrf})  # the first step only asks
    assert asked.status_code == 200 and 'name="confirm" value="yes"' in asked.text
    ok = client.post("/queue/record", data={**form, "csrf_token": csrf, "confirm": "yes"})
    assert ok.status_code == 303 and ok.headers["location"].startswith("/queue?recorded=")
    out = client.post("/logout", data={"csrf_token": csrf})
    assert out.status_code == 303
    client.cookies.clear()
    assert client.get("/queue").status_code == 303
    client.close()


def test_login_page_refuses_an_outside_redirect(live):
    client = httpx.Client(base_url=live.url, follow_redirects=False)
    r = client.post(
        "/login", data={"username": "analyst", "password": password_of("analyst"), "next": "//evil.example/x"}
    )
    assert r.status_code == 303 and r.headers["location"] == "/"
    client.close()


def test_hs_suggest_for_officers_and_analysts(live, tokens):
    url = f"{live.url}/api/v1/hs/suggest"
    officer = {"Authorization": f"Bearer {tokens['officer']}"}
    r = httpx.post(url, json={"text": "frozen boneless beef cuts", "top": 3}, headers=officer)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["mode"] in ("trained", "zero-shot") and len(body["suggestions"]) <= 3
    assert body["suggestions"] and body["suggestions"][0]["code"].startswith("02")  # chapter 2: meat
    assert all(len(s["code"]) == 6 and s["description"] for s in body["suggestions"])
    nothing = httpx.post(url, json={"text": "12345 67890"}, headers=officer).json()
    assert nothing["suggestions"] == [] and nothing["note"]
    assert httpx.post(url, json={"text": ""}, headers=officer).status_code == 422
    assert httpx.post(url, json={"text": "tea", "top": 99}, headers=officer).status_code == 422
    service = {"X-API-Key": live.extra["service_key"]}
    assert httpx.post(url, json={"text": "green tea"}, headers=service).status_code == 403


def test_the_portal_moves_real_time_decisions_into_the_warehouse_once_scoring_pauses(live):
    import time

    from clearsight.portal.scoring import MOVE_IDLE_S

    key = {"X-API-Key": live.extra["service_key"]}
    r = httpx.post(f"{live.url}/api/v1/score", json=sample_declaration("E2E-MOVED-1", items=2), headers=key)
    assert r.status_code == 200, r.text
    moved_at = None
    deadline = time.monotonic() + MOVE_IDLE_S + 15
    while moved_at is None and time.monotonic() < deadline:  # nobody reads: the portal's own move
        time.sleep(0.2)
        with live.portal.store.session() as s:
            found = s.scalars(select(Decision.moved_at).where(Decision.declaration_id == "E2E-MOVED-1")).all()
        moved_at = found[0] if len(found) == 2 and all(found) else None
    assert moved_at is not None, "the outbox rows were not marked moved"
    with live.portal.warehouse() as wh:  # in selections, read without the store (no move on reading)
        t = lane_decisions(wh)
        rows = t.filter(t.declaration_id == "E2E-MOVED-1").to_pyarrow().to_pylist()
    assert sorted(r["item_no"] for r in rows) == [1, 2] and {r["channel"] for r in rows} == {"realtime"}
