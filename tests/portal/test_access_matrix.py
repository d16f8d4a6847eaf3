"""Every route the portal serves, called as every kind of caller: the status the route policy promises,
and answers that hold only what the caller may see.

Routes come from the app itself (the OpenAPI document for the API, the app's route list for pages,
forms and static files), so a new route is called here the day it is added, and one missing from the
route policy table fails the suite. Expected statuses come from the table (route -> permission) and
:data:`~clearsight.access.roles.POLICY` (permission -> roles); identifiers that must not appear come
from the warehouse, read here with plain SQL.

Callers: one user per role (bearer token), the clearance system's API key, nobody, and credentials
that must be refused however privileged their owner: a token signed with another key, an expired
token, a revoked API key, and the same forgery and expiry for a page session cookie.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import jwt
import pytest
from argon2 import PasswordHasher
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from clearsight.access import security
from clearsight.access.roles import ROLES, allowed
from clearsight.access.users import add_user, create_api_key, revoke_api_key
from clearsight.core.store import open_store
from clearsight.core.workspace import Workspace
from clearsight.entities import entity_of_party, resolve_warehouse
from clearsight.portal.app import create_app
from clearsight.portal.queries import record_inspection
from clearsight.portal.routes_policy import ROUTES
from clearsight.rules.profiles import Rule
from clearsight.rules.store import add_rules
from clearsight.selectivity import lane_decisions
from portal_live import OFFICE, OTHER_OFFICE, decide_lane, password_of, sample_declaration, workspace

API = "/api/v1/"
SESSION_COOKIE = "clearsight_session"
#: Credentials refused whoever they belong to (they are all made from an admin's).
REFUSED_CREDENTIALS = ("anonymous", "forged-token", "expired-token", "revoked-key", "forged-session", "expired-session")
#: Routes acting on the caller's own account or session (signing out, changing one's password).
OWN_ACCOUNT = frozenset({("POST", "/logout"), ("POST", "/api/v1/auth/logout"), ("POST", "/password")})
#: What an API key (it has no password and no session) is answered on routes acting on one's own account.
KEY_ANSWERS = {("POST", "/api/v1/auth/logout"): 400, ("GET", "/password"): 400, ("POST", "/password"): 400}
#: Routes whose answer to a successful call is a redirect to the sign-in form.
SIGNS_OUT = frozenset({("POST", "/logout")})
ATOM = re.compile(r"[A-Za-z0-9]+")
HYPHENATED = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+")


@dataclass
class World:
    """The portal under test and the facts of its synthetic warehouse."""

    client: TestClient
    app: object
    store: object
    offices: set[str]
    declaration_ids: set[str]
    trader_ids: set[str]
    own_declaration: str
    other_declaration: str
    #: entities (trader pages) with declarations in the officer's office, and with none there
    own_trader: str
    other_trader: str
    #: uninspected items (declaration_id, item_no) per office, handed out one per recording call
    uninspected: dict[str, list[tuple[str, int]]]
    credentials: dict[str, dict] = field(default_factory=dict)
    #: what refused callers aim at (a user, an API key prefix, a rule; an item per office): it must stay as it is
    untouched: dict[str, str] = field(default_factory=dict)
    untouched_items: dict[str, tuple[str, int]] = field(default_factory=dict)
    counter: itertools.count = field(default_factory=itertools.count)

    def fresh(self, prefix: str) -> str:
        return f"{prefix}-{next(self.counter)}"


def _facts(warehouse: Path) -> dict:
    """Identifiers of the synthetic world, read straight from the warehouse file."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        def column(sql: str) -> list:
            return [r[0] for r in con.execute(sql).fetchall()]

        uninspected = {}
        for office in (OFFICE, OTHER_OFFICE):
            uninspected[office] = con.execute(
                "SELECT d.declaration_id, d.item_no FROM declarations d ANTI JOIN inspections i "
                "USING (declaration_id, item_no) WHERE d.office_id = ? ORDER BY 1, 2 LIMIT 40", [office]
            ).fetchall()
        return {
            "offices": set(column("SELECT DISTINCT office_id FROM declarations")),
            "declaration_ids": set(column("SELECT DISTINCT declaration_id FROM declarations")),
            "trader_ids": set(column(
                "SELECT importer_id FROM declarations UNION SELECT declarant_id FROM declarations "
                "UNION SELECT seller_id FROM declarations UNION SELECT party_id FROM parties"
            )) - {None},
            "own": column(f"SELECT declaration_id FROM declarations WHERE office_id = '{OFFICE}' ORDER BY 1 LIMIT 1")[0],
            "other": column(f"SELECT declaration_id FROM declarations WHERE office_id = '{OTHER_OFFICE}' ORDER BY 1 LIMIT 1")[0],
            "importer": column("SELECT importer_id FROM declarations GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")[0],
            "own_importer": column(
                f"SELECT importer_id FROM declarations WHERE office_id = '{OFFICE}' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
            )[0],
            # an importer none of whose declarations, as importer, declarant or seller, is the officer's office's
            "other_importer": column(
                f"SELECT importer_id FROM declarations WHERE office_id = '{OTHER_OFFICE}' EXCEPT "
                f"SELECT unnest([importer_id, declarant_id, seller_id]) FROM declarations WHERE office_id = '{OFFICE}' "
                "ORDER BY 1 LIMIT 1"
            )[0],
            "uninspected": uninspected,
        }
    finally:
        con.close()


