"""Dependencies: the portal's state, who is calling, and the ONE authorisation check every route runs.

Each route's permission is its line in :mod:`clearsight.portal.routes_policy`; :func:`authorize` is
installed on the whole app and refuses a caller whose role lacks it (a route without a line, or an
unknown permission, is refused too: fail closed). Cookie sessions must also present their CSRF token
on every request that changes something.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import Depends, HTTPException, Request
from sqlalchemy import Table

from clearsight.access import audit
from clearsight.access.refusals import RefusalAudit
from clearsight.access.roles import OFFICE_BOUND, allowed
from clearsight.access.security import MAX_API_KEY, MAX_TOKEN, BadCredentials, Principal, read_token, same
from clearsight.access.throttle import CheckLimiter, LoginThrottle
from clearsight.access.users import principal_of_key, principal_of_session
from clearsight.core.settings import Settings
from clearsight.core.store import Store
from clearsight.core.warehouse import Warehouse
from clearsight.portal.routes_policy import permission_of
from clearsight.portal.scoring import ScoringService
from clearsight.portal.settings import PortalSettings

log = logging.getLogger("clearsight.portal")
SESSION_COOKIE = "clearsight_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class NotSignedIn(Exception):
    """No (valid) credentials: the API answers 401, a page redirects to the sign-in form."""

    def __init__(self, message: str = "sign in first") -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Portal:
    """Everything the app shares between requests."""

    settings: Settings
    portal: PortalSettings
    store: Store
    secret: str
    warehouse_obj: Warehouse
    throttle: LoginThrottle
    scoring: ScoringService = field(init=False)
    #: audit entries of the scoring API, with their decisions, committed many requests at a time
    audit_writer: audit.GroupCommit = field(init=False)

    #: password checks running at once (capped: argon2 takes 64 MiB each)
    password_checks: CheckLimiter = field(init=False)
    #: refused requests, counted per client and minute before they reach the audit log
    refusals: RefusalAudit = field(init=False)

    def __post_init__(self) -> None:
        self.scoring = ScoringService(self.settings, self.warehouse, self.store)
        self.audit_writer = audit.GroupCommit(self.store)
        self.throttle.max_entries = self.portal.login_max_entries
        self.password_checks = CheckLimiter(self.portal.login_concurrency)
        self.refusals = RefusalAudit(self.store, self.audit_writer)

    @contextmanager
    def warehouse(self, wait_s: float | None = None) -> Iterator[Warehouse]:
        """The warehouse, one request at a time (an embedded DuckDB connection is not shared across
        threads); a shared DuckDB file is opened for the request and closed after it, waiting up to
        ``wait_s`` (default: the portal's setting) while a command holds it."""
        with self.warehouse_obj.session(wait_s) as wh:
            yield wh


def get_portal(request: Request) -> Portal:
    return request.app.state.portal


def client_of(request: Request) -> str:
    return request.client.host if request.client else ""


def _credentials(request: Request, portal: Portal) -> Principal | None:
    """The caller's identity. Each credential is refused on its length before any work; a token or
    cookie is accepted only while its session is in force in the app store (one query)."""
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    key = request.headers.get("x-api-key")
    if scheme.lower() == "bearer" and value.startswith("cs_"):
        key = value
    if key:
        found = principal_of_key(portal.store, key) if len(key) <= MAX_API_KEY else None
        if found is None:
            raise NotSignedIn("the API key is not valid or has been revoked")
        return found
    if scheme.lower() == "bearer" and value:
        try:
            claims = read_token(portal.secret, value, "access")
        except BadCredentials as exc:
            raise NotSignedIn(str(exc)) from None
        found = principal_of_session(portal.store, claims["sid"], claims["sub"])
        if found is None:
            raise NotSignedIn("the token has been revoked (signed out, or the password changed) or the account disabled")
        return found
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        try:
            claims = read_token(portal.secret, cookie[: MAX_TOKEN + 1], "session")
        except BadCredentials as exc:
            raise NotSignedIn(f"your session has ended ({exc}); sign in again") from None
        found = principal_of_session(portal.store, claims["sid"], claims["sub"])
        if found is None:
            raise NotSignedIn("your session has ended (signed out, password changed or account disabled); sign in again")
        found.via, found.csrf = "session", claims.get("csrf")
        return found
    return None


#: What a user signed in with a one-time password may still do: change it, or sign out.
PASSWORD_CHANGE_ROUTES = frozenset({"page.password", "page.password_submit", "page.logout", "api.logout", "api.me"})


def refuse(request: Request, reason: str, actor: str = "", action: str = "refused") -> None:
    """Count a refused request for the audit log (repeats from one client are summed per minute)."""
    get_portal(request).refusals.note(
        client=client_of(request), actor=actor, action=action, reason=reason, resource=request.url.path,
        method=request.method,
    )


def optional_principal(request: Request) -> Principal | None:
    """The caller, or None when no credentials were sent (bad credentials raise NotSignedIn)."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    found = _credentials(request, get_portal(request))
    request.state.principal = found
    return found


async def authorize(request: Request) -> None:
    """The one check every route runs: the route's permission against the caller's role."""
    permission = permission_of(request.app, request.scope.get("route"), request.method)
    if permission is None:
        raise HTTPException(403, "this route has no line in the route policy, so it is refused")
    if permission == "public":
        return
    try:
        principal = optional_principal(request)
    except NotSignedIn as exc:
        refuse(request, exc.message)
        raise
    if principal is None:
        refuse(request, "sign in first")
        raise NotSignedIn()
    if principal.must_change_password and getattr(request.scope.get("route"), "name", None) not in PASSWORD_CHANGE_ROUTES:
        refuse(request, "one-time password not changed yet", actor=principal.name)
        raise NotSignedIn("you signed in with a one-time password: choose your own on /password first")
    if not allowed(permission, principal.role):
        portal = get_portal(request)
        log.warning("refused %s %s to %s (%s): needs %s", request.method, request.url.path, principal.name, principal.role, permission)
        audit.record(
            portal.store, actor=principal.name, role=principal.role, action="refused", resource=request.url.path,
            filter={"method": request.method, "needs": permission}, client=client_of(request), outcome="refused",
        )
        raise HTTPException(403, f"your role ({principal.role}) may not do this")
    if principal.via == "session" and request.method not in SAFE_METHODS:
        sent = request.headers.get("x-csrf-token")
        if sent is None and "form" in request.headers.get("content-type", ""):
            sent = (await request.form()).get("csrf_token")
        if not sent or not principal.csrf or not same(str(sent), principal.csrf):
            log.warning("refused %s %s to %s: missing or wrong CSRF token", request.method, request.url.path, principal.name)
            refuse(request, "missing or wrong CSRF token", actor=principal.name)
            raise HTTPException(403, "the form's CSRF token is missing or wrong; reload the page and try again")


async def refusal(request: Request) -> NotSignedIn | HTTPException | None:
    """What :func:`authorize` refuses this request with, or None. For answers made before it ran:
    FastAPI reads a JSON body before the route's dependencies, so a body it cannot parse is found first."""
    try:
        await authorize(request)
    except (NotSignedIn, HTTPException) as exc:
        return exc
    return None


def current_principal(request: Request) -> Principal:
    principal = optional_principal(request)
    if principal is None:
        raise NotSignedIn()
    return principal


def office_scope(principal: Principal) -> list[str] | None:
    """Offices the caller is limited to (None: all)."""
    return list(principal.offices) if principal.role in OFFICE_BOUND else None


def audit_read(
    request: Request, principal: Principal, action: str, resource: str, filter: dict | None = None, rows: int = 0,
    outcome: str = "ok",
) -> None:
    """Record a read or write of declaration-level data."""
    audit.record(
        get_portal(request).store, actor=principal.name, role=principal.role, action=action, resource=resource,
        filter=filter, rows=rows, client=client_of(request), outcome=outcome,
    )


def _entry(request: Request, principal: Principal, action: str, resource: str, filter: dict | None, rows: int,
           outcome: str) -> dict[str, Any]:
    """The caller's audit entry, as the portal's group commit takes it."""
    return audit.entry_values(
        actor=principal.name, role=principal.role, action=action, resource=resource, filter=filter, rows=rows,
        client=client_of(request), outcome=outcome,
    )


def audit_saved(
    request: Request, principal: Principal, action: str, resource: str, filter: dict | None,
    also: Sequence[tuple[Table, dict[str, Any]]], rows: int = 1,
) -> None:
    """An audit entry and the rows it accounts for (as (table, values)), committed together through
    the portal's group commit (both or neither), from a route that runs in a thread."""
    values = _entry(request, principal, action, resource, filter, rows, "ok")
    get_portal(request).audit_writer.submit(values, also).result()


async def audit_committed(
    request: Request, principal: Principal, action: str, resource: str, filter: dict | None = None, rows: int = 0,
    outcome: str = "ok", also: Sequence[tuple[Table, dict[str, Any]]] = (),
) -> None:
    """Like :func:`audit_read` (``also``: rows as (table, values)), through the portal's group commit:
    returns once the entry and the rows are committed, without holding a thread while it waits."""
    await get_portal(request).audit_writer.append(_entry(request, principal, action, resource, filter, rows, outcome), also)


PortalDep = Depends(get_portal)
PrincipalDep = Depends(current_principal)
