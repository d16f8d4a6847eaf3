"""Sign-in and sign-out for people (cookie session with a CSRF token); machines use the API."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from clearsight.access.security import SESSION_MINUTES, Principal, issue_token
from clearsight.portal.api.routes.auth import sign_in
from clearsight.portal.deps import SESSION_COOKIE, Portal, PortalDep, PrincipalDep
from clearsight.portal.pages.render import page

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only local paths: a sign-in link cannot send the user to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login", name="page.login")
def login_form(request: Request, next: str | None = None) -> Response:
    return page(request, "login.html", {"next": _safe_next(next)}, title="Sign in")


@router.post("/login", name="page.login_submit")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=128)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str | None, Form(max_length=512)] = None,
    portal: Portal = PortalDep,
) -> Response:
    try:
        principal = sign_in(request, portal, username, password)
    except HTTPException as exc:
        data = {"next": _safe_next(next), "error": exc.detail}
        return page(request, "login.html", data, title="Sign in", status_code=exc.status_code)
    principal.csrf = secrets.token_urlsafe(24)
    cookie = issue_token(portal.secret, principal, minutes=SESSION_MINUTES, kind="session")
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE, cookie, max_age=SESSION_MINUTES * 60, httponly=True, samesite="lax",
        secure=portal.portal.secure_cookies, path="/",
    )
    return response


@router.post("/logout", name="page.logout")
def logout(request: Request, principal: Principal = PrincipalDep) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