def _resign(token: str, key: str, **changes) -> str:
    claims = {**jwt.decode(token, options={"verify_signature": False}), **changes}
    return jwt.encode(claims, key, algorithm="HS256")


@pytest.fixture(scope="module")
def world(model_home, tmp_path_factory):
    # Passwords stay argon2 hashes, made with its cheapest parameters here: the matrix signs in about a
    # hundred times, and it tests who may do what, not how costly a password is to guess.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(security, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        yield _world(model_home, tmp_path_factory)


def _world(model_home, tmp_path_factory) -> World:
    settings = workspace(model_home, tmp_path_factory.mktemp("matrix-home"))
    facts = _facts(settings.home / "warehouse.duckdb")
    wh = Workspace(settings).open_warehouse()
    try:  # the trader pages read the entities of a resolution
        resolve_warehouse(wh)
        traders = {k: entity_of_party(wh, facts[f"{k}_importer"]) for k in ("own", "other")}
    finally:
        wh.close()
    assert all(traders.values()), traders
    store = open_store(settings)
    for role in ROLES:
        add_user(store, role, role, password_of(role), [OFFICE] if role == "officer" else [])
    service_key, _ = create_api_key(store, "clearance-system", "service", "tests")
    revoked_key, revoked_row = create_api_key(store, "retired-etl", "admin", "tests")
    # What refused callers aim at: it must still be there, untouched, at the end.
    add_user(store, "untouchable", "analyst", password_of("untouchable"), [])
    _, kept_key = create_api_key(store, "kept-key", "service", "tests")
    add_rules(store, [
        Rule(name="kept-rule", lane="red", reason="refused callers aim at it", importers=[facts["importer"]]),
    ])
    app = create_app(settings, store=store)
    client = TestClient(app, follow_redirects=False)
    w = World(
        client=client, app=app, store=store, offices=facts["offices"], declaration_ids=facts["declaration_ids"],
        trader_ids=facts["trader_ids"], own_declaration=facts["own"], other_declaration=facts["other"],
        own_trader=traders["own"], other_trader=traders["other"],
        uninspected={o: list(items) for o, items in facts["uninspected"].items()},
    )
    w.untouched = {"user": "untouchable", "key": kept_key.prefix, "rule": "kept-rule"}
    w.untouched_items = {o: w.uninspected[o].pop() for o in (OFFICE, OTHER_OFFICE)}
    for role in ROLES:
        w.credentials[role] = {"headers": {"Authorization": f"Bearer {sign_in(client, role)}"}}
    w.credentials["service-key"] = {"headers": {"X-API-Key": service_key}}
    secret = app.state.portal.secret
    admin_token = w.credentials["admin"]["headers"]["Authorization"].split()[1]
    past = int((dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).timestamp())
    login = client.post("/login", data={"username": "admin", "password": password_of("admin")})
    session = login.cookies[SESSION_COOKIE]
    # Each refused credential below differs from a working one only by its signature, expiry or revocation.
    for working in ({"Authorization": f"Bearer {admin_token}"}, {"Cookie": f"{SESSION_COOKIE}={session}"},
                    {"X-API-Key": revoked_key}):
        assert send(w, "GET", "/api/v1/me", headers=working).json()["role"] == "admin"
    revoke_api_key(store, revoked_row.prefix)
    w.credentials.update({
        "anonymous": {},
        "forged-token": {"headers": {"Authorization": f"Bearer {_resign(admin_token, 'not-the-portal-secret-' * 3)}"}},
        "expired-token": {"headers": {"Authorization": f"Bearer {_resign(admin_token, secret, exp=past)}"}},
        "revoked-key": {"headers": {"X-API-Key": revoked_key}},
        "forged-session": {"headers": {"Cookie": f"{SESSION_COOKIE}={_resign(session, 'not-the-portal-secret-' * 3)}"}},
        "expired-session": {"headers": {"Cookie": f"{SESSION_COOKIE}={_resign(session, secret, exp=past)}"}},
    })
    return w


