"""The permission each route of the portal needs: one table, enforced by the app and read by its tests.

Every (method, path template) the portal serves has exactly one line in :data:`ROUTE_LINES`; which
roles hold each permission is :data:`clearsight.access.roles.POLICY`. Together the two tables are the
whole access policy. :func:`install` checks the table against what the app serves and refuses to
start when a served route has no line, a line names no served route or an unknown permission, or a
route served outside the authorisation dependency is not public. :func:`clearsight.portal.deps.authorize`
then takes each request's permission from the table; a route added after the check, and so without
a line, is refused (fail closed). The OpenAPI document names each operation's permission
(``x-permission``), copied from the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute

from clearsight.access.roles import POLICY

API = "/api/v1"

#: (method, path template, permission): one line per route the portal serves.
ROUTE_LINES: tuple[tuple[str, str, str], ...] = (
    # The REST API.
    ("GET", f"{API}/health", "public"),
    ("POST", f"{API}/auth/token", "public"),  # the user name and password are the credentials
    ("POST", f"{API}/auth/password", "public"),  # likewise (the current password is sent with the new one)
    ("POST", f"{API}/auth/logout", "signed_in"),
    ("GET", f"{API}/me", "signed_in"),
    ("GET", f"{API}/declarations", "declarations.read"),
    ("GET", f"{API}/declarations/{{declaration_id}}", "declarations.read"),
    ("POST", f"{API}/inspections", "inspections.write"),
    ("POST", f"{API}/inspections/{{declaration_id}}/{{item_no}}/corrections", "inspections.write"),
    ("POST", f"{API}/declarations/{{declaration_id}}/items/{{item_no}}/lane", "lanes.change"),
    ("POST", f"{API}/score", "score"),
    ("POST", f"{API}/hs/suggest", "hs.suggest"),
    ("GET", f"{API}/overview", "overview"),
    ("GET", f"{API}/models", "models.read"),
    ("GET", f"{API}/audit", "audit.read"),
    ("GET", f"{API}/audit/verify", "audit.read"),
    # Pages.
    ("GET", "/login", "public"),
    ("POST", "/login", "public"),
    ("POST", "/logout", "signed_in"),
    ("GET", "/password", "signed_in"),
    ("POST", "/password", "signed_in"),
    ("GET", "/", "overview"),
    ("GET", "/declarations", "declarations.read"),
    ("GET", "/declarations/{declaration_id}", "declarations.read"),
    ("POST", "/declarations/{declaration_id}/items/{item_no}/correct", "inspections.write"),
    ("POST", "/declarations/{declaration_id}/items/{item_no}/lane", "lanes.change"),
    ("GET", "/queue", "declarations.read"),
    ("POST", "/queue/record", "inspections.write"),
    ("GET", "/selection", "selections.read"),
    ("POST", "/selection/rules/{name}/disable", "rules.manage"),
    ("GET", "/quality", "quality.read"),
    ("GET", "/quarantine", "quality.read"),
    ("GET", "/models", "models.read"),
    ("GET", "/classify", "hs.suggest"),
    ("GET", "/releases", "releases.read"),
    ("GET", "/forecast", "forecast.read"),
    ("GET", "/performance", "performance.read"),
    ("POST", "/performance/contracts", "performance.manage"),
    ("GET", "/integrity", "integrity.read"),
    ("GET", "/traders", "traders.read"),
    ("GET", "/traders/{key}", "traders.read"),
    ("GET", "/audit-candidates", "pca.read"),
    ("GET", "/audit", "audit.read"),
    ("GET", "/admin/users", "users.admin"),
    ("POST", "/admin/users", "users.admin"),
    ("POST", "/admin/users/{name}/disable", "users.admin"),
    ("POST", "/admin/apikeys", "users.admin"),
    ("POST", "/admin/apikeys/{prefix}/revoke", "users.admin"),
    ("GET", "/static/plotly.min.js", "public"),
    # Served outside the authorisation dependency (the OpenAPI document, static files): public by nature.
    ("GET", f"{API}/openapi.json", "public"),
    ("GET", "/static/{path}", "public"),
)


def _table(lines: tuple[tuple[str, str, str], ...]) -> dict[tuple[str, str], str]:
    table: dict[tuple[str, str], str] = {}
    for method, path, permission in lines:
        if (method, path) in table:
            raise ValueError(f"the route policy lists {method} {path} twice")
        table[(method, path)] = permission
    return table


#: (method, path template) -> permission.
ROUTES: dict[tuple[str, str], str] = _table(ROUTE_LINES)


class RoutePolicyError(RuntimeError):
    """The routes the app serves and the route policy table disagree: the app does not start."""


@dataclass(frozen=True)
class ServedRoute:
    """One (method, path template) the app answers, and the route object that answers it."""

    method: str
    path: str
    route: BaseRoute
    #: whether the app's dependencies (the authorisation check) run on it: FastAPI routes only
    authorized: bool


def served_routes(app: FastAPI) -> list[ServedRoute]:
    """Every (method, path template) ``app`` serves, included routers flattened; HEAD, which Starlette
    adds beside GET, is left out, and a mount counts as GET of ``<prefix>/{path}``."""
    out = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        methods = context.methods or {"GET"}
        path = context.path_format or context.path
        for method in sorted(methods - ({"HEAD"} if "GET" in methods else set())):
            out.append(ServedRoute(method, path, route, isinstance(route, APIRoute)))
    return out


def problems(app: FastAPI, routes: dict[tuple[str, str], str] | None = None) -> list[str]:
    """Every disagreement between what ``app`` serves and the route policy table (empty: they agree)."""
    routes = ROUTES if routes is None else routes
    found, seen = [], set()
    for served in served_routes(app):
        key = (served.method, served.path)
        seen.add(key)
        permission = routes.get(key)
        if permission is None:
            found.append(f"{served.method} {served.path} has no line in the route policy")
        elif permission not in POLICY:
            found.append(f"{served.method} {served.path} needs {permission!r}, which is not a permission of the policy")
        elif not served.authorized and permission != "public":
            found.append(f"{served.method} {served.path} is served outside the authorisation check, so it can only be public")
    found += [f"the route policy lists {m} {p}, which the app does not serve" for m, p in routes if (m, p) not in seen]
    return found


def install(app: FastAPI) -> None:
    """Check ``app``'s routes against the table (refusing to start on any disagreement), hand each
    route its permission for :func:`clearsight.portal.deps.authorize`, and name the permissions in
    the OpenAPI document."""
    found = problems(app)
    if found:
        raise RoutePolicyError(
            f"the portal's routes and clearsight/portal/routes_policy.py disagree: {'; '.join(found)}"
        )
    by_route: dict[tuple[int, str], str] = {}
    for served in served_routes(app):
        permission = ROUTES[(served.method, served.path)]
        if by_route.setdefault((id(served.route), served.method), permission) != permission:
            raise RoutePolicyError(f"{served.method} {served.path}: one route object served under several permissions")
    app.state.route_permissions = by_route
    base_openapi = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            for path, operations in base_openapi()["paths"].items():
                for method, operation in operations.items():
                    operation["x-permission"] = ROUTES[(method.upper(), path)]
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def permission_of(app: FastAPI, route: BaseRoute | None, method: str) -> str | None:
    """The permission ``method`` on the route answering a request needs (None: the route has no line)."""
    if route is None:
        return None
    return getattr(app.state, "route_permissions", {}).get((id(route), method))
