"""``POST /api/v1/auth/token`` (OAuth2 password flow) and ``GET /api/v1/me``."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.security import OAuth2PasswordRequestForm

from clearsight.access import audit
from clearsight.access.security import Principal, issue_token
from clearsight.access.users import authenticate
from clearsight.portal.deps import Portal, PortalDep, PrincipalDep, client_of
from clearsight.portal.schemas import TokenOut

router = APIRouter(tags=["auth"])
log = logging.getLogger("clearsight.portal")


def sign_in(request: Request, portal: Portal, username: str, password: str) -> Principal:
    """Check a password, throttling failures per user name and per client; the password is never logged."""
    client = client_of(request)
    keys = (f"user:{username}", f"client:{client}")
    wait = portal.throttle.retry_after(*keys)
    if wait:
        log.warning("sign-in throttled for %r from %s", username[:64], client)
        raise HTTPException(429, f"too many failed sign-ins; try again in {wait} s", headers={"Retry-After": str(wait)})
    principal = authenticate(portal.store, username, password)
    if principal is None:
        portal.throttle.failed(*keys)
        log.warning("failed sign-in for %r from %s", username[:64], client)
        audit.record(portal.store, actor=username[:64], role="", action="sign_in", resource="auth", client=client, outcome="refused")
        raise HTTPException(401, "wrong user name or password", headers={"WWW-Authenticate": "Bearer"})
    audit.record(portal.store, actor=principal.name, role=principal.role, action="sign_in", resource="auth", client=client)
    return principal


@router.post("/auth/token", name="api.token", response_model=TokenOut)
def token(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()], portal: Portal = PortalDep) -> TokenOut:
    """A short-lived bearer token (JWT) for a user name and password."""
    principal = sign_in(request, portal, form.username, form.password)
    return TokenOut(access_token=issue_token(portal.secret, principal))


@router.get("/me", name="api.me")
def me(principal: Principal = PrincipalDep) -> dict:
    """Who the credentials belong to."""
    return {"name": principal.name, "role": principal.role, "offices": principal.offices, "via": principal.via}