def send(w: World, method: str, url: str, **kwargs):
    """One request carrying only the credentials given (no cookie kept from an earlier answer)."""
    w.client.cookies.clear()
    return w.client.request(method, url, **kwargs)


def sign_in(client: TestClient, name: str) -> str:
    r = client.post("/api/v1/auth/token", data={"username": name, "password": password_of(name)})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def role_of(caller: str) -> str | None:
    return "service" if caller == "service-key" else caller if caller in ROLES else None


# --- What each route is called with -------------------------------------------------------------

@dataclass
class Call:
    """One request: ``variant`` names which of the world's objects it aims at (``own`` office, ``other``)."""

    method: str
    template: str
    variant: str = "own"
    path_values: dict = field(default_factory=dict)
    body: dict = field(default_factory=dict)
    #: identifiers the caller sent (an answer may echo them)
    sent: set[str] = field(default_factory=set)

    @property
    def url(self) -> str:
        return self.template.format(**self.path_values)


@dataclass
class Aim:
    """What one request aims at: ``variant`` ``own`` (the officer's office) or ``other``; ``consumes``:
    the caller may do it, so it gets an object of its own (a refused one aims at the untouched ones);
    ``account``: the caller's own account, for routes acting on it (None: the caller has none)."""

    variant: str = "own"
    consumes: bool = False
    account: str | None = None


def _item(w: World, aim: Aim) -> tuple[str, int]:
    office = OFFICE if aim.variant == "own" else OTHER_OFFICE
    return w.uninspected[office].pop() if aim.consumes else w.untouched_items[office]


def _account(w: World, prefix: str, role: str = "analyst") -> str:
    name = w.fresh(prefix)
    add_user(w.store, name, role, password_of(name), [OFFICE] if role == "officer" else [])
    return name


def _fresh_user(w: World, aim: Aim) -> str:
    return _account(w, "leaver") if aim.consumes else w.untouched["user"]


def _fresh_key(w: World, aim: Aim) -> str:
    if not aim.consumes:
        return w.untouched["key"]
    _, row = create_api_key(w.store, w.fresh("old-key"), "service", "tests")
    return row.prefix


def _fresh_rule(w: World, aim: Aim) -> str:
    if not aim.consumes:
        return w.untouched["rule"]
    name = w.fresh("retired-rule")
    add_rules(w.store, [Rule(name=name, lane="yellow", reason="to be retired", hs_codes=["85"])])
    return name


def _inspection_json(w: World, aim: Aim) -> dict:
    declaration_id, item_no = _item(w, aim)
    return {"json": {"declaration_id": declaration_id, "item_no": item_no, "result": "compliant"}}


def _inspection_form(w: World, aim: Aim) -> dict:
    declaration_id, item_no = _item(w, aim)
    return {"data": {"declaration_id": declaration_id, "item_no": str(item_no), "result": "compliant", "method": "scan"}}


def _item_with_result(w: World, aim: Aim) -> dict:
    """An item to correct: for a caller who may, one of its own given a first result now; else the
    untouched item (which has none, and must keep none)."""
    declaration_id, item_no = _item(w, aim)
    if aim.consumes:
        with w.app.state.portal.warehouse() as wh:
            record_inspection(wh, {"declaration_id": declaration_id, "item_no": item_no, "result": "fraud"}, "matrix")
    return {"declaration_id": declaration_id, "item_no": item_no}


