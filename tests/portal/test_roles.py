"""The access policy's two tables (permission -> roles, route -> permission) and how the app holds to them.

Each route called as each kind of caller is in test_access_matrix.py; here: the tables are whole, the
app refuses to start when its routes and the table disagree, and a route without a line is refused.
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from clearsight.access.roles import POLICY, ROLES, allowed, check_role
from clearsight.access.users import add_user
from clearsight.core.store import open_store
from clearsight.portal import routes_policy
from clearsight.portal.app import create_app
from clearsight.portal.routes_policy import (
    ROUTE_LINES,
    ROUTES,
    RoutePolicyError,
    install,
    problems,
    served_routes,
)
from portal_live import password_of, workspace


@pytest.fixture(scope="module")
def bare_app(tmp_path_factory):
    """The real app over an empty workspace, with one admin (no warehouse data needed here)."""
    settings = workspace(None, tmp_path_factory.mktemp("roles-home"))
    store = open_store(settings)
    add_user(store, "admin", "admin", password_of("admin"), [])
    return create_app(settings, store=store)


def test_every_permission_is_held_by_known_roles_and_needed_by_some_route():
    for permission, roles in POLICY.items():
        assert roles <= set(ROLES), permission
    used = set(ROUTES.values())
    assert used <= set(POLICY), used - set(POLICY)
    assert set(POLICY) - used == set(), f"permissions no route needs: {set(POLICY) - used}"


def test_unknown_permissions_and_roles_are_refused():
    assert not allowed("no.such.permission", "admin")
    assert not allowed("signed_in", None)
    assert allowed("public", None)
    with pytest.raises(ValueError, match="unknown role 'root'"):
        check_role("root")


def test_the_app_serves_exactly_the_routes_of_the_table(bare_app):
    assert problems(bare_app) == []
    served = {(s.method, s.path) for s in served_routes(bare_app)}
    assert served == set(ROUTES)
    assert len(ROUTE_LINES) == len(ROUTES) >= 36


def test_the_openapi_document_names_each_operation_permission_from_the_table(bare_app):
    spec = TestClient(bare_app).get("/api/v1/openapi.json").json()
    operations = {(m.upper(), p): op["x-permission"] for p, ops in spec["paths"].items() for m, op in ops.items()}
    documented = {(m, p): v for (m, p), v in ROUTES.items() if p.startswith("/api/v1/") and p != "/api/v1/openapi.json"}
    assert operations == documented


def test_a_route_without_a_line_stops_the_app_from_starting():
    app = FastAPI()

    @app.get("/api/v1/new-report")
    def new_report() -> dict:
        return {}

    with pytest.raises(RoutePolicyError, match=r"GET /api/v1/new-report has no line in the route policy"):
        install(app)


def test_a_line_without_a_route_or_with_an_unknown_permission_is_named(bare_app):
    stale = {**ROUTES, ("DELETE", "/api/v1/declarations"): "declarations.read"}
    assert problems(bare_app, stale) == ["the route policy lists DELETE /api/v1/declarations, which the app does not serve"]
    typo = {**ROUTES, ("GET", "/api/v1/me"): "signed-in"}
    assert problems(bare_app, typo) == ["GET /api/v1/me needs 'signed-in', which is not a permission of the policy"]
    private_static = {**ROUTES, ("GET", "/static/{path}"): "overview"}
    assert problems(bare_app, private_static) == [
        "GET /static/{path} is served outside the authorisation check, so it can only be public"
    ]


def test_the_table_refuses_a_route_listed_twice():
    with pytest.raises(ValueError, match="lists GET /x twice"):
        routes_policy._table((("GET", "/x", "public"), ("GET", "/x", "overview")))


def test_a_route_added_after_the_start_is_refused_even_to_an_admin(bare_app):
    @bare_app.get("/api/v1/added-later")
    def added_later() -> dict:
        return {"secret": "rows"}

    try:
        client = TestClient(bare_app)
        signed_in = client.post("/api/v1/auth/token", data={"username": "admin", "password": password_of("admin")})
        admin = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        assert client.get("/api/v1/me", headers=admin).status_code == 200
        r = client.get("/api/v1/added-later", headers=admin)
        assert r.status_code == 403
        assert r.json() == {"detail": "this route has no line in the route policy, so it is refused"}
    finally:
        bare_app.router.routes.pop()
