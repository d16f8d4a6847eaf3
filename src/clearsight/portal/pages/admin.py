"""Users and API keys, for admins. A new password or key is shown once, in the answer that creates it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from clearsight.access import audit, users
from clearsight.access.roles import ROLES
from clearsight.access.security import Principal, new_password
from clearsight.core.errors import UserError
from clearsight.portal.deps import Portal, PortalDep, PrincipalDep, client_of
from clearsight.portal.pages.render import page

router = APIRouter(include_in_schema=False)


def _view(portal: Portal, **shown: str) -> dict:
    return {
        "roles": list(ROLES),
        "users": [
            {"name": u.name, "role": u.role, "offices": list(u.offices or []), "disabled": u.disabled, "created_at": u.created_at}
            for u in users.list_users(portal.store)
        ],
        "api_keys": [
            {"prefix": k.prefix, "name": k.name, "role": k.role, "created_by": k.created_by, "created_at": k.created_at,
             "revoked": k.revoked_at is not None}
            for k in users.list_api_keys(portal.store)
        ],
        **shown,
    }


def _log(request: Request, portal: Portal, principal: Principal, action: str, resource: str, detail: dict | None = None) -> None:
    audit.record(portal.store, actor=principal.name, role=principal.role, action=action, resource=resource, filter=detail, client=client_of(request))


def _offices(text: str | None) -> list[str]:
    return [o.strip() for o in (text or "").replace(";", ",").split(",") if o.strip()]


@router.get("/admin/users", name="page.users")
def users_page(request: Request, portal: Portal = PortalDep, principal: Principal = PrincipalDep) -> Response:
    return page(request, "users.html", _view(portal), title="Users and API keys", principal=principal)


@router.post("/admin/users", name="page.users_add")
def add_user(
    request: Request,
    name: Annotated[str, Form(max_length=64)],
    role: Annotated[str, Form(max_length=16)],
    offices: Annotated[str | None, Form(max_length=512)] = None,
    portal: Portal = PortalDep,
    principal: Principal = PrincipalDep,
) -> Response:
    password = new_password()
    try:
        users.add_user(portal.store, name, role, password, _offices(offices), one_time=True)
    except UserError as exc:
        raise HTTPException(422, str(exc)) from None
    _log(request, portal, principal, "users.add", f"user/{name}", {"role": role, "offices": _offices(offices)})
    data = _view(portal, created_user=name, one_time_password=password)
    return page(request, "users.html", data, title="Users and API keys", principal=principal, status_code=201)


@router.post("/admin/users/{name}/disable", name="page.users_disable")
def disable_user(request: Request, name: str, portal: Portal = PortalDep, principal: Principal = PrincipalDep) -> Response:
    try:
        users.set_disabled(portal.store, name, True)
    except UserError as exc:
        raise HTTPException(404, str(exc)) from None
    _log(request, portal, principal, "users.disable", f"user/{name}")
    return page(request, "users.html", _view(portal), title="Users and API keys", principal=principal)


@router.post("/admin/apikeys", name="page.apikeys_create")
def create_key(
    request: Request,
    name: Annotated[str, Form(max_length=64)],
    role: Annotated[str, Form(max_length=16)] = "service",
    offices: Annotated[str | None, Form(max_length=512)] = None,
    portal: Portal = PortalDep,
    principal: Principal = PrincipalDep,
) -> Response:
    try:
        key, row = users.create_api_key(portal.store, name, role, principal.name, _offices(offices))
    except UserError as exc:
        raise HTTPException(422, str(exc)) from None
    _log(request, portal, principal, "apikeys.create", f"apikey/{row.prefix}", {"name": name, "role": role})
    data = _view(portal, created_key=key)
    return page(request, "users.html", data, title="Users and API keys", principal=principal, status_code=201)


@router.post("/admin/apikeys/{prefix}/revoke", name="page.apikeys_revoke")
def revoke_key(request: Request, prefix: str, portal: Portal = PortalDep, principal: Principal = PrincipalDep) -> Response:
    try:
        row = users.revoke_api_key(portal.store, prefix)
    except UserError as exc:
        raise HTTPException(404, str(exc)) from None
    _log(request, portal, principal, "apikeys.revoke", f"apikey/{row.prefix}")
    return page(request, "users.html", _view(portal), title="Users and API keys", principal=principal)