def _item_with_decision(w: World, aim: Aim) -> dict:
    """An item whose lane to change: for a caller who may, one of its own decided red by a batch now;
    else the untouched item (which has no decision, and must get none)."""
    declaration_id, item_no = _item(w, aim)
    if aim.consumes:
        with w.app.state.portal.warehouse() as wh:
            decide_lane(wh, declaration_id, item_no, "red")
    return {"declaration_id": declaration_id, "item_no": item_no}


def _new_password_form(w: World, aim: Aim) -> dict:
    current = password_of(aim.account or "nobody")
    new = f"{current}-renewed"
    return {"data": {"current": current, "new": new, "confirm": new}}


def _new_password_api(w: World, aim: Aim) -> dict:
    name = _account(w, "renewer")  # public: every caller changes the password of an account of its own
    return {"data": {"username": name, "password": password_of(name), "new_password": f"{password_of(name)}-renewed"}}


def _declaration(w: World, aim: Aim) -> dict:
    return {"declaration_id": w.own_declaration if aim.variant == "own" else w.other_declaration}


#: (method, path) -> its path parameters: fn(world, aim) -> values
PATH_VALUES: dict[tuple[str, str], Callable[[World, Aim], dict]] = {
    ("GET", "/api/v1/declarations/{declaration_id}"): _declaration,
    ("GET", "/declarations/{declaration_id}"): _declaration,
    ("POST", "/api/v1/inspections/{declaration_id}/{item_no}/corrections"): _item_with_result,
    ("POST", "/declarations/{declaration_id}/items/{item_no}/correct"): _item_with_result,
    ("POST", "/api/v1/declarations/{declaration_id}/items/{item_no}/lane"): _item_with_decision,
    ("POST", "/declarations/{declaration_id}/items/{item_no}/lane"): _item_with_decision,
    ("POST", "/selection/rules/{name}/disable"): lambda w, a: {"name": _fresh_rule(w, a)},
    ("POST", "/admin/users/{name}/disable"): lambda w, a: {"name": _fresh_user(w, a)},
    ("POST", "/admin/apikeys/{prefix}/revoke"): lambda w, a: {"prefix": _fresh_key(w, a)},
    ("GET", "/static/{path}"): lambda w, a: {"path": "style.css"},
    ("GET", "/traders/{key}"): lambda w, a: {"key": w.own_trader if a.variant == "own" else w.other_trader},
}

#: (method, path) -> a valid, minimal body: fn(world, aim) -> request keyword arguments
BODIES: dict[tuple[str, str], Callable[[World, Aim], dict]] = {
    ("POST", "/api/v1/auth/token"):
        lambda w, a: {"data": {"username": "researcher", "password": password_of("researcher")}},
    ("POST", "/api/v1/auth/password"): _new_password_api,
    ("POST", "/api/v1/auth/logout"): lambda w, a: {},
    ("POST", "/login"): lambda w, a: {"data": {"username": "researcher", "password": password_of("researcher")}},
    ("POST", "/logout"): lambda w, a: {},
    ("POST", "/password"): _new_password_form,
    ("POST", "/api/v1/score"): lambda w, a: {"json": sample_declaration(w.fresh("MATRIX"))},
    ("POST", "/api/v1/hs/suggest"): lambda w, a: {"json": {"text": "mobile telephones for cellular networks", "top": 3}},
    ("POST", "/api/v1/inspections"): _inspection_json,
    ("POST", "/queue/record"): _inspection_form,
    ("POST", "/api/v1/inspections/{declaration_id}/{item_no}/corrections"):
        lambda w, a: {"json": {"result": "compliant", "reason": "the first result was mistyped"}},
    ("POST", "/declarations/{declaration_id}/items/{item_no}/correct"):
        lambda w, a: {"data": {"result": "compliant", "reason": "the first result was mistyped"}},
    ("POST", "/api/v1/declarations/{declaration_id}/items/{item_no}/lane"):
        lambda w, a: {"json": {"lane": "green", "reason": "known regular shipment"}},
    ("POST", "/declarations/{declaration_id}/items/{item_no}/lane"):
        lambda w, a: {"data": {"lane": "green", "reason": "known regular shipment", "confirm": "yes"}},
    ("POST", "/selection/rules/{name}/disable"): lambda w, a: {},
    ("POST", "/performance/contracts"): lambda w, a: {"data": {"contract_yaml": (
        f"id: {w.fresh('matrix')}\noffice: all\nperiod: {{from: 2024-01, to: 2024-01}}\nindicators:\n  hit_rate: 0.1\n")}},
    ("POST", "/admin/users"): lambda w, a: {"data": {"name": w.fresh("newcomer"), "role": "auditor"}},
    ("POST", "/admin/users/{name}/disable"): lambda w, a: {},
    ("POST", "/admin/apikeys"): lambda w, a: {"data": {"name": w.fresh("etl"), "role": "service"}},
    ("POST", "/admin/apikeys/{prefix}/revoke"): lambda w, a: {},
}

