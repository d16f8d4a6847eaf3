"""Dependencies: the portal's state, who is calling, and the ONE authorisation check every route runs.

Each route's permission is its line in :mod:`clearsight.portal.routes_policy`; :func:`authorize` is
installed on the whole app and refuses a caller whose role lacks it (a route without a line, or an
unknown permission, is refused too: fail closed). Cookie sessions must also present their CSRF token
on every request that changes something.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import Depends, HTTPException, Request
from sqlalchemy import Table

from clearsight.access import audit
from clearsight.access.roles import OFFICE_BOUND, allowed
from clearsight.access.security import BadCredentials, Principal, read_token, same
from clearsight.access.store import Store
from clearsight.access.users import principal_of, principal_of_key
from clearsight.config import Settings
from clearsight.portal.routes_policy import permission_of
from clearsight.portal.scoring import ScoringService
from clearsight.portal.settings import PortalSettings
from clearsight.warehouse import Warehouse

log = logging.getLogger("clearsight.portal")
SESSION_COOKIE = "clearsight_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class NotSignedIn(Exception):
    """No (valid) credentials: the API answers 401, a page redirects to the sign-in form."""

    def __init__(self, message: str = "sign in first") -> None:
        super().__init__(message)
        self.message = message


class LoginThrottle:
    """Failed sign-ins per user name and per client address in a sliding window."""

    def __init__(self, limit: int, window_s: int) -> None:
        self.limit, self.window = limit, window_s
        self._fails: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._fails[key]
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def retry_after(self, *keys: str) -> int:
        """Seconds to wait if any key has used up its failures, else 0."""
        now = time.monotonic()
        with self._lock:
            waits = [int(q[0] + self.window - now) + 1 for k in keys if len(q := self._recent(k, now)) >= self.limit]
        return max(waits, default=0)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)


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
    _wh_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.scoring = ScoringService(self.settings, self.warehouse, self.store)
        self.audit_writer = audit.GroupCommit(self.store)

    @contextmanager
    def warehouse(self) -> Iterator[Warehouse]:
        """The warehouse, one request at a time (an embedded DuckDB connection is not shared across threads)."""
        with self._wh_lock:
            yield self.warehouse_obj


def get_portal(request: Request) -> Portal:
    return request.app.state.portal


def client_of(request: Request) -> str:
    return request.client.host if request.client else ""


def _credentials(request: Request, portal: Portal) -> Principal | None:
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    key = request.headers.get("x-api-key")
    if scheme.lower() == "bearer" and value.startswith("cs_"):
        key = value
    if key:
        found = principal_of_key(portal.store, key)
        if found is None:
            raise NotSignedIn("the API key is not valid or has been revoked")
        return found
    if scheme.lower() == "bearer" and value:
        try:
            claims = read_token(portal.secret, value, "access")
        except BadCredentials as exc:
            raise NotSignedIn(str(exc)) from None
        found = principal_of(portal.store, claims["sub"])
        if found is None:
            raise NotSignedIn("the account is disabled or no longer exists")
        return found
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        try:
            claims = read_token(portal.secret, cookie, "session")
        except BadCredentials as exc:
            raise NotSignedIn(f"your session has ended ({exc}); sign in again") from None
        found = principal_of(portal.store, claims["sub"])
        if found is None:
            raise NotSignedIn("the account is disabled or no longer exists")
        found.via, found.csrf = "session", claims.get("csrf")
        return found
    return None


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
    principal = optional_principal(request)
    if principal is None:
        raise NotSignedIn()
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
            raise HTTPException(403, "the form's CSRF token is missing or wrong; reload the page and try again")


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


async def audit_committed(
    request: Request, principal: Principal, action: str, resource: str, filter: dict | None = None, rows: int = 0,
    outcome: str = "ok", also: Sequence[tuple[Table, dict[str, Any]]] = (),
) -> None:
    """Like :func:`audit_read` (``also``: rows as (table, values)), through the portal's group commit:
    returns once the entry and the rows are committed, without holding a thread while it waits."""
    values = audit.entry_values(
        actor=principal.name, role=principal.role, action=action, resource=resource, filter=filter, rows=rows,
        client=client_of(request), outcome=outcome,
    )
    await get_portal(request).audit_writer.append(values, also)


PortalDep = Depends(get_portal)
PrincipalDep = Depends(current_principal)
