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