#: Routes aimed at an office's declaration: called for one of the officer's office and one of another.
BY_OFFICE = frozenset({
    ("GET", "/api/v1/declarations/{declaration_id}"), ("GET", "/declarations/{declaration_id}"),
    ("GET", "/traders/{key}"),
    ("POST", "/api/v1/inspections"), ("POST", "/queue/record"),
    ("POST", "/api/v1/inspections/{declaration_id}/{item_no}/corrections"),
    ("POST", "/declarations/{declaration_id}/items/{item_no}/correct"),
    ("POST", "/api/v1/declarations/{declaration_id}/items/{item_no}/lane"),
    ("POST", "/declarations/{declaration_id}/items/{item_no}/lane"),
})


def served(w: World) -> set[tuple[str, str]]:
    """Every (method, path template) the app answers: the OpenAPI document's operations, and the app's
    own route list for everything the document leaves out (pages, forms, static files)."""
    spec = w.client.get("/api/v1/openapi.json").json()
    found = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    for context in iter_route_contexts(w.app.routes):
        methods = context.methods or {"GET"}
        path = context.path_format or context.path
        if isinstance(context.original_route, APIRoute) and path.startswith(API):
            assert context.include_in_schema, f"{path}: an API route missing from the OpenAPI document"
        found |= {(m, path) for m in methods if m != "HEAD" or "GET" not in methods}
    return found


def make_call(w: World, method: str, template: str, aim: Aim) -> Call:
    call = Call(method, template, aim.variant)
    if "{" in template:
        assert (method, template) in PATH_VALUES, f"{method} {template}: add its path values to PATH_VALUES"
        call.path_values = PATH_VALUES[(method, template)](w, aim)
    if method != "GET":
        assert (method, template) in BODIES, f"{method} {template}: add a valid minimal body to BODIES"
        call.body = BODIES[(method, template)](w, aim)
    payload = {**call.path_values, **call.body.get("json", {}), **call.body.get("data", {})}
    call.sent = {str(v) for v in payload.values()}
    return call


def acting_as(w: World, caller: str, method: str, template: str) -> tuple[dict, str | None]:
    """The caller's credentials and account; on a route acting on the caller's own account or session,
    a role's caller is a new account of that role, signed in for this one request."""
    if (method, template) in OWN_ACCOUNT and caller in ROLES:
        account = _account(w, f"{caller}-self", caller)
        return {"headers": {"Authorization": f"Bearer {sign_in(w.client, account)}"}}, account
    return w.credentials[caller], None


# --- What an answer may hold ----------------------------------------------------------------------

def leaks(w: World, caller: str, call: Call, text: str) -> list[str]:
    """Identifiers in ``text`` the caller may not see (those it sent itself excepted); ``refused``: any
    caller whose request was refused, who may see no trader or declaration at all."""
    atoms = set(ATOM.findall(text))
    hyphenated = set(HYPHENATED.findall(text)) - call.sent
    sent_atoms = {a for s in call.sent for a in ATOM.findall(s)}
    found = []
    if caller == "officer":  # every answer, not only declaration searches: the overview is theirs too
        other_offices = (atoms - sent_atoms) & (w.offices - {OFFICE})
        found += [f"another office's id {o}" for o in sorted(other_offices)[:3]]
        foreign = {d for d in hyphenated & w.declaration_ids if not d.startswith(f"{OFFICE}-")}
        found += [f"another office's declaration {d}" for d in sorted(foreign)[:3]]
    if caller in ("researcher", "manager", "refused"):
        found += [f"trader id {t}" for t in sorted((atoms - sent_atoms) & w.trader_ids)[:3]]
    if caller in ("manager", "refused"):
        found += [f"declaration id {d}" for d in sorted(hyphenated & w.declaration_ids)[:3]]
    return found


