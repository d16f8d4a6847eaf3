"""Fixtures: one live portal (SQLite store, synthetic warehouse, trained model) for the module's tests."""

from __future__ import annotations

import pytest

from portal_live import ROLES, start_portal, token, trained_home, workspace


@pytest.fixture(scope="session")
def model_home(tmp_path_factory, synthetic_warehouse_file):
    return trained_home(tmp_path_factory, synthetic_warehouse_file)


@pytest.fixture(scope="session")
def live(model_home, tmp_path_factory):
    """The portal, served over HTTP on loopback, shared by the tests of this folder."""
    settings = workspace(model_home, tmp_path_factory.mktemp("portal-home"))
    server, extra = start_portal(settings)
    server.extra = extra
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tokens(live) -> dict[str, str]:
    return {role: token(live.url, role) for role in ROLES}


@pytest.fixture
def auth(tokens):
    def headers(role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[role]}"}

    return headers


class Private:
    """A portal of one's own (its own copy of the warehouse), called in-process, for tests that write
    what other tests read (results, selections)."""

    def __init__(self, model_home, dest) -> None:
        from fastapi.testclient import TestClient

        from clearsight.access.users import add_user
        from clearsight.core.store import open_store
        from clearsight.portal.app import create_app
        from portal_live import OFFICE, password_of

        settings = workspace(model_home, dest)
        store = open_store(settings)
        for role in ROLES:
            add_user(store, role, role, password_of(role), [OFFICE] if role == "officer" else [])
        self.app = create_app(settings, store=store)
        self.client = TestClient(self.app, follow_redirects=False)
        self.portal = self.app.state.portal
        self.headers = {}
        for role in ROLES:
            r = self.client.post("/api/v1/auth/token", data={"username": role, "password": password_of(role)})
            self.headers[role] = {"Authorization": f"Bearer {r.json()['access_token']}"}

    def get(self, role: str, path: str, **kwargs):
        return self.client.get(path, headers=self.headers[role], **kwargs)

    def post(self, role: str, path: str, **kwargs):
        return self.client.post(path, headers=self.headers[role], **kwargs)


@pytest.fixture(scope="module")
def private(model_home, tmp_path_factory) -> Private:
    return Private(model_home, tmp_path_factory.mktemp("private-portal"))
