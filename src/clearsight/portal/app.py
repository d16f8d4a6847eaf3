"""The portal app: one FastAPI object with the REST API under ``/api/v1`` and the pages.

Errors are answered plainly: the right status and one sentence (JSON for the API, a page for
people), never a traceback and never a secret.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from clearsight.access.security import secret_key
from clearsight.core.settings import Settings
from clearsight.core.store import Store, open_store
from clearsight.core.warehouse import Warehouse, WarehouseBusy, open_shared
from clearsight.core.workspace import Workspace
from clearsight.portal import routes_policy
from clearsight.portal.api.routes import audit as audit_api
from clearsight.portal.api.routes import auth, declarations, health, overview, score
from clearsight.portal.api.routes import hs as hs_api
from clearsight.portal.deps import LoginThrottle, NotSignedIn, Portal, authorize, optional_principal, refusal
from clearsight.portal.pages import admin, audit, classify, models, quality, queue, releases, selection
from clearsight.portal.pages import auth as auth_pages
from clearsight.portal.pages import declarations as declaration_pages
from clearsight.portal.pages import forecast as forecast_page
from clearsight.portal.pages import overview as overview_page
from clearsight.portal.pages import performance as performance_page
from clearsight.portal.pages import quarantine as quarantine_page
from clearsight.portal.pages import traders as trader_pages
from clearsight.portal.pages.render import page, wants_json
from clearsight.portal.settings import PortalSettings

log = logging.getLogger("clearsight.portal")
STATIC = Path(__file__).parent / "static"
API = "/api/v1"


def _replay(body: bytes, receive):
    """An ASGI ``receive`` that hands a body already read to the app, then listens to the client again."""
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class BodyLimit:
    """Refuse request bodies above ``max_bytes`` with 413 before any route reads them."""

    def __init__(self, app, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    def _too_big(self) -> JSONResponse:
        return JSONResponse({"detail": f"the request body is larger than {self.max_bytes:,} bytes"}, status_code=413)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = next((v for k, v in scope.get("headers") or () if k == b"content-length"), None)
        too_big = self._too_big
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            return await too_big()(scope, receive, send)
        if length is not None:
            return await self.app(scope, receive, send)
        chunks, size = [], 0  # no length given: read up to the limit, then replay
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                return await too_big()(scope, receive, send)
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        return await self.app(scope, _replay(body, receive), send)


#: Never meaningful in a path or a query value: C0 controls (NUL first), DEL and C1 controls.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
#: In a form value, a line break or tab may be text; the other control characters never are.
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _control_in(pairs: list[tuple[str, str]], pattern: re.Pattern[str]) -> str | None:
    for name, value in pairs:
        for part, text in (("name", name), ("value", value)):
            found = pattern.search(text)
            if found:
                shown = name if part == "value" and not _CONTROL.search(name) else "?"
                return f"{part} of {shown!r} holds control character U+{ord(found.group()):04X} at position {found.start() + 1}"
    return None


class RefuseControlCharacters:
    """Answer 400 (one line) to a request whose path, query or form (URL-encoded) fields hold a control
    character where none can be meaningful, before any route, sign-in check or database sees it: such
    text reaches engines that cannot carry it (a NUL ends a C string), so refusing at the door covers
    every route at once."""

    def __init__(self, app) -> None:
        self.app = app

    @staticmethod
    def _refuse(scope, why: str) -> Response:
        log.warning("refused %s %s: %s", scope.get("method"), _CONTROL.sub("?", scope.get("path", "")), why)
        message = f"the request's {why}; remove it and try again"
        headers = dict(scope.get("headers") or ())
        accept = headers.get(b"accept", b"").decode("latin-1")
        if scope.get("path", "").startswith(API) or ("application/json" in accept and "text/html" not in accept):
            return JSONResponse({"detail": message}, status_code=400)
        return PlainTextResponse(message, status_code=400)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        if found := _CONTROL.search(path):
            why = f"path holds control character U+{ord(found.group()):04X} at position {found.start() + 1}"
            return await self._refuse(scope, why)(scope, receive, send)
        query = parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace"), keep_blank_values=True, errors="replace")
        if why := _control_in(query, _CONTROL):
            return await self._refuse(scope, f"query {why}")(scope, receive, send)
        content_type = dict(scope.get("headers") or ()).get(b"content-type", b"").split(b";")[0].strip().lower()
        if content_type != b"application/x-www-form-urlencoded":
            return await self.app(scope, receive, send)
        chunks = []  # the body is bounded by BodyLimit, which runs first
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return await self.app(scope, receive, send)  # the client went away
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        form = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, errors="replace")
        if why := _control_in(form, _CONTROL_IN_TEXT):
            return await self._refuse(scope, f"form field {why}")(scope, receive, send)
        return await self.app(scope, _replay(body, receive), send)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API) or wants_json(request)


def _error(request: Request, status: int, message: str, headers: dict | None = None) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    try:
        principal = optional_principal(request)
    except NotSignedIn:
        principal = None
    return page(request, "error.html", {"status": status, "detail": message}, title="Error", principal=principal, status_code=status)


def _field(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form")]
    return ".".join(parts) or "request"


def install_errors(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if exc.message != "sign in first":  # credentials were sent but refused (never logged themselves)
            log.warning("refused %s %s from %s: %s", request.method, request.url.path, request.client.host if request.client else "", exc.message)
        if _is_api(request):
            return JSONResponse({"detail": exc.message}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={target}" if request.method == "GET" else "/login", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error(request, exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        # A body FastAPI cannot parse is found before the permission check: a caller who may not use
        # the route is told that, not what the route expects.
        refused = await refusal(request)
        if isinstance(refused, NotSignedIn):
            return await not_signed_in(request, refused)
        if refused is not None:
            return await http_error(request, refused)
        errors = [{"field": _field(e["loc"]), "message": e["msg"]} for e in exc.errors()]
        message = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        if _is_api(request):
            return JSONResponse({"detail": message, "errors": errors}, status_code=422)
        return _error(request, 422, message)

    @app.exception_handler(WarehouseBusy)
    async def warehouse_busy(request: Request, exc: WarehouseBusy) -> Response:
        log.warning("%s %s waited for the warehouse in vain: %s", request.method, request.url.path, exc)
        return _error(request, 503, f"{exc}; try again in a moment", {"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> Response:
        log.error("internal error on %s %s: %s", request.method, request.url.path, type(exc).__name__, exc_info=exc)
        return _error(request, 500, "internal error; the administrator will find the details in the server log")


@cache
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def create_app(
    settings: Settings | None = None, *, store: Store | None = None, warehouse: Warehouse | None = None,
    portal_settings: PortalSettings | None = None,
) -> FastAPI:
    """The portal for ``settings``'s workspace (a store or warehouse may be passed in, e.g. by tests)."""
    settings = settings or Settings()
    Workspace(settings).create()
    portal_settings = portal_settings or PortalSettings()
    state = Portal(
        settings=settings,
        portal=portal_settings,
        store=store or open_store(settings),
        secret=secret_key(settings),
        # A DuckDB file is opened per request and closed after it: commands can use it meanwhile.
        warehouse_obj=warehouse or open_shared(settings.warehouse_url, wait_s=portal_settings.warehouse_wait_s, on_wait=log.warning),
        throttle=LoginThrottle(portal_settings.login_failures, portal_settings.login_window_s),
    )
    app = FastAPI(
        title="clearsight",
        version="1",
        description="Customs data analytics: real-time scoring, declarations, inspections, audit.",
        openapi_url=f"{API}/openapi.json",
        docs_url=None,  # the Swagger page fetches its JavaScript from a CDN: not on a customs network
        redoc_url=None,
        dependencies=[Depends(authorize)],
    )
    app.state.portal = state
    api = APIRouter(prefix=API)
    for module in (health, auth, declarations, score, hs_api, overview, audit_api):
        api.include_router(module.router)
    app.include_router(api)
    for module in (
        auth_pages, overview_page, declaration_pages, queue, selection, quality, quarantine_page, models, classify, releases, forecast_page, performance_page, trader_pages, audit, admin
    ):
        app.include_router(module.router)

    @app.get("/static/plotly.min.js", name="static.plotly", include_in_schema=False)
    def plotly_js() -> Response:
        return Response(_plotly_js(), media_type="application/javascript", headers={"Cache-Control": "max-age=86400"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    routes_policy.install(app)  # every route has its line in the route policy, or the portal does not start
    install_errors(app)
    app.add_middleware(RefuseControlCharacters)
    app.add_middleware(BodyLimit, max_bytes=portal_settings.max_body_bytes)  # added last: runs first
    return app