def data_of(r) -> str:
    """The answer's text when it can hold data (JSON or a page; scripts and style sheets cannot)."""
    kind = r.headers.get("content-type", "")
    return r.text if "json" in kind or "html" in kind or "csv" in kind else ""


def check(w: World, caller: str, permission: str, call: Call, r) -> list[str]:
    """What is wrong with answer ``r`` (empty: nothing)."""
    where = f"{caller} {call.method} {call.url} ({call.variant}, needs {permission})"
    to_login = r.status_code == 303 and r.headers.get("location", "").startswith("/login")
    role = role_of(caller)
    if r.status_code >= 500:
        return [f"{where}: {r.status_code} {r.text[:200]}"]
    refusal = [f"{where}: the refusal holds {leak}" for leak in leaks(w, "refused", call, data_of(r))]
    if permission != "public" and caller in REFUSED_CREDENTIALS:
        if call.template.startswith(API):
            return refusal if r.status_code == 401 else [f"{where}: {r.status_code}, expected 401"]
        target = f"/login?next={call.url}" if call.method == "GET" else "/login"  # back where they were going
        if r.status_code == 303 and r.headers.get("location") == target:
            return refusal
        return [f"{where}: {r.status_code} to {r.headers.get('location')}, expected a redirect to {target}"]
    if permission != "public" and not allowed(permission, role):
        return refusal if r.status_code == 403 else [f"{where}: {r.status_code}, expected 403"]
    # Allowed (or public): the route did its work.
    problems = []
    if caller == "service-key" and (call.method, call.template) in KEY_ANSWERS:
        if r.status_code != KEY_ANSWERS[(call.method, call.template)]:
            problems.append(f"{where}: {r.status_code}, expected {KEY_ANSWERS[(call.method, call.template)]} "
                            f"(an API key has no password or session) {r.text[:200]}")
    elif caller == "officer" and call.variant == "other":
        if r.status_code != 404:
            problems.append(f"{where}: {r.status_code}, expected 404 (another office's declaration, as if missing)")
    elif r.status_code in (401, 403) or not 200 <= r.status_code < 400 or (
        to_login and (call.method, call.template) not in SIGNS_OUT
    ):
        problems.append(f"{where}: {r.status_code} {r.text[:200]}")
    problems += [f"{where}: the answer holds {leak}" for leak in leaks(w, caller, call, data_of(r))]
    return problems


def callers() -> list[str]:
    return [*ROLES, "service-key", *REFUSED_CREDENTIALS]


def run_matrix(w: World, routes: list[tuple[str, str]]) -> tuple[list[str], int]:
    problems, calls = [], 0
    for method, template in routes:
        permission = ROUTES[(method, template)]
        for variant in ("own", "other") if (method, template) in BY_OFFICE else ("own",):
            for caller in callers():
                may = permission == "public" or (caller not in REFUSED_CREDENTIALS and allowed(permission, role_of(caller)))
                # The officer's call on another office is refused as if the declaration were missing: it
                # aims at the untouched item, which must stay untouched.
                consumes = may and not (caller == "officer" and variant == "other")
                creds, account = acting_as(w, caller, method, template)
                call = make_call(w, method, template, Aim(variant, consumes, account))
                r = send(w, method, call.url, **call.body, **creds)
                problems += check(w, caller, permission, call, r)
                calls += 1
    return problems, calls


# --- The tests ------------------------------------------------------------------------------------

def test_the_route_policy_table_lists_exactly_the_routes_the_app_serves(world):
    found = served(world)
    assert found - set(ROUTES) == set(), "routes without a line in clearsight/portal/routes_policy.py"
    assert set(ROUTES) - found == set(), "lines of the route policy that name no served route"
    assert len(found) >= 36


