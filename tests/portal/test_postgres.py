"""The same portal with its app store in PostgreSQL (CLEARSIGHT_APP_DB): sign in, score, audit."""

from __future__ import annotations

import httpx
import pytest

from portal_live import (
    OFFICE,
    drop_schema,
    password_of,
    postgres_url,
    sample_declaration,
    skip_or_fail,
    start_portal,
    workspace,
)


@pytest.fixture(scope="module")
def pg_live(model_home, tmp_path_factory):
    found = postgres_url()
    if found is None:
        skip_or_fail("PostgreSQL is not reachable at 127.0.0.1:5432")
    url, schema = found
    server, extra = start_portal(workspace(model_home, tmp_path_factory.mktemp("pg-home")), store_url=url)
    server.extra = extra
    yield server
    server.stop()
    server.portal.store.close()
    drop_schema(schema)


def test_portal_on_postgresql(pg_live):
    assert pg_live.portal.store.dialect == "postgresql"
    token = httpx.post(f"{pg_live.url}/api/v1/auth/token", data={"username": "officer", "password": password_of("officer")}).json()["access_token"]
    rows = httpx.get(f"{pg_live.url}/api/v1/declarations", params={"limit": 5}, headers={"Authorization": f"Bearer {token}"}).json()
    assert len(rows) == 5 and {r["office_id"] for r in rows} == {OFFICE}
    scored = httpx.post(f"{pg_live.url}/api/v1/score", json=sample_declaration("PG-1", 2), headers={"X-API-Key": pg_live.extra["service_key"]})
    assert scored.status_code == 200 and len(scored.json()["items"]) == 2
    auditor = httpx.post(f"{pg_live.url}/api/v1/auth/token", data={"username": "auditor", "password": password_of("auditor")}).json()["access_token"]
    h = {"Authorization": f"Bearer {auditor}"}
    actions = [e["action"] for e in httpx.get(f"{pg_live.url}/api/v1/audit", headers=h).json()]
    assert "score" in actions and "declarations.list" in actions
    assert httpx.get(f"{pg_live.url}/api/v1/audit/verify", headers=h).json()["ok"]
