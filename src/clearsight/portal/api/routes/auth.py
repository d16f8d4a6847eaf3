"""Sign-in for the API: ``POST /api/v1/auth/token`` (OAuth2 password flow), ``/auth/password`` (choose
one's own password), ``/auth/logout`` and ``GET /api/v1/me``.

Every password check of the portal, pages included, goes through :func:`sign_in`: the attempt is
counted against the client and the user name *before* the check (so guesses sent at once cannot
outrun the throttle), a locked-out caller is refused without anything being stored, and at most
``CLEARSIGHT_PORTAL_LOGIN_CONCURRENCY`` checks run at once (the excess is answered 503 at once).
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, Response

from clearsight.access import audit
from clearsight.access.security import MAX_NAME, MAX_PASSWORD, TOKEN_MINUTES, Principal, issue_token
from clearsight.access.throttle import throttle_keys
from clearsight.access.users import authenticate, change_password, check_password, end_session, start_session
from clearsight.core.errors import UserError
from clearsight.portal.deps import Portal, PortalDep, PrincipalDep, client_of, refuse
from clearsight.portal.schemas import TokenOut

router = APIRouter(tags=["auth"])
log = logging.getLogger("clearsight.portal")

UserName = Annotated[str, Form(max_length=MAX_NAME, description="The user name.")]
Password = Annotated[str, Form(max_length=MAX_PASSWORD, description="The password.")]
ONE_TIME = "{} has a one-time password: choose your own first, on /password or with POST /api/v1/auth/password"


def sign_in(request: Request, portal: Portal, username: str, password: str) -> Principal:
    """Check a password, throttled and capped (see the module's text); the password is never logged."""
    client = client_of(request)
    keys = throttle_keys(client, username)
    wait = portal.throttle.begin(*keys)
    if wait:
        log.warning("sign-in throttled for %r from %s", username, client)
        refuse(request, "too many failed sign-ins", actor=username, action="sign_in")
        raise HTTPException(429, f"too many failed sign-ins; try again in {wait} s", headers={"Retry-After": str(wait)})
    if not portal.password_checks.try_acquire():
        portal.throttle.succeeded(*keys)  # never checked: it does not count
        log.warning("sign-in for %r from %s refused: password checks already at the limit", username, client)
        refuse(request, "too many password checks at once", actor=username, action="sign_in")
        raise HTTPException(503, "too many sign-ins are being checked at this moment; try again in a second",
                            headers={"Retry-After": "1"})
    try:
        principal = authenticate(portal.store, username, password)
    except Exception:
        portal.throttle.succeeded(*keys)
        raise
    finally:
        portal.password_checks.release()
    if principal is None:
        portal.throttle.failed(*keys)
        log.warning("failed sign-in for %r from %s", username, client)
        refuse(request, "wrong user name or password", actor=username, action="sign_in")
        raise HTTPException(401, "wrong user name or password", headers={"WWW-Authenticate": "Bearer"})
    portal.throttle.succeeded(*keys)
    audit.record(portal.store, actor=principal.name, role=principal.role, action="sign_in", resource="auth", client=client)
    return principal


def open_session(request: Request, portal: Portal, principal: Principal, kind: str = "access", minutes: int = TOKEN_MINUTES) -> str:
    """A token (``kind`` access) or cookie value (``kind`` session) bound to a new app-store session."""
    principal.session_id = start_session(portal.store, principal.name, kind, minutes, client_of(request))
    return issue_token(portal.secret, principal, minutes=minutes, kind=kind)


def check_new_password(current: str, new: str) -> None:
    """HTTPException 422 with a plain message when ``new`` may not replace ``current`` (checked before
    the current password, so a bad choice costs no password check)."""
    if new == current:
        raise HTTPException(422, "the new password must differ from the current one")
    try:
        check_password(new)
    except UserError as exc:
        raise HTTPException(422, str(exc)) from None


def set_own_password(request: Request, portal: Portal, principal: Principal, new: str) -> None:
    """Replace the signed-in user's password: every session and token of the user ends."""
    change_password(portal.store, principal.name, new)
    principal.must_change_password = False
    audit.record(portal.store, actor=principal.name, role=principal.role, action="password.change",
                 resource=f"user/{principal.name}", client=client_of(request))


@router.post("/auth/token", name="api.token", response_model=TokenOut)
def token(request: Request, username: UserName, password: Password, portal: Portal = PortalDep) -> TokenOut:
    """A short-lived bearer token (JWT) for a user name and password (refused, 403, while the password
    is a one-time password)."""
    principal = sign_in(request, portal, username, password)
    if principal.must_change_password:
        raise HTTPException(403, ONE_TIME.format(principal.name))
    return TokenOut(access_token=open_session(request, portal, principal))


@router.post("/auth/password", name="api.password", response_model=TokenOut)
def password(
    request: Request, username: UserName, password: Password,
    new_password: Annotated[str, Form(max_length=MAX_PASSWORD, description="The password to use from now on.")],
    portal: Portal = PortalDep,
) -> TokenOut:
    """Choose a new password (a one-time password must be replaced this way or on /password): every
    earlier token and session of the user ends; the answer is a token for the new one."""
    check_new_password(password, new_password)
    principal = sign_in(request, portal, username, password)
    set_own_password(request, portal, principal, new_password)
    return TokenOut(access_token=open_session(request, portal, principal))


@router.post("/auth/logout", name="api.logout", status_code=204)
def logout(request: Request, principal: Principal = PrincipalDep, portal: Portal = PortalDep) -> Response:
    """End the token's (or cookie's) session: it is refused from the next request on."""
    if principal.session_id is None:
        raise HTTPException(400, "an API key has no session to end; revoke the key instead (clearsight apikeys revoke)")
    end_session(portal.store, principal.session_id)
    return Response(status_code=204)


@router.get("/me", name="api.me")
def me(principal: Principal = PrincipalDep) -> dict:
    """Who the credentials belong to."""
    return {"name": principal.name, "role": principal.role, "offices": principal.offices, "via": principal.via}