def test_every_route_as_every_caller(world):
    """Status against the table, and content against the caller's limits, for every route; then what
    refused callers aimed at is still as it was, and what allowed callers asked for was done."""
    routes = sorted(served(world))
    problems, calls = run_matrix(world, routes)
    assert calls >= len(routes) * len(callers())
    assert problems == [], f"{len(problems)} of {calls} calls went wrong:\n" + "\n".join(problems)

    admin = world.credentials["admin"]
    accounts = send(world, "GET", "/admin/users", params={"format": "json"}, **admin).json()
    users = {u["name"]: u["disabled"] for u in accounts["users"]}
    assert users["untouchable"] is False
    assert [name for name, disabled in users.items() if name.startswith("leaver-") and disabled]
    keys = {k["prefix"]: k["revoked"] for k in accounts["api_keys"]}
    assert keys[world.untouched["key"]] is False
    rules = send(world, "GET", "/selection", params={"format": "json"}, **admin).json()["rules"]
    enabled = {r["rule"]: r["enabled"] for r in rules}
    assert enabled["kept-rule"] is True
    assert [name for name, on in enabled.items() if name.startswith("retired-rule-") and not on]
    for declaration_id, item_no in world.untouched_items.values():
        found = send(world, "GET", f"/api/v1/declarations/{declaration_id}", **admin).json()
        assert [i["result"] for i in found["items"] if i["item_no"] == item_no] == [None], declaration_id
    with world.app.state.portal.warehouse() as wh:  # no lane was decided or changed for them either
        t = lane_decisions(wh, world.store)
        keys = {(r["declaration_id"], r["item_no"], r["channel"]) for r in t.to_pyarrow().to_pylist()}
    assert not {(d, i) for d, i, _ in keys} & set(world.untouched_items.values())
    assert {c for *_, c in keys} >= {"officer"}  # and the allowed callers' changes were saved


def test_the_content_checks_see_identifiers_when_they_are_there(world):
    """The same checks on an analyst's unrestricted answer find what an officer, a researcher or a
    manager must not see, so a clean answer above means something."""
    r = send(world, "GET", "/api/v1/declarations", params={"limit": 500}, **world.credentials["analyst"])
    assert r.status_code == 200
    call = Call("GET", "/api/v1/declarations")
    as_officer = leaks(world, "officer", call, r.text)
    assert any(x.startswith("another office's id") for x in as_officer)
    assert any(x.startswith("another office's declaration") for x in as_officer)
    as_manager = leaks(world, "manager", call, r.text)
    assert any(x.startswith("trader id") for x in as_manager) and any(x.startswith("declaration id") for x in as_manager)
    assert leaks(world, "researcher", call, r.text)


#: Every list, exported: what a caller may count and export is exactly what it may read.
LISTS = ("/api/v1/declarations", "/declarations", "/queue", "/quarantine", "/audit", "/api/v1/audit")


def test_every_list_exported_as_csv_as_every_caller(world):
    """The CSV export of each list, as every caller: the status the route policy promises, and a file
    holding nothing the caller may not see (an officer's export: their offices' rows only)."""
    problems, exported = [], 0
    for path in LISTS:
        permission = ROUTES[("GET", path)]
        call = Call("GET", f"{path}?format=csv&limit=5")
        for caller in callers():
            r = send(world, "GET", call.url, **world.credentials[caller])
            problems += check(world, caller, permission, call, r)
            if caller not in REFUSED_CREDENTIALS and allowed(permission, role_of(caller)) and r.status_code == 200:
                exported += 1
                if not r.headers["content-type"].startswith("text/csv") or "attachment" not in r.headers["content-disposition"]:
                    problems.append(f"{caller} {call.url}: not a CSV attachment ({r.headers['content-type']})")
    assert exported >= len(LISTS)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("caller", ["anonymous", "researcher"])
def test_a_refused_caller_is_refused_whatever_body_it_sends(world, caller):
    """The permission check runs before the body is validated: a refused caller learns nothing from
    sending a wrong body (no 422 telling which fields the route wants)."""
    wrong_bodies = {
        "JSON of other fields": ({"json": {"unexpected": True}}, {}),
        "a form of other fields": ({"data": {"unexpected": "1"}}, {}),
        "malformed JSON": ({"content": b"{not json"}, {"Content-Type": "application/json"}),
    }
    problems, checked = [], 0
    for (method, template), permission in sorted(ROUTES.items()):
        if method == "GET" or permission == "public" or allowed(permission, role_of(caller)):
            continue
        call = make_call(world, method, template, Aim())
        want = (401 if template.startswith(API) else 303) if caller == "anonymous" else 403
        for what, (body, content_type) in wrong_bodies.items():
            headers = {**world.credentials[caller].get("headers", {}), **content_type}
            r = send(world, method, call.url, headers=headers, **body)
            checked += 1
            if r.status_code != want:
                problems.append(f"{caller} {method} {call.url} with {what}: {r.status_code} (expected {want}) {r.text[:120]}")
    assert checked >= 3 * 5
    assert problems == [], "\n".join(problems)
