"""Sign-in, password change and sign-out for people (cookie session with a CSRF token); machines use the API.

A session lives in the app store as well as in its cookie: signing out, changing or resetting the
password ends it on the server, so a copied cookie stops working too. Someone signed in with a
one-time password is sent to /password and can do nothing else until they have chosen their own.
"""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from clearsight.access import audit
from clearsight.access.security import MAX_NAME, MAX_PASSWORD, SESSION_MINUTES, Principal
from clearsight.access.users import end_session
from clearsight.portal.api.routes.auth import check_new_password, open_session, set_own_password, sign_in
from clearsight.portal.deps import (
    SESSION_COOKIE,
    NotSignedIn,
    Portal,
    PortalDep,
    PrincipalDep,
    client_of,
    optional_principal,
)
from clearsight.portal.pages.render import page

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only local paths: a sign-in link cannot send the user to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _password_url(next: str) -> str:
    """The password page, coming back to ``next`` (already made safe) once the password is chosen."""
    return f"/password?next={quote(next, safe='/?=&')}"


def _with_session(request: Request, portal: Portal, principal: Principal, target: str) -> Response:
    """Redirect to ``target`` with a new session cookie (and a new CSRF token) for ``principal``."""
    principal.csrf = secrets.token_urlsafe(24)
    cookie = open_session(request, portal, principal, kind="session", minutes=SESSION_MINUTES)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE, cookie, max_age=SESSION_MINUTES * 60, httponly=True, samesite="lax",
        secure=portal.portal.secure_cookies, path="/",
    )
    return response


@router.get("/login", name="page.login")
def login_form(request: Request, next: str | None = None) -> Response:
    try:
        signed_in = optional_principal(request)
    except NotSignedIn:
        signed_in = None
    if signed_in is not None and signed_in.must_change_password:
        return RedirectResponse(_password_url(_safe_next(next)), status_code=303)
    return page(request, "login.html", {"next": _safe_next(next)}, title="Sign in")


@router.post("/login", name="page.login_submit")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=MAX_NAME)],
    password: Annotated[str, Form(max_length=MAX_PASSWORD)],
    next: Annotated[str | None, Form(max_length=512)] = None,
    portal: Portal = PortalDep,
) -> Response:
    try:
        principal = sign_in(request, portal, username, password)
    except HTTPException as exc:
        data = {"next": _safe_next(next), "error": exc.detail}
        return page(request, "login.html", data, title="Sign in", status_code=exc.status_code)
    if principal.must_change_password:
        return _with_session(request, portal, principal, _password_url(_safe_next(next)))
    return _with_session(request, portal, principal, _safe_next(next))


def _people_only(principal: Principal) -> None:
    if principal.via == "apikey":
        raise HTTPException(400, "an API key has no password; revoke it and create another instead (clearsight apikeys)")


def _password_page(request: Request, principal: Principal, next: str | None, error: str | None = None, status: int = 200) -> Response:
    data = {"next": _safe_next(next), "one_time": principal.must_change_password, "error": error}
    return page(request, "password.html", data, title="Change your password", principal=principal, status_code=status)


@router.get("/password", name="page.password")
def password_form(request: Request, next: str | None = None, principal: Principal = PrincipalDep) -> Response:
    _people_only(principal)
    return _password_page(request, principal, next)


@router.post("/password", name="page.password_submit")
def password_change(
    request: Request,
    current: Annotated[str, Form(max_length=MAX_PASSWORD)],
    new: Annotated[str, Form(max_length=MAX_PASSWORD)],
    confirm: Annotated[str, Form(max_length=MAX_PASSWORD)],
    next: Annotated[str | None, Form(max_length=512)] = None,
    portal: Portal = PortalDep,
    principal: Principal = PrincipalDep,
) -> Response:
    """Check the current password (throttled like a sign-in), set the new one, end every other session."""
    _people_only(principal)
    try:
        if new != confirm:
            raise HTTPException(422, "the new password and its confirmation differ")
        check_new_password(current, new)
        sign_in(request, portal, principal.name, current)
    except HTTPException as exc:
        return _password_page(request, principal, next, str(exc.detail), exc.status_code)
    set_own_password(request, portal, principal, new)
    return _with_session(request, portal, principal, _safe_next(next))


@router.post("/logout", name="page.logout")
def logout(request: Request, principal: Principal = PrincipalDep, portal: Portal = PortalDep) -> Response:
    if principal.session_id is not None:
        end_session(portal.store, principal.session_id)
    audit.record(portal.store, actor=principal.name, role=principal.role, action="sign_out", resource="auth",
                 client=client_of(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
